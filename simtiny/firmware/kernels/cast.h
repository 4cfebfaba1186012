/* CAST (LiteRT cast.cc): each element converted as C++'s static_cast does, integers to integers
 * wrapping to the target's width, integers to float rounding to nearest. */
#ifndef ST_CAST_H
#define ST_CAST_H

#include <stdint.h>

enum { ST_CAST_INT8, ST_CAST_UINT8, ST_CAST_INT16, ST_CAST_INT32, ST_CAST_FLOAT32 };

typedef struct {
    int32_t count;   /* elements */
    int32_t from, to; /* ST_CAST_* */
} st_cast_params;

void st_cast(const st_cast_params *p, const void *input, void *output);

#endif
