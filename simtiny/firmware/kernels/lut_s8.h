/* Any 8-bit -> 8-bit elementwise operator as a 256-entry table computed at code-generation time
 * (LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU*, QUANTIZE int8/uint8 -> int8/uint8). */
#ifndef ST_LUT_S8_H
#define ST_LUT_S8_H

#include <stdint.h>

typedef struct {
    int32_t size;         /* elements */
    const uint8_t *table; /* 256 output bytes, indexed by the input byte (int8 -1 is index 255) */
} st_lut_params;

/* output may be input (in place). */
void st_lut_s8(const st_lut_params *p, const uint8_t *input, uint8_t *output);

#endif
