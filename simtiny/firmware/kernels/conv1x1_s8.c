/* Pointwise CONV_2D int8 (TFLite reference ConvPerChannel with a 1x1 filter and stride 1):
 * out[p][oc] = requant(bias[oc] + sum_c w[oc][c] * (x[p][c] + input_offset)). The input
 * offset's share is folded into the bias at code-generation time; sums wrap modulo 2^32 like
 * LiteRT's int32 accumulator, so the folding is exact. Requantisation is gemmlowp's double
 * rounding: st_requantize_fast (on the sum doubled by one shift) in this build, which the code
 * generator calls where it proved that exact, st_requantize_double and the clamp in the build of
 * this source for the other layers (conv1x1_s8_general.c): a model links only the paths it takes.
 * Pixels go p->block at a time, first widened into scratch: each pair of pixels as int16, four
 * input channels at a time in the order SXTB16 gives (x0, x2), (x1, x3), the first pixel's then
 * the second's, zero past input_c. Within a block, one output channel at a time (its bias and
 * requantisation decoded once) over four pixels at a time: each weight word, split once, serves
 * four pixels. In place, blocks go last to first when the
 * output is wider than the input, first to last otherwise, so a write never lands on a pixel
 * not yet read.
 * On a core with the DSP extension (Cortex-M7) the dot products multiply pairs of int16 halves
 * with SMLAD: SXTB16 splits the weights into their even and odd bytes, which pair up with the
 * widened inputs without any repacking; the accumulators are the same sums modulo 2^32. */
#include "conv1x1_s8.h"

#include <stddef.h>

#include "st_compiler.h"
#include "st_dsp.h"
#include "st_quant.h"

/* Pixels [0, n) at x (input_c apart), widened into wide as the header says: per pair of
 * pixels (a lone last pixel pairs with itself) and per four input channels, the words
 * (a0, a2), (a1, a3), (b0, b2), (b1, b3). */
