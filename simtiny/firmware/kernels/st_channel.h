/* Per-output-channel parameters of the convolutions and FULLY_CONNECTED (bias, requantisation
 * multiplier and shift) in the compact form simtiny stores in flash. Each encoding is
 * lossless: the kernels decode exactly the int32 bias and (multiplier, shift) pairs of LiteRT.
 *
 * bias: bias_bytes (1 to 4) bytes per channel, little-endian two's complement, after
 *   4 - bias_bytes pad bytes, so channel c's value is the top bias_bytes bytes of the 4-byte
 *   word at bias + c * bias_bytes (one unaligned load and an arithmetic shift). 0: no bias.
 * requant: per channel (one for all when per_channel is 0):
 *   Packed (the usual case), one 32-bit word: TFLite's multipliers lie in [2^30, 2^31), so bit
 *   30 is always set and bit 31 clear; the word holds the multiplier with those two bits
 *   replaced by shift - shift_base (0 to 3).
 *   Apart, for layers with negative or zero multipliers or shifts spanning more than four
 *   values: the word count n, then n multipliers, then n int8 shifts packed four to a word (so
 *   that no layer's struct carries a pointer to a shift array). A kernel source compiled with
 *   ST_CHANNEL_SHIFTS defined (its *_shifts.c twin) reads this form; the code generator picks
 *   the twin per layer, so neither build carries a branch for the other's layout. */
#ifndef ST_CHANNEL_H
#define ST_CHANNEL_H

#include <stdint.h>

#include "st_quant.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "st_channel.h decodes little-endian parameter blobs"
#endif

typedef struct {
    const uint8_t *bias;     /* 0: no bias */
    const uint32_t *requant;
    int8_t bias_bytes;       /* 1 to 4 */
    int8_t shift_base;
    int8_t per_channel;
} st_channel_params;

/* Channel oc's bias (0 without one). */
static inline int32_t st_channel_bias(const st_channel_params *c, int32_t oc) {
    if (!c->bias) return 0;
    uint32_t word;
    __builtin_memcpy(&word, c->bias + oc * c->bias_bytes, 4); /* one LDR on the Cortex-M7 */
    return (int32_t)word >> (32 - 8 * c->bias_bytes);
}

/* Channel oc's multiplier and shift, as TFLite's QuantizeMultiplier gave them. */
static inline void st_channel_requant(const st_channel_params *c, int32_t oc, int32_t *multiplier,
                                      int32_t *shift) {
    const int32_t q = c->per_channel ? oc : 0;
#if defined(ST_CHANNEL_SHIFTS)
    const uint32_t n = c->requant[0];
    *multiplier = (int32_t)c->requant[1 + q];
    *shift = ((const int8_t *)(c->requant + 1 + n))[q];
#else
    const uint32_t word = c->requant[q];
    *multiplier = (int32_t)((word & 0x3FFFFFFFu) | 0x40000000u);
    *shift = c->shift_base + (int32_t)(word >> 30);
#endif
}

/* Channel oc's int8 output from its accumulator (bias included): requantised with the
 * convolutions' double rounding, offset by the output zero point, clamped to the activation. */
static inline int8_t st_channel_output(const st_channel_params *c, int32_t oc, uint32_t acc, int32_t output_offset,
                                       int32_t act_min, int32_t act_max) {
    int32_t mult, shift;
    st_channel_requant(c, oc, &mult, &shift);
    const int32_t v = st_requantize_double((int32_t)acc, mult, shift) + output_offset;
    return (int8_t)st_clamp(v, act_min, act_max);
}

/* Channel oc's requantisation for st_requantize_bounded (layers the code generator bounded). */
static inline st_requant_bounded st_channel_requant_bounded(const st_channel_params *c, int32_t oc) {
    int32_t mult, shift;
    st_channel_requant(c, oc, &mult, &shift);
    return st_requant_bounded_make(mult, shift);
}

/* Channel oc's requantisation for st_requantize_fast (layers the code generator proved fast). */
static inline st_requant_fast st_channel_requant_fast(const st_channel_params *c, int32_t oc, int32_t output_offset) {
    int32_t mult, shift;
    st_channel_requant(c, oc, &mult, &shift);
    return st_requant_fast_make(mult, shift, output_offset);
}

