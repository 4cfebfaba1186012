/* CONV_2D, int8 activations, int8 weights OHWI (per-tensor or per-channel), int32 bias (st_channel.h), groups. */
#ifndef ST_CONV2D_S8_H
#define ST_CONV2D_S8_H

#include <stdint.h>

#include "st_channel.h"
#include "st_quant.h"

/* int16 fields keep the per-layer structs small in flash (the code generator refuses larger
 * dimensions); the kernels widen them to int32 before any product. */
typedef struct {
    int16_t batches, input_h, input_w, input_c;
    int16_t filter_h, filter_w, filter_c; /* filter_c = input_c / groups */
    int16_t output_h, output_w, output_c; /* output_c is a multiple of groups */
    int16_t groups;
    int16_t stride_h, stride_w, dilation_h, dilation_w;
    int16_t pad_h, pad_w;      /* padding before the first row / column */
    int16_t input_offset;      /* -input zero point (filter zero points are 0) */
    int16_t output_offset;     /* output zero point */
    int16_t act_min, act_max;
    st_channel_params channels; /* bias (may be absent) and requantisation per output channel */
} st_conv2d_params;

void st_conv2d_s8(const st_conv2d_params *p, const int8_t *input, const int8_t *filter,
                  int8_t *output);
void st_conv2d_s8_shifts(const st_conv2d_params *p, const int8_t *input, const int8_t *filter,
                         int8_t *output);

/* Helpers shared by the convolution kernels (conv2d_s8.c, depthwise_conv2d_s8.c). */

/* Taps [*lo, *hi) of a filter of `size` taps whose positions origin + k * dilation lie in
 * [0, limit): the window clipped to the image, so the inner loops need no bounds checks. */
static inline void st_conv_tap_range(int32_t origin, int32_t dilation, int32_t size, int32_t limit,
                                     int32_t *lo, int32_t *hi) {
    int32_t a = 0, b = size;
    while (a < b && origin + a * dilation < 0) a++;
    while (b > a && origin + (b - 1) * dilation >= limit) b--;
    *lo = a;
    *hi = b;
}

/* LiteRT's convolutions requantise with gemmlowp's double rounding (measured on the
 * ai-edge-litert wheel: TFLITE_SINGLE_ROUNDING is not in effect for CONV_2D and
 * DEPTHWISE_CONV_2D): x << left_shift (wrapping, as the compiled int32 multiply does),
 * a rounding doubling high multiply, then a rounding right shift. shift in [-31, 30].
 * The high multiply is st_sat_rounding_doubling_high_mul in fewer instructions: with
 * ab = a * b, gemmlowp's (ab + (ab >= 0 ? 2^30 : 1 - 2^30)) / 2^31, truncated toward zero,
 * equals floor((ab + 2^30) / 2^31) for either sign of ab (for ab < 0 the truncation adds
 * 2^31 - 1 before flooring, and 1 - 2^30 + 2^31 - 1 = 2^30). */
static inline int32_t st_conv_requantize(int32_t x, int32_t multiplier, int32_t shift) {
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    const int32_t scaled = (int32_t)((uint32_t)x << left);
    int32_t high;
    if (scaled == INT32_MIN && multiplier == INT32_MIN) {
        high = INT32_MAX; /* the one product that does not fit */
    } else {
        /* >> of a negative int64 is an arithmetic shift with gcc and clang (floor) */
        high = (int32_t)(((int64_t)scaled * (int64_t)multiplier + (1LL << 30)) >> 31);
    }
    return st_rounding_divide_by_pot(high, right);
}

#endif
