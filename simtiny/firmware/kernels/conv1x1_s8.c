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

/* The layer's constants in locals: the int8 output stores may alias anything, so fields read
 * through p would be reloaded after every store. */
typedef struct {
    st_channel_params ch;
    int32_t cin, cout, output_offset, act_min, act_max, bounded;
} layer;

/* One output channel's bias and requantisation, decoded once per block. */
typedef struct {
    uint32_t bias;
    int32_t mult, shift;
    st_requant_bounded rq;
} channel;

static inline void channel_of(const layer *l, int32_t oc, channel *k) {
    k->bias = (uint32_t)st_channel_bias(&l->ch, oc);
    st_channel_requant(&l->ch, oc, &k->mult, &k->shift);
    k->rq = st_requant_bounded_make(k->mult, k->shift);
}

/* The requantised, offset accumulator, before the clamp: inline the cheap rounding of bounded
 * layers, call out for the general one (rare: the code generator bounds most layers). */
__attribute__((noinline)) static int32_t requant_double(uint32_t acc, const channel *k, int32_t output_offset) {
    return st_requantize_double((int32_t)acc, k->mult, k->shift) + output_offset;
}

static inline int8_t output_of(const channel *k, uint32_t acc, int32_t bounded, int32_t output_offset,
                               int32_t act_min, int32_t act_max) {
    const int32_t v = bounded ? st_requantize_bounded((int32_t)acc, &k->rq) + output_offset
                              : requant_double(acc, k, output_offset);
    return (int8_t)st_clamp(v, act_min, act_max);
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

/* Every output channel of the n pixels at x (input_c apart), written at out (output_c apart). */
static void conv1x1_block(const layer *l, const int8_t *x, int32_t n, const int8_t *filter, int8_t *out) {
    /* scalars in locals: the int8 stores could alias *l */
    const int32_t cin = l->cin, cout = l->cout, bounded = l->bounded;
    const int32_t offset = l->output_offset, lo = l->act_min, hi = l->act_max;
    const int32_t row_pair = 2 * ((cin + 3) & ~(int32_t)3); /* bytes of two interleaved rows */
    for (int32_t oc = 0; oc < cout; oc += 2, filter += row_pair, out += 2) {
        const int second = oc + 1 < cout; /* an odd last channel pairs with a zero row */
        channel k0, k1;
        channel_of(l, oc, &k0);
        if (second) channel_of(l, oc + 1, &k1);
        else k1 = k0;
        for (int32_t px = 0; px < n; px += 2) {
            const int two = px + 1 < n; /* an odd last pixel pairs with itself */
            const int8_t *xa = x + px * cin;
            int8_t *o = out + px * cout;
            uint32_t acc[4];
            dot_2x2(xa, two ? xa + cin : xa, filter, cin, k0.bias, k1.bias, acc);
            o[0] = output_of(&k0, acc[0], bounded, offset, lo, hi);
            if (two) o[cout] = output_of(&k0, acc[1], bounded, offset, lo, hi);
            if (second) {
                o[1] = output_of(&k1, acc[2], bounded, offset, lo, hi);
                if (two) o[cout + 1] = output_of(&k1, acc[3], bounded, offset, lo, hi);
            }
        }
    }
}

static inline layer layer_of(const st_conv1x1_params *p) {
    const layer l = {p->channels, p->input_c, p->output_c, p->output_offset, p->act_min, p->act_max, p->bounded};
    return l;
}

void ST_CHANNEL_KERNEL(st_conv1x1_s8)(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                      int8_t *output) {
    const layer l = layer_of(p);
    for (int32_t px = 0; px < p->pixels; px += p->block) {
        const int32_t n = p->pixels - px < p->block ? p->pixels - px : p->block;
        conv1x1_block(&l, input + px * l.cin, n, filter, output + px * l.cout);
    }
}

void ST_CHANNEL_KERNEL(st_conv1x1_s8_inplace)(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                                              int8_t *scratch) {
    const layer l = layer_of(p);
    const int32_t pixels = p->pixels, block = p->block;
    const int32_t last = (pixels - 1) / block * block; /* the last block's first pixel */
    const int backwards = l.cout > l.cin;
    for (int32_t k = 0; k <= last; k += block) {
        const int32_t px = backwards ? last - k : k;
        const int32_t n = pixels - px < block ? pixels - px : block;
        const int8_t *x = buffer + px * l.cin;
        for (int32_t c = 0; c < n * l.cin; c++) scratch[c] = x[c];
        conv1x1_block(&l, scratch, n, filter, buffer + px * l.cout);
    }
}