static __attribute__((noinline)) void widen(const int8_t *x, int32_t n, int32_t cin, uint32_t *wide) {
    for (int32_t px = 0; px < n; px += 2) {
        const int8_t *xa = x + px * cin, *xb = px + 1 < n ? xa + cin : xa;
        int32_t c = cin & ~3;
#if defined(__ARM_FEATURE_DSP)
        if (c) { /* st_widen_group's words, each pair by one STRD: 7 cycles a group, not 8 */
            const int8_t *end = xa + c, *pa = xa, *pb = xb;
            uint32_t va, vb, a0, a1, b0, b1;
            __asm__ volatile("1:\n\t"
                             "ldr %[va], [%[pa]], #4\n\t" /* unaligned */
                             "ldr %[vb], [%[pb]], #4\n\t"
                             "sxtb16 %[a0], %[va]\n\t"
                             "sxtb16 %[a1], %[va], ror #8\n\t"
                             "sxtb16 %[b0], %[vb]\n\t"
                             "strd %[a0], %[a1], [%[w]], #16\n\t"
                             "sxtb16 %[b1], %[vb], ror #8\n\t"
                             "cmp %[pa], %[end]\n\t"
                             "strd %[b0], %[b1], [%[w], #-8]\n\t"
                             "bne 1b\n\t"
                             : [pa] "+r"(pa), [pb] "+r"(pb), [w] "+r"(wide), [va] "=&r"(va), [vb] "=&r"(vb),
                               [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0), [b1] "=&r"(b1)
                             : [end] "r"(end)
                             : "cc", "memory");
        }
#else
        for (int32_t k = 0; k < c; k += 4, wide += 4) {
            uint32_t va, vb; /* one LDR each, unaligned */
            __builtin_memcpy(&va, xa + k, 4);
            __builtin_memcpy(&vb, xb + k, 4);
            st_widen_group(va, vb, wide);
        }
#endif
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

#if defined(__ARM_FEATURE_DSP)
/* One group of four input channels of one output channel over four widened pixels, as inline
 * assembly text: the weight word at wp (then wp += 8: the filter's rows interleave in pairs)
 * split by SXTB16 into its even and odd channels, the pair of pixels at xa (a, b) and the pair
 * at xb (c, d), both pointers moved on a group, a0..a3 += the four dot products; then
 * the branch back to label 1 while groups are left, its flags from "cmp wp, wlast" (wlast: the
 * last group's word) set first, so that the loop's exit costs 6 cycles, not 8. Three registers (X0,
 * X1, X2: operand names) rotate through the eight input words, each loaded two cycles before
 * its SMLAD reads it (a load's result reaches the multiplier a cycle late) and beside an SMLAD
 * or SXTB16, each pointer moved by the load that reads its group last: 11 cycles a group for
 * 16 MACs, 13 registers. */
#define ST_DOT_1X4_LOOP(X0, X1, X2)                                                                            \
    "1:\n\t"                                                                                                    \
    "cmp %[wp], %[wlast]\n\t"                                                                                  \
    "ldr %[wv], [%[wp]], #8\n\t"                                                                               \
    "ldr %[" X1 "], [%[xa], #4]\n\t"            /* a, odd channels */                                          \
    "ldr %[" X2 "], [%[xa], #8]\n\t"            /* b, even */                                                  \
    "sxtb16 %[we], %[wv]\n\t"                                                                                  \
    "ldr %[" X0 "], [%[xa]], #16\n\t"           /* a, even */                                                  \
    "sxtb16 %[wv], %[wv], ror #8\n\t"                                                                          \
    "smlad %[a1], %[we], %[" X2 "], %[a1]\n\t"                                                                 \
    "ldr %[" X2 "], [%[xa], #-4]\n\t"           /* b, odd */                                                   \
    "smlad %[a0], %[wv], %[" X1 "], %[a0]\n\t"                                                                 \
    "ldr %[" X1 "], [%[xb], #4]\n\t"            /* c, odd */                                                   \
    "smlad %[a0], %[we], %[" X0 "], %[a0]\n\t"                                                                 \
    "ldr %[" X0 "], [%[xb], #8]\n\t"            /* d, even */                                                  \
    "smlad %[a1], %[wv], %[" X2 "], %[a1]\n\t"                                                                 \
    "ldr %[" X2 "], [%[xb], #12]\n\t"           /* d, odd */                                                   \
    "smlad %[a2], %[wv], %[" X1 "], %[a2]\n\t"                                                                 \
    "ldr %[" X1 "], [%[xb]], #16\n\t"           /* c, even */                                                  \
    "smlad %[a3], %[we], %[" X0 "], %[a3]\n\t"                                                                 \
    "smlad %[a3], %[wv], %[" X2 "], %[a3]\n\t"                                                                 \
    "smlad %[a2], %[we], %[" X1 "], %[a2]\n\t"                                                                 \
    "bne 1b\n\t"
#endif


/* The fast build's shifts-apart twin also takes layers where some channels are not fast (a
 * left shift or none, a right shift past ST_FAST_MAX_RIGHT, a negative multiplier: trained
 * models have a few, near-dead or large-scale channels), as the code generator marks them
 * (simtiny.lower.bounds.fast_channel): those channels go the general way (general_channel).
 * In this build a multiplier of 0 marks a constant channel: one whose output the code generator
 * proved the same for every input (simtiny.lower.conv.constant_outputs: dead channels, and
 * zero scales), that output in its shift byte; its sums are never computed. */
#if defined(ST_CHANNEL_SHIFTS) && !defined(ST_CONV1X1_GENERAL)
#define ST_CONV1X1_MIXED 1
static inline int fast_channel(const st_channel_params *c, int32_t oc) {
    int32_t mult, shift;
    st_channel_requant(c, oc, &mult, &shift);
    return mult > 0 && shift <= -1 && shift >= -ST_FAST_MAX_RIGHT;
}
#endif

#if defined(ST_CONV1X1_GENERAL) || defined(ST_CONV1X1_MIXED) || !defined(__ARM_FEATURE_DSP)
/* One output channel (w: channel_row) over four widened pixels, the pair at xa (pixels a, b)
 * and the pair at xb (c, d; xb = xa for a lone pair): acc = {a, b, c, d}, from the bias. */
static inline void dot_1x4(const uint32_t *xa, const uint32_t *xb, const int8_t *w, int32_t groups, uint32_t bias,
                           uint32_t acc[4]) {
    uint32_t a0 = bias, a1 = bias, a2 = bias, a3 = bias;
#if defined(__ARM_FEATURE_DSP)
    const uint32_t *wp = (const uint32_t *)(const void *)w; /* word-aligned: the code generator's arrays */
    const uint32_t *const wlast = wp + 2 * groups - 2;       /* groups >= 1 */
    uint32_t wv, we, x0, x1, x2;
    __asm__(ST_DOT_1X4_LOOP("x0", "x1", "x2")
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xa] "+r"(xa), [xb] "+r"(xb), [wp] "+r"(wp),
              [wv] "=&r"(wv), [we] "=&r"(we), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2)
            : [wlast] "r"(wlast)
            : "cc", "memory");
#else
    for (int32_t g = 0; g < groups; g++, xa += 4, xb += 4, w += 8) {
        int16_t h[16]; /* a, b, c, d: per pixel the channels 0, 2, 1, 3 of the group */
        __builtin_memcpy(h, xa, 16);
        __builtin_memcpy(h + 8, xb, 16);
        static const uint8_t lane[4] = {0, 2, 1, 3};
        for (int32_t k = 0; k < 4; k++) {
            const int32_t wk = w[lane[k]];
            a0 += (uint32_t)(wk * h[k]);
            a1 += (uint32_t)(wk * h[4 + k]);
            a2 += (uint32_t)(wk * h[8 + k]);
            a3 += (uint32_t)(wk * h[12 + k]);
        }
    }
#endif
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
}
#endif

