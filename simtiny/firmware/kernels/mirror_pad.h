/* MIRROR_PAD (REFLECT or SYMMETRIC), any element size: each output element copied from the input
 * element whose index along every dimension a per-dimension table gives (computed at
 * code-generation time from the paddings and the mode). */
#ifndef ST_MIRROR_PAD_H
#define ST_MIRROR_PAD_H

#include <stdint.h>

#define ST_MIRROR_PAD_MAX_DIMS 5

typedef struct {
    int32_t ndim;                                 /* 1..ST_MIRROR_PAD_MAX_DIMS */
    int32_t out_shape[ST_MIRROR_PAD_MAX_DIMS];
    int32_t in_stride[ST_MIRROR_PAD_MAX_DIMS];    /* input element strides */
    const int32_t *maps;  /* per dimension, out_shape[d] input indices, one table after another */
    int32_t elem_size;    /* 1, 2 or 4 bytes */
} st_mirror_pad_params;

void st_mirror_pad(const st_mirror_pad_params *p, const void *input, void *output);

#endif
