/* TRANSPOSE: output elements gathered from the input along permuted strides; LiteRT moves the
 * raw values, so any element size works. Up to 8 dimensions (LiteRT's limit). */
#ifndef ST_TRANSPOSE_S8_H
#define ST_TRANSPOSE_S8_H

#include <stdint.h>

#define ST_TRANSPOSE_MAX_DIMS 8

typedef struct {
    int32_t ndim;                          /* 1..ST_TRANSPOSE_MAX_DIMS, outermost first */
    int32_t shape[ST_TRANSPOSE_MAX_DIMS];  /* output extent of each loop */
    int32_t stride[ST_TRANSPOSE_MAX_DIMS]; /* input element step of each loop */
    int32_t elem_size;                     /* bytes per element */
} st_transpose_params;

void st_transpose_s8(const st_transpose_params *p, const void *input, void *output);

#endif
