/* LSTM 16x8 (lstm_s16.h): one batch row at a time for each step; rows are independent, so the order
 * of rows and steps within a layout does not change the values. Every product and rounding as
 * TF-Lite Micro's reference kernels: the matrix products accumulate in int64 (st_dot_s16x8, with
 * its DSP path) and requantise with the int64 form (st_requantize_int64), the elementwise products
 * with gemmlowp's double rounding. */
#include "lstm_s16.h"

#include "st_dot_s16x8.h"
#include "st_quant.h"
#include "tanh_s16.h"

static inline int16_t sat16(int32_t v) {
    return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}

/* out[c] = sat16(requant(weights[c] . x + bias[c])) for each cell c. */
static void product(const int8_t *weights, const int16_t *x, const int64_t *bias, int32_t depth, int32_t cells,
                    int32_t multiplier, int32_t shift, int16_t *out) {
    for (int32_t c = 0; c < cells; c++, weights += depth) {
        const int64_t acc = st_dot_s16x8(x, weights, depth) + (bias ? bias[c] : 0);
        out[c] = sat16(st_requantize_int64(acc, multiplier, shift));
    }
}

static void gate(const st_lstm16_params *p, const st_lstm16_gate *g, const int16_t *x, const int16_t *hidden,
                 int16_t *out, int16_t *recurrent, const st_sigmoid16_params *activation, int tanh) {
    const int32_t cells = p->cells;
    product(g->input_weights, x, g->bias, p->inputs, cells, g->input_multiplier, g->input_shift, out);
    product(g->recurrent_weights, hidden, 0, cells, cells, g->recurrent_multiplier, g->recurrent_shift, recurrent);
    for (int32_t c = 0; c < cells; c++) out[c] = sat16((int32_t)out[c] + recurrent[c]);
    if (tanh)
        st_tanh_s16(activation, out, out);
    else
        st_logistic_s16(activation, out, out);
}

static void multiply(const int16_t *a, const int16_t *b, int32_t n, int32_t multiplier, int32_t shift, int16_t *out) {
    for (int32_t i = 0; i < n; i++) out[i] = sat16(st_requantize_double((int32_t)a[i] * b[i], multiplier, shift));
}

void st_lstm_s16(const st_lstm16_params *p, const int16_t *input, int16_t *hidden_state, int16_t *cell_state,
                 int16_t *output, int16_t *scratch) {
    const int32_t cells = p->cells;
    int16_t *forget = scratch, *in_gate = scratch + cells, *cell_gate = scratch + 2 * cells;
    int16_t *spare = scratch + 3 * cells;
    st_sigmoid16_params activation = p->gate, cell_tanh = p->cell_tanh;
    activation.size = cell_tanh.size = cells;
    for (int32_t t = 0; t < p->steps; t++) {
        for (int32_t b = 0; b < p->batches; b++) {
            const int32_t row = p->time_major ? t * p->batches + b : b * p->steps + t;
            const int16_t *x = input + row * p->inputs;
            int16_t *hidden = hidden_state + b * cells, *cell = cell_state + b * cells;
            gate(p, &p->gates[1], x, hidden, forget, spare, &activation, 0);
            gate(p, &p->gates[0], x, hidden, in_gate, spare, &activation, 0);
            gate(p, &p->gates[2], x, hidden, cell_gate, spare, &activation, 1);
            multiply(forget, cell, cells, p->forget_multiplier, p->forget_shift, cell);
            multiply(in_gate, cell_gate, cells, p->update_multiplier, p->update_shift, in_gate);
            for (int32_t c = 0; c < cells; c++) {
                int32_t v = sat16((int32_t)cell[c] + in_gate[c]);
                if (p->cell_clip > 0) v = v > p->cell_clip ? p->cell_clip : v < -p->cell_clip ? -p->cell_clip : v;
                cell[c] = (int16_t)v;
            }
            int16_t *out_gate = in_gate;
            gate(p, &p->gates[3], x, hidden, out_gate, spare, &activation, 0);
            st_tanh_s16(&cell_tanh, cell, forget);
            multiply(forget, out_gate, cells, p->hidden_multiplier, p->hidden_shift, hidden);
            int16_t *y = output + row * cells;
            for (int32_t c = 0; c < cells; c++) y[c] = hidden[c];
        }
    }
}
