/* L2_NORMALIZATION int8: per row, the sum of the squared offset inputs, its inverse square root
 * as a multiplier (st_fp_inv_sqrt), each offset input rescaled by it and 2^7 (the output scale
 * 1/128), clamped. */
#include "l2_normalization_s8.h"

#include "st_fixedpoint.h"

void st_l2_normalization_s8(const st_l2_normalization_params *p, const int8_t *input, int8_t *output) {
    for (int32_t r = 0; r < p->rows; r++, input += p->depth, output += p->depth) {
        int32_t acc = 0;
        for (int32_t i = 0; i < p->depth; i++) {
            const int32_t v = input[i] - p->input_zero_point;
            acc += v * v;
        }
        int32_t multiplier, shift;
        st_fp_inv_sqrt(acc, &multiplier, &shift);
        for (int32_t i = 0; i < p->depth; i++) {
            const int32_t v = st_requantize_double(input[i] - p->input_zero_point, multiplier, shift + 7);
            output[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
        }
    }
}
