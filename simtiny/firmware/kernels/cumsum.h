/* CUMSUM along one axis (LiteRT reference CumSum): float32 sums in the axis's order (reversed
 * with `reverse`), int32 sums wrapping; `exclusive` leaves out each element's own value. */
#ifndef ST_CUMSUM_H
#define ST_CUMSUM_H

#include <stdint.h>

typedef struct {
    int32_t outer, depth, inner; /* extents before, along and after the axis */
    int32_t exclusive, reverse;
} st_cumsum_params;

void st_cumsum_f32(const st_cumsum_params *p, const float *input, float *output);
void st_cumsum_s32(const st_cumsum_params *p, const int32_t *input, int32_t *output);

#endif
