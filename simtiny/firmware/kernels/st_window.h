/* Windows clipped to the image, shared by the windowed kernels (CONV_2D, DEPTHWISE_CONV_2D,
 * AVERAGE_POOL_2D, MAX_POOL_2D): LiteRT skips the taps of a window that fall outside the image
 * (zero padding of real values, or padding that never wins), so each output pixel sees only
 * its window's in-image taps, and the inner loops need no bounds checks. */
#ifndef ST_WINDOW_H
#define ST_WINDOW_H

#include <stdint.h>

/* Taps [*lo, *hi) of a window of `size` taps, `dilation` apart, starting at image position
 * `origin`, that fall inside [0, limit). */
static inline void st_window_taps(int32_t origin, int32_t dilation, int32_t size, int32_t limit, int32_t *lo,
                                  int32_t *hi) {
    if (dilation == 1) { /* the common case, without loops */
        int32_t a = origin < 0 ? -origin : 0;
        int32_t b = limit - origin;
        if (a > size) a = size;
        if (b > size) b = size;
        *lo = a;
        *hi = b > a ? b : a;
        return;
    }
    int32_t a = 0, b = size;
    while (a < b && origin + a * dilation < 0) a++;
    while (b > a && origin + (b - 1) * dilation >= limit) b--;
    *lo = a;
    *hi = b;
}

/* The geometry of a windowed operator, NHWC, in the kernels' own int32. */
typedef struct {
    int32_t batches, input_h, input_w, input_c;
    int32_t output_h, output_w, output_c; /* elements of one output pixel: output_c */
    int32_t filter_h, filter_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w;
    int32_t pad_h, pad_w; /* padding before the first row / column */
} st_window_shape;

/* One output pixel's window, clipped: filter rows [y0, y1) and columns [x0, x1) fall inside the
 * image; tap (y0, x0) is at image row iy and column ix. Empty when y0 == y1 or x0 == x1. */
typedef struct {
    int32_t y0, y1, x0, x1;
    int32_t iy, ix;
} st_window;

/* The output pixels of a windowed operator in NHWC order, each with its window clipped to the
 * image, as one flat loop the kernel writes its pixel code in:
 *     st_window_iter it;
 *     if (!st_window_begin(&it, &shape, input, output)) return;
 *     do { ... it.w, it.image, it.out ... } while (st_window_next(&it));
 */
typedef struct {
    const st_window_shape *s;
    st_window w;             /* the current pixel's window */
    const int8_t *image;     /* the current batch's input image */
    int8_t *out;             /* the current pixel's output_c elements */
    int32_t b, oy, ox, image_size;
} st_window_iter;

static inline void st_window_row(st_window_iter *it) {
    const st_window_shape *s = it->s;
    const int32_t iy0 = it->oy * s->stride_h - s->pad_h;
    st_window_taps(iy0, s->dilation_h, s->filter_h, s->input_h, &it->w.y0, &it->w.y1);
    it->w.iy = iy0 + it->w.y0 * s->dilation_h;
}

static inline void st_window_col(st_window_iter *it) {
    const st_window_shape *s = it->s;
    const int32_t ix0 = it->ox * s->stride_w - s->pad_w;
    st_window_taps(ix0, s->dilation_w, s->filter_w, s->input_w, &it->w.x0, &it->w.x1);
    it->w.ix = ix0 + it->w.x0 * s->dilation_w;
}

/* 0 when the operator has no output pixel at all. */
static inline int st_window_begin(st_window_iter *it, const st_window_shape *s, const int8_t *input, int8_t *output) {
    it->s = s;
    it->image = input;
    it->out = output;
    it->b = it->oy = it->ox = 0;
    it->image_size = s->input_h * s->input_w * s->input_c;
    if (s->batches <= 0 || s->output_h <= 0 || s->output_w <= 0) return 0;
    st_window_row(it);
    st_window_col(it);
    return 1;
}

/* Move to the next output pixel; 0 after the last one. */
static inline int st_window_next(st_window_iter *it) {
    const st_window_shape *s = it->s;
    it->out += s->output_c;
    if (++it->ox == s->output_w) {
        it->ox = 0;
        if (++it->oy == s->output_h) {
            it->oy = 0;
            if (++it->b == s->batches) return 0;
            it->image += it->image_size;
        }
        st_window_row(it);
    }
    st_window_col(it);
    return 1;
}

/* The window has at least one in-image tap. */
static inline int st_window_taps_any(const st_window *w) {
    return w->y0 < w->y1 && w->x0 < w->x1;
}

/* Input element offset of a window's first in-image tap (channel 0), 0 for an empty window. */
static inline int32_t st_window_origin(const st_window *w, int32_t row_elements, int32_t channels) {
    return st_window_taps_any(w) ? w->iy * row_elements + w->ix * channels : 0;
}

/* Filter element offset of the same tap (filter rows of row_elements, taps of `channels`), 0 for
 * an empty window. */
static inline int32_t st_window_tap_offset(const st_window *w, int32_t row_elements, int32_t channels) {
    return st_window_taps_any(w) ? w->y0 * row_elements + w->x0 * channels : 0;
}

#endif
