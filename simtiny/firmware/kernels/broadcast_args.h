/* BROADCAST_ARGS (LiteRT broadcast_args.cc): the shape two shapes broadcast to, the two aligned
 * at their last dimensions, a missing dimension counted as 1, and a dimension of 1 taking the
 * other's. Shapes that do not broadcast fail LiteRT's invocation; here such a dimension takes the
 * first shape's (no reference to compare with). */
#ifndef ST_BROADCAST_ARGS_H
#define ST_BROADCAST_ARGS_H

#include <stdint.h>

typedef struct {
    int32_t n1, n2, n; /* the two shapes' lengths and the output's, the longer of the two */
} st_broadcast_args_params;

void st_broadcast_args_s32(const st_broadcast_args_params *p, const int32_t *s1, const int32_t *s2, int32_t *out);
void st_broadcast_args_s64(const st_broadcast_args_params *p, const int64_t *s1, const int64_t *s2, int64_t *out);

#endif
