/* SQUARED_DIFFERENCE with broadcasting (LiteRT squared_difference.cc): int8 by ADD's scheme (both
 * inputs rescaled to a common scale with 7 bits of headroom, the difference squared, requantised),
 * int16 the same with no headroom and zero points 0 (TF-Lite Micro's: LiteRT has no int16 kernel),
 * float32 as (a - b) * (a - b). */
#ifndef ST_SQUARED_DIFFERENCE_H
#define ST_SQUARED_DIFFERENCE_H

#include <stdint.h>

#include "st_broadcast.h"

typedef struct {
    st_broadcast loops;
    int32_t input1_multiplier, input2_multiplier, output_multiplier;
    int16_t input1_shift, input2_shift, output_shift; /* all <= 0 */
    int16_t input1_offset, input2_offset, output_offset;
} st_squared_difference_s8_params;

void st_squared_difference_s8(const st_squared_difference_s8_params *p, const int8_t *input1, const int8_t *input2,
                              int8_t *output);
/* The offsets of p are 0. */
void st_squared_difference_s16(const st_squared_difference_s8_params *p, const int16_t *input1,
                               const int16_t *input2, int16_t *output);
void st_squared_difference_f32(const st_broadcast *loops, const float *input1, const float *input2, float *output);

#endif
