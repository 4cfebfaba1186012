/* The comparisons and the binary logical operators, per element as LiteRT's reference computes
 * them: an int8 value is offset, shifted left by 8 and rescaled by its input's scale
 * (MultiplyByQuantizedMultiplierSmallerThanOneExp) before the comparison. */
#include "compare.h"

#include "st_quant.h"

/* One comparison (or AND, OR: bools only) of a and b, for int32 and for float operands. */
#define ST_DECIDE(name, type)                                   \
    static uint8_t name(int32_t op, type a, type b) {           \
        switch (op) {                                           \
        case ST_EQUAL: return a == b;                           \
        case ST_NOT_EQUAL: return a != b;                       \
        case ST_LESS: return a < b;                             \
        case ST_LESS_EQUAL: return a <= b;                      \
        case ST_GREATER: return a > b;                          \
        case ST_GREATER_EQUAL: return a >= b;                   \
        case ST_AND: return a != 0 && b != 0;                   \
        default: return a != 0 || b != 0;                      \
        }                                                       \
    }

ST_DECIDE(decide, int32_t)
ST_DECIDE(decide_f32, float)

static int32_t rescale(int32_t v, int32_t offset, int32_t multiplier, int32_t shift) {
    return st_rounding_divide_by_pot(st_sat_rounding_doubling_high_mul((v + offset) * (1 << 8), multiplier), (int)-shift);
}

static void compare_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                        int8_t *out) {
    const st_compare_params *p = (const st_compare_params *)params;
    for (int32_t i = 0; i < n; i++) {
        const int32_t x = rescale(a[i * s1], p->input1_offset, p->input1_multiplier, p->input1_shift);
        const int32_t y = rescale(b[i * s2], p->input2_offset, p->input2_multiplier, p->input2_shift);
        out[i] = (int8_t)decide(p->op, x, y);
    }
}

static void logical_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                        int8_t *out) {
    const st_compare_params *p = (const st_compare_params *)params;
    for (int32_t i = 0; i < n; i++) out[i] = (int8_t)decide(p->op, a[i * s1] != 0, b[i * s2] != 0);
}

void st_compare_s8(const st_compare_params *p, const int8_t *input1, const int8_t *input2, uint8_t *output) {
    st_broadcast_walk(&p->loops, input1, input2, (int8_t *)output, compare_row, p);
}

void st_logical(const st_compare_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output) {
    st_broadcast_walk(&p->loops, (const int8_t *)input1, (const int8_t *)input2, (int8_t *)output, logical_row, p);
}

/* The wider types (int16 raw, as LiteRT compares it: no rescaling), element by element. */
#define ST_COMPARE_WIDE(name, type, decide_fn)                                                           \
    void name(const st_compare_params *p, const type *input1, const type *input2, uint8_t *output) {  \
        ST_BROADCAST_EACH(&p->loops, input1, input2, output, type, uint8_t, decide_fn(p->op, a, c)); \
    }

ST_COMPARE_WIDE(st_compare_s16, int16_t, decide)
ST_COMPARE_WIDE(st_compare_s32, int32_t, decide)
ST_COMPARE_WIDE(st_compare_f32, float, decide_f32)