#if defined(ST_CONV1X1_GENERAL) || defined(ST_CONV1X1_MIXED)
/* Channel oc's row in the filter (output channels in pairs, interleaved four inputs at a time):
 * its group g's word is 8 * g bytes on. (The fast kernels walk the rows: widened.) */
static inline const int8_t *channel_row(const int8_t *filter, int32_t oc, int32_t groups) {
    return filter + (oc >> 1) * 8 * groups + (oc & 1) * 4;
}

/* A sum's int8 output the general way: gemmlowp's double rounding, the output offset, the clamp. */
static inline int8_t general_value(const st_conv1x1_params *p, uint32_t acc, int32_t mult, int32_t shift) {
    const int32_t v = st_requantize_double((int32_t)acc, mult, shift) + p->output_offset;
    return (int8_t)st_clamp(v, p->act_min, p->act_max);
}
#endif

#if defined(ST_CONV1X1_MIXED) && defined(__ARM_FEATURE_DSP)
/* Channel oc's int8 output from its sum, the general way, or a constant channel's (pair_block's
 * channels that are not fast). */
static __attribute__((noinline)) int8_t general_output(const st_conv1x1_params *p, int32_t oc, uint32_t acc) {
    int32_t mult, shift;
    st_channel_requant(&p->channels, oc, &mult, &shift);
    return mult == 0 ? (int8_t)shift : general_value(p, acc, mult, shift); /* 0: a constant channel */
}
#endif

#if defined(ST_CONV1X1_GENERAL) || defined(ST_CONV1X1_MIXED)
/* Output channel oc of the n pixels widened at x, requantised the general way
 * (st_requantize_double, the channel's multiplier and shift decoded once). */
static __attribute__((noinline)) void general_channel(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                                      const int8_t *filter, int8_t *out, int32_t oc) {
    const int32_t cout = p->output_c, groups = (p->input_c + 3) >> 2;
    const int8_t *w = channel_row(filter, oc, groups);
    const uint32_t bias = (uint32_t)st_channel_bias(&p->channels, oc);
    int32_t mult, shift;
    st_channel_requant(&p->channels, oc, &mult, &shift);
#if defined(ST_CONV1X1_MIXED)
    if (mult == 0) { /* a constant channel: its output in the shift byte */
        for (int32_t px = 0; px < n; px++) out[px * cout + oc] = (int8_t)shift;
        return;
    }
#endif
    for (int32_t px = 0; px < n; px += 4) {
        const uint32_t *xa = x + px * 2 * groups;
        uint32_t a[4];
        dot_1x4(xa, n - px > 2 ? xa + 4 * groups : xa, w, groups, bias, a);
        for (int32_t k = 0; k < 4 && px + k < n; k++) out[(px + k) * cout + oc] = general_value(p, a[k], mult, shift);
    }
}
#endif

#if defined(ST_CONV1X1_GENERAL)
/* st_conv1x1_widened for layers that are not fast (conv1x1_s8_general.c): the same sums, each
 * output requantised the general way. */
void ST_CONV1X1_KERNEL(st_conv1x1_widened)(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                           const int8_t *filter, int8_t *out) {
    for (int32_t oc = 0; oc < p->output_c; oc++) general_channel(p, x, n, filter, out, oc);
}

/* (no other way for a pair of pixels in this build: the "_pairs" name the fast build's twin has) */
void ST_CONV1X1_KERNEL(st_conv1x1_widened_pairs)(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                                 const int8_t *filter, int8_t *out) {
    ST_CONV1X1_KERNEL(st_conv1x1_widened)(p, x, n, filter, out);
}
#else
/* What the fast kernel's quads of one output channel read: its weights, bias and
 * requantisation, where its outputs go and where they end. */
typedef struct {
    const uint32_t *w, *wlast; /* the channel's row (channel_row) and its last group's word */
    uint32_t bias;
    int32_t xb_off;           /* bytes from a quad's first pair of pixels to its second (0: the same) */
    st_requant_fast q;        /* mult, add, right */
    int32_t stride;           /* bytes between the outputs of two pixels */
    int8_t *o, *o_end;        /* the quad's first output; o_end: o after the last quad */
} quad_run;

