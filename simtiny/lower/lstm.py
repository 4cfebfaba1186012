"""UNIDIRECTIONAL_SEQUENCE_LSTM with int8 activations and weights and an int16 cell state (LiteRT's
integer LSTM, "8x8_16"): what its Prepare computes, computed here in the same arithmetic. The
effective scales are float products and quotients (as the C++ writes them, in float), the gate
scale is Q3.12 where there is no layer norm, and the zero points are folded into int32 biases with
the weights' row sums. Output state and cell state are variable tensors the planner keeps between
invocations (simtiny.model.variables starts them as LiteRT resets them)."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, int16_variant
from simtiny.lower.quant import f32, quantize_multiplier
from simtiny.lower.sixteen import log2_if_pot
from simtiny.model import Graph, Operator, Tensor

INPUT, OUTPUT_STATE, CELL_STATE = 0, 18, 19
INPUT_WEIGHTS = (1, 2, 3, 4)  # input, forget, cell, output gates
RECURRENT_WEIGHTS = (5, 6, 7, 8)
PEEPHOLE = (9, 10, 11)  # input, forget, output gates
BIASES = (12, 13, 14, 15)
PROJECTION_WEIGHTS, PROJECTION_BIAS = 16, 17
LAYER_NORM = (20, 21, 22, 23)
GATE_SCALE = 2.0**-12  # Q3.12, the gates' scale without layer norm
OPTIONAL = (1, 5, 9, 10, 11, 12, 16, 17, 20, 21, 22, 23)


def present(op: Operator, position: int) -> bool:
    return position < len(op.inputs) and op.inputs[position] >= 0


def cell_scale_log2(cell: Tensor) -> int | None:
    """CheckedLog2 of the cell state's scale; None if not 2^k."""
    return log2_if_pot(cell.scale()) if cell.scale() > 0 else None


def _scale(weights: Tensor, activation: Tensor, gate: float) -> float:
    """weight scale * activation scale / gate scale, in float."""
    return f32(f32(f32(weights.scale()) * f32(activation.scale())) / f32(gate))


def _row_sums(weights: Tensor) -> np.ndarray:
    return weights.data.astype(np.int64).reshape(weights.shape[0], -1).sum(axis=1)


def _wrap32(values: np.ndarray) -> np.ndarray:
    return values.astype(np.int64).astype(np.uint32).astype(np.int32)


