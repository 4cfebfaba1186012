/* FULLY_CONNECTED int8: out[b][o] = requant(bias[o] + sum_d (w[o][d] + fo) * (x[b][d] + io)),
 * LiteRT's single-rounding requantisation. Sums wrap modulo 2^32 like LiteRT's int32
 * accumulator. On a core with the DSP extension, int8 weights with no zero point (the int8
 * spec's symmetric weights) take a SIMD path: x + io fits an int16 half, so SXTAB16 makes
 * pairs of them and SMLAD does two multiply-accumulates at once, four outputs per pass
 * sharing the input's unpacking (their rows interleaved by the code generator, fc_weight). */
#include "fully_connected_s8.h"

#include "st_dsp.h"
#include "st_quant.h"

/* Out of line: called once per output, and inlined at three call sites it would cost flash. */
__attribute__((noinline)) static int8_t fc_output(const st_fully_connected_params *p, uint32_t acc, int32_t o) {
    int32_t mult, shift;
    st_channel_requant(&p->channels, o, &mult, &shift);
    const int32_t v = st_requantize_single((int32_t)(acc + (uint32_t)st_channel_bias(&p->channels, o)),
                                                     mult, (int)shift);
    return (int8_t)st_clamp(v + p->output_offset, p->act_min, p->act_max);
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
                     "sxtb16 %[te], %[tb]\n\t"
                     "sxtb16 %[tb], %[tb], ror #8\n\t"
                     "smlad %[a0], %[te], %[tx], %[a0]\n\t"
                     "sxtb16 %[te], %[tc]\n\t"
                     "smlad %[a0], %[tb], %[ta], %[a0]\n\t"
                     "sxtb16 %[tc], %[tc], ror #8\n\t"
                     "smlad %[a1], %[te], %[tx], %[a1]\n\t"
                     "ldrd %[tb], %[te], [%[wp]], #8\n\t"  /* rows 2 and 3 */
                     "smlad %[a1], %[tc], %[ta], %[a1]\n\t"
                     "sxtb16 %[tc], %[tb]\n\t"
                     "sxtb16 %[tb], %[tb], ror #8\n\t"
                     "smlad %[a2], %[tc], %[tx], %[a2]\n\t"
                     "sxtb16 %[tc], %[te]\n\t"
                     "smlad %[a2], %[tb], %[ta], %[a2]\n\t"
                     "sxtb16 %[te], %[te], ror #8\n\t"
                     "smlad %[a3], %[tc], %[tx], %[a3]\n\t"
                     "cmp %[xp], %[end]\n\t"
                     "smlad %[a3], %[te], %[ta], %[a3]\n\t"
                     "bne 1b\n\t"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xp] "+r"(x), [wp] "+r"(w),
                       [ta] "=&r"(ta), [tb] "=&r"(tb), [tc] "=&r"(tc), [te] "=&r"(te), [tx] "=&r"(tx)
                     : [end] "r"(end), [io2] "r"(io2)
                     : "cc", "memory");
    acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}
#endif

void ST_CHANNEL_KERNEL(st_fully_connected_s8)(const st_fully_connected_params *p, const int8_t *input,
                                              const int8_t *filter, int8_t *output) {
    const int32_t depth = p->accum_depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * depth;
        int8_t *y = output + b * p->output_depth;
        int32_t o = 0;
#if defined(__ARM_FEATURE_DSP)
        if (p->filter_offset == 0 && (depth & 3) == 0) { /* four rows a pass, each unpacking of x serving four */
            const uint32_t io2 = st_dup16(p->input_offset); /* io in both halves, for SXTAB16 */
            for (; o + 4 <= p->output_depth; o += 4) {
                uint32_t a[4];
                fc_dot4(x, filter + o * depth, depth, io2, a);
                for (int32_t k = 0; k < 4; k++) y[o + k] = fc_output(p, a[k], o + k);
            }
        }
#endif
        for (; o < p->output_depth; o++) y[o] = fc_output(p, fc_dot(p, filter, o, x), o);
    }
}
