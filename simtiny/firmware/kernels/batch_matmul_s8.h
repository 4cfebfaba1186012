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

/* scratch (word-aligned), for the DSP path: 8 bytes per four of depth (a widened lhs row), then
 * without adj_y cols * depth bytes (the rhs transposed); or 0 for the portable loops. */
void st_batch_matmul_s8(const st_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output,
                        uint32_t *scratch);

#endif
