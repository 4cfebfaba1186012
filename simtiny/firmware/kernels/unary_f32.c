/* NEG (-x), ABS (the sign cleared), SQRT (correctly rounded: VSQRT.F32), RSQRT (1 / sqrt(x), two
 * roundings, as LiteRT's lambda computes it), FLOOR (VRINTM) and SQUARE (x * x). The builtins compile to single instructions
 * with -fno-math-errno, which every build uses: no libm. */
#include "unary_f32.h"

void st_unary_f32(const st_unary_f32_params *p, const float *input, float *output) {
    const int32_t n = p->size;
    switch (p->op) {
    case ST_NEG_F32:
        for (int32_t i = 0; i < n; i++) output[i] = -input[i];
        break;
    case ST_ABS_F32:
        for (int32_t i = 0; i < n; i++) output[i] = __builtin_fabsf(input[i]);
        break;
    case ST_SQRT_F32:
        for (int32_t i = 0; i < n; i++) output[i] = __builtin_sqrtf(input[i]);
        break;
    case ST_RSQRT_F32:
        for (int32_t i = 0; i < n; i++) output[i] = 1.0f / __builtin_sqrtf(input[i]);
        break;
    case ST_FLOOR_F32:
        for (int32_t i = 0; i < n; i++) output[i] = __builtin_floorf(input[i]);
        break;
    default:
        for (int32_t i = 0; i < n; i++) output[i] = input[i] * input[i];
        break;
    }
}
