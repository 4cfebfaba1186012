/* FULLY_CONNECTED int8: out[b][o] = requant(bias[o] + sum_d (w[o][d] + fo) * (x[b][d] + io)). */
#include "fully_connected_s8.h"

#include "st_quant.h"

void ST_CHANNEL_KERNEL(st_fully_connected_s8)(const st_fully_connected_params *p, const int8_t *input,
                           const int8_t *filter, int8_t *output) {
    const int32_t depth = p->accum_depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * depth;
        for (int32_t o = 0; o < p->output_depth; o++) {
            const int8_t *w = filter + o * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; d++) {
                acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
            }
            acc += st_channel_bias(&p->channels, o);
            int32_t mult, shift;
            st_channel_requant(&p->channels, o, &mult, &shift);
            acc = st_mul_by_quantized_multiplier(acc, mult, (int)shift);
            acc += p->output_offset;
            output[b * p->output_depth + o] = (int8_t)st_clamp(acc, p->act_min, p->act_max);
        }
    }
}
