/* Pointwise CONV_2D int8 (TFLite reference ConvPerChannel with a 1x1 filter and stride 1):
 * out[p][oc] = requant(bias[oc] + sum_c w[oc][c] * (x[p][c] + input_offset)). The input
 * offset's share is folded into the bias at code-generation time; sums wrap modulo 2^32 like
 * LiteRT's int32 accumulator, so the folding is exact. Requantisation is gemmlowp's double
 * rounding: st_requantize_double, or st_requantize_bounded where the code generator bounded
 * the accumulators (p->bounded).
 * Pixels go p->block at a time; within a block, two output channels at a time (their bias and
 * requantisation decoded once), each over two pixels at a time: each weight load serves two
 * pixels and each input load two output channels. In place, the block is copied to scratch
 * before its outputs are written at p * output_c: blocks go last to first when the output is
 * wider than the input, first to last otherwise, so a write never lands on a pixel not yet
 * read.
 * On a core with the DSP extension (Cortex-M7) the dot products read words and multiply
 * pairs of int16 halves with SMLAD: SXTB16 splits both the inputs and the weights into their
 * even and odd bytes, so the halves pair up without any repacking; the accumulators are the
 * same sums modulo 2^32. */
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
    if (p->bounded) {
        const st_requant_bounded rq = st_requant_bounded_make(mult, shift);
        for (int32_t i = 0; i < n; i++, o += cout)
            *o = (int8_t)st_clamp(st_requantize_bounded((int32_t)acc[i], &rq) + offset, lo, hi);
    } else {
        for (int32_t i = 0; i < n; i++, o += cout)
            *o = (int8_t)st_clamp(st_requantize_double((int32_t)acc[i], mult, shift) + offset, lo, hi);
    }
}

/* Two output channels (w: their rows, interleaved four input channels at a time) for pixels
 * xa and xb: acc = {a.0, b.0, a.1, b.1}, starting from the biases b0 and b1. */
static inline void dot_2x2(const int8_t *xa, const int8_t *xb, const int8_t *w, int32_t cin, uint32_t b0,
                           uint32_t b1, uint32_t acc[4]) {
    uint32_t a0 = b0, a1 = b0, a2 = b1, a3 = b1;
    const int32_t cin4 = cin & ~(int32_t)3;
    int32_t c = 0;
#if defined(__ARM_FEATURE_DSP)
    for (; c < cin4; c += 4, w += 8) {
        const uint32_t w0 = st_load4(w), w1 = st_load4(w + 4);
        const uint32_t xv = st_load4(xa + c), yv = st_load4(xb + c);
        const uint32_t xe = st_sxtb16(xv), xo = st_sxtb16_ror8(xv);
        const uint32_t ye = st_sxtb16(yv), yo = st_sxtb16_ror8(yv);
        uint32_t we = st_sxtb16(w0), wo = st_sxtb16_ror8(w0);
        a0 = st_smlad(we, xe, a0);
        a1 = st_smlad(we, ye, a1);
        a0 = st_smlad(wo, xo, a0);
        a1 = st_smlad(wo, yo, a1);
        we = st_sxtb16(w1);
        wo = st_sxtb16_ror8(w1);
        a2 = st_smlad(we, xe, a2);
        a3 = st_smlad(we, ye, a3);
        a2 = st_smlad(wo, xo, a2);
        a3 = st_smlad(wo, yo, a3);
    }
#else
    for (; c < cin4; c += 4, w += 8) {
        for (int32_t k = 0; k < 4; k++) {
            const int32_t xv = xa[c + k], yv = xb[c + k];
            a0 += (uint32_t)(w[k] * xv);
            a1 += (uint32_t)(w[k] * yv);
            a2 += (uint32_t)(w[4 + k] * xv);
            a3 += (uint32_t)(w[4 + k] * yv);
        }
    }
#endif
    for (int32_t k = 0; c < cin; c++, k++) { /* the input_c % 4 tail, zero-padded to a group */
        const int32_t xv = xa[c], yv = xb[c];
        a0 += (uint32_t)(w[k] * xv);
        a1 += (uint32_t)(w[k] * yv);
        a2 += (uint32_t)(w[4 + k] * xv);
        a3 += (uint32_t)(w[4 + k] * yv);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

/* Every output channel of the n pixels (n <= ST_CONV1X1_MAX_BLOCK) at x (input_c apart), written
 * at out (output_c apart): two channels' accumulators for the whole block, then each channel
 * requantised in one run. */
static void conv1x1_block(const st_conv1x1_params *p, const int8_t *x, int32_t n, const int8_t *filter,
                          int8_t *out) {
    const int32_t cin = p->input_c, cout = p->output_c;
    const st_channel_params *ch = &p->channels;
    const int32_t row_pair = 2 * ((cin + 3) & ~(int32_t)3); /* bytes of two interleaved rows */
    uint32_t acc[2][ST_CONV1X1_MAX_BLOCK + 1];              /* [channel][pixel]; + 1: an odd n's pair */
    for (int32_t oc = 0; oc < cout; oc += 2, filter += row_pair) {
        const int second = oc + 1 < cout; /* an odd last channel pairs with a zero row */
        const uint32_t b0 = (uint32_t)st_channel_bias(ch, oc);
        const uint32_t b1 = second ? (uint32_t)st_channel_bias(ch, oc + 1) : 0;
        for (int32_t px = 0; px < n; px += 2) {
            const int8_t *xa = x + px * cin;
            uint32_t a[4];
            dot_2x2(xa, px + 1 < n ? xa + cin : xa, filter, cin, b0, b1, a); /* a last odd pixel pairs with itself */
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
                                      int8_t *output) {
    const int32_t pixels = p->pixels, block = p->block;
    for (int32_t px = 0; px < pixels; px += block) {
        const int32_t n = pixels - px < block ? pixels - px : block;
        conv1x1_block(p, input + px * p->input_c, n, filter, output + px * p->output_c);
    }
}

void ST_CHANNEL_KERNEL(st_conv1x1_s8_inplace)(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                                              int8_t *scratch) {
    const int32_t pixels = p->pixels, block = p->block, cin = p->input_c, cout = p->output_c;
    const int32_t last = (pixels - 1) / block * block; /* the last block's first pixel */
    const int backwards = cout > cin;
    for (int32_t k = 0; k <= last; k += block) {
        const int32_t px = backwards ? last - k : k;
        const int32_t n = pixels - px < block ? pixels - px : block;
        const int8_t *x = buffer + px * cin;
        for (int32_t c = 0; c < n * cin; c++) scratch[c] = x[c];
        conv1x1_block(p, scratch, n, filter, buffer + px * cout);
    }
}
