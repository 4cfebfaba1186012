/* CUMSUM: per (outer, inner) position, one running sum along the axis. */
#include "cumsum.h"

#define ST_CUMSUM(name, type, acc_type)                                                     \
    void name(const st_cumsum_params *p, const type *input, type *output) {                 \
        for (int32_t o = 0; o < p->outer; o++) {                                            \
            for (int32_t i = 0; i < p->inner; i++) {                                        \
                acc_type acc = 0;                                                           \
                for (int32_t d = 0; d < p->depth; d++) {                                    \
                    const int32_t k = p->reverse ? p->depth - 1 - d : d;                    \
                    const int32_t at = (o * p->depth + k) * p->inner + i;                   \
                    if (p->exclusive) {                                                     \
                        output[at] = (type)acc;                                             \
                        acc += (acc_type)input[at];                                         \
                    } else {                                                                \
                        acc += (acc_type)input[at];                                         \
                        output[at] = (type)acc;                                             \
                    }                                                                       \
                }                                                                           \
            }                                                                               \
        }                                                                                   \
    }

ST_CUMSUM(st_cumsum_f32, float, float)
ST_CUMSUM(st_cumsum_s32, int32_t, uint32_t)
