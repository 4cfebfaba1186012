/* BATCH_MATMUL int16: per batch, out[i][j] = the int64 sum over k of lhs[i][k] * rhs[k][j] (each
 * operand possibly stored transposed), requantised as LiteRT's int64 MultiplyByQuantizedMultiplier. */
#include "batch_matmul_s16.h"

#include "st_quant.h"

static void matmul(const st_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *out) {
    const int32_t rows = p->rows, cols = p->cols, depth = p->depth;
    const st_matmul_steps s = st_matmul_steps_of(p);
    for (int32_t i = 0; i < rows; i++) {
        for (int32_t j = 0; j < cols; j++) {
            const int16_t *a = lhs + i * s.li, *b = rhs + j * s.rj;
            int64_t acc = 0;
            for (int32_t k = 0; k < depth; k++) acc += (int32_t)a[k * s.lk] * b[k * s.rk];
            const int32_t v = st_requantize_int64(acc, p->multiplier, p->shift);
            *out++ = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
        }
    }
}

void st_batch_matmul_s16(const st_batch_matmul_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output) {
    ST_BATCH_MATMUL_EACH(p, int16_t, lhs, rhs, output, matmul(p, a, c, out));
}
