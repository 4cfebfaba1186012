/* Requantisation as TFLite's int8 reference kernels do it, one function per rounding mode, shared
 * by every kernel. A result here must equal LiteRT's bit for bit, and LiteRT 2.3's kernels do not
 * all round alike (measured against ai-edge-litert 2.3.0's reference kernels):
 * - FULLY_CONNECTED requantises with one 64-bit multiply and one rounding shift
 *   (st_requantize_single; gemmlowp's two-step rounding differs on 23 of the 256 inputs of
 *   hello_world_int8);
 * - CONV_2D, DEPTHWISE_CONV_2D, ADD, SUB, MUL, MEAN and SOFTMAX use gemmlowp's two steps, a
 *   saturating rounding doubling high multiply then a rounding right shift (st_requantize_double).
 * Each operator's tests decide which one it uses. */
#ifndef ST_QUANT_H
#define ST_QUANT_H

#include <stdint.h>

/* gemmlowp SaturatingRoundingDoublingHighMul: (a * b * 2) >> 32 rounded to nearest, saturating
 * the one overflow case. gemmlowp computes (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31 with a
 * division that truncates toward zero; that equals floor((ab + 2^30) / 2^31) for either sign of
 * ab (for ab < 0 the truncation adds 2^31 - 1 before flooring, and 1 - 2^30 + 2^31 - 1 = 2^30),
 * which is one add and one arithmetic shift. */
