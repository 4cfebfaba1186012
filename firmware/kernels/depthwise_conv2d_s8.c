/* DEPTHWISE_CONV_2D int8 (TFLite reference DepthwiseConvPerChannel): output channel
 * oc = ic * depth_multiplier + m sees only input channel ic:
 * out = requant(bias[oc] + sum over in-image taps w[fy][fx][oc] * (x[iy][ix][ic] + input_offset)).
 * The sum wraps modulo 2^32 like LiteRT's int32 accumulator, without C's undefined behaviour;
 * requantisation is gemmlowp's double rounding (st_conv_requantize). */
#include "depthwise_conv2d_s8.h"

#include "conv2d_s8.h" /* st_conv_tap_range, st_conv_requantize */

void st_depthwise_conv2d_s8(const st_depthwise_conv2d_params *p, const int8_t *input,
                            const int8_t *filter, const int32_t *bias, int8_t *output) {
    const int32_t ic_n = p->input_c;
    const int32_t oc_n = ic_n * p->depth_multiplier;
    const int32_t in_row = p->input_w * ic_n;
    const int32_t filter_row = p->filter_w * oc_n;
    const int32_t step_x = p->dilation_w * ic_n;
    const int32_t step_y = p->dilation_h * in_row;
    const int32_t input_offset = p->input_offset;
    int8_t *out = output;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *image = input + b * p->input_h * in_row;
        for (int32_t oy = 0; oy < p->output_h; oy++) {
            const int32_t iy0 = oy * p->stride_h - p->pad_h;
            int32_t fy0, fy1;
            st_conv_tap_range(iy0, p->dilation_h, p->filter_h, p->input_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < p->output_w; ox++) {
                const int32_t ix0 = ox * p->stride_w - p->pad_w;
                int32_t fx0, fx1;
                st_conv_tap_range(ix0, p->dilation_w, p->filter_w, p->input_w, &fx0, &fx1);
                /* First in-image tap of this window (none: no taps, bias only) */
                const int8_t *window = image;
                const int8_t *wwin = filter;
                if (fy0 < fy1 && fx0 < fx1) {
                    window += (iy0 + fy0 * p->dilation_h) * in_row + (ix0 + fx0 * p->dilation_w) * ic_n;
                    wwin += fy0 * filter_row + fx0 * oc_n;
                }
                int32_t oc = 0;
                for (int32_t ic = 0; ic < ic_n; ic++) {
                    for (int32_t m = 0; m < p->depth_multiplier; m++, oc++) {
                        uint32_t acc = 0;
                        const int8_t *xrow = window + ic;
                        const int8_t *wrow = wwin + oc;
                        for (int32_t fy = fy0; fy < fy1; fy++) {
                            const int8_t *x = xrow;
                            const int8_t *w = wrow;
                            for (int32_t fx = fx0; fx < fx1; fx++) {
                                acc += (uint32_t)((int32_t)*w * ((int32_t)*x + input_offset));
                                x += step_x;
                                w += oc_n;
                            }
                            xrow += step_y;
                            wrow += filter_row;
                        }
                        if (bias) acc += (uint32_t)bias[oc];
                        const int32_t q = p->per_channel ? oc : 0;
                        int32_t v = st_conv_requantize((int32_t)acc, p->multiplier[q], p->shift[q]);
                        v += p->output_offset;
                        out[oc] = (int8_t)st_clamp(v, p->act_min, p->act_max);
                    }
                }
                out += oc_n;
            }
        }
    }
}
