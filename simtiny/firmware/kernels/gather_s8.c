/* GATHER: slices copied byte by byte. An index outside the axis (LiteRT refuses to run such an
 * input) gives a slice of zeros: the firmware never reads outside the params. */
#include "gather_s8.h"

void st_gather_s8(const st_gather_params *p, const void *params, const void *indices, void *output) {
    const uint8_t *src = (const uint8_t *)params;
    uint8_t *dst = (uint8_t *)output;
    for (int32_t o = 0; o < p->outer; o++) {
        for (int32_t k = 0; k < p->count; k++) {
            const int64_t index = p->wide ? ((const int64_t *)indices)[k] : ((const int32_t *)indices)[k];
            const uint8_t *slice = src + ((int64_t)o * p->axis_size + index) * p->block;
            const int inside = index >= 0 && index < p->axis_size;
            for (int32_t b = 0; b < p->block; b++) *dst++ = inside ? slice[b] : 0;
        }
    }
}
