/* PAD / PADV2: the input placed inside an output filled with the pad value (LiteRT copies the
 * raw values, whatever the quantization); any element size, up to 5 dimensions. */
#ifndef ST_PAD_S8_H
#define ST_PAD_S8_H

#include <stdint.h>

#define ST_PAD_MAX_DIMS 5

typedef struct {
    int32_t ndim;                        /* 1..ST_PAD_MAX_DIMS */
    int32_t in_shape[ST_PAD_MAX_DIMS];   /* input extents */
    int32_t out_stride[ST_PAD_MAX_DIMS]; /* output element stride of each dimension */
    int32_t origin;                      /* output element index of input element 0 */
    int32_t out_count;                   /* output elements */
    int32_t elem_size;                   /* bytes per element */
} st_pad_params;

void st_pad_s8(const st_pad_params *p, const void *input, const void *pad_value, void *output);

#endif
