/* BATCH_MATMUL int8: LiteRT's sums in int32 and its requantisation (MultiplyByQuantizedMultiplier,
 * double rounding), no activation (the operator has none: the int8 range). */
#include "batch_matmul_s8.h"

#include "st_dsp.h"
#include "st_quant.h"

static void matmul(const st_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *out) {
    const int32_t rows = p->rows, cols = p->cols, depth = p->depth;
    const st_matmul_steps s = st_matmul_steps_of(p);
    for (int32_t i = 0; i < rows; i++) {
        for (int32_t j = 0; j < cols; j++) {
            const int8_t *a = lhs + i * s.li, *b = rhs + j * s.rj;
            int32_t acc = 0;
            for (int32_t k = 0; k < depth; k++) acc += (a[k * s.lk] + p->lhs_offset) * (b[k * s.rk] + p->rhs_offset);
            const int32_t v = st_requantize_double(acc, p->multiplier, p->shift) + p->output_offset;
            *out++ = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
        }
    }
}

#if defined(__ARM_FEATURE_DSP)
/* The DSP path: each lhs row gathered (along k, whatever adj_x) and widened once to offset
 * halfword pairs in `wide`; the rhs read along k in rows of `depth` bytes (stored so with adj_y,
 * else first transposed into `columns`); four products per two SMLADs. */
static void matmul_rows(const st_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *out,
                        uint32_t *wide, int8_t *columns) {
    const int32_t depth = p->depth, quads = depth / 4, rows = p->rows, cols = p->cols;
    const uint32_t lo = st_dup16(p->lhs_offset), ro = st_dup16(p->rhs_offset);
    const int32_t lk = p->adj_x ? rows : 1, li = p->adj_x ? 1 : depth;
    if (!p->adj_y) {
        for (int32_t j = 0; j < cols; j++) {
            for (int32_t k = 0; k < depth; k++) columns[j * depth + k] = rhs[k * cols + j];
        }
        rhs = columns;
    }
    for (int32_t i = 0; i < rows; i++) {
        const int8_t *a = lhs + i * li;
        for (int32_t q = 0; q < quads; q++) {
            const int8_t *g = a + 4 * q * lk;
            const uint32_t word = (uint32_t)(uint8_t)g[0] | (uint32_t)(uint8_t)g[lk] << 8 |
                                  (uint32_t)(uint8_t)g[2 * lk] << 16 | (uint32_t)(uint8_t)g[3 * lk] << 24;
            wide[2 * q] = st_sxtab16(lo, word);
            wide[2 * q + 1] = st_sxtab16_ror8(lo, word);
        }
        for (int32_t j = 0; j < cols; j++) {
            const int8_t *b = rhs + j * depth;
            uint32_t acc = 0;
            for (int32_t q = 0; q < quads; q++) {
                const uint32_t word = st_load4(b + 4 * q);
                acc = st_smlad(wide[2 * q], st_sxtab16(ro, word), acc);
                acc = st_smlad(wide[2 * q + 1], st_sxtab16_ror8(ro, word), acc);
            }
            for (int32_t k = 4 * quads; k < depth; k++) {
                acc += (uint32_t)((a[k * lk] + p->lhs_offset) * (b[k] + p->rhs_offset));
            }
            const int32_t v = st_requantize_double((int32_t)acc, p->multiplier, p->shift) + p->output_offset;
            *out++ = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
        }
    }
}
#endif

void st_batch_matmul_s8(const st_batch_matmul_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output,
                        uint32_t *scratch) {
#if defined(__ARM_FEATURE_DSP)
    if (scratch) {
        ST_BATCH_MATMUL_EACH(p, int8_t, lhs, rhs, output,
                             matmul_rows(p, a, c, out, scratch, (int8_t *)(scratch + p->depth / 4 * 2)));
        return;
    }
#endif
    (void)scratch;
    ST_BATCH_MATMUL_EACH(p, int8_t, lhs, rhs, output, matmul(p, a, c, out));
}
