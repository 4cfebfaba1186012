/* L2_POOL_2D float32, NHWC (LiteRT reference L2Pool): per window clipped to the image, the square
 * root of the mean of the squares, clamped to the fused activation's float range. */
#ifndef ST_L2_POOL_F32_H
#define ST_L2_POOL_F32_H

#include <stdint.h>

#include "max_pool_s8.h"

typedef struct {
    st_pool_params window; /* its act_min and act_max unused */
    float act_min, act_max;
} st_l2_pool_params;

void st_l2_pool_f32(const st_l2_pool_params *p, const float *input, float *output);

#endif