static inline int32_t st_sat_rounding_doubling_high_mul(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX; /* the one product that does not fit */
    /* >> of a negative int64 is an arithmetic shift with gcc and clang (floor) */
    return (int32_t)(((int64_t)a * (int64_t)b + (1LL << 30)) >> 31);
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero. */
static inline int32_t st_rounding_divide_by_pot(int32_t x, int exponent) {
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier with gemmlowp's double rounding (TFLite without
 * TFLITE_SINGLE_ROUNDING): x << left_shift (wrapping, as the compiled int32 shift does), a
 * rounding doubling high multiply, then a rounding right shift. shift in [-31, 31]. */
static inline int32_t st_requantize_double(int32_t x, int32_t multiplier, int32_t shift) {
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    const int32_t scaled = (int32_t)((uint32_t)x << left);
    return st_rounding_divide_by_pot(st_sat_rounding_doubling_high_mul(scaled, multiplier), right);
}

/* MultiplyByQuantizedMultiplier with TFLITE_SINGLE_ROUNDING: round(x * multiplier *
 * 2^(shift - 31)), halves rounded up; multiplier is Q31, shift in [-31, 30]. */
static inline int32_t st_requantize_single(int32_t x, int32_t multiplier, int shift) {
    const int total_shift = 31 - shift;
    const int64_t round = (int64_t)1 << (total_shift - 1);
    const int64_t result = (int64_t)x * (int64_t)multiplier + round;
    return (int32_t)(result >> total_shift); /* arithmetic shift: floor */
}

/* MultiplyByQuantizedMultiplier for the int64 accumulators of the 16x8 kernels (int16 activations,
 * int8 weights), as LiteRT builds it without TFLITE_SINGLE_ROUNDING: the multiplier rounded to
 * its top 16 bits (0x7FFF from 0x7FFF0000 up), one multiply, one rounding shift by 15 - shift.
 * shift in [-31, 7]; |x| < 2^47, so the product fits. */
static inline int32_t st_requantize_int64(int64_t x, int32_t multiplier, int32_t shift) {
    const int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16 : 0x7FFF;
    const int total = 15 - (int)shift;
    /* >> of a negative int64 is an arithmetic shift with gcc and clang (floor) */
    return (int32_t)((x * reduced + ((int64_t)1 << (total - 1))) >> total);
}

/* The same for FULLY_CONNECTED's 16x8 kernel, which LiteRT requantises with the whole multiplier
 * and one rounding (measured: as its int8 FULLY_CONNECTED, st_requantize_single). The code
 * generator refuses layers where x * multiplier could leave int64 or the result int32. */
static inline int32_t st_requantize_single64(int64_t x, int32_t multiplier, int32_t shift) {
    const int total = 31 - (int)shift;
    return (int32_t)((x * multiplier + ((int64_t)1 << (total - 1))) >> total);
}

/* gemmlowp's double rounding (st_requantize_double) for accumulators the code generator has
 * bounded: |acc * 2^left| < 2^30 for every input the layer can see (simtiny.lower.bounds). Then
 * the doubling high multiply is one rounding 32 x 32 high multiply of acc * 2^(left + 1) (SMMULR,
 * no saturation case), and the rounding right shift by r is (v + 2^(r-1) - [v < 0]) >> r, which
 * cannot overflow since |v| < 2^30. Built once per channel by st_requant_bounded_make. */
typedef struct {
    int32_t left1;     /* left + 1 */
    int32_t mult;      /* the multiplier, any sign */
    int32_t round;     /* 2^(r-1), 0 when r = 0 */
    int32_t sign_mask; /* -1 when r > 0 (ties away from zero), 0 when r = 0 */
    int32_t right;     /* r */
} st_requant_bounded;

static inline st_requant_bounded st_requant_bounded_make(int32_t multiplier, int32_t shift) {
    const int32_t right = shift > 0 ? 0 : -shift;
    const st_requant_bounded q = {(shift > 0 ? shift : 0) + 1, multiplier,
                                  right > 0 ? (int32_t)(1u << (right - 1)) : 0, right > 0 ? -1 : 0, right};
    return q;
}

static inline int32_t st_requantize_bounded(int32_t acc, const st_requant_bounded *q) {
    const int32_t x2 = (int32_t)((uint32_t)acc << q->left1);
#if defined(__ARM_FEATURE_DSP)
    int32_t v;
    __asm__("smmulr %0, %1, %2" : "=r"(v) : "r"(x2), "r"(q->mult));
#else
    const int32_t v = (int32_t)(((int64_t)x2 * q->mult + (1LL << 31)) >> 32);
#endif
    return (v + q->round + ((v >> 31) & q->sign_mask)) >> q->right;
}

/* The cheapest exact form of st_requantize_bounded, output offset and int8 saturation
 * included, for layers the code generator bounded (|acc| < 2^30) whose every channel shifts
 * right by r in [1, ST_FAST_MAX_RIGHT] (no left shift) with a multiplier >= 0, and whose
 * activation spans all of int8. The kernel passes acc2 = 2 * acc (a shift, or doubled inputs and
 * bias): the doubling high multiply is then one SMMULR, and the rounding right shift
 * (v + 2^(r-1) - [v < 0]) >> r takes the output offset as offset * 2^r in the same constant A
 * (the floor of a sum with a multiple of 2^r), which cannot overflow: |v| < 2^30 and
 * 2^(r-1) + 128 * 2^r < 2^30. SMMLAR adds A to the rounded product in the same instruction, and
 * the sign is acc2's rather than v's: with a multiplier >= 0 they differ only where v rounds to
 * 0 from a negative acc2, and there (A - 1) >> r = A >> r, since r >= 1 and A's low r bits are
 * 2^(r-1). */
#define ST_FAST_MAX_RIGHT 22
typedef struct {
    int32_t mult;  /* the multiplier, >= 0 */
    int32_t add;   /* 2^(r-1) + output_offset * 2^r */
    int32_t right; /* r */
} st_requant_fast;

static inline st_requant_fast st_requant_fast_make(int32_t multiplier, int32_t shift, int32_t offset) {
    const int32_t right = -shift;
    const st_requant_fast q = {multiplier, (int32_t)((1u << (right - 1)) + ((uint32_t)offset << right)), right};
    return q;
}

static inline int32_t st_clamp(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

/* x clamped to [-128, 127]: one SSAT where the core has it. */
static inline int32_t st_ssat8(int32_t x) {
#if defined(__ARM_FEATURE_SAT)
    int32_t r;
    __asm__("ssat %0, #8, %1" : "=r"(r) : "r"(x));
    return r;
#else
    return st_clamp(x, -128, 127);
#endif
}

/* acc2 (twice the accumulator) requantised, offset and saturated to int8 (st_requant_fast). */
static inline int32_t st_requantize_fast(uint32_t acc2, const st_requant_fast *q) {
#if defined(__ARM_FEATURE_DSP)
    int32_t t;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(t) : "r"(acc2), "r"(q->mult), "r"(q->add));
#else
    const int32_t t = q->add + (int32_t)(((int64_t)(int32_t)acc2 * q->mult + (1LL << 31)) >> 32);
#endif
    return st_ssat8((t + ((int32_t)acc2 >> 31)) >> q->right);
}

#endif
