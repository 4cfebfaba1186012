/* CAST: an integer element read as an int32 (each integer type fits) and written in the target
 * type, the narrowing conversions wrapping modulo 2^width as gcc and clang define them; a float
 * element truncated and saturated first (st_saturate), never converted out of range. */
#include "cast.h"

static int32_t load(int32_t type, const void *input, int32_t k) {
    switch (type) {
        case ST_CAST_INT8: return ((const int8_t *)input)[k];
        case ST_CAST_UINT8:
        case ST_CAST_BOOL: return ((const uint8_t *)input)[k];
        case ST_CAST_INT16: return ((const int16_t *)input)[k];
        default: return ((const int32_t *)input)[k];
    }
}

/* x truncated toward zero within [lo, hi]; NaN gives hi, as LiteRT's cast gives it. The bounds
 * are compared as floats: (float)INT32_MAX is 2^31, and every float below it converts. */
static int32_t st_saturate(float x, int32_t lo, int32_t hi) {
    if (x != x || x >= (float)hi) return hi;
    if (x <= (float)lo) return lo;
    return (int32_t)x;
}

static void from_float(const st_cast_params *p, const float *input, void *output) {
    for (int32_t k = 0; k < p->count; k++) {
        const float x = input[k];
        switch (p->to) {
            case ST_CAST_INT8: ((int8_t *)output)[k] = (int8_t)st_saturate(x, INT8_MIN, INT8_MAX); break;
            case ST_CAST_UINT8: ((uint8_t *)output)[k] = (uint8_t)st_saturate(x, 0, UINT8_MAX); break;
            case ST_CAST_INT16: ((int16_t *)output)[k] = (int16_t)st_saturate(x, INT16_MIN, INT16_MAX); break;
            case ST_CAST_INT32: ((int32_t *)output)[k] = st_saturate(x, INT32_MIN, INT32_MAX); break;
            case ST_CAST_BOOL: ((uint8_t *)output)[k] = x != 0.0f; break;
            default: ((float *)output)[k] = x; break;
        }
    }
}

void st_cast(const st_cast_params *p, const void *input, void *output) {
    if (p->from == ST_CAST_FLOAT32) {
        from_float(p, input, output);
        return;
    }
    for (int32_t k = 0; k < p->count; k++) {
        const int32_t v = load(p->from, input, k);
        switch (p->to) {
            case ST_CAST_INT8: ((int8_t *)output)[k] = (int8_t)v; break;
            case ST_CAST_UINT8: ((uint8_t *)output)[k] = (uint8_t)v; break;
            case ST_CAST_INT16: ((int16_t *)output)[k] = (int16_t)v; break;
            case ST_CAST_INT32: ((int32_t *)output)[k] = v; break;
            case ST_CAST_BOOL: ((uint8_t *)output)[k] = v != 0; break;
            default: ((float *)output)[k] = (float)v; break;
        }
    }
}
