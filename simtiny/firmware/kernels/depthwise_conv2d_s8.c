/* DEPTHWISE_CONV_2D int8 (TFLite reference DepthwiseConvPerChannel): output channel
 * oc = ic * depth_multiplier + m sees only input channel ic:
 * out = requant(bias[oc] + sum over in-image taps w[fy][fx][oc] * (x[iy][ix][ic] + input_offset)).
 * The sum wraps modulo 2^32 like LiteRT's int32 accumulator, without C's undefined behaviour;
 * requantisation is gemmlowp's double rounding (st_requantize_double); padding taps are
 * skipped (st_window.h). */
#include "depthwise_conv2d_s8.h"

#include "st_quant.h"
#include "st_window.h"

void ST_CHANNEL_KERNEL(st_depthwise_conv2d_s8)(const st_depthwise_conv2d_params *p, const int8_t *input,
                                               const int8_t *filter, int8_t *output) {
    const int32_t ic_n = p->input_c;
    const int32_t oc_n = ic_n * p->depth_multiplier;
    const int32_t in_row = p->input_w * ic_n;
    const int32_t filter_row = p->filter_w * oc_n;
    const int32_t step_x = p->dilation_w * ic_n;
    const int32_t step_y = p->dilation_h * in_row;
    const int32_t input_offset = p->input_offset;
    const st_window_shape shape = {
        p->batches,  p->input_h,  p->input_w,  ic_n,          p->output_h,   p->output_w, oc_n,    p->filter_h,
        p->filter_w, p->stride_h, p->stride_w, p->dilation_h, p->dilation_w, p->pad_h,    p->pad_w,
    };
    st_window_iter it;
    if (!st_window_begin(&it, &shape, input, output)) return;
    do {
        const st_window *w = &it.w;
        /* the window's first in-image tap (none: no taps, bias only), in input and filter */
        const int8_t *window = it.image + st_window_origin(w, in_row, ic_n);
        const int8_t *wwin = filter + st_window_tap_offset(w, filter_row, oc_n);
        int32_t oc = 0;
        for (int32_t ic = 0; ic < ic_n; ic++) {
            for (int32_t m = 0; m < p->depth_multiplier; m++, oc++) {
                uint32_t acc = 0;
                const int8_t *xrow = window + ic;
                const int8_t *wrow = wwin + oc;
                for (int32_t fy = w->y0; fy < w->y1; fy++) {
                    const int8_t *x = xrow;
                    const int8_t *wt = wrow;
                    for (int32_t fx = w->x0; fx < w->x1; fx++) {
                        acc += (uint32_t)((int32_t)*wt * ((int32_t)*x + input_offset));
                        x += step_x;
                        wt += oc_n;
                    }
                    xrow += step_y;
                    wrow += filter_row;
                }
                acc += (uint32_t)st_channel_bias(&p->channels, oc);
                it.out[oc] = st_channel_output(&p->channels, oc, acc, p->output_offset, p->act_min, p->act_max);
            }
        }
    } while (st_window_next(&it));
}


/* Filters of up to this many taps are gathered into a local array for the interior windows. */
#define ST_DW_LOCAL_TAPS 64

/* Output indices [*lo, *hi) whose window of `size` taps lies entirely in [0, limit). */
static void interior_range(int32_t outputs, int32_t stride, int32_t pad, int32_t dilation, int32_t size,
                           int32_t limit, int32_t *lo, int32_t *hi) {
    int32_t a = 0, b = outputs;
    while (a < b && a * stride - pad < 0) a++;
    while (b > a && (b - 1) * stride - pad + (size - 1) * dilation >= limit) b--;
    *lo = a;
    *hi = b;
}

/* sum over the fh x fw window of taps[fy][fx] * x[fy * row_step + fx * dw]; inlined with a
 * constant fw (and dw). Software-pipelined: each tap's two loads are issued one step ahead
 * of its multiply, so no multiply waits on the load just before it. */
static inline uint32_t window_dot(const int8_t *x, int32_t row_step, const int8_t *taps, int32_t fh,
                                  int32_t fw, int32_t dw) {
    uint32_t acc = 0;
    for (int32_t fy = 0; fy < fh; fy++) {
        int32_t xv = x[0], tv = taps[0];
        for (int32_t fx = 1; fx < fw; fx++) {
            acc += (uint32_t)(tv * xv);
            xv = x[fx * dw];
            tv = taps[fx];
        }
        acc += (uint32_t)(tv * xv);
        x += row_step;
        taps += fw;
    }
    return acc;
}

static inline int8_t dw_output(uint32_t acc, int32_t mult, int32_t shift, const st_depthwise_conv2d_params *p) {
    const int32_t v = st_requantize_double((int32_t)acc, mult, shift) + p->output_offset;
    return (int8_t)st_clamp(v, p->act_min, p->act_max);
}

/* In place, channel by channel: plane c of the input is copied to scratch, then output plane
 * c is computed from the copy and written at the output's NHWC positions. An output pixel
 * index never exceeds the input's (stride >= 1, no output padding), so channel c's writes
 * only land on channel c's input bytes, which are saved, or on earlier batches, which are
 * done. Windows entirely inside the image take the input offset's share from a per-channel
 * sum of the filter (sums wrap modulo 2^32, so this is exact); clipped windows add it tap by
 * tap, as LiteRT does, which skips the padding taps. */
