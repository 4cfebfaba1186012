/* DEPTHWISE_CONV_2D 16x8: LiteRT's reference_integer_ops::DepthwiseConvPerChannel for int16 input.
 * Each output channel (input channel c, multiplier m: c * M + m) is the int64 sum of its filter
 * taps times the input inside the image, plus the bias, requantised by st_requantize_int64 (the
 * same int64 MultiplyByQuantizedMultiplier as CONV_2D 16x8) and clamped. */
#include "depthwise_conv2d_s16x8.h"

#include "st_quant.h"

void st_depthwise_conv2d_s16x8(const st_depthwise_conv2d_s16x8_params *p, const int16_t *input,
                               const int8_t *filter, int16_t *output) {
    const int32_t in_h = p->input_h, in_w = p->input_w, in_c = p->input_c, mult = p->depth_multiplier;
    const int32_t out_c = in_c * mult;
    for (int32_t b = 0; b < p->batches; b++) {
        const int16_t *image = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < p->output_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            for (int32_t ox = 0; ox < p->output_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                for (int32_t oc = 0; oc < out_c; oc++) {
                    const int32_t c = oc / mult;
                    int64_t acc = 0;
                    for (int32_t fy = 0; fy < p->filter_h; fy++) {
                        const int32_t y = y0 + fy * p->dilation_h;
                        if (y < 0 || y >= in_h) continue;
                        for (int32_t fx = 0; fx < p->filter_w; fx++) {
                            const int32_t x = x0 + fx * p->dilation_w;
                            if (x < 0 || x >= in_w) continue;
                            acc += (int32_t)filter[(fy * p->filter_w + fx) * out_c + oc] * image[(y * in_w + x) * in_c + c];
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
