/* SQUARED_DIFFERENCE: LiteRT's per-element arithmetic. int8: each offset input shifted left by 7
 * and rescaled (MultiplyByQuantizedMultiplierSmallerThanOneExp), the difference squared in int32
 * (at most 255^2 * 2^14), rescaled to the output and clamped. */
#include "squared_difference.h"

#include "st_quant.h"

static int32_t rescale(int32_t x, int32_t multiplier, int32_t shift) {
    return st_rounding_divide_by_pot(st_sat_rounding_doubling_high_mul(x, multiplier), (int)-shift);
}

static void squared_difference_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2,
                                   int32_t n, int8_t *out) {
    const st_squared_difference_s8_params *p = (const st_squared_difference_s8_params *)params;
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = rescale((p->input1_offset + a[i * s1]) * (1 << 7), p->input1_multiplier, p->input1_shift);
        const int32_t y = rescale((p->input2_offset + b[i * s2]) * (1 << 7), p->input2_multiplier, p->input2_shift);
        const int32_t v = rescale((x - y) * (x - y), p->output_multiplier, p->output_shift) + p->output_offset;
        out[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
}

void st_squared_difference_s8(const st_squared_difference_s8_params *p, const int8_t *input1, const int8_t *input2,
                              int8_t *output) {
    st_broadcast_walk(&p->loops, input1, input2, output, squared_difference_row, p);
}

/* int16 (TF-Lite Micro's; LiteRT has none): no headroom shift, zero points 0. */
static inline int16_t squared_difference_s16(const st_squared_difference_s8_params *p, int32_t a, int32_t b) {
    const int32_t x = rescale(a, p->input1_multiplier, p->input1_shift);
    const int32_t y = rescale(b, p->input2_multiplier, p->input2_shift);
    const int32_t v = rescale((x - y) * (x - y), p->output_multiplier, p->output_shift);
    return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}

void st_squared_difference_s16(const st_squared_difference_s8_params *p, const int16_t *input1,
                               const int16_t *input2, int16_t *output) {
    ST_BROADCAST_EACH(&p->loops, input1, input2, output, int16_t, int16_t, squared_difference_s16(p, a, c));
}

static float squared_difference_f32(float a, float b, const void *params) {
    (void)params;
    const float d = a - b;
    return d * d;
}

void st_squared_difference_f32(const st_broadcast *loops, const float *input1, const float *input2, float *output) {
    st_broadcast_walk_f32(loops, input1, input2, output, squared_difference_f32, 0);
}
