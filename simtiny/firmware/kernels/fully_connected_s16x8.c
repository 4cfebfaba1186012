/* FULLY_CONNECTED 16x8: LiteRT's reference_integer_ops::FullyConnected(PerChannel) for int16
 * input: the int64 sum of filter * input over the depth (st_dot_s16x8, with its DSP path), plus
 * the bias, requantised by st_requantize_single64 (not the convolution's st_requantize_int64:
 * measured) and clamped. */
#include "fully_connected_s16x8.h"

#include "st_dot_s16x8.h"
#include "st_quant.h"

void st_fully_connected_s16x8(const st_fully_connected_s16x8_params *p, const int16_t *input, const int8_t *filter,
                              int16_t *output) {
    for (int32_t b = 0; b < p->batches; b++, input += p->depth) {
        const int8_t *w = filter;
        for (int32_t u = 0; u < p->units; u++, w += p->depth) {
            int64_t acc = st_dot_s16x8(input, w, p->depth);
            if (p->bias) acc += p->bias[u];
            int32_t v = st_requantize_single64(acc, p->multiplier[u], p->shift[u]);
            v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
            *output++ = (int16_t)v;
        }
    }
}
