/* NEG (-x), ABS (the sign cleared), SQRT (correctly rounded: VSQRT.F32), RSQRT (1 / sqrt(x), two
 * roundings, as LiteRT's lambda computes it), FLOOR (VRINTM), CEIL (VRINTP), SQUARE (x * x) and
 * ROUND (TF-Lite Micro's: halves to even, from the floor). The builtins compile to single
 * instructions with -fno-math-errno, which every build uses: no libm. */
#include "unary_f32.h"

/* TF-Lite Micro's RoundToNearest: from the floor f, f + 1 past the half and at an odd f's half.
 * So -0.3 gives +0 (f + 1 = -1 + 1), where a halves-to-even instruction gives -0. For |x| >= 2^23
 * (an integer, or not finite) the fraction is 0 or NaN and the floor is the answer (f + 1 of an
 * infinity or a NaN is itself), so the int conversion only sees floors below 2^23. */
static float round_to_nearest(float x) {
    const float f = __builtin_floorf(x);
    const float d = x - f;
    if (d < 0.5f) return f;
    if (d == 0.5f && (int32_t)f % 2 == 0) return f;
    return f + 1.0f;
}

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
    case ST_CEIL_F32:
        for (int32_t i = 0; i < n; i++) output[i] = __builtin_ceilf(input[i]);
        break;
    case ST_ROUND_F32:
        for (int32_t i = 0; i < n; i++) output[i] = round_to_nearest(input[i]);
        break;
    case ST_SQUARE_F32:
    default:
        for (int32_t i = 0; i < n; i++) output[i] = input[i] * input[i];
        break;
    }
}
