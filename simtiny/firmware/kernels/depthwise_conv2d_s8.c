/* DEPTHWISE_CONV_2D int8 (TFLite reference DepthwiseConvPerChannel): output channel
 * oc = ic * depth_multiplier + m sees only input channel ic:
 * out = requant(bias[oc] + sum over in-image taps w[fy][fx][oc] * (x[iy][ix][ic] + input_offset)).
 * The sum wraps modulo 2^32 like LiteRT's int32 accumulator, without C's undefined behaviour;
 * requantisation is gemmlowp's double rounding (st_requantize_double); padding taps are
 * skipped (st_window.h). */
#include "depthwise_conv2d_s8.h"

#include <stddef.h>

#include "st_compiler.h"
#include "st_dsp.h"
#include "st_quant.h"
#include "st_window.h"

/* The strides of the out-of-place kernels' walk over the input and the filter. */
typedef struct {
    int32_t ic_n, oc_n, in_row, filter_row, step_x, step_y, input_offset;
} dw_walk;

static inline dw_walk dw_walk_of(const st_depthwise_conv2d_params *p) {
    const int32_t ic_n = p->input_c, oc_n = ic_n * p->depth_multiplier, in_row = p->input_w * ic_n;
    const dw_walk k = {ic_n, oc_n, in_row, p->filter_w * oc_n, p->dilation_w * ic_n, p->dilation_h * in_row,
                       p->input_offset};
    return k;
}

/* The layer's geometry for st_window_begin (which keeps a pointer to it: the caller holds it). */
static inline st_window_shape dw_shape(const st_depthwise_conv2d_params *p) {
    const st_window_shape shape = {
        p->batches,  p->input_h,  p->input_w,  p->input_c,    p->output_h,   p->output_w, p->input_c * p->depth_multiplier,
        p->filter_h, p->filter_w, p->stride_h, p->stride_w,   p->dilation_h, p->dilation_w, p->pad_h, p->pad_w,
    };
    return shape;
}

/* Output channel oc (of input channel ic) at one window: the sum over its in-image taps, then
 * the bias and the requantisation. */
static inline void dw_sum_channel(const st_depthwise_conv2d_params *p, const dw_walk *k, const st_window *w,
                                  const int8_t *window, const int8_t *wwin, int32_t ic, int32_t oc, int8_t *out) {
    uint32_t acc = 0;
    const int8_t *xrow = window + ic;
    const int8_t *wrow = wwin + oc;
    for (int32_t fy = w->y0; fy < w->y1; fy++) {
        const int8_t *x = xrow;
        const int8_t *wt = wrow;
        for (int32_t fx = w->x0; fx < w->x1; fx++) {
            acc += (uint32_t)((int32_t)*wt * ((int32_t)*x + k->input_offset));
            x += k->step_x;
            wt += k->oc_n;
        }
        xrow += k->step_y;
        wrow += k->filter_row;
    }
    acc += (uint32_t)st_channel_bias(&p->channels, oc);
    out[oc] = st_channel_output(&p->channels, oc, acc, p->output_offset, p->act_min, p->act_max);
}

void ST_DW_KERNEL(st_depthwise_conv2d_s8)(const st_depthwise_conv2d_params *p, const int8_t *input,
                                               const int8_t *filter, int8_t *output) {
    const dw_walk k = dw_walk_of(p);
    const st_window_shape shape = dw_shape(p);
    st_window_iter it;
    if (!st_window_begin(&it, &shape, input, output)) return;
    do {
        const st_window *w = &it.w;
        /* the window's first in-image tap (none: no taps, bias only), in input and filter */
        const int8_t *window = it.image + st_window_origin(w, k.in_row, k.ic_n);
        const int8_t *wwin = filter + st_window_tap_offset(w, k.filter_row, k.oc_n);
        int32_t oc = 0;
        for (int32_t ic = 0; ic < k.ic_n; ic++) {
            for (int32_t m = 0; m < p->depth_multiplier; m++, oc++) {
                dw_sum_channel(p, &k, w, window, wwin, ic, oc, it.out);
            }
        }
    } while (st_window_next(&it));
}

/* Depth multiplier 4 and more (person_detect's first layer: one input channel, eight output
 * channels): each input value is read once per tap for four output channels at a time, whose
 * sums stay in registers; the channels left over (multiplier % 4) go one by one. The same sums
 * as LiteRT's, added in another order (modulo 2^32, so the same bits). */
void ST_DW_KERNEL(st_depthwise_conv2d_s8_multiplier)(const st_depthwise_conv2d_params *p, const int8_t *input,
                                                          const int8_t *filter, int8_t *output) {
    const dw_walk k = dw_walk_of(p);
    const int32_t groups = p->depth_multiplier / 4;
    const st_window_shape shape = dw_shape(p);
    st_window_iter it;
    if (!st_window_begin(&it, &shape, input, output)) return;
    do {
        const st_window *w = &it.w;
        const int8_t *window = it.image + st_window_origin(w, k.in_row, k.ic_n);
        const int8_t *wwin = filter + st_window_tap_offset(w, k.filter_row, k.oc_n);
        int32_t oc = 0;
        for (int32_t ic = 0; ic < k.ic_n; ic++) {
            for (int32_t g = 0; g < groups; g++, oc += 4) {
                uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                const int8_t *xrow = window + ic;
                const int8_t *wrow = wwin + oc;
                for (int32_t fy = w->y0; fy < w->y1; fy++) {
                    const int8_t *x = xrow;
                    const int8_t *wt = wrow;
                    for (int32_t fx = w->x0; fx < w->x1; fx++) {
                        const int32_t v = (int32_t)*x + k.input_offset;
                        a0 += (uint32_t)((int32_t)wt[0] * v);
                        a1 += (uint32_t)((int32_t)wt[1] * v);
                        a2 += (uint32_t)((int32_t)wt[2] * v);
                        a3 += (uint32_t)((int32_t)wt[3] * v);
                        x += k.step_x;
                        wt += k.oc_n;
                    }
                    xrow += k.step_y;
                    wrow += k.filter_row;
                }
                const uint32_t sums[4] = {a0, a1, a2, a3};
                for (int32_t j = 0; j < 4; j++) {
                    const uint32_t acc = sums[j] + (uint32_t)st_channel_bias(&p->channels, oc + j);
                    it.out[oc + j] =
                        st_channel_output(&p->channels, oc + j, acc, p->output_offset, p->act_min, p->act_max);
                }
            }
            for (int32_t m = 4 * groups; m < p->depth_multiplier; m++, oc++) {
                dw_sum_channel(p, &k, w, window, wwin, ic, oc, it.out);
            }
        }
    } while (st_window_next(&it));
}


