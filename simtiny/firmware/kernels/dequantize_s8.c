/* DEQUANTIZE int8 or int16 -> float32: (float)((double)scale * (x - zero_point)) in LiteRT. The
 * double product of a float and an integer of at most 17 bits is exact, so rounding it once to
 * float is the same as the single-precision product computed here. */
#include "dequantize_s8.h"

void st_dequantize_s8_f32(const st_dequantize_params *p, const int8_t *input, float *output) {
    const float scale = p->scale;
    const int32_t zero_point = p->zero_point;
    for (int32_t i = 0; i < p->size; i++) output[i] = scale * (float)((int32_t)input[i] - zero_point);
}

void st_dequantize_s16_f32(const st_dequantize_params *p, const int16_t *input, float *output) {
    const float scale = p->scale;
    const int32_t zero_point = p->zero_point;
    for (int32_t i = 0; i < p->size; i++) output[i] = scale * (float)((int32_t)input[i] - zero_point);
}
