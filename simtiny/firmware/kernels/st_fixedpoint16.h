/* gemmlowp's 16-bit fixed point (fixedpoint.h with int16_t raw values), as LiteRT's integer LSTM
 * uses it for its gates: logistic on Q3.12 and tanh on Q<m>.<15-m>, both giving Q0.15.
 * Results must equal LiteRT's bit for bit, so the C++'s int16 wrap-around is kept: sums and
 * negations are computed in int and cast back (modulo 2^16 with gcc and clang), and the 32-bit
 * constants of gemmlowp are given here already rounded to 16 bits (RescaleConstantInitializer:
 * a rounding shift right by 16). "IB" is a value's number of integer bits, 15 - IB fractional. */
#ifndef ST_FIXEDPOINT16_H
#define ST_FIXEDPOINT16_H

#include <stdint.h>

/* Inlined at every call, so that a constant number of integer bits folds the exp's barrel
 * shifter into straight-line code. */
#define ST_FP16_INLINE static inline __attribute__((always_inline))

/* SaturatingRoundingDoublingHighMul for int16: (a * b * 2) >> 16 rounded, ties away from zero. */
ST_FP16_INLINE int16_t st_fp16_mul(int16_t a, int16_t b) {
    if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
    /* gemmlowp adds 2^14 (or 1 - 2^14 below zero) and divides by 2^15 toward zero: for either
     * sign that is floor((ab + 2^14) / 2^15), one add and one arithmetic shift */
    return (int16_t)(((int32_t)a * (int32_t)b + (1 << 14)) >> 15);
}

/* RoundingDivideByPOT for int16: x / 2^exponent rounded to nearest, ties away from zero. */
ST_FP16_INLINE int16_t st_fp16_rdbp(int16_t x, int exponent) {
    const int32_t mask = (1 << exponent) - 1;
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

/* SaturatingRoundingMultiplyByPOT<exponent> for exponent >= 0: a saturating shift left. */
ST_FP16_INLINE int16_t st_fp16_shl(int16_t x, int exponent) {
    const int32_t threshold = (1 << (15 - exponent)) - 1;
    if (x > threshold) return INT16_MAX;
    if (x < -threshold) return INT16_MIN;
    return (int16_t)(x * (1 << exponent));
}

/* SaturatingAdd for int16 (AddSaturatingIf16Bit). */
ST_FP16_INLINE int16_t st_fp16_sat_add(int16_t a, int16_t b) {
    const int32_t sum = (int32_t)a + b;
    return (int16_t)(sum > INT16_MAX ? INT16_MAX : sum < INT16_MIN ? INT16_MIN : sum);
}

/* exp(a) for a in [-1/4, 0), a and result Q0.15: the Taylor expansion around -1/8. */
ST_FP16_INLINE int16_t st_fp16_exp_quarter(int16_t a) {
    const int16_t constant_term = 28918; /* exp(-1/8) */
    const int16_t one_third = 10923;
    const int16_t x = (int16_t)(a + (1 << 12)); /* a + 1/8 */
    const int16_t x2 = st_fp16_mul(x, x);
    const int16_t x3 = st_fp16_mul(x2, x);
    const int16_t x4 = st_fp16_mul(x2, x2);
    const int16_t x4_over_4 = st_fp16_rdbp(x4, 2);
    const int16_t poly = st_fp16_rdbp((int16_t)(st_fp16_mul((int16_t)(x4_over_4 + x3), one_third) + x2), 1);
    return st_fp16_sat_add(constant_term, st_fp16_mul(constant_term, (int16_t)(x + poly)));
}

/* exp(a) for a <= 0 in Q<ib> (0 <= ib <= 7), the result in Q0.15 (exp(0) = INT16_MAX). */
ST_FP16_INLINE int16_t st_fp16_exp_negative(int16_t a, int ib) {
    static const int16_t multipliers[7] = {25520, 19875, 12055, 4435, 600, 11, 0}; /* exp(-2^k), k=-2..4 */
    const int fractional = 15 - ib;
    const int32_t one_quarter = (int32_t)1 << (fractional - 2);
    const int16_t a_mod = (int16_t)((a & (one_quarter - 1)) - one_quarter);
    int16_t result = st_fp16_exp_quarter(st_fp16_shl(a_mod, ib));
    const int16_t remainder = (int16_t)(a_mod - a);
#define ST_FP16_BARREL(k) \
    if (ib > (k) && (remainder & (1 << (fractional + (k))))) result = st_fp16_mul(result, multipliers[(k) + 2])
    ST_FP16_BARREL(-2); /* written out: with ib constant, the untaken steps vanish */
    ST_FP16_BARREL(-1);
    ST_FP16_BARREL(0);
    ST_FP16_BARREL(1);
    ST_FP16_BARREL(2);
    ST_FP16_BARREL(3);
    ST_FP16_BARREL(4);
#undef ST_FP16_BARREL
    if (ib > 5) {
        const int16_t clamp = (int16_t)-(1 << (20 - ib)); /* -32.0: gemmlowp's -(1 << (36 - ib)) rounded to 16 bits */
        if (a < clamp) result = 0;
    }
    return a == 0 ? INT16_MAX : result;
}

/* Newton-Raphson for 1 / (1 + a), a in [0, 1) Q0.15; the Q2.13 estimate after three steps. */
ST_FP16_INLINE int16_t st_fp16_reciprocal_q2(int16_t a) {
    const int32_t sum = (int32_t)a + INT16_MAX;
    const int16_t half_denominator = (int16_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    int16_t x = (int16_t)(23130 + st_fp16_mul(half_denominator, -15420)); /* 48/17 - 32/17 d */
    for (int i = 0; i < 3; i++) {
        const int16_t one_minus = (int16_t)((1 << 13) - st_fp16_mul(half_denominator, x));
        x = (int16_t)(x + st_fp16_shl(st_fp16_mul(x, one_minus), 2));
    }
    return x;
}

/* logistic(a) for a in Q3.12, the result in Q0.15 (gemmlowp::logistic). */
ST_FP16_INLINE int16_t st_fp16_logistic_q3(int16_t a) {
    if (a == 0) return 1 << 14;
    const int16_t magnitude = a > 0 ? a : (int16_t)-a;
    const int16_t positive = st_fp16_shl(st_fp16_reciprocal_q2(st_fp16_exp_negative((int16_t)-magnitude, 3)), 1);
    return a > 0 ? positive : (int16_t)(INT16_MAX - positive);
}

/* tanh(a) for a in Q<ib> (0 <= ib <= 6), the result in Q0.15 (gemmlowp::tanh). */
ST_FP16_INLINE int16_t st_fp16_tanh(int16_t a, int ib) {
    if (a == 0) return 0;
    const int16_t negative = a < 0 ? a : (int16_t)-a;
    const int16_t t = st_fp16_shl((int16_t)(st_fp16_reciprocal_q2(st_fp16_exp_negative(negative, ib + 1)) - (1 << 13)), 2);
    return a < 0 ? (int16_t)-t : t;
}

#endif
