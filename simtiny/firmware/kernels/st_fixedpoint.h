/* gemmlowp fixed-point arithmetic (fixedpoint.h) as LiteRT's int8 reference kernels use it:
 * exp on negative values, 1 / (1 + x) and the reciprocal of a fixed-point sum, on top of the
 * high multiply and rounding shift of st_quant.h. Results must equal LiteRT's bit for bit.
 * Fixed-point values are raw int32_t; "Qm" below means m integer bits, 31 - m fractional. */
#ifndef ST_FIXEDPOINT_H
#define ST_FIXEDPOINT_H

#include <stdint.h>

#include "st_quant.h"

/* Shift left by exponent (1..31) as int32, wrapping like the C++ it mirrors, without UB. */
static inline int32_t st_fp_shl_wrap(int32_t x, int exponent) {
    return (int32_t)((uint32_t)x << exponent);
}

/* gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0: saturating shift left. */
static inline int32_t st_fp_sat_shl(int32_t x, int exponent) {
    const int32_t threshold = (int32_t)((1LL << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return st_fp_shl_wrap(x, exponent);
}

/* gemmlowp RoundingHalfSum: (a + b) / 2 rounded to nearest, ties away from zero. */
static inline int32_t st_fp_rounding_half_sum(int32_t a, int32_t b) {
    const int64_t sum = (int64_t)a + (int64_t)b;
    return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* exp(a) for a in [-1/4, 0), a and result Q0. Taylor expansion around -1/8. */
static inline int32_t st_fp_exp_on_interval_minus_quarter_0(int32_t a) {
    const int32_t constant_term = 1895147668;  /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = a + (1 << 28);           /* a + 1/8 */
    const int32_t x2 = st_sat_rounding_doubling_high_mul(x, x);
    const int32_t x3 = st_sat_rounding_doubling_high_mul(x2, x);
    const int32_t x4 = st_sat_rounding_doubling_high_mul(x2, x2);
    const int32_t x4_over_4 = st_rounding_divide_by_pot(x4, 2);
    const int32_t poly = st_rounding_divide_by_pot(
        st_sat_rounding_doubling_high_mul(x4_over_4 + x3, constant_1_over_3) + x2, 1);
    return constant_term + st_sat_rounding_doubling_high_mul(constant_term, x + poly);
}

/* gemmlowp exp_on_negative_values: exp(a) for a <= 0 given in Q<integer_bits> (0..29);
 * the result is Q0 (exp(0) = INT32_MAX). */
static inline int32_t st_fp_exp_on_negative_values(int32_t a, int integer_bits) {
    static const int32_t multipliers[7] = {  /* exp(-2^k) in Q0, k = -2 .. 4 */
        1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    const int32_t a_mod_quarter_minus_quarter = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = st_fp_exp_on_interval_minus_quarter_0(
        integer_bits ? st_fp_sat_shl(a_mod_quarter_minus_quarter, integer_bits)
                     : a_mod_quarter_minus_quarter);
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int k = -2; k <= 4; k++) {
        if (integer_bits > k && fractional_bits + k >= 0 &&
            (remainder & ((int32_t)1 << (fractional_bits + k)))) {
            result = st_sat_rounding_doubling_high_mul(result, multipliers[k + 2]);
        }
    }
    if (integer_bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
        if (a < clamp) result = 0;
    }
    return a == 0 ? INT32_MAX : result;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a in [0, 1), Q0 in and out;
 * Newton-Raphson division with three iterations, as in LiteRT. */
static inline int32_t st_fp_one_over_one_plus_x(int32_t a) {
    const int32_t half_denominator = st_fp_rounding_half_sum(a, INT32_MAX);
    const int32_t constant_48_over_17 = 1515870810;    /* Q2 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* Q2 */
    int32_t x = constant_48_over_17 +
                st_sat_rounding_doubling_high_mul(half_denominator, constant_neg_32_over_17);
    for (int i = 0; i < 3; i++) {
        const int32_t half_denominator_times_x = st_sat_rounding_doubling_high_mul(half_denominator, x);
        const int32_t one_minus = ((int32_t)1 << 29) - half_denominator_times_x; /* Q2 one */
        x = x + st_fp_sat_shl(st_sat_rounding_doubling_high_mul(x, one_minus), 2);
    }
    return st_fp_sat_shl(x, 1); /* Q2 x / 2 read as Q1, rescaled to Q0 */
}

/* Count of leading zero bits of a 32-bit value (32 for zero). */
static inline int st_fp_clz32(uint32_t x) {
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

/* LiteRT GetReciprocal: 1 / x for x > 0 in Q<x_integer_digits>, as a Q0 value scaled by
 * 2^-num_bits_over_unit (the result is 1 / (x * 2^-num_bits_over_unit) in Q0). */
static inline int32_t st_fp_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
    const int headroom_plus_one = st_fp_clz32((uint32_t)x);
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)((headroom_plus_one < 32 ? (uint32_t)x << headroom_plus_one : 0u) - ((uint32_t)1 << 31));
    return st_fp_one_over_one_plus_x(shifted_sum_minus_one);
}

/* LiteRT GetInvSqrtQuantizedMultiplierExp(x, kReverseShift = -1): 1 / sqrt(x) for x >= 0 as a
 * Q31 multiplier and a left shift (x <= 1 gives INT32_MAX, 0), by five Newton-Raphson steps in
 * gemmlowp's Q3 fixed point. */
static inline void st_fp_inv_sqrt(int32_t x, int32_t *multiplier, int32_t *shift) {
    if (x <= 1) {
        *multiplier = INT32_MAX;
        *shift = 0;
        return;
    }
    int32_t s = 11;
    while (x >= (1 << 29)) {
        x /= 4;
        s++;
    }
    const int32_t pairs = (st_fp_clz32((uint32_t)x) - 1) / 2 - 1;
    s -= pairs;
    x <<= 2 * pairs;
    const int32_t half_input = st_rounding_divide_by_pot(x >> 1, 1);
    const int32_t half_three = (1 << 28) + (1 << 27);
    int32_t y = 1 << 28; /* Q3 one */
    for (int i = 0; i < 5; i++) {
        const int32_t y3 = st_fp_sat_shl(
            st_sat_rounding_doubling_high_mul(st_sat_rounding_doubling_high_mul(y, y), y), 6);
        y = st_fp_sat_shl((int32_t)((uint32_t)st_sat_rounding_doubling_high_mul(half_three, y) -
                                    (uint32_t)st_sat_rounding_doubling_high_mul(half_input, y3)),
                          3);
    }
    y = st_sat_rounding_doubling_high_mul(y, 1518500250); /* sqrt(2) / 2 */
    if (s < 0) {
        y = st_fp_shl_wrap(y, -s);
        s = 0;
    }
    *multiplier = y;
    *shift = -s;
}

#endif
