/* ADD, SUB, MUL int32 and float32 (arith.h). */
#include "arith.h"

static int32_t clamp_s32(uint32_t v, const st_arith_s32_params *p) {
    const int32_t x = (int32_t)v; /* the wrapped result */
    return x < p->act_min ? p->act_min : x > p->act_max ? p->act_max : x;
}

/* ActivationFunctionWithMinMax: std::min(std::max(x, min), max); NaN stays NaN. */
static float clamp_f32(float x, const st_arith_f32_params *p) {
    const float low = x < p->act_min ? p->act_min : x;
    return p->act_max < low ? p->act_max : low;
}

#define ST_ARITH(name, type, params, expr)                                                  \
    void name(const params *p, const type *input1, const type *input2, type *output) {      \
        ST_BROADCAST_EACH(&p->loops, input1, input2, output, type, type, expr);             \
    }

ST_ARITH(st_add_s32, int32_t, st_arith_s32_params, clamp_s32((uint32_t)a + (uint32_t)c, p))
ST_ARITH(st_sub_s32, int32_t, st_arith_s32_params, clamp_s32((uint32_t)a - (uint32_t)c, p))
ST_ARITH(st_mul_s32, int32_t, st_arith_s32_params, clamp_s32((uint32_t)a * (uint32_t)c, p))
ST_ARITH(st_add_f32, float, st_arith_f32_params, clamp_f32(a + c, p))
ST_ARITH(st_sub_f32, float, st_arith_f32_params, clamp_f32(a - c, p))
ST_ARITH(st_mul_f32, float, st_arith_f32_params, clamp_f32(a * c, p))
