/* STRIDED_SLICE and TRANSPOSE: walk the output in order, the input from `start` by the (signed)
 * steps of each loop. */
#include "strided_copy_s8.h"

#include "st_odometer.h"

void st_strided_copy_s8(const st_strided_copy_params *p, const void *input, void *output) {
    const int32_t last = p->ndim - 1, size = p->elem_size;
    int32_t index[ST_STRIDED_COPY_MAX_DIMS] = {0};
    for (int32_t d = 0; d <= last; d++) {
        if (p->shape[d] <= 0) return; /* empty output */
    }
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const int32_t inner = p->shape[last], step = p->stride[last];
    int32_t at = p->start; /* input element of the current output row's first element */
    do {
        if (size == 1) {
            for (int32_t i = 0; i < inner; i++) out[i] = in[at + i * step];
        } else {
            for (int32_t i = 0; i < inner; i++) {
                const uint8_t *src = in + (at + i * step) * size;
                for (int32_t b = 0; b < size; b++) out[i * size + b] = src[b];
            }
        }
        out += inner * size;
    } while (st_odometer_next(index, p->shape, p->stride, last, &at));
}
