/* DYNAMIC_UPDATE_SLICE (LiteRT dynamic_update_slice.cc): the operand copied to the output, then
 * the update written over it from start indices read at run time, each clamped so that the
 * update fits (0 .. operand extent - update extent). Any element size. */
#ifndef ST_DYNAMIC_UPDATE_SLICE_H
#define ST_DYNAMIC_UPDATE_SLICE_H

#include <stdint.h>

#define ST_DUS_MAX_DIMS 6

typedef struct {
    int32_t rank;                           /* 1..ST_DUS_MAX_DIMS */
    int32_t operand[ST_DUS_MAX_DIMS];
    int32_t update[ST_DUS_MAX_DIMS];
    int32_t elem_size;                      /* bytes */
    int32_t index64;                        /* start indices int64 (else int32) */
} st_dus_params;

void st_dynamic_update_slice(const st_dus_params *p, const void *operand, const void *update, const void *starts,
                             void *output);

#endif
