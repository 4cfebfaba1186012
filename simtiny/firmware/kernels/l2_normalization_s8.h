/* L2_NORMALIZATION int8 over the last dimension (LiteRT reference_integer_ops::L2Normalization):
 * the output has scale 1/128 and zero point 0. */
#ifndef ST_L2_NORMALIZATION_S8_H
#define ST_L2_NORMALIZATION_S8_H

#include <stdint.h>

typedef struct {
    int32_t rows, depth;
    int32_t input_zero_point;
} st_l2_normalization_params;

void st_l2_normalization_s8(const st_l2_normalization_params *p, const int8_t *input, int8_t *output);

#endif
