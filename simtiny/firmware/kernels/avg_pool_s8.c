/* AVERAGE_POOL_2D int8: LiteRT reference_integer_ops::AveragePool. The window is clipped to
 * the image (st_window.h); the sum of its raw int8 values is divided by the number of values it
 * covers, rounding half away from zero, then clamped to the activation. */
#include "avg_pool_s8.h"

static inline int32_t rounded_average(int32_t acc, int32_t count) {
    /* C division truncates toward zero, as in the reference */
    return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

static inline int32_t window_average(const int8_t *corner, int32_t rows, int32_t cols, int32_t row_step,
                                     int32_t depth) {
    const int32_t count = rows * cols;
    int32_t acc = 0;
    for (int32_t fy = 0; fy < rows; fy++) {
        for (int32_t fx = 0; fx < cols; fx++) acc += corner[fy * row_step + fx * depth];
    }
    return rounded_average(acc, count);
}

void st_avg_pool_s8(const st_pool_params *p, const int8_t *input, int8_t *output) {
    st_pool_walk(p, input, output, window_average);
}

/* A window that covers the whole image (the code generator checks it): one output pixel, each
 * channel the average of all the pixels. A kernel of its own, a loop where the general one walks
 * windows: networks end on such a pool, and link only this one. */
void st_avg_pool_s8_global(const st_pool_params *p, const int8_t *input, int8_t *output) {
    const int32_t pixels = p->input_h * p->input_w, depth = p->depth;
    for (int32_t b = 0; b < p->batches; b++, input += pixels * depth, output += depth) {
        for (int32_t c = 0; c < depth; c++) {
            int32_t acc = 0;
            for (int32_t i = 0; i < pixels; i++) acc += input[i * depth + c];
            output[c] = (int8_t)st_clamp(rounded_average(acc, pixels), p->act_min, p->act_max);
        }
    }
}
