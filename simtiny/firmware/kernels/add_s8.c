/* ADD/SUB int8: each input rescaled to twice the larger input scale (after a left shift of 20
 * bits of headroom), summed or subtracted, requantized to the output, offset and clamped.
 * Measured against ai-edge-litert 2.3.0: its ADD/SUB/MUL requantize with gemmlowp's two
 * roundings, not the single rounding of FULLY_CONNECTED. All three rescalings here take
 * st_requantize_bounded, exact because every shift is <= 0 (the multipliers are below 1: the
 * code generator refuses an output multiplier of 1 or more) and every value is below 2^30 in
 * magnitude: |x + offset| <= 255, so |x << 20| < 2^28, and the two rescaled inputs sum to at
 * most that (their multipliers add up to at most 1). A rescaled input depends on its int8 value
 * alone: given scratch, the kernel tabulates both inputs' 256 once and looks them up (doubled,
 * for st_requantize_fast, where the output's shift and the activation allow it). */
#include "add_s8.h"

#include "st_compiler.h"
#include "st_quant.h"

/* The layer's constants, decoded once per call; tables: 0, or each input's 256 rescaled
 * values (input 2's negated for SUB), indexed by the int8 input + 128. */
typedef struct {
    st_requant_bounded in1, in2, out;
    st_requant_fast fast; /* the output's st_requantize_fast, where add_row_fast runs */
    int32_t input1_offset, input2_offset, output_offset, act_min, act_max, left_shift, subtract;
    const int32_t *tables;
} add_consts;

/* One input's int8 value x rescaled to the common scale. */
static inline int32_t add_input(int32_t x, int32_t offset, int32_t left_shift, const st_requant_bounded *rq) {
    return st_requantize_bounded((offset + x) * (1 << left_shift), rq);
}

/* The output from the rescaled inputs' sum (or difference). */
static inline int8_t add_output(const add_consts *k, int32_t raw) {
    return (int8_t)st_clamp(st_requantize_bounded(raw, &k->out) + k->output_offset, k->act_min, k->act_max);
}

static void add_row(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2,
                    int32_t n, int8_t *out) {
    const add_consts *k = params;
    for (int32_t i = 0; i < n; i++) {
        const int32_t scaled1 = add_input(a[i * s1], k->input1_offset, k->left_shift, &k->in1);
        const int32_t scaled2 = add_input(b[i * s2], k->input2_offset, k->left_shift, &k->in2);
        out[i] = add_output(k, k->subtract ? scaled1 - scaled2 : scaled1 + scaled2);
    }
}

/* add_row from the tables: two loads and the output's rescaling an element. */
static void add_row_tables(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                           int8_t *out) {
    const add_consts *k = params;
    const int32_t *t1 = k->tables + 128, *t2 = k->tables + 256 + 128;
    __asm__("" : "+r"(t1), "+r"(t2)); /* as in add_row_fast */
    for (int8_t *const end = out + n; out != end; a += s1, b += s2) *out++ = add_output(k, t1[*a] + t2[*b]);
}

/* add_row_tables where the output's rescaling shifts right by 1 to ST_FAST_MAX_RIGHT bits and
 * the activation spans int8: the tables hold the rescaled inputs doubled (|sum| < 2^29), so
 * that their sum goes straight to st_requantize_fast, output offset and clamp included. */
static void add_row_fast(const void *params, const int8_t *a, int32_t s1, const int8_t *b, int32_t s2, int32_t n,
                         int8_t *out) {
    const add_consts *k = params;
    const int32_t *t1 = k->tables + 128, *t2 = k->tables + 256 + 128;
    const st_requant_fast q = k->fast; /* in registers: the int8 stores could alias *k */
    __asm__("" : "+r"(t1), "+r"(t2)); /* two base registers: gcc folds the offsets into a multiply, a chain longer */
    for (int8_t *const end = out + n; out != end; a += s1, b += s2)
        *out++ = (int8_t)st_requantize_fast((uint32_t)(t1[*a] + t2[*b]), &q);
}

/* The layer's constants, and with tables (fast: doubled for add_row_fast) both inputs' 256
 * rescaled values in them. Out of line: shared by both kernels. */
ST_COLD __attribute__((noinline)) static void add_setup(const st_add_params *p, int32_t *tables, int fast,
                                                        add_consts *k) {
    const add_consts c = {
        st_requant_bounded_make(p->input1_multiplier, p->input1_shift),
        st_requant_bounded_make(p->input2_multiplier, p->input2_shift),
        st_requant_bounded_make(p->output_multiplier, p->output_shift),
        st_requant_fast_make(p->output_multiplier, fast ? p->output_shift : -1, p->output_offset), /* used if fast */
        p->input1_offset, p->input2_offset, p->output_offset, p->act_min, p->act_max, p->left_shift, p->subtract,
        tables,
    };
    *k = c;
    if (tables) {
        for (int32_t v = -128; v < 128; v++) { /* what add_row computes for each input value (doubled: fast) */
            tables[v + 128] = (int32_t)((uint32_t)add_input(v, c.input1_offset, c.left_shift, &c.in1) << fast);
            const int32_t scaled2 = (int32_t)((uint32_t)add_input(v, c.input2_offset, c.left_shift, &c.in2) << fast);
            tables[v + 384] = c.subtract ? -scaled2 : scaled2;
        }
    }
}

ST_COLD void st_add_s8(const st_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output, int32_t *tables) {
    add_consts k;
    add_setup(p, tables, 0, &k);
    st_broadcast_walk(&p->loops, input1, input2, output, tables ? add_row_tables : add_row, &k);
}

/* st_add_s8 with tables where the output's rescaling shifts right by 1 to ST_FAST_MAX_RIGHT
 * bits with a multiplier >= 0 and the activation spans int8 (the code generator checks it):
 * add_row_fast alone, so that a model whose ADDs are all such links none of the other rows. */
ST_COLD void st_add_s8_fast(const st_add_params *p, const int8_t *input1, const int8_t *input2, int8_t *output,
                            int32_t *tables) {
    add_consts k;
    add_setup(p, tables, 1, &k);
    st_broadcast_walk(&p->loops, input1, input2, output, add_row_fast, &k);
}
