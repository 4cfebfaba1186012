/* LOGISTIC int16: the rescaled input's magnitude in steps of 1/512 of a table entry (Q0.16 entries
 * 1/24 apart, so 512 steps per entry), interpolated between two entries into Q0.25; past the table
 * it saturates at 32767 << 10. A negative input takes 1 - sigmoid(|x|). Rounded to Q0.15 by adding
 * half a step (half less one on the mirrored side, as the references round). */
#include "logistic_s16.h"

void st_logistic_s16(const st_sigmoid16_params *p, const int16_t *input, int16_t *output) {
    const uint16_t *table = p->table;
    for (int32_t i = 0; i < p->size; i++) {
        const int32_t x = st_sigmoid16_rescale(p, input[i]);
        const uint32_t magnitude = (uint32_t)(x < 0 ? -x : x);
        const uint32_t entry = magnitude >> 9;
        uint32_t value;
        if (entry >= 255) {
            value = (uint32_t)0x7FFF << 10;
        } else {
            const uint32_t low = table[entry], high = table[entry + 1];
            value = (low << 9) + (magnitude & 0x1FF) * (high - low);
        }
        value = x >= 0 ? value + (1u << 9) : ((1u << 25) - value + (1u << 9) - 1);
        output[i] = (int16_t)(value >> 10);
    }
}
