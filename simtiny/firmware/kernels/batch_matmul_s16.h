/* BATCH_MATMUL int16 (the converter's 16x8 mode; LiteRT reference batch_matmul.h with int16 values
 * and int64 sums): the int8 kernel's walk (batch_matmul_s8.h) with zero points 0, each sum
 * requantised with the multiplier cut to 16 bits (st_requantize_int64) and clamped to int16. */
#ifndef ST_BATCH_MATMUL_S16_H
#define ST_BATCH_MATMUL_S16_H

#include <stdint.h>

#include "batch_matmul_s8.h"

/* The offsets of p are 0. */
void st_batch_matmul_s16(const st_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output);

#endif
