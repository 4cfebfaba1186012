/* CONV_2D int8 (TFLite reference ConvPerChannel): for each output pixel and channel oc of group g,
 * out = requant(bias[oc] + sum over in-image taps and filter channels w * (x + input_offset)).
 * Padding taps are skipped (zero padding of real values). The sum wraps modulo 2^32 like
 * LiteRT's int32 accumulator, without C's signed-overflow undefined behaviour; requantisation
 * is gemmlowp's double rounding (st_requantize_double); padding taps are skipped (st_window.h). */
#include "conv2d_s8.h"

#include "st_dsp.h"

/* acc + the sum over n taps of w * (x + offset): four taps a step with the DSP extension (the
 * offset added to the halves SXTB16 gives, x + offset fits int16), the rest one by one. */
static inline uint32_t run_dot(const int8_t *x, const int8_t *w, int32_t n, int32_t offset, uint32_t acc) {
#if defined(__ARM_FEATURE_DSP)
    const uint32_t offsets = st_dup16(offset);
    for (; n >= 4; n -= 4, x += 4, w += 4) {
        const uint32_t xv = st_load4(x), wv = st_load4(w);
        acc = st_smlad(st_sxtb16(wv), st_sxtab16(offsets, xv), acc);
        acc = st_smlad(st_sxtb16_ror8(wv), st_sxtab16_ror8(offsets, xv), acc);
    }
#endif
    for (; n > 0; n--) acc += (uint32_t)(*w++ * (*x++ + offset));
    return acc;
}

/* run_dot for two output channels' filters w0 and w1 over the same n taps: each input word
 * unpacked once serves both. */
static inline void run_dot2(const int8_t *x, const int8_t *w0, const int8_t *w1, int32_t n, int32_t offset,
                            uint32_t *acc0, uint32_t *acc1) {
    uint32_t a0 = *acc0, a1 = *acc1;
#if defined(__ARM_FEATURE_DSP)
    const uint32_t offsets = st_dup16(offset);
    for (; n >= 4; n -= 4, x += 4, w0 += 4, w1 += 4) {
        const uint32_t xv = st_load4(x), v0 = st_load4(w0), v1 = st_load4(w1);
        const uint32_t xe = st_sxtab16(offsets, xv), xo = st_sxtab16_ror8(offsets, xv);
        a0 = st_smlad(st_sxtb16(v0), xe, a0);
        a1 = st_smlad(st_sxtb16(v1), xe, a1);
        a0 = st_smlad(st_sxtb16_ror8(v0), xo, a0);
        a1 = st_smlad(st_sxtb16_ror8(v1), xo, a1);
    }
#endif
    for (; n > 0; n--) {
        const int32_t xv = *x++ + offset;
        a0 += (uint32_t)(*w0++ * xv);
        a1 += (uint32_t)(*w1++ * xv);
    }
    *acc0 = a0;
    *acc1 = a1;
}

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
                if (contiguous && k + 1 < per_group) { /* two output channels a pass */
                    uint32_t acc0 = 0, acc1 = 0;
                    const int8_t *xrow = xg, *wk1 = wk + filter_size;
                    for (int32_t fy = fy0; fy < fy1; fy++, xrow += step_y, wk += filter_row, wk1 += filter_row)
                        run_dot2(xrow, wk, wk1, run_len, input_offset, &acc0, &acc1);
                    for (int32_t c = oc; c < oc + 2; c++, acc0 = acc1) {
                        acc0 += (uint32_t)st_channel_bias(&p->channels, c);
                        out[c] = st_channel_output(&p->channels, c, acc0, p->output_offset, p->act_min, p->act_max);
                    }
                    k++;
                    continue;
                }
                uint32_t acc = 0;
                const int8_t *xrow = xg;
                if (contiguous) {
                    /* one group, no horizontal dilation: a window row's taps and
                     * channels are run_len consecutive bytes in both input and filter */
                    for (int32_t fy = fy0; fy < fy1; fy++, xrow += step_y, wk += filter_row)
                        acc = run_dot(xrow, wk, run_len, input_offset, acc);
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

/* A pixel's taps on their way to its lane of a pair's groups (tap t at byte (t / 4) * 8 + t % 4
 * of lane): gathered in order into a small buffer, which goes to the lane a word per group
 * whenever it fills. */
typedef struct {
    uint32_t buf[8]; /* 32 taps */
    int32_t fill;    /* bytes in buf */
    uint32_t *lane;  /* where buf's first word goes; the next group 8 bytes on */
} tap_stream;

/* n bytes from src to d, a word at a time (unaligned words are fine on the Cortex-M7). */
static inline void copy_run(int8_t *d, const int8_t *src, int32_t n) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) __builtin_memcpy(d + i, src + i, 4);
    for (; i < n; i++) d[i] = src[i];
}

