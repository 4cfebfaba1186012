/* TRANSPOSE_CONV int8: output pixel (oy, ox) takes input pixel (iy, ix) through filter tap
 * (fy, fx) where iy * stride - pad + fy = oy (and likewise across), as LiteRT scatters it; the
 * int32 sums are the same, gathered per output pixel so that only one pixel's sums are kept. */
#include "transpose_conv_s8.h"

#include "st_dsp.h"
#include "st_quant.h"

/* One input pixel through one filter tap into every output channel's sum. With the DSP
 * extension the pixel's channels are widened once (offset added, halfword pairs in `wide`) and
 * each channel's weights taken four at a time, two SMLADs per four. */
static void tap(const st_transpose_conv_params *p, const int8_t *x, const int8_t *w, int32_t *acc, uint32_t *wide) {
    const int32_t in_c = p->in_c, step = p->filter_h * p->filter_w * in_c;
    int32_t k0 = 0;
#if defined(__ARM_FEATURE_DSP)
    const int32_t quads = in_c / 4;
    const uint32_t offset = st_dup16(p->input_offset);
    for (int32_t q = 0; q < quads; q++) {
        const uint32_t word = st_load4(x + 4 * q);
        wide[2 * q] = st_sxtab16(offset, word);
        wide[2 * q + 1] = st_sxtab16_ror8(offset, word);
    }
    k0 = 4 * quads;
#else
    (void)wide;
#endif
    for (int32_t c = 0; c < p->out_c; c++, w += step) {
        uint32_t sum = 0;
#if defined(__ARM_FEATURE_DSP)
        for (int32_t q = 0; q < k0 / 4; q++) {
            const uint32_t word = st_load4(w + 4 * q);
            sum = st_smlad(wide[2 * q], st_sxtb16(word), sum);
            sum = st_smlad(wide[2 * q + 1], st_sxtb16_ror8(word), sum);
        }
#endif
        for (int32_t k = k0; k < in_c; k++) sum += (uint32_t)((x[k] + p->input_offset) * w[k]);
        acc[c] += (int32_t)sum;
    }
}

void st_transpose_conv_s8(const st_transpose_conv_params *p, const int8_t *input, int8_t *output, int32_t *acc) {
    const int32_t out_c = p->out_c;
    uint32_t *wide = (uint32_t *)(acc + out_c);
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t oy = 0; oy < p->out_h; oy++) {
            for (int32_t ox = 0; ox < p->out_w; ox++) {
                for (int32_t c = 0; c < out_c; c++) acc[c] = 0;
                ST_TRANSPOSE_CONV_TAPS(p, input, int8_t, b, oy, ox, tap(p, x, w, acc, wide));
                for (int32_t c = 0; c < out_c; c++) {
                    const int32_t total = acc[c] + (p->bias ? p->bias[c] : 0);
                    int32_t v = st_requantize_double(total, p->multiplier[c], p->shift[c]) + p->output_offset;
                    v = v < p->act_min ? p->act_min : v > p->act_max ? p->act_max : v;
                    *output++ = (int8_t)v;
                }
            }
        }
    }
}
