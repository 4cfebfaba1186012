/* GATHER along one axis (LiteRT reference_ops::Gather, batch_dims 0): per index before the axis,
 * the slices the indices name, copied in the indices' order. Pure data movement: any element size. */
#ifndef ST_GATHER_S8_H
#define ST_GATHER_S8_H

#include <stdint.h>

typedef struct {
    int32_t outer;     /* product of the params' dimensions before the axis */
    int32_t axis_size; /* the params' extent along the axis */
    int32_t count;     /* number of indices */
    int32_t block;     /* bytes of one slice: the dimensions after the axis times the element size */
    int32_t wide;      /* 1: int64 indices, 0: int32 */
} st_gather_params;

void st_gather_s8(const st_gather_params *p, const void *params, const void *indices, void *output);

#endif