/* Filters of up to this many taps are gathered into a local array for the interior windows. */
#define ST_DW_LOCAL_TAPS 56 /* 7x7 filters and smaller */

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
void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace)(const st_depthwise_conv2d_params *p, int8_t *buffer,
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

/* The requantisation of the padded and small kernels: in this build st_requantize_fast, where
 * the code generator proved it exact for the layer (on the sum doubled: one shift); in
 * depthwise_conv2d_s8_general.c, st_requantize_bounded with the output offset and the clamp. */
#if defined(ST_DW_GENERAL)
typedef st_requant_bounded dw_requant;
#else
typedef st_requant_fast dw_requant;
#endif

static inline int8_t dw_requantize(uint32_t acc, const dw_requant *q, int32_t output_offset, int32_t act_min,
                                   int32_t act_max) {
#if defined(ST_DW_GENERAL)
    return st_bounded_output(q, acc, output_offset, act_min, act_max);
#else
    (void)output_offset, (void)act_min, (void)act_max; /* folded into q; the activation spans int8 */
    return (int8_t)st_requantize_fast(acc << 1, q);
#endif
}

/* A channel's bias and requantisation (dw_requant), as the small and padded kernels keep them in scratch. */
#define ST_DW_SMALL_BLOCK 64 /* channels a pass over the pixels: what a window reads stays in the D-cache */
typedef struct {
    uint32_t bias;
    dw_requant rq;
} small_channel;
_Static_assert(sizeof(small_channel) == ST_DW_SMALL_CHANNEL_BYTES, "the code generator plans this much a channel");

/* Geometry of st_depthwise_conv2d_s8_inplace_padded's scratch (depthwise_conv2d_s8.h). */
static inline int32_t padded_pairs(int32_t fw, int32_t sw) { return sw == 1 ? fw / 2 + 1 : (fw + 1) / 2; }

/* One channel's constants for the padded kernel's output rows (and ch, the bytes between two
 * output pixels, next to the requantisation for padded_store4). */
typedef struct {
    dw_requant rq;
    int32_t ch;
    uint32_t bias;
    int32_t output_offset, act_min, act_max;
} padded_channel;

/* The padded kernel's taps and bias times ST_PADDED_SCALE: doubled where padded_store4 takes the
 * sums (st_requantize_fast's acc2 with no shift; int8 taps doubled still fit an int16). */
#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL)
#define ST_PADDED_SCALE 2
#else
#define ST_PADDED_SCALE 1
#endif

#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL)
/* The four sums of a padded step, doubled (a0..a3: the taps and the bias are; outputs ox to
 * ox + 3 of a row), requantised (st_requantize_fast) and stored at out, k->ch bytes apart, the
 * first n of them (n >= 1): in assembly, the constants read once, the four chains interleaved. */
static inline __attribute__((always_inline)) void padded_store4(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                                                                const padded_channel *k, int8_t *out, int32_t n) {
    uint32_t mult, add, right, ch, t0, t1;
    _Static_assert(sizeof(dw_requant) == 12, "padded_store4 reads mult, add, right, ch at 0, 4, 8, 12");
    __asm__ volatile("ldrd %[mult], %[add], [%[k]]\n\t"
                     "ldrd %[right], %[ch], [%[k], #8]\n\t"
                     "smmlar %[t0], %[a0], %[mult], %[add]\n\t"
                     "smmlar %[t1], %[a1], %[mult], %[add]\n\t"
                     "add %[a0], %[t0], %[a0], asr #31\n\t"
                     "smmlar %[t0], %[a2], %[mult], %[add]\n\t"
                     "add %[a1], %[t1], %[a1], asr #31\n\t"
                     "smmlar %[t1], %[a3], %[mult], %[add]\n\t"
                     "asr %[a0], %[a0], %[right]\n\t"
                     "add %[a2], %[t0], %[a2], asr #31\n\t"
                     "asr %[a1], %[a1], %[right]\n\t"
                     "add %[a3], %[t1], %[a3], asr #31\n\t"
                     "ssat %[a0], #8, %[a0]\n\t"
                     "asr %[a2], %[a2], %[right]\n\t"
                     "ssat %[a1], #8, %[a1]\n\t"
                     "asr %[a3], %[a3], %[right]\n\t"
                     "add %[t0], %[ch], %[ch]\n\t" /* two pixels on */
                     "strb %[a0], [%[out]]\n\t"
                     "ssat %[a2], #8, %[a2]\n\t"
                     "add %[t1], %[t0], %[ch]\n\t" /* three */
                     "ssat %[a3], #8, %[a3]\n\t"
                     "cmp %[n], #4\n\t"
                     "blt 1f\n\t"
                     "strb %[a1], [%[out], %[ch]]\n\t"
                     "strb %[a2], [%[out], %[t0]]\n\t"
                     "strb %[a3], [%[out], %[t1]]\n\t"
                     "b 2f\n\t"
                     "1:\n\t" /* the row's last one to three */
                     "cmp %[n], #2\n\t"
                     "it ge\n\t"
                     "strbge %[a1], [%[out], %[ch]]\n\t"
                     "cmp %[n], #3\n\t"
                     "it ge\n\t"
                     "strbge %[a2], [%[out], %[t0]]\n\t"
                     "2:\n\t"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [mult] "=&r"(mult), [add] "=&r"(add),
                       [right] "=&r"(right), [ch] "=&r"(ch), [t0] "=&r"(t0), [t1] "=&r"(t1)
                     : [k] "r"(k), [out] "r"(out), [n] "r"(n)
                     : "cc", "memory");
}
#endif

static inline int8_t padded_output(uint32_t acc, const padded_channel *k) {
    return dw_requantize(acc, &k->rq, k->output_offset, k->act_min, k->act_max);
}

#if defined(__ARM_FEATURE_DSP)
/* The 3x3 stride-1 window of four outputs: per filter row r (the padded row at x + r * stride
 * bytes, its words X0, X1, X2) the tap words E0, E1 (even outputs) and O0, O1 (odd) at
 * t + 16 * r bytes: a0 += X0.E0 + X1.E1, a1 += X0.O0 + X1.O1, a2 += X1.E0 + X2.E1,
 * a3 += X1.O0 + X2.O1, eight SMLADs. Scheduled by hand so that each load issues beside an SMLAD
 * and no loaded word is used by the instruction after its load, each register reloaded as soon
 * as its last SMLAD has read it, the next row's first words during this row's last SMLADs:
 * eleven registers. */
/* Its rows as assembly text, shared with the assembly row routine (padded_rows_3x3s1): the
 * registers named by ST_W_A0..ST_W_A3 (sums), ST_W_E, ST_W_O (taps), ST_W_XP (the row), ST_W_TP
 * (the taps) and ST_W_STRIDE, defined where the text is used; X0, X1: the row's word registers.
 * Each load of the next row's first words goes as soon as the register is free: its X0 into this
 * row's X1, E0 and O0, then (after the row pointer moves) its X1 into this X0. */
#define ST_W3S1_ROW(X0, X1, T, NEXT_X0, NEXT_E, NEXT_O)                                                       \
    "smlad " ST_W_A0 ", " X0 ", " ST_W_E ", " ST_W_A0 "\n\t"                                                   \
    "smlad " ST_W_A1 ", " X0 ", " ST_W_O ", " ST_W_A1 "\n\t"                                                   \
    "ldr " X0 ", [" ST_W_XP ", #8]\n\t"                                                                       \
    "smlad " ST_W_A2 ", " X1 ", " ST_W_E ", " ST_W_A2 "\n\t"                                                   \
    "ldr " ST_W_E ", [" ST_W_TP ", #" T "+4]\n\t"                                                             \
    "smlad " ST_W_A3 ", " X1 ", " ST_W_O ", " ST_W_A3 "\n\t"                                                   \
    "ldr " ST_W_O ", [" ST_W_TP ", #" T "+12]\n\t"                                                            \
    "smlad " ST_W_A0 ", " X1 ", " ST_W_E ", " ST_W_A0 "\n\t"                                                   \
    "smlad " ST_W_A1 ", " X1 ", " ST_W_O ", " ST_W_A1 "\n\t" NEXT_X0                                           \
    "smlad " ST_W_A2 ", " X0 ", " ST_W_E ", " ST_W_A2 "\n\t" NEXT_E                                            \
    "smlad " ST_W_A3 ", " X0 ", " ST_W_O ", " ST_W_A3 "\n\t" NEXT_O
#define ST_W3S1_NEXT_X0(X1) "ldr " X1 ", [" ST_W_XP ", " ST_W_STRIDE "]\n\t"
#define ST_W3S1_NEXT_E(T) "ldr " ST_W_E ", [" ST_W_TP ", #" T "]\n\t adds " ST_W_XP ", " ST_W_XP ", " ST_W_STRIDE "\n\t"
#define ST_W3S1_NEXT_O(T, X0) "ldr " ST_W_O ", [" ST_W_TP ", #" T "+8]\n\t ldr " X0 ", [" ST_W_XP ", #4]\n\t"
/* The three rows, X0 and X1 swapping */
#define ST_W3S1(X0, X1)                                                                                          \
    ST_W3S1_ROW(X0, X1, "0", ST_W3S1_NEXT_X0(X1), ST_W3S1_NEXT_E("16"), ST_W3S1_NEXT_O("16", X0))                 \
    ST_W3S1_ROW(X1, X0, "16", ST_W3S1_NEXT_X0(X0), ST_W3S1_NEXT_E("32"), ST_W3S1_NEXT_O("32", X1))                \
    ST_W3S1_ROW(X0, X1, "32", "", "", "")

static inline __attribute__((always_inline)) void padded_3x3s1_window(const uint32_t *x, int32_t stride,
                                                                      const uint32_t *t, uint32_t *a0, uint32_t *a1,
                                                                      uint32_t *a2, uint32_t *a3) {
    uint32_t x0, x1, e, o;
#define ST_W_A0 "%[a0]"
#define ST_W_A1 "%[a1]"
#define ST_W_A2 "%[a2]"
#define ST_W_A3 "%[a3]"
#define ST_W_E "%[e]"
#define ST_W_O "%[o]"
#define ST_W_XP "%[xp]"
#define ST_W_TP "%[tp]"
#define ST_W_STRIDE "%[stride]"
    __asm__("ldr %[x0], [%[xp]]\n\t"
            "ldr %[x1], [%[xp], #4]\n\t"
            "ldr %[e], [%[tp]]\n\t"
            "ldr %[o], [%[tp], #8]\n\t" ST_W3S1("%[x0]", "%[x1]")
            : [a0] "+r"(*a0), [a1] "+r"(*a1), [a2] "+r"(*a2), [a3] "+r"(*a3), [xp] "+r"(x), [x0] "=&r"(x0),
              [x1] "=&r"(x1), [e] "=&r"(e), [o] "=&r"(o)
            : [tp] "r"(t), [stride] "r"(stride)
            : "cc", "memory");
}
#endif

#if defined(__ARM_FEATURE_DSP)
/* The same at stride 2: per filter row the words X0..X4 and the taps E0, E1 (the odd outputs'
 * are the same at stride 2), output k += X(k).E0 + X(k+1).E1; two registers carry the row's
 * words, each reloaded right after its last SMLAD, and the next row's X0 and X1 swap them. */
static inline __attribute__((always_inline)) void padded_3x3s2_window(const uint32_t *x, int32_t stride,
                                                                      const uint32_t *t, uint32_t *a0, uint32_t *a1,
                                                                      uint32_t *a2, uint32_t *a3) {
    uint32_t xa, xb, e0, e1;
#define ST_ROW(XA, XB, NEXT_X0, NEXT_T)                                                                       \
    "smlad %[a0], %[" XA "], %[e0], %[a0]\n\t"                                                                 \
    "ldr %[" XA "], [%[xp], #8]\n\t"                                                                           \
    "smlad %[a0], %[" XB "], %[e1], %[a0]\n\t"                                                                 \
    "smlad %[a1], %[" XB "], %[e0], %[a1]\n\t"                                                                 \
    "ldr %[" XB "], [%[xp], #12]\n\t"                                                                          \
    "smlad %[a1], %[" XA "], %[e1], %[a1]\n\t"                                                                 \
    "smlad %[a2], %[" XA "], %[e0], %[a2]\n\t"                                                                 \
    "ldr %[" XA "], [%[xp], #16]\n\t"                                                                          \
    "smlad %[a2], %[" XB "], %[e1], %[a2]\n\t"                                                                 \
    "smlad %[a3], %[" XB "], %[e0], %[a3]\n\t" NEXT_X0                                                         \
    "smlad %[a3], %[" XA "], %[e1], %[a3]\n\t" NEXT_T
    /* the next row's X0 into XB, its taps, then (the row pointer moved) its X1 into XA */
#define ST_NEXT_X0(XB) "ldr %[" XB "], [%[xp], %[stride]]\n\t"
#define ST_NEXT_T(T, XA)                                                                                      \
    "add %[xp], %[xp], %[stride]\n\t ldr %[e0], [%[tp], #" T "]\n\t ldr %[e1], [%[tp], #" T "+4]\n\t"         \
    "ldr %[" XA "], [%[xp], #4]\n\t"
    __asm__("ldr %[xa], [%[xp]]\n\t"
            "ldr %[xb], [%[xp], #4]\n\t"
            "ldr %[e0], [%[tp]]\n\t"
            "ldr %[e1], [%[tp], #4]\n\t"
            ST_ROW("xa", "xb", ST_NEXT_X0("xb"), ST_NEXT_T("16", "xa"))
            ST_ROW("xb", "xa", ST_NEXT_X0("xa"), ST_NEXT_T("32", "xb"))
            ST_ROW("xa", "xb", "", "")
            : [a0] "+r"(*a0), [a1] "+r"(*a1), [a2] "+r"(*a2), [a3] "+r"(*a3), [xp] "+r"(x), [xa] "=&r"(xa),
              [xb] "=&r"(xb), [e0] "=&r"(e0), [e1] "=&r"(e1)
            : [tp] "r"(t), [stride] "r"(stride)
            : "memory");
#undef ST_ROW
#undef ST_NEXT_X0
#undef ST_NEXT_T
}
#endif

#if defined(__ARM_FEATURE_DSP)
/* The window of four stride-1 outputs for the larger filters (pairs P = 3: 5x5, 4: 7x7), a filter
 * row a pass: per pair j, a0 += Xj.Ej, a1 += Xj.Oj, a2 += X(j+1).Ej, a3 += X(j+1).Oj, the taps
 * E0..E(P-1), O0..O(P-1) 8P bytes a row. Two registers carry the row's words (X(j+2) loaded into
 * the one X(j) leaves), each load beside an SMLAD; the last pair loads the next row's first words
 * (the taps pointer stays on the last row, and the words after the last padded row are still
 * scratch). ST_PAIR: pair j (registers XC = Xj, XN = X(j+1)); ST_LAST: the last pair. */
#define ST_PAIR(XC, XN, XOFF, EOFF, OOFF)                                                                      \
    "smlad %[a0], %[" XC "], %[e], %[a0]\n\t"                                                                  \
    "smlad %[a1], %[" XC "], %[o], %[a1]\n\t"                                                                  \
    "ldr %[" XC "], [%[xp], #" XOFF "]\n\t"                                                                    \
    "smlad %[a2], %[" XN "], %[e], %[a2]\n\t"                                                                  \
    "ldr %[e], [%[tp], #" EOFF "]\n\t"                                                                         \
    "smlad %[a3], %[" XN "], %[o], %[a3]\n\t"                                                                  \
    "ldr %[o], [%[tp], #" OOFF "]\n\t"
#define ST_LAST(XC, XN, ROW, ODD)                                                                              \
    "add %[xp], %[xp], %[stride]\n\t"                                                                          \
    "subs %[rows], %[rows], #1\n\t"                                                                            \
    "it ne\n\t"                                                                                                 \
    "addne %[tp], %[tp], #" ROW "\n\t"                                                                         \
    "smlad %[a0], %[" XC "], %[e], %[a0]\n\t"                                                                  \
    "smlad %[a2], %[" XN "], %[e], %[a2]\n\t"                                                                  \
    "ldr %[e], [%[tp]]\n\t"                                                                                     \
    "smlad %[a1], %[" XC "], %[o], %[a1]\n\t"                                                                  \
    "smlad %[a3], %[" XN "], %[o], %[a3]\n\t"                                                                  \
    "ldr %[o], [%[tp], #" ODD "]\n\t"                                                                          \
    "ldr %[x0], [%[xp]]\n\t"                                                                                    \
    "ldr %[x1], [%[xp], #4]\n\t"                                                                               \
    "bne 1b\n\t"
#define ST_WINDOW_ASM(ODD, BODY)                                                                               \
    __asm__("ldr %[x0], [%[xp]]\n\t"                                                                            \
            "ldr %[x1], [%[xp], #4]\n\t"                                                                       \
            "ldr %[e], [%[tp]]\n\t"                                                                             \
            "ldr %[o], [%[tp], #" ODD "]\n\t"                                                                  \
            "1:\n\t" BODY                                                                                       \
            : [a0] "+r"(*a0), [a1] "+r"(*a1), [a2] "+r"(*a2), [a3] "+r"(*a3), [xp] "+r"(x), [tp] "+r"(t),         \
              [rows] "+r"(rows), [x0] "=&r"(x0), [x1] "=&r"(x1), [e] "=&r"(e), [o] "=&r"(o)                        \
            : [stride] "r"(stride)                                                                               \
            : "cc", "memory")
static inline __attribute__((always_inline)) void padded_s1_window(const uint32_t *x, int32_t stride,
                                                                   const uint32_t *t, int32_t rows, int32_t pairs,
                                                                   uint32_t *a0, uint32_t *a1, uint32_t *a2,
                                                                   uint32_t *a3) {
    uint32_t x0, x1, e, o;
    if (pairs == 3) /* 5x5 */
        ST_WINDOW_ASM("12", ST_PAIR("x0", "x1", "8", "4", "16") ST_PAIR("x1", "x0", "12", "8", "20")
                                ST_LAST("x0", "x1", "24", "12"));
    else /* 7x7 */
        ST_WINDOW_ASM("16", ST_PAIR("x0", "x1", "8", "4", "20") ST_PAIR("x1", "x0", "12", "8", "24")
                                ST_PAIR("x0", "x1", "16", "12", "28") ST_LAST("x1", "x0", "32", "16"));
}
#undef ST_PAIR
#undef ST_LAST
#undef ST_WINDOW_ASM
#endif

#if defined(__ARM_FEATURE_DSP)
/* The same at stride 2 (pairs P = 3: 5x5, 4: 7x7): output k += X(j+k).Ej over the pairs j, the
 * taps E0..E(P-1) at the start of each 8P-byte row. Four registers hold X(j)..X(j+3); after
 * a0 reads X(j), X(j+4) takes its register; the tap register is reloaded beside a3. A row ends
 * loading the next row's X0..X3 and E0 (the taps pointer stays on the last row: the words after
 * the last padded row are still scratch). ST_STEP: pair j (X(j + k) in register Rk). */
#define ST_STEP(R0, R1, R2, R3, XLOAD, ELOAD)                                                                  \
    "smlad %[a0], %[" R0 "], %[e], %[a0]\n\t" XLOAD                                                            \
    "smlad %[a1], %[" R1 "], %[e], %[a1]\n\t"                                                                  \
    "smlad %[a2], %[" R2 "], %[e], %[a2]\n\t"                                                                  \
    "smlad %[a3], %[" R3 "], %[e], %[a3]\n\t" ELOAD
#define ST_ROW_END                                                                                        \
    "ldr %[r0], [%[xp]]\n\t"                                                                                    \
    "ldr %[r1], [%[xp], #4]\n\t"                                                                               \
    "ldr %[r2], [%[xp], #8]\n\t"                                                                               \
    "ldr %[r3], [%[xp], #12]\n\t"                                                                              \
    "ldr %[e], [%[tp]]\n\t"                                                                                     \
    "bne 1b\n\t"
#define ST_COUNT(ROW)                                                                                          \
    "add %[xp], %[xp], %[stride]\n\t subs %[rows], %[rows], #1\n\t it ne\n\t addne %[tp], %[tp], #" ROW "\n\t"
#define ST_WINDOW_ASM(BODY)                                                                                    \
    __asm__("ldr %[r0], [%[xp]]\n\t"                                                                            \
            "ldr %[r1], [%[xp], #4]\n\t"                                                                       \
            "ldr %[r2], [%[xp], #8]\n\t"                                                                       \
            "ldr %[r3], [%[xp], #12]\n\t"                                                                      \
            "ldr %[e], [%[tp]]\n\t"                                                                             \
            "1:\n\t" BODY                                                                                       \
            : [a0] "+r"(*a0), [a1] "+r"(*a1), [a2] "+r"(*a2), [a3] "+r"(*a3), [xp] "+r"(x), [tp] "+r"(t),         \
              [rows] "+r"(rows), [r0] "=&r"(r0), [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [e] "=&r"(e)       \
            : [stride] "r"(stride)                                                                               \
            : "cc", "memory")
static inline __attribute__((always_inline)) void padded_s2_window(const uint32_t *x, int32_t stride,
                                                                   const uint32_t *t, int32_t rows, int32_t pairs,
                                                                   uint32_t *a0, uint32_t *a1, uint32_t *a2,
                                                                   uint32_t *a3) {
    uint32_t r0, r1, r2, r3, e;
    if (pairs == 3) /* 5x5 */
        ST_WINDOW_ASM(ST_STEP("r0", "r1", "r2", "r3", "ldr %[r0], [%[xp], #16]\n\t", "ldr %[e], [%[tp], #4]\n\t")
                      ST_STEP("r1", "r2", "r3", "r0", "ldr %[r1], [%[xp], #20]\n\t", "ldr %[e], [%[tp], #8]\n\t")
                      ST_COUNT("24") ST_STEP("r2", "r3", "r0", "r1", "", "") ST_ROW_END);
    else /* 7x7 */
        ST_WINDOW_ASM(ST_STEP("r0", "r1", "r2", "r3", "ldr %[r0], [%[xp], #16]\n\t", "ldr %[e], [%[tp], #4]\n\t")
                      ST_STEP("r1", "r2", "r3", "r0", "ldr %[r1], [%[xp], #20]\n\t", "ldr %[e], [%[tp], #8]\n\t")
                      ST_STEP("r2", "r3", "r0", "r1", "ldr %[r2], [%[xp], #24]\n\t", "ldr %[e], [%[tp], #12]\n\t")
                      ST_COUNT("32") ST_STEP("r3", "r0", "r1", "r2", "", "") ST_ROW_END);
}
#undef ST_STEP
#undef ST_ROW_END
#undef ST_COUNT
#undef ST_WINDOW_ASM
#endif

/* One output row of the padded kernel, four outputs per step; inlined with constant fh, pairs
 * and sw for each filter, so that the window loops unroll. With the DSP extension, taps holds
 * per filter row the even outputs' `pairs` tap-pair words, then the odd outputs' (the same for
 * stride 2). Output k of a step starts k * sw columns in: with stride 1, outputs 0 and 1 read
 * the words x[j], outputs 2 and 3 the words x[j + 1]; with stride 2, output k reads x[j + k].
 * Each tap word loaded serves two outputs, each input word up to four. */
static inline __attribute__((always_inline)) void padded_row(const int16_t *row, int32_t cols, const void *taps,
                                                             int32_t fh, int32_t fw, int32_t pairs, int32_t sw,
                                                             int32_t ow, int32_t ch, const padded_channel *k,
                                                             int8_t *out) {
    for (int32_t ox = 0; ox < ow; ox += 4, out += 4 * ch) {
        uint32_t a0 = k->bias, a1 = k->bias, a2 = k->bias, a3 = k->bias;
#if defined(__ARM_FEATURE_DSP)
        (void)fw;
        const uint32_t *x = (const uint32_t *)(const void *)(row + ox * sw);
        const uint32_t *t = (const uint32_t *)taps;
        const int32_t s1 = sw == 1 ? 0 : 1, s2 = sw == 1 ? 1 : 2, s3 = sw == 1 ? 1 : 3; /* outputs 1-3's first word */
        if (fh == 3 && sw == 1) { /* 3x3: the three rows scheduled by hand (above) */
            padded_3x3s1_window(x, cols * 2, t, &a0, &a1, &a2, &a3);
        } else if (fh == 3 && sw == 2) {
            padded_3x3s2_window(x, cols * 2, t, &a0, &a1, &a2, &a3);
        } else if (sw == 1 && (pairs == 3 || pairs == 4)) {
            padded_s1_window(x, cols * 2, t, fh, pairs, &a0, &a1, &a2, &a3);
        } else if (sw == 2 && (pairs == 3 || pairs == 4)) {
            padded_s2_window(x, cols * 2, t, fh, pairs, &a0, &a1, &a2, &a3);
        } else { /* another filter: the same sums in C */
            for (int32_t fy = 0; fy < fh; fy++, x += cols / 2, t += 2 * pairs) {
#pragma GCC unroll 4
                for (int32_t j = 0; j < pairs; j++) {
                    const uint32_t even = t[j], odd = t[pairs + j];
                    a0 = st_smlad(x[j], even, a0);
                    a1 = st_smlad(x[j + s1], odd, a1);
                    a2 = st_smlad(x[j + s2], even, a2);
                    a3 = st_smlad(x[j + s3], odd, a3);
                }
            }
        }
#else
        (void)pairs;
        const int16_t *x = row + ox * sw;
        const int8_t *t = (const int8_t *)taps;
        for (int32_t fy = 0; fy < fh; fy++, x += cols) {
            for (int32_t fx = 0; fx < fw; fx++) {
                const int32_t tv = t[(fy * fw + fx) * ch];
                a0 += (uint32_t)(tv * x[fx]);
                a1 += (uint32_t)(tv * x[fx + sw]);
                a2 += (uint32_t)(tv * x[fx + 2 * sw]);
                a3 += (uint32_t)(tv * x[fx + 3 * sw]);
            }
        }
#endif
#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL)
        padded_store4(a0, a1, a2, a3, k, out, ow - ox);
        continue;
#endif
        /* the four outputs from one copy of the channel's constants, in registers (the stores
         * could alias *k), then the stores the row has room for */
        const padded_channel q = *k;
        const int8_t v0 = padded_output(a0, &q), v1 = padded_output(a1, &q);
        const int8_t v2 = padded_output(a2, &q), v3 = padded_output(a3, &q);
        const int32_t n = ow - ox;
        out[0] = v0;
        if (n > 1) out[ch] = v1;
        if (n > 2) out[2 * ch] = v2;
        if (n > 3) out[3 * ch] = v3;
    }
}

/* What a padded layer's row routine reads, beside the row and the output. */
typedef struct {
    const void *taps;
    int32_t cols, ow, ch;
    padded_channel k;
    int32_t rows;                 /* output rows a call */
    int32_t row_step, out_step;   /* from a row's padded row to the next one's (int16), output row to row (bytes) */
    int32_t row_skip, out_skip;   /* the same from where a row's last step of four leaves the pointers (bytes) */
} padded_rows_args;

/* A padded_row instance for one filter: one output row (padded_rows_<filter>) or a->rows of them
 * (padded_band_<filter>, and the assembly's padded_rows_3x3s1) from out on, from the padded rows
 * at row. */
typedef void padded_row_fn(const int16_t *row, int8_t *out, const padded_rows_args *a);

#if defined(__clang__)
#define ST_SHARED __attribute__((noinline))
#else
#define ST_SHARED __attribute__((noinline, noclone)) /* one copy for every filter's kernel */
#endif

/* Channel c's bias and requantisation (dw_requant), once per channel: out of line, one copy for
 * the padded and the small kernels. */
ST_COLD ST_SHARED static void dw_channel(const st_depthwise_conv2d_params *p, int32_t c, uint32_t *bias,
                                         dw_requant *rq) {
    *bias = (uint32_t)st_channel_bias(&p->channels, c);
#if defined(ST_DW_GENERAL)
    *rq = st_channel_requant_bounded(&p->channels, c);
#else
    *rq = st_channel_requant_fast(&p->channels, c, p->output_offset);
#endif
}

#if defined(__ARM_FEATURE_DSP)
/* The fill loops' head, as assembly text: four pixels' bytes (LD: ldrb) or channel pairs (ldrh),
 * ch bytes apart from px (px then moves on four), two pixels' to a word: a holds pixels 0 and 1,
 * e pixels 2 and 3, each pixel's in a halfword. */
#define ST_FILL_QUAD(LD)                                                                                       \
    "lsl %[ch2], %[ch], #1\n\t"                                                                             \
    "add %[ch3], %[ch2], %[ch]\n\t"                                                                         \
    "1:\n\t" LD " %[a], [%[px]]\n\t" LD " %[b], [%[px], %[ch]]\n\t" LD " %[e], [%[px], %[ch2]]\n\t" LD       \
    " %[f], [%[px], %[ch3]]\n\t"                                                                            \
    "add %[px], %[px], %[ch], lsl #2\n\t"                                                                   \
    "orr %[a], %[a], %[b], lsl #16\n\t"                                                                     \
    "orr %[e], %[e], %[f], lsl #16\n\t"
#endif

/* n pixels of one channel (ch bytes apart from src) widened to int16 with the input offset
 * added, to dst. With the DSP extension four a pass from an aligned word on: a pair's two bytes
 * joined in one word, split and offset by SXTAB16, two words a store (in assembly: gcc's loop
 * kept its pointers on the stack). Out of line: the row loop around it keeps its values in
 * registers. */
ST_SHARED static void fill_row(int16_t *dst, const int8_t *src, int32_t n, int32_t ch, int32_t offset) {
#if defined(__ARM_FEATURE_DSP)
    if (((uintptr_t)dst & 2) && n > 0) { /* one pixel alone to a word */
        *dst++ = (int16_t)(*src + offset);
        src += ch, n--;
    }
    if (n >= 4) {
        const uint32_t io2 = st_dup16(offset);
        uint32_t *d = (uint32_t *)(void *)dst;
        uint32_t *const end = d + 2 * (n >> 2);
        uint32_t ch2, ch3, a, b, e, f;
        __asm__ volatile(ST_FILL_QUAD("ldrb")
                         "sxtab16 %[a], %[io2], %[a]\n\t"
                         "sxtab16 %[e], %[io2], %[e]\n\t"
                         "strd %[a], %[e], [%[d]], #8\n\t"
                         "cmp %[d], %[end]\n\t"
                         "bne 1b\n\t"
                         : [px] "+r"(src), [d] "+r"(d), [ch2] "=&r"(ch2), [ch3] "=&r"(ch3), [a] "=&r"(a), [b] "=&r"(b),
                           [e] "=&r"(e), [f] "=&r"(f)
                         : [ch] "r"(ch), [io2] "r"(io2), [end] "r"(end)
                         : "cc", "memory");
        dst = (int16_t *)(void *)d;
        n &= 3;
    }
#endif
    for (; n > 0; n--, src += ch) *dst++ = (int16_t)(*src + offset);
}

/* Padded rows [from, last) of channel c into dst, one after another (input row r - pad_h, its
 * pixels from column pad_w on by fill_row; a row outside the image all zeros). The columns
 * around the pixels are zeros already: padded_layer zeroes its planes once, and nothing writes
 * there after. Out of line, as are the tap pairs: the layer loop's frame stays small (the stack
 * adds to peak SRAM). */
ST_COLD ST_SHARED static void padded_fill(int16_t *dst, const int8_t *image, int32_t c, int32_t from, int32_t last,
                                  const st_depthwise_conv2d_params *p, int32_t cols) {
    const int32_t ch = p->input_c, iw = p->input_w, pad_w = p->pad_w, input_offset = p->input_offset;
    const int32_t n = (pad_w + iw < cols ? pad_w + iw : cols) - pad_w;
    for (int32_t r = from; r < last; r++, dst += cols) {
        const int32_t iy = r - p->pad_h;
        if (iy >= 0 && iy < p->input_h)
            fill_row(dst + pad_w, image + iy * iw * ch + c, n, ch, input_offset);
        else
            for (int32_t i = 0; i < cols / 2; i++) ((uint32_t *)(void *)dst)[i] = 0;
    }
}

/* n pixels of channels c and c + 1 (their halfword at px, pixels ch bytes apart; c and ch even)
 * widened to int16 with the input offset (io2: in both halves) added, channel c's to d0 and
 * c + 1's to d1. With the DSP extension, from an aligned word on, two pixels' halfwords are
 * one word that SXTAB16 splits into the two channels' int16 pairs, four pixels a pass in
 * assembly (gcc's loop took twice the cycles); out of line, so that the row loop around it
 * keeps its few values in registers. */
ST_SHARED static void fill2_row(int16_t *d0, int16_t *d1, const int8_t *px, int32_t n, int32_t ch, uint32_t io2) {
    const int32_t offset = (int16_t)io2;
#if defined(__ARM_FEATURE_DSP)
    if (((uintptr_t)d0 & 2) && n > 0) { /* one pixel alone to a word */
        *d0++ = (int16_t)(px[0] + offset), *d1++ = (int16_t)(px[1] + offset);
        px += ch, n--;
    }
    if (n >= 4) {
        uint32_t *w0 = (uint32_t *)(void *)d0, *w1 = (uint32_t *)(void *)d1;
        uint32_t *const end = w0 + 2 * (n >> 2);
        uint32_t ch2, ch3, a, b, e, f;
        __asm__ volatile(ST_FILL_QUAD("ldrh") /* a: c, c + 1 of pixels 0 and 1; e: of pixels 2 and 3 */
                         "sxtab16 %[b], %[io2], %[a]\n\t"
                         "sxtab16 %[a], %[io2], %[a], ror #8\n\t"
                         "sxtab16 %[f], %[io2], %[e]\n\t"
                         "sxtab16 %[e], %[io2], %[e], ror #8\n\t"
                         "strd %[b], %[f], [%[w0]], #8\n\t"
                         "strd %[a], %[e], [%[w1]], #8\n\t"
                         "cmp %[w0], %[end]\n\t"
                         "bne 1b\n\t"
                         : [px] "+r"(px), [w0] "+r"(w0), [w1] "+r"(w1), [ch2] "=&r"(ch2), [ch3] "=&r"(ch3),
                           [a] "=&r"(a), [b] "=&r"(b), [e] "=&r"(e), [f] "=&r"(f)
                         : [ch] "r"(ch), [io2] "r"(io2), [end] "r"(end)
                         : "cc", "memory");
        d0 = (int16_t *)(void *)w0, d1 = (int16_t *)(void *)w1;
        n &= 3;
    }
#endif
    for (; n > 0; n--, px += ch) *d0++ = (int16_t)(px[0] + offset), *d1++ = (int16_t)(px[1] + offset);
}

/* padded_fill for channels c to c + planes - 1 at once (planes and input_c even), plane k's rows
 * from dst + k * plane_size: fill2_row a pair of channels at a time, each input halfword read
 * serving both, and a row's pairs one after another, so that the row's cache lines fetched for
 * the first pair serve the others. */
ST_COLD ST_SHARED static void padded_fill2(int16_t *dst, int32_t plane_size, int32_t planes, const int8_t *image, int32_t c,
                                   int32_t from, int32_t last, const st_depthwise_conv2d_params *p, int32_t cols) {
    const int32_t ch = p->input_c, iw = p->input_w, pad_w = p->pad_w;
    const int32_t n = (pad_w + iw < cols ? pad_w + iw : cols) - pad_w;
    const uint32_t io2 = st_dup16(p->input_offset);
    for (int32_t r = from; r < last; r++, dst += cols) {
        const int32_t iy = r - p->pad_h;
        for (int32_t k = 0; k < planes; k += 2) {
            int16_t *d0 = dst + k * plane_size, *d1 = d0 + plane_size;
            if (iy >= 0 && iy < p->input_h)
                fill2_row(d0 + pad_w, d1 + pad_w, image + iy * iw * ch + c + k, n, ch, io2);
            else
                for (int32_t i = 0; i < cols / 2; i++) ((uint32_t *)(void *)d0)[i] = 0, ((uint32_t *)(void *)d1)[i] = 0;
        }
    }
}

#if defined(__ARM_FEATURE_DSP)
/* Channel c's tap pairs as int16 (little-endian words): per filter row, the even output's
 * taps t0, t1, ..., zero past the filter, then the odd output's: 0, t0, t1, ... (stride 1) or
 * the even output's again (stride 2); times ST_PADDED_SCALE. */
ST_SHARED static void padded_taps(int16_t *taps, const int8_t *filter, int32_t c, const st_depthwise_conv2d_params *p,
                                  int32_t pairs) {
    const int32_t fw = p->filter_w, ch = p->input_c, lag = p->stride_w == 1;
    for (int32_t fy = 0; fy < p->filter_h; fy++, taps += 4 * pairs) {
        const int8_t *t = filter + fy * fw * ch + c;
        uint32_t *words = (uint32_t *)(void *)taps; /* zeros first: the pairs past the filter */
        for (int32_t j = 0; j < 2 * pairs; j++) words[j] = 0;
        for (int32_t i = 0; i < fw; i++) {
            const int16_t v = (int16_t)(t[i * ch] * ST_PADDED_SCALE);
            taps[i] = v;
            taps[2 * pairs + i + lag] = v;
        }
    }
}
#endif

/* n words from `from` down to `to` (to < from), as fast as the loop goes: the padded layers
 * (compiled for size) move the rows a band shares with the next through it. */
ST_SHARED static void padded_move(uint32_t *to, const uint32_t *from, int32_t n) {
    for (int32_t i = 0; i < n; i++) to[i] = from[i];
}

/* In place, channel by channel, as st_depthwise_conv2d_s8_inplace, for dilation 1 and a
 * horizontal stride of 1 or 2, when the code generator has bounded the accumulators
 * (st_requantize_bounded). Channel c's input rows are widened to int16 with the input offset
 * added into scratch rows padded with zeros as far as the windows reach, so no window is
 * clipped and a padding tap adds 0, as LiteRT's skipping it does. Output rows go p->band at a
 * time (all of them: the whole padded plane in scratch; fewer: less scratch), each band's rows
 * filled once its earlier output rows are written. That is safe: output row oy ends before
 * pixel (oy + 1) * input_w (output_w <= input_w), and a band starting at output row oy fills
 * input rows oy + 1 and later (pad_h < filter_h), taking the rows it shares with the band
 * before from scratch. Each row goes through row_fn (padded_row: four outputs a step). With the
 * DSP extension, a window row is a run of int16 pairs (aligned words: rows have an even length)
 * and each output takes one SMLAD per pair of taps: an even output of stride 1 with the taps
 * (t0, t1), (t2, t3), ..., an odd one with (0, t0), (t1, t2), ... from the same words; with
 * stride 2 every output reads (t0, t1), ..., a word further than the one before. Sums wrap
 * modulo 2^32 like LiteRT's int32 accumulator. With `two` (input_c even), channels go
 * 2 * max(p->quads, 1) at a time ("planes" a pass), each input word read serving two
 * (padded_fill2) and each row's cache lines the pass's other pairs: on images larger than the
 * D-cache, each line is fetched once a pass. scratch: the pass's planes (rows * cols int16
 * each), then each plane's tap pairs (2 * filter_h * pairs words; unused without the DSP
 * extension), then, with two, each plane's bias and requantisation (a small_channel; one plane
 * keeps its channel's in a). */
static inline __attribute__((always_inline)) void padded_layer(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                               const int8_t *filter, int8_t *scratch,
                                                               padded_row_fn *row_fn, const int32_t two) {
    const int32_t ch = p->input_c, oh = p->output_h, ow = p->output_w;
    const int32_t fh = p->filter_h, fw = p->filter_w, sh = p->stride_h, sw = p->stride_w;
    const int32_t pairs = padded_pairs(fw, sw);
    const int32_t ow4 = (ow + 3) & ~(int32_t)3; /* the windows of whole steps of four */
    const int32_t cols = sw == 1 ? ow4 + 2 * (fw / 2) : 2 * ow4 + 2 * pairs - 2;
    const int32_t band = p->band, band_rows = (band - 1) * sh + fh; /* padded rows of a whole band */
    const int32_t plane_size = band_rows * cols, tap_words = 2 * fh * pairs;
    const int32_t planes = two ? 2 * (p->quads > 1 ? p->quads : 1) : 1;
    int16_t *const plane = (int16_t *)(void *)scratch; /* plane k at plane + k * plane_size */
    uint32_t *const taps = (uint32_t *)(void *)(plane + planes * plane_size); /* [plane][fh][even, odd][pairs] */
    small_channel *const consts = (small_channel *)(void *)(taps + planes * tap_words); /* with two only */
    padded_rows_args a; /* the plane whose rows run; only the fields the row routines read are set */
    a.cols = cols, a.ow = ow, a.ch = ch, a.k.ch = ch;
    a.k.output_offset = p->output_offset, a.k.act_min = p->act_min, a.k.act_max = p->act_max;
    a.row_step = sh * cols, a.out_step = ow * ch;
    a.row_skip = 2 * sh * cols - 2 * sw * ow4, a.out_skip = (ow - ow4) * ch;
    /* the planes zeroed once: the columns around the image stay zero (the fills write the image's) */
    for (int32_t i = 0; i < planes * plane_size / 2; i++) ((uint32_t *)(void *)plane)[i] = 0;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *image = buffer + b * p->input_h * p->input_w * ch;
        int8_t *out = buffer + b * oh * ow * ch;
        for (int32_t c = 0; c < ch; c += planes) {
            const int32_t np = ch - c < planes ? ch - c : planes; /* this pass's planes (even with two) */
            for (int32_t k = 0; k < np; k++) {
#if defined(__ARM_FEATURE_DSP)
                padded_taps((int16_t *)(void *)(taps + k * tap_words), filter, c + k, p, pairs);
#endif
                if (two) { /* the pass's planes take turns in a */
                    dw_channel(p, c + k, &consts[k].bias, &consts[k].rq);
                    consts[k].bias *= ST_PADDED_SCALE;
                } else {
                    dw_channel(p, c, &a.k.bias, &a.k.rq);
                    a.k.bias *= ST_PADDED_SCALE;
                }
            }
            int32_t end = 0; /* padded rows [end - kept, end) are in scratch, from row 0 */
            for (int32_t oy0 = 0; oy0 < oh; oy0 += band) {
                const int32_t n = oh - oy0 < band ? oh - oy0 : band;
                const int32_t first = oy0 * sh, last = (oy0 + n - 1) * sh + fh; /* the band's rows */
                const int32_t kept = end > first ? end - first : 0;
                for (int32_t k = 0; k < np && kept; k++) { /* rows shared with the band before move to the front */
                    int16_t *pk = plane + k * plane_size;
                    padded_move((uint32_t *)(void *)pk, (const uint32_t *)(const void *)(pk + (band_rows - kept) * cols),
                                kept * cols / 2);
                }
                if (two)
                    padded_fill2(plane + kept * cols, plane_size, np, image, c, first + kept, last, p, cols);
                else
                    padded_fill(plane + kept * cols, image, c, first + kept, last, p, cols);
                end = last;
                for (int32_t k = 0; k < np; k++) {
#if defined(__ARM_FEATURE_DSP)
                    a.taps = taps + k * tap_words;
#else
                    a.taps = filter + c + k;
#endif
                    if (two) a.k.bias = consts[k].bias, a.k.rq = consts[k].rq;
                    a.rows = n;
                    row_fn(plane + k * plane_size, out + c + k, &a);
                }
                out += n * ow * ch;
            }
            out -= oh * ow * ch; /* back to the image's first output row for the next pass */
        }
    }
}

/* padded_layer one channel at a time and two or more at a time: one copy each for every filter's kernel,
 * compiled for size (ST_COLD) like the fills, taps and constants it calls once a band or channel. */
ST_COLD ST_SHARED static void padded_layer1(const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter,
                                    int8_t *scratch, padded_row_fn *row_fn) {
    padded_layer(p, buffer, filter, scratch, row_fn, 0);
}
ST_COLD ST_SHARED static void padded_layer2(const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter,
                                    int8_t *scratch, padded_row_fn *row_fn) {
    padded_layer(p, buffer, filter, scratch, row_fn, 1);
}

/* The pixels of `from` ([rows][cols], ch bytes each) into `to` as [cols][rows]. */
ST_SHARED static void transpose_pixels(int8_t *to, const int8_t *from, int32_t rows, int32_t cols, int32_t ch) {
    for (int32_t y = 0; y < rows; y++)
        for (int32_t x = 0; x < cols; x++) {
            const int8_t *src = from + (y * cols + x) * ch;
            int8_t *dst = to + (x * rows + y) * ch;
            int32_t i = 0;
            for (; i + 4 <= ch; i += 4) __builtin_memcpy(dst + i, src + i, 4); /* a word at a time */
            for (; i < ch; i++) dst[i] = src[i];
        }
}

typedef void padded_layer_fn(const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter,
                             int8_t *scratch, padded_row_fn *row_fn);

/* A narrow layer (output_w well below output_h, a square filter and strides) run transposed,
 * its columns as the padded kernel's rows, so that fewer whole steps of four are wasted on the
 * rows' ends (KWS's 25x5: 28 output slots a channel for 25 outputs, not 40 for 25): each image
 * goes transposed into scratch, through `layer` in place there with the geometry transposed (the
 * filter comes transposed from the code generator: p->band counts the transposed rows), and
 * back. scratch: the image (input_h * input_w * input_c bytes, rounded up to 4), then the padded
 * kernel's. */
ST_SHARED static void padded_transposed(const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter,
                                        int8_t *scratch, padded_row_fn *row_fn, padded_layer_fn *layer) {
    const int32_t ch = p->input_c, ih = p->input_h, iw = p->input_w, oh = p->output_h, ow = p->output_w;
    st_depthwise_conv2d_params q = *p;
    q.batches = 1, q.input_h = (int16_t)iw, q.input_w = (int16_t)ih, q.output_h = (int16_t)ow, q.output_w = (int16_t)oh;
    q.pad_h = p->pad_w, q.pad_w = p->pad_h, q.stride_h = p->stride_w, q.stride_w = p->stride_h;
    int8_t *const planes = scratch + ((ih * iw * ch + 3) & ~3);
    for (int32_t b = 0; b < p->batches; b++) {
        transpose_pixels(scratch, buffer + b * ih * iw * ch, ih, iw, ch);
        layer(&q, scratch, filter, planes, row_fn);
        transpose_pixels(buffer + b * oh * ow * ch, scratch, ow, oh, ch);
    }
}

/* One exported kernel per filter (filter_h x filter_w, stride_w): the code generator calls the
 * one a layer needs, so a model links only the row routines it runs. */
/* a->rows output rows, each through one_row (a filter's padded_row), from row and out on: one
 * copy of the loop for every filter written in C. */
ST_SHARED static void padded_rows_each(const int16_t *row, int8_t *out, const padded_rows_args *a,
                                       padded_row_fn *one_row) {
    for (int32_t i = 0; i < a->rows; i++, row += a->row_step, out += a->out_step) one_row(row, out, a);
}
#define ST_PADDED_ROWS(tag, fh, fw, pairs, sw)                                                                     \
    __attribute__((noinline)) static void padded_rows_##tag(const int16_t *row, int8_t *out,                       \
                                                            const padded_rows_args *a) {                            \
        padded_row(row, a->cols, a->taps, fh, fw, pairs, sw, a->ow, a->ch, &a->k, out);                            \
    }                                                                                                              \
    static void padded_band_##tag(const int16_t *row, int8_t *out, const padded_rows_args *a) {                    \
        padded_rows_each(row, out, a, padded_rows_##tag);                                                          \
    }
