"""SQUARED_DIFFERENCE int8 and float32 with broadcasting (to 4-D, BroadcastBinaryFunction4DSlow),
as LiteRT's squared_difference.cc computes it: int8 with Prepare's three multipliers (computed
here in its mix of float and double), each below one (QuantizeMultiplierSmallerThanOneExp, which
aborts LiteRT otherwise: refused here)."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall
from simtiny.lower.elementwise import _loops_init, binary_reason
from simtiny.lower.quant import quantize_multiplier
from simtiny.model import Graph, Operator

MAX_DIMS = 4
LEFT_SHIFT = 7


def multipliers(s1: float, s2: float, so: float) -> tuple[float, float, float]:
    """Prepare's real multipliers: twice the larger input scale in float (2 * std::max of floats),
    the rest in double but for (1 << 14) * output scale, a float product."""
    f = np.float32
    twice = float(f(2) * f(max(f(s1), f(s2))))
    return float(f(s1)) / twice, float(f(s2)) / twice, (twice * twice) / float(f(1 << (2 * LEFT_SHIFT)) * f(so))


class SquaredDifference:
    opcodes = ("SQUARED_DIFFERENCE",)

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k of each input is read before element k is written."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = binary_reason(op, graph, MAX_DIMS)
        if reason or graph.tensor(op.outputs[0]).dtype != "int8":
            return reason
        reals = multipliers(*(graph.tensor(t).scale() for t in (*op.inputs, op.outputs[0])))
        if not all(0 < r < 1 for r in reals) or any(quantize_multiplier(r)[1] > 0 for r in reals):
            return "a rescaling of 1 or more (LiteRT aborts on it)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x1, x2, out = (graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0]))
        p = ctx.ident(f"op{op.index}_squared_difference")
        loops = _loops_init(graph, op, ctx, p)
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        if out.dtype == "float32":
            decl = f"static const st_broadcast {p} = {loops};"
            return KernelCall(f"st_squared_difference_f32(&{p}, {args});", ("squared_difference",), (decl,))
        (m1, s1), (m2, s2), (mo, so) = (
            quantize_multiplier(r) for r in multipliers(x1.scale(), x2.scale(), out.scale())
        )
        decl = (
            f"static const st_squared_difference_s8_params {p} = {{.loops = {loops},\n"
            f"    .input1_multiplier = {m1}, .input2_multiplier = {m2}, .output_multiplier = {mo},\n"
            f"    .input1_shift = {s1}, .input2_shift = {s2}, .output_shift = {so},\n"
            f"    .input1_offset = {-x1.zero_point()}, .input2_offset = {-x2.zero_point()}, "
            f".output_offset = {out.zero_point()}}};"
        )
        return KernelCall(f"st_squared_difference_s8(&{p}, {args});", ("squared_difference",), (decl,))


LOWERINGS = [SquaredDifference()]
