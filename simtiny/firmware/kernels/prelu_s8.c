/* PRELU int8: LiteRT's per-element arithmetic (double-rounding requantisation, int8 clamp). */
#include "prelu_s8.h"

#include "st_quant.h"

static void prelu_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                      int8_t *out) {
    const st_prelu_params *p = (const st_prelu_params *)params;
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = p->input_offset + a[i * s1];
        const int32_t v = x >= 0 ? st_requantize_double(x, p->multiplier_positive, p->shift_positive)
                                 : st_requantize_double(x * (p->alpha_offset + b[i * s2]), p->multiplier_negative,
                                                        p->shift_negative);
        const int32_t y = v + p->output_offset;
        out[i] = (int8_t)(y < -128 ? -128 : y > 127 ? 127 : y);
    }
}

void st_prelu_s8(const st_prelu_params *p, const int8_t *input, const int8_t *alpha, int8_t *output) {
    st_broadcast_walk(&p->loops, input, alpha, output, prelu_row, p);
}
