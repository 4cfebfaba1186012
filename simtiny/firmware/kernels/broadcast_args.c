/* BROADCAST_ARGS: dimension by dimension from the last. */
#include "broadcast_args.h"

#define ST_BROADCAST_ARGS(name, type)                                                    \
    void name(const st_broadcast_args_params *p, const type *s1, const type *s2, type *out) { \
        for (int32_t k = 0; k < p->n; k++) {                                             \
            const type d1 = k < p->n1 ? s1[p->n1 - 1 - k] : 1;                           \
            const type d2 = k < p->n2 ? s2[p->n2 - 1 - k] : 1;                           \
            out[p->n - 1 - k] = d1 == 1 ? d2 : d1;                                       \
        }                                                                                \
    }

ST_BROADCAST_ARGS(st_broadcast_args_s32, int32_t)
ST_BROADCAST_ARGS(st_broadcast_args_s64, int64_t)
