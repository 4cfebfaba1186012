/* MAX_POOL_2D int8: LiteRT reference_integer_ops::MaxPool. The window is clipped to the image
 * (st_window.h: padding never wins the maximum); the raw int8 maximum is clamped to the
 * activation. */
#include "max_pool_s8.h"

static inline int32_t window_max(const int8_t *corner, int32_t rows, int32_t cols, int32_t row_step, int32_t depth) {
    int32_t max = -128;
    for (int32_t fy = 0; fy < rows; fy++) {
        for (int32_t fx = 0; fx < cols; fx++) {
            const int32_t v = corner[fy * row_step + fx * depth];
            if (v > max) max = v;
        }
    }
    return max;
}

void st_max_pool_s8(const st_pool_params *p, const int8_t *input, int8_t *output) {
    st_pool_walk(p, input, output, window_max);
}
