"""PRELU int8 (Keras PReLU), as LiteRT's activations.cc computes it: alpha broadcast against the
input (to 4-D, BroadcastPrelu4DSlow), two multipliers from float scales (input / output, and
input * alpha / output), a non-negative offset input taking the first, a negative one the second
times the offset alpha."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.elementwise import _loops_init, _quant_reason, _shape_reason
from simtiny.lower.quant import quantize_multiplier
from simtiny.model import Graph, Operator

MAX_DIMS = 4


def multipliers(op: Operator, graph: Graph) -> tuple[float, float]:
    f = np.float32
    x, alpha, y = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
    positive = float(f(f(x.scale()) / f(y.scale())))
    negative = float(f(f(f(x.scale()) * f(alpha.scale())) / f(y.scale())))
    return positive, negative


class Prelu:
    opcodes = ("PRELU",)

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k of the input is read before element k is written."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs an input, alpha and one output"
        reason = dtype_reason(graph, op, {"input": ("int8",), "input1": ("int8",), "output": ("int8",)})
        reason = reason or _quant_reason(graph, op) or _shape_reason(graph, op)
        if reason:
            return reason
        if len(graph.tensor(op.outputs[0]).shape) > MAX_DIMS:
            return f"rank above {MAX_DIMS}"
        if any(quantize_multiplier(m)[1] > 30 for m in multipliers(op, graph)):
            return "a rescaling by 2^30 or more"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, alpha, y = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
        (m1, s1), (m2, s2) = (quantize_multiplier(m) for m in multipliers(op, graph))
        p = ctx.ident(f"op{op.index}_prelu")
        decl = (
            f"static const st_prelu_params {p} = {{.loops = {_loops_init(graph, op, ctx, p)},\n"
            f"    .multiplier_positive = {m1}, .shift_positive = {s1}, .multiplier_negative = {m2}, "
            f".shift_negative = {s2},\n    .input_offset = {-x.zero_point()}, .alpha_offset = {-alpha.zero_point()}, "
            f".output_offset = {y.zero_point()}}};"
        )
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        return KernelCall(f"st_prelu_s8(&{p}, {args});", ("prelu_s8",), (decl,))


LOWERINGS = [Prelu()]
