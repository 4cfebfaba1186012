/* MUL, int8, with broadcasting (LiteRT reference quantized mul). */
#ifndef ST_MUL_S8_H
#define ST_MUL_S8_H

#include <stdint.h>

#define ST_MUL_MAX_DIMS 6

typedef struct {
    int32_t ndim;                     /* loops, 1..ST_MUL_MAX_DIMS, outermost first */
    int32_t shape[ST_MUL_MAX_DIMS];   /* output extent of each loop */
    int32_t stride1[ST_MUL_MAX_DIMS]; /* input1 element step per loop, 0 where broadcast */
    int32_t stride2[ST_MUL_MAX_DIMS]; /* input2 element step per loop, 0 where broadcast */
    int32_t input1_offset;            /* -input1 zero point */
    int32_t input2_offset;            /* -input2 zero point */
    int32_t output_offset;            /* output zero point */
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
} st_mul_params;

void st_mul_s8(const st_mul_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

#endif
