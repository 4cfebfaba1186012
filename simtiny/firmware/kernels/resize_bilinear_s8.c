/* RESIZE_BILINEAR int8: the rows' and columns' sources and weights come from the code generator
 * (LiteRT's ComputeInterpolationValues, in integers); here the four products per value. Weights
 * lie in [-512, 1023] and their complements in [1, 1536], so each product stays below 2^29 and
 * their sum in int32 (LiteRT's int64 sum of the same values is the same number). */
#include "resize_bilinear_s8.h"

void st_resize_bilinear_s8(const st_resize_bilinear_params *p, const int8_t *input, int8_t *output) {
    const int32_t h = p->input_h, w = p->input_w, depth = p->depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *image = input + b * h * w * depth;
        for (int32_t y = 0; y < p->output_h; y++) {
            const int32_t *row = p->rows + 3 * y;
            const int32_t wy = row[2], vy = 1024 - wy;
            const int8_t *top = image + row[0] * w * depth, *bottom = image + row[1] * w * depth;
            for (int32_t x = 0; x < p->output_w; x++) {
                const int32_t *col = p->cols + 3 * x;
                const int32_t wx = col[2], vx = 1024 - wx;
                const int8_t *a = top + col[0] * depth, *b2 = top + col[1] * depth;
                const int8_t *c2 = bottom + col[0] * depth, *d = bottom + col[1] * depth;
                for (int32_t c = 0; c < depth; c++) {
                    const int32_t sum = a[c] * vy * vx + c2[c] * wy * vx + b2[c] * vy * wx + d[c] * wy * wx;
                    const int32_t round = sum > 0 ? 1 << 19 : -(1 << 19);
                    *output++ = (int8_t)((sum + round) / (1 << 20)); /* C's division truncates, as LiteRT's */
                }
            }
        }
    }
}