#define ST_PADDED_KERNEL(tag, fh, fw, pairs, sw)                                                                   \
    ST_PADDED_ROWS(tag, fh, fw, pairs, sw)                                                                         \
    ST_PADDED_LAYERS(tag)
#define ST_PADDED_LAYERS(tag)                                                                                      \
    void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_padded_##tag)(                                           \
        const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter, int8_t *scratch) {               \
        padded_layer1(p, buffer, filter, scratch, padded_band_##tag);                                              \
    }                                                                                                              \
    void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_padded2_##tag)(                                          \
        const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter, int8_t *scratch) {               \
        padded_layer2(p, buffer, filter, scratch, padded_band_##tag);                                              \
    }                                                                                                              \
    void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_padded_t_##tag)(                                         \
        const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter, int8_t *scratch) {               \
        padded_transposed(p, buffer, filter, scratch, padded_band_##tag, padded_layer1);                           \
    }                                                                                                              \
    void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_padded2_t_##tag)(                                        \
        const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter, int8_t *scratch) {               \
        padded_transposed(p, buffer, filter, scratch, padded_band_##tag, padded_layer2);                           \
    }

#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL)
/* padded_row for the 3x3 stride-1 filter, a->rows rows in assembly (a naked function: all
 * fourteen registers): per step of four outputs the accumulators start from the bias, the
 * window's 24 SMLADs run as padded_3x3s1_window schedules them, then the four sums are
 * requantised as st_requantize_fast does, the sign's -1 folded into SMMLAR's addend
 * ((t + A - [acc < 0]) is SMMLAR with A - [acc < 0]), and stored ch bytes apart; a row's last
 * step stores only the outputs the row has, then the pointers skip to the next row. The
 * channel's constants wait on the stack. Registers: r0 the padded row (the step's window's
 * top-left), r1 out, r2 the taps, r3 the padded rows' stride in bytes, r4-r7 the words and taps
 * (then mult, A, right, ch: low registers, for the short loads), r8-r11 the sums, r12 the
 * row's outputs left, lr a temporary. */
_Static_assert(offsetof(padded_rows_args, cols) == 4 && offsetof(padded_rows_args, ow) == 8 &&
                   offsetof(padded_rows_args, k) == 16 && offsetof(padded_channel, ch) == 12 &&
                   offsetof(padded_channel, bias) == 16 && sizeof(dw_requant) == 12 &&
                   offsetof(padded_rows_args, rows) == 48 && offsetof(padded_rows_args, row_skip) == 60 &&
                   offsetof(padded_rows_args, out_skip) == 64,
               "padded_rows_3x3s1 reads taps, cols, ow, mult, add, right, ch, bias, rows, row_skip, out_skip at 0, "
               "4, 8, 16, 20, 24, 28, 32, 48, 60, 64");
#define ST_ARG __attribute__((unused)) /* read by the assembly */
__attribute__((naked, noinline)) static void padded_rows_3x3s1(ST_ARG const int16_t *row, ST_ARG int8_t *out,
                                                                ST_ARG const padded_rows_args *a) {
#undef ST_W_A0
#define ST_W_A0 "r8"
#undef ST_W_A1
#define ST_W_A1 "r9"
#undef ST_W_A2
#define ST_W_A2 "r10"
#undef ST_W_A3
#define ST_W_A3 "r11"
#undef ST_W_E
#define ST_W_E "r6"
#undef ST_W_O
#define ST_W_O "r7"
#undef ST_W_XP
#define ST_W_XP "r0"
#undef ST_W_TP
#define ST_W_TP "r2"
#undef ST_W_STRIDE
#define ST_W_STRIDE "r3"
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "sub sp, sp, #32\n\t" /* bias, bias, mult, A, right, ch, rows left, a */
        "ldr r12, [r2, #8]\n\t"
        "ldr r3, [r2, #4]\n\t"
        "ldr r4, [r2, #32]\n\t"
        "ldrd r5, r6, [r2, #16]\n\t"
        "ldrd r7, r8, [r2, #24]\n\t"
        "ldr r9, [r2, #48]\n\t"
        "str r2, [sp, #28]\n\t"
        "ldr r2, [r2]\n\t"
        "lsls r3, r3, #1\n\t"
        "strd r4, r4, [sp]\n\t"
        "strd r5, r6, [sp, #8]\n\t"
        "strd r7, r8, [sp, #16]\n\t"
        "str r9, [sp, #24]\n\t"
        "1:\n\t"
        "ldrd r8, r9, [sp]\n\t"
        "ldr r4, [r0]\n\t"
        "ldr r5, [r0, #4]\n\t"
        "ldr r6, [r2]\n\t"
        "ldr r7, [r2, #8]\n\t"
        "ldrd r10, r11, [sp]\n\t"
        ST_W3S1("r4", "r5")
        "ldrd r4, r5, [sp, #8]\n\t" /* mult, A */
        "sub r0, r0, r3, lsl #1\n\t"
        "ldrd r6, r7, [sp, #16]\n\t" /* right, ch */
        "adds r0, r0, #8\n\t"
        "add lr, r5, r8, asr #31\n\t"
        "smmlar r8, r8, r4, lr\n\t"
        "add lr, r5, r9, asr #31\n\t"
        "smmlar r9, r9, r4, lr\n\t"
        "add lr, r5, r10, asr #31\n\t"
        "smmlar r10, r10, r4, lr\n\t"
        "add lr, r5, r11, asr #31\n\t"
        "smmlar r11, r11, r4, lr\n\t"
        "asr r8, r8, r6\n\t"
        "asr r9, r9, r6\n\t"
        "ssat r8, #8, r8\n\t"
        "asr r10, r10, r6\n\t"
        "ssat r9, #8, r9\n\t"
        "asr r11, r11, r6\n\t"
        "ssat r10, #8, r10\n\t"
        "strb r8, [r1]\n\t"
        "ssat r11, #8, r11\n\t"
        "subs r12, r12, #4\n\t"
        "ble 2f\n\t"
        "strb r9, [r1, r7]\n\t"
        "add r1, r1, r7, lsl #1\n\t"
        "strb r10, [r1]\n\t"
        "strb r11, [r1, r7]\n\t"
        "add r1, r1, r7, lsl #1\n\t"
        "b 1b\n\t"
        "2:\n\t" /* a row's last step: outputs 1 to 3 where the row has them (r12 + 4 of them) */
        "cmp r12, #-2\n\t"
        "it ge\n\t"
        "strbge r9, [r1, r7]\n\t"
        "add r1, r1, r7, lsl #1\n\t"
        "cmp r12, #-1\n\t"
        "it ge\n\t"
        "strbge r10, [r1]\n\t"
        "cmp r12, #0\n\t"
        "it ge\n\t"
        "strbge r11, [r1, r7]\n\t"
        "add r1, r1, r7, lsl #1\n\t" /* four outputs on from the step's first */
        "ldr r5, [sp, #24]\n\t"
        "ldr lr, [sp, #28]\n\t"
        "subs r5, r5, #1\n\t" /* rows left */
        "beq 3f\n\t"
        "ldrd r6, r7, [lr, #60]\n\t" /* the next row: row_skip, out_skip */
        "str r5, [sp, #24]\n\t"
        "ldr r12, [lr, #8]\n\t"
        "adds r0, r0, r6\n\t"
        "adds r1, r1, r7\n\t"
        "b 1b\n\t"
        "3:\n\t"
        "add sp, sp, #32\n\t"
        "pop {r4-r11, pc}\n\t");
#undef ST_W_A0
#undef ST_W_A1
#undef ST_W_A2
#undef ST_W_A3
#undef ST_W_E
#undef ST_W_O
#undef ST_W_XP
#undef ST_W_TP
#undef ST_W_STRIDE
}
#undef ST_ARG
#define padded_band_3x3s1 padded_rows_3x3s1 /* a band's rows in one call already */
ST_PADDED_LAYERS(3x3s1)
#undef padded_band_3x3s1
#else
ST_PADDED_KERNEL(3x3s1, 3, 3, 2, 1)
#endif
ST_PADDED_KERNEL(3x3s2, 3, 3, 2, 2)
ST_PADDED_KERNEL(5x5s1, 5, 5, 3, 1)
ST_PADDED_KERNEL(5x5s2, 5, 5, 3, 2)
ST_PADDED_KERNEL(7x7s1, 7, 7, 4, 1)
ST_PADDED_KERNEL(7x7s2, 7, 7, 4, 2)


