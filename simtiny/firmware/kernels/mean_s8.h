/* MEAN int8 over any set of axes. The input is seen as nested "outer" (kept) and "inner"
 * (reduced) dimensions, each with its stride in the input, in elements. */
#ifndef ST_MEAN_S8_H
#define ST_MEAN_S8_H

#include <stdint.h>

#define ST_MEAN_MAX_DIMS 8

typedef struct {
    int32_t outer_rank;                     /* kept dimensions, outermost first */
    int32_t outer_size[ST_MEAN_MAX_DIMS];
    int32_t outer_stride[ST_MEAN_MAX_DIMS];
    int32_t inner_rank;                     /* reduced dimensions, outermost first */
    int32_t inner_size[ST_MEAN_MAX_DIMS];
    int32_t inner_stride[ST_MEAN_MAX_DIMS];
    int32_t num_outputs;                    /* product of outer_size */
    int32_t num_elements;                   /* product of inner_size */
    int32_t sum_offset;   /* -input_zero_point * num_elements, wrapped to 32 bits */
    int32_t multiplier;   /* input_scale / output_scale / num_elements, Q31 ... */
    int32_t shift;        /* ... and its shift (gemmlowp double rounding) */
    int32_t output_zero_point;
} st_mean_params;

void st_mean_s8(const st_mean_params *p, const int8_t *input, int8_t *output);
/* The same over int16 values (the converter's 16x8 mode). */
void st_mean_s16(const st_mean_params *p, const int16_t *input, int16_t *output);

#endif
