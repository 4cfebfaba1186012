/* UNIDIRECTIONAL_SEQUENCE_LSTM with int8 input and output, int16 cell state (LiteRT's integer
 * LSTM, lstm_eval.cc EvalInteger8x8_16): per step and batch row, four gates (input, forget, cell,
 * output; CIFG models have no input gate) each from two int8 matrix products requantised into
 * int16 (Q3.12, or the gate's own scale before a layer normalisation), plus the peephole's int16
 * products, then in a layer-norm LSTM normalised (ApplyLayerNorm); logistic and tanh in gemmlowp's 16-bit fixed
 * point; the cell state updated in int16; the hidden value requantised to int8, directly or
 * through a projection. Output state and cell state are tensors kept between invocations. */
#ifndef ST_LSTM_S8_H
#define ST_LSTM_S8_H

#include <stdint.h>

typedef struct {
    const int8_t *input_weights;     /* [cells][inputs], or 0 for CIFG's input gate */
    const int8_t *recurrent_weights; /* [cells][outputs] */
    const int32_t *input_bias;       /* bias - input zero point * row sums */
    const int32_t *recurrent_bias;   /* - output state zero point * row sums */
    const int16_t *cell_weights;     /* peephole [cells], or 0 */
    int32_t input_multiplier, input_shift;
    int32_t recurrent_multiplier, recurrent_shift;
    int32_t cell_multiplier, cell_shift;
    /* layer normalisation (a layer-norm LSTM), or norm_weights 0: the gate's coefficients, its
     * bias (applied here, not in the products), the coefficients' scale and the variance guard */
    const int16_t *norm_weights;
    const int32_t *norm_bias;
    int32_t norm_multiplier, norm_shift, variance_guard;
} st_lstm_gate;

typedef struct {
    int32_t batches, steps, inputs, cells, outputs;
    int32_t time_major;       /* input and output [steps][batches][n], else [batches][steps][n] */
    int32_t cell_scale_log2;  /* the cell state's scale is 2^cell_scale_log2, in [-15, -9] */
    int32_t cell_clip;        /* > 0: the cell state clamped to [-clip, clip] */
    int32_t projection_clip;  /* > 0: the projection's output clamped likewise */
    int32_t hidden_multiplier, hidden_shift, hidden_zero_point;
    int32_t projection_multiplier, projection_shift, output_state_zero_point;
    const int8_t *projection_weights; /* [outputs][cells], or 0 */
    const int32_t *projection_bias;   /* bias + hidden zero point * row sums (with projection) */
    st_lstm_gate gates[4];            /* input, forget, cell, output */
} st_lstm_params;

/* scratch (word-aligned): 5 * cells int16 values (4 gates, tanh of the cell state), padded to a
 * word; the input's and the output state's groups of four widened to halfword pairs (8 bytes per
 * group); cells int8 values (the hidden value before a projection). simtiny.lower.lstm sizes it. */

void st_lstm_s8(const st_lstm_params *p, const int8_t *input, int8_t *output_state, int16_t *cell_state,
                int8_t *output, int16_t *scratch);

#endif
