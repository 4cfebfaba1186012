/* GATHER_ND (LiteRT reference GatherNd): each row of k indices names one slice of the params
 * (the dimensions after the first k), copied to the output in the rows' order. */
#ifndef ST_GATHER_ND_H
#define ST_GATHER_ND_H

#include <stdint.h>

#define ST_GATHER_ND_MAX_K 8

typedef struct {
    int32_t rows, k;                   /* index rows; indices per row */
    int32_t dims[ST_GATHER_ND_MAX_K];  /* the params' first k extents */
    int32_t steps[ST_GATHER_ND_MAX_K]; /* their strides, in slices */
    int32_t slice_bytes;               /* bytes of one slice */
    int32_t index64;                   /* indices int64 (else int32) */
} st_gather_nd_params;

/* An index outside its dimension (an error for LiteRT) gives a slice of zeros, never a read
 * outside the params. */
void st_gather_nd(const st_gather_nd_params *p, const void *params, const void *indices, void *output);

#endif