static __attribute__((noinline)) void taps_flush(tap_stream *s) {
    int8_t *b = (int8_t *)s->buf;
    while (s->fill & 3) b[s->fill++] = 0; /* zeros past the last tap */
    for (int32_t g = 0; g < s->fill >> 2; g++) s->lane[2 * g] = s->buf[g];
    s->lane += 2 * (s->fill >> 2);
    s->fill = 0;
}

/* n taps copied from src, or all `pad` when src is 0. */
static __attribute__((noinline)) void taps_put(tap_stream *s, const int8_t *src, int32_t n, int8_t pad) {
    while (n > 0) {
        const int32_t m = n < 32 - s->fill ? n : 32 - s->fill;
        int8_t *d = (int8_t *)s->buf + s->fill;
        if (src) {
            copy_run(d, src, m);
            src += m;
        } else {
            for (int32_t i = 0; i < m; i++) d[i] = pad;
        }
        s->fill += m;
        n -= m;
        if (s->fill == 32) taps_flush(s);
    }
}

/* Output pixel (oy, ox)'s window into its lane (as window_taps) where input_c is a multiple of
 * 4: each group of four taps is one pixel's four channels, a word copied (or the zero point's,
 * outside the image) straight to the lane. */
static inline void window_words(const st_conv2d_columns_params *p, const int8_t *image, int32_t oy, int32_t ox,
                                uint32_t *lane) {
    const int32_t words = p->input_c >> 2, iw = p->input_w;
    const int32_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
    const uint32_t pad = 0x01010101u * (uint8_t)p->pad_value;
    const int whole = p->dilation_w == 1 && ix0 >= 0 && ix0 + p->filter_w <= iw; /* a row: one run of words */
    for (int32_t fy = 0; fy < p->filter_h; fy++) {
        const int32_t iy = iy0 + fy * p->dilation_h;
        const int row_in = iy >= 0 && iy < p->input_h;
        if (row_in && whole) {
            const int8_t *src = image + (iy * iw + ix0) * p->input_c;
            for (int32_t i = 0; i < words * p->filter_w; i++, lane += 2, src += 4) lane[0] = st_load4(src);
            continue;
        }
        for (int32_t fx = 0, ix = ix0; fx < p->filter_w; fx++, ix += p->dilation_w) {
            if (row_in && ix >= 0 && ix < iw) {
                const int8_t *src = image + (iy * iw + ix) * p->input_c;
                for (int32_t i = 0; i < words; i++, lane += 2, src += 4) lane[0] = st_load4(src);
            } else {
                for (int32_t i = 0; i < words; i++, lane += 2) lane[0] = pad;
            }
        }
    }
}

static inline uint32_t load2(const int8_t *p) {
    uint16_t v;
    __builtin_memcpy(&v, p, 2); /* one LDRH, unaligned */
    return v;
}

/* Three rows of nine bytes, starting at row, row + step and row + 2 * step: their 27 taps as
 * the lane's seven words, each joined from loads inside the rows (no byte past a row's ninth is
 * read). */
static inline void join_rows9(const int8_t *row, int32_t step, uint32_t *lane) {
    const int8_t *r1 = row + step, *r2 = r1 + step;
    lane[0] = st_load4(row);
    lane[2] = st_load4(row + 4);
    lane[4] = (uint8_t)row[8] | st_load4(r1) << 8;
    lane[6] = st_load4(r1 + 3);
    lane[8] = load2(r1 + 7) | load2(r2) << 16;
    lane[10] = st_load4(r2 + 2);
    lane[12] = load2(r2 + 6) | (uint32_t)(uint8_t)r2[8] << 16;
}

/* Output pixel (oy, ox)'s window into its lane (as window_taps) where it is three rows of nine
 * taps (filter_w * input_c = 9, as a first layer's 3x3 over RGB): joined from the image's rows
 * when the window is inside the image, else from its taps gathered into a local copy (the zero
 * point outside the image). */
