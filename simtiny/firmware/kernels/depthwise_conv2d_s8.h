/* DEPTHWISE_CONV_2D, int8 activations, int8 weights 1HWC (per-tensor or per-channel), int32 bias (st_channel.h). */
#ifndef ST_DEPTHWISE_CONV2D_S8_H
#define ST_DEPTHWISE_CONV2D_S8_H

#include <stdint.h>

#include "st_channel.h"

/* int16 and int8 fields keep the per-layer structs small in flash (the code generator refuses
 * larger values); the kernels widen them to int32 before any product. */
/* Each kernel comes in four builds, named by suffix: "" and "_shifts" (st_channel.h) for layers
 * whose padded and small kernels may requantise with st_requantize_fast (the code generator
 * proves it exact), "_general" and "_general_shifts" (st_requantize_bounded) for the others. */
#if defined(ST_DW_GENERAL)
#define ST_DW_KERNEL(name) ST_CHANNEL_KERNEL(name##_general)
#else
#define ST_DW_KERNEL(name) ST_CHANNEL_KERNEL(name)
#endif

typedef struct {
    int16_t batches, input_h, input_w, input_c;
    int16_t output_h, output_w;
    int16_t input_offset;      /* -input zero point (LiteRT ignores the filter zero point) */
    int16_t output_offset;     /* output zero point */
    int16_t act_min, act_max;
    int16_t band;              /* output rows per band of the padded in-place kernels (0 elsewhere) */
    int8_t filter_h, filter_w; /* int8: the code generator refuses more than 127 */
    int8_t depth_multiplier;   /* output channels = input_c * depth_multiplier */
    int8_t stride_h, stride_w, dilation_h, dilation_w;
    int8_t pad_h, pad_w;       /* padding before the first row / column */
    int8_t quads;              /* quads of channels a pass of the quads kernel (0: all) */
    st_channel_params channels; /* bias (may be absent) and requantisation per output channel */
} st_depthwise_conv2d_params;

/* A kernel's four builds (see ST_DW_KERNEL), over the input (out of place) or in place. */
#define ST_DW_DECLARE(name, ...)                                                                   \
    void name(__VA_ARGS__);                                                                        \
    void name##_shifts(__VA_ARGS__);                                                               \
    void name##_general(__VA_ARGS__);                                                              \
    void name##_general_shifts(__VA_ARGS__);
#define ST_DW_DECLARE_INPLACE(name)                                                                \
    ST_DW_DECLARE(name, const st_depthwise_conv2d_params *p, int8_t *buffer, const int8_t *filter, int8_t *scratch)

ST_DW_DECLARE(st_depthwise_conv2d_s8, const st_depthwise_conv2d_params *p, const int8_t *input,
              const int8_t *filter, int8_t *output)
/* The same for a depth multiplier of 4 or more: four output channels a pass over the taps. */
ST_DW_DECLARE(st_depthwise_conv2d_s8_multiplier, const st_depthwise_conv2d_params *p, const int8_t *input,
              const int8_t *filter, int8_t *output)

/* The same with the output over the input (depth_multiplier 1 only): buffer holds the input
 * and receives the output; scratch holds input_h * input_w bytes (one channel plane). */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace)

/* In place too, for dilation 1, stride_w 1 or 2, output_w <= input_w and pad_h < filter_h,
 * where the code generator has bounded the accumulators (st_requantize_bounded): each plane's
 * rows are widened into zero-padded int16 rows, for p->band output rows at a time. scratch
 * (4-byte aligned) holds rows * cols int16, then 2 * filter_h * pairs words of tap pairs (read
 * with the DSP extension): pairs = filter_w / 2 + 1 (stride_w 1) or (filter_w + 1) / 2 (stride_w 2),
 * w4 = output_w rounded up to a multiple of 4, cols = w4 + 2 * (filter_w / 2) (stride_w 1) or
 * 2 * w4 + 2 * pairs - 2 (stride_w 2), rows = (band - 1) * stride_h + filter_h. One kernel per filter
 * (filter_h x filter_w, stride_w): */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_3x3s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_3x3s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_5x5s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_5x5s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_7x7s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_7x7s2)
/* The same 2 * max(p->quads, 1) channels at a time ("planes" a pass; input_c even), each input
 * word read serving two and each input row's cache lines all of them: scratch holds the planes'
 * rows * cols int16, then their tap pairs, then their biases and requantisations
 * (ST_DW_SMALL_CHANNEL_BYTES each). */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_3x3s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_3x3s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_5x5s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_5x5s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_7x7s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_7x7s2)
/* The same for a narrow layer run transposed (square filter and strides): the image goes
 * transposed into scratch, which holds input_h * input_w * input_c bytes (rounded up to 4) before
 * the planes, the filter comes transposed, and band counts the transposed rows. */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_t_3x3s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_t_3x3s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_t_5x5s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_t_5x5s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_t_7x7s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded_t_7x7s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_t_3x3s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_t_3x3s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_t_5x5s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_t_5x5s2)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_t_7x7s1)
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_padded2_t_7x7s2)

/* In place too, for dilation 1 and bounded accumulators, on planes small beside the filter:
 * scratch (4-byte aligned) holds the whole input image (input_h * input_w * input_c bytes,
 * rounded up to a multiple of 4), then each channel's bias and requantisation, decoded once:
 * 16 bytes a channel in the fast builds, 24 in the general ones (ST_DW_SMALL_CHANNEL_BYTES),
 * then a window's list of in-image taps: 8 * min(filter_h, input_h) * min(filter_w, input_w) + 8
 * bytes (a pair of words a tap, and the pair the assembly reads past the last). */
#if defined(ST_DW_GENERAL)
#define ST_DW_SMALL_CHANNEL_BYTES 24
#else
#define ST_DW_SMALL_CHANNEL_BYTES 16
#endif
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_small)
/* The same, for input_c a multiple of 4 (four channels a step with the DSP extension). */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_small4)

/* In place too, for 3x3 filters over 2x2 planes, stride 1, padding 1 (SAME), dilation 1, depth
 * multiplier 1, bounded accumulators: each output sums four taps, one channel at a time, its
 * inputs read before its outputs overwrite them (no scratch). */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_2x2)
/* The same over 4x4 planes (a channel's sixteen inputs read before its outputs overwrite them). */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_4x4)

/* In place too, for 3x3 filters, dilation 1, input_c a multiple of 4, output_w <= input_w,
 * pad_h < 3 and layers that requantise with st_requantize_fast (fast builds only): four channels
 * in SIMD lanes, p->quads quads of channels a pass (0: all), p->band output rows at a time.
 * scratch (4-byte aligned) holds a pass's planes, rows * cols pairs of int16 pairs each (rows =
 * (band - 1) * stride_h + 3, cols = (output_w - 1) * stride_w + 3: 8 * rows * cols bytes), then 152
 * bytes a quad of the pass (its taps, biases and requantisation). */
ST_DW_DECLARE_INPLACE(st_depthwise_conv2d_s8_inplace_quads_3x3)

#endif
