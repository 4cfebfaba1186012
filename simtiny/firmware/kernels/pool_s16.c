/* The int16 pools: per output pixel, the window's rows and columns inside the image; the average
 * rounded half away from zero (C division truncates, as in the reference) or the maximum; the
 * activation clamp. */
#include "pool_s16.h"

static void pool_s16(const st_pool_params *p, const int16_t *input, int16_t *output, int average) {
    const int32_t depth = p->depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int16_t *image = input + b * p->input_h * p->input_w * depth;
        for (int32_t oy = 0; oy < p->output_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            int32_t fy0, fy1; /* the window's rows inside the image */
            st_window_taps(y0, 1, p->filter_h, p->input_h, &fy0, &fy1);
            for (int32_t ox = 0; ox < p->output_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int32_t fx0, fx1;
                st_window_taps(x0, 1, p->filter_w, p->input_w, &fx0, &fx1);
                const int32_t count = (fy1 - fy0) * (fx1 - fx0);
                for (int32_t c = 0; c < depth; c++) {
                    int32_t acc = average ? 0 : INT16_MIN;
                    for (int32_t fy = fy0; fy < fy1; fy++) {
                        const int16_t *row = image + ((y0 + fy) * p->input_w + x0) * depth + c;
                        for (int32_t fx = fx0; fx < fx1; fx++) {
                            const int32_t v = row[fx * depth];
                            if (average) {
                                acc += v;
                            } else if (v > acc) {
                                acc = v;
                            }
                        }
                    }
                    if (average) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    *output++ = (int16_t)st_clamp(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void st_avg_pool_s16(const st_pool_params *p, const int16_t *input, int16_t *output) { pool_s16(p, input, output, 1); }

void st_max_pool_s16(const st_pool_params *p, const int16_t *input, int16_t *output) { pool_s16(p, input, output, 0); }