#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL)
/* Four sums a0..a3, doubled, of channels c to c + 3 requantised (st_requantize_fast, two at a
 * time: (smmlar(2a, mult, add) + sign) >> right, SSAT) and stored at [O] to [O, #3], as assembly
 * text: the channels' small_channel entries at AT bytes from T; X, W, E, F are scratch registers. */
#define ST_SMALL_REQUANT4(T, AT, O, X, W, E, F)                                                                     \
    "ldrd %[" X "], %[" W "], [%[" T "], #" AT "+4]\n\t"                                                                \
    "ldrd %[" E "], %[" F "], [%[" T "], #" AT "+20]\n\t"                                                               \
    "smmlar %[" W "], %[a0], %[" X "], %[" W "]\n\t"                                                             \
    "ldr %[" X "], [%[" T "], #" AT "+12]\n\t"                                                                          \
    "smmlar %[" F "], %[a1], %[" E "], %[" F "]\n\t"                                                             \
    "ldr %[" E "], [%[" T "], #" AT "+28]\n\t"                                                                          \
    "add %[a0], %[" W "], %[a0], asr #31\n\t"                                                                    \
    "asr %[a0], %[a0], %[" X "]\n\t"                                                                             \
    "add %[a1], %[" F "], %[a1], asr #31\n\t"                                                                    \
    "ldrd %[" X "], %[" W "], [%[" T "], #" AT "+36]\n\t"                                                               \
    "asr %[a1], %[a1], %[" E "]\n\t"                                                                             \
    "ssat %[a0], #8, %[a0]\n\t"                                                                                  \
    "ldrd %[" E "], %[" F "], [%[" T "], #" AT "+52]\n\t"                                                               \
    "ssat %[a1], #8, %[a1]\n\t"                                                                                  \
    "smmlar %[" W "], %[a2], %[" X "], %[" W "]\n\t"                                                             \
    "strb %[a0], [%[" O "]]\n\t"                                                                                 \
    "ldr %[" X "], [%[" T "], #" AT "+44]\n\t"                                                                          \
    "smmlar %[" F "], %[a3], %[" E "], %[" F "]\n\t"                                                             \
    "strb %[a1], [%[" O "], #1]\n\t"                                                                             \
    "ldr %[" E "], [%[" T "], #" AT "+60]\n\t"                                                                          \
    "add %[a2], %[" W "], %[a2], asr #31\n\t"                                                                    \
    "asr %[a2], %[a2], %[" X "]\n\t"                                                                             \
    "add %[a3], %[" F "], %[a3], asr #31\n\t"                                                                    \
    "asr %[a3], %[a3], %[" E "]\n\t"                                                                             \
    "ssat %[a2], #8, %[a2]\n\t"                                                                                  \
    "ssat %[a3], #8, %[a3]\n\t"                                                                                  \
    "strb %[a2], [%[" O "], #2]\n\t"                                                                             \
    "strb %[a3], [%[" O "], #3]\n\t"

