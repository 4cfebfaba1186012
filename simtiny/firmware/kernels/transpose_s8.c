/* TRANSPOSE: walk the output in order, the input by the permuted strides. */
#include "transpose_s8.h"

void st_transpose_s8(const st_transpose_params *p, const void *input, void *output) {
    const int32_t last = p->ndim - 1, size = p->elem_size;
    int32_t index[ST_TRANSPOSE_MAX_DIMS] = {0};
    for (int32_t d = 0; d <= last; d++) {
        if (p->shape[d] <= 0) return; /* empty tensor */
    }
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const int32_t inner = p->shape[last], step = p->stride[last];
    int32_t at = 0; /* input element of the current output row's first element */
    for (;;) {
        if (size == 1) {
            for (int32_t i = 0; i < inner; i++) out[i] = in[at + i * step];
        } else {
            for (int32_t i = 0; i < inner; i++) {
                const uint8_t *src = in + (at + i * step) * size;
                for (int32_t b = 0; b < size; b++) out[i * size + b] = src[b];
            }
        }
        out += inner * size;
        int32_t d = last - 1;
        for (; d >= 0; d--) { /* odometer over the outer loops */
            at += p->stride[d];
            if (++index[d] < p->shape[d]) break;
            at -= p->stride[d] * p->shape[d];
            index[d] = 0;
        }
        if (d < 0) return;
    }
}
