/* MUL, int8, with broadcasting (LiteRT reference quantized mul). */
#ifndef ST_MUL_S8_H
#define ST_MUL_S8_H

#include <stdint.h>

#include "st_broadcast.h"

typedef struct {
    st_broadcast loops;
    int32_t output_multiplier;
    int16_t output_shift;
    int16_t input1_offset;            /* -input1 zero point */
    int16_t input2_offset;            /* -input2 zero point */
    int16_t output_offset;            /* output zero point */
    int16_t act_min, act_max;
} st_mul_params;

void st_mul_s8(const st_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif
