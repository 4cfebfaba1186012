/* ARG_MAX and ARG_MIN over one axis of an int8 tensor (LiteRT reference_ops::ArgMinMax): the index
 * of the first largest (or smallest) stored value, as int32 or int64. */
#ifndef ST_ARG_MINMAX_S8_H
#define ST_ARG_MINMAX_S8_H

#include <stdint.h>

typedef struct {
    int32_t outer, axis, inner; /* the input seen as [outer][axis][inner] */
    int32_t maximum;            /* 1: ARG_MAX, 0: ARG_MIN */
    int32_t wide;               /* 1: int64 indices, 0: int32 */
} st_arg_minmax_params;

void st_arg_minmax_s8(const st_arg_minmax_params *p, const int8_t *input, void *output);

#endif