/* Four channels (c to c + 3; t: their small_channel entries) of one output pixel, written at o:
 * the taps [list, end) (pairs of pointers: the input pixel, the filter tap) each add
 * (x + input_offset) * w per channel (io2: the input offset in both halves), then the four sums
 * are requantised (st_requantize_fast on the sums doubled). In assembly, the next tap's pointers
 * loaded while this one's multiplies run: 12 registers in the loop; s's t and o wait on the
 * stack (s's register and k's hold them after it). */
typedef struct {
    const small_channel *t;
    int8_t *o;
} small4_out;
static inline __attribute__((always_inline)) void small4_step(const uint32_t *list, const uint32_t *end,
                                                              int32_t c, uint32_t io2, const small4_out *s) {
    uint32_t a0, a1, a2, a3, xv, wv, xe, we;
    _Static_assert(sizeof(small_channel) == 16, "small4_step reads bias, mult, add, right at 0, 4, 8, 12");
    __asm__ volatile("ldrd %[xv], %[wv], [%[s]]\n\t" /* t, o */
                     "ldrd %[xe], %[we], [%[k]], #8\n\t"
                     "strd %[xv], %[wv], [sp, #-8]!\n\t"
                     "ldr %[a0], [%[xv]]\n\t"
                     "ldr %[a1], [%[xv], #16]\n\t"
                     "ldr %[a2], [%[xv], #32]\n\t"
                     "ldr %[a3], [%[xv], #48]\n\t"
                     "1:\n\t"
                     "ldr %[xv], [%[xe], %[c]]\n\t"
                     "ldr %[wv], [%[we], %[c]]\n\t"
                     "sxtab16 %[xe], %[io2], %[xv]\n\t"
                     "sxtb16 %[we], %[wv]\n\t"
                     "sxtab16 %[xv], %[io2], %[xv], ror #8\n\t"
                     "smlabb %[a0], %[xe], %[we], %[a0]\n\t"
                     "sxtb16 %[wv], %[wv], ror #8\n\t"
                     "smlatt %[a2], %[xe], %[we], %[a2]\n\t"
                     "cmp %[k], %[end]\n\t"
                     "ldrd %[xe], %[we], [%[k]], #8\n\t" /* the next tap's (past the last: still scratch) */
                     "smlabb %[a1], %[xv], %[wv], %[a1]\n\t"
                     "smlatt %[a3], %[xv], %[wv], %[a3]\n\t"
                     "bne 1b\n\t"
                     "ldrd %[s], %[k], [sp], #8\n\t" /* t, o */
                     "lsl %[a0], %[a0], #1\n\t"
                     "lsl %[a1], %[a1], #1\n\t"
                     "lsl %[a2], %[a2], #1\n\t"
                     "lsl %[a3], %[a3], #1\n\t"
                     ST_SMALL_REQUANT4("s", "0", "k", "xv", "wv", "xe", "we")
                     : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [xv] "=&r"(xv), [wv] "=&r"(wv),
                       [xe] "=&r"(xe), [we] "=&r"(we), [k] "+r"(list), [s] "+r"(s)
                     : [end] "r"(end), [c] "r"(c), [io2] "r"(io2)
                     : "cc", "memory");
}
#endif

/* In place, for dilation 1 on planes small beside the filter (the code generator's choice),
 * where a padded plane would be mostly padding: the input image is copied to scratch, then each
 * output pixel sums only its in-image taps, straight from NHWC, as LiteRT does; requantised by
 * dw_requantize (accumulators bounded by the code generator). Every channel's bias and
 * requantisation are decoded once per layer into a table after the copy, so that a pixel's
 * window is worked out once for all its channels. `four` (input_c a multiple of 4, with the
 * DSP extension): four channels a step, SXTB16 splitting a word of taps into channels (c, c + 2)
 * and (c + 1, c + 3), SXTAB16 doing the same to a word of inputs with the input offset added,
 * and SMLABB / SMLATT multiplying them apart; else one channel at a time. */
static inline __attribute__((always_inline)) void small_layer(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                              const int8_t *filter, int8_t *scratch, const int four) {
    const int32_t ch = p->input_c, group = four ? 4 : 1;
    const int32_t ih = p->input_h, iw = p->input_w, oh = p->output_h, ow = p->output_w;
    const int32_t fh = p->filter_h, fw = p->filter_w;
    const int32_t input_offset = p->input_offset, output_offset = p->output_offset;
    const int32_t act_min = p->act_min, act_max = p->act_max;
    const int32_t image_bytes = ih * iw * ch;
    small_channel *table = (small_channel *)(void *)(scratch + ((image_bytes + 3) & ~3));
    /* a window's taps, a pair of words each: the input pixel's and the filter tap's addresses
     * (32-bit targets), or their offsets from scratch and filter (a 64-bit host) */
    uint32_t *const list = (uint32_t *)(void *)(table + ch);
    const uintptr_t xbase = sizeof(void *) == 4 ? 0 : (uintptr_t)scratch;
    const uintptr_t wbase = sizeof(void *) == 4 ? 0 : (uintptr_t)filter;
    for (int32_t c = 0; c < ch; c++) dw_channel(p, c, &table[c].bias, &table[c].rq);
#if defined(__ARM_FEATURE_DSP)
    const uint32_t io2 = st_dup16(input_offset); /* for SXTAB16 (four) */
#endif
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *image = buffer + b * image_bytes;
        for (int32_t i = 0; i < image_bytes; i += group) /* four: whole words (LDR, STR) */
            __builtin_memcpy(scratch + i, image + i, (unsigned)group);
        for (int32_t c0 = 0; c0 < ch; c0 += ST_DW_SMALL_BLOCK) {
            const int32_t c1 = ch - c0 < ST_DW_SMALL_BLOCK ? ch : c0 + ST_DW_SMALL_BLOCK;
            int8_t *out = buffer + b * oh * ow * ch;
            for (int32_t oy = 0; oy < oh; oy++) {
                const int32_t iy0 = oy * p->stride_h - p->pad_h;
                int32_t fy0, fy1;
                st_window_taps(iy0, 1, fh, ih, &fy0, &fy1);
                for (int32_t ox = 0; ox < ow; ox++, out += ch) {
                    const int32_t ix0 = ox * p->stride_w - p->pad_w;
                    int32_t fx0, fx1;
                    st_window_taps(ix0, 1, fw, iw, &fx0, &fx1);
                    uint32_t *end = list; /* the window's in-image taps, once for all its channels */
                    for (int32_t fy = fy0; fy < fy1; fy++)
                        for (int32_t fx = fx0; fx < fx1; fx++, end += 2) {
                            end[0] = (uint32_t)((uintptr_t)(scratch + ((iy0 + fy) * iw + ix0 + fx) * ch) - xbase);
                            end[1] = (uint32_t)((uintptr_t)(filter + (fy * fw + fx) * ch) - wbase);
                        }
                    const small_channel *t = table + c0;
                    for (int32_t c = c0; c < c1; c += group, t += group) {
#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL)
                        if (four) { /* (every window holds a tap: the code generator's choice) */
                            const small4_out so = {t, out + c};
                            small4_step(list, end, c, io2, &so);
                            continue;
                        }
#endif
                        /* four accumulators by name: as an array they went by the stack */
                        uint32_t a0 = t[0].bias, a1 = four ? t[1].bias : 0, a2 = four ? t[2].bias : 0;
                        uint32_t a3 = four ? t[3].bias : 0;
                        for (const uint32_t *k = list; k != end; k += 2) { /* one loop: one exit a step */
                            const int8_t *x = (const int8_t *)(xbase + k[0]) + c, *w = (const int8_t *)(wbase + k[1]) + c;
#if defined(__ARM_FEATURE_DSP) && defined(ST_DW_GENERAL)
                            if (four) { /* (the fast builds take small4_step) */
                                const uint32_t xv = st_load4(x), wv = st_load4(w);
                                const uint32_t xe = st_sxtab16(io2, xv), xo = st_sxtab16_ror8(io2, xv);
                                const uint32_t we = st_sxtb16(wv), wo = st_sxtb16_ror8(wv);
                                a0 = st_smlabb(xe, we, a0);
                                a2 = st_smlatt(xe, we, a2);
                                a1 = st_smlabb(xo, wo, a1);
                                a3 = st_smlatt(xo, wo, a3);
                                continue;
                            }
#endif
                            a0 += (uint32_t)(*w * (*x + input_offset));
                        }
                        if (four) { /* all four before the stores, which could alias the table */
                            const int8_t v0 = dw_requantize(a0, &t[0].rq, output_offset, act_min, act_max);
                            const int8_t v1 = dw_requantize(a1, &t[1].rq, output_offset, act_min, act_max);
                            const int8_t v2 = dw_requantize(a2, &t[2].rq, output_offset, act_min, act_max);
                            const int8_t v3 = dw_requantize(a3, &t[3].rq, output_offset, act_min, act_max);
                            out[c] = v0, out[c + 1] = v1, out[c + 2] = v2, out[c + 3] = v3;
                        } else {
                            out[c] = dw_requantize(a0, &t[0].rq, output_offset, act_min, act_max);
                        }
                    }
                }
            }
        }
    }
}