#if defined(__ARM_FEATURE_DSP)
/* r->o_end - r->o quads of pixels at xa (a pair, then the next at xb_off), through r's channel,
 * in assembly (a naked function: all fourteen registers): per quad the four sums, then their
 * requantisation (st_requantize_fast on the sums doubled by a shift) and stores at o, o + stride,
 * ...; o moves on four strides. The dot products go a group of four input channels a pass,
 * software-pipelined: each pair of pixels' words comes in by one LDRD, and the next group's
 * weight word and pixels load (and the weights split) during this group's last SMLADs, so that
 * each pass is 8 SMLADs in 10 cycles (ST_DOT_1X4_LOOP's loop takes 11); the last group's pass
 * apart, loading nothing past the channel's row or the pixels' words, with the requantisation
 * begun beside its multiplies (23 cycles from its first SMLAD to the next quad, 26 before). The
 * requantisation's constants, the outputs' place and what every quad starts from (the first
 * group's weights split) wait on the stack; r->o is left as it was. Registers in the loop: r0 the first pair
 * (xa), r1 the second (xb), r2 the weight row, r3 its last word, r4-r7 the pixels' words, r8-r11 the
 * sums, r12 and lr the weights' even and odd channels. */
_Static_assert(sizeof(st_requant_fast) == 12 && offsetof(quad_run, q) == 16 && offsetof(quad_run, stride) == 28 &&
                   offsetof(quad_run, o) == 32 && offsetof(quad_run, o_end) == 36,
               "run_quads and run_narrow read w, wlast, bias, xb_off, mult, add, right, stride, o, o_end at 0, 4, ..., 36");
/* One group's 8 SMLADs in the loop: a and b (r4-r7) in, c and d loaded by LDRD from r1 into the
 * same registers; CMP, NEXT_A and NEXT (the loop's row test, the next group's a, then its
 * weights and b) slot in beside the multiplies. */
#define ST_1X4_GROUP(CMP, NEXT_A, NEXT)                                                                          \
    "smlad r8, r12, r4, r8\n\t"                                                                                  \
    "smlad r8, lr, r5, r8\n\t"                                                                                   \
    "ldrd r4, r5, [r1], #16\n\t" /* c */                                                                         \
    "smlad r9, r12, r6, r9\n\t" CMP                                                                              \
    "smlad r9, lr, r7, r9\n\t"                                                                                   \
    "ldrd r6, r7, [r1, #-8]\n\t" /* d */                                                                         \
    "smlad r10, r12, r4, r10\n\t"                                                                                \
    "smlad r10, lr, r5, r10\n\t"                                                                                 \
    "smlad r11, r12, r6, r11\n\t" NEXT_A                                                                         \
    "smlad r11, lr, r7, r11\n\t" NEXT
