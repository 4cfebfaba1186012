/* MAX_POOL_2D int8, NHWC; also declares the window geometry AVERAGE_POOL_2D shares. */
#ifndef ST_MAX_POOL_S8_H
#define ST_MAX_POOL_S8_H

#include <stdint.h>

typedef struct {
    int32_t batches, input_h, input_w, depth;
    int32_t output_h, output_w;
    int32_t stride_h, stride_w;
    int32_t filter_h, filter_w;
    int32_t pad_h, pad_w;      /* padding before the first row / column (SAME) */
    int32_t act_min, act_max;  /* fused activation, in output quanta */
} st_pool_params;

void st_max_pool_s8(const st_pool_params *p, const int8_t *input, int8_t *output);

#endif
