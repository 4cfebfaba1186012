/* Pointwise CONV_2D int8 (TFLite reference ConvPerChannel with a 1x1 filter and stride 1):
 * out[p][oc] = requant(bias[oc] + sum_c w[oc][c] * (x[p][c] + input_offset)). The input
 * offset's share is folded into the bias at code-generation time; sums wrap modulo 2^32 like
 * LiteRT's int32 accumulator, so the folding is exact. Requantisation is gemmlowp's double
 * rounding: st_requantize_fast (on the sum doubled by one shift) in this build, which the code
 * generator calls where it proved that exact, st_requantize_double and the clamp in the build of
 * this source for the other layers (conv1x1_s8_general.c): a model links only the paths it takes.
 * Pixels go p->block at a time, first widened into scratch: each pair of pixels as int16, four
 * input channels at a time in the order SXTB16 gives (x0, x2), (x1, x3), the first pixel's then
 * the second's, zero past input_c. Within a block, two output channels
 * at a time (their bias and requantisation decoded once), each over two pixels at a time: each
 * weight word serves two pixels and each input word two output channels. In place, blocks go last to first when the
 * output is wider than the input, first to last otherwise, so a write never lands on a pixel
 * not yet read.
 * On a core with the DSP extension (Cortex-M7) the dot products multiply pairs of int16 halves
 * with SMLAD: SXTB16 splits the weights into their even and odd bytes, which pair up with the
 * widened inputs without any repacking; the accumulators are the same sums modulo 2^32. */
#include "conv1x1_s8.h"

#include "st_dsp.h"
#include "st_quant.h"

/* Pixels [0, n) at x (input_c apart), widened into wide as the header says: per pair of
 * pixels (a lone last pixel pairs with itself) and per four input channels, the words
 * (a0, a2), (a1, a3), (b0, b2), (b1, b3). */
static __attribute__((noinline)) void widen(const int8_t *x, int32_t n, int32_t cin, uint32_t *wide) {
    for (int32_t px = 0; px < n; px += 2) {
        const int8_t *xa = x + px * cin, *xb = px + 1 < n ? xa + cin : xa;
        int32_t c = 0;
        for (; c + 4 <= cin; c += 4, wide += 4) {
            uint32_t va, vb; /* one LDR each, unaligned */
            __builtin_memcpy(&va, xa + c, 4);
            __builtin_memcpy(&vb, xb + c, 4);
            st_widen_group(va, vb, wide);
        }
        if (c < cin) { /* the input_c % 4 tail: zeros past input_c */
            int8_t a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
            for (int32_t k = 0; c + k < cin; k++) a[k] = xa[c + k], b[k] = xb[c + k];
            uint32_t va, vb;
            __builtin_memcpy(&va, a, 4);
            __builtin_memcpy(&vb, b, 4);
            st_widen_group(va, vb, wide);
            wide += 4;
        }
    }
}

/* Two output channels (w: their rows, interleaved four input channels at a time) for a widened
 * pair of pixels x: acc = {a.0, b.0, a.1, b.1}, starting from the biases b0 and b1. */
static inline void dot_2x2(const uint32_t *x, const int8_t *w, int32_t groups, uint32_t b0, uint32_t b1,
                           uint32_t acc[4]) {
    uint32_t a0 = b0, a1 = b0, a2 = b1, a3 = b1;
#if defined(__ARM_FEATURE_DSP)
    /* the filter is word-aligned (the code generator's arrays) and each group's 8 bytes are one
     * LDRD */
    const uint32_t *wp = (const uint32_t *)(const void *)w;
    const uint32_t *const end = x + 4 * groups; /* groups >= 1 */
    uint32_t w0, w1, we0, we1, xe, xo;
    /* One group a pass: both channels' weights unpacked once (SXTB16), then pixel a's pair of
     * words and pixel b's through the same two registers, so that the loop needs 13 registers
     * and the code around it keeps its own instead of spilling them. */
    __asm__("1:\n\t"
            "ldrd %[w0], %[w1], [%[wp]], #8\n\t"
            "ldrd %[xe], %[xo], [%[x]], #8\n\t" /* pixel a */
            "sxtb16 %[we0], %[w0]\n\t"
            "sxtb16 %[we1], %[w1]\n\t"
            "smlad %[a0], %[we0], %[xe], %[a0]\n\t"
            "sxtb16 %[w0], %[w0], ror #8\n\t"
            "smlad %[a2], %[we1], %[xe], %[a2]\n\t"
            "sxtb16 %[w1], %[w1], ror #8\n\t"
            "smlad %[a0], %[w0], %[xo], %[a0]\n\t"
            "smlad %[a2], %[w1], %[xo], %[a2]\n\t"
            "ldrd %[xe], %[xo], [%[x]], #8\n\t" /* pixel b */
            "cmp %[x], %[end]\n\t"
            "smlad %[a1], %[we0], %[xe], %[a1]\n\t"
            "smlad %[a3], %[we1], %[xe], %[a3]\n\t"
            "smlad %[a1], %[w0], %[xo], %[a1]\n\t"
            "smlad %[a3], %[w1], %[xo], %[a3]\n\t"
            "bne 1b"
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x), [wp] "+r"(wp),
              [w0] "=&r"(w0), [w1] "=&r"(w1), [we0] "=&r"(we0), [we1] "=&r"(we1), [xe] "=&r"(xe), [xo] "=&r"(xo)
            : [end] "r"(end)
            : "cc", "memory");
