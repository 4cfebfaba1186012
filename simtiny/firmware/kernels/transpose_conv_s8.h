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

/* For output pixel (oy, ox) of batch b, every input pixel that reaches it and the filter tap it
 * goes through: x (the input pixel's channels, of x_type) and w (the tap's weights for output
 * channel 0; channel c's are filter_h * filter_w * in_c further), then `tap`. The taps are fy =
 * (oy + pad) mod stride, then every stride-th, the input row one less each time (iy * stride - pad
 * + fy = oy), and likewise across. Shared by the int8 and the 16x8 kernels. */
#define ST_TRANSPOSE_CONV_TAPS(p, input, x_type, b, oy, ox, tap)                                   \
    do {                                                                                         \
        const int32_t ry_ = (oy) + (p)->pad_h, rx_ = (ox) + (p)->pad_w;                            \
        int32_t iy_ = ry_ / (p)->stride_h;                                                       \
        for (int32_t fy_ = ry_ % (p)->stride_h; fy_ < (p)->filter_h && iy_ >= 0; fy_ += (p)->stride_h, iy_--) { \
            if (iy_ >= (p)->in_h) continue;                                                      \
            int32_t ix_ = rx_ / (p)->stride_w;                                                   \
            for (int32_t fx_ = rx_ % (p)->stride_w; fx_ < (p)->filter_w && ix_ >= 0; fx_ += (p)->stride_w, ix_--) { \
                if (ix_ >= (p)->in_w) continue;                                                  \
                const x_type *x = (input) + (((b) * (p)->in_h + iy_) * (p)->in_w + ix_) * (p)->in_c; \
                const int8_t *w = (p)->filter + (fy_ * (p)->filter_w + fx_) * (p)->in_c;           \
                tap;                                                                             \
            }                                                                                    \
        }                                                                                        \
    } while (0)

/* scratch: out_c int32 accumulators, then 8 bytes per four input channels (the DSP path's
 * widened input pixel). */
void st_transpose_conv_s8(const st_transpose_conv_params *p, const int8_t *input, int8_t *output, int32_t *scratch);

#endif
