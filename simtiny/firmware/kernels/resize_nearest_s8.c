/* RESIZE_NEAREST_NEIGHBOR: output[b][y][x] = input[b][src_row[y]][src_col[x]], pixel by pixel. */
#include "resize_nearest_s8.h"

void st_resize_nearest_s8(const st_resize_nearest_params *p, const void *input, void *output) {
    const int32_t pixel = p->pixel_bytes;
    const int32_t row_bytes = p->in_width * pixel;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t y = 0; y < p->out_height; y++) {
            const uint8_t *row = in + p->src_row[y] * row_bytes;
            for (int32_t x = 0; x < p->out_width; x++) {
                const uint8_t *src = row + p->src_col[x] * pixel;
                for (int32_t k = 0; k < pixel; k++) out[k] = src[k];
                out += pixel;
            }
        }
        in += p->in_height * row_bytes;
    }
}
