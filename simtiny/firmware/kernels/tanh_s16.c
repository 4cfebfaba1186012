/* TANH int16: as LOGISTIC (logistic_s16.c) with the input's magnitude in steps of 1/256 of a table
 * entry (2x), the interpolated sigmoid (Q0.24) less a half, doubled into Q0.15 with half a step of
 * rounding; past the table it saturates at 65535 << 8. Negative inputs mirror it. */
#include "tanh_s16.h"

void st_tanh_s16(const st_sigmoid16_params *p, const int16_t *input, int16_t *output) {
    const uint16_t *table = p->table;
    for (int32_t i = 0; i < p->size; i++) {
        const int32_t x = st_sigmoid16_rescale(p, input[i]);
        const uint32_t magnitude = (uint32_t)(x < 0 ? -x : x);
        const uint32_t entry = magnitude >> 8;
        int32_t value;
        if (entry >= 255) {
            value = 0xFFFF << 8;
        } else {
            const uint32_t low = table[entry], high = table[entry + 1];
            value = (int32_t)((low << 8) + (magnitude & 0xFF) * (high - low));
        }
        value = x >= 0 ? value - (1 << 23) + (1 << 7) : -value + (1 << 23) + (1 << 7) - 1;
        output[i] = (int16_t)(value >> 8);
    }
}
