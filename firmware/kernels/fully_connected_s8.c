/* FULLY_CONNECTED int8: out[b][o] = requant(bias[o] + sum_d (w[o][d] + fo) * (x[b][d] + io)). */
#include "fully_connected_s8.h"

#include "st_quant.h"

void st_fully_connected_s8(const st_fully_connected_params *p, const int8_t *input,
                           const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t depth = p->accum_depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * depth;
        for (int32_t o = 0; o < p->output_depth; o++) {
            const int8_t *w = filter + o * depth;
            int32_t acc = 0;
            for (int32_t d = 0; d < depth; d++) {
                acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
            }
            if (bias) acc += bias[o];
            const int32_t c = p->per_channel ? o : 0;
            acc = st_mul_by_quantized_multiplier(acc, p->multiplier[c], (int)p->shift[c]);
            acc += p->output_offset;
            output[b * p->output_depth + o] = (int8_t)st_clamp(acc, p->act_min, p->act_max);
        }
    }
}