#define ST_ARG __attribute__((unused)) /* read by the assembly */
__attribute__((naked, noinline, aligned(8))) static void run_quads(ST_ARG quad_run *r, ST_ARG const uint32_t *xa) {
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        /* mult, add, right, stride; the first group's weights split (even, odd); the row after
         * its first word, its last word; bias, xb_off; o, o_end */
        "sub sp, sp, #48\n\t"
        "ldrd r4, r5, [r0, #16]\n\t"
        "ldrd r6, r9, [r0, #24]\n\t" /* right, stride */
        "ldrd r7, r8, [r0, #32]\n\t" /* o, o_end */
        "ldrd r2, r3, [r0]\n\t"
        "ldrd r10, r11, [r0, #8]\n\t"
        "strd r4, r5, [sp]\n\t"
        "strd r6, r9, [sp, #8]\n\t"
        "strd r7, r8, [sp, #40]\n\t"
        "ldr lr, [r2], #8\n\t"
        "strd r2, r3, [sp, #24]\n\t"
        "strd r10, r11, [sp, #32]\n\t"
        "sxtb16 r12, lr\n\t"
        "sxtb16 lr, lr, ror #8\n\t"
        "mov r0, r1\n\t"
        "strd r12, lr, [sp, #16]\n\t"
        "2:\n\t" /* a quad */
        "ldrd r8, r1, [sp, #32]\n\t"
        "ldrd r4, r5, [r0]\n\t"     /* a: even, odd channels */
        "ldrd r6, r7, [r0, #8]\n\t" /* b */
        "adds r1, r0, r1\n\t"
        "ldrd r12, lr, [sp, #16]\n\t"
        "mov r9, r8\n\t"
        "adds r0, r0, #16\n\t"
        "mov r10, r8\n\t"
        "ldrd r2, r3, [sp, #24]\n\t"
        "mov r11, r8\n\t"
        "cmp r2, r3\n\t" /* one group (the row after its first word is past its last): the last pass alone */
        "bhi 4f\n\t"
        "1:\n\t" /* a group, not the last: the next one's words and weights loaded during it */
        ST_1X4_GROUP("cmp r2, r3\n\t",
                     "ldrd r4, r5, [r0], #16\n\t" /* the next group's a */,
                     "ldr lr, [r2], #8\n\t" /* its weights */
                     "sxtb16 r12, lr\n\t"
                     "ldrd r6, r7, [r0, #-8]\n\t" /* its b */
                     "sxtb16 lr, lr, ror #8\n\t")
        "bne 1b\n\t" /* (the next group is the last where this one's row pointer was at the last word) */
        "4:\n\t" /* the last group, nothing loaded past it, and the sums' requantisation begun during
                 * its multiplies: per sum the rounding constant plus its sign (the sum's: it is
                 * bounded below 2^30, so doubling it keeps its sign) into r0, r4 or r5, the sum
                 * doubled, then SMMLAR by the multiplier in r2 */
        "smlad r8, r12, r4, r8\n\t"
        "ldrd r2, r3, [sp]\n\t" /* mult, add */
        "smlad r8, lr, r5, r8\n\t"
        "ldrd r4, r5, [r1], #16\n\t" /* c */
        "smlad r9, r12, r6, r9\n\t"
        "smlad r9, lr, r7, r9\n\t"
        "ldrd r6, r7, [r1, #-8]\n\t" /* d */
        "smlad r10, r12, r4, r10\n\t"
        "add r0, r3, r8, asr #31\n\t"
        "smlad r10, lr, r5, r10\n\t"
        "lsl r8, r8, #1\n\t"
        "smlad r11, r12, r6, r11\n\t"
        "add r4, r3, r9, asr #31\n\t"
        "smlad r11, lr, r7, r11\n\t"
        "lsl r9, r9, #1\n\t"
        "smmlar r8, r8, r2, r0\n\t"
        "add r5, r3, r10, asr #31\n\t"
        "smmlar r9, r9, r2, r4\n\t"
        "lsl r10, r10, #1\n\t"
        "smmlar r10, r10, r2, r5\n\t"
        "add r0, r3, r11, asr #31\n\t"
        "lsl r11, r11, #1\n\t"
        "ldrd r6, r7, [sp, #8]\n\t" /* right, stride */
        "smmlar r11, r11, r2, r0\n\t"
        "asr r8, r8, r6\n\t"
        "asr r9, r9, r6\n\t"
        "asr r10, r10, r6\n\t"
        "ssat r8, #8, r8\n\t"
        "ldrd r2, r12, [sp, #40]\n\t" /* o, o_end */
        "ssat r9, #8, r9\n\t"
        "add r3, r7, r7\n\t" /* two strides */
        "ssat r10, #8, r10\n\t"
        "asr r11, r11, r6\n\t"
        "ssat r11, #8, r11\n\t"
        "strb r8, [r2]\n\t"
        "strb r9, [r2, r7]\n\t"
        "add r0, r3, r7\n\t" /* three */
        "strb r10, [r2, r3]\n\t"
        "add r3, r2, r7, lsl #2\n\t"
        "strb r11, [r2, r0]\n\t"
        "cmp r3, r12\n\t"
        "str r3, [sp, #40]\n\t"
        "mov r0, r1\n\t" /* the next quad's first pair: after this one's second */
        "bne 2b\n\t"
        "add sp, sp, #48\n\t"
        "pop {r4-r11, pc}\n\t");
}
/* run_quads for channels of at most eight inputs (two groups), in assembly (a naked function):
 * the channel's four weight halves split once, doubled (so the sums come out doubled, as the
 * requantisation takes them, with no shift: 2 * w fits an int16 lane, and twice the bias is
 * added) and held in registers over every quad, whose pixels follow one another (xb_off is
 * not read: a quad's second pair comes right after its first). Per quad: 16 SMLADs, then the
 * four sums requantised and stored, the next quad's accumulators loaded with the doubled bias
 * during the stores; 33 cycles a quad by the cycle model, against 41 for run_quads on two
 * groups. Whole quads only (widened sends a block's last one to three pixels to run_quads). Registers: r0 the pixels, r1 the outputs, r2-r5 the weights (group 0 even, odd,
 * group 1 even, odd), r6-r9 the sums, r10-r12 and lr the pixels' words, then the constants. */
