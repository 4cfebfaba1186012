/* CONV_2D with a 1x1 filter and stride 1 (pointwise), int8: a per-pixel dot product over the
 * input channels, out of place or in place (the output written over the input's buffer). */
#ifndef ST_CONV1X1_S8_H
#define ST_CONV1X1_S8_H

#include <stdint.h>

#include "st_channel.h"
#include "st_dsp.h"

typedef struct {
    int32_t pixels;            /* batches * height * width */
    int16_t input_c, output_c; /* int16: small structs in flash (larger ones are refused) */
    int16_t output_offset;     /* output zero point */
    int8_t act_min, act_max;
    int16_t block;             /* pixels per block (the scratch holds one block) */
    st_channel_params channels; /* bias (never 0) and requantisation, per output channel */
} st_conv1x1_params;

/* filter: output channels in pairs (a zero row completes an odd last pair), each pair's two
 * rows zero-padded to c4 = input_c rounded up to a multiple of 4 and interleaved four input
 * channels at a time: [c4 / 4][2][4]; pair k starts at 2 * k * c4. The channels' bias already
 * holds the input offset's share: bias[oc] + input_offset * sum_c w[oc][c], modulo 2^32, so
 * the kernel sums w * x.
 * scratch (4-byte aligned) holds a block's inputs widened to int16: 4 * c4 * ceil(block / 2)
 * bytes, per pair of pixels (a lone last pixel pairs with itself) and per four channels the
 * words (a0, a2), (a1, a3), (b0, b2), (b1, b3) (st_widen_group).
 * Each kernel comes in four builds, named by suffix: "" and "_shifts" (st_channel.h) for fast
 * layers (st_requantize_fast), "_general" and "_general_shifts" for the others. */
#if defined(ST_CONV1X1_GENERAL)
#define ST_CONV1X1_KERNEL(name) ST_CHANNEL_KERNEL(name##_general)
#else
#define ST_CONV1X1_KERNEL(name) ST_CHANNEL_KERNEL(name)
#endif

/* The block kernel under the others: the n pixels (n <= block) already widened at wide,
 * convolved into out (output_c apart). Other kernels reuse it on pixels they gather
 * (st_conv2d_s8_columns). */
typedef void st_conv1x1_block_fn(const st_conv1x1_params *p, const uint32_t *wide, int32_t n, const int8_t *filter,
                                 int8_t *out);

/* out of place (output: pixels * output_c bytes), and in place: buffer holds the input
 * (pixels * input_c bytes) and receives the output (pixels * output_c bytes); the "_pairs"
 * entries take each block through st_conv1x1_widened_pairs (a block of one or two pixels its own
 * way, for the models that have such blocks), the others through st_conv1x1_widened; the "_narrow"
 * entries (fast builds only: layers of at most eight input channels) through
 * st_conv1x1_widened_narrow. */
#define ST_CONV1X1_DECLARE(suffix)                                                                              \
    void st_conv1x1_s8##suffix(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,          \
                               int8_t *output, void *scratch);                                                \
    void st_conv1x1_s8_inplace##suffix(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,       \
                                       void *scratch);                                                        \
    void st_conv1x1_s8_pairs##suffix(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,    \
                                     int8_t *output, void *scratch);                                          \
    void st_conv1x1_s8_inplace_pairs##suffix(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter, \
                                             void *scratch);                                                  \
    void st_conv1x1_s8_narrow##suffix(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,   \
                                      int8_t *output, void *scratch);                                         \
    void st_conv1x1_s8_inplace_narrow##suffix(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter, \
                                              void *scratch);                                                 \
    st_conv1x1_block_fn st_conv1x1_widened##suffix;                                                             \
    st_conv1x1_block_fn st_conv1x1_widened_pairs##suffix;                                                       \
    st_conv1x1_block_fn st_conv1x1_widened_narrow##suffix;
ST_CONV1X1_DECLARE()
ST_CONV1X1_DECLARE(_shifts)
ST_CONV1X1_DECLARE(_general)
ST_CONV1X1_DECLARE(_general_shifts)

/* One group of the widened layout: four channels of pixels a and b (va, vb: their int8 bytes
 * in a word) as the words (a0, a2), (a1, a3), (b0, b2), (b1, b3) of int16. */
static inline void st_widen_group(uint32_t va, uint32_t vb, uint32_t *wide) {
#if defined(__ARM_FEATURE_DSP)
    wide[0] = st_sxtb16(va); /* straight to the words (a copy through a local array went by the stack) */
    wide[1] = st_sxtb16_ror8(va);
    wide[2] = st_sxtb16(vb);
    wide[3] = st_sxtb16_ror8(vb);
#else
    int8_t a[4], b[4];
    __builtin_memcpy(a, &va, 4);
    __builtin_memcpy(b, &vb, 4);
    const int16_t h[8] = {a[0], a[2], a[1], a[3], b[0], b[2], b[1], b[3]};
    __builtin_memcpy(wide, h, 16);
#endif
}

#endif
