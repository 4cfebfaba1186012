/* MUL int8: out = requant((x1 + offset1) * (x2 + offset2)) + output zero point, clamped. */
#include "mul_s8.h"

#include "st_quant.h"

/* MultiplyByQuantizedMultiplier as ai-edge-litert 2.3.0's MUL measurably does it: gemmlowp's
 * double rounding, the left shift (multiplier > 1) wrapping like the int32 shift it is. */
static inline int32_t requantize(int32_t x, int32_t multiplier, int32_t shift) {
    const int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t shifted = (int32_t)((uint32_t)x << left);
    return st_rounding_divide_by_pot(st_sat_rounding_doubling_high_mul(shifted, multiplier), (int)right);
}

static inline int8_t mul_one(const st_mul_params *p, int8_t x1, int8_t x2) {
    const int32_t product = (p->input1_offset + x1) * (p->input2_offset + x2);
    const int32_t out = requantize(product, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)st_clamp(out, p->act_min, p->act_max);
}

void st_mul_s8(const st_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    if (st_broadcast_empty(&p->loops)) return;
    /* the parameters in locals: the int8 output stores may alias anything, so fields read
     * through p would be reloaded after every store */
    const st_mul_params q = *p;
    const int32_t *innermost = p->loops.loops + 3 * (p->loops.ndim - 1);
    const int32_t inner = innermost[0], s1 = innermost[1], s2 = innermost[2];
    int32_t index[ST_BROADCAST_MAX_DIMS] = {0};
    int32_t o1 = 0, o2 = 0; /* element offsets of the current row in each input */
    do {
        const int8_t *a = input1 + o1, *b = input2 + o2;
        for (int32_t i = 0; i < inner; i++) output[i] = mul_one(&q, a[i * s1], b[i * s2]);
        output += inner;
    } while (st_broadcast_next(&p->loops, index, &o1, &o2));
}