static inline void window_rows9(const st_conv2d_columns_params *p, const int8_t *image, int32_t oy, int32_t ox,
                                uint32_t *lane) {
    const int32_t cin = p->input_c, fw = p->filter_w, dw = p->dilation_w, iw = p->input_w, dh = p->dilation_h;
    const int32_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
    if (ix0 >= 0 && ix0 + (fw - 1) * dw < iw && iy0 >= 0 && iy0 + 2 * dh < p->input_h && (dw == 1 || fw == 1)) {
        join_rows9(image + (iy0 * iw + ix0) * cin, dh * iw * cin, lane);
        return;
    }
    int8_t local[27];
    for (int32_t fy = 0, t = 0; fy < 3; fy++) {
        const int32_t iy = iy0 + fy * dh;
        for (int32_t fx = 0; fx < fw; fx++) {
            const int32_t ix = ix0 + fx * dw;
            const int in = iy >= 0 && iy < p->input_h && ix >= 0 && ix < iw;
            for (int32_t c = 0; c < cin; c++, t++) local[t] = in ? image[(iy * iw + ix) * cin + c] : (int8_t)p->pad_value;
        }
    }
    join_rows9(local, 9, lane);
}

/* Output pixel (oy, ox)'s window, filter_h * filter_w * input_c taps in the filter's order, into
 * its lane (tap_stream), zero-padded to whole groups; a padding tap is the input zero point,
 * which then adds nothing (the bias holds the input offset's share of every tap). */
static inline void window_taps(const st_conv2d_columns_params *p, const int8_t *image, int32_t oy, int32_t ox,
                               uint32_t *lane) {
    const int32_t cin = p->input_c, fw = p->filter_w, dw = p->dilation_w, iw = p->input_w;
    const int32_t iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;
    const int8_t pad = (int8_t)p->pad_value;
    const int whole = dw == 1 && ix0 >= 0 && ix0 + fw <= iw; /* a row's taps: one run of fw * cin bytes */
    tap_stream s;
    s.fill = 0;
    s.lane = lane;
    if (whole && iy0 >= 0 && iy0 + (p->filter_h - 1) * p->dilation_h < p->input_h && p->gemm.input_c <= 32) {
        /* the common case (a first layer's window inside the image): each row one run, no flush */
        const int8_t *row = image + (iy0 * iw + ix0) * cin;
        int8_t *d = (int8_t *)s.buf;
        for (int32_t fy = 0; fy < p->filter_h; fy++, row += p->dilation_h * iw * cin, d += fw * cin)
            copy_run(d, row, fw * cin);
        while ((d - (int8_t *)s.buf) & 3) *d++ = 0; /* zeros past the last tap */
        for (int32_t g = 0; g < (int32_t)(d - (int8_t *)s.buf) >> 2; g++) lane[2 * g] = s.buf[g];
        return;
    }
    for (int32_t fy = 0; fy < p->filter_h; fy++) {
        const int32_t iy = iy0 + fy * p->dilation_h;
        const int row_in = iy >= 0 && iy < p->input_h;
        if (row_in && whole) {
            taps_put(&s, image + (iy * iw + ix0) * cin, fw * cin, pad);
            continue;
        }
        for (int32_t fx = 0; fx < fw; fx++) {
            const int32_t ix = ix0 + fx * dw;
            taps_put(&s, row_in && ix >= 0 && ix < iw ? image + (iy * iw + ix) * cin : 0, cin, pad);
        }
    }
    taps_flush(&s);
}

/* A pair's groups of int8 taps (lanes interleaved four bytes at a time, padded with zeros to k4)
 * widened in place into st_conv1x1_widened's layout, last group first: group g's 8 bytes
 * become the 16 at 16 * g, over groups already widened. */
static inline __attribute__((always_inline)) void widen_in_place(uint32_t *pair, int32_t groups) {
    for (int32_t g = groups - 1; g >= 0; g--) {
        const uint32_t va = pair[2 * g], vb = pair[2 * g + 1];
        st_widen_group(va, vb, pair + 4 * g);
    }
}

/* How one output pixel's window reaches its lane: window_taps, window_words or window_rows9. */
typedef void window_fn(const st_conv2d_columns_params *p, const int8_t *image, int32_t oy, int32_t ox,
                       uint32_t *lane);

