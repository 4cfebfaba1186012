/* FLOOR_DIV and FLOOR_MOD per element, as LiteRT's FloorDiv (std::floor of the double quotient,
 * cast back) and FloorMod (std::fmod, exact on integers: the truncated remainder, plus the divisor
 * where the signs differ). A zero divisor gives 0. */
#include "floor_div.h"

/* floor() of a double without the C library (a board with a single-precision FPU would call it):
 * values of 2^52 and more are whole already, as are NaN and the infinities. */
static double floor_double(double q) {
    if (q == 0.0 || !(q > -4503599627370496.0 && q < 4503599627370496.0)) return q; /* keeps -0.0 */
    const double whole = (double)(int64_t)q; /* truncated toward zero */
    return whole > q ? whole - 1.0 : whole;
}

static float floor_div_f32(float a, float b) { return b == 0.0f ? 0.0f : (float)floor_double((double)a / (double)b); }

/* On integers the floor of the double quotient is the floor of the exact one (a quotient of int32
 * values is never rounded onto a whole number): integer arithmetic. INT32_MIN / -1 gives
 * INT32_MIN, as the x86 conversion LiteRT runs on does. */
static int32_t floor_div(int32_t a, int32_t b) {
    if (b == 0) return 0;
    if (b == -1) return (int32_t)(0u - (uint32_t)a);
    const int32_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int32_t floor_mod(int32_t a, int32_t b) {
    if (b == 0 || b == -1) return 0; /* -1: INT32_MIN % -1 would trap; the remainder is 0 */
    const int32_t r = a % b;
    return (r != 0 && ((b < 0) != (r < 0))) ? r + b : r;
}

#define ST_BINARY(name, type, expr)                                  \
    void name(const st_broadcast *b, const type *x, const type *y, type *out) { \
        ST_BROADCAST_EACH(b, x, y, out, type, type, expr);                      \
    }

ST_BINARY(st_floor_div_s8, int8_t, floor_div(a, c))
ST_BINARY(st_floor_div_s16, int16_t, floor_div(a, c))
ST_BINARY(st_floor_div_s32, int32_t, floor_div(a, c))
ST_BINARY(st_floor_div_f32, float, floor_div_f32(a, c))
ST_BINARY(st_floor_mod_s8, int8_t, floor_mod(a, c))
ST_BINARY(st_floor_mod_s16, int16_t, floor_mod(a, c))
ST_BINARY(st_floor_mod_s32, int32_t, floor_mod(a, c))
