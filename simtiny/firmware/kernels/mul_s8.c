/* MUL int8: out = requant((x1 + offset1) * (x2 + offset2)) + output zero point, clamped; the
 * requantisation is gemmlowp's double rounding (st_requantize_double), as ai-edge-litert 2.3.0's
 * MUL measurably does it, the left shift (multiplier > 1) wrapping like the int32 shift it is. */
#include "mul_s8.h"

#include "st_quant.h"

static inline int8_t mul_one(const st_mul_params *p, int8_t x1, int8_t x2) {
    const int32_t product = (p->input1_offset + x1) * (p->input2_offset + x2);
    const int32_t out = st_requantize_double(product, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)st_clamp(out, p->act_min, p->act_max);
}

static void mul_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2,
                    int32_t n, int8_t *out) {
    const st_mul_params *p = params;
    for (int32_t i = 0; i < n; i++) out[i] = mul_one(p, a[i * s1], b[i * s2]);
}

void st_mul_s8(const st_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    /* the parameters in locals: the int8 output stores may alias anything, so fields read
     * through p would be reloaded after every store */
    const st_mul_params q = *p;
    st_broadcast_walk(&q.loops, input1, input2, output, mul_row, &q);
}
