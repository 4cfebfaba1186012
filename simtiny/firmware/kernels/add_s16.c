/* ADD and SUB int16 (LiteRT's general int16 path, pot_scale_int16 false: the converter's 16x8 mode): as
 * ADD int8 (add_s8.c) with 15 bits of headroom instead of 20 and int16 values, each rescaling
 * gemmlowp's double rounding (st_requantize_double: a value may reach 2^30 here). Broadcasting
 * walks the same loop tables as the int8 kernels, in int16 elements. */
#include "add_s16.h"

#include "st_quant.h"

static inline int16_t add_one(const st_add_params *p, int32_t x1, int32_t x2) {
    const int32_t a = st_requantize_double((p->input1_offset + x1) * (1 << p->left_shift), p->input1_multiplier,
                                           p->input1_shift);
    const int32_t b = st_requantize_double((p->input2_offset + x2) * (1 << p->left_shift), p->input2_multiplier,
                                           p->input2_shift);
    const int32_t out = st_requantize_double(p->subtract ? a - b : a + b, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int16_t)st_clamp(out, p->act_min, p->act_max);
}

void st_add_s16(const st_add_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
    const st_broadcast *loops = &p->loops;
    if (st_broadcast_empty(loops)) return;
    const int32_t *inner = loops->loops + 3 * (loops->ndim - 1);
    int32_t index[ST_BROADCAST_MAX_DIMS] = {0};
    int32_t o1 = 0, o2 = 0;
    do {
        for (int32_t i = 0; i < inner[0]; i++) output[i] = add_one(p, input1[o1 + i * inner[1]], input2[o2 + i * inner[2]]);
        output += inner[0];
    } while (st_broadcast_next(loops, index, &o1, &o2));
}

/* The power-of-two path (pot_scale_int16 and every scale a power of two): one input rounded
 * down to the output's scale (the other's shift is 0), then gemmlowp's saturating 16-bit sum or
 * difference, clamped. */
void st_add_s16_pot(const st_add_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
    const int32_t r1 = p->input1_shift, r2 = p->input2_shift, sub = p->subtract;
    const int32_t act_min = p->act_min, act_max = p->act_max;
    ST_BROADCAST_EACH(&p->loops, input1, input2, output, int16_t, int16_t,
                      st_clamp(st_clamp(st_rounding_divide_by_pot(a, r1) +
                                            (sub ? -st_rounding_divide_by_pot(c, r2) : st_rounding_divide_by_pot(c, r2)),
                                        -32768, 32767),
                               act_min, act_max));
}
