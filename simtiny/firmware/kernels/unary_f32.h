/* Float32 element-wise functions as LiteRT's reference computes them (elementwise.cc, neg.cc):
 * each one IEEE operation (or two, for RSQRT), so the results are exact whatever the FPU. */
#ifndef ST_UNARY_F32_H
#define ST_UNARY_F32_H

#include <stdint.h>

typedef enum {
    ST_NEG_F32,
    ST_ABS_F32,
    ST_SQRT_F32,
    ST_RSQRT_F32,
    ST_FLOOR_F32,
    ST_SQUARE_F32,
    ST_CEIL_F32,
    ST_ROUND_F32
} st_unary_f32_op;

typedef struct {
    int32_t size; /* elements */
    int32_t op;   /* st_unary_f32_op */
} st_unary_f32_params;

/* output may be input (in place). */
void st_unary_f32(const st_unary_f32_params *p, const float *input, float *output);

#endif
