/* CONV_2D int8 (TFLite reference ConvPerChannel): for each output pixel and channel oc of group g,
 * out = requant(bias[oc] + sum over in-image taps and filter channels w * (x + input_offset)).
 * Padding taps are skipped (zero padding of real values). The sum wraps modulo 2^32 like
 * LiteRT's int32 accumulator, without C's signed-overflow undefined behaviour; requantisation
 * is gemmlowp's double rounding (st_requantize_double); padding taps are skipped (st_window.h). */
#include "conv2d_s8.h"

#include "st_dsp.h"

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

static inline int8_t columns_output(const st_conv2d_params *p, const st_requant_bounded *rq, uint32_t acc) {
    return st_bounded_output(rq, acc, p->output_offset, p->act_min, p->act_max);
}

/* Output pixel `pixel`'s window as one column of int16 (x + input_offset, 0 for padding taps,
 * which then add nothing, as LiteRT's skipping them does), zero-filled to k4 entries. */
static void columns_fill(const st_conv2d_params *p, const int8_t *image, int32_t pixel, int16_t *col, int32_t k4) {
    const int32_t cin = p->input_c;
    const int32_t oy = pixel / p->output_w, ox = pixel % p->output_w;
    int32_t k = 0;
    for (int32_t fy = 0; fy < p->filter_h; fy++) {
        const int32_t iy = oy * p->stride_h - p->pad_h + fy * p->dilation_h;
        for (int32_t fx = 0; fx < p->filter_w; fx++) {
            const int32_t ix = ox * p->stride_w - p->pad_w + fx * p->dilation_w;
            if (iy >= 0 && iy < p->input_h && ix >= 0 && ix < p->input_w) {
                const int8_t *x = image + (iy * p->input_w + ix) * cin;
                for (int32_t c = 0; c < cin; c++) col[k++] = (int16_t)(x[c] + p->input_offset);
            } else {
                for (int32_t c = 0; c < cin; c++) col[k++] = 0;
            }
        }
    }
    while (k < k4) col[k++] = 0;
}

/* One group, accumulators bounded by the code generator (st_requantize_bounded): each pair
 * of output pixels is gathered into two int16 columns (on the stack when k4 <=
 * ST_CONV_COLUMNS_STACK_TAPS, else in scratch: 2 * k4 int16, 4-byte aligned; k4 = filter_h *
 * filter_w * input_c rounded up to a multiple of 4), then two output channels
 * at a time take the dot products of their filter rows with both columns. The filter is
 * reordered by the code generator: row oc holds k4 bytes, each group of four taps stored as
 * (t0, t2, t1, t3), so that SXTB16 gives the pair (t0, t1) and SXTB16 ROR 8 the pair (t2, t3)
 * matching the columns' words. Sums wrap modulo 2^32 like LiteRT's int32 accumulator. */
void ST_CHANNEL_KERNEL(st_conv2d_s8_columns)(const st_conv2d_params *p, const int8_t *input, const int8_t *filter,
                                             int8_t *output, int16_t *scratch) {
    const int32_t cout = p->output_c;
    const int32_t k4 = (p->filter_h * p->filter_w * p->input_c + 3) & ~(int32_t)3;
    const int32_t pixels = p->output_h * p->output_w;
    int16_t local[2 * ST_CONV_COLUMNS_STACK_TAPS] __attribute__((aligned(4)));
    if (k4 <= ST_CONV_COLUMNS_STACK_TAPS) scratch = local; /* the code generator passes none then */
    int16_t *col0 = scratch, *col1 = scratch + k4;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *image = input + b * p->input_h * p->input_w * p->input_c;
        int8_t *out = output + b * pixels * cout;
        for (int32_t px = 0; px < pixels; px += 2, out += 2 * cout) {
            const int both = px + 1 < pixels;
            columns_fill(p, image, px, col0, k4);
            columns_fill(p, image, both ? px + 1 : px, col1, k4);
            for (int32_t oc = 0; oc < cout; oc += 2) {
                const int32_t oc1 = oc + 1 < cout ? oc + 1 : oc; /* an odd last channel pairs with itself */
                const int8_t *wa = filter + oc * k4, *wb = filter + oc1 * k4;
                uint32_t a00 = (uint32_t)st_channel_bias(&p->channels, oc), a01 = a00;
                uint32_t a10 = (uint32_t)st_channel_bias(&p->channels, oc1), a11 = a10;
#if defined(__ARM_FEATURE_DSP)
                const uint32_t *c0 = (const uint32_t *)(const void *)col0, *c1 = (const uint32_t *)(const void *)col1;
                for (int32_t k = 0; k < k4; k += 4, c0 += 2, c1 += 2) {
                    const uint32_t va = st_load4(wa + k), vb = st_load4(wb + k);
                    const uint32_t a_lo = st_sxtb16(va), a_hi = st_sxtb16_ror8(va);
                    const uint32_t b_lo = st_sxtb16(vb), b_hi = st_sxtb16_ror8(vb);
                    a00 = st_smlad(a_hi, c0[1], st_smlad(a_lo, c0[0], a00));
                    a01 = st_smlad(a_hi, c1[1], st_smlad(a_lo, c1[0], a01));
                    a10 = st_smlad(b_hi, c0[1], st_smlad(b_lo, c0[0], a10));
                    a11 = st_smlad(b_hi, c1[1], st_smlad(b_lo, c1[0], a11));
                }
#else
                for (int32_t k = 0; k < k4; k += 4) {
                    static const int8_t order[4] = {0, 2, 1, 3}; /* stored position j holds tap order[j] */
                    for (int32_t j = 0; j < 4; j++) {
                        const int32_t t = k + order[j];
                        a00 += (uint32_t)(wa[k + j] * col0[t]);
                        a01 += (uint32_t)(wa[k + j] * col1[t]);
                        a10 += (uint32_t)(wb[k + j] * col0[t]);
                        a11 += (uint32_t)(wb[k + j] * col1[t]);
                    }
                }
#endif
                const st_requant_bounded ra = st_channel_requant_bounded(&p->channels, oc);
                const st_requant_bounded rb = st_channel_requant_bounded(&p->channels, oc1);
                out[oc] = columns_output(p, &ra, a00);
                out[oc1] = columns_output(p, &rb, a10);
                if (both) {
                    out[cout + oc] = columns_output(p, &ra, a01);
                    out[cout + oc1] = columns_output(p, &rb, a11);
                }
            }
        }
    }
}
