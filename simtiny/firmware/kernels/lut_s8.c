/* Table lookup: out[i] = table[in[i]], four elements per iteration. */
#include "lut_s8.h"

void st_lut_s8(const st_lut_params *p, const uint8_t *input, uint8_t *output) {
    const uint8_t *table = p->table;
    const int32_t n = p->size;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t a = table[input[i]], b = table[input[i + 1]];
        const uint8_t c = table[input[i + 2]], d = table[input[i + 3]];
        output[i] = a;
        output[i + 1] = b;
        output[i + 2] = c;
        output[i + 3] = d;
    }
    for (; i < n; i++) output[i] = table[input[i]];
}
