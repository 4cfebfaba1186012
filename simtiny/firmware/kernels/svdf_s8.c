/* SVDF int8: in LiteRT's order. Per batch, each filter's memory is shifted left by one (the oldest
 * value dropped) and its newest column set to the requantised feature product, saturated to
 * int16; then each filter's memory . its time weights in int32; rank filters summed per unit with
 * the bias; requantised, offset and clamped to int8. */
#include "svdf_s8.h"

#include "st_quant.h"

void st_svdf_s8(const st_svdf_params *p, const int8_t *input, int16_t *state, int8_t *output, int32_t *scratch) {
    const int32_t memory = p->memory, units = p->filters / p->rank;
    for (int32_t b = 0; b < p->batches; b++) {
        int16_t *batch_state = state + b * p->filters * memory;
        const int8_t *x = input + b * p->inputs;
        for (int32_t f = 0; f < p->filters; f++) {
            int16_t *row = batch_state + f * memory;
            for (int32_t m = 0; m + 1 < memory; m++) row[m] = row[m + 1];
            const int8_t *w = p->feature_weights + f * p->inputs;
            int32_t dot = 0;
            for (int32_t c = 0; c < p->inputs; c++) dot += w[c] * (x[c] - p->input_zero_point);
            dot = st_requantize_double(dot, p->multiplier_1, p->shift_1);
            row[memory - 1] = (int16_t)(dot < -32768 ? -32768 : dot > 32767 ? 32767 : dot);
            const int16_t *t = p->time_weights + f * memory;
            uint32_t sum = 0; /* int32 sums wrap, as LiteRT's do in practice */
            for (int32_t m = 0; m < memory; m++) sum += (uint32_t)(t[m] * row[m]);
            scratch[f] = (int32_t)sum;
        }
        for (int32_t u = 0; u < units; u++) {
            uint32_t acc = p->bias ? (uint32_t)p->bias[u] : 0;
            for (int32_t r = 0; r < p->rank; r++) acc += (uint32_t)scratch[u * p->rank + r];
            const int32_t v = st_requantize_double((int32_t)acc, p->multiplier_2, p->shift_2) + p->output_zero_point;
            *output++ = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
        }
    }
}
