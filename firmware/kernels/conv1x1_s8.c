/* Pointwise CONV_2D int8 (TFLite reference ConvPerChannel with a 1x1 filter and stride 1):
 * out[p][oc] = requant(bias[oc] + sum_c w[oc][c] * (x[p][c] + input_offset)). The input
 * offset's share is folded into the bias at code-generation time; sums wrap modulo 2^32 like
 * LiteRT's int32 accumulator, so the folding is exact. Requantisation is gemmlowp's double
 * rounding (st_conv_requantize).
 * In place, pixel p is copied to scratch before its outputs are written at p * output_c:
 * pixels go last to first when the output is wider than the input, first to last otherwise,
 * so a write never lands on a pixel not yet read. */
#include "conv1x1_s8.h"

#include "conv2d_s8.h" /* st_conv_requantize */

/* The requantisation parameters in locals: the int8 output stores may alias anything, so
 * fields read through p would be reloaded after every store. */
typedef struct {
    const int32_t *multiplier;
    const int8_t *shift;
    int32_t step; /* 1 per channel, 0 per tensor */
    int32_t output_offset, act_min, act_max;
} requant_params;

static inline int8_t requant(const requant_params *r, uint32_t acc, int32_t oc) {
    const int32_t q = oc * r->step;
    const int32_t v = st_conv_requantize((int32_t)acc, r->multiplier[q], r->shift[q]) + r->output_offset;
    return (int8_t)st_clamp(v, r->act_min, r->act_max);
}

/* All output channels of one pixel, four at a time: the filter holds each group of four
 * output channels interleaved (w[c][0..3] consecutive), so one pointer walks the group and
 * each x load serves four multiplies. */
static void conv1x1_pixel(const st_conv1x1_params *p, const int8_t *x, const int8_t *filter,
                          const int32_t *bias, int8_t *out) {
    const requant_params r = {p->multiplier, p->shift, p->per_channel ? 1 : 0,
                              p->output_offset, p->act_min, p->act_max};
    const int32_t cin = p->input_c;
    const int32_t cout = p->output_c;
    int32_t oc = 0;
    for (; oc + 4 <= cout; oc += 4) {
        const int8_t *w = filter + oc * cin;
        uint32_t a0 = (uint32_t)bias[oc], a1 = (uint32_t)bias[oc + 1];
        uint32_t a2 = (uint32_t)bias[oc + 2], a3 = (uint32_t)bias[oc + 3];
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
        uint32_t a = (uint32_t)bias[oc];
        for (int32_t c = 0; c < cin; c++) a += (uint32_t)(w[c] * (int32_t)x[c]);
        out[oc] = requant(&r, a, oc);
    }
}

void st_conv1x1_s8(const st_conv1x1_params *p, const int8_t *input, const int8_t *filter,
                   const int32_t *bias, int8_t *output) {
    for (int32_t px = 0; px < p->pixels; px++) {
        conv1x1_pixel(p, input + px * p->input_c, filter, bias, output + px * p->output_c);
    }
}

void st_conv1x1_s8_inplace(const st_conv1x1_params *p, int8_t *buffer, const int8_t *filter,
                           const int32_t *bias, int8_t *scratch) {
    const int32_t cin = p->input_c;
    const int32_t cout = p->output_c;
    const int32_t n = p->pixels;
    const int backwards = cout > cin;
    for (int32_t k = 0; k < n; k++) {
        const int32_t px = backwards ? n - 1 - k : k;
        const int8_t *x = buffer + px * cin;
        for (int32_t c = 0; c < cin; c++) scratch[c] = x[c];
        conv1x1_pixel(p, scratch, filter, bias, buffer + px * cout);
    }
}