/* The n pixels from the position *oy, *ox of the batch at *image on, gathered (window) and
 * widened into wide; the position moves on past them. Inlined with a constant window into one
 * gatherer per layout, each out of line: its frame is not under st_conv1x1_widened's. */
static inline __attribute__((always_inline)) void gather_pixels(const st_conv2d_columns_params *p,
                                                                const int8_t **image, int32_t *oy, int32_t *ox,
                                                                int32_t n, uint32_t *wide, window_fn *window) {
    const int32_t groups = (p->gemm.input_c + 3) >> 2;
    for (int32_t i = 0; i < n; i++) {
        uint32_t *pair = wide + (i >> 1) * 4 * groups;
        window(p, *image, *oy, *ox, pair + (i & 1));
        if (i & 1 || i + 1 == n) widen_in_place(pair, groups);
        if (++*ox == p->output_w) {
            *ox = 0;
            if (++*oy == p->output_h) *oy = 0, *image += p->input_h * p->input_w * p->input_c; /* the next batch */
        }
    }
}

typedef void gather_fn(const st_conv2d_columns_params *p, const int8_t **image, int32_t *oy, int32_t *ox, int32_t n,
                       uint32_t *wide);
#define ST_GATHER(name, window)                                                                                \
    static __attribute__((noinline)) void name(const st_conv2d_columns_params *p, const int8_t **image,           \
                                               int32_t *oy, int32_t *ox, int32_t n, uint32_t *wide) {           \
        gather_pixels(p, image, oy, ox, n, wide, window);                                                       \
    }
ST_GATHER(gather_taps, window_taps)
ST_GATHER(gather_words, window_words)
ST_GATHER(gather_rows9, window_rows9)

/* The kernel with its scratch at wide (st_conv1x1_widened's, for a block of gemm.block pixels). */
static void columns_run(const st_conv2d_columns_params *p, const int8_t *input, const int8_t *filter, int8_t *output,
                        uint32_t *wide, st_conv1x1_block_fn *block, gather_fn *gather) {
    const st_conv1x1_params *g = &p->gemm;
    int32_t oy = 0, ox = 0;
    for (int32_t px = 0; px < g->pixels; px += g->block) {
        const int32_t n = g->pixels - px < g->block ? g->pixels - px : g->block;
        gather(p, &input, &oy, &ox, n, wide);
        block(g, wide, n, filter, output + px * g->output_c);
    }
}

/* columns_run with its scratch on the stack (the code generator passes none for small layers). */
static __attribute__((noinline)) void columns_on_stack(const st_conv2d_columns_params *p, const int8_t *input,
                                                       const int8_t *filter, int8_t *output,
                                                       st_conv1x1_block_fn *block, gather_fn *gather) {
    uint32_t local[ST_CONV_COLUMNS_STACK_BYTES / 4];
    columns_run(p, input, filter, output, local, block, gather);
}

static void columns(const st_conv2d_columns_params *p, const int8_t *input, const int8_t *filter, int8_t *output,
                    void *scratch, st_conv1x1_block_fn *block, gather_fn *gather) {
    if (scratch)
        columns_run(p, input, filter, output, (uint32_t *)scratch, block, gather);
    else
        columns_on_stack(p, input, filter, output, block, gather);
}

/* One exported kernel per window layout (conv2d_s8.h): a model links only the gatherers it runs. */
void ST_CHANNEL_KERNEL(st_conv2d_s8_columns)(const st_conv2d_columns_params *p, const int8_t *input,
                                             const int8_t *filter, int8_t *output, void *scratch,
                                             st_conv1x1_block_fn *block) {
    columns(p, input, filter, output, scratch, block, gather_taps);
}
void ST_CHANNEL_KERNEL(st_conv2d_s8_columns_words)(const st_conv2d_columns_params *p, const int8_t *input,
                                                   const int8_t *filter, int8_t *output, void *scratch,
                                                   st_conv1x1_block_fn *block) {
    columns(p, input, filter, output, scratch, block, gather_words);
}
void ST_CHANNEL_KERNEL(st_conv2d_s8_columns_rows9)(const st_conv2d_columns_params *p, const int8_t *input,
                                                   const int8_t *filter, int8_t *output, void *scratch,
                                                   st_conv1x1_block_fn *block) {
    columns(p, input, filter, output, scratch, block, gather_rows9);
}
