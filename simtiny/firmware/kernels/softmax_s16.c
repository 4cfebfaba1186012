/* SOFTMAX int16: per row, each entry's difference from the row's maximum scaled so that [-65535, 0]
 * spans [-10, 0], recentred and looked up in the exp table (Q0.15); their sum normalised by its
 * leading zeros and looked up in the 1 / (1 + x) table; each exponential times that reciprocal,
 * rounded and shifted back, clamped to [0, 32767]. Every step as LiteRT's reference does it, in
 * integers: the tables are the only floating point, computed at code-generation time. */
#include "softmax_s16.h"

#include "st_quant.h"

/* LiteRT's LUTLookup for int16: 512 segments of 128 values, linear between their ends. */
static inline int16_t lookup(int16_t value, const int16_t *lut) {
    const int32_t index = 256 + (value >> 7); /* arithmetic shift: 0 .. 511 */
    const int32_t offset = value & 0x7f;
    const int32_t slope = (int16_t)(lut[index + 1] - lut[index]);
    return (int16_t)(lut[index] + ((slope * offset + 64) >> 7));
}

static inline int32_t clamp16(int32_t v, int32_t lo, int32_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

void st_softmax_s16(const st_softmax_s16_params *p, const int16_t *input, int16_t *output) {
    for (int32_t row = 0; row < p->outer; row++, input += p->depth, output += p->depth) {
        int16_t max = -32768;
        for (int32_t c = 0; c < p->depth; c++) max = input[c] > max ? input[c] : max;
        int32_t sum = 0; /* Q16.15; the exponentials are cached in the output row */
        for (int32_t c = 0; c < p->depth; c++) {
            const int32_t scaled = st_requantize_double(input[c] - max, p->input_multiplier, p->input_shift);
            output[c] = lookup((int16_t)clamp16(scaled + 32767, -32768, 32767), p->exp_lut);
            sum += output[c];
        }
        const int32_t headroom = __builtin_clz((uint32_t)sum); /* sum >= exp(0) > 0, so 1 .. 17 */
        const int32_t shifted = (int32_t)((((int64_t)sum << (headroom - 1)) + (1 << 13)) >> 14);
        const int16_t reciprocal = lookup((int16_t)clamp16(shifted - ((1 << 15) + (1 << 16)), -32768, 32767),
                                          p->reciprocal_lut);
        const int32_t right = 31 - headroom;
        for (int32_t c = 0; c < p->depth; c++) {
            const int64_t product = (int64_t)output[c] * reciprocal + ((int64_t)1 << (right - 1));
            output[c] = (int16_t)clamp16((int32_t)(product >> right), 0, 32767);
        }
    }
}
