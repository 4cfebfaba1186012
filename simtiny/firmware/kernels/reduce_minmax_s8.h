/* REDUCE_MAX and REDUCE_MIN int8 (and int16) over any set of axes (LiteRT reference reduce.cc: the largest or
 * smallest stored value, no rescaling). The input is seen as nested kept ("outer") and reduced
 * ("inner") dimensions, each with its stride in the input, in elements, as MEAN sees it. */
#ifndef ST_REDUCE_MINMAX_S8_H
#define ST_REDUCE_MINMAX_S8_H

#include <stdint.h>

#define ST_REDUCE_MAX_DIMS 8

typedef struct {
    int32_t outer_rank; /* kept dimensions, outermost first */
    int32_t outer_size[ST_REDUCE_MAX_DIMS];
    int32_t outer_stride[ST_REDUCE_MAX_DIMS];
    int32_t inner_rank; /* reduced dimensions, outermost first */
    int32_t inner_size[ST_REDUCE_MAX_DIMS];
    int32_t inner_stride[ST_REDUCE_MAX_DIMS];
    int32_t num_outputs; /* product of outer_size */
    int32_t maximum;     /* 1: REDUCE_MAX, 0: REDUCE_MIN */
} st_reduce_minmax_params;

void st_reduce_minmax_s8(const st_reduce_minmax_params *p, const int8_t *input, int8_t *output);
void st_reduce_minmax_s16(const st_reduce_minmax_params *p, const int16_t *input, int16_t *output);

#endif