void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_small)(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                             const int8_t *filter, int8_t *scratch) {
    small_layer(p, buffer, filter, scratch, 0);
}

/* The same for input_c a multiple of 4: a model links whichever its layers take. */
void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_small4)(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                              const int8_t *filter, int8_t *scratch) {
#if defined(__ARM_FEATURE_DSP)
    small_layer(p, buffer, filter, scratch, 1);
#else
    small_layer(p, buffer, filter, scratch, 0);
#endif
}

/* 3x3 over 2x2 planes (stride 1, padding 1): output (y, x) sums the taps (ky, kx) with y + ky - 1
 * and x + kx - 1 in the plane, four of them; with the inputs paired by row, x0 = (x00, x01) and
 * x1 = (x10, x11), and the taps paired along a filter row, each output is two dot products of
 * pairs: (0,0) = (w11, w12).x0 + (w21, w22).x1, (0,1) = (w10, w11).x0 + (w20, w21).x1,
 * (1,0) = (w01, w02).x0 + (w11, w12).x1, (1,1) = (w00, w01).x0 + (w10, w11).x1. A channel's four
 * inputs are read before its outputs overwrite them, so the layer runs in place without scratch. */
#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL) && !defined(ST_CHANNEL_SHIFTS)
/* What the plane kernels' assembly reads (words): the batch's image (channel 0's first input),
 * the filter, input_c, the image's last channel (channel 0 + input_c - 1), the channels' walk
 * (st_channel.h: bias, bias_bytes, bias_shift, requant, requant_step, right0, odd_offset) and the
 * input offset as the kernel takes it. */
typedef struct {
    int8_t *x;
    const int8_t *w;
    int32_t ch;
    const int8_t *end;
    st_channel_walk walk;
    uint32_t offset;
} plane_args;
_Static_assert(sizeof(st_channel_walk) == 28 && offsetof(plane_args, walk) == 16 && offsetof(plane_args, offset) == 44,
               "the plane kernels read x, w, ch, end, the walk's seven words and the offset at 0, 4, ..., 44");

/* A batch's plane_args: its image x, the layer's filter and channels, the input offset. */
static inline plane_args plane_args_of(const st_depthwise_conv2d_params *p, int8_t *x, const int8_t *filter,
                                       uint32_t offset) {
    const plane_args a = {x, filter, p->input_c, x + p->input_c - 1,
                          st_channel_walk_start(&p->channels, p->output_offset), offset};
    return a;
}

/* Every channel of a batch's 2x2 image, in assembly (a naked function): per channel the four
 * inputs (LDRSB) paired by PKHBT with the offset added (SADD16), the bias and requantisation
 * decoded (as conv1x1_s8's widened walks them: add = ((2 * offset + 1) << right) / 2), the
 * nine taps a filter row at a time paired by PKHBT into eight SMLADs, and the four sums
 * requantised (st_requantize_fast on the sums doubled) over the inputs. Registers: r0 the
 * channel's first input, r1 its first tap, r2-r4 input_c times 1, 2 and 3 (the other inputs
 * and taps of a row), r5-r12 and lr the rest; the walking pointers and constants on the stack. */
#define ST_ARG __attribute__((unused)) /* read by the assembly */
__attribute__((naked, noinline)) static void plane2x2_channels(ST_ARG const plane_args *a) {
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "ldm r0, {r0-r11}\n\t" /* x, w, ch, end, bias, bias_bytes, bias_shift, requant, step, right0, odd, offset2 */
        "push {r3-r11}\n\t"    /* [sp]: end, bias, bias_bytes, bias_shift, requant, step, right0, odd, offset2 */
        "lsl r3, r2, #1\n\t"
        "add r4, r3, r2\n\t"
        "1:\n\t"
        "ldrsb r5, [r0]\n\t" /* x00 */
        "add lr, r1, r4\n\t" /* filter row 1 */
        "ldrsb r6, [r0, r2]\n\t" /* x01 */
        "ldrsb r7, [r0, r3]\n\t" /* x10 */
        "ldrsb r8, [r0, r4]\n\t" /* x11 */
        "ldrsb r9, [lr]\n\t"
        "ldr r12, [sp, #32]\n\t" /* offset2 */
        "pkhbt r5, r5, r6, lsl #16\n\t"
        "ldrsb r10, [lr, r2]\n\t"
        "pkhbt r7, r7, r8, lsl #16\n\t"
        "ldrsb r11, [lr, r3]\n\t"
        "sadd16 r5, r5, r12\n\t" /* x0 */
        "ldrd r6, r8, [sp, #4]\n\t" /* bias, bias_bytes */
        "sadd16 r7, r7, r12\n\t" /* x1 */
        "ldr r12, [sp, #12]\n\t" /* bias_shift */
        "pkhbt r9, r9, r10, lsl #16\n\t" /* (w10, w11) */
        "ldr lr, [r6]\n\t"
        "pkhbt r10, r10, r11, lsl #16\n\t" /* (w11, w12) */
        "add r6, r6, r8\n\t"
        "str r6, [sp, #4]\n\t"
        "asr r12, lr, r12\n\t" /* the bias */
        "ldrsb lr, [r1]\n\t" /* filter row 0 */
        "smlad r6, r10, r5, r12\n\t" /* (0,0) */
        "ldrsb r11, [r1, r2]\n\t"
        "smlad r8, r9, r5, r12\n\t" /* (0,1) */
        "smlad r9, r9, r7, r12\n\t" /* (1,1) */
        "smlad r10, r10, r7, r12\n\t" /* (1,0) */
        "ldrsb r12, [r1, r3]\n\t"
        "pkhbt lr, lr, r11, lsl #16\n\t" /* (w00, w01) */
        "pkhbt r11, r11, r12, lsl #16\n\t" /* (w01, w02) */
        "smlad r10, r11, r5, r10\n\t"
        "add r12, r1, r4, lsl #1\n\t" /* filter row 2 */
        "smlad r9, lr, r5, r9\n\t"
        "ldrsb r5, [r12]\n\t"
        "ldrsb r11, [r12, r2]\n\t"
        "ldrsb lr, [r12, r3]\n\t"
        "pkhbt r5, r5, r11, lsl #16\n\t" /* (w20, w21) */
        "pkhbt r11, r11, lr, lsl #16\n\t" /* (w21, w22) */
        "smlad r6, r11, r7, r6\n\t"
        "smlad r8, r5, r7, r8\n\t"
        "ldrd r11, lr, [sp, #16]\n\t" /* requant, step */
        "lsl r10, r10, #1\n\t"
        "ldr r5, [r11]\n\t"
        "lsl r9, r9, #1\n\t"
        "add r11, r11, lr\n\t"
        "str r11, [sp, #16]\n\t"
        "ldrd r11, lr, [sp, #24]\n\t" /* right0, odd */
        "lsl r6, r6, #1\n\t"
        "bic r7, r5, #0xC0000000\n\t"
        "sub r11, r11, r5, lsr #30\n\t" /* right */
        "orr r7, r7, #0x40000000\n\t" /* mult */
        "lsl lr, lr, r11\n\t"
        "lsl r8, r8, #1\n\t"
        "asr lr, lr, #1\n\t" /* add */
        "add r5, lr, r6, asr #31\n\t" /* per sum (doubled, its sign the sum's: bounded): the rounding constant plus its sign, SMMLAR, the shift, SSAT */
        "add r12, lr, r8, asr #31\n\t"
        "smmlar r6, r6, r7, r5\n\t"
        "add r5, lr, r10, asr #31\n\t"
        "smmlar r8, r8, r7, r12\n\t"
        "add r12, lr, r9, asr #31\n\t"
        "smmlar r10, r10, r7, r5\n\t"
        "ldr lr, [sp]\n\t" /* the last channel */
        "smmlar r9, r9, r7, r12\n\t"
        "asr r6, r6, r11\n\t"
        "asr r8, r8, r11\n\t"
        "ssat r6, #8, r6\n\t"
        "asr r10, r10, r11\n\t"
        "ssat r8, #8, r8\n\t"
        "asr r9, r9, r11\n\t"
        "ssat r10, #8, r10\n\t"
        "strb r6, [r0]\n\t"
        "ssat r9, #8, r9\n\t"
        "strb r8, [r0, r2]\n\t"
        "add r1, r1, #1\n\t"
        "strb r10, [r0, r3]\n\t"
        "cmp r0, lr\n\t"
        "strb r9, [r0, r4]\n\t"
        "add r0, r0, #1\n\t"
        "bne 1b\n\t"
        "add sp, sp, #36\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef ST_ARG
#else
/* A halfword pair: lo in bits 0-15, hi in bits 16-31. */
static inline uint32_t dw_pair(int32_t lo, int32_t hi) { return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16); }
#endif

void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_2x2)(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                       const int8_t *filter, int8_t *scratch) {
    (void)scratch;
    const int32_t ch = p->input_c, off = p->input_offset;
#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL) && !defined(ST_CHANNEL_SHIFTS)
    for (int32_t b = 0; b < p->batches; b++) {
        const plane_args a = plane_args_of(p, buffer + b * 4 * ch, filter, st_dup16(off));
        plane2x2_channels(&a);
    }
#else
    for (int32_t b = 0; b < p->batches; b++) {
        int8_t *x = buffer + b * 4 * ch;
        for (int32_t c = 0; c < ch; c++, x++) {
            const int8_t *w = filter + c;
            uint32_t acc;
            dw_requant q;
            dw_channel(p, c, &acc, &q);
            const int32_t x00 = x[0] + off, x01 = x[ch] + off, x10 = x[2 * ch] + off, x11 = x[3 * ch] + off;
#if defined(__ARM_FEATURE_DSP)
            const uint32_t r0 = dw_pair(x00, x01), r1 = dw_pair(x10, x11);
            const uint32_t w01 = dw_pair(w[0], w[ch]), w12 = dw_pair(w[ch], w[2 * ch]);
            const uint32_t w34 = dw_pair(w[3 * ch], w[4 * ch]), w45 = dw_pair(w[4 * ch], w[5 * ch]);
            const uint32_t w67 = dw_pair(w[6 * ch], w[7 * ch]), w78 = dw_pair(w[7 * ch], w[8 * ch]);
            const uint32_t a00 = st_smlad(w78, r1, st_smlad(w45, r0, acc));
            const uint32_t a01 = st_smlad(w67, r1, st_smlad(w34, r0, acc));
            const uint32_t a10 = st_smlad(w45, r1, st_smlad(w12, r0, acc));
            const uint32_t a11 = st_smlad(w34, r1, st_smlad(w01, r0, acc));
#else
            const int32_t k[9] = {w[0], w[ch], w[2 * ch], w[3 * ch], w[4 * ch], w[5 * ch], w[6 * ch], w[7 * ch], w[8 * ch]};
            const uint32_t a00 = acc + (uint32_t)(k[4] * x00 + k[5] * x01 + k[7] * x10 + k[8] * x11);
            const uint32_t a01 = acc + (uint32_t)(k[3] * x00 + k[4] * x01 + k[6] * x10 + k[7] * x11);
            const uint32_t a10 = acc + (uint32_t)(k[1] * x00 + k[2] * x01 + k[4] * x10 + k[5] * x11);
            const uint32_t a11 = acc + (uint32_t)(k[0] * x00 + k[1] * x01 + k[3] * x10 + k[4] * x11);
#endif
            const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
            x[0] = dw_requantize(a00, &q, oo, lo, hi);
            x[ch] = dw_requantize(a01, &q, oo, lo, hi);
            x[2 * ch] = dw_requantize(a10, &q, oo, lo, hi);
            x[3 * ch] = dw_requantize(a11, &q, oo, lo, hi);
        }
    }
#endif
}

/* 3x3 over 4x4 planes (stride 1, padding 1), a channel at a time: its sixteen inputs go (offset
 * added) as halfword pairs into a frame of six padded rows (the first and last zero), three
 * pairs a row, p01 = (x0, x1), p12 = (x1, x2), p23 = (x2, x3); its taps, doubled, as two pairs a
 * filter row, a = (w0, w1), b = (w1, w2); then each output row sums three padded rows: per row
 * the outputs gain b.p01, a.p01 + w2 x2, a.p12 + w2 x3 and a.p23 (SMLAD, SMLATB, SMLATT). A
 * channel's inputs are all read before its outputs overwrite them: in place, no scratch. */
#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL) && !defined(ST_CHANNEL_SHIFTS)
/* One filter row's products for an output row, as assembly text: the padded row's pairs in r9
 * (p01), r10 (p12) and r11 (p23), the filter row's in r12 (a) and lr (b), sums in r5-r8; the next
 * row's (LOAD_P: into r9 and r10, then LOAD_W: r12 and lr, then LOAD_X: r11) load as the
 * multiplies free their registers. */
#define ST_P4_ROW(LOAD_P, LOAD_W, LOAD_X)                                                                        \
    "smlad r5, lr, r9, r5\n\t"                                                                                   \
    "smlad r6, r12, r9, r6\n\t"                                                                                  \
    "smlad r7, r12, r10, r7\n\t" LOAD_P                                                                          \
    "smlad r8, r12, r11, r8\n\t"                                                                                 \
    "smlatb r6, lr, r11, r6\n\t"                                                                                 \
    "smlatt r7, lr, r11, r7\n\t" LOAD_W LOAD_X
#define ST_P4_NEXT(P, W)                                                                                         \
    ST_P4_ROW("ldrd r9, r10, [r3, #" P "]\n\t", "ldrd r12, lr, [sp, #" W "]\n\t", "ldr r11, [r3, #" P "+8]\n\t")
#define ST_ARG __attribute__((unused)) /* read by the assembly */
/* Every channel of a batch's 4x4 image (plane_args, with the input offset as a plain word),
 * in assembly (a naked function). Frame: the padded rows' pairs at 0 (6 x 12 bytes), the taps'
 * at 72 (3 x 8), the channel's doubled bias twice at 96, mult and add at 104, right at 112, the
 * arguments from the last channel on at 120. Registers: r0 the channel's first input, r1 its
 * first tap, r2 input_c, r3 a padded row, r4 an input, tap or output row, r5-r12 and lr the rest. */
