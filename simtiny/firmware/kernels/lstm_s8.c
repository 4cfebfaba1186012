/* UNIDIRECTIONAL_SEQUENCE_LSTM int8x8_16, in LiteRT's order and arithmetic (LstmStepInteger8x8_16).
 * Each batch row is independent of the others, so rows are stepped one at a time whatever the
 * layout. Within a step every gate reads the old output state, which is written last. */
#include "lstm_s8.h"

#include "st_dsp.h"
#include "st_fixedpoint.h"
#include "st_fixedpoint16.h"
#include "st_quant.h"

static int32_t clamp16(int32_t v) { return v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v; }

static int32_t clamp8(int32_t v) { return v < -128 ? -128 : v > 127 ? 127 : v; }

/* w . v over depth int8 pairs. With the DSP extension, four at a time: v's bytes widened once
 * per step into (v0, v2), (v1, v3) halfword pairs (vw), each row's four weights split by SXTB16
 * and multiplied by two SMLADs; the depth % 4 last ones one by one. */
static int32_t dot(const int8_t *w, const int8_t *v, const uint32_t *vw, int32_t depth) {
    int32_t k = 0;
    uint32_t acc = 0;
#if defined(__ARM_FEATURE_DSP)
    for (; k + 4 <= depth; k += 4, vw += 2) {
        const uint32_t wv = st_load4(w + k);
        acc = st_smlad(st_sxtb16(wv), vw[0], acc);
        acc = st_smlad(st_sxtb16_ror8(wv), vw[1], acc);
    }
#else
    (void)vw;
#endif
    for (; k < depth; k++) acc += (uint32_t)(w[k] * v[k]);
    return (int32_t)acc;
}

/* v's groups of four as the halfword pairs dot() reads (DSP builds only). */
static void widen(const int8_t *v, int32_t depth, uint32_t *vw) {
#if defined(__ARM_FEATURE_DSP)
    for (int32_t k = 0; k + 4 <= depth; k += 4, vw += 2) {
        const uint32_t word = st_load4(v + k);
        vw[0] = st_sxtb16(word);
        vw[1] = st_sxtb16_ror8(word);
    }
#else
    (void)v, (void)depth, (void)vw;
#endif
}

/* gate[c] = saturate16(requantised W . v + bias), accumulated onto gate[c] (MatrixBatchVectorMultiplyAccumulate). */
static void gate_product(const int8_t *weights, const int32_t *bias, int32_t multiplier, int32_t shift,
                         const int8_t *v, const uint32_t *vw, int32_t depth, int32_t cells, int16_t *gate) {
    for (int32_t c = 0; c < cells; c++) {
        const int32_t acc = bias[c] + dot(weights + c * depth, v, vw, depth);
        gate[c] = (int16_t)clamp16(st_requantize_double(acc, multiplier, shift) + gate[c]);
    }
}

/* n / d truncated toward zero, for d > 0 and a quotient that fits int32, by shift and subtract:
 * the run-time library's 64-bit division (__aeabi_ldivmod) would add 0.7 KB of flash to every
 * LSTM firmware, layer norm or not (measured on mnist_lstm: 19.1 against 18.4 KB with gcc). */
static int32_t div64_by_32(int64_t n, int32_t d) {
    const uint64_t magnitude = n < 0 ? 0u - (uint64_t)n : (uint64_t)n;
    uint64_t q = 0, r = 0;
    for (int bit = 63; bit >= 0; bit--) {
        r = (r << 1) | ((magnitude >> bit) & 1u);
        if (r >= (uint64_t)d) {
            r -= (uint64_t)d;
            q |= (uint64_t)1 << bit;
        }
    }
    return n < 0 ? (int32_t)(0u - (uint32_t)q) : (int32_t)q;
}

/* ApplyLayerNorm over one batch row of a gate, in LiteRT's integer arithmetic: the mean and
 * variance in units of 2^-10 (the variance's reciprocal square root by GetInvSqrtQuantizedMultiplierExp,
 * a variance below 1 replaced by the guard), each value centred and scaled, times its coefficient
 * plus the gate's bias (an int32 product and sum, wrapping as the compiled C++ does), rounded to
 * units again, and requantised by the coefficients' scale (a shift of 12 more) into int16. */
static void layer_norm(const st_lstm_gate *g, int32_t cells, int16_t *gate) {
    int64_t sum = 0, sum_sq = 0;
    for (int32_t c = 0; c < cells; c++) {
        const int32_t v = gate[c];
        sum += v;
        sum_sq += v * v;
    }
    const int32_t mean = div64_by_32(sum * 1024, cells);
    const int32_t per = (1 << 20) / cells;
    const int64_t variance = sum_sq * per - (int64_t)mean * mean;
    /* variance / 2^20 truncated toward zero */
    int32_t variance2 = (int32_t)(variance >= 0 ? variance >> 20 : -((0 - variance) >> 20));
    if (variance2 < 1) variance2 = g->variance_guard;
    int32_t inv_multiplier, inv_shift;
    st_fp_inv_sqrt(variance2, &inv_multiplier, &inv_shift);
    for (int32_t c = 0; c < cells; c++) {
        const int32_t shifted = 1024 * gate[c] - mean;
        const int32_t rescaled = st_requantize_double(shifted, inv_multiplier, inv_shift);
        const int64_t weighted =
            (int32_t)((uint32_t)rescaled * (uint32_t)(int32_t)g->norm_weights[c] + (uint32_t)g->norm_bias[c]);
        const int32_t units = (int32_t)((weighted > 0 ? weighted + 512 : weighted - 512) / 1024);
        gate[c] = (int16_t)clamp16(st_requantize_double(units, g->norm_multiplier, g->norm_shift + 12));
    }
}

