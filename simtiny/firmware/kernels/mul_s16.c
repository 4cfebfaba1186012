/* MUL int16: MUL int8's arithmetic (mul_s8.c) on int16 values, zero points 0 as LiteRT holds
 * them, so the product stays within 2^30; gemmlowp's double rounding; the int16 clamp. */
#include "mul_s16.h"

#include "st_quant.h"

void st_mul_s16(const st_mul_params *p, const int16_t *input1, const int16_t *input2, int16_t *output) {
    const st_mul_params q = *p; /* in locals: the int16 stores may alias the fields */
    ST_BROADCAST_EACH(&q.loops, input1, input2, output, int16_t, int16_t,
                      st_clamp(st_requantize_double((int32_t)a * c, q.output_multiplier, q.output_shift),
                               q.act_min, q.act_max));
}
