/* DEPTHWISE_CONV_2D with int16 activations and int8 weights (16x8): filter [1, H, W, C * M] per
 * tensor or per channel, int64 bias, zero points 0 (LiteRT's Prepare requires it). */
#ifndef ST_DEPTHWISE_CONV2D_S16X8_H
#define ST_DEPTHWISE_CONV2D_S16X8_H

#include <stdint.h>

typedef struct {
    int16_t batches, input_h, input_w, input_c;
    int16_t filter_h, filter_w, depth_multiplier;
    int16_t output_h, output_w;
    int16_t stride_h, stride_w, dilation_h, dilation_w;
    int16_t pad_h, pad_w;      /* padding before the first row / column */
    int16_t act_min, act_max;  /* the fused activation's bounds, in int16 */
    const int32_t *multiplier; /* per output channel, Q31 */
    const int32_t *shift;      /* per output channel */
    const int64_t *bias;       /* per output channel, or 0 */
} st_depthwise_conv2d_s16x8_params;

void st_depthwise_conv2d_s16x8(const st_depthwise_conv2d_s16x8_params *p, const int16_t *input,
                               const int8_t *filter, int16_t *output);

#endif
