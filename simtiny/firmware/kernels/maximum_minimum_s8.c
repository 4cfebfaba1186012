/* MAXIMUM and MINIMUM int8 and int16: LiteRT's reference compares the stored values themselves (no
 * rescaling: a model that gives the inputs other scales gets what LiteRT gives it). */
#include "maximum_minimum_s8.h"

static void maximum_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                        int8_t *out) {
    (void)params;
    for (int32_t i = 0; i < n; i++) {
        const int8_t x = a[i * s1], y = b[i * s2];
        out[i] = x > y ? x : y;
    }
}

static void minimum_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                        int8_t *out) {
    (void)params;
    for (int32_t i = 0; i < n; i++) {
        const int8_t x = a[i * s1], y = b[i * s2];
        out[i] = x < y ? x : y;
    }
}

void st_maximum_s8(const st_broadcast *loops, const int8_t *input1, const int8_t *input2, int8_t *output) {
    const st_broadcast q = *loops;
    st_broadcast_walk(&q, input1, input2, output, maximum_row, 0);
}

void st_minimum_s8(const st_broadcast *loops, const int8_t *input1, const int8_t *input2, int8_t *output) {
    const st_broadcast q = *loops;
    st_broadcast_walk(&q, input1, input2, output, minimum_row, 0);
}

void st_maximum_s16(const st_broadcast *loops, const int16_t *input1, const int16_t *input2, int16_t *output) {
    ST_BROADCAST_EACH(loops, input1, input2, output, int16_t, int16_t, a > c ? a : c);
}

void st_minimum_s16(const st_broadcast *loops, const int16_t *input1, const int16_t *input2, int16_t *output) {
    ST_BROADCAST_EACH(loops, input1, input2, output, int16_t, int16_t, a < c ? a : c);
}
