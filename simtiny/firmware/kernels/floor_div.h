/* FLOOR_DIV and FLOOR_MOD with broadcasting (LiteRT floor_div.cc, floor_mod.cc), on the raw
 * values whatever their quantization: FLOOR_DIV as floor(a / b) in double (so a float32 quotient
 * is rounded once, to double, before the floor), FLOOR_MOD of integers as the truncated remainder
 * moved to the divisor's sign. A zero divisor (an error for LiteRT) gives 0. */
#ifndef ST_FLOOR_DIV_H
#define ST_FLOOR_DIV_H

#include <stdint.h>

#include "st_broadcast.h"

void st_floor_div_s8(const st_broadcast *b, const int8_t *x, const int8_t *y, int8_t *out);
void st_floor_div_s16(const st_broadcast *b, const int16_t *x, const int16_t *y, int16_t *out);
void st_floor_div_s32(const st_broadcast *b, const int32_t *x, const int32_t *y, int32_t *out);
void st_floor_div_f32(const st_broadcast *b, const float *x, const float *y, float *out);
void st_floor_mod_s8(const st_broadcast *b, const int8_t *x, const int8_t *y, int8_t *out);
void st_floor_mod_s16(const st_broadcast *b, const int16_t *x, const int16_t *y, int16_t *out);
void st_floor_mod_s32(const st_broadcast *b, const int32_t *x, const int32_t *y, int32_t *out);

#endif
