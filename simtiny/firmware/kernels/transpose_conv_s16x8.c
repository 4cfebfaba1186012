/* TRANSPOSE_CONV 16x8: output pixel (oy, ox) takes input pixel (iy, ix) through filter tap (fy, fx)
 * where iy * stride - pad + fy = oy (and likewise across), as in transpose_conv_s8.c; each product
 * fits an int32, the sums are int64 as LiteRT keeps them. */
#include "transpose_conv_s16x8.h"

#include "st_dot_s16x8.h"
#include "st_quant.h"

/* One input pixel through one filter tap into every output channel's int64 sum. */
static void product(const int16_t *x, const int8_t *w, int32_t in_c, int32_t out_c, int32_t step, int64_t *acc) {
    for (int32_t c = 0; c < out_c; c++, w += step) acc[c] += st_dot_s16x8(x, w, in_c);
}

void st_transpose_conv_s16x8(const st_transpose_conv_s16x8_params *q, const int16_t *input, int16_t *output,
                             int64_t *acc) {
    const st_transpose_conv_params *p = &q->geometry;
    const int32_t in_c = p->in_c, out_c = p->out_c, step = p->filter_h * p->filter_w * in_c;
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                for (int32_t c = 0; c < out_c; c++) acc[c] = q->bias ? q->bias[c] : 0;
                ST_TRANSPOSE_CONV_TAPS(p, input, int16_t, b, oy, ox, product(x, w, in_c, out_c, step, acc));
                for (int32_t c = 0; c < out_c; c++) {
                    int32_t v = st_requantize_int64(acc[c], p->multiplier[c], p->shift[c]);
                    v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
                    *output++ = (int16_t)v;
                }
            }
        }
    }
}
