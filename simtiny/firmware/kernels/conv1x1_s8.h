/* CONV_2D with a 1x1 filter and stride 1 (pointwise), int8: a per-pixel dot product over the
 * input channels, out of place or in place (the output written over the input's buffer). */
#ifndef ST_CONV1X1_S8_H
#define ST_CONV1X1_S8_H

#include <stdint.h>

#include "st_channel.h"

/* The largest pixels per block (the code generator's POINTWISE_BLOCK): conv1x1_s8 keeps a block's
 * accumulators on the stack. */
#define ST_CONV1X1_MAX_BLOCK 8

typedef struct {
    int32_t pixels;            /* batches * height * width */
    int16_t input_c, output_c; /* int16: small structs in flash (larger ones are refused) */
    int16_t output_offset;     /* output zero point */
    int8_t act_min, act_max;
    int16_t bounded;           /* 1: the code generator bounded the accumulators (st_requantize_bounded) */
    int16_t block;             /* pixels per block, 1 to ST_CONV1X1_MAX_BLOCK */
    st_channel_params channels; /* bias (never 0) and requantisation, per output channel */
} st_conv1x1_params;

/* filter: output channels in pairs (a zero row completes an odd last pair), each pair's two
 * rows zero-padded to c4 = input_c rounded up to a multiple of 4 and interleaved four input
 * channels at a time: [c4 / 4][2][4]; pair k starts at 2 * k * c4. The channels' bias already holds the input offset's share:
 * bias[oc] + input_offset * sum_c w[oc][c], modulo 2^32, so the kernel sums w * x. */
/* scratch (4-byte aligned) holds a block's inputs widened to int16: 4 * c4 * ceil(block / 2)
 * bytes, c4 = input_c rounded up to a multiple of 4. */
void st_conv1x1_s8(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                   int8_t *output, void *scratch);
void st_conv1x1_s8_shifts(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                          int8_t *output, void *scratch);

/* The same with the output over the input: buffer holds the input (pixels * input_c bytes)
 * and receives the output (pixels * output_c bytes); scratch as above. */
void st_conv1x1_s8_inplace(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                           void *scratch);
void st_conv1x1_s8_inplace_shifts(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                                  void *scratch);

#endif
