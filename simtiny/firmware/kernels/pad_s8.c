/* PAD: fill the output with the pad value, then copy each input row into place. */
#include "pad_s8.h"

#include "st_odometer.h"

void st_pad_s8(const st_pad_params *p, const void *input, const void *pad_value, void *output) {
    const int32_t size = p->elem_size;
    const uint8_t *value = (const uint8_t *)pad_value;
    uint8_t *out = (uint8_t *)output;
    const uint8_t *in = (const uint8_t *)input;
    for (int32_t i = 0; i < p->out_count; i++) {
        for (int32_t b = 0; b < size; b++) out[i * size + b] = value[b];
    }
    const int32_t last = p->ndim - 1;
    int32_t index[ST_PAD_MAX_DIMS] = {0};
    for (int32_t d = 0; d <= last; d++) {
        if (p->in_shape[d] <= 0) return; /* empty input: padding only */
    }
    const int32_t row_bytes = p->in_shape[last] * size;
    int32_t at = p->origin; /* output element of the current input row's first element */
    do {
        uint8_t *dst = out + at * size;
        for (int32_t k = 0; k < row_bytes; k++) dst[k] = in[k];
        in += row_bytes;
    } while (st_odometer_next(index, p->in_shape, p->out_stride, last, &at)); /* over the input rows */
}