#else
    for (int32_t g = 0; g < groups; g++, x += 4, w += 8) {
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
    }
#endif
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}

#if defined(ST_CONV1X1_GENERAL)
/* st_conv1x1_widened for layers that are not fast (conv1x1_s8_general.c): the same sums, each
 * output requantised the general way (st_channel_output). Such layers are rare. */
void ST_CONV1X1_KERNEL(st_conv1x1_widened)(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                           const int8_t *filter, int8_t *out) {
    const int32_t cout = p->output_c, groups = (p->input_c + 3) >> 2;
    const st_channel_params *ch = &p->channels;
    for (int32_t oc = 0; oc < cout; oc += 2, filter += 8 * groups) {
        const int32_t last = oc + 1 < cout ? oc + 1 : oc; /* an odd last channel pairs with a zero row */
        for (int32_t px = 0; px < n; px += 2) {
            uint32_t a[4]; /* channel oc at px, px + 1, then channel oc + 1 */
            dot_2x2(x + px * 2 * groups, filter, groups, (uint32_t)st_channel_bias(ch, oc),
                    (uint32_t)st_channel_bias(ch, last), a);
            for (int32_t k = 0; k < 4; k++) {
                const int32_t c = oc + (k >> 1), q = px + (k & 1);
                if (c <= last && q < n)
                    out[q * cout + c] = st_channel_output(ch, c, a[k], p->output_offset, p->act_min, p->act_max);
            }
        }
    }
}
#else
/* st_conv1x1_widened for fast layers: every output channel of the n pixels widened at x,
 * written at out (output_c apart), two channels at a time, each pair of pixels requantised as
 * soon as its sums are done (st_requantize_fast on the sums doubled by a shift), the
 * two channels' constants decoded once per block. Aligned to a cache line: where its inner loop
 * falls against the Cortex-M7's 64-bit fetches would otherwise move with every function
 * linked before it (measured: 5% of the kernel's cycles on proxyless-w0.3 r176). */
__attribute__((aligned(32))) void ST_CONV1X1_KERNEL(st_conv1x1_widened)(const st_conv1x1_params *p, const uint32_t *x,
                                                                        int32_t n, const int8_t *filter, int8_t *out) {
    const int32_t cout = p->output_c, groups = (p->input_c + 3) >> 2;
    const st_channel_params *ch = &p->channels;
    for (int32_t oc = 0; oc < cout; oc += 2, filter += 8 * groups) {
        const int second = oc + 1 < cout; /* an odd last channel pairs with a zero row */
        const uint32_t b0 = (uint32_t)st_channel_bias(ch, oc);
        const uint32_t b1 = second ? (uint32_t)st_channel_bias(ch, oc + 1) : 0;
        const st_requant_fast qa = st_channel_requant_fast(ch, oc, p->output_offset);
        const st_requant_fast qb = st_channel_requant_fast(ch, second ? oc + 1 : oc, p->output_offset);
        const uint32_t *xp = x;
        int8_t *o = out + oc;
        for (int32_t px = 0; px < n; px += 2, xp += 4 * groups, o += 2 * cout) {
            const int pair = px + 1 < n;
            uint32_t a[4];
            dot_2x2(xp, filter, groups, b0, b1, a);
            /* all four first, then the stores: the four chains overlap */
            const int32_t v0 = st_requantize_fast(a[0] << 1, &qa), v1 = st_requantize_fast(a[1] << 1, &qa);
            const int32_t v2 = st_requantize_fast(a[2] << 1, &qb), v3 = st_requantize_fast(a[3] << 1, &qb);
            o[0] = (int8_t)v0;
            if (pair) o[cout] = (int8_t)v1;
            if (second) {
                o[1] = (int8_t)v2;
                if (pair) o[cout + 1] = (int8_t)v3;
            }
        }
    }
}
#endif

/* The n pixels at x (input_c apart) through one block. */
static void rows(const st_conv1x1_params *p, const int8_t *x, int32_t n, const int8_t *filter, int8_t *out,
                 void *scratch) {
    widen(x, n, p->input_c, (uint32_t *)scratch);
    ST_CONV1X1_KERNEL(st_conv1x1_widened)(p, (const uint32_t *)scratch, n, filter, out);
}

void ST_CONV1X1_KERNEL(st_conv1x1_s8)(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                      int8_t *output, void *scratch) {
    const int32_t pixels = p->pixels, block = p->block;
    for (int32_t px = 0; px < pixels; px += block) {
        const int32_t n = pixels - px < block ? pixels - px : block;
        rows(p, input + px * p->input_c, n, filter, output + px * p->output_c, scratch);
    }
}

void ST_CONV1X1_KERNEL(st_conv1x1_s8_inplace)(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                                              void *scratch) {
    const int32_t pixels = p->pixels, block = p->block, cin = p->input_c, cout = p->output_c;
    const int32_t last = (pixels - 1) / block * block; /* the last block's first pixel */
    const int backwards = cout > cin;
    for (int32_t k = 0; k <= last; k += block) {
        const int32_t px = backwards ? last - k : k;
        const int32_t n = pixels - px < block ? pixels - px : block;
        rows(p, buffer + px * cin, n, filter, buffer + px * cout, scratch);
    }
}
