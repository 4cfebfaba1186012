/* L2_POOL_2D: the squares summed in the reference's order (rows, then columns), divided by the
 * count, the square root (VSQRT), then std::min(std::max(v, min), max). */
#include "l2_pool_f32.h"

void st_l2_pool_f32(const st_l2_pool_params *params, const float *input, float *output) {
    const st_pool_params *p = &params->window;
    const int32_t depth = p->depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const float *image = input + b * p->input_h * p->input_w * depth;
        for (int32_t oy = 0; oy < p->output_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t fy0, fy1; /* the window's rows inside the image */
            st_window_taps(y0, 1, p->filter_h, p->input_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < p->output_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int32_t fx0, fx1;
                st_window_taps(x0, 1, p->filter_w, p->input_w, &fx0, &fx1);
                for (int32_t c = 0; c < depth; c++) {
                    float sum = 0.0f;
                    int32_t count = 0;
                    for (int32_t fy = fy0; fy < fy1; fy++) {
                        const float *row = image + ((y0 + fy) * p->input_w + x0) * depth + c;
                        for (int32_t fx = fx0; fx < fx1; fx++) {
                            const float v = row[fx * depth];
                            sum += v * v;
                            count++;
                        }
                    }
                    float v = __builtin_sqrtf(sum / (float)count);
                    v = v < params->act_min ? params->act_min : v;
                    *output++ = params->act_max < v ? params->act_max : v;
                }
            }
        }
    }
}
