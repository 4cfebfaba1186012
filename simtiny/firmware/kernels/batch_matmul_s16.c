/* BATCH_MATMUL int16: per batch, out[i][j] = the int64 sum over k of lhs[i][k] * rhs[k][j] (each
 * operand possibly stored transposed), requantised as LiteRT's int64 MultiplyByQuantizedMultiplier. */
#include "batch_matmul_s16.h"

#include "st_quant.h"

static void matmul(const st_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *out) {
    const int32_t rows = p->rows, cols = p->cols, depth = p->depth;
    const int32_t lk = p->adj_x ? rows : 1, li = p->adj_x ? 1 : depth;
    const int32_t rk = p->adj_y ? 1 : cols, rj = p->adj_y ? depth : 1;
    for (int32_t i = 0; i < rows; i++) {
        for (int32_t j = 0; j < cols; j++) {
            const int16_t *a = lhs + i * li, *b = rhs + j * rj;
            int64_t acc = 0;
            for (int32_t k = 0; k < depth; k++) acc += (int32_t)a[k * lk] * b[k * rk];
            const int32_t v = st_requantize_int64(acc, p->multiplier, p->shift);
            *out++ = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
        }
    }
}

void st_batch_matmul_s16(const st_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output) {
    const st_broadcast *b = &p->batches;
    if (st_broadcast_empty(b) || p->rows <= 0 || p->cols <= 0) return;
    const int32_t *innermost = b->loops + 3 * (b->ndim - 1);
    int32_t index[ST_BROADCAST_MAX_DIMS] = {0};
    int32_t o1 = 0, o2 = 0;
    do {
        for (int32_t n = 0; n < innermost[0]; n++) {
            matmul(p, lhs + o1 + n * innermost[1], rhs + o2 + n * innermost[2], output);
            output += p->rows * p->cols;
        }
    } while (st_broadcast_next(b, index, &o1, &o2));
}