__attribute__((naked, noinline, aligned(8))) static void run_narrow(ST_ARG quad_run *r, ST_ARG const uint32_t *xa) {
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "ldm r0, {r2-r11}\n\t" /* w, wlast, bias, xb_off, mult, add, right, stride, o, o_end */
        "lsls r4, r4, #1\n\t"
        "mov r5, r4\n\t"
        "mov r0, r1\n\t"
        "mov r1, r10\n\t"
        "push {r4-r9, r11}\n\t" /* on the stack: twice the bias (twice), mult, add, right, stride, o_end */
        "ldr r12, [r2]\n\t"    /* group 0's word */
        "ldr lr, [r2, #8]\n\t" /* group 1's (the rows interleave in pairs) */
        "sxtb16 r2, r12\n\t"
        "sxtb16 r3, r12, ror #8\n\t"
        "sxtb16 r4, lr\n\t"
        "sxtb16 r5, lr, ror #8\n\t"
        "sadd16 r2, r2, r2\n\t"
        "sadd16 r3, r3, r3\n\t"
        "sadd16 r4, r4, r4\n\t"
        "sadd16 r5, r5, r5\n\t"
        "ldrd r6, r7, [sp]\n\t"
        "ldrd r8, r9, [sp]\n\t"
        "1:\n\t" /* a quad: pixels a, b (the first pair), c, d; each pair's next words load during its
                  * last multiplies */
        "ldrd r10, r11, [r0]\n\t" /* a, group 0 */
        "ldrd r12, lr, [r0, #8]\n\t" /* b */
        "smlad r6, r2, r10, r6\n\t"
        "smlad r6, r3, r11, r6\n\t"
        "ldrd r10, r11, [r0, #16]\n\t" /* a, group 1 */
        "smlad r7, r2, r12, r7\n\t"
        "smlad r7, r3, lr, r7\n\t"
        "ldrd r12, lr, [r0, #24]\n\t" /* b */
        "smlad r6, r4, r10, r6\n\t"
        "smlad r6, r5, r11, r6\n\t"
        "ldrd r10, r11, [r0, #32]\n\t" /* c, group 0 */
        "smlad r7, r4, r12, r7\n\t"
        "smlad r7, r5, lr, r7\n\t"
        "ldrd r12, lr, [r0, #40]\n\t" /* d */
        "smlad r8, r2, r10, r8\n\t"
        "smlad r8, r3, r11, r8\n\t"
        "ldrd r10, r11, [r0, #48]\n\t" /* c, group 1 */
        "smlad r9, r2, r12, r9\n\t"
        "smlad r9, r3, lr, r9\n\t"
        "ldrd r12, lr, [r0, #56]\n\t" /* d */
        "smlad r8, r4, r10, r8\n\t"
        "smlad r8, r5, r11, r8\n\t"
        "ldrd r10, r11, [sp, #8]\n\t" /* mult, add */
        "smlad r9, r4, r12, r9\n\t"
        "add r12, r11, r6, asr #31\n\t" /* per sum: the rounding constant plus its sign, then SMMLAR */
        "smlad r9, r5, lr, r9\n\t"
        "add lr, r11, r7, asr #31\n\t"
        "smmlar r6, r6, r10, r12\n\t"
        "add r12, r11, r8, asr #31\n\t"
        "smmlar r7, r7, r10, lr\n\t"
        "add lr, r11, r9, asr #31\n\t"
        "smmlar r8, r8, r10, r12\n\t"
        "ldrd r11, r12, [sp, #16]\n\t" /* right, stride */
        "smmlar r9, r9, r10, lr\n\t"
        "asr r6, r6, r11\n\t"
        "asr r7, r7, r11\n\t"
        "ssat r6, #8, r6\n\t"
        "asr r8, r8, r11\n\t"
        "ssat r7, #8, r7\n\t"
        "ldr lr, [sp, #24]\n\t" /* o_end */
        "ssat r8, #8, r8\n\t"
        "add r10, r1, r12, lsl #1\n\t" /* c's output */
        "asr r9, r9, r11\n\t"
        "strb r6, [r1]\n\t"
        "ssat r9, #8, r9\n\t"
        "strb r7, [r1, r12]\n\t"
        "ldrd r6, r7, [sp]\n\t" /* the next quad's sums start from twice the bias */
        "strb r8, [r10]\n\t"
        "add r1, r10, r12, lsl #1\n\t"
        "strb r9, [r10, r12]\n\t"
        "ldrd r8, r9, [sp]\n\t"
        "adds r0, r0, #64\n\t"
        "cmp r1, lr\n\t"
        "bne 1b\n\t"
        "add sp, sp, #28\n\t"
        "pop {r4-r11, pc}\n\t");
}
#undef ST_ARG
#undef ST_1X4_GROUP
#else
/* r->o_end - r->o quads of pixels at xa (a pair, then the next at xb_off), through r's
 * channel: per quad the four sums, requantised (st_requantize_fast on the sums doubled) and
 * stored at o, o + stride, ...; o moves on four strides. */
static inline void run_quads(quad_run *r, const uint32_t *xa) {
    const int32_t groups = (int32_t)(r->wlast - r->w) / 2 + 1;
    for (; r->o != r->o_end; r->o += 4 * r->stride, xa += 8 * groups) {
        uint32_t a[4];
        dot_1x4(xa, xa + r->xb_off / 4, (const int8_t *)r->w, groups, r->bias, a);
        for (int32_t k = 0; k < 4; k++) r->o[k * r->stride] = (int8_t)st_requantize_fast(a[k] << 1, &r->q);
    }
}

/* (the assembly's portable twin: the same quads, r->xb_off being a pair's words) */
static inline void run_narrow(quad_run *r, const uint32_t *xa) {
    run_quads(r, xa);
}
#endif

