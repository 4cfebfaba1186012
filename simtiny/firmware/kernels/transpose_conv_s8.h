/* TRANSPOSE_CONV int8 with per-channel weights (LiteRT reference_integer_ops::TransposeConv):
 * each input pixel scattered through the filter into the output, here gathered per output pixel
 * (the same int32 sums), biased, requantised per output channel, clamped. */
#ifndef ST_TRANSPOSE_CONV_S8_H
#define ST_TRANSPOSE_CONV_S8_H

#include <stdint.h>

typedef struct {
    int16_t batches, in_h, in_w, in_c, out_h, out_w, out_c, filter_h, filter_w;
    int16_t stride_h, stride_w, pad_h, pad_w;
    int32_t input_offset, output_offset, act_min, act_max;
    const int8_t *filter;      /* [out_c][filter_h][filter_w][in_c] */
    const int32_t *bias;       /* [out_c], or 0 */
    const int32_t *multiplier; /* [out_c] */
    const int32_t *shift;      /* [out_c] */
} st_transpose_conv_params;

/* scratch: out_c int32 accumulators, then 8 bytes per four input channels (the DSP path's
 * widened input pixel). */
void st_transpose_conv_s8(const st_transpose_conv_params *p, const int8_t *input, int8_t *output, int32_t *scratch);

#endif
