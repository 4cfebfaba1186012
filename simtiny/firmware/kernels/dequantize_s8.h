/* DEQUANTIZE int8 or int16 -> float32 (reference_integer_ops::Dequantize, per tensor). */
#ifndef ST_DEQUANTIZE_S8_H
#define ST_DEQUANTIZE_S8_H

#include <stdint.h>

typedef struct {
    int32_t size;       /* elements */
    float scale;        /* input scale */
    int32_t zero_point; /* input zero point */
} st_dequantize_params;

void st_dequantize_s8_f32(const st_dequantize_params *p, const int8_t *input, float *output);
void st_dequantize_s16_f32(const st_dequantize_params *p, const int16_t *input, float *output);

#endif
