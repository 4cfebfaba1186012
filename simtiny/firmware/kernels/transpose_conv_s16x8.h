/* TRANSPOSE_CONV with int16 activations and int8 weights (the converter's 16x8 mode; LiteRT
 * reference_integer_ops::TransposeConv for int16): the int8 kernel's gather (transpose_conv_s8.h)
 * with int64 sums and an int64 bias, requantised per output channel with the multiplier cut to
 * 16 bits (st_requantize_int64), zero points 0, clamped. */
#ifndef ST_TRANSPOSE_CONV_S16X8_H
#define ST_TRANSPOSE_CONV_S16X8_H

#include <stdint.h>

#include "transpose_conv_s8.h"

typedef struct {
    st_transpose_conv_params geometry; /* its offsets are 0, its bias unused */
    const int64_t *bias;               /* [out_c], or 0 */
} st_transpose_conv_s16x8_params;

/* scratch: out_c int64 accumulators (8-byte aligned). */
void st_transpose_conv_s16x8(const st_transpose_conv_s16x8_params *p, const int16_t *input, int16_t *output,
                             int64_t *scratch);

#endif