#if defined(__ARM_FEATURE_DSP)
/* st_conv1x1_widened_pairs' fast build on a block of one pair of pixels (n <= 2: the lean block,
 * where the arena has no room for more), where a quad would compute the pair twice: two output
 * channels a pass over the pair, each weight word split once for two pixels. */
static __attribute__((noinline)) void pair_block(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                                 const int8_t *filter, int8_t *out) {
    const int32_t cout = p->output_c, groups = (p->input_c + 3) >> 2;
    const st_channel_params *ch = &p->channels;
    for (int32_t oc = 0; oc < cout; oc += 2, filter += 8 * groups, out += 2) {
        const int second = oc + 1 < cout; /* an odd last channel pairs with a zero row */
        uint32_t a0 = (uint32_t)st_channel_bias(ch, oc), a2 = second ? (uint32_t)st_channel_bias(ch, oc + 1) : 0;
        uint32_t a1 = a0, a3 = a2;
        const uint32_t *w = (const uint32_t *)(const void *)filter, *xp = x;
        for (int32_t g = 0; g < groups; g++, w += 2, xp += 4) { /* xp: a even, a odd, b even, b odd */
            const uint32_t e0 = st_sxtb16(w[0]), o0 = st_sxtb16_ror8(w[0]);
            const uint32_t e1 = st_sxtb16(w[1]), o1 = st_sxtb16_ror8(w[1]);
            a0 = st_smlad(o0, xp[1], st_smlad(e0, xp[0], a0));
            a1 = st_smlad(o0, xp[3], st_smlad(e0, xp[2], a1));
            a2 = st_smlad(o1, xp[1], st_smlad(e1, xp[0], a2));
            a3 = st_smlad(o1, xp[3], st_smlad(e1, xp[2], a3));
        }
#if defined(ST_CONV1X1_MIXED)
        if (!fast_channel(ch, oc) || !fast_channel(ch, second ? oc + 1 : oc)) { /* the pair the general way */
            out[0] = general_output(p, oc, a0);
            if (n > 1) out[cout] = general_output(p, oc, a1);
            if (second) {
                out[1] = general_output(p, oc + 1, a2);
                if (n > 1) out[cout + 1] = general_output(p, oc + 1, a3);
            }
            continue;
        }
#endif
        const st_requant_fast qa = st_channel_requant_fast(ch, oc, p->output_offset);
        const st_requant_fast qb = st_channel_requant_fast(ch, second ? oc + 1 : oc, p->output_offset);
        const int32_t v0 = st_requantize_fast(a0 << 1, &qa), v1 = st_requantize_fast(a1 << 1, &qa);
        const int32_t v2 = st_requantize_fast(a2 << 1, &qb), v3 = st_requantize_fast(a3 << 1, &qb);
        out[0] = (int8_t)v0;
        if (n > 1) out[cout] = (int8_t)v1;
        if (second) {
            out[1] = (int8_t)v2;
            if (n > 1) out[cout + 1] = (int8_t)v3;
        }
    }
}
#endif

/* A pass of one channel over quads of pixels: run_quads, or run_narrow where the layer has two
 * groups of input channels. */
typedef void quad_runner(quad_run *r, const uint32_t *xa);

/* st_conv1x1_widened for fast layers: every output channel of the n pixels widened at x,
 * written at out (output_c apart), one channel at a time over four pixels at a time (run, on
 * the block's whole fours), the channel's constants decoded once per block; the last one to
 * three pixels through a quad of their own (run_quads) into a local array. With pair (pair_block),
 * a block of one or two pixels that way instead. One body for the exported forms, which differ
 * in what they pass: a model links only the ways its forms name. */
static __attribute__((noinline)) void widened(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                              const int8_t *filter, int8_t *out, st_conv1x1_block_fn *pair,
                                              quad_runner *run) {
    const int32_t cout = p->output_c, groups = (p->input_c + 3) >> 2, whole = n & ~3, left = n & 3;
    const st_channel_params *ch = &p->channels;
    if (pair && n <= 2) {
        pair(p, x, n, filter, out);
        return;
    }
    const uint32_t *w = (const uint32_t *)(const void *)filter; /* the channel's row (channel_row) */
    int32_t step = 1; /* to the next channel's row: 1 word from an even channel's, 2 * groups - 1 from an odd one's */
    const int32_t span = whole * cout;
    quad_run r;
    r.xb_off = 16 * groups, r.stride = cout;
    st_channel_walk walk = st_channel_walk_start(ch, p->output_offset);
    for (int8_t *o = out, *const stop = out + cout; o != stop; o++, w += step, step = 2 * groups - step) {
#if defined(ST_CONV1X1_MIXED)
        const int32_t oc = (int32_t)(o - out);
        if (!fast_channel(ch, oc)) {
            st_channel_walk_skip(&walk);
            general_channel(p, x, n, filter, out, oc);
            continue;
        }
#endif
        r.bias = st_channel_walk_next(&walk, &r.q);
        r.w = w, r.wlast = w + 2 * groups - 2, r.o = o, r.o_end = o + span;
        if (whole) run(&r, x);
        if (left) { /* the last pixels: one quad into t */
            int8_t t[4];
            r.o = t, r.o_end = t + 4, r.stride = 1, r.xb_off = left > 2 ? 16 * groups : 0;
            run_quads(&r, x + whole * 2 * groups);
            r.xb_off = 16 * groups, r.stride = cout;
            for (int32_t k = 0; k < left; k++) o[(whole + k) * cout] = t[k];
        }
    }
}

