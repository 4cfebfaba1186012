"""SQUARED_DIFFERENCE int8 and float32 with broadcasting (to 4-D, BroadcastBinaryFunction4DSlow),
as LiteRT's squared_difference.cc computes it: int8 with Prepare's three multipliers (computed
here in its mix of float and double), each below one (QuantizeMultiplierSmallerThanOneExp, which
aborts LiteRT otherwise: refused here). int16 as TF-Lite Micro computes it (LiteRT 2.3 has no
int16 kernel, so TF-Lite Micro is its reference): no headroom shift, zero points 0, the
multipliers in double."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall
from simtiny.lower.elementwise import _loops_init, _shape_reason, binary_reason
from simtiny.lower.quant import quantize_multiplier
from simtiny.lower.sixteen import zero_point_reason
from simtiny.model import Graph, Operator

MAX_DIMS = 4
LEFT_SHIFT = 7


def multipliers(s1: float, s2: float, so: float) -> tuple[float, float, float]:
    """Prepare's real multipliers: twice the larger input scale in float (2 * std::max of floats),
    the rest in double but for (1 << 14) * output scale, a float product."""
    f = np.float32
    twice = float(f(2) * f(max(f(s1), f(s2))))
    return float(f(s1)) / twice, float(f(s2)) / twice, (twice * twice) / float(f(1 << (2 * LEFT_SHIFT)) * f(so))


def multipliers16(s1: float, s2: float, so: float) -> tuple[float, float, float]:
    """TF-Lite Micro's int16 Prepare: twice the larger float scale in double, every quotient in
    double, no headroom shift."""
    f = np.float32
    twice = 2.0 * float(max(f(s1), f(s2)))
    return float(f(s1)) / twice, float(f(s2)) / twice, (twice * twice) / float(f(so))


class SquaredDifference:
    opcodes = ("SQUARED_DIFFERENCE",)

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k of each input is read before element k is written."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    def check(self, op: Operator, graph: Graph) -> str | None:
        well_formed = len(op.inputs) == 2 and len(op.outputs) == 1 and min(op.inputs) >= 0
        tensors = [graph.tensor(t) for t in (*op.inputs, op.outputs[0])] if well_formed else []
        if tensors and all(t.dtype == "int16" for t in tensors):
            return self.check16(op, graph, tensors)
        reason = binary_reason(op, graph, MAX_DIMS)
        if reason or graph.tensor(op.outputs[0]).dtype != "int8":
            return reason
        reals = multipliers(*(graph.tensor(t).scale() for t in (*op.inputs, op.outputs[0])))
        if not all(0 < r < 1 for r in reals) or any(quantize_multiplier(r)[1] > 0 for r in reals):
            return "a rescaling of 1 or more (LiteRT aborts on it)"
        return None

    @staticmethod
    def check16(op: Operator, graph: Graph, tensors: list) -> str | None:
        """int16 (inputs, output): TF-Lite Micro's Prepare and what its int32 arithmetic allows."""
        if any(t.quant is None or t.quant.per_channel for t in tensors):
            return "not quantized per tensor"
        reason = zero_point_reason(*tensors) or _shape_reason(graph, op)
        if reason:
            return reason
        if len(tensors[2].shape) > MAX_DIMS:
            return f"rank above {MAX_DIMS}"
        r1, r2, ro = multipliers16(*(t.scale() for t in tensors))
        if quantize_multiplier(ro)[1] > 0 or quantize_multiplier(min(r1, r2))[1] < -31:
            return "a rescaling of the squares by 1 or more (int32 overflow in TF-Lite Micro)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x1, x2, out = (graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0]))
        p = ctx.ident(f"op{op.index}_squared_difference")
        loops = _loops_init(graph, op, ctx, p)
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        if out.dtype == "float32":
            decl = f"static const st_broadcast {p} = {loops};"
            return KernelCall(f"st_squared_difference_f32(&{p}, {args});", ("squared_difference",), (decl,))
        reals = (multipliers16 if out.dtype == "int16" else multipliers)(x1.scale(), x2.scale(), out.scale())
        (m1, s1), (m2, s2), (mo, so) = (quantize_multiplier(r) for r in reals)
        decl = (
            f"static const st_squared_difference_s8_params {p} = {{.loops = {loops},\n"
            f"    .input1_multiplier = {m1}, .input2_multiplier = {m2}, .output_multiplier = {mo},\n"
            f"    .input1_shift = {s1}, .input2_shift = {s2}, .output_shift = {so},\n"
            f"    .input1_offset = {-x1.zero_point()}, .input2_offset = {-x2.zero_point()}, "
            f".output_offset = {out.zero_point()}}};"
        )
        kernel = "st_squared_difference_s16" if out.dtype == "int16" else "st_squared_difference_s8"
        return KernelCall(f"{kernel}(&{p}, {args});", ("squared_difference",), (decl,))


LOWERINGS = [SquaredDifference()]
