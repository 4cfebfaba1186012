/* Pointwise CONV_2D int8 (TFLite reference ConvPerChannel with a 1x1 filter and stride 1):
 * out[p][oc] = requant(bias[oc] + sum_c w[oc][c] * (x[p][c] + input_offset)). The input
 * offset's share is folded into the bias at code-generation time; sums wrap modulo 2^32 like
 * LiteRT's int32 accumulator, so the folding is exact. Requantisation is gemmlowp's double
 * rounding: st_requantize_bounded and one SSAT where the code generator bounded the
 * accumulators (p->bounded) and the activation spans all of int8, st_requantize_double and the
 * clamp otherwise.
 * Pixels go p->block at a time, first widened into scratch: each pair of pixels as int16, four
 * input channels at a time in the order SXTB16 gives (x0, x2), (x1, x3), the first pixel's then
 * the second's, zero past input_c. Within a block, two output channels at a time (their bias and
 * requantisation decoded once), each over two pixels at a time: each weight word serves two
 * pixels and each input word two output channels. In place, blocks go last to first when the
 * output is wider than the input, first to last otherwise, so a write never lands on a pixel
 * not yet read.
 * On a core with the DSP extension (Cortex-M7) the dot products multiply pairs of int16 halves
 * with SMLAD: SXTB16 splits the weights into their even and odd bytes, which pair up with the
 * widened inputs without any repacking; the accumulators are the same sums modulo 2^32. */
#include "conv1x1_s8.h"

#include "st_dsp.h"
#include "st_quant.h"

/* Output channel oc of the n pixels of a block, from their accumulators (bias included),
 * written output_c apart: the channel's requantisation is decoded once, and its constants stay
 * in registers through the loop. */
static void requant_run(const st_conv1x1_params *p, int32_t oc, const uint32_t *acc, int32_t n, int8_t *o) {
    /* the layer's constants in locals: the int8 stores could alias *p */
    const int32_t cout = p->output_c, offset = p->output_offset, lo = p->act_min, hi = p->act_max;
    int32_t mult, shift;
    st_channel_requant(&p->channels, oc, &mult, &shift);
    if (p->bounded && lo == -128 && hi == 127) { /* the common case: the cheap rounding, one SSAT */
        const st_requant_bounded rq = st_requant_bounded_make(mult, shift);
        for (int32_t i = 0; i < n; i++, o += cout)
            *o = (int8_t)st_ssat8(st_requantize_bounded((int32_t)acc[i], &rq) + offset);
    } else { /* the general double rounding, exact for bounded layers too */
        for (int32_t i = 0; i < n; i++, o += cout)
            *o = (int8_t)st_clamp(st_requantize_double((int32_t)acc[i], mult, shift) + offset, lo, hi);
    }
}

/* Pixels [0, n) at x (input_c apart), widened into wide as the header says: per pair of
 * pixels (a lone last pixel pairs with itself) and per four input channels, the words
 * (a0, a2), (a1, a3), (b0, b2), (b1, b3). */
static void widen(const int8_t *x, int32_t n, int32_t cin, uint32_t *wide) {
    for (int32_t px = 0; px < n; px += 2) {
        const int8_t *xa = x + px * cin, *xb = px + 1 < n ? xa + cin : xa;
        for (int32_t c = 0; c < cin; c += 4, wide += 4) {
            int8_t a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
            if (c + 4 <= cin) {
                __builtin_memcpy(a, xa + c, 4);
                __builtin_memcpy(b, xb + c, 4);
            } else { /* the input_c % 4 tail: zeros past input_c */
                for (int32_t k = 0; c + k < cin; k++) a[k] = xa[c + k], b[k] = xb[c + k];
            }
#if defined(__ARM_FEATURE_DSP)
            uint32_t va, vb;
            __builtin_memcpy(&va, a, 4);
            __builtin_memcpy(&vb, b, 4);
            wide[0] = st_sxtb16(va);
            wide[1] = st_sxtb16_ror8(va);
            wide[2] = st_sxtb16(vb);
            wide[3] = st_sxtb16_ror8(vb);
#else
            const int16_t h[8] = {a[0], a[2], a[1], a[3], b[0], b[2], b[1], b[3]};
            __builtin_memcpy(wide, h, 16);
#endif
        }
    }
}

/* Two output channels (w: their rows, interleaved four input channels at a time) for a widened
 * pair of pixels x: acc = {a.0, b.0, a.1, b.1}, starting from the biases b0 and b1. */
