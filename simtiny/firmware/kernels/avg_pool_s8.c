/* AVERAGE_POOL_2D int8: LiteRT reference_integer_ops::AveragePool. The window is clipped to
 * the image (st_window.h); the sum of its raw int8 values is divided by the number of values it
 * covers, rounding half away from zero, then clamped to the activation. */
#include "avg_pool_s8.h"

static inline int32_t window_average(const int8_t *corner, int32_t rows, int32_t cols, int32_t row_step,
                                     int32_t depth) {
    const int32_t count = rows * cols;
    int32_t acc = 0;
    for (int32_t fy = 0; fy < rows; fy++) {
        for (int32_t fx = 0; fx < cols; fx++) acc += corner[fy * row_step + fx * depth];
    }
    /* C division truncates toward zero, as in the reference */
    return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

void st_avg_pool_s8(const st_pool_params *p, const int8_t *input, int8_t *output) {
    st_pool_walk(p, input, output, window_average);
}
