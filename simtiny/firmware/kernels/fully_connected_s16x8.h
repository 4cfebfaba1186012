/* FULLY_CONNECTED with int16 activations and int8 weights (16x8): [units, depth] weights per-tensor
 * or per-unit, int64 bias, zero points 0 (LiteRT's Prepare requires it). */
#ifndef ST_FULLY_CONNECTED_S16X8_H
#define ST_FULLY_CONNECTED_S16X8_H

#include <stdint.h>

typedef struct {
    int32_t batches, depth, units;
    int16_t act_min, act_max;  /* the fused activation's bounds, in int16 */
    const int32_t *multiplier; /* per unit, Q31 */
    const int32_t *shift;      /* per unit */
    const int64_t *bias;       /* per unit, or 0 */
} st_fully_connected_s16x8_params;

void st_fully_connected_s16x8(const st_fully_connected_s16x8_params *p, const int16_t *input, const int8_t *filter,
                              int16_t *output);

#endif