void ST_CHANNEL_KERNEL(st_depthwise_conv2d_s8_inplace)(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                       const int8_t *filter, int8_t *scratch) {
    const int32_t ch = p->input_c;
    const int32_t ih = p->input_h, iw = p->input_w, oh = p->output_h, ow = p->output_w;
    const int32_t fh = p->filter_h, fw = p->filter_w;
    const int32_t dh = p->dilation_h, dw = p->dilation_w;
    const int32_t sh = p->stride_h, sw = p->stride_w;
    const int32_t plane = ih * iw;
    const int32_t n_taps = fh * fw;
    const int32_t input_offset = p->input_offset;
    const int32_t row_step = dh * iw;
    int32_t y_lo, y_hi, x_lo, x_hi;
    interior_range(oh, sh, p->pad_h, dh, fh, ih, &y_lo, &y_hi);
    interior_range(ow, sw, p->pad_w, dw, fw, iw, &x_lo, &x_hi);
    if (n_taps > ST_DW_LOCAL_TAPS) x_hi = x_lo; /* no interior fast path: every window clipped */
    const int has_interior = y_lo < y_hi && x_lo < x_hi;
    /* taps are gathered (1 apart) only for the interior windows; clipped windows read them
     * from the filter, ch apart */
    const int32_t tap_step = has_interior ? 1 : ch;
    int8_t taps[ST_DW_LOCAL_TAPS];
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *image = buffer + b * plane * ch;
        int8_t *out_image = buffer + b * oh * ow * ch;
        for (int32_t c = 0; c < ch; c++) {
            for (int32_t i = 0; i < plane; i++) scratch[i] = image[i * ch + c];
            const uint32_t b0 = (uint32_t)st_channel_bias(&p->channels, c);
            int32_t mult, shift;
            st_channel_requant(&p->channels, c, &mult, &shift);
            const int8_t *wc = filter + c; /* channel c's taps, tap_step apart */
            uint32_t full = b0; /* bias + input_offset * sum of the taps: a whole window's constant */
            if (has_interior) {
                for (int32_t t = 0; t < n_taps; t++) {
                    taps[t] = wc[t * ch];
                    full += (uint32_t)(taps[t] * input_offset);
                }
                wc = taps;
            }
            int8_t *out = out_image + c;
            for (int32_t oy = 0; oy < oh; oy++) {
                const int32_t iy0 = oy * sh - p->pad_h;
                int32_t fy0, fy1;
                st_window_taps(iy0, dh, fh, ih, &fy0, &fy1);
                const int interior_row = has_interior && oy >= y_lo && oy < y_hi;
                for (int32_t ox = 0; ox < ow; ox++, out += ch) {
                    const int32_t ix0 = ox * sw - p->pad_w;
                    if (interior_row && ox >= x_lo && ox < x_hi) {
                        /* run of interior windows: ox in [x_lo, x_hi) */
                        const int8_t *x = scratch + iy0 * iw + ix0;
                        const int32_t step = sw;
                        const int32_t n = x_hi - ox;
                        if (dw == 1 && fw == 3) {
                            for (int32_t k = 0; k < n; k++, x += step, out += ch)
                                *out = dw_output(full + window_dot(x, row_step, taps, fh, 3, 1), mult, shift, p);
                        } else if (dw == 1 && fw == 5) {
                            for (int32_t k = 0; k < n; k++, x += step, out += ch)
                                *out = dw_output(full + window_dot(x, row_step, taps, fh, 5, 1), mult, shift, p);
                        } else if (dw == 1 && fw == 7) {
                            for (int32_t k = 0; k < n; k++, x += step, out += ch)
                                *out = dw_output(full + window_dot(x, row_step, taps, fh, 7, 1), mult, shift, p);
                        } else {
                            for (int32_t k = 0; k < n; k++, x += step, out += ch)
                                *out = dw_output(full + window_dot(x, row_step, taps, fh, fw, dw), mult, shift, p);
                        }
                        ox = x_hi - 1;
                        out -= ch; /* the for loop's increment moves past the run */
                        continue;
                    }
                    int32_t fx0, fx1;
                    st_window_taps(ix0, dw, fw, iw, &fx0, &fx1);
                    uint32_t acc = b0;
                    for (int32_t fy = fy0; fy < fy1 && fx0 < fx1; fy++) { /* pipelined as window_dot */
                        const int8_t *x = scratch + (iy0 + fy * dh) * iw + ix0;
                        const int8_t *w = wc + fy * fw * tap_step;
                        int32_t xv = x[fx0 * dw], wv = w[fx0 * tap_step];
                        for (int32_t fx = fx0 + 1; fx < fx1; fx++) {
                            acc += (uint32_t)(wv * (xv + input_offset));
                            xv = x[fx * dw];
                            wv = w[fx * tap_step];
                        }
                        acc += (uint32_t)(wv * (xv + input_offset));
                    }
                    *out = dw_output(acc, mult, shift, p);
                }
            }
        }
    }
}
