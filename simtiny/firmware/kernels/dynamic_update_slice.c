/* DYNAMIC_UPDATE_SLICE: the copy (skipped where the output is the operand), the clamped start,
 * then the update's rows along the last dimension, an odometer over the others. */
#include "dynamic_update_slice.h"

void st_dynamic_update_slice(const st_dus_params *p, const void *operand, const void *update, const void *starts,
                             void *output) {
    const int32_t n = p->rank, size = p->elem_size;
    int32_t total = size, stride[ST_DUS_MAX_DIMS], start[ST_DUS_MAX_DIMS], index[ST_DUS_MAX_DIMS] = {0};
    for (int32_t d = n - 1; d >= 0; d--) {
        stride[d] = total;
        total *= p->operand[d];
    }
    uint8_t *out = (uint8_t *)output;
    if ((const void *)out != operand) {
        for (int32_t i = 0; i < total; i++) out[i] = ((const uint8_t *)operand)[i];
    }
    for (int32_t d = 0; d < n; d++) {
        const int64_t s = p->index64 ? ((const int64_t *)starts)[d] : ((const int32_t *)starts)[d];
        const int64_t limit = p->operand[d] - p->update[d];
        start[d] = (int32_t)(s < 0 ? 0 : s > limit ? limit : s);
        if (p->update[d] <= 0) return;
    }
    const uint8_t *in = (const uint8_t *)update;
    const int32_t row = p->update[n - 1] * size;
    for (;;) {
        int32_t at = 0;
        for (int32_t d = 0; d < n; d++) at += (start[d] + (d < n - 1 ? index[d] : 0)) * stride[d];
        for (int32_t b = 0; b < row; b++) out[at + b] = *in++;
        int32_t d = n - 2;
        for (; d >= 0; d--) {
            if (++index[d] < p->update[d]) break;
            index[d] = 0;
        }
        if (d < 0) return;
    }
}