__attribute__((naked, noinline)) static void plane4x4_channels(ST_ARG const plane_args *a) {
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "sub sp, sp, #164\n\t"
        "ldm r0, {r0-r11}\n\t" /* x, w, ch, last, bias, bias_bytes, bias_shift, requant, step, right0, odd, offset */
        "add r12, sp, #120\n\t"
        "stm r12, {r3-r11}\n\t"
        "movs r3, #0\n\t" /* the padded rows above and below the image */
        "movs r4, #0\n\t"
        "movs r5, #0\n\t"
        "stm sp, {r3-r5}\n\t"
        "add r12, sp, #60\n\t"
        "stm r12, {r3-r5}\n\t"
        "1:\n\t" /* a channel */
        "ldr r12, [sp, #152]\n\t" /* the input offset */
        "add r3, sp, #12\n\t"
        "mov r4, r0\n\t"
        "lsl r11, r2, #1\n\t"
        "add r10, r11, r2\n\t"
        "add r9, sp, #60\n\t"
        "2:\n\t" /* an input row: its pairs */
        "ldrsb r5, [r4]\n\t"
        "ldrsb r6, [r4, r2]\n\t"
        "ldrsb r7, [r4, r11]\n\t"
        "ldrsb r8, [r4, r10]\n\t"
        "add r4, r4, r2, lsl #2\n\t"
        "add r5, r5, r12\n\t"
        "add r6, r6, r12\n\t"
        "add r7, r7, r12\n\t"
        "add r8, r8, r12\n\t"
        "pkhbt r5, r5, r6, lsl #16\n\t"
        "pkhbt r6, r6, r7, lsl #16\n\t"
        "pkhbt r7, r7, r8, lsl #16\n\t"
        "stmia r3!, {r5-r7}\n\t"
        "cmp r3, r9\n\t"
        "bne 2b\n\t"
        "mov r4, r1\n\t"
        "add r3, sp, #72\n\t"
        "add r9, sp, #96\n\t"
        "3:\n\t" /* a filter row: its pairs, doubled */
        "ldrsb r5, [r4]\n\t"
        "ldrsb r6, [r4, r2]\n\t"
        "ldrsb r7, [r4, r11]\n\t"
        "add r4, r4, r10\n\t"
        "lsl r5, r5, #1\n\t"
        "lsl r6, r6, #1\n\t"
        "lsl r7, r7, #1\n\t"
        "pkhbt r5, r5, r6, lsl #16\n\t"
        "pkhbt r6, r6, r7, lsl #16\n\t"
        "strd r5, r6, [r3], #8\n\t"
        "cmp r3, r9\n\t"
        "bne 3b\n\t"
        "ldrd r5, r6, [sp, #124]\n\t" /* bias, bias_bytes */
        "ldr r7, [sp, #132]\n\t"
        "ldr r8, [r5]\n\t"
        "add r5, r5, r6\n\t"
        "str r5, [sp, #124]\n\t"
        "asr r8, r8, r7\n\t"
        "lsl r8, r8, #1\n\t"
        "strd r8, r8, [sp, #96]\n\t"
        "ldrd r5, r6, [sp, #136]\n\t" /* requant, step */
        "ldr r7, [r5]\n\t"
        "add r5, r5, r6\n\t"
        "str r5, [sp, #136]\n\t"
        "ldrd r5, r6, [sp, #144]\n\t" /* right0, odd */
        "bic r8, r7, #0xC0000000\n\t"
        "orr r8, r8, #0x40000000\n\t" /* mult */
        "sub r5, r5, r7, lsr #30\n\t"  /* right */
        "lsl r6, r6, r5\n\t"
        "asr r6, r6, #1\n\t" /* add */
        "strd r8, r6, [sp, #104]\n\t"
        "str r5, [sp, #112]\n\t"
        "mov r3, sp\n\t"
        "mov r4, r0\n\t"
        "4:\n\t" /* an output row: three padded rows from r3 */
        "ldrd r9, r10, [r3]\n\t"
        "ldrd r12, lr, [sp, #72]\n\t"
        "ldr r11, [r3, #8]\n\t"
        "ldrd r5, r6, [sp, #96]\n\t"
        "ldrd r7, r8, [sp, #96]\n\t"
        ST_P4_NEXT("12", "80") ST_P4_NEXT("24", "88")
        ST_P4_ROW("ldrd r9, r10, [sp, #104]\n\t" /* mult, add */, "", "ldr r11, [sp, #112]\n\t")
        "add r12, r10, r5, asr #31\n\t" /* per sum: the rounding constant plus its sign, SMMLAR, the shift, SSAT */
        "add lr, r10, r6, asr #31\n\t"
        "smmlar r5, r5, r9, r12\n\t"
        "add r12, r10, r7, asr #31\n\t"
        "smmlar r6, r6, r9, lr\n\t"
        "add lr, r10, r8, asr #31\n\t"
        "smmlar r7, r7, r9, r12\n\t"
        "smmlar r8, r8, r9, lr\n\t"
        "asr r5, r5, r11\n\t"
        "asr r6, r6, r11\n\t"
        "asr r7, r7, r11\n\t"
        "asr r8, r8, r11\n\t"
        "ssat r5, #8, r5\n\t"
        "ssat r6, #8, r6\n\t"
        "ssat r7, #8, r7\n\t"
        "ssat r8, #8, r8\n\t"
        "strb r5, [r4]\n\t"
        "strb r6, [r4, r2]\n\t"
        "add r4, r4, r2, lsl #1\n\t"
        "strb r7, [r4]\n\t"
        "strb r8, [r4, r2]\n\t"
        "add r4, r4, r2, lsl #1\n\t"
        "add r3, r3, #12\n\t"
        "add r9, sp, #48\n\t"
        "cmp r3, r9\n\t"
        "bne 4b\n\t"
        "ldr r9, [sp, #120]\n\t" /* the last channel */
        "cmp r0, r9\n\t"
        "add r0, r0, #1\n\t"
        "add r1, r1, #1\n\t"
        "bne 1b\n\t"
        "add sp, sp, #164\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef ST_ARG
#undef ST_P4_ROW
#undef ST_P4_NEXT
#endif

void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_4x4)(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                       const int8_t *filter, int8_t *scratch) {
    (void)scratch;
    const int32_t ch = p->input_c, off = p->input_offset;
#if defined(__ARM_FEATURE_DSP) && !defined(ST_DW_GENERAL) && !defined(ST_CHANNEL_SHIFTS)
    for (int32_t b = 0; b < p->batches; b++) {
        const plane_args a = plane_args_of(p, buffer + b * 16 * ch, filter, (uint32_t)off);
        plane4x4_channels(&a);
    }
#else
    for (int32_t b = 0; b < p->batches; b++) {
        int8_t *x = buffer + b * 16 * ch;
        for (int32_t c = 0; c < ch; c++, x++) {
            int32_t in[6][6] = {{0}}; /* the plane, zero-padded */
            for (int32_t i = 0; i < 16; i++) in[1 + i / 4][1 + i % 4] = x[i * ch] + off;
            uint32_t bias;
            dw_requant q;
            dw_channel(p, c, &bias, &q);
            for (int32_t i = 0; i < 16; i++) {
                uint32_t acc = bias;
                for (int32_t t = 0; t < 9; t++) acc += (uint32_t)(filter[t * ch + c] * in[i / 4 + t / 3][i % 4 + t % 3]);
                x[i * ch] = dw_requantize(acc, &q, p->output_offset, p->act_min, p->act_max);
            }
        }
    }
#endif
}

#if !defined(ST_DW_GENERAL)
#if !defined(__ARM_FEATURE_DSP)
/* One int16 lane pair: lo in bits 0-15, hi in bits 16-31 (the layout of SXTB16's results). */
static inline uint32_t quads_pair(int32_t lo, int32_t hi) { return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16); }
#endif

/* What st_depthwise_conv2d_s8_inplace_quads_3x3 keeps for a quad of channels c to c + 3: the
 * nine taps' words (2 w[c], 2 w[c + 2]) and (2 w[c + 1], 2 w[c + 3]), the four biases doubled,
 * then the four channels' small_channel entries, whose first three bias fields hold
 * quads_band's steps (registers are short). */
typedef struct {
    uint32_t taps[18];
    uint32_t bias[4];
    small_channel rq[4];
} quads_block;

#if defined(__ARM_FEATURE_DSP)
/* A band's outputs of a quad's four channels, n = (rows << 16) | output_w of them, row by
 * row: the first window's top-left at r (quad plane rows rs bytes apart), each next one
 * b->rq[0].bias & 255 bytes on and b->rq[1].bias more at a row's end, the outputs
 * b->rq[0].bias >> 8 bytes apart from o (the output rows follow one another in memory); the
 * steps wait in the block's spare fields, registers being short. Per output the nine taps (the
 * words of channels (c, c + 2) and (c + 1, c + 3) times the block's tap words: one multiply a
 * channel and tap, each load issued beside a multiply and used no sooner than two cycles after
 * it), then the four sums requantised (ST_SMALL_REQUANT4): thirteen registers, none spilled. */
ST_SHARED static void quads_band(const uint32_t *r, int8_t *o, uint32_t n, const quads_block *b, int32_t rs) {
    uint32_t a0, a1, a2, a3, x0, x1, w0, w1;
#define ST_TAP(X0_AT, MOVE, X1_AT, NEXT_W)                                                                     \
    "smlabb %[a0], %[x0], %[w0], %[a0]\n\t"                                                                    \
    "smlatt %[a2], %[x0], %[w0], %[a2]\n\t"                                                                    \
    "ldr %[x0], " X0_AT "\n\t" MOVE                                                                           \
    "smlabb %[a1], %[x1], %[w1], %[a1]\n\t"                                                                    \
    "ldr %[w0], [%[b], #" NEXT_W "]\n\t"                                                                       \
    "smlatt %[a3], %[x1], %[w1], %[a3]\n\t"                                                                    \
    "ldr %[x1], " X1_AT "\n\t"                                                                                \
    "ldr %[w1], [%[b], #" NEXT_W "+4]\n\t"
/* a tap whose next one is in the same row (NEXT_X bytes on), or starts the next row: then the
 * next row's first word by a register offset, so that no load waits on the row pointer's move */
#define ST_TAP_ON(NEXT_X, NEXT_W) ST_TAP("[%[r], #" NEXT_X "]", "", "[%[r], #" NEXT_X "+4]", NEXT_W)
#define ST_TAP_ROW(NEXT_W) ST_TAP("[%[r], %[rs]]", "add %[r], %[r], %[rs]\n\t", "[%[r], #4]", NEXT_W)
    _Static_assert(sizeof(quads_block) == 152, "quads_band reads taps, bias and rq at 0, 72 and 88");
    __asm__ volatile("ldrd %[a0], %[a1], [%[b], #72]\n\t" /* the first output's biases and first tap */
                     "ldr %[w0], [%[b]]\n\t"
                     "ldr %[w1], [%[b], #4]\n\t"
                     "ldrd %[a2], %[a3], [%[b], #80]\n\t"
                     "3:\n\t" /* a row's first window */
                     "ldr %[x0], [%[r]]\n\t"
                     "ldr %[x1], [%[r], #4]\n\t"
                     "1:\n\t"
                     ST_TAP_ON("8", "8") ST_TAP_ON("16", "16") ST_TAP_ROW("24")
                     ST_TAP_ON("8", "32") ST_TAP_ON("16", "40") ST_TAP_ROW("48")
                     ST_TAP_ON("8", "56") ST_TAP_ON("16", "64")
                     /* the last tap, with the four sums' requantisation begun beside it (as
                      * ST_SMALL_REQUANT4 computes it: SMMLAR, the sum's sign, the shift, SSAT;
                      * the channels' small_channel entries at 88, 104, 120, 136), and the next
                      * output's biases, first tap and first window loaded as registers free up
                      * (the window read past a row's last stays within the plane's columns) */
                     "smlabb %[a0], %[x0], %[w0], %[a0]\n\t"
                     "smlatt %[a2], %[x0], %[w0], %[a2]\n\t"
                     "ldrd %[x0], %[w0], [%[b], #92]\n\t" /* mult, add of c */
                     "smlabb %[a1], %[x1], %[w1], %[a1]\n\t"
                     "sub %[r], %[r], %[rs], lsl #1\n\t"
                     "smlatt %[a3], %[x1], %[w1], %[a3]\n\t"
                     "ldrd %[x1], %[w1], [%[b], #108]\n\t" /* c + 1 */
                     "smmlar %[w0], %[a0], %[x0], %[w0]\n\t"
                     "ldr %[x0], [%[b], #100]\n\t" /* right of c */
                     "smmlar %[w1], %[a1], %[x1], %[w1]\n\t"
                     "ldr %[x1], [%[b], #116]\n\t"
                     "add %[a0], %[w0], %[a0], asr #31\n\t"
                     "ldr %[w0], [%[b], #124]\n\t" /* mult of c + 2 */
                     "asr %[a0], %[a0], %[x0]\n\t"
                     "add %[a1], %[w1], %[a1], asr #31\n\t"
                     "ldr %[w1], [%[b], #128]\n\t"
                     "asr %[a1], %[a1], %[x1]\n\t"
                     "ldr %[x0], [%[b], #140]\n\t" /* mult of c + 3 */
                     "smmlar %[w1], %[a2], %[w0], %[w1]\n\t"
                     "ldr %[x1], [%[b], #144]\n\t"
                     "ssat %[a0], #8, %[a0]\n\t"
                     "smmlar %[x1], %[a3], %[x0], %[x1]\n\t"
                     "ssat %[a1], #8, %[a1]\n\t"
                     "ldr %[x0], [%[b], #132]\n\t" /* right of c + 2 */
                     "strb %[a0], [%[o]]\n\t"
                     "ldr %[w0], [%[b], #148]\n\t"
                     "add %[a2], %[w1], %[a2], asr #31\n\t"
                     "strb %[a1], [%[o], #1]\n\t"
                     "add %[a3], %[x1], %[a3], asr #31\n\t"
                     "ldrd %[a0], %[a1], [%[b], #72]\n\t" /* the next output's */
                     "asr %[a2], %[a2], %[x0]\n\t"
                     "ldr %[w1], [%[b], #4]\n\t"
                     "asr %[a3], %[a3], %[w0]\n\t"
                     "ldr %[x0], [%[b], #88]\n\t" /* the steps */
                     "ssat %[a2], #8, %[a2]\n\t"
                     "ldr %[w0], [%[b]]\n\t"
                     "ssat %[a3], #8, %[a3]\n\t"
                     "uxtab %[r], %[r], %[x0]\n\t"
                     "strb %[a2], [%[o], #2]\n\t"
                     "sub %[n], %[n], #1\n\t"
                     "strb %[a3], [%[o], #3]\n\t"
                     "add %[o], %[o], %[x0], lsr #8\n\t"
                     "ldr %[x0], [%[r]]\n\t"
                     "lsls %[x1], %[n], #16\n\t" /* outputs left in the row */
                     "ldr %[x1], [%[r], #4]\n\t"
                     "ldrd %[a2], %[a3], [%[b], #80]\n\t"
                     "bne 1b\n\t"
                     "subs %[n], %[n], #0x10000\n\t" /* rows left */
                     "beq 2f\n\t"
                     "ldr %[x0], [%[b], #104]\n\t" /* rq[1].bias: a row's end */
                     "ldr %[x1], [%[b], #120]\n\t" /* rq[2].bias: output_w */
                     "add %[r], %[r], %[x0]\n\t"
                     "add %[n], %[n], %[x1]\n\t"
                     "b 3b\n\t"
                     "2:\n\t"
                     : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [x0] "=&r"(x0), [x1] "=&r"(x1),
                       [w0] "=&r"(w0), [w1] "=&r"(w1), [r] "+r"(r), [o] "+r"(o), [n] "+r"(n)
                     : [b] "r"(b), [rs] "r"(rs)
                     : "cc", "memory");
#undef ST_TAP
#undef ST_TAP_ON
#undef ST_TAP_ROW
}
#endif

