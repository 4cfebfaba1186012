/* SOFTMAX int8 -> int8 over the last axis (output scale 1/256, zero point -128). */
#ifndef ST_SOFTMAX_S8_H
#define ST_SOFTMAX_S8_H

#include <stdint.h>

typedef struct {
    int32_t outer_size;       /* rows: product of every dimension but the last */
    int32_t depth;            /* length of the last dimension */
    int32_t input_multiplier; /* beta * input scale * 2^26, as a Q31 multiplier ... */
    int32_t input_left_shift; /* ... and its left shift (PreprocessSoftmaxScaling) */
    int32_t diff_min;         /* differences to the row maximum below this give -128 */
} st_softmax_params;

/* The last index of the table of exponentials: differences run from max(diff_min, -255) to 0. */
#define ST_SOFTMAX_TABLE_LAST(diff_min) ((diff_min) > -255 ? -(diff_min) : 255)

/* table: 0, or scratch for ST_SOFTMAX_TABLE_LAST(diff_min) + 1 int32 (4-byte aligned). */
void st_softmax_s8(const st_softmax_params *p, const int8_t *input, int8_t *output, int32_t *table);

/* The same with int16 output (zero point -32768, scale 1/65536). */
void st_softmax_s8_s16(const st_softmax_params *p, const int8_t *input, int16_t *output);

#endif
