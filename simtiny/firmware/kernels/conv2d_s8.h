/* CONV_2D, int8 activations, int8 weights OHWI (per-tensor or per-channel), int32 bias (st_channel.h), groups. */
#ifndef ST_CONV2D_S8_H
#define ST_CONV2D_S8_H

#include <stdint.h>

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


/* One group with accumulators bounded by the code generator: output pixels gathered two at a
 * time into int16 columns (k4 = filter_h * filter_w * filter_c rounded up to a multiple of 4;
 * scratch: 2 * k4 int16, or none, the columns on the stack, when k4 <= ST_CONV_COLUMNS_STACK_TAPS,
 * as in first layers), the filter reordered (conv2d_s8.c). */
#define ST_CONV_COLUMNS_STACK_TAPS 28
void st_conv2d_s8_columns(const st_conv2d_params *p, const int8_t *input, const int8_t *filter,
                          int8_t *output, int16_t *scratch);
void st_conv2d_s8_columns_shifts(const st_conv2d_params *p, const int8_t *input, const int8_t *filter,
                                 int8_t *output, int16_t *scratch);

#endif
