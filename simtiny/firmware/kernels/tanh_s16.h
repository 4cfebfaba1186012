/* TANH int16 -> int16 (the converter's 16x8 mode): the sigmoid table of LOGISTIC read through
 * tanh(x) = 2 sigmoid(2x) - 1, as LiteRT's and TF-Lite Micro's reference kernels read it. */
#ifndef ST_TANH_S16_H
#define ST_TANH_S16_H

#include "logistic_s16.h"

/* output may be input (in place). Output in Q0.15. */
void st_tanh_s16(const st_sigmoid16_params *p, const int16_t *input, int16_t *output);

#endif
