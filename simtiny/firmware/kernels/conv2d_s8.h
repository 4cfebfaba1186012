/* CONV_2D, int8 activations, int8 weights OHWI (per-tensor or per-channel), int32 bias (st_channel.h), groups. */
#ifndef ST_CONV2D_S8_H
#define ST_CONV2D_S8_H

#include <stdint.h>

#include "conv1x1_s8.h"
#include "st_channel.h"
#include "st_quant.h"
#include "st_window.h"

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

/* One group, gemm.block output pixels at a time: each pair of pixels' windows gathered as int8
 * taps (filter_h * filter_w * input_c of them, the filter's order) and widened in place to the
 * pointwise kernel's layout, then the block convolved by `block` (the build of
 * st_conv1x1_widened for the layer, fast or general) over the taps, whose parameters gemm
 * holds (pixels: every output pixel; input_c: the taps; filter, bias and requantisation as
 * conv1x1_s8.h lays them out, the bias holding the input offset's share of every tap).
 * scratch: st_conv1x1_widened's for a block (4-byte aligned), or none (0) when a block of two
 * pixels of at most 40 taps (160 bytes) goes on the stack, as in first layers. */
typedef struct {
    st_conv1x1_params gemm;
    int16_t input_h, input_w, input_c;
    int16_t filter_h, filter_w;
    int16_t output_h, output_w;
    int16_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int16_t pad_value; /* the input zero point */
} st_conv2d_columns_params;

#define ST_CONV_COLUMNS_STACK_BYTES 160
/* One kernel per way of gathering a window (the code generator picks it): _words where input_c
 * is a multiple of 4 (a word per four channels of a pixel), _rows9 where the window is three rows
 * of nine taps (filter_w * input_c = 9: a 3x3 over RGB), the plain one for any other layer. Each
 * in the channel twins of st_channel.h. */
#define ST_CONV_COLUMNS_DECLARE(name)                                                                          \
    void name(const st_conv2d_columns_params *p, const int8_t *input, const int8_t *filter, int8_t *output,    \
              void *scratch, st_conv1x1_block_fn *block);                                                       \
    void name##_shifts(const st_conv2d_columns_params *p, const int8_t *input, const int8_t *filter,           \
                       int8_t *output, void *scratch, st_conv1x1_block_fn *block);
ST_CONV_COLUMNS_DECLARE(st_conv2d_s8_columns)
ST_CONV_COLUMNS_DECLARE(st_conv2d_s8_columns_words)
ST_CONV_COLUMNS_DECLARE(st_conv2d_s8_columns_rows9)

#endif
