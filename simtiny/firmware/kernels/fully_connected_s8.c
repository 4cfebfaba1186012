/* FULLY_CONNECTED int8: out[b][o] = requant(bias[o] + sum_d (w[o][d] + fo) * (x[b][d] + io)),
 * LiteRT's single-rounding requantisation. Sums wrap modulo 2^32 like LiteRT's int32
 * accumulator. On a core with the DSP extension, int8 weights with no zero point (the int8
 * spec's symmetric weights) take a SIMD path: x + io fits an int16 half, so SXTAB16 makes
 * pairs of them and SMLAD does two multiply-accumulates at once, four outputs per pass
 * sharing the input's unpacking. */
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

/* The portable dot product: any filter zero point. */
static uint32_t fc_dot(const st_fully_connected_params *p, const int8_t *w, const int8_t *x) {
    uint32_t acc = 0;
    for (int32_t d = 0; d < p->accum_depth; d++) {
        acc += (uint32_t)(((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset));
    }
    return acc;
}

#if defined(__ARM_FEATURE_DSP)
/* Filter zero point 0 and accum_depth a multiple of 4: sum_d w[d] * (x[d] + io), four input
 * features per step and four outputs per pass, so that each unpacking of the input serves four
 * rows of weights. The last output_depth % 4 outputs take the portable dot product. */
static void fc_row_dsp(const st_fully_connected_params *p, const int8_t *x, const int8_t *filter, int8_t *y) {
    const int32_t depth = p->accum_depth;
    const int32_t io = p->input_offset;
    const uint32_t io2 = st_dup16(io); /* io in both halves, for SXTAB16 */
    int32_t o = 0;
    for (; o + 4 <= p->output_depth; o += 4) {
        const int8_t *w = filter + o * depth;
        uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int32_t d = 0; d < depth; d += 4) {
            const uint32_t xv = st_load4(x + d);
            const uint32_t xe = st_sxtab16(io2, xv), xo = st_sxtab16_ror8(io2, xv);
            const uint32_t v0 = st_load4(w + d), v1 = st_load4(w + depth + d);
            a0 = st_smlad(st_sxtb16(v0), xe, a0);
            a0 = st_smlad(st_sxtb16_ror8(v0), xo, a0);
            a1 = st_smlad(st_sxtb16(v1), xe, a1);
            a1 = st_smlad(st_sxtb16_ror8(v1), xo, a1);
            const uint32_t v2 = st_load4(w + 2 * depth + d), v3 = st_load4(w + 3 * depth + d);
            a2 = st_smlad(st_sxtb16(v2), xe, a2);
            a2 = st_smlad(st_sxtb16_ror8(v2), xo, a2);
            a3 = st_smlad(st_sxtb16(v3), xe, a3);
            a3 = st_smlad(st_sxtb16_ror8(v3), xo, a3);
        }
        y[o] = fc_output(p, a0, o);
        y[o + 1] = fc_output(p, a1, o + 1);
        y[o + 2] = fc_output(p, a2, o + 2);
        y[o + 3] = fc_output(p, a3, o + 3);
    }
    for (; o < p->output_depth; o++) y[o] = fc_output(p, fc_dot(p, filter + o * depth, x), o);
}
#endif

void ST_CHANNEL_KERNEL(st_fully_connected_s8)(const st_fully_connected_params *p, const int8_t *input,
                                              const int8_t *filter, int8_t *output) {
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *x = input + b * p->accum_depth;
        int8_t *y = output + b * p->output_depth;
#if defined(__ARM_FEATURE_DSP)
        if (p->filter_offset == 0 && (p->accum_depth & 3) == 0) {
            fc_row_dsp(p, x, filter, y);
            continue;
        }
#endif
        for (int32_t o = 0; o < p->output_depth; o++) {
            y[o] = fc_output(p, fc_dot(p, filter + o * p->accum_depth, x), o);
        }
    }
}
