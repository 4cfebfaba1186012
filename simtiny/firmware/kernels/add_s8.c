/* ADD/SUB int8: each input rescaled to twice the larger input scale (after a left shift of 20
 * bits of headroom), summed or subtracted, requantized to the output, offset and clamped.
 * Measured against ai-edge-litert 2.3.0: its ADD/SUB/MUL requantize with gemmlowp's two
 * roundings (st_requantize_double), not the single rounding of FULLY_CONNECTED. */
#include "add_s8.h"

#include "st_quant.h"

static inline int8_t add_one(const st_add_params *p, int8_t x1, int8_t x2) {
    const int32_t shifted1 = (p->input1_offset + x1) * (1 << p->left_shift);
    const int32_t shifted2 = (p->input2_offset + x2) * (1 << p->left_shift);
    const int32_t scaled1 = st_requantize_double(shifted1, p->input1_multiplier, p->input1_shift);
    const int32_t scaled2 = st_requantize_double(shifted2, p->input2_multiplier, p->input2_shift);
    const int32_t raw = p->subtract ? scaled1 - scaled2 : scaled1 + scaled2;
    const int32_t out = st_requantize_double(raw, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)st_clamp(out, p->act_min, p->act_max);
}

static void add_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2,
                    int32_t n, int8_t *out) {
    const st_add_params *p = params;
    for (int32_t i = 0; i < n; i++) out[i] = add_one(p, a[i * s1], b[i * s2]);
}

void st_add_s8(const st_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output) {
    /* the parameters in locals: the int8 output stores may alias anything, so fields read
     * through p would be reloaded after every store */
    const st_add_params q = *p;
    st_broadcast_walk(&q.loops, input1, input2, output, add_row, &q);
}
