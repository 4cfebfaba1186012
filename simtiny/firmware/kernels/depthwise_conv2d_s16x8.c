/* DEPTHWISE_CONV_2D 16x8: LiteRT's reference_integer_ops::DepthwiseConvPerChannel for int16 input.
 * Each output channel (input channel c, multiplier m: c * M + m) is the int64 sum of its filter
 * taps times the input inside the image, plus the bias, requantised by st_requantize_int64 (the
 * same int64 MultiplyByQuantizedMultiplier as CONV_2D 16x8) and clamped. The taps inside the
 * image are found once per output pixel, each filter row's products summed in int32. */
#include "depthwise_conv2d_s16x8.h"

#include "st_quant.h"

void st_depthwise_conv2d_s16x8(const st_depthwise_conv2d_s16x8_params *p, const int16_t *input,
                               const int8_t *filter, int16_t *output) {
    const int32_t in_h = p->input_h, in_w = p->input_w, in_c = p->input_c, mult = p->depth_multiplier;
    const int32_t out_c = in_c * mult, dh = p->dilation_h, dw = p->dilation_w;
    for (int32_t b = 0; b < p->batches; b++) {
        const int16_t *image = input + b * in_h * in_w * in_c;
        for (int32_t oy = 0; oy < p->output_h; oy++) {
            const int32_t y0 = oy * p->stride_h - p->pad_h;
            /* the filter rows inside the image: y0 + fy * dh in [0, in_h) */
            int32_t fy0 = 0, fy1 = p->filter_h;
            while (fy0 < fy1 && y0 + fy0 * dh < 0) fy0++;
            while (fy1 > fy0 && y0 + (fy1 - 1) * dh >= in_h) fy1--;
            for (int32_t ox = 0; ox < p->output_w; ox++) {
                const int32_t x0 = ox * p->stride_w - p->pad_w;
                int32_t fx0 = 0, fx1 = p->filter_w;
                while (fx0 < fx1 && x0 + fx0 * dw < 0) fx0++;
                while (fx1 > fx0 && x0 + (fx1 - 1) * dw >= in_w) fx1--;
                /* the first tap inside the image, and the steps between taps, in the image and the filter */
                const int16_t *x_first = image + ((y0 + fy0 * dh) * in_w + x0 + fx0 * dw) * in_c;
                const int8_t *w_first = filter + (fy0 * p->filter_w + fx0) * out_c;
                const int32_t x_row = dh * in_w * in_c, w_row = p->filter_w * out_c, x_col = dw * in_c;
                const int32_t rows = fy1 - fy0, cols = fx1 - fx0;
                for (int32_t c = 0, oc = 0; c < in_c; c++) {
                    for (int32_t m = 0; m < mult; m++, oc++) {
                        int64_t acc = p->bias ? p->bias[oc] : 0;
                        const int16_t *xr = x_first + c;
                        const int8_t *wr = w_first + oc;
                        for (int32_t r = 0; r < rows; r++, xr += x_row, wr += w_row) {
                            int32_t row = 0; /* at most 127 taps of 2^22: within int32 */
                            for (int32_t k = 0; k < cols; k++) row += (int32_t)wr[k * out_c] * xr[k * x_col];
                            acc += row;
                        }
                        int32_t v = st_requantize_int64(acc, p->multiplier[oc], p->shift[oc]);
                        v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
                        *output++ = (int16_t)v;
                    }
                }
            }
        }
    }
}