class Lstm:
    opcodes = ("UNIDIRECTIONAL_SEQUENCE_LSTM",)

    def variant(self, op: Operator, graph: Graph):
        """int16 activations: simtiny.lower.lstm16's (TF-Lite Micro's 16x8 LSTM)."""
        return int16_variant(op, graph, self, "LSTM_16", "lstm16")

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) not in (20, 24) or len(op.outputs) != 1:
            return f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (needs 20 or 24 inputs, one output)"
        if any(op.inputs[k] < 0 for k in range(len(op.inputs)) if k not in OPTIONAL):
            return "a required input omitted"
        x, y = graph.tensor(op.inputs[INPUT]), graph.tensor(op.outputs[0])
        h, cell = graph.tensor(op.inputs[OUTPUT_STATE]), graph.tensor(op.inputs[CELL_STATE])
        if x.dtype != "int8" or y.dtype != "int8" or h.dtype != "int8" or cell.dtype != "int16":
            kinds = f"{x.dtype} input, {y.dtype} output, {h.dtype} output state, {cell.dtype} cell state"
            return f"{kinds} (needs int8 and an int16 cell state)"
        weights = [k for k in (*INPUT_WEIGHTS, *RECURRENT_WEIGHTS, PROJECTION_WEIGHTS) if present(op, k)]
        if any(graph.tensor(op.inputs[k]).dtype != "int8" for k in weights):
            return "weights not int8 (hybrid LSTM)"
        tensors = [graph.tensor(op.inputs[k]) for k in range(len(op.inputs)) if present(op, k)]
        if any(t.quant is None or t.quant.per_channel for t in (*tensors, y) if t.dtype != "int32"):
            return "a tensor not quantized per tensor"
        if not all(graph.tensor(op.inputs[k]).is_constant for k in (*weights, *BIASES, *PEEPHOLE) if present(op, k)):
            return "weights and biases must be constant"
        if not (h.variable and cell.variable):
            return "output state and cell state must be variable tensors"
        if len(op.intermediates) != 5:
            return f"{len(op.intermediates)} intermediate tensors (the integer LSTM needs 5)"
        if graph.tensor(op.intermediates[4]).quant is None:
            return "the hidden intermediate is not quantized"
        if op.options.get("diagonal_recurrent_tensors"):
            return "diagonal recurrent weights"
        if len(x.shape) != 3:
            return f"{len(x.shape)}-D input (needs 3-D: LiteRT's Prepare reads the third dimension)"
        dims = self._dims(op, graph)
        batches, _, inputs, cells, outputs = dims
        cifg = not present(op, 1)
        if present(op, 5) == cifg:
            return "input-gate weights for the input or the output state, not both"
        for k, depth in ((2, inputs), (3, inputs), (4, inputs), (6, outputs), (7, outputs), (8, outputs)):
            if graph.tensor(op.inputs[k]).shape != (cells, depth):
                return f"gate weights {list(graph.tensor(op.inputs[k]).shape)}, expected {[cells, depth]}"
        if not cifg and (
            graph.tensor(op.inputs[1]).shape != (cells, inputs) or graph.tensor(op.inputs[5]).shape != (cells, outputs)
        ):
            return "input-gate weights of another shape than the other gates'"
        peepholes = [k for k in PEEPHOLE if present(op, k)]
        if peepholes:
            if len(peepholes) != (2 if cifg else 3):
                return "peephole weights for some gates only"
            if outputs != cells:
                return "peephole weights with a projection to another width (LiteRT walks them by the output width)"
            if any(
                graph.tensor(op.inputs[k]).dtype != "int16" or graph.tensor(op.inputs[k]).size != cells
                for k in peepholes
            ):
                return "peephole weights not int16 of one per cell"
        for k in BIASES:
            if present(op, k) and (
                graph.tensor(op.inputs[k]).dtype != "int32" or graph.tensor(op.inputs[k]).size != cells
            ):
                return "gate biases not int32 of one per cell"
        if present(op, 12) == cifg or not all(present(op, k) for k in BIASES[1:]):
            return "gate biases missing, or an input-gate bias in a CIFG LSTM"
        projection = present(op, PROJECTION_WEIGHTS)
        if not projection and outputs != cells:
            return f"{outputs} outputs from {cells} cells without a projection"
        if present(op, PROJECTION_BIAS) and not projection:
            return "a projection bias without projection weights"
        if projection and graph.tensor(op.inputs[PROJECTION_WEIGHTS]).shape != (outputs, cells):
            return "projection weights of another shape than [outputs, cells]"
        if h.size != batches * outputs or cell.size != batches * cells:
            return f"state sizes {h.size} and {cell.size} for {batches} batches of {outputs} outputs and {cells} cells"
        if y.shape != (*x.shape[:-1], outputs):
            return f"output shape {list(y.shape)} for input {list(x.shape)} and {outputs} outputs"
        reason = self._layer_norm_reason(op, graph, cells, cifg)
        if reason:
            return reason
        log2 = cell_scale_log2(cell)
        if log2 is None or not -15 <= log2 <= -9:
            return "cell state scale not a power of two from 2^-15 to 2^-9"
        if any(quantize_multiplier(s)[1] > 30 for s in self._scales(op, graph).values()):
            return "a rescaling by 2^30 or more"
        return None

    @staticmethod
    def _layer_norm(op: Operator) -> bool:
        """A layer-norm LSTM: 24 inputs with the forget gate's coefficients (LiteRT's Prepare)."""
        return len(op.inputs) == 24 and present(op, LAYER_NORM[1])

    def _layer_norm_reason(self, op: Operator, graph: Graph, cells: int, cifg: bool) -> str | None:
        """CheckInputTensorDimensions' layer-norm rules, and the quantisation the integer kernel reads."""
        if not self._layer_norm(op):
            return "layer-norm coefficients for some gates only" if any(present(op, k) for k in LAYER_NORM) else None
        if present(op, LAYER_NORM[0]) == cifg or not all(present(op, k) for k in LAYER_NORM[1:]):
            return "layer-norm coefficients missing, or the input gate's in a CIFG LSTM"
        for k in LAYER_NORM:
            if not present(op, k):
                continue
            t = graph.tensor(op.inputs[k])
            if t.dtype != "int16" or t.size != cells or not t.is_constant or t.quant is None or t.quant.per_channel:
                return "layer-norm coefficients not constant int16 of one per cell, quantized per tensor"
        for g in range(4):
            if not (cifg and g == 0) and graph.tensor(op.intermediates[g]).quant is None:
                return f"gate {g}'s intermediate (its scale before the layer norm) is not quantized"
        return None

    def _gate_scale(self, op: Operator, graph: Graph, g: int) -> float:
        """Gate g's scale before its activation: Q3.12, or with layer norm its intermediate's."""
        return f32(graph.tensor(op.intermediates[g]).scale()) if self._layer_norm(op) else GATE_SCALE

    def _dims(self, op: Operator, graph: Graph) -> tuple[int, int, int, int, int]:
        """(batches, steps, inputs, cells, outputs)."""
        x = graph.tensor(op.inputs[INPUT])
        if op.options.get("time_major"):
            steps, batches = x.shape[0], x.shape[1]
        else:
            batches, steps = x.shape[0], x.shape[1]
        cells = graph.tensor(op.inputs[4]).shape[0]
        outputs = graph.tensor(op.inputs[8]).shape[1] if len(graph.tensor(op.inputs[8]).shape) == 2 else 0
        return batches, steps, x.shape[-1], cells, outputs

    def _scales(self, op: Operator, graph: Graph) -> dict[str, float]:
        """Prepare's effective scales (PopulateQuantizedLstmParams8x8_16), each a float."""
        x, h = graph.tensor(op.inputs[INPUT]), graph.tensor(op.inputs[OUTPUT_STATE])
        hidden = graph.tensor(op.intermediates[4])
        log2 = cell_scale_log2(graph.tensor(op.inputs[CELL_STATE])) or 0
        scales: dict[str, float] = {}
        for g, (wi, wr) in enumerate(zip(INPUT_WEIGHTS, RECURRENT_WEIGHTS, strict=True)):
            if present(op, wi):
                scales[f"input{g}"] = _scale(graph.tensor(op.inputs[wi]), x, self._gate_scale(op, graph, g))
                scales[f"recurrent{g}"] = _scale(graph.tensor(op.inputs[wr]), h, self._gate_scale(op, graph, g))
        for g, k in zip((0, 1, 3), PEEPHOLE, strict=True):
            if present(op, k):  # std::pow(2, cell_scale) is a double: the product and quotient are too
                gate = self._gate_scale(op, graph, g)
                scales[f"cell{g}"] = f32(2.0**log2 * f32(graph.tensor(op.inputs[k]).scale()) / gate)
        scales["hidden"] = f32(2.0**-15 / f32(hidden.scale()) * 2.0**-15)
        if present(op, PROJECTION_WEIGHTS):
            w = graph.tensor(op.inputs[PROJECTION_WEIGHTS])
            scales["projection"] = f32(f32(f32(w.scale()) * f32(hidden.scale())) / f32(h.scale()))
        return scales

    def _norm_fields(self, op: Operator, graph: Graph, ctx, g: int) -> str:
        """st_lstm_gate's layer-norm fields: coefficients, bias, their scale's multiplier and shift
        (QuantizeMultiplier of the coefficients' float scale) and the variance guard,
        max(1, (int32)(10000 * scale)) with the product in float; zeros without layer norm."""
        if not self._layer_norm(op):
            return "0, 0, 0, 0, 0"
        coefficients = graph.tensor(op.inputs[LAYER_NORM[g]])
        scale = f32(coefficients.scale())
        m, s = quantize_multiplier(scale)
        guard = max(1, int(f32(10000 * scale)))
        return f"{ctx.tensor(op.inputs[LAYER_NORM[g]])}, {ctx.tensor(op.inputs[BIASES[g]])}, {m}, {s}, {guard}"

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """Five int16 vectors of the cells (four gates and tanh of the cell) padded to a word, the
        input and output state widened to halfword pairs by groups of four, one int8 vector."""
        if self.check(op, graph):
            return 0
        _, _, inputs, cells, outputs = self._dims(op, graph)
        return (5 * cells + (cells & 1)) * 2 + (inputs // 4 + outputs // 4) * 8 + (cells + 3) // 4 * 4

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, y = graph.tensor(op.inputs[INPUT]), graph.tensor(op.outputs[0])
        h, cell = graph.tensor(op.inputs[OUTPUT_STATE]), graph.tensor(op.inputs[CELL_STATE])
        hidden = graph.tensor(op.intermediates[4])
        batches, steps, inputs, cells, outputs = self._dims(op, graph)
        scales = self._scales(op, graph)
        p = ctx.ident(f"op{op.index}_lstm")

        def requant(key: str) -> str:
            m, s = quantize_multiplier(scales[key]) if key in scales else (0, 0)
            return f"{m}, {s}"

        gates = []
        for g, (wi, wr, b) in enumerate(zip(INPUT_WEIGHTS, RECURRENT_WEIGHTS, BIASES, strict=True)):
            if not present(op, wi):
                gates.append("{0}")
                continue
            w_in, w_rec = graph.tensor(op.inputs[wi]), graph.tensor(op.inputs[wr])
            bias = graph.tensor(op.inputs[b]).data.astype(np.int64)
            # with layer norm the gate's bias is added in the norm, not to the products
            input_bias = _wrap32((0 if self._layer_norm(op) else bias) - x.zero_point() * _row_sums(w_in))
            recurrent_bias = _wrap32(-h.zero_point() * _row_sums(w_rec))
            peephole = {0: 9, 1: 10, 3: 11}.get(g)
            cell_weights = ctx.tensor(op.inputs[peephole]) if peephole is not None and present(op, peephole) else "0"
            gates.append(
                f"{{{ctx.tensor(op.inputs[wi])}, {ctx.tensor(op.inputs[wr])}, "
                f"{ctx.const(f'op{op.index}_gate{g}_input_bias', input_bias)}, "
                f"{ctx.const(f'op{op.index}_gate{g}_recurrent_bias', recurrent_bias)}, {cell_weights}, "
                f"{requant(f'input{g}')}, {requant(f'recurrent{g}')}, {requant(f'cell{g}')}, "
                f"{self._norm_fields(op, graph, ctx, g)}}}"
            )
        projection_weights = projection_bias = "0"
        if present(op, PROJECTION_WEIGHTS):
            w = graph.tensor(op.inputs[PROJECTION_WEIGHTS])
            base = graph.tensor(op.inputs[PROJECTION_BIAS]).data.astype(np.int64) if present(op, PROJECTION_BIAS) else 0
            projection_weights = ctx.tensor(op.inputs[PROJECTION_WEIGHTS])
            projection_bias = ctx.const(
                f"op{op.index}_projection_bias", _wrap32(base + hidden.zero_point() * _row_sums(w))
            )
        cell_clip = f32(op.options.get("cell_clip", 0.0) or 0.0)
        proj_clip = f32(op.options.get("proj_clip", 0.0) or 0.0)
        # static_cast of the clamped float quotient: truncation toward zero
        q_cell = int(max(-32768.0, min(32767.0, f32(cell_clip / f32(cell.scale()))))) if cell_clip > 0 else 0
        q_proj = int(max(-128.0, min(127.0, f32(proj_clip / f32(y.scale()))))) if proj_clip > 0 else 0
        decl = (
            f"static const st_lstm_params {p} = {{{batches}, {steps}, {inputs}, {cells}, {outputs}, "
            f"{1 if op.options.get('time_major') else 0}, {cell_scale_log2(cell)}, "
            f"{q_cell}, {q_proj}, {requant('hidden')}, {hidden.zero_point()}, {requant('projection')}, "
            f"{h.zero_point()}, {projection_weights}, {projection_bias}, {{{', '.join(gates)}}}}};"
        )
        call = (
            f"st_lstm_s8(&{p}, {ctx.tensor(op.inputs[INPUT])}, {ctx.tensor(op.inputs[OUTPUT_STATE])}, "
            f"{ctx.tensor(op.inputs[CELL_STATE])}, {ctx.tensor(op.outputs[0])}, (int16_t *){ctx.scratch});"
        )
        return KernelCall(call, ("lstm_s8",), (decl,))


LOWERINGS = [Lstm()]
