"""UNIDIRECTIONAL_SEQUENCE_LSTM with int16 activations and int8 weights (the converter's 16x8 mode).

LiteRT has no such kernel (its Prepare takes an int16 input down the float path and fails), so
TF-Lite Micro's reference kernels are the reference here (`--reference tflm`): what its Prepare
computes, computed here in the same arithmetic. The gates' inputs are Q3.12 and their outputs
Q0.15 whatever the model's intermediate tensors say (TF-Lite Micro never reads those); each matrix
product's multiplier comes from a float product of the two scales divided, in double, by 2^-12;
each elementwise product's from a double product and quotient. Hidden and cell states are
variable tensors kept between invocations.
"""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall
from simtiny.lower.lstm import BIASES, CELL_STATE, INPUT, INPUT_WEIGHTS, OUTPUT_STATE, RECURRENT_WEIGHTS, present
from simtiny.lower.quant import f32, quantize_multiplier, round_half_away
from simtiny.lower.sigmoid16 import sigmoid_table
from simtiny.lower.sixteen import float_log2
from simtiny.model import Graph, Operator, Tensor

GATE_INPUT_SCALE = 2.0**-12  # Q3.12
GATE_OUTPUT_SCALE = 2.0**-15  # Q0.15
ABSENT = (9, 10, 11, 16, 17, 20, 21, 22, 23)  # peepholes, projection, layer norm: TF-Lite Micro refuses them
MIN_CELL_LOG2, MAX_CELL_LOG2 = -31, 1  # the cell tanh's rescaling stays in int32


def cell_power(cell: Tensor) -> int:
    """TF-Lite Micro's cell_state_scale_power: log2 of the scale in float, rounded half away
    (not checked to be a power of two: TF-Lite Micro rounds any scale so)."""
    return round_half_away(float(float_log2(cell.scale())))


def tanh_scaling(power: int) -> tuple[int, int]:
    """The (multiplier, shift) TF-Lite Micro's LSTM passes to the int16 tanh for a value of scale
    2^power: Q3.12 is 3, finer scales a left shift of 3, coarser ones 3 and a rounded right shift."""
    shift = 12 + power
    return (3 << shift, 0) if shift >= 0 else (3, -shift)


def product_multiplier(data: Tensor, weights: Tensor) -> tuple[int, int]:
    """A gate's matrix product into Q3.12: (float)(data scale * weight scale) / 2^-12 in double."""
    return quantize_multiplier(f32(f32(data.scale()) * f32(weights.scale())) / GATE_INPUT_SCALE)


def mul_multiplier(a: float, b: float, c: float) -> tuple[int, int]:
    """An elementwise product's (a * b / c), the three floats multiplied and divided in double."""
    return quantize_multiplier(f32(a) * f32(b) / f32(c))


def _tensors(op: Operator, graph: Graph) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    return (
        graph.tensor(op.inputs[INPUT]),
        graph.tensor(op.outputs[0]),
        graph.tensor(op.inputs[OUTPUT_STATE]),
        graph.tensor(op.inputs[CELL_STATE]),
    )


