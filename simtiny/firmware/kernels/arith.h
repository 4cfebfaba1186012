/* ADD, SUB and MUL on int32 and float32 values, with broadcasting (LiteRT's reference Add, Sub and
 * Mul for those types): int32 sums and products wrap as the compiled C++ does, float32 ones are
 * one IEEE operation; both then clamped to the fused activation's range (float NONE:
 * -FLT_MAX..FLT_MAX, so an overflow to infinity gives FLT_MAX, as LiteRT's clamp gives it). */
#ifndef ST_ARITH_H
#define ST_ARITH_H

#include <stdint.h>

#include "st_broadcast.h"

typedef struct {
    st_broadcast loops;
    int32_t act_min, act_max;
} st_arith_s32_params;

typedef struct {
    st_broadcast loops;
    float act_min, act_max;
} st_arith_f32_params;

void st_add_s32(const st_arith_s32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void st_sub_s32(const st_arith_s32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void st_mul_s32(const st_arith_s32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
void st_add_f32(const st_arith_f32_params *p, const float *input1, const float *input2, float *output);
void st_sub_f32(const st_arith_f32_params *p, const float *input1, const float *input2, float *output);
void st_mul_f32(const st_arith_f32_params *p, const float *input1, const float *input2, float *output);

#endif
