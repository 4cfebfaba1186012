/* QUANTIZE int16 -> int8, int16 or int32, and int8 -> int16 (LiteRT reference_ops::Requantize):
 * each value requantised (gemmlowp's double rounding), offset and clamped to the output type. */
#ifndef ST_REQUANTIZE_S16_S8_H
#define ST_REQUANTIZE_S16_S8_H

#include <stdint.h>

typedef struct {
    int32_t count;
    int32_t multiplier, shift; /* input scale / output scale */
    int32_t input_zero_point, output_zero_point;
} st_requantize_s16_params;

void st_requantize_s16_s8(const st_requantize_s16_params *p, const int16_t *input, int8_t *output);
void st_requantize_s16_s32(const st_requantize_s16_params *p, const int16_t *input, int32_t *output);
void st_requantize_s16_s16(const st_requantize_s16_params *p, const int16_t *input, int16_t *output);
void st_requantize_s8_s16(const st_requantize_s16_params *p, const int8_t *input, int16_t *output);

#endif
