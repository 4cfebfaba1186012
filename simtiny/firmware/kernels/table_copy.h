/* A copy any element size, each output element (in order) taken from the input element whose
 * offset is the sum of one table entry per output dimension: the separable gathers MIRROR_PAD
 * and BATCH_TO_SPACE_ND are (tables computed at code-generation time). */
#ifndef ST_TABLE_COPY_H
#define ST_TABLE_COPY_H

#include <stdint.h>

#define ST_TABLE_COPY_MAX_DIMS 5

typedef struct {
    int32_t ndim;                              /* 1..ST_TABLE_COPY_MAX_DIMS */
    int32_t out_shape[ST_TABLE_COPY_MAX_DIMS];
    const int32_t *offsets; /* per dimension, out_shape[d] input element offsets, one table after another */
    int32_t elem_size;      /* 1, 2 or 4 bytes */
} st_table_copy_params;

void st_table_copy(const st_table_copy_params *p, const void *input, void *output);

#endif
