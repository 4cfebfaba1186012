/* Pointwise CONV_2D int8 (TFLite reference ConvPerChannel with a 1x1 filter and stride 1):
 * out[p][oc] = requant(bias[oc] + sum_c w[oc][c] * (x[p][c] + input_offset)). The input
 * offset's share is folded into the bias at code-generation time; sums wrap modulo 2^32 like
 * LiteRT's int32 accumulator, so the folding is exact. Requantisation is gemmlowp's double
 * rounding (st_requantize_double).
 * In place, pixel p is copied to scratch before its outputs are written at p * output_c:
 * pixels go last to first when the output is wider than the input, first to last otherwise,
 * so a write never lands on a pixel not yet read.
 * On a core with the DSP extension (Cortex-M7) the dot products read words and multiply
 * pairs of int16 halves with SMLAD; the accumulators are the same sums modulo 2^32. */
#include "conv1x1_s8.h"

#include "st_quant.h"
#include "st_dsp.h"

/* The requantisation parameters in locals: the int8 output stores may alias anything, so
 * fields read through p would be reloaded after every store. */
typedef struct {
    st_channel_params ch;
    int32_t output_offset, act_min, act_max;
} requant_params;

static inline uint32_t bias_of(const requant_params *r, int32_t oc) {
    return (uint32_t)st_channel_bias(&r->ch, oc);
}

static inline int8_t requant(const requant_params *r, uint32_t acc, int32_t oc) {
    return st_channel_output(&r->ch, oc, acc, r->output_offset, r->act_min, r->act_max);
}

#if defined(__ARM_FEATURE_DSP)

/* The DSP form of conv1x1_pixel. Four input channels c..c+3 at a time: x gives the halves
 * (x[c], x[c+2]) and (x[c+1], x[c+3]); in a group, words W0..W3 hold channel c+k's weights
 * for the four outputs, and PKHBT/PKHTB pair W0 with W2 (W1 with W3) so that one SXTB16
 * gives an output's (w[c], w[c+2]) halves for one SMLAD. The input_c % 4 tail is scalar. */
static void conv1x1_pixel(const st_conv1x1_params *p, const int8_t *x, const int8_t *filter, int8_t *out) {
    const requant_params r = {p->channels, p->output_offset, p->act_min, p->act_max};
    const int32_t cin = p->input_c;
    const int32_t cout = p->output_c;
    const int32_t cin4 = cin & ~(int32_t)3;
    int32_t oc = 0;
    for (; oc + 4 <= cout; oc += 4) {
        const int8_t *w = filter + oc * cin;
        uint32_t a0 = bias_of(&r, oc), a1 = bias_of(&r, oc + 1);
        uint32_t a2 = bias_of(&r, oc + 2), a3 = bias_of(&r, oc + 3);
        int32_t c = 0;
        for (; c < cin4; c += 4) {
            const uint32_t xv = st_load4(x + c);
            const uint32_t xe = st_sxtb16(xv), xo = st_sxtb16_ror8(xv);
            const uint32_t w0 = st_load4(w), w1 = st_load4(w + 4);
            const uint32_t w2 = st_load4(w + 8), w3 = st_load4(w + 12);
            w += 16;
            const uint32_t e01 = st_pkhbt(w0, w2), e23 = st_pkhtb(w0, w2);
            a0 = st_smlad(st_sxtb16(e01), xe, a0);
            a1 = st_smlad(st_sxtb16_ror8(e01), xe, a1);
            a2 = st_smlad(st_sxtb16(e23), xe, a2);
            a3 = st_smlad(st_sxtb16_ror8(e23), xe, a3);
            const uint32_t o01 = st_pkhbt(w1, w3), o23 = st_pkhtb(w1, w3);
            a0 = st_smlad(st_sxtb16(o01), xo, a0);
            a1 = st_smlad(st_sxtb16_ror8(o01), xo, a1);
            a2 = st_smlad(st_sxtb16(o23), xo, a2);
            a3 = st_smlad(st_sxtb16_ror8(o23), xo, a3);
        }
        for (; c < cin; c++, w += 4) {
            const int32_t xv = x[c];
            a0 += (uint32_t)(w[0] * xv);
            a1 += (uint32_t)(w[1] * xv);
            a2 += (uint32_t)(w[2] * xv);
            a3 += (uint32_t)(w[3] * xv);
        }
        out[oc] = requant(&r, a0, oc);
        out[oc + 1] = requant(&r, a1, oc + 1);
        out[oc + 2] = requant(&r, a2, oc + 2);
        out[oc + 3] = requant(&r, a3, oc + 3);
    }
    for (; oc < cout; oc++) { /* the last output_c % 4 channels, one filter row each */
        const int8_t *w = filter + oc * cin;
        uint32_t a = bias_of(&r, oc);
        int32_t c = 0;
        for (; c < cin4; c += 4) {
            const uint32_t xv = st_load4(x + c), wv = st_load4(w + c);
            a = st_smlad(st_sxtb16(wv), st_sxtb16(xv), a);
            a = st_smlad(st_sxtb16_ror8(wv), st_sxtb16_ror8(xv), a);
        }
        for (; c < cin; c++) a += (uint32_t)(w[c] * (int32_t)x[c]);
        out[oc] = requant(&r, a, oc);
    }
}
#else
/* All output channels of one pixel, four at a time: the filter holds each group of four
 * output channels interleaved (w[c][0..3] consecutive), so one pointer walks the group and
 * each x load serves four multiplies. */
