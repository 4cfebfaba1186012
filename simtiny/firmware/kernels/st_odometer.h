/* Nested loops walked as one: after each run of the innermost loop, the outer loops advance like
 * an odometer, moving an element offset by each loop's step (PAD, the strided copy). */
#ifndef ST_ODOMETER_H
#define ST_ODOMETER_H

#include <stdint.h>

/* Advance loops [0, last): loop d counts to extent[d], each count moving *at by step[d].
 * Returns 0 once every loop has wrapped: the walk is complete. */
static inline int st_odometer_next(int32_t *index, const int32_t *extent, const int32_t *step, int32_t last,
                                   int32_t *at) {
    for (int32_t d = last - 1; d >= 0; d--) {
        *at += step[d];
        if (++index[d] < extent[d]) return 1;
        *at -= step[d] * extent[d];
        index[d] = 0;
    }
    return 0;
}

#endif