static inline void dot_2x2(const uint32_t *x, const int8_t *w, int32_t groups, uint32_t b0, uint32_t b1,
                           uint32_t acc[4]) {
    uint32_t a0 = b0, a1 = b0, a2 = b1, a3 = b1;
    for (int32_t g = 0; g < groups; g++, x += 4, w += 8) {
#if defined(__ARM_FEATURE_DSP)
        const uint32_t xe = x[0], xo = x[1], ye = x[2], yo = x[3];
        const uint32_t w0 = st_load4(w);
        uint32_t we = st_sxtb16(w0), wo = st_sxtb16_ror8(w0);
        a0 = st_smlad(we, xe, a0);
        a1 = st_smlad(we, ye, a1);
        a0 = st_smlad(wo, xo, a0);
        a1 = st_smlad(wo, yo, a1);
        const uint32_t w1 = st_load4(w + 4);
        we = st_sxtb16(w1);
        wo = st_sxtb16_ror8(w1);
        a2 = st_smlad(we, xe, a2);
        a3 = st_smlad(we, ye, a3);
        a2 = st_smlad(wo, xo, a2);
        a3 = st_smlad(wo, yo, a3);
#else
        int16_t h[8];
        __builtin_memcpy(h, x, 16);
        static const uint8_t lane[4] = {0, 2, 1, 3}; /* h[k] holds channel lane[k] of the group */
        for (int32_t k = 0; k < 4; k++) {
            const int32_t wa = w[lane[k]], wb = w[4 + lane[k]];
            a0 += (uint32_t)(wa * h[k]);
            a1 += (uint32_t)(wa * h[4 + k]);
            a2 += (uint32_t)(wb * h[k]);
            a3 += (uint32_t)(wb * h[4 + k]);
        }
#endif
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* Every output channel of the n pixels (n <= ST_CONV1X1_MAX_BLOCK) widened at x, written at out
 * (output_c apart): two channels' accumulators for the whole block, then each channel
 * requantised in one run. */
static void conv1x1_block(const st_conv1x1_params *p, const uint32_t *x, int32_t n, const int8_t *filter,
                          int8_t *out) {
    const int32_t cout = p->output_c, groups = (p->input_c + 3) >> 2;
    const st_channel_params *ch = &p->channels;
    uint32_t acc[2][ST_CONV1X1_MAX_BLOCK + 1]; /* [channel][pixel]; + 1: an odd n's pair */
    for (int32_t oc = 0; oc < cout; oc += 2, filter += 8 * groups) {
        const int second = oc + 1 < cout; /* an odd last channel pairs with a zero row */
        const uint32_t b0 = (uint32_t)st_channel_bias(ch, oc);
        const uint32_t b1 = second ? (uint32_t)st_channel_bias(ch, oc + 1) : 0;
        const uint32_t *xp = x;
        for (int32_t px = 0; px < n; px += 2, xp += 4 * groups) {
            uint32_t a[4];
            dot_2x2(xp, filter, groups, b0, b1, a);
            acc[0][px] = a[0];
            acc[0][px + 1] = a[1];
            acc[1][px] = a[2];
            acc[1][px + 1] = a[3];
        }
        requant_run(p, oc, acc[0], n, out + oc);
        if (second) requant_run(p, oc + 1, acc[1], n, out + oc + 1);
    }
}

void ST_CHANNEL_KERNEL(st_conv1x1_s8)(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                      int8_t *output, void *scratch) {
    const int32_t pixels = p->pixels, block = p->block;
    for (int32_t px = 0; px < pixels; px += block) {
        const int32_t n = pixels - px < block ? pixels - px : block;
        widen(input + px * p->input_c, n, p->input_c, (uint32_t *)scratch);
        conv1x1_block(p, (const uint32_t *)scratch, n, filter, output + px * p->output_c);
    }
}

void ST_CHANNEL_KERNEL(st_conv1x1_s8_inplace)(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                                              void *scratch) {
    const int32_t pixels = p->pixels, block = p->block, cin = p->input_c, cout = p->output_c;
    const int32_t last = (pixels - 1) / block * block; /* the last block's first pixel */
    const int backwards = cout > cin;
    for (int32_t k = 0; k <= last; k += block) {
        const int32_t px = backwards ? last - k : k;
        const int32_t n = pixels - px < block ? pixels - px : block;
        widen(buffer + px * cin, n, cin, (uint32_t *)scratch);
        conv1x1_block(p, (const uint32_t *)scratch, n, filter, buffer + px * cout);
    }
}
