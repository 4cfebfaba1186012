/* UNIDIRECTIONAL_SEQUENCE_LSTM with int16 activations and int8 weights (the converter's 16x8 mode),
 * as TF-Lite Micro's reference kernels compute it (LiteRT has no 16x8 LSTM): per step and batch row,
 * four gates (input, forget, cell, output), each the sum, saturated to int16, of two int8 matrix
 * products (the input's with an int64 bias, the old hidden state's) each requantised to Q3.12 on its
 * own; sigmoid and tanh by the 16-bit sigmoid table (logistic_s16.h); the int16 cell state updated
 * by two rescaled products; the hidden state tanh(cell) times the output gate. No CIFG, peepholes,
 * projection or layer norm (TF-Lite Micro refuses them). Hidden and cell states are tensors kept
 * between invocations. */
#ifndef ST_LSTM_S16_H
#define ST_LSTM_S16_H

#include <stdint.h>

#include "logistic_s16.h"

typedef struct {
    const int8_t *input_weights;     /* [cells][inputs] */
    const int8_t *recurrent_weights; /* [cells][cells] */
    const int64_t *bias;             /* [cells], added to the input's product */
    int32_t input_multiplier, input_shift;
    int32_t recurrent_multiplier, recurrent_shift;
} st_lstm16_gate;

typedef struct {
    int32_t batches, steps, inputs, cells;
    int32_t time_major;            /* input and output [steps][batches][n], else [batches][steps][n] */
    int32_t cell_clip;             /* > 0: the cell state clamped to [-clip, clip] */
    int32_t forget_multiplier, forget_shift; /* forget gate (Q0.15) x cell state -> cell state */
    int32_t update_multiplier, update_shift; /* input gate x cell gate (Q0.15 x Q0.15) -> cell state */
    int32_t hidden_multiplier, hidden_shift; /* tanh(cell) x output gate -> hidden state */
    st_sigmoid16_params gate;      /* Q3.12 in: the gates' sigmoids and the cell gate's tanh (size set per row) */
    st_sigmoid16_params cell_tanh; /* tanh of the cell state, at the cell state's scale */
    st_lstm16_gate gates[4];       /* input, forget, cell, output */
} st_lstm16_params;

/* scratch (word-aligned): 4 * cells int16 values. */
void st_lstm_s16(const st_lstm16_params *p, const int16_t *input, int16_t *hidden_state, int16_t *cell_state,
                 int16_t *output, int16_t *scratch);

#endif
