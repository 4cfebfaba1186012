/* The strided copy STRIDED_SLICE and TRANSPOSE both are: output elements in order, gathered from
 * the input from a start element by signed per-loop steps (a slice's begin, end, strides and
 * masks, or a permutation, resolved at code-generation time). LiteRT moves the raw values, so
 * any element size works. Up to 8 loops (LiteRT's transpose limit). */
#ifndef ST_STRIDED_COPY_S8_H
#define ST_STRIDED_COPY_S8_H

#include <stdint.h>

#define ST_STRIDED_COPY_MAX_DIMS 8

typedef struct {
    int32_t ndim;                             /* 1..ST_STRIDED_COPY_MAX_DIMS, outermost first */
    int32_t shape[ST_STRIDED_COPY_MAX_DIMS];  /* output extent of each loop */
    int32_t stride[ST_STRIDED_COPY_MAX_DIMS]; /* input element step of each loop (may be < 0) */
    int32_t start;                            /* input element of output element 0 */
    int32_t elem_size;                        /* bytes per element */
} st_strided_copy_params;

void st_strided_copy_s8(const st_strided_copy_params *p, const void *input, void *output);

#endif
