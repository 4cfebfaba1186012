/* LOG_SOFTMAX int8: per row, exp of each difference to the maximum (Q5 in, Q0 out) summed in
 * Q12, the sum's log in Q5 (gemmlowp's log_x_for_x_greater_than_or_equal_to_1, as LiteRT's
 * common.h computes it), and each output (difference - log sum) rescaled to Q4 and offset by 127.
 * Fixed-point products are st_sat_rounding_doubling_high_mul; plain sums wrap like the C++. */
#include "log_softmax_s8.h"

#include "st_fixedpoint.h"
#include "st_quant.h"

enum { INPUT_BITS = 5, ACCUMULATION_BITS = 12, OUTPUT_BITS = 4, LOG_ACCUM_BITS = INPUT_BITS + 1 };

static inline int32_t add_wrap(int32_t a, int32_t b) {
    return (int32_t)((uint32_t)a + (uint32_t)b);
}

static inline int32_t mul(int32_t a, int32_t b) {
    return st_sat_rounding_doubling_high_mul(a, b);
}

/* gemmlowp SaturatingRoundingMultiplyByPOTParam: x * 2^exponent, saturating up, rounding down. */
static inline int32_t mul_pot(int32_t x, int exponent) {
    if (exponent > 0) return st_fp_sat_shl(x, exponent);
    return exponent < 0 ? st_rounding_divide_by_pot(x, -exponent) : x;
}

static inline int32_t clamp32(int64_t v) {
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* log(x) in Q5 for x >= 1 in Q12 (the Q12 sum of exponentials). */
static int32_t log_q5(int32_t x) {
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t quarter = st_rounding_divide_by_pot(536870912, LOG_ACCUM_BITS); /* 1/4 in Q6 */
    const int a_headroom_plus_1 = st_fp_clz32((uint32_t)x);
    const int32_t r_a = mul_pot(mul(mul_pot(x, a_headroom_plus_1 - 1), sqrt_half), 1);
    const int32_t a_pow_2 =
        clamp32((int64_t)mul_pot(ACCUMULATION_BITS - a_headroom_plus_1, 31 - LOG_ACCUM_BITS) + quarter);
    const int b_headroom = st_fp_clz32((uint32_t)mul(x, sqrt_half)) - 1;
    const int32_t r_b = mul_pot(x, b_headroom);
    const int32_t b_pow_2 = clamp32((int64_t)mul_pot(ACCUMULATION_BITS - b_headroom, 31 - LOG_ACCUM_BITS) - quarter);
    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t pow_2 = a_pow_2 > b_pow_2 ? a_pow_2 : b_pow_2;
    const int32_t p = st_fp_rounding_half_sum(r, sqrt_sqrt_half);
    int32_t q = add_wrap(r, -sqrt_sqrt_half);
    q = add_wrap(q, q);
    const int32_t q2 = mul(q, q);
    const int32_t num = add_wrap(mul(q, r), mul(mul(q, q2), alpha_n));
    const int32_t denom_minus_one = add_wrap(mul(p, add_wrap(add_wrap(alpha_i, q), mul(alpha_d, q2))), mul(alpha_f, q));
    const int32_t reciprocal = st_fp_one_over_one_plus_x(denom_minus_one);
    const int32_t sum = add_wrap(mul(pow_2, log_2), mul(st_rounding_divide_by_pot(num, LOG_ACCUM_BITS), reciprocal));
    return st_fp_sat_shl(sum, LOG_ACCUM_BITS - INPUT_BITS); /* Q6 to Q5 */
}

void st_log_softmax_s8(const st_log_softmax_params *p, const int8_t *input, int8_t *output) {
    for (int32_t row = 0; row < p->outer_size; row++, input += p->depth, output += p->depth) {
        int32_t max = -128;
        for (int32_t c = 0; c < p->depth; c++) max = input[c] > max ? input[c] : max;
        int32_t sum = 0; /* Q12 */
        for (int32_t c = 0; c < p->depth; c++) {
            const int32_t diff = input[c] - max;
            if (diff >= p->diff_min) {
                const int32_t scaled = st_requantize_double(diff, p->input_multiplier, p->input_left_shift);
                const int32_t e = st_fp_exp_on_negative_values(scaled, INPUT_BITS);
                sum = add_wrap(sum, st_rounding_divide_by_pot(e, ACCUMULATION_BITS));
            }
        }
        const int32_t log_sum = log_q5(sum);
        const int32_t shifted = add_wrap(log_sum, INT32_MIN);
        const int32_t reverse = st_requantize_double(shifted, p->reverse_multiplier, -p->reverse_right_shift);
        const int32_t adjusted_diff_min = p->diff_min - 1 > reverse ? p->diff_min - 1 : reverse;
        for (int32_t c = 0; c < p->depth; c++) {
            const int32_t diff = input[c] - max;
            if (diff > adjusted_diff_min) {
                const int32_t scaled = st_requantize_double(diff, p->input_multiplier, p->input_left_shift);
                int32_t v = st_rounding_divide_by_pot(add_wrap(scaled, -log_sum), 31 - INPUT_BITS - OUTPUT_BITS) + 127;
                output[c] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
            } else {
                output[c] = -128;
            }
        }
    }
}
