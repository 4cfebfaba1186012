/* QUANTIZE float32 -> int8 or int16 (reference_ops::AffineQuantize, per tensor). */
#ifndef ST_QUANTIZE_S8_H
#define ST_QUANTIZE_S8_H

#include <stdint.h>

typedef struct {
    int32_t size;       /* elements */
    float scale;        /* output scale */
    int32_t zero_point; /* output zero point */
} st_quantize_params;

void st_quantize_f32_s8(const st_quantize_params *p, const float *input, int8_t *output);
void st_quantize_f32_s16(const st_quantize_params *p, const float *input, int16_t *output);

#endif
