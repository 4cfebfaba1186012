/* FULLY_CONNECTED int8: out[b][o] = requant(bias[o] + sum_d (w[o][d] + fo) * (x[b][d] + io)),
 * LiteRT's single-rounding requantisation. Sums wrap modulo 2^32 like LiteRT's int32
 * accumulator. On a core with the DSP extension, int8 weights with no zero point (the int8
 * spec's symmetric weights) take a SIMD path: x + io fits an int16 half, so SXTAB16 makes
 * pairs of them and SMLAD does two multiply-accumulates at once, four outputs per pass
 * sharing the input's unpacking (their rows interleaved by the code generator, fc_weight). */
#include "fully_connected_s8.h"

#include "st_dsp.h"
#include "st_quant.h"

/* Outputs o to o + n - 1 of y from their sums a[0..n): bias, LiteRT's single rounding, the
 * output offset and the clamp. With a right shift of at least 2 (t = 31 - shift >= 33 bits in
 * all), the rounding constant 2^(t-1) leaves the product's low word alone, so
 * (acc * m + 2^(t-1)) >> t = (hi + 2^(k-1)) >> k with hi = (acc * m) >> 32 and k = t - 32:
 * one SMMUL, an add and a shift (no overflow: |hi| <= 2^30 and 2^(k-1) <= 2^29).
 * Out of line, once per pass of four outputs: inlined, it would cost flash. */
