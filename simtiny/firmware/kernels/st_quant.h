/* Fixed-point arithmetic of TFLite's int8 reference kernels, shared by simtiny's kernels.
 * A result here must equal LiteRT's bit for bit, and LiteRT 2.3's kernels do not all round
 * alike (measured against ai-edge-litert 2.3.0's reference kernels):
 * - FULLY_CONNECTED requantises with one 64-bit multiply and one rounding shift
 *   (st_mul_by_quantized_multiplier; gemmlowp's two-step rounding differs on 23 of the 256
 *   inputs of hello_world_int8);
 * - CONV_2D and DEPTHWISE_CONV_2D use gemmlowp's two steps, a saturating rounding doubling
 *   high multiply then a rounding right shift (see conv2d_s8.h).
 * Each operator's tests decide which one it uses. */
#ifndef ST_QUANT_H
#define ST_QUANT_H

#include <stdint.h>

/* (a * b * 2) >> 32 rounded to nearest, saturating the one overflow case. */
static inline int32_t st_sat_rounding_doubling_high_mul(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : (1LL - (1LL << 30));
    return (int32_t)((ab + nudge) / (1LL << 31)); /* C division truncates toward zero */
}

/* x / 2^exponent rounded to nearest, ties away from zero. */
static inline int32_t st_rounding_divide_by_pot(int32_t x, int exponent) {
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* round(x * multiplier * 2^(shift - 31)), halves rounded up; multiplier is Q31, shift in
 * [-31, 30] (TFLITE_SINGLE_ROUNDING MultiplyByQuantizedMultiplier). */
static inline int32_t st_mul_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
    const int total_shift = 31 - shift;
    const int64_t round = (int64_t)1 << (total_shift - 1);
    const int64_t result = (int64_t)x * (int64_t)multiplier + round;
    return (int32_t)(result >> total_shift); /* arithmetic shift: floor */
}

static inline int32_t st_clamp(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif
