"""DIV int8 and float32 with broadcasting, as LiteRT's div.cc computes them: int8 by the divisor's
fixed-point reciprocal and one multiplier (input1 scale / (input2 scale * output scale), in float
as Prepare writes it), float32 by IEEE division clamped to the activation's range (LiteRT clamps
a division by zero to +-FLT_MAX, not to infinity). A quantized divisor equal to its zero point
makes LiteRT fail the invocation; the kernel does not check it."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall
from simtiny.lower.elementwise import ACTIVATIONS, _activation, _loops_init, binary_reason
from simtiny.lower.quant import float_activation_range, quantize_multiplier
from simtiny.lower.quantize_ops import c_float
from simtiny.model import Graph, Operator

MAX_DIMS = 5  # BroadcastDivSlow<N = 5>
# the largest quotient shift the kernel's one rounding shift takes (the dividend's headroom and the
# reciprocal's shift make up at least 23 bits on int8 values)
MAX_OUTPUT_SHIFT = 20


class Div:
    opcodes = ("DIV",)

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k of each input is read before element k is written."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = binary_reason(op, graph, MAX_DIMS)
        if reason:
            return reason
        activation = op.options.get("fused_activation_function", "NONE")
        if activation not in ACTIVATIONS:
            return f"fused activation {activation}"
        if (
            graph.tensor(op.outputs[0]).dtype == "int8"
            and quantize_multiplier(self.real(op, graph))[1] > MAX_OUTPUT_SHIFT
        ):
            return f"a rescaling by 2^{MAX_OUTPUT_SHIFT} or more"
        return None

    @staticmethod
    def real(op: Operator, graph: Graph) -> float:
        """div.cc: input1 scale / (input2 scale * output scale), in float, then widened."""
        f = np.float32
        x1, x2, out = (graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0]))
        return float(f(f(x1.scale()) / f(f(x2.scale()) * f(out.scale()))))

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        out = graph.tensor(op.outputs[0])
        p = ctx.ident(f"op{op.index}_div")
        loops = _loops_init(graph, op, ctx, p)
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        if out.dtype == "float32":
            low, high = float_activation_range(op.options.get("fused_activation_function", "NONE"))
            decl = (
                f"static const st_div_f32_params {p} = {{.loops = {loops}, "
                f".act_min = {c_float(low)}, .act_max = {c_float(high)}}};"
            )
            return KernelCall(f"st_div_f32(&{p}, {args});", ("div",), (decl,))
        x1, x2 = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        multiplier, shift = quantize_multiplier(self.real(op, graph))
        act_min, act_max = _activation(op, out)
        decl = (
            f"static const st_div_s8_params {p} = {{.loops = {loops}, .output_multiplier = {multiplier}, "
            f".output_shift = {shift},\n    .input1_offset = {-x1.zero_point()}, .input2_offset = {-x2.zero_point()}, "
            f".output_offset = {out.zero_point()}, .act_min = {act_min}, .act_max = {act_max}}};"
        )
        return KernelCall(f"st_div_s8(&{p}, {args});", ("div",), (decl,))


LOWERINGS = [Div()]
