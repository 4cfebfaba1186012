/* CONV_2D int8 (TFLite reference ConvPerChannel): for each output pixel and channel oc of group g,
 * out = requant(bias[oc] + sum over in-image taps and filter channels w * (x + input_offset)).
 * Padding taps are skipped (zero padding of real values). The sum wraps modulo 2^32 like
 * LiteRT's int32 accumulator, without C's signed-overflow undefined behaviour; requantisation
 * is gemmlowp's double rounding (st_conv_requantize). */
#include "conv2d_s8.h"

void ST_CHANNEL_KERNEL(st_conv2d_s8)(const st_conv2d_params *p, const int8_t *input, const int8_t *filter,
                                     int8_t *output) {
    const int32_t fc = p->filter_c;
    const int32_t per_group = p->output_c / p->groups;
    const int32_t in_row = p->input_w * p->input_c;          /* input elements per row */
    const int32_t filter_row = p->filter_w * fc;             /* filter elements per row */
    const int32_t filter_size = p->filter_h * filter_row;    /* one output channel's filter */
    const int32_t step_x = p->dilation_w * p->input_c;       /* input elements between taps */
    const int32_t step_y = p->dilation_h * in_row;
    const int32_t input_offset = p->input_offset;
    const int contiguous = p->groups == 1 && p->dilation_w == 1;
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
                /* First in-image tap of this window, at channel 0 (none: no taps, bias only) */
                const int8_t *window = image;
                int32_t first_tap = 0; /* offset of that tap in each channel's filter */
                if (fy0 < fy1 && fx0 < fx1) {
                    window += (iy0 + fy0 * p->dilation_h) * in_row + (ix0 + fx0 * p->dilation_w) * p->input_c;
                    first_tap = fy0 * filter_row + fx0 * fc;
                }
                const int32_t run_len = (fx1 - fx0) * fc;
                for (int32_t g = 0; g < p->groups; g++) {
                    const int8_t *xg = window + g * fc;
                    for (int32_t k = 0; k < per_group; k++) {
                        const int32_t oc = g * per_group + k;
                        const int8_t *wk = filter + oc * filter_size + first_tap;
                        uint32_t acc = 0;
                        const int8_t *xrow = xg;
                        if (contiguous) {
                            /* one group, no horizontal dilation: a window row's taps and
                             * channels are run_len consecutive bytes in both input and filter;
                             * pipelined: each pair of loads one step ahead of its multiply */
                            for (int32_t fy = fy0; fy < fy1 && run_len > 0; fy++) {
                                int32_t xv = xrow[0], wv = wk[0];
                                for (int32_t i = 1; i < run_len; i++) {
                                    acc += (uint32_t)(wv * (xv + input_offset));
                                    xv = xrow[i];
                                    wv = wk[i];
                                }
                                acc += (uint32_t)(wv * (xv + input_offset));
                                xrow += step_y;
                                wk += filter_row;
                            }
                        } else {
                            for (int32_t fy = fy0; fy < fy1; fy++) {
                                const int8_t *x = xrow;
                                const int8_t *w = wk;
                                for (int32_t fx = fx0; fx < fx1; fx++) {
                                    for (int32_t c = 0; c < fc; c++) {
                                        acc += (uint32_t)((int32_t)w[c] * ((int32_t)x[c] + input_offset));
                                    }
                                    x += step_x;
                                    w += fc;
                                }
                                xrow += step_y;
                                wk += filter_row;
                            }
                        }
                        acc += (uint32_t)st_channel_bias(&p->channels, oc);
                        int32_t mult, shift;
                        st_channel_requant(&p->channels, oc, &mult, &shift);
                        int32_t v = st_conv_requantize((int32_t)acc, mult, shift);
                        v += p->output_offset;
                        out[oc] = (int8_t)st_clamp(v, p->act_min, p->act_max);
                    }
                }
                out += p->output_c;
            }
        }
    }
}
