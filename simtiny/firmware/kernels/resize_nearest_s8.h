/* RESIZE_NEAREST_NEIGHBOR (NHWC): each output pixel copies one input pixel; the source row and
 * column of every output row and column are computed at code-generation time with LiteRT's
 * float arithmetic. Raw values are moved, so any element size works. */
#ifndef ST_RESIZE_NEAREST_S8_H
#define ST_RESIZE_NEAREST_S8_H

#include <stdint.h>

typedef struct {
    int32_t batches;
    int32_t in_height, in_width;
    int32_t out_height, out_width;
    int32_t pixel_bytes;    /* depth x element size */
    const int32_t *src_row; /* out_height entries: input row of each output row */
    const int32_t *src_col; /* out_width entries: input column of each output column */
} st_resize_nearest_params;

void st_resize_nearest_s8(const st_resize_nearest_params *p, const void *input, void *output);

#endif
