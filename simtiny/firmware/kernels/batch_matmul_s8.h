/* BATCH_MATMUL int8 (LiteRT reference batch_matmul.h): per batch (the leading dimensions
 * broadcast like numpy's matmul), out[i][j] = requantised sum over k of (lhs[i][k] - lhs zero
 * point) * (rhs[k][j] - rhs zero point), either operand possibly stored transposed (adj_x, adj_y). */
#ifndef ST_BATCH_MATMUL_S8_H
#define ST_BATCH_MATMUL_S8_H

#include <stdint.h>

#include "st_broadcast.h"

typedef struct {
    st_broadcast batches; /* the batch loops: (count, lhs matrix step, rhs matrix step), in elements */
    int32_t rows, cols, depth;
    int32_t adj_x, adj_y;  /* lhs stored [depth][rows], rhs stored [cols][depth] */
    int32_t lhs_offset, rhs_offset, output_offset; /* minus the input zero points; the output's */
    int32_t multiplier, shift;
} st_batch_matmul_params;

/* The element steps of one matrix product: along k and between rows (lhs: lk, li) or columns
 * (rhs: rk, rj), for operands stored as they are or transposed (adj_x, adj_y). */
typedef struct {
    int32_t lk, li, rk, rj;
} st_matmul_steps;

static inline st_matmul_steps st_matmul_steps_of(const st_batch_matmul_params *p) {
    const st_matmul_steps s = {p->adj_x ? p->rows : 1, p->adj_x ? 1 : p->depth, p->adj_y ? 1 : p->cols,
                               p->adj_y ? p->depth : 1};
    return s;
}

/* Each batch's product in the walk's order: `one` with a and c at the batch's lhs and rhs
 * matrices (const type *) and out at its output matrix (rows * cols elements, to be written in
 * order). Shared by the int8 and int16 kernels. */
#define ST_BATCH_MATMUL_EACH(p, type, lhs, rhs, output, one)                                     \
    do {                                                                                       \
        const st_broadcast *b_ = &(p)->batches;                                                \
        if (st_broadcast_empty(b_) || (p)->rows <= 0 || (p)->cols <= 0) break;                  \
        const int32_t *innermost_ = b_->loops + 3 * (b_->ndim - 1);                            \
        int32_t index_[ST_BROADCAST_MAX_DIMS] = {0};                                           \
        int32_t o1_ = 0, o2_ = 0;                                                              \
        type *out = (output);                                                                  \
        do {                                                                                   \
            for (int32_t n_ = 0; n_ < innermost_[0]; n_++, out += (p)->rows * (p)->cols) {     \
                const type *a = (lhs) + o1_ + n_ * innermost_[1];                               \
                const type *c = (rhs) + o2_ + n_ * innermost_[2];                               \
                one;                                                                           \
            }                                                                                  \
        } while (st_broadcast_next(b_, index_, &o1_, &o2_));                                   \
    } while (0)

/* scratch (word-aligned), for the DSP path: 8 bytes per four of depth (a widened lhs row), then
 * without adj_y cols * depth bytes (the rhs transposed); or 0 for the portable loops. */
void st_batch_matmul_s8(const st_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output,
                        uint32_t *scratch);

#endif
