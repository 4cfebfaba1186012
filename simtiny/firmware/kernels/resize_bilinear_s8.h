/* RESIZE_BILINEAR int8 NHWC (LiteRT reference_ops::ResizeBilinear for int8): each output value
 * interpolated from four input values with 10-bit fixed-point weights, rounded half away from
 * zero, in the stored values themselves (LiteRT rescales nothing). */
#ifndef ST_RESIZE_BILINEAR_S8_H
#define ST_RESIZE_BILINEAR_S8_H

#include <stdint.h>

typedef struct {
    int16_t batches, input_h, input_w, output_h, output_w, depth;
    const int32_t *rows; /* per output row: y0, y1, and its weight input_y - 1024 * y0 */
    const int32_t *cols; /* per output column: x0, x1, and its weight */
} st_resize_bilinear_params;

void st_resize_bilinear_s8(const st_resize_bilinear_params *p, const int8_t *input, int8_t *output);

#endif