/* Its exported forms: a model links those its code generator chose (pairs_linked, and "_narrow"
 * for layers of at most eight input channels), pair_block only with "_pairs" and run_narrow only
 * with "_narrow". (The inner loops are run_quads' and run_narrow's, each aligned on the
 * Cortex-M7's 64-bit fetches.) */
void ST_CONV1X1_KERNEL(st_conv1x1_widened)(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                           const int8_t *filter, int8_t *out) {
    widened(p, x, n, filter, out, NULL, run_quads);
}

void ST_CONV1X1_KERNEL(st_conv1x1_widened_pairs)(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                                 const int8_t *filter, int8_t *out) {
#if defined(__ARM_FEATURE_DSP)
    widened(p, x, n, filter, out, pair_block, run_quads);
#else
    widened(p, x, n, filter, out, NULL, run_quads);
#endif
}

void ST_CONV1X1_KERNEL(st_conv1x1_widened_narrow)(const st_conv1x1_params *p, const uint32_t *x, int32_t n,
                                                  const int8_t *filter, int8_t *out) {
    widened(p, x, n, filter, out, NULL, run_narrow);
}
#endif

/* Every block of the layer through block_fn, each first widened into scratch: out of place, and in
 * place (output == input: the output written over the input's buffer), where blocks go last to
 * first when the output is wider than the input, so a write never lands on a pixel not yet
 * read. One copy under every entry point, which passes its block kernel. */
static __attribute__((noinline)) void blocks(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                             int8_t *output, void *scratch, st_conv1x1_block_fn *block_fn) {
    const int32_t pixels = p->pixels, block = p->block, cin = p->input_c, cout = p->output_c;
    const int32_t last = (pixels - 1) / block * block; /* the last block's first pixel */
    const int backwards = input == output && cout > cin;
    for (int32_t k = 0; k <= last; k += block) {
        const int32_t px = backwards ? last - k : k;
        const int32_t n = pixels - px < block ? pixels - px : block;
        widen(input + px * cin, n, cin, (uint32_t *)scratch);
        block_fn(p, (const uint32_t *)scratch, n, filter, output + px * cout);
    }
}

/* The entry points, through st_conv1x1_widened or (_pairs) its twin st_conv1x1_widened_pairs:
 * a model links the pair (out of place, in place) its code generator chose. */
void ST_CONV1X1_KERNEL(st_conv1x1_s8)(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                      int8_t *output, void *scratch) {
    blocks(p, input, filter, output, scratch, ST_CONV1X1_KERNEL(st_conv1x1_widened));
}

void ST_CONV1X1_KERNEL(st_conv1x1_s8_inplace)(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                                              void *scratch) {
    blocks(p, buffer, filter, buffer, scratch, ST_CONV1X1_KERNEL(st_conv1x1_widened));
}

void ST_CONV1X1_KERNEL(st_conv1x1_s8_pairs)(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                            int8_t *output, void *scratch) {
    blocks(p, input, filter, output, scratch, ST_CONV1X1_KERNEL(st_conv1x1_widened_pairs));
}

void ST_CONV1X1_KERNEL(st_conv1x1_s8_inplace_pairs)(const st_conv1x1_params *p, int8_t *buffer,
                                                    const int8_t *filter, void *scratch) {
    blocks(p, buffer, filter, buffer, scratch, ST_CONV1X1_KERNEL(st_conv1x1_widened_pairs));
}

#if !defined(ST_CONV1X1_GENERAL)
/* The "_narrow" entries: fast layers of at most eight input channels, through
 * st_conv1x1_widened_narrow (the code generator's choice: a model links them only where it has
 * such a layer). */
void ST_CONV1X1_KERNEL(st_conv1x1_s8_narrow)(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                             int8_t *output, void *scratch) {
    blocks(p, input, filter, output, scratch, ST_CONV1X1_KERNEL(st_conv1x1_widened_narrow));
}

void ST_CONV1X1_KERNEL(st_conv1x1_s8_inplace_narrow)(const st_conv1x1_params *p, int8_t *buffer,
                                                     const int8_t *filter, void *scratch) {
    blocks(p, buffer, filter, buffer, scratch, ST_CONV1X1_KERNEL(st_conv1x1_widened_narrow));
}
#endif
