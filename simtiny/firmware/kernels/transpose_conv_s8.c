/* TRANSPOSE_CONV int8: output pixel (oy, ox) takes input pixel (iy, ix) through filter tap
 * (fy, fx) where iy * stride - pad + fy = oy (and likewise across), as LiteRT scatters it. */
#include "transpose_conv_s8.h"

#include "st_quant.h"

/* The input rows (or columns) that reach output row o through tap f: o + pad - f, divided by the
 * stride when it divides it, inside the input; -1 otherwise. */
static int32_t source(int32_t o, int32_t f, int32_t pad, int32_t stride, int32_t size) {
    const int32_t t = o + pad - f;
    if (t < 0 || t % stride) return -1;
    return t / stride < size ? t / stride : -1;
}

void st_transpose_conv_s8(const st_transpose_conv_params *p, const int8_t *input, int8_t *output, int32_t *acc) {
    const int32_t in_c = p->in_c, out_c = p->out_c;
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                for (int32_t c = 0; c < out_c; c++) acc[c] = 0;
                for (int32_t fy = 0; fy < p->filter_h; fy++) {
                    const int32_t iy = source(oy, fy, p->pad_h, p->stride_h, p->in_h);
                    if (iy < 0) continue;
                    for (int32_t fx = 0; fx < p->filter_w; fx++) {
                        const int32_t ix = source(ox, fx, p->pad_w, p->stride_w, p->in_w);
                        if (ix < 0) continue;
                        const int8_t *x = input + ((b * p->in_h + iy) * p->in_w + ix) * in_c;
                        const int8_t *w = p->filter + (fy * p->filter_w + fx) * in_c;
                        for (int32_t c = 0; c < out_c; c++, w += p->filter_h * p->filter_w * in_c) {
                            int32_t sum = 0;
                            for (int32_t k = 0; k < in_c; k++) sum += (x[k] + p->input_offset) * w[k];
                            acc[c] += sum;
                        }
                    }
                }
                for (int32_t c = 0; c < out_c; c++) {
                    const int32_t total = acc[c] + (p->bias ? p->bias[c] : 0);
                    int32_t v = st_requantize_double(total, p->multiplier[c], p->shift[c]) + p->output_offset;
                    v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
                    *output++ = (int8_t)v;
                }
            }
        }
    }
}
