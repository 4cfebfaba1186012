/* The table-driven copy: an odometer over the output's dimensions, the input offset the sum of
 * each dimension's table entry; rows along the last dimension copied by element size. */
#include "table_copy.h"

void st_table_copy(const st_table_copy_params *p, const void *input, void *output) {
    const int32_t n = p->ndim, inner = p->out_shape[n - 1];
    const int32_t *tables[ST_TABLE_COPY_MAX_DIMS];
    int32_t index[ST_TABLE_COPY_MAX_DIMS] = {0};
    const int32_t *t = p->offsets;
    for (int32_t d = 0; d < n; d++) {
        if (p->out_shape[d] <= 0) return;
        tables[d] = t;
        t += p->out_shape[d];
    }
    const int32_t *last = tables[n - 1];
    uint8_t *out8 = (uint8_t *)output;
    for (;;) {
        int32_t base = 0;
        for (int32_t d = 0; d + 1 < n; d++) base += tables[d][index[d]];
        for (int32_t i = 0; i < inner; i++) {
            const int32_t at = base + last[i];
            switch (p->elem_size) {
            case 1:
                out8[i] = ((const uint8_t *)input)[at];
                break;
            case 2:
                ((uint16_t *)(void *)out8)[i] = ((const uint16_t *)input)[at];
                break;
            default:
                ((uint32_t *)(void *)out8)[i] = ((const uint32_t *)input)[at];
                break;
            }
        }
        out8 += inner * p->elem_size;
        int32_t d = n - 2;
        for (; d >= 0; d--) {
            if (++index[d] < p->out_shape[d]) break;
            index[d] = 0;
        }
        if (d < 0) return;
    }
}
