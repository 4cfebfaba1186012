/* FILL copies the value's bytes into each element; ADD_N adds input k to the running sum of the
 * first k, as LiteRT's reference does (the float sums in that order; int32 sums wrap). */
#include "fill.h"

void st_fill(int32_t size, int32_t elem_size, const void *value, void *output) {
    const uint8_t *v = (const uint8_t *)value;
    uint8_t *out = (uint8_t *)output;
    for (int32_t i = 0; i < size; i++) {
        for (int32_t k = 0; k < elem_size; k++) *out++ = v[k];
    }
}

void st_add_n_f32(int32_t count, int32_t size, const float *const *inputs, float *output) {
    for (int32_t i = 0; i < size; i++) {
        float sum = inputs[0][i];
        for (int32_t k = 1; k < count; k++) sum += inputs[k][i];
        output[i] = sum;
    }
}

void st_add_n_s32(int32_t count, int32_t size, const int32_t *const *inputs, int32_t *output) {
    for (int32_t i = 0; i < size; i++) {
        uint32_t sum = (uint32_t)inputs[0][i];
        for (int32_t k = 1; k < count; k++) sum += (uint32_t)inputs[k][i];
        output[i] = (int32_t)sum;
    }
}
