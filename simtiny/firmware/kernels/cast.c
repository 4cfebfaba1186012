/* CAST: every element read as an int32 (each integer type fits) and written in the target type;
 * the narrowing conversions wrap modulo 2^width, as gcc and clang define them. Float input is
 * refused by the code generator (LiteRT's static_cast is undefined beyond the target's range). */
#include "cast.h"

static int32_t load(int32_t type, const void *input, int32_t k) {
    switch (type) {
        case ST_CAST_INT8: return ((const int8_t *)input)[k];
        case ST_CAST_UINT8: return ((const uint8_t *)input)[k];
        case ST_CAST_INT16: return ((const int16_t *)input)[k];
        default: return ((const int32_t *)input)[k];
    }
}

void st_cast(const st_cast_params *p, const void *input, void *output) {
    for (int32_t k = 0; k < p->count; k++) {
        const int32_t v = load(p->from, input, k);
        switch (p->to) {
            case ST_CAST_INT8: ((int8_t *)output)[k] = (int8_t)v; break;
            case ST_CAST_UINT8: ((uint8_t *)output)[k] = (uint8_t)v; break;
            case ST_CAST_INT16: ((int16_t *)output)[k] = (int16_t)v; break;
            case ST_CAST_INT32: ((int32_t *)output)[k] = v; break;
            default: ((float *)output)[k] = (float)v; break;
        }
    }
}
