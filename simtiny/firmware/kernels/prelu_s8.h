/* PRELU int8 with alpha broadcast (LiteRT reference BroadcastPrelu4DSlow): a non-negative offset
 * input rescaled by input scale / output scale, a negative one multiplied by the offset alpha and
 * rescaled by input scale * alpha scale / output scale. */
#ifndef ST_PRELU_S8_H
#define ST_PRELU_S8_H

#include <stdint.h>

#include "st_broadcast.h"

typedef struct {
    st_broadcast loops; /* input 1: the input, input 2: alpha */
    int32_t multiplier_positive, shift_positive, multiplier_negative, shift_negative;
    int32_t input_offset, alpha_offset, output_offset;
} st_prelu_params;

void st_prelu_s8(const st_prelu_params *p, const int8_t *input, const int8_t *alpha, int8_t *output);

#endif
