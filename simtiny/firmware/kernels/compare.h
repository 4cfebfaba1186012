/* The comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL) with broadcasting,
 * giving bool (one byte, 0 or 1), and LOGICAL_AND, LOGICAL_OR on bools (LiteRT comparisons.cc,
 * logical.cc): int8 compared after LiteRT's rescaling of both sides to a common scale, int16, int32
 * and float32 compared as they are. */
#ifndef ST_COMPARE_H
#define ST_COMPARE_H

#include <stdint.h>

#include "st_broadcast.h"

typedef enum { ST_EQUAL, ST_NOT_EQUAL, ST_LESS, ST_LESS_EQUAL, ST_GREATER, ST_GREATER_EQUAL, ST_AND, ST_OR } st_compare_op;

typedef struct {
    st_broadcast loops;
    int32_t op; /* st_compare_op */
    int32_t input1_offset, input1_multiplier, input1_shift; /* int8: minus the zero point, the scale (< 1) */
    int32_t input2_offset, input2_multiplier, input2_shift;
} st_compare_params;

void st_compare_s8(const st_compare_params *p, const int8_t *input1, const int8_t *input2, uint8_t *output);
void st_compare_s16(const st_compare_params *p, const int16_t *input1, const int16_t *input2, uint8_t *output);
void st_compare_s32(const st_compare_params *p, const int32_t *input1, const int32_t *input2, uint8_t *output);
void st_compare_f32(const st_compare_params *p, const float *input1, const float *input2, uint8_t *output);
/* LOGICAL_AND (op ST_AND) and LOGICAL_OR (ST_OR) on bytes of 0 and 1. */
void st_logical(const st_compare_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output);

#endif
