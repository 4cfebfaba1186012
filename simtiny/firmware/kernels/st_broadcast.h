/* The walk of two broadcast inputs shared by the element-wise kernels (ADD, SUB, MUL, DIV...): the
 * output's elements in order, as nested loops whose extents and per-input element steps the
 * code generator computes (a step of 0 broadcasts; size-1 dimensions dropped, mergeable ones
 * merged, so same-shape inputs make a single loop). The loop table is a separate constant,
 * three int32 per loop, so a layer's parameters take only the loops it has. */
#ifndef ST_BROADCAST_H
#define ST_BROADCAST_H

#include <stdint.h>

#define ST_BROADCAST_MAX_DIMS 6

typedef struct {
    const int32_t *loops; /* ndim triples (extent, input1 step, input2 step), outermost first */
    int32_t ndim;         /* 1..ST_BROADCAST_MAX_DIMS */
} st_broadcast;

/* Some loop has no iterations (an empty tensor). */
static inline int st_broadcast_empty(const st_broadcast *b) {
    for (int32_t d = 0; d < b->ndim; d++) {
        if (b->loops[3 * d] <= 0) return 1;
    }
    return 0;
}

/* One run of the innermost loop: out[i] from a[i * s1] and b[i * s2], i < n. */
typedef void (*st_broadcast_row)(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2,
                                 int32_t n, int8_t *out);

/* After a run of the innermost loop: advance the outer loops like an odometer, moving the
 * element offsets o1 and o2 of each input; 0 when the walk is complete. */
static inline int st_broadcast_next(const st_broadcast *b, int32_t *index, int32_t *o1, int32_t *o2) {
    for (int32_t d = b->ndim - 2; d >= 0; d--) {
        const int32_t *loop = b->loops + 3 * d;
        *o1 += loop[1];
        *o2 += loop[2];
        if (++index[d] < loop[0]) return 1;
        *o1 -= loop[1] * loop[0];
        *o2 -= loop[2] * loop[0];
        index[d] = 0;
    }
    return 0;
}

/* The whole walk: row() for each run of the innermost loop, output written in order. Inlined
 * with a constant row function, so the kernels' per-element code is inlined too. */
static inline void st_broadcast_walk(const st_broadcast *b, const int8_t *input1, const int8_t *input2,
                                     int8_t *output, st_broadcast_row row, const void *params) {
    if (st_broadcast_empty(b)) return;
    const int32_t *innermost = b->loops + 3 * (b->ndim - 1);
    int32_t index[ST_BROADCAST_MAX_DIMS] = {0};
    int32_t o1 = 0, o2 = 0; /* element offsets of the current row in each input */
    do {
        row(params, input1 + o1, innermost[1], input2 + o2, innermost[2], innermost[0], output);
        output += innermost[0];
    } while (st_broadcast_next(b, index, &o1, &o2));
}

/* The walk element by element, for operands of any type: for each output element in order,
 * out = (out_type)(expr), with a and c the two inputs' elements (of in_type). A macro, so each
 * kernel gets its own loop with expr inlined. */
#define ST_BROADCAST_EACH(b, x, y, out, in_type, out_type, expr)                          \
    do {                                                                                 \
        if (st_broadcast_empty(b)) break;                                                \
        const int32_t *innermost_ = (b)->loops + 3 * ((b)->ndim - 1);                    \
        int32_t index_[ST_BROADCAST_MAX_DIMS] = {0};                                     \
        int32_t o1_ = 0, o2_ = 0;                                                        \
        do {                                                                             \
            for (int32_t i_ = 0; i_ < innermost_[0]; i_++) {                             \
                const in_type a = (x)[o1_ + i_ * innermost_[1]];                         \
                const in_type c = (y)[o2_ + i_ * innermost_[2]];                         \
                *(out)++ = (out_type)(expr);                                             \
            }                                                                            \
        } while (st_broadcast_next((b), index_, &o1_, &o2_));                            \
    } while (0)

/* The same walk for float32 operands: out = f(a, b, params) per element, f inlined. */
typedef float (*st_broadcast_f32_fn)(float a, float b, const void *params);

static inline void st_broadcast_walk_f32(const st_broadcast *b, const float *input1, const float *input2,
                                         float *output, st_broadcast_f32_fn f, const void *params) {
    ST_BROADCAST_EACH(b, input1, input2, output, float, float, f(a, c, params));
}

#endif
