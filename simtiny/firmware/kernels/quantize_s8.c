/* QUANTIZE float32 -> int8 (or int16, its own clamp): clamp((int32)roundf(x / scale) + zero_point, -128, 127), as LiteRT's
 * reference AffineQuantize computes it on x86-64: the division in float, std::round (halves away
 * from zero), and a float -> int32 conversion that gives INT32_MIN for NaN, infinities and values
 * beyond int32 (cvttss2si), followed by a wrapping int32 add of the zero point. So 1e30 becomes
 * -128 when zero_point >= 0 and 127 when zero_point < 0, exactly like LiteRT. No libm: the
 * rounding is written here. */
#include "quantize_s8.h"

/* std::round of a float, for |x| < 2^31 (larger values and NaN are handled by the caller). */
static int32_t round_half_away(float x) {
    /* |x| < 2^31: the truncation is exact for |x| >= 2^23 (x is an integer) and below it the
     * fraction x - t is computed exactly. */
    const int32_t t = (int32_t)x;
    const float frac = x - (float)t;
    if (frac >= 0.5f) return t + 1;
    if (frac <= -0.5f) return t - 1;
    return t;
}

/* The quantized value before the output type's clamp. */
static int32_t quantize_one(float x, float scale, int32_t zero_point) {
    const float r = x / scale;
    int32_t q;
    /* x86-64 conversion semantics: anything outside [-2^31, 2^31) (NaN fails both tests) is
     * INT32_MIN. A value in [2^31 - 0.5, 2^31) would round to 2^31: floats that close to 2^31 are
     * integers, so it cannot occur. */
    if (r >= -2147483648.0f && r < 2147483648.0f) {
        q = round_half_away(r);
    } else {
        q = INT32_MIN;
    }
    return (int32_t)((uint32_t)q + (uint32_t)zero_point); /* int32 wrap, as LiteRT */
}

void st_quantize_f32_s8(const st_quantize_params *p, const float *input, int8_t *output) {
    for (int32_t i = 0; i < p->size; i++) {
        const int32_t v = quantize_one(input[i], p->scale, p->zero_point);
        output[i] = (int8_t)(v < -128 ? -128 : (v > 127 ? 127 : v));
    }
}

void st_quantize_f32_s16(const st_quantize_params *p, const float *input, int16_t *output) {
    for (int32_t i = 0; i < p->size; i++) {
        const int32_t v = quantize_one(input[i], p->scale, p->zero_point);
        output[i] = (int16_t)(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
    }
}
