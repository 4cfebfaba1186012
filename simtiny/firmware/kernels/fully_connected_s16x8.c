/* FULLY_CONNECTED 16x8: LiteRT's reference_integer_ops::FullyConnected(PerChannel) for int16
 * input: the int64 sum of filter * input over the depth, plus the bias, requantised by
 * st_requantize_single64 (not the convolution's st_requantize_int64: measured) and clamped. Products (at most 127 * 32768) are summed in int32 by 256
 * before joining the int64 sum, which then cannot overflow. */
#include "fully_connected_s16x8.h"

#include "st_quant.h"

void st_fully_connected_s16x8(const st_fully_connected_s16x8_params *p, const int16_t *input, const int8_t *filter,
                              int16_t *output) {
    for (int32_t b = 0; b < p->batches; b++, input += p->depth) {
        const int8_t *w = filter;
        for (int32_t u = 0; u < p->units; u++, w += p->depth) {
            int64_t acc = 0;
            int32_t sum = 0;
            for (int32_t d = 0; d < p->depth; d++) {
                sum += (int32_t)w[d] * input[d];
                if ((d & 255) == 255) acc += sum, sum = 0;
            }
            acc += sum;
            if (p->bias) acc += p->bias[u];
            int32_t v = st_requantize_single64(acc, p->multiplier[u], p->shift[u]);
            v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
            *output++ = (int16_t)v;
        }
    }
}
