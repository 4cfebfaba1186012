/* QUANTIZE between int16 and the other integer types, value by value. */
#include "requantize_s16_s8.h"

#include "st_quant.h"

void st_requantize_s16_s8(const st_requantize_s16_params *p, const int16_t *input, int8_t *output) {
    for (int32_t k = 0; k < p->count; k++) {
        const int32_t v =
            st_requantize_double(input[k] - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
        output[k] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
    }
}

void st_requantize_s16_s32(const st_requantize_s16_params *p, const int16_t *input, int32_t *output) {
    for (int32_t k = 0; k < p->count; k++) {
        const int64_t v =
            (int64_t)st_requantize_double(input[k] - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
        output[k] = (int32_t)(v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v);
    }
}

static inline int16_t requantize_to_s16(const st_requantize_s16_params *p, int32_t x) {
    const int32_t v = st_requantize_double(x - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
    return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}

void st_requantize_s16_s16(const st_requantize_s16_params *p, const int16_t *input, int16_t *output) {
    for (int32_t k = 0; k < p->count; k++) output[k] = requantize_to_s16(p, input[k]);
}

void st_requantize_s8_s16(const st_requantize_s16_params *p, const int8_t *input, int16_t *output) {
    for (int32_t k = 0; k < p->count; k++) output[k] = requantize_to_s16(p, input[k]);
}
