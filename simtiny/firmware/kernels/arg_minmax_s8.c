/* ARG_MAX and ARG_MIN int8: per (outer, inner) position, the walk along the axis keeps the first
 * strictly larger (or smaller) value, so ties go to the lowest index, as LiteRT's std::greater /
 * std::less comparison does. */
#include "arg_minmax_s8.h"

void st_arg_minmax_s8(const st_arg_minmax_params *p, const int8_t *input, void *output) {
    int32_t *narrow = (int32_t *)output;
    int64_t *wide = (int64_t *)output;
    for (int32_t o = 0; o < p->outer; o++) {
        const int8_t *block = input + o * p->axis * p->inner;
        for (int32_t i = 0; i < p->inner; i++) {
            int8_t best = block[i];
            int32_t index = 0;
            for (int32_t a = 1; a < p->axis; a++) {
                const int8_t v = block[a * p->inner + i];
                if (p->maximum ? v > best : v < best) best = v, index = a;
            }
            if (p->wide) {
                *wide++ = index;
            } else {
                *narrow++ = index;
            }
        }
    }
}
