/* MAX_POOL_2D int8, NHWC; also declares the window geometry AVERAGE_POOL_2D shares. */
#ifndef ST_MAX_POOL_S8_H
#define ST_MAX_POOL_S8_H

#include <stdint.h>

#include "st_quant.h"
#include "st_window.h"

typedef struct {
    int32_t batches, input_h, input_w, depth;
    int32_t output_h, output_w;
    int32_t stride_h, stride_w;
    int32_t filter_h, filter_w;
    int32_t pad_h, pad_w;      /* padding before the first row / column (SAME) */
    int32_t act_min, act_max;  /* fused activation, in output quanta */
} st_pool_params;

/* The pools' windows: no dilation, as many output channels as input channels. */
static inline st_window_shape st_pool_shape(const st_pool_params *p) {
    const st_window_shape s = {p->batches,  p->input_h,  p->input_w, p->depth, p->output_h, p->output_w,
                               p->depth,    p->filter_h, p->filter_w, p->stride_h, p->stride_w, 1,
                               1,           p->pad_h,    p->pad_w};
    return s;
}

/* One channel of one window: rows x cols values, row_step and depth elements apart; the value
 * to write before the activation clamp. */
typedef int32_t (*st_pool_reduce)(const int8_t *corner, int32_t rows, int32_t cols, int32_t row_step, int32_t depth);

/* Every output pixel and channel of a pool: reduce() over its window clipped to the image, then
 * the activation clamp. Inlined with a constant reduce function (like st_broadcast_walk). */
static inline void st_pool_walk(const st_pool_params *params, const int8_t *input, int8_t *output,
                                st_pool_reduce reduce) {
    const st_pool_params q = *params; /* in locals: the int8 output stores may alias anything */
    const st_window_shape shape = st_pool_shape(&q);
    const int32_t depth = q.depth, row_step = q.input_w * depth;
    st_window_iter it;
    if (!st_window_begin(&it, &shape, input, output)) return;
    do {
        const st_window *w = &it.w;
        const int8_t *corner = it.image + st_window_origin(w, row_step, depth);
        for (int32_t c = 0; c < depth; c++) {
            const int32_t v = reduce(corner + c, w->y1 - w->y0, w->x1 - w->x0, row_step, depth);
            it.out[c] = (int8_t)st_clamp(v, q.act_min, q.act_max);
        }
    } while (st_window_next(&it));
}

void st_max_pool_s8(const st_pool_params *p, const int8_t *input, int8_t *output);

#endif
