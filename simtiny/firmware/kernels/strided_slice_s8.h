/* STRIDED_SLICE: output elements gathered from the input from a start element by signed
 * per-loop steps (begin/end/strides and every mask resolved at code-generation time). LiteRT
 * moves the raw values, so any element size works. */
#ifndef ST_STRIDED_SLICE_S8_H
#define ST_STRIDED_SLICE_S8_H

#include <stdint.h>

#define ST_STRIDED_SLICE_MAX_DIMS 8

typedef struct {
    int32_t ndim;                              /* 1..ST_STRIDED_SLICE_MAX_DIMS, outermost first */
    int32_t shape[ST_STRIDED_SLICE_MAX_DIMS];  /* output extent of each loop */
    int32_t stride[ST_STRIDED_SLICE_MAX_DIMS]; /* input element step of each loop (may be < 0) */
    int32_t start;                             /* input element of output element 0 */
    int32_t elem_size;                         /* bytes per element */
} st_strided_slice_params;

void st_strided_slice_s8(const st_strided_slice_params *p, const void *input, void *output);

#endif
