/* ADD/SUB int8: each input rescaled to twice the larger input scale (after a left shift of 20
 * bits of headroom), summed or subtracted, requantized to the output, offset and clamped.
 * Measured against ai-edge-litert 2.3.0: its ADD/SUB/MUL requantize with gemmlowp's two
 * roundings (doubling high multiply, then rounding right shift), not the single rounding of
 * st_mul_by_quantized_multiplier. */
#include "add_s8.h"

#include "st_quant.h"

/* MultiplyByQuantizedMultiplierSmallerThanOneExp, double rounding; shift <= 0. */
static inline int32_t scale_down(int32_t x, int32_t multiplier, int32_t shift) {
    return st_rounding_divide_by_pot(st_sat_rounding_doubling_high_mul(x, multiplier), (int)-shift);
}

static inline int8_t add_one(const st_add_params *p, int8_t x1, int8_t x2) {
    const int32_t shifted1 = (p->input1_offset + x1) * (1 << p->left_shift);
    const int32_t shifted2 = (p->input2_offset + x2) * (1 << p->left_shift);
    const int32_t scaled1 = scale_down(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 = scale_down(shifted2, p->input2_multiplier, p->input2_shift);
    const int32_t raw = p->subtract ? scaled1 - scaled2 : scaled1 + scaled2;
    const int32_t out = scale_down(raw, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)st_clamp(out, p->act_min, p->act_max);
}

void st_add_s8(const st_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    if (st_broadcast_empty(&p->loops)) return;
    /* the parameters in locals: the int8 output stores may alias anything, so fields read
     * through p would be reloaded after every store */
    const st_add_params q = *p;
    const int32_t *innermost = p->loops.loops + 3 * (p->loops.ndim - 1);
    const int32_t inner = innermost[0], s1 = innermost[1], s2 = innermost[2];
    int32_t index[ST_BROADCAST_MAX_DIMS] = {0};
    int32_t o1 = 0, o2 = 0; /* element offsets of the current row in each input */
    do {
        const int8_t *a = input1 + o1, *b = input2 + o2;
        for (int32_t i = 0; i < inner; i++) output[i] = add_one(&q, a[i * s1], b[i * s2]);
        output += inner;
    } while (st_broadcast_next(&p->loops, index, &o1, &o2));
}
