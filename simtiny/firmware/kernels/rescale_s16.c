/* RELU, RELU6, LEAKY_RELU and ABS int16, value by value: 65,536 inputs are too many for a table. */
#include "rescale_s16.h"

#include "st_quant.h"

void st_rescale_s16(const st_rescale_s16_params *p, const int16_t *input, int16_t *output) {
    for (int32_t i = 0; i < p->size; i++) {
        const int32_t x = p->magnitude && input[i] < 0 ? -input[i] : input[i];
        const int32_t v = x >= 0 ? st_requantize_double(x, p->positive_multiplier, p->positive_shift)
                                 : st_requantize_double(x, p->negative_multiplier, p->negative_shift);
        output[i] = (int16_t)(v < p->low ? p->low : v > p->high ? p->high : v);
    }
}
