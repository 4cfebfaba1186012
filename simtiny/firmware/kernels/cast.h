/* CAST (LiteRT cast.cc): integers to integers wrapping to the target's width, integers to float
 * rounding to nearest, anything to bool as "not zero", and float32 to integers as LiteRT 2.3
 * measurably does it: truncated toward zero, saturated to the target's range, NaN to its top. */
#ifndef ST_CAST_H
#define ST_CAST_H

#include <stdint.h>

enum { ST_CAST_INT8, ST_CAST_UINT8, ST_CAST_INT16, ST_CAST_INT32, ST_CAST_FLOAT32, ST_CAST_BOOL };

typedef struct {
    int32_t count;   /* elements */
    int32_t from, to; /* ST_CAST_* */
} st_cast_params;

void st_cast(const st_cast_params *p, const void *input, void *output);

#endif
