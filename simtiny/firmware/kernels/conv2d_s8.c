/* CONV_2D int8 (TFLite reference ConvPerChannel): for each output pixel and channel oc of group g,
 * out = requant(bias[oc] + sum over in-image taps and filter channels w * (x + input_offset)).
 * Padding taps are skipped (zero padding of real values). The sum wraps modulo 2^32 like
 * LiteRT's int32 accumulator, without C's signed-overflow undefined behaviour; requantisation
 * is gemmlowp's double rounding (st_requantize_double); padding taps are skipped (st_window.h). */
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
    const st_window_shape shape = {
        p->batches,  p->input_h,  p->input_w,  p->input_c,    p->output_h,   p->output_w, p->output_c, p->filter_h,
        p->filter_w, p->stride_h, p->stride_w, p->dilation_h, p->dilation_w, p->pad_h,    p->pad_w,
    };
    st_window_iter it;
    if (!st_window_begin(&it, &shape, input, output)) return;
    do {
        const int32_t fy0 = it.w.y0, fy1 = it.w.y1, fx0 = it.w.x0, fx1 = it.w.x1;
        int8_t *out = it.out;
        /* First in-image tap of this window, at channel 0 (none: no taps, bias only), and its
         * offset in each channel's filter */
        const int8_t *window = it.image + st_window_origin(&it.w, in_row, p->input_c);
        /* st_window_tap_offset, written on the local copies: through the iterator gcc and clang
         * schedule this kernel 2-4% slower (measured on proxyless-w0.3's first layer) */
        const int32_t first_tap = fy0 < fy1 && fx0 < fx1 ? fy0 * filter_row + fx0 * fc : 0;
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
                out[oc] = st_channel_output(&p->channels, oc, acc, p->output_offset, p->act_min, p->act_max);
            }
        }
    } while (st_window_next(&it));
}
