/* CONV_2D 16x8: LiteRT's reference_integer_ops::ConvPerChannel for int16 input. Each output is
 * the int64 sum of filter * input over the window's taps inside the image (padding contributes
 * nothing: the input zero point is 0), plus the bias, requantised by st_requantize_int64 and
 * clamped to the activation's bounds. Each tap's products over the channels are one
 * st_dot_s16x8 (with its DSP path). */
#include "conv2d_s16x8.h"

#include "st_dot_s16x8.h"
#include "st_quant.h"

void st_conv2d_s16x8(const st_conv2d_s16x8_params *p, const int16_t *input, const int8_t *filter, int16_t *output) {
    const int32_t in_h = p->input_h, in_w = p->input_w, in_c = p->input_c;
    const int32_t f_h = p->filter_h, f_w = p->filter_w, out_c = p->output_c;
    for (int32_t b = 0; b < p->batches; b++) {
        const int16_t *image = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < p->output_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < out_c; oc++) {
                    const int8_t *w = filter + oc * f_h * f_w * in_c;
                    int64_t acc = 0;
                    for (int32_t fy = 0; fy < f_h; fy++) {
                        const int32_t y = y0 + fy * p->dilation_h;
                        if (y < 0 || y >= in_h) continue;
                        for (int32_t fx = 0; fx < f_w; fx++) {
                            const int32_t x = x0 + fx * p->dilation_w;
                            if (x < 0 || x >= in_w) continue;
                            const int16_t *px = image + (y * in_w + x) * in_c;
                            const int8_t *wk = w + (fy * f_w + fx) * in_c;
                            acc += st_dot_s16x8(px, wk, in_c);
                        }
                    }
                    if (p->bias) acc += p->bias[oc];
                    int32_t v = st_requantize_int64(acc, p->multiplier[oc], p->shift[oc]);
                    v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
                    *output++ = (int16_t)v;
                }
            }
        }
    }
}
