/* CONV_2D with a 1x1 filter and stride 1 (pointwise), int8: a per-pixel dot product over the
 * input channels, out of place or in place (the output written over the input's buffer). */
#ifndef ST_CONV1X1_S8_H
#define ST_CONV1X1_S8_H

#include <stdint.h>

typedef struct {
    int32_t pixels;            /* batches * height * width */
    int32_t input_c, output_c;
    int32_t output_offset;     /* output zero point */
    int32_t act_min, act_max;
    const int32_t *multiplier; /* one per output channel, or one for all (per_channel = 0) */
    const int8_t *shift;       /* in [-31, 30] */
    int32_t per_channel;
} st_conv1x1_params;

/* filter: output channels in groups of four, each group [input_c][4] (the four channels'
 * weights for one input channel consecutive), then the last output_c % 4 channels as plain
 * [input_c] rows; group g starts at 4 * g * input_c, so channel oc's data starts at
 * oc * input_c either way. bias (never 0) already holds the input offset's share:
 * bias[oc] + input_offset * sum_c w[oc][c], modulo 2^32, so the kernel sums w * x. */
void st_conv1x1_s8(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                   const int32_t *bias, int8_t *output);

/* The same with the output over the input: buffer holds the input (pixels * input_c bytes)
 * and receives the output (pixels * output_c bytes); scratch holds input_c bytes. */
void st_conv1x1_s8_inplace(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                           const int32_t *bias, int8_t *scratch);

#endif
