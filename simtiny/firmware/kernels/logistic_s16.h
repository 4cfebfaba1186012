/* LOGISTIC int16 -> int16 (the converter's 16x8 mode), as LiteRT's and TF-Lite Micro's reference
 * kernels compute it: the input rescaled to steps of 1/(3 * 4096), then a 256-entry table of
 * sigmoid(i / 24) in Q0.16 interpolated linearly on the absolute value. TANH (tanh_s16.h) reads the
 * same table and the same parameters. The code generator computes the table and the scaling. */
#ifndef ST_LOGISTIC_S16_H
#define ST_LOGISTIC_S16_H

#include <stdint.h>

typedef struct {
    int32_t size;               /* elements */
    int32_t input_multiplier;   /* 1 .. 32767: input * multiplier >> shift, rounded, is ... */
    int32_t input_shift;        /* ... the input in steps of 1/(3 * 4096) (0 .. 31) */
    const uint16_t *table;      /* sigmoid(i / 24) in Q0.16, i = 0 .. 255 */
} st_sigmoid16_params;

/* output may be input (in place). Output in Q0.15. */
void st_logistic_s16(const st_sigmoid16_params *p, const int16_t *input, int16_t *output);

/* The rescaled input, as the references round it (half up, then an arithmetic shift). */
static inline int32_t st_sigmoid16_rescale(const st_sigmoid16_params *p, int16_t x) {
    const int32_t half = p->input_shift > 0 ? (int32_t)1 << (p->input_shift - 1) : 0;
    return (x * p->input_multiplier + half) >> p->input_shift;
}

#endif
