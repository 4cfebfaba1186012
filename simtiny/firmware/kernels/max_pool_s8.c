/* MAX_POOL_2D int8: LiteRT reference_integer_ops::MaxPool. The window is clipped to the
 * image (padding never wins the maximum); the raw int8 maximum is clamped to the activation. */
#include "max_pool_s8.h"

void st_max_pool_s8(const st_pool_params *p, const int8_t *input, int8_t *output) {
    const int32_t depth = p->depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *image = input + b * p->input_h * p->input_w * depth;
        for (int32_t oy = 0; oy < p->output_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            const int32_t fy_start = y0 < 0 ? -y0 : 0;
            const int32_t fy_end = p->filter_h < p->input_h - y0 ? p->filter_h : p->input_h - y0;
            for (int32_t ox = 0; ox < p->output_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                const int32_t fx_start = x0 < 0 ? -x0 : 0;
                const int32_t fx_end = p->filter_w < p->input_w - x0 ? p->filter_w : p->input_w - x0;
                for (int32_t c = 0; c < depth; c++) {
                    int32_t max = -128;
                    for (int32_t fy = fy_start; fy < fy_end; fy++) {
                        const int8_t *row = image + ((y0 + fy) * p->input_w + x0 + fx_start) * depth + c;
                        for (int32_t fx = 0; fx < fx_end - fx_start; fx++) {
                            const int32_t v = row[fx * depth];
                            if (v > max) max = v;
                        }
                    }
                    if (max < p->act_min) max = p->act_min;
                    if (max > p->act_max) max = p->act_max;
                    *output++ = (int8_t)max;
                }
            }
        }
    }
}
