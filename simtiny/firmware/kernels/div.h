/* DIV with broadcasting (LiteRT reference div.h): int8 by LiteRT's fixed-point reciprocal of the
 * divisor, and float32 by IEEE division clamped to the fused activation's range. */
#ifndef ST_DIV_H
#define ST_DIV_H

#include <stdint.h>

#include "st_broadcast.h"

typedef struct {
    st_broadcast loops;
    int32_t output_multiplier, output_shift; /* input1 scale / (input2 scale * output scale) */
    int16_t input1_offset, input2_offset;    /* minus the zero points */
    int16_t output_offset;
    int16_t act_min, act_max;
} st_div_s8_params;

typedef struct {
    st_broadcast loops;
    float act_min, act_max; /* the activation's range; NONE: -FLT_MAX, FLT_MAX */
} st_div_f32_params;

void st_div_s8(const st_div_s8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void st_div_f32(const st_div_f32_params *p, const float *input1, const float *input2, float *output);

#endif
