/* SOFTMAX int16 -> int16 over the last axis (LiteRT reference_ops::SoftmaxInt16): exponentials and
 * the reciprocal of their sum from two 513-entry tables interpolated linearly, as LiteRT's
 * Prepare builds them (the code generator builds the same). */
#ifndef ST_SOFTMAX_S16_H
#define ST_SOFTMAX_S16_H

#include <stdint.h>

typedef struct {
    int32_t outer, depth;         /* rows, and entries per row */
    int32_t input_multiplier;     /* input scale * beta / (10 / 65535), Q31 ... */
    int32_t input_shift;          /* ... and its shift (gemmlowp double rounding) */
    const int16_t *exp_lut;       /* exp(x) over [-10, 0], 513 entries */
    const int16_t *reciprocal_lut; /* 1 / (1 + x) over [0, 1], 513 entries */
} st_softmax_s16_params;

void st_softmax_s16(const st_softmax_s16_params *p, const int16_t *input, int16_t *output);

#endif