/* Padded rows [from, to) (padded row y holds image row y - pad_h; cols columns, image column x
 * at x + pad_w) into `quads` quad planes (plane words apart) from their row at dst, the first
 * quad's channels at image (pixel 0): each pixel's four channels c to c + 3 as the words
 * (x[c], x[c + 2]) and (x[c + 1], x[c + 3]) with the input offset added, zeros outside the
 * image. Plane by plane where a row has more pixels than there are quads, else pixel by pixel
 * (each row's overhead paid once for all its quads). */
ST_SHARED static void quads_fill(uint32_t *dst, int32_t plane, int32_t quads, const int8_t *image,
                                 const st_depthwise_conv2d_params *p, int32_t from, int32_t to, int32_t cols) {
    const int32_t ch = p->input_c, iw = p->input_w;
    int32_t left = p->pad_w, right = iw < cols - left ? left + iw : cols; /* the image's columns */
#if defined(__ARM_FEATURE_DSP)
    const uint32_t io2 = st_dup16(p->input_offset);
#else
    const int32_t io = p->input_offset;
#endif
    for (int32_t y = from; y < to; y++, dst += 2 * cols) {
        const int32_t iy = y - p->pad_h;
        const int inside = iy >= 0 && iy < p->input_h;
        if (!inside) left = right = cols; /* a row outside the image: all zeros */
        const int8_t *row = inside ? image + iy * iw * ch : image;
        if (right - left < quads) { /* short rows of many quads: pixel by pixel, its quads in a row in memory */
            for (int32_t x = 0; x < cols; x++) {
                uint32_t *d = dst + 2 * x;
                int32_t q = 0;
                if (x < left || x >= right) {
#if defined(__ARM_FEATURE_DSP)
                    if (quads >= 2) { /* two quads a pass, by STRD (gcc's loop stored a word at a time) */
                        uint32_t z0, z1;
                        int32_t n = quads & ~1;
                        q = n;
                        __asm__ volatile("movs %[z0], #0\n\t"
                                         "movs %[z1], #0\n\t"
                                         "1:\n\t"
                                         "strd %[z0], %[z1], [%[d]]\n\t"
                                         "add %[d], %[d], %[pb]\n\t"
                                         "subs %[n], %[n], #2\n\t"
                                         "strd %[z0], %[z1], [%[d]]\n\t"
                                         "add %[d], %[d], %[pb]\n\t"
                                         "bne 1b\n\t"
                                         : [d] "+r"(d), [n] "+r"(n), [z0] "=&r"(z0), [z1] "=&r"(z1)
                                         : [pb] "r"(4 * plane)
                                         : "cc", "memory");
                    }
#endif
                    for (; q < quads; q++, d += plane) d[0] = d[1] = 0;
                    continue;
                }
                const int8_t *s = row + (x - left) * ch;
#if defined(__ARM_FEATURE_DSP)
                if (quads >= 2) { /* two quads a pass, in assembly (LDRD: input_c and the image are word-aligned) */
                    uint32_t v0, v1, e0, o0, e1, o1;
                    int32_t n = quads & ~1;
                    q = n;
                    __asm__ volatile("1:\n\t"
                                     "ldrd %[v0], %[v1], [%[s]], #8\n\t"
                                     "subs %[n], %[n], #2\n\t"
                                     "sxtab16 %[e0], %[io2], %[v0]\n\t"
                                     "sxtab16 %[o0], %[io2], %[v0], ror #8\n\t"
                                     "sxtab16 %[e1], %[io2], %[v1]\n\t"
                                     "strd %[e0], %[o0], [%[d]]\n\t"
                                     "sxtab16 %[o1], %[io2], %[v1], ror #8\n\t"
                                     "add %[d], %[d], %[pb]\n\t"
                                     "strd %[e1], %[o1], [%[d]]\n\t"
                                     "add %[d], %[d], %[pb]\n\t"
                                     "bne 1b\n\t"
                                     : [v0] "=&r"(v0), [v1] "=&r"(v1), [e0] "=&r"(e0), [o0] "=&r"(o0),
                                       [e1] "=&r"(e1), [o1] "=&r"(o1), [s] "+r"(s), [d] "+r"(d), [n] "+r"(n)
                                     : [io2] "r"(io2), [pb] "r"(4 * plane)
                                     : "cc", "memory");
                }
#endif
                for (; q < quads; q++, s += 4, d += plane) {
#if defined(__ARM_FEATURE_DSP)
                    const uint32_t v = st_load4(s);
                    d[0] = st_sxtab16(io2, v), d[1] = st_sxtab16_ror8(io2, v);
#else
                    d[0] = quads_pair(s[0] + io, s[2] + io), d[1] = quads_pair(s[1] + io, s[3] + io);
#endif
                }
            }
            left = p->pad_w, right = iw < cols - left ? left + iw : cols;
            continue;
        }
        for (int32_t q = 0; q < quads; q++) { /* plane by plane: the zeros, then the image's pixels */
            uint32_t *d = dst + q * plane;
            for (int32_t x = 0; x < left; x++) d[2 * x] = d[2 * x + 1] = 0;
            for (int32_t x = right; x < cols; x++) d[2 * x] = d[2 * x + 1] = 0;
            const int8_t *s = row + 4 * q;
            int32_t x = left;
#if defined(__ARM_FEATURE_DSP)
            if (right - left >= 2) { /* two pixels a pass, in assembly (gcc's loop took five cycles a pixel) */
                uint32_t *dd = d + 2 * x, v0, v1, e0, o0, e1, o1;
                int32_t n = (right - left) & ~1;
                x += n;
                __asm__ volatile("1:\n\t"
                                 "ldr %[v0], [%[s]]\n\t"
                                 "ldr %[v1], [%[s], %[ch]]\n\t"
                                 "add %[s], %[s], %[ch], lsl #1\n\t"
                                 "sxtab16 %[e0], %[io2], %[v0]\n\t"
                                 "sxtab16 %[o0], %[io2], %[v0], ror #8\n\t"
                                 "subs %[n], %[n], #2\n\t"
                                 "sxtab16 %[e1], %[io2], %[v1]\n\t"
                                 "strd %[e0], %[o0], [%[d]]\n\t"
                                 "sxtab16 %[o1], %[io2], %[v1], ror #8\n\t"
                                 "strd %[e1], %[o1], [%[d], #8]\n\t"
                                 "add %[d], %[d], #16\n\t"
                                 "bne 1b\n\t"
                                 : [v0] "=&r"(v0), [v1] "=&r"(v1), [e0] "=&r"(e0), [o0] "=&r"(o0), [e1] "=&r"(e1),
                                   [o1] "=&r"(o1), [s] "+r"(s), [d] "+r"(dd), [n] "+r"(n)
                                 : [ch] "r"(ch), [io2] "r"(io2)
                                 : "cc", "memory");
            }
#endif
            for (; x < right; x++, s += ch) {
#if defined(__ARM_FEATURE_DSP)
                const uint32_t v = st_load4(s);
                d[2 * x] = st_sxtab16(io2, v), d[2 * x + 1] = st_sxtab16_ror8(io2, v);
#else
                d[2 * x] = quads_pair(s[0] + io, s[2] + io), d[2 * x + 1] = quads_pair(s[1] + io, s[3] + io);
#endif
            }
        }
        left = p->pad_w, right = iw < cols - left ? left + iw : cols;
    }
}

/* In place, for 3x3 filters, dilation 1, input_c a multiple of 4 and layers whose every channel
 * requantises with st_requantize_fast (the code generator's choice): the channels in SIMD lanes
 * rather than the pixels, so that nothing is paid per channel but its taps. p->quads quads of
 * channels a pass (0: all; a pass's outputs overwrite only its own channels' inputs), the image
 * goes into scratch as zero-padded planes of four channels ("quad planes": per padded pixel the
 * words (x[c], x[c + 2]) and (x[c + 1], x[c + 3]), int16 with the input offset added,
 * quads_fill), p->band output rows at a time, each quad's taps and biases doubled into a quads_block
 * (ST_PADDED_SCALE's trick: the sums come doubled for the requantisation); then each quad plane
 * gives its four channels' outputs row by row, nine taps each, the padding's zeros adding
 * nothing. The rows a band shares with the next stay in scratch, moved to the top (the outputs
 * have overwritten them in the buffer), as in padded_layer. scratch (4-byte aligned): a pass's
 * quad planes, rows * cols pairs of words each (rows = (band - 1) * stride_h + 3, cols =
 * (output_w - 1) * stride_w + 3), then a quads_block a quad of the pass. */
void ST_DW_KERNEL(st_depthwise_conv2d_s8_inplace_quads_3x3)(const st_depthwise_conv2d_params *p, int8_t *buffer,
                                                              const int8_t *filter, int8_t *scratch) {
    const int32_t ch = p->input_c, oh = p->output_h, ow = p->output_w, sh = p->stride_h;
    const int32_t group = p->quads ? p->quads : ch / 4; /* quads a pass */
    const int32_t band = p->band, band_rows = (band - 1) * sh + 3, cols = (ow - 1) * p->stride_w + 3;
    const int32_t plane = 2 * band_rows * cols; /* words */
    uint32_t *const planes = (uint32_t *)(void *)scratch;
    quads_block *const blocks = (quads_block *)(void *)(planes + group * plane);
    /* quads_band's steps: a window and an output on, a row's end, output_w */
    const uint32_t step0 = (uint32_t)(ch << 8 | 8 * p->stride_w), step1 = (uint32_t)(8 * (sh * cols - ow * p->stride_w));
    st_channel_walk walk = st_channel_walk_start(&p->channels, p->output_offset);
    for (int32_t c0 = 0; c0 < ch; c0 += 4 * group) { /* a pass: its channels' outputs overwrite only theirs */
        const int32_t quads = (ch - c0) / 4 < group ? (ch - c0) / 4 : group;
        for (int32_t q = 0; q < quads; q++) {
            quads_block *bq = &blocks[q];
            for (int32_t j = 0; j < 4; j++) bq->bias[j] = 2 * st_channel_walk_next(&walk, &bq->rq[j].rq);
            bq->rq[0].bias = step0, bq->rq[1].bias = step1, bq->rq[2].bias = (uint32_t)ow;
            const int8_t *f = filter + c0 + 4 * q;
            for (int32_t t = 0; t < 9; t++, f += ch) {
#if defined(__ARM_FEATURE_DSP)
                /* each lane doubled: a left shift, the low lane's sign bit cleared from the high lane */
                const uint32_t v = st_load4(f);
                bq->taps[2 * t] = (st_sxtb16(v) << 1) & 0xFFFEFFFFu;
                bq->taps[2 * t + 1] = (st_sxtb16_ror8(v) << 1) & 0xFFFEFFFFu;
#else
                bq->taps[2 * t] = quads_pair(2 * f[0], 2 * f[2]), bq->taps[2 * t + 1] = quads_pair(2 * f[1], 2 * f[3]);
#endif
            }
        }
        for (int32_t b = 0; b < p->batches; b++) {
            const int8_t *image = buffer + b * p->input_h * p->input_w * ch + c0;
            int8_t *out = buffer + b * oh * ow * ch + c0;
            int32_t end = 0; /* padded rows [end - kept, end) are in scratch */
            for (int32_t oy0 = 0; oy0 < oh; oy0 += band) {
                const int32_t n = oh - oy0 < band ? oh - oy0 : band;
                const int32_t first = oy0 * sh, last = (oy0 + n - 1) * sh + 3; /* the band's padded rows */
                const int32_t kept = end > first ? end - first : 0;
                for (int32_t q = 0; q < quads && kept; q++) { /* (a band before is whole) */
                    uint32_t *to = planes + q * plane;
                    const uint32_t *from = to + 2 * (band_rows - kept) * cols;
                    for (int32_t i = 0; i < 2 * kept * cols; i++) to[i] = from[i];
                }
                quads_fill(planes + 2 * kept * cols, plane, quads, image, p, first + kept, last, cols);
                end = last;
                for (int32_t q = 0; q < quads; q++) {
                    const quads_block *const bq = &blocks[q];
#if defined(__ARM_FEATURE_DSP)
                    quads_band(planes + q * plane, out + 4 * q, (uint32_t)(n << 16 | ow), bq, 8 * cols);
#else
                    for (int32_t oy = 0; oy < n; oy++) {
                        const uint32_t *r = planes + q * plane + 2 * oy * sh * cols;
                        int8_t *o = out + oy * ow * ch + 4 * q;
                        for (int32_t ox = 0; ox < ow; ox++, r += 2 * p->stride_w, o += ch) {
                            uint32_t a[4] = {bq->bias[0], bq->bias[1], bq->bias[2], bq->bias[3]};
                            for (int32_t t = 0; t < 9; t++) {
                                const uint32_t *x = r + 2 * ((t / 3) * cols + t % 3), *w = bq->taps + 2 * t;
                                a[0] += (uint32_t)((int16_t)x[0] * (int16_t)w[0]);
                                a[2] += (uint32_t)((int16_t)(x[0] >> 16) * (int16_t)(w[0] >> 16));
                                a[1] += (uint32_t)((int16_t)x[1] * (int16_t)w[1]);
                                a[3] += (uint32_t)((int16_t)(x[1] >> 16) * (int16_t)(w[1] >> 16));
                            }
                            for (int32_t j = 0; j < 4; j++) o[j] = (int8_t)st_requantize_fast(a[j], &bq->rq[j].rq);
                        }
                    }
#endif
                }
                out += n * ow * ch;
            }
        }
    }
}
#endif
