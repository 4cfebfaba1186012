/* DEPTHWISE_CONV_2D, int8 activations, int8 weights 1HWC (per-tensor or per-channel), int32 bias. */
#ifndef ST_DEPTHWISE_CONV2D_S8_H
#define ST_DEPTHWISE_CONV2D_S8_H

#include <stdint.h>

typedef struct {
    int32_t batches, input_h, input_w, input_c;
    int32_t filter_h, filter_w;
    int32_t depth_multiplier;  /* output channels = input_c * depth_multiplier */
    int32_t output_h, output_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_h, pad_w;      /* padding before the first row / column */
    int32_t input_offset;      /* -input zero point (LiteRT ignores the filter zero point) */
    int32_t output_offset;     /* output zero point */
    int32_t act_min, act_max;
    const int32_t *multiplier; /* one per output channel, or one for all (per_channel = 0) */
    const int8_t *shift;       /* in [-31, 30], int8 to save flash */
    int32_t per_channel;
} st_depthwise_conv2d_params;

/* bias may be 0 (no bias). */
void st_depthwise_conv2d_s8(const st_depthwise_conv2d_params *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output);

/* The same with the output over the input (depth_multiplier 1 only): buffer holds the input
 * and receives the output; scratch holds input_h * input_w bytes (one channel plane). */
void st_depthwise_conv2d_s8_inplace(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                    const int8_t *filter, const int32_t *bias, int8_t *scratch);

#endif
