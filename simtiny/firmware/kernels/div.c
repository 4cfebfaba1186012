/* DIV: LiteRT's DivElementwise per element. int8: the divisor made positive (both signs flipped),
 * its reciprocal as a Q0 fixed-point value and a shift (GetReciprocal), the dividend shifted up by
 * its headroom and multiplied by it, then the output multiplier and all the shifts in one
 * rounding shift. A divisor equal to its zero point is an error for LiteRT; here it gives what
 * the arithmetic gives. float32: a / b, then the activation clamp as std::min/std::max do it, so
 * that division by zero gives +-FLT_MAX (or the activation's bound) and NaN stays NaN. */
#include "div.h"

#include "st_fixedpoint.h"
#include "st_quant.h"

/* CountLeadingSignBits of an int32: redundant sign bits (31 for 0 and -1). */
static int32_t leading_sign_bits(int32_t x) {
    return x >= 0 ? st_fp_clz32((uint32_t)x) - 1 : st_fp_clz32(~(uint32_t)x) - 1;
}

static void div_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                    int8_t *out) {
    const st_div_s8_params *p = (const st_div_s8_params *)params;
    for (int32_t i = 0; i < n; i++) {
        int32_t dividend = p->input1_offset + a[i * s1];
        int32_t divisor = p->input2_offset + b[i * s2];
        if (divisor < 0) {
            dividend = -dividend;
            divisor = -divisor;
        }
        int recip_shift;
        const int32_t reciprocal = st_fp_get_reciprocal(divisor, 31, &recip_shift);
        const int32_t headroom = leading_sign_bits(dividend);
        const int32_t quotient =
            st_sat_rounding_doubling_high_mul((int32_t)((uint32_t)dividend << headroom), reciprocal);
        const int32_t total_shift = p->output_shift - recip_shift - headroom; /* <= 0: the code generator checks */
        const int32_t v = st_rounding_divide_by_pot(st_sat_rounding_doubling_high_mul(quotient, p->output_multiplier),
                                                    (int)-total_shift) +
                          p->output_offset;
        out[i] = (int8_t)(v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v);
    }
}

void st_div_s8(const st_div_s8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    st_broadcast_walk(&p->loops, input1, input2, output, div_row, p);
}

static float div_f32(float a, float b, const void *params) {
    const st_div_f32_params *p = (const st_div_f32_params *)params;
    float v = a / b;
    v = v < p->act_min ? p->act_min : v; /* std::max(v, min) */
    return p->act_max < v ? p->act_max : v; /* std::min(v, max) */
}

void st_div_f32(const st_div_f32_params *p, const float *input1, const float *input2, float *output) {
    st_broadcast_walk_f32(&p->loops, input1, input2, output, div_f32, p);
}
