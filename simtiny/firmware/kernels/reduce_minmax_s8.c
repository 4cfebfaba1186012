/* REDUCE_MAX and REDUCE_MIN int8 and int16: per output, the reduced dimensions walked as one odometer from
 * the first element, keeping the largest (or smallest) stored value, as LiteRT's ReduceGeneric
 * does from the type's lowest (or highest) value. */
#include "reduce_minmax_s8.h"

#include "st_odometer.h"

/* One kernel per element type, from the type's lowest (or highest) value. */
#define ST_REDUCE_MINMAX(name, type, lowest, highest)                                                     \
    void name(const st_reduce_minmax_params *p, const type *input, type *output) {                        \
        int32_t outer_index[ST_REDUCE_MAX_DIMS] = {0};                                                    \
        int32_t base = 0;                                                                                 \
        for (int32_t o = 0; o < p->num_outputs; o++) {                                                    \
            int32_t inner_index[ST_REDUCE_MAX_DIMS] = {0};                                                \
            int32_t at = 0;                                                                               \
            type best = p->maximum ? (lowest) : (highest);                                                \
            do {                                                                                          \
                const type v = input[base + at];                                                          \
                if (p->maximum ? v > best : v < best) best = v;                                           \
            } while (st_odometer_next(inner_index, p->inner_size, p->inner_stride, p->inner_rank, &at));  \
            output[o] = best;                                                                             \
            st_odometer_next(outer_index, p->outer_size, p->outer_stride, p->outer_rank, &base);          \
        }                                                                                                 \
    }

ST_REDUCE_MINMAX(st_reduce_minmax_s8, int8_t, -128, 127)
ST_REDUCE_MINMAX(st_reduce_minmax_s16, int16_t, -32768, 32767)