static void conv1x1_pixel(const st_conv1x1_params *p, const int8_t *x, const int8_t *filter, int8_t *out) {
    const requant_params r = {p->channels, p->output_offset, p->act_min, p->act_max};
    const int32_t cin = p->input_c;
    const int32_t cout = p->output_c;
    int32_t oc = 0;
    for (; oc + 4 <= cout; oc += 4) {
        const int8_t *w = filter + oc * cin;
        uint32_t a0 = bias_of(&r, oc), a1 = bias_of(&r, oc + 1);
        uint32_t a2 = bias_of(&r, oc + 2), a3 = bias_of(&r, oc + 3);
        /* software-pipelined: the next channel's five loads are issued after this channel's
         * multiplies, so no multiply waits on the load just before it */
        int32_t xv = x[0], w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        for (int32_t c = 1; c < cin; c++) {
            a0 += (uint32_t)(w0 * xv);
            a1 += (uint32_t)(w1 * xv);
            a2 += (uint32_t)(w2 * xv);
            a3 += (uint32_t)(w3 * xv);
            w += 4;
            xv = x[c];
            w0 = w[0];
            w1 = w[1];
            w2 = w[2];
            w3 = w[3];
        }
        a0 += (uint32_t)(w0 * xv);
        a1 += (uint32_t)(w1 * xv);
        a2 += (uint32_t)(w2 * xv);
        a3 += (uint32_t)(w3 * xv);
        out[oc] = requant(&r, a0, oc);
        out[oc + 1] = requant(&r, a1, oc + 1);
        out[oc + 2] = requant(&r, a2, oc + 2);
        out[oc + 3] = requant(&r, a3, oc + 3);
    }
    for (; oc < cout; oc++) { /* the last output_c % 4 channels, one filter row each */
        const int8_t *w = filter + oc * cin;
        uint32_t a = bias_of(&r, oc);
        for (int32_t c = 0; c < cin; c++) a += (uint32_t)(w[c] * (int32_t)x[c]);
        out[oc] = requant(&r, a, oc);
    }
}
#endif

void ST_CHANNEL_KERNEL(st_conv1x1_s8)(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                                      int8_t *output) {
    for (int32_t px = 0; px < p->pixels; px++) {
        conv1x1_pixel(p, input + px * p->input_c, filter, output + px * p->output_c);
    }
}

void ST_CHANNEL_KERNEL(st_conv1x1_s8_inplace)(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                                              int8_t *scratch) {
    const int32_t cin = p->input_c;
    const int32_t cout = p->output_c;
    const int32_t n = p->pixels;
    const int backwards = cout > cin;
    for (int32_t k = 0; k < n; k++) {
        const int32_t px = backwards ? n - 1 - k : k;
        const int8_t *x = buffer + px * cin;
        for (int32_t c = 0; c < cin; c++) scratch[c] = x[c];
        conv1x1_pixel(p, scratch, filter, buffer + px * cout);
    }
}
