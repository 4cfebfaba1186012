/* SOFTMAX int8: LiteRT's reference quantized Softmax (gemmlowp fixed point). Each difference
 * to the row maximum is rescaled to Q5.26, exponentiated to Q0, summed in Q12; the outputs are
 * exp * (1 / sum) shifted down to 8 bits and offset by -128. An exponential, and so an output,
 * depends on the difference alone, of which there are at most 256: with a table (scratch), each
 * is computed once per row, where the sum and the outputs would compute each element's twice. */
#include "st_compiler.h"
/* The whole kernel for size, the fixed-point helpers it inlines included (with gcc an Os caller
 * does not inline O2 helpers, whose clones took more flash than the rest): it runs once per
 * output row. */
ST_COLD_FILE

#include "softmax_s8.h"

#include "st_fixedpoint.h"
#include "st_quant.h"


enum { SCALED_DIFF_INTEGER_BITS = 5, ACCUMULATION_INTEGER_BITS = 12 };

/* exp(beta * input_scale * -d) in Q0 for a difference d >= 0 to the row maximum. Called from
 * two loops; kept out of line, which halves the kernel's flash for a call costing a few percent
 * of it. */
ST_COLD __attribute__((noinline)) static int32_t exp_of_diff(const st_softmax_params *p, int32_t d) {
    const int32_t rescaled = st_requantize_double(-d, p->input_multiplier, (int)p->input_left_shift);
    return st_fp_exp_on_negative_values(rescaled, SCALED_DIFF_INTEGER_BITS);
}

/* exp_of_diff(d), from table[d] once computed there
 * (-1: not yet; an exponential is never negative), or straight when there is no table. */
static int32_t exp_cached(const st_softmax_params *p, int32_t *table, int32_t d) {
    if (!table) return exp_of_diff(p, d);
    if (table[d] < 0) table[d] = exp_of_diff(p, d);
    return table[d];
}

/* Output byte (as int32) of an element whose exponential is e, given the row's reciprocal. */
ST_COLD static int32_t output_of(int32_t e, int32_t shifted_scale, int exponent) {
    /* LiteRT aborts (TFLITE_CHECK) when exponent exceeds 31, i.e. when the exponentials sum to
     * 512 or more (512 entries tied at the maximum); every output here rounds to -128. */
    if (exponent > 31) return -128;
    const int32_t scaled = st_sat_rounding_doubling_high_mul(shifted_scale, e);
    return st_clamp(st_rounding_divide_by_pot(scaled, exponent) - 128, -128, 127);
}

/* With a table (scratch, one int32 per difference d = max - x the reference keeps, 0 to last),
 * each difference present in a row is exponentiated once for the sum, then its entry turned
 * into its output byte, which the outputs look up. Without one, each element's exponential is
 * computed twice (sum, output). */
ST_COLD void st_softmax_s8(const st_softmax_params *p, const int8_t *input, int8_t *output, int32_t *table) {
    const int32_t depth = p->depth, last = ST_SOFTMAX_TABLE_LAST(p->diff_min);
    for (int32_t i = 0; i < p->outer_size; i++) {
        const int8_t *x = input + i * depth;
        int8_t *y = output + i * depth;
        int32_t max_in_row = -128;
        for (int32_t c = 0; c < depth; c++) {
            if (x[c] > max_in_row) max_in_row = x[c];
        }
        if (table)
            for (int32_t d = 0; d <= last; d++) table[d] = -1;
        uint32_t sum_of_exps = 0; /* Q12; gemmlowp's plain int32 addition, wrapping */
        for (int32_t c = 0; c < depth; c++) {
            const int32_t d = max_in_row - x[c];
            if (d <= last)
                sum_of_exps += (uint32_t)st_rounding_divide_by_pot(exp_cached(p, table, d), ACCUMULATION_INTEGER_BITS);
        }
        int num_bits_over_unit;
        const int32_t shifted_scale = st_fp_get_reciprocal((int32_t)sum_of_exps,
                                                           ACCUMULATION_INTEGER_BITS,
                                                           &num_bits_over_unit);
        const int exponent = num_bits_over_unit + 31 - 8;
        if (table)
            for (int32_t d = 0; d <= last; d++)
                if (table[d] >= 0) table[d] = output_of(table[d], shifted_scale, exponent);
        for (int32_t c = 0; c < depth; c++) {
            const int32_t d = max_in_row - x[c];
            int32_t out = -128;
            if (d <= last) out = table ? table[d] : output_of(exp_of_diff(p, d), shifted_scale, exponent);
            y[c] = (int8_t)out;
        }
    }
}

/* SOFTMAX int8 -> int16 (LiteRT's Softmax<int8, int16>: output zero point -32768, scale 1/65536):
 * the same exponentials and reciprocal, the outputs shifted to 16 bits instead of 8. Each
 * element's exponential is computed twice (sum, output): no table. */
void st_softmax_s8_s16(const st_softmax_params *p, const int8_t *input, int16_t *output) {
    const int32_t depth = p->depth, last = ST_SOFTMAX_TABLE_LAST(p->diff_min);
    for (int32_t i = 0; i < p->outer_size; i++) {
        const int8_t *x = input + i * depth;
        int16_t *y = output + i * depth;
        int32_t max_in_row = -128;
        for (int32_t c = 0; c < depth; c++) max_in_row = x[c] > max_in_row ? x[c] : max_in_row;
        uint32_t sum_of_exps = 0;
        for (int32_t c = 0; c < depth; c++) {
            const int32_t d = max_in_row - x[c];
            if (d <= last) sum_of_exps += (uint32_t)st_rounding_divide_by_pot(exp_of_diff(p, d), ACCUMULATION_INTEGER_BITS);
        }
        int num_bits_over_unit;
        const int32_t shifted_scale =
            st_fp_get_reciprocal((int32_t)sum_of_exps, ACCUMULATION_INTEGER_BITS, &num_bits_over_unit);
        const int exponent = num_bits_over_unit + 31 - 16;
        for (int32_t c = 0; c < depth; c++) {
            const int32_t d = max_in_row - x[c];
            int32_t out = -32768;
            if (d <= last && exponent <= 31) {
                const int32_t scaled = st_sat_rounding_doubling_high_mul(shifted_scale, exp_of_diff(p, d));
                out = st_clamp(st_rounding_divide_by_pot(scaled, exponent) - 32768, -32768, 32767);
            }
            y[c] = (int16_t)out;
        }
    }
}
