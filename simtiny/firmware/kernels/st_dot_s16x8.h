/* The dot product of int16 values and int8 weights, exact in int64, shared by the 16x8 kernels
 * (FULLY_CONNECTED, the LSTM's gates). With the DSP extension, four products per two SMLADs: the
 * weights' bytes 0, 2 and 1, 3 sign-extended into halfword pairs, the values paired to match
 * (PKHBT, PKHTB); the int32 sums of at most 64 groups join the int64 sum, so they cannot overflow
 * (64 * 4 * 2^22 = 2^30). Portable C sums 256 products in int32 likewise. */
#ifndef ST_DOT_S16X8_H
#define ST_DOT_S16X8_H

#include <stdint.h>

#include "st_dsp.h"

#define ST_DOT_S16X8_GROUPS 64 /* groups of four products per int32 sum */

static inline int64_t st_dot_s16x8(const int16_t *x, const int8_t *w, int32_t n) {
    if (n < 8) { /* a few channels (an RGB image, a small LSTM): the plain loop is faster */
        int32_t few = 0;
        for (int32_t k = 0; k < n; k++) few += (int32_t)w[k] * x[k];
        return few;
    }
    int64_t acc = 0;
    int32_t k = 0;
#if defined(__ARM_FEATURE_DSP)
    const int32_t whole = n & ~3;
    while (k < whole) {
        const int32_t end = whole - k > 4 * ST_DOT_S16X8_GROUPS ? k + 4 * ST_DOT_S16X8_GROUPS : whole;
        uint32_t sum = 0;
        for (; k < end; k += 4) {
            uint32_t x01, x23;
            __builtin_memcpy(&x01, x + k, 4);
            __builtin_memcpy(&x23, x + k + 2, 4);
            const uint32_t weights = st_load4(w + k);
            sum = st_smlad(st_pack_lo(x01, x23), st_sxtb16(weights), sum);
            sum = st_smlad(st_pack_hi(x01, x23), st_sxtb16_ror8(weights), sum);
        }
        acc += (int32_t)sum;
    }
#endif
    int32_t sum = 0;
    for (int32_t count = 0; k < n; k++) {
        sum += (int32_t)w[k] * x[k];
        if (++count == 256) acc += sum, sum = 0, count = 0;
    }
    return acc + sum;
}

#endif