class Lstm16:
    """Reached through simtiny.lower.lstm.Lstm's variant for an int16 input."""

    opcodes: tuple[str, ...] = ()

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 24 or len(op.outputs) != 1:
            return f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TF-Lite Micro needs 24 inputs, one output)"
        if not all(present(op, k) for k in (*INPUT_WEIGHTS, *RECURRENT_WEIGHTS, *BIASES, OUTPUT_STATE, CELL_STATE)):
            return "a gate's weights or bias omitted (TF-Lite Micro's 16x8 LSTM has no CIFG)"
        if any(present(op, k) for k in ABSENT):
            return "peepholes, a projection or layer norm (TF-Lite Micro's 16x8 LSTM has none)"
        x, y, h, cell = _tensors(op, graph)
        if (x.dtype, y.dtype, h.dtype, cell.dtype) != ("int16",) * 4:
            return f"{x.dtype} input, {y.dtype} output, {h.dtype} hidden state, {cell.dtype} cell state (needs int16)"
        weights = [graph.tensor(op.inputs[k]) for k in (*INPUT_WEIGHTS, *RECURRENT_WEIGHTS)]
        biases = [graph.tensor(op.inputs[k]) for k in BIASES]
        if any(w.dtype != "int8" or not w.is_constant for w in weights):
            return "weights not constant int8"
        if any(b.dtype != "int64" or not b.is_constant for b in biases):
            return "gate biases not constant int64"
        quantized = (x, h, cell, *weights)
        if any(t.quant is None or t.quant.per_channel for t in quantized):
            return "a tensor not quantized per tensor"
        if any(t.zero_point() != 0 for t in (x, h, *weights)):
            return "a nonzero zero point (16x8 needs 0)"
        if not (h.variable and cell.variable):
            return "hidden state and cell state must be variable tensors"
        if len(x.shape) != 3 or len(y.shape) != 3 or len(h.shape) < 2:
            return f"{len(x.shape)}-D input, {len(y.shape)}-D output (needs 3-D, as TF-Lite Micro)"
        batches, _, inputs, cells = self._dims(op, graph)
        if any(w.shape != (cells, inputs) for w in weights[:4]) or any(w.shape != (cells, cells) for w in weights[4:]):
            return "gate weights not [cells, inputs] and [cells, cells]"
        if any(b.size != cells for b in biases) or h.size != batches * cells or cell.size != batches * cells:
            return "bias or state sizes other than one per cell (and batch row)"
        if y.shape != (*x.shape[:2], cells):
            return f"output shape {list(y.shape)} for input {list(x.shape)} and {cells} cells"
        activation = op.options.get("fused_activation_function", "TANH")
        if activation != "TANH":
            return f"cell activation {activation} (TF-Lite Micro takes TANH)"
        if float(op.options.get("cell_clip", 0.0) or 0.0) < 0:
            return "a negative cell clip"
        if not MIN_CELL_LOG2 <= cell_power(cell) <= MAX_CELL_LOG2:
            return f"cell state scale {cell.scale():g} out of range"
        shifts = [product_multiplier(d, w)[1] for d, w in zip((x,) * 4 + (h,) * 4, weights, strict=True)]
        if any(not -31 <= s <= 7 for s in shifts):
            return "a gate's requantisation scale outside 2^-31 .. 2^7"
        largest = max(int(np.abs(b.data.astype(np.int64)).max()) for b in biases)
        if largest + (inputs + cells) * 32768 * 128 >= 1 << 47:
            return "a gate bias so large that the int64 requantisation could overflow"
        return None

    def _dims(self, op: Operator, graph: Graph) -> tuple[int, int, int, int]:
        """(batches, steps, inputs, cells): the hidden state's second dimension is the cells."""
        x, _, h, _ = _tensors(op, graph)
        steps, batches = (x.shape[0], x.shape[1]) if op.options.get("time_major") else (x.shape[1], x.shape[0])
        return batches, steps, x.shape[2], h.shape[1]

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """Four int16 vectors of the cells."""
        return 0 if self.check(op, graph) else 8 * self._dims(op, graph)[3]

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, _, h, cell = _tensors(op, graph)
        batches, steps, inputs, cells = self._dims(op, graph)
        table = ctx.const("st_sigmoid16_table", sigmoid_table())
        gates = []
        for wi, wr, b in zip(INPUT_WEIGHTS, RECURRENT_WEIGHTS, BIASES, strict=True):
            w_in, w_rec = graph.tensor(op.inputs[wi]), graph.tensor(op.inputs[wr])
            m_in, s_in = product_multiplier(x, w_in)
            m_rec, s_rec = product_multiplier(h, w_rec)
            gates.append(
                f"{{{ctx.tensor(op.inputs[wi])}, {ctx.tensor(op.inputs[wr])}, {ctx.tensor(op.inputs[b])}, "
                f"{m_in}, {s_in}, {m_rec}, {s_rec}}}"
            )
        forget = mul_multiplier(GATE_OUTPUT_SCALE, cell.scale(), cell.scale())
        update = mul_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, cell.scale())
        hidden = mul_multiplier(GATE_OUTPUT_SCALE, GATE_OUTPUT_SCALE, h.scale())
        clip = f32(op.options.get("cell_clip", 0.0) or 0.0)
        # static_cast<int16_t> of the clamped double quotient: truncation toward zero
        q_clip = int(max(-32768.0, min(32767.0, clip / f32(cell.scale())))) if clip > 0 else 0

        def sigmoid(multiplier: int, shift: int) -> str:
            return f"{{0, {multiplier}, {shift}, {table}}}"

        gate_scaling = sigmoid(*tanh_scaling(-12))  # Q3.12 in: the gates' sigmoids and the cell gate's tanh
        p = ctx.ident(f"op{op.index}_lstm16")
        decl = (
            f"static const st_lstm16_params {p} = {{{batches}, {steps}, {inputs}, {cells}, "
            f"{1 if op.options.get('time_major') else 0}, {q_clip}, "
            f"{forget[0]}, {forget[1]}, {update[0]}, {update[1]}, {hidden[0]}, {hidden[1]}, "
            f"{gate_scaling}, {sigmoid(*tanh_scaling(cell_power(cell)))}, "
            f"{{{', '.join(gates)}}}}};"
        )
        call = (
            f"st_lstm_s16(&{p}, {ctx.tensor(op.inputs[INPUT])}, {ctx.tensor(op.inputs[OUTPUT_STATE])}, "
            f"{ctx.tensor(op.inputs[CELL_STATE])}, {ctx.tensor(op.outputs[0])}, (int16_t *){ctx.scratch});"
        )
        return KernelCall(call, ("lstm_s16", "logistic_s16", "tanh_s16"), (decl,))


LSTM_16 = Lstm16()