static inline int32_t mul_high(int32_t a, int32_t b) { /* (a * b) >> 32 */
#if defined(__ARM_FEATURE_DSP)
    int32_t r;
    __asm__("smmul %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
#else
    return (int32_t)(((int64_t)a * b) >> 32);
#endif
}

__attribute__((noinline)) static void fc_outputs(const st_fully_connected_params *p, const uint32_t *a, int32_t o,
                                                 int32_t n, int8_t *y) {
    for (int32_t k = 0; k < n; k++) {
        int32_t mult, shift;
        st_channel_requant(&p->channels, o + k, &mult, &shift);
        const int32_t acc = (int32_t)(a[k] + (uint32_t)st_channel_bias(&p->channels, o + k));
        int32_t v;
        if (shift <= -2) {
            const int32_t right = -shift - 1;
            v = (mul_high(acc, mult) + (1 << (right - 1))) >> right;
        } else {
            v = st_requantize_single(acc, mult, (int)shift);
        }
        v += p->output_offset;
        v = v < p->act_min ? p->act_min : v; /* selects, not branches */
        y[o + k] = (int8_t)(v > p->act_max ? p->act_max : v);
    }
}

/* Row o's weight d. With accum_depth a multiple of 4 the code generator stores the rows in
 * fours, interleaved four weights at a time (per four rows and per four inputs, 16 bytes: each
 * row's four in turn), so that fc_dot4 reads one run; the last output_depth % 4 rows follow as
 * they are. Otherwise every row as it is. */
static inline const int8_t *fc_weight(const st_fully_connected_params *p, const int8_t *filter, int32_t o, int32_t d) {
    const int32_t depth = p->accum_depth;
    if ((depth & 3) || o >= (p->output_depth & ~3)) return filter + o * depth + d;
    return filter + (o >> 2) * 4 * depth + (d >> 2) * 16 + (o & 3) * 4 + (d & 3);
}

/* The portable dot product of row o: any filter zero point. */
static uint32_t fc_dot(const st_fully_connected_params *p, const int8_t *filter, int32_t o, const int8_t *x) {
    uint32_t acc = 0;
    for (int32_t d = 0; d < p->accum_depth; d++) {
        acc += (uint32_t)(((int32_t)*fc_weight(p, filter, o, d) + p->filter_offset) * ((int32_t)x[d] + p->input_offset));
    }
    return acc;
}

#if defined(__ARM_FEATURE_DSP)
/* The four rows' products of one step of four input features, as assembly text: x's even and
 * odd features (offset added) in tx and ta, rows 0 and 1's words in tb and tc (wp past them);
 * each SXTB16 beside an SMLAD, rows 2 and 3's words loaded midway; then the branch back to 1
 * while xp is not at end. */
#define ST_FC_ROWS4                                                                                            \
    "sxtb16 %[te], %[tb]\n\t"                                                                                   \
    "sxtb16 %[tb], %[tb], ror #8\n\t"                                                                           \
    "smlad %[a0], %[te], %[tx], %[a0]\n\t"                                                                      \
    "sxtb16 %[te], %[tc]\n\t"                                                                                   \
    "smlad %[a0], %[tb], %[ta], %[a0]\n\t"                                                                      \
    "sxtb16 %[tc], %[tc], ror #8\n\t"                                                                           \
    "smlad %[a1], %[te], %[tx], %[a1]\n\t"                                                                      \
    "ldrd %[tb], %[te], [%[wp]], #8\n\t" /* rows 2 and 3 */                                                     \
    "smlad %[a1], %[tc], %[ta], %[a1]\n\t"                                                                      \
    "sxtb16 %[tc], %[tb]\n\t"                                                                                   \
    "sxtb16 %[tb], %[tb], ror #8\n\t"                                                                           \
    "smlad %[a2], %[tc], %[tx], %[a2]\n\t"                                                                      \
    "sxtb16 %[tc], %[te]\n\t"                                                                                   \
    "smlad %[a2], %[tb], %[ta], %[a2]\n\t"                                                                      \
    "sxtb16 %[te], %[te], ror #8\n\t"                                                                           \
    "smlad %[a3], %[tc], %[tx], %[a3]\n\t"                                                                      \
    "cmp %[xp], %[end]\n\t"                                                                                     \
    "smlad %[a3], %[te], %[ta], %[a3]\n\t"                                                                      \
    "bne 1b\n\t"
#endif

#if defined(__ARM_FEATURE_DSP)
/* Four rows (interleaved at w, as fc_weight says) against x: acc[k] = sum_d w_k[d] * (x[d] + io),
 * four input features a step (depth a multiple of 4, at least 4). In assembly: gcc's loop kept
 * the input offset and its end on the stack and issued its loads in a row; here each SXTB16
 * pairs with an SMLAD and two LDRDs bring the four rows' words: 13 registers, 15 cycles for 16
 * MACs where gcc's took 21 (the ten SXTB16/SXTAB16 issue one a cycle; loading the next step's
 * words during this one's last products, under an IT, measured slower). */
static inline __attribute__((always_inline)) void fc_dot4(const int8_t *x, const int8_t *w, int32_t depth,
                                                          uint32_t io2, uint32_t acc[4]) {
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, ta, tb, tc, te, tx;
    const int8_t *const end = x + depth;
    __asm__ volatile("1:\n\t"
                     "ldr %[ta], [%[xp]], #4\n\t"
                     "ldrd %[tb], %[tc], [%[wp]], #8\n\t"  /* rows 0 and 1 */
                     "sxtab16 %[tx], %[io2], %[ta]\n\t"   /* x even, offset */
                     "sxtab16 %[ta], %[io2], %[ta], ror #8\n\t" /* x odd */
                     ST_FC_ROWS4
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(x), [wp] "+r"(w),
                       [ta] "=&r"(ta), [tb] "=&r"(tb), [tc] "=&r"(tc), [te] "=&r"(te), [tx] "=&r"(tx)
                     : [end] "r"(end), [io2] "r"(io2)
                     : "cc", "memory");
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}
#endif

#if defined(__ARM_FEATURE_DSP)
/* fc_dot4 on x already widened (xw: per four inputs the words (x0 + io, x2 + io) and
 * (x1 + io, x3 + io), as fc_dot4's SXTAB16s make them): one LDRD where fc_dot4 loads and splits,
 * eight SXTB16s a step instead of ten, 12 registers. */
static inline __attribute__((always_inline)) void fc_dot4_widened(const uint32_t *xw, const int8_t *w,
                                                                  int32_t depth, uint32_t acc[4]) {
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, ta, tb, tc, te, tx;
    const uint32_t *const end = xw + depth / 2;
    __asm__ volatile("1:\n\t"
                     "ldrd %[tx], %[ta], [%[xp]], #8\n\t"  /* x even, x odd */
                     "ldrd %[tb], %[tc], [%[wp]], #8\n\t"  /* rows 0 and 1 */
                     ST_FC_ROWS4
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(xw), [wp] "+r"(w),
                       [ta] "=&r"(ta), [tb] "=&r"(tb), [tc] "=&r"(tc), [te] "=&r"(te), [tx] "=&r"(tx)
                     : [end] "r"(end)
                     : "cc", "memory");
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}
#endif

/* Rows o to output_depth - 1 of x's row one at a time (the portable path, and the last
 * output_depth % 4 rows of the DSP ones). */
static void fc_rest(const st_fully_connected_params *p, const int8_t *x, const int8_t *filter, int32_t o, int8_t *y) {
    for (; o < p->output_depth; o++) {
        const uint32_t a = fc_dot(p, filter, o, x);
        fc_outputs(p, &a, o, 1, y);
    }
}

/* Every row of the input through the four-row DSP pass where it runs (fc_dot4, or with scratch,
 * fc_dot4_widened on the row widened once), the rest one at a time; inlined with a constant
 * `widened` into each kernel. */
static inline __attribute__((always_inline)) void fc_layer(const st_fully_connected_params *p, const int8_t *input,
                                                           const int8_t *filter, int8_t *output, void *scratch,
                                                           const int widened) {
    const int32_t depth = p->accum_depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * depth;
        int8_t *y = output + b * p->output_depth;
        int32_t o = 0;
#if defined(__ARM_FEATURE_DSP)
        if (widened || (p->filter_offset == 0 && (depth & 3) == 0)) { /* four rows a pass */
            const uint32_t io2 = st_dup16(p->input_offset); /* io in both halves, for SXTAB16 */
            uint32_t *xw = (uint32_t *)scratch;
            for (int32_t d = 0; widened && d < depth; d += 4, xw += 2) {
                const uint32_t v = st_load4(x + d);
                xw[0] = st_sxtab16(io2, v), xw[1] = st_sxtab16_ror8(io2, v);
            }
            for (; o + 4 <= p->output_depth; o += 4) {
                uint32_t a[4];
                if (widened)
                    fc_dot4_widened((const uint32_t *)scratch, filter + o * depth, depth, a);
                else
                    fc_dot4(x, filter + o * depth, depth, io2, a);
                fc_outputs(p, a, o, 4, y);
            }
        }
#else
        (void)scratch, (void)widened;
#endif
        fc_rest(p, x, filter, o, y);
    }
}

void ST_CHANNEL_KERNEL(st_fully_connected_s8)(const st_fully_connected_params *p, const int8_t *input,
                                              const int8_t *filter, int8_t *output) {
    fc_layer(p, input, filter, output, 0, 0);
}

/* The same where the code generator gives scratch (the filter has no zero point, accum_depth is
 * a multiple of 4 and there are passes enough to pay): 2 * accum_depth bytes, 4-aligned, where
 * each row of x is widened once for all its passes. A kernel of its own, so that a model links
 * only the loop its layers run. */
void ST_CHANNEL_KERNEL(st_fully_connected_s8_widened)(const st_fully_connected_params *p, const int8_t *input,
                                                      const int8_t *filter, int8_t *output, void *scratch) {
    fc_layer(p, input, filter, output, scratch, 1);
}