/* One gate: products of the input and the old output state, the peephole, the layer norm, the
 * activation. */
static void gate_step(const st_lstm_params *p, const st_lstm_gate *g, const int8_t *x, const int8_t *h,
                      const uint32_t *xw, const uint32_t *hw, const int16_t *cell, int tanh_gate, int16_t *gate) {
    for (int32_t c = 0; c < p->cells; c++) gate[c] = 0;
    gate_product(g->input_weights, g->input_bias, g->input_multiplier, g->input_shift, x, xw, p->inputs, p->cells,
                 gate);
    gate_product(g->recurrent_weights, g->recurrent_bias, g->recurrent_multiplier, g->recurrent_shift, h, hw,
                 p->outputs, p->cells, gate);
    if (g->cell_weights) {
        for (int32_t c = 0; c < p->cells; c++) {
            const int32_t product = st_requantize_double(g->cell_weights[c] * cell[c], g->cell_multiplier, g->cell_shift);
            gate[c] = (int16_t)clamp16(product + gate[c]);
        }
    }
    if (g->norm_weights) layer_norm(g, p->cells, gate);
    for (int32_t c = 0; c < p->cells; c++) gate[c] = tanh_gate ? st_fp16_tanh(gate[c], 3) : st_fp16_logistic_q3(gate[c]);
}

static void step(const st_lstm_params *p, const int8_t *x, int8_t *h, int16_t *cell, int8_t *out, int16_t *scratch) {
    const int32_t cells = p->cells;
    int16_t *input_gate = scratch, *forget_gate = scratch + cells, *cell_gate = scratch + 2 * cells;
    int16_t *output_gate = scratch + 3 * cells, *hidden = scratch + 4 * cells;
    uint32_t *xw = (uint32_t *)(scratch + 5 * cells + (cells & 1)); /* word-aligned: scratch is */
    uint32_t *hw = xw + p->inputs / 4 * 2;
    int8_t *hidden8 = (int8_t *)(hw + p->outputs / 4 * 2);
    const int cifg = p->gates[0].input_weights == 0;
    widen(x, p->inputs, xw);
    widen(h, p->outputs, hw);
    if (!cifg) gate_step(p, &p->gates[0], x, h, xw, hw, cell, 0, input_gate);
    gate_step(p, &p->gates[1], x, h, xw, hw, cell, 0, forget_gate);
    gate_step(p, &p->gates[2], x, h, xw, hw, cell, 1, cell_gate);
    /* UpdateLstmCellInteger: forget . cell >> 15, input . cell gate >> (30 + log2 scale), saturated sum */
    const int mix_shift = 30 + p->cell_scale_log2;
    for (int32_t c = 0; c < cells; c++) {
        const int16_t kept = (int16_t)st_rounding_divide_by_pot(forget_gate[c] * cell[c], 15);
        const int32_t in = cifg ? (int16_t)(INT16_MAX - forget_gate[c]) : input_gate[c];
        const int16_t added = (int16_t)st_rounding_divide_by_pot(in * cell_gate[c], mix_shift);
        int32_t v = clamp16(kept + added);
        if (p->cell_clip > 0) v = v > p->cell_clip ? p->cell_clip : v < -p->cell_clip ? -p->cell_clip : v;
        cell[c] = (int16_t)v;
    }
    gate_step(p, &p->gates[3], x, h, xw, hw, cell, 0, output_gate);
    /* CalculateLstmOutputInteger8x8_16: tanh of the cell state, times the output gate */
    const int tanh_bits = 15 + p->cell_scale_log2;
    if (tanh_bits == 3) { /* a cell scale of 2^-12, the converter's: the tanh with constants folded */
        for (int32_t c = 0; c < cells; c++) hidden[c] = st_fp16_tanh(cell[c], 3);
    } else {
        for (int32_t c = 0; c < cells; c++) hidden[c] = st_fp16_tanh(cell[c], tanh_bits);
    }
    if (p->projection_weights) {
        for (int32_t c = 0; c < cells; c++) {
            const int32_t v = st_requantize_double(output_gate[c] * hidden[c], p->hidden_multiplier, p->hidden_shift);
            hidden8[c] = (int8_t)clamp8(v - p->hidden_zero_point);
        }
        for (int32_t o = 0; o < p->outputs; o++) {
            const int8_t *w = p->projection_weights + o * cells;
            int32_t acc = p->projection_bias[o];
            for (int32_t c = 0; c < cells; c++) acc += w[c] * hidden8[c];
            int32_t v = clamp8(st_requantize_double(acc, p->projection_multiplier, p->projection_shift) +
                               p->output_state_zero_point);
            if (p->projection_clip > 0) {
                v = v > p->projection_clip ? p->projection_clip : v < -p->projection_clip ? -p->projection_clip : v;
            }
            h[o] = (int8_t)v;
        }
    } else {
        for (int32_t c = 0; c < cells; c++) {
            const int32_t v = st_requantize_double(output_gate[c] * hidden[c], p->hidden_multiplier, p->hidden_shift);
            h[c] = (int8_t)clamp8(v + p->hidden_zero_point);
        }
    }
    for (int32_t o = 0; o < p->outputs; o++) out[o] = h[o];
}

void st_lstm_s8(const st_lstm_params *p, const int8_t *input, int8_t *output_state, int16_t *cell_state,
                int8_t *output, int16_t *scratch) {
    for (int32_t b = 0; b < p->batches; b++) {
        for (int32_t t = 0; t < p->steps; t++) {
            const int32_t row = p->time_major ? t * p->batches + b : b * p->steps + t;
            step(p, input + row * p->inputs, output_state + b * p->outputs, cell_state + b * p->cells,
                 output + row * p->outputs, scratch);
        }
    }
}
