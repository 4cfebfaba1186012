/* ADD and SUB, int8, with broadcasting (LiteRT reference quantized add/sub, left shift 20). */
#ifndef ST_ADD_S8_H
#define ST_ADD_S8_H

#include <stdint.h>

#include "st_broadcast.h"

typedef struct {
    st_broadcast loops;
    int32_t input1_multiplier, input2_multiplier, output_multiplier;
    int8_t input1_shift, input2_shift, output_shift; /* <= 0 */
    int8_t left_shift;
    int16_t input1_offset;            /* -input1 zero point */
    int16_t input2_offset;            /* -input2 zero point */
    int16_t output_offset;            /* output zero point */
    int16_t act_min, act_max;
    int16_t subtract; /* 1: SUB (input1 - input2), 0: ADD */
} st_add_params;

/* tables: 0, or scratch for 512 int32 (the inputs' rescaled values, tabulated). */
void st_add_s8(const st_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output, int32_t *tables);
/* The same with tables (never 0) where the output's requantisation can take st_requantize_fast:
 * a right shift of 1 to ST_FAST_MAX_RIGHT bits, a multiplier >= 0, the activation all of int8. */
void st_add_s8_fast(const st_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
                    int32_t *tables);

#endif