/* The channels' bias and st_requantize_fast requantisation read a channel at a time, in
 * order: the fast kernels' per-channel set-up. The packed form walks its arrays, with no
 * multiply a channel as st_channel_bias and st_channel_requant take (add = (1 << (right - 1)) +
 * (offset << right) = ((2 * offset + 1) << right) / 2); no bias reads a zero word shifted by 32;
 * its fields are in the order the depthwise plane kernels' assembly reads them. The
 * shifts-apart form counts the channels. */
#if defined(ST_CHANNEL_SHIFTS)
typedef struct {
    const st_channel_params *c;
    int32_t oc, output_offset;
} st_channel_walk;

static inline st_channel_walk st_channel_walk_start(const st_channel_params *c, int32_t output_offset) {
    const st_channel_walk w = {c, 0, output_offset};
    return w;
}

/* The next channel's bias; its requantisation into q. */
static inline uint32_t st_channel_walk_next(st_channel_walk *w, st_requant_fast *q) {
    *q = st_channel_requant_fast(w->c, w->oc, w->output_offset);
    return (uint32_t)st_channel_bias(w->c, w->oc++);
}

/* Past the next channel (one the kernel takes another way). */
static inline void st_channel_walk_skip(st_channel_walk *w) {
    w->oc++;
}
#else
typedef struct {
    const uint8_t *bias;
    int32_t bias_bytes, bias_shift;
    const uint32_t *requant;
    int32_t requant_step; /* bytes: 4, or 0 where one requantisation serves every channel */
    int32_t right0, odd_offset;
} st_channel_walk;

static inline st_channel_walk st_channel_walk_start(const st_channel_params *c, int32_t output_offset) {
    static const uint8_t no_bias[4] = {0, 0, 0, 0};
    const int32_t bias_bytes = c->bias ? c->bias_bytes : 0;
    const st_channel_walk w = {c->bias ? c->bias : no_bias, bias_bytes,           32 - 8 * bias_bytes,
                               c->requant,                   c->per_channel ? 4 : 0, -c->shift_base,
                               2 * output_offset + 1};
    return w;
}

/* The next channel's bias; its requantisation into q. */
static inline uint32_t st_channel_walk_next(st_channel_walk *w, st_requant_fast *q) {
    uint32_t bias = 0;
    if (w->bias_bytes) __builtin_memcpy(&bias, w->bias, 4), bias = (uint32_t)((int32_t)bias >> w->bias_shift);
    w->bias += w->bias_bytes;
    const uint32_t word = *w->requant;
    w->requant = (const uint32_t *)(const void *)((const uint8_t *)w->requant + w->requant_step);
    q->mult = (int32_t)((word & 0x3FFFFFFFu) | 0x40000000u);
    q->right = w->right0 - (int32_t)(word >> 30);
    q->add = (int32_t)((uint32_t)w->odd_offset << q->right) >> 1;
    return bias;
}

/* Past the next channel (one the kernel takes another way). */
static inline void st_channel_walk_skip(st_channel_walk *w) {
    w->bias += w->bias_bytes;
    w->requant = (const uint32_t *)(const void *)((const uint8_t *)w->requant + w->requant_step);
}
#endif

/* st_channel_output's twin for bounded accumulators: requantised by st_requantize_bounded,
 * offset by the output zero point, clamped to the activation. */
static inline int8_t st_bounded_output(const st_requant_bounded *rq, uint32_t acc, int32_t output_offset,
                                       int32_t act_min, int32_t act_max) {
    return (int8_t)st_clamp(st_requantize_bounded((int32_t)acc, rq) + output_offset, act_min, act_max);
}

/* A kernel's exported name in this build: name, or name_shifts for the shifts-apart twin. */
#if defined(ST_CHANNEL_SHIFTS)
#define ST_CHANNEL_KERNEL(name) name##_shifts
#else
#define ST_CHANNEL_KERNEL(name) name
#endif

#endif
