/* GATHER_ND: per index row, the slice offset as the sum of each index times its stride. */
#include "gather_nd.h"

void st_gather_nd(const st_gather_nd_params *p, const void *params, const void *indices, void *output) {
    const uint8_t *src = (const uint8_t *)params;
    uint8_t *out = (uint8_t *)output;
    for (int32_t r = 0; r < p->rows; r++, out += p->slice_bytes) {
        int32_t slice = 0, valid = 1;
        for (int32_t j = 0; j < p->k; j++) {
            const int64_t i = p->index64 ? ((const int64_t *)indices)[r * p->k + j]
                                         : ((const int32_t *)indices)[r * p->k + j];
            if (i < 0 || i >= p->dims[j]) valid = 0;
            slice += (int32_t)i * p->steps[j];
        }
        for (int32_t b = 0; b < p->slice_bytes; b++) out[b] = valid ? src[slice * p->slice_bytes + b] : 0;
    }
}
