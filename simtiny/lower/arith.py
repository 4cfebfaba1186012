"""ADD, SUB and MUL on int32 and float32 values (loop counters, shape arithmetic the converter could
not fold, the float32 corners of a quantized model): LiteRT's reference Add, Sub and Mul for those
types, broadcasting to 6-D, the fused activation's clamp after (firmware/kernels/arith.c).
ADD, SUB and MUL's own lowerings (simtiny.lower.elementwise) pick this one for those types."""

from __future__ import annotations

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.elementwise import ACTIVATIONS, _loops_init, _shape_reason
from simtiny.lower.quant import ACTIVATION_BOUNDS, float_activation_range
from simtiny.lower.quantize_ops import c_float
from simtiny.model import Graph, Operator

TYPES = ("int32", "float32")  # the output types ADD, SUB and MUL hand to this lowering
MAX_DIMS = 6


class Arith:
    """The int32 and float32 variant of ADD, SUB and MUL."""

    opcodes: tuple[str, ...] = ()  # reached through ADD's, SUB's and MUL's variant, not by opcode

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k of each input is read before element k is written."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs two inputs and one output"
        dtype = graph.tensor(op.outputs[0]).dtype
        reason = dtype_reason(graph, op, {"input": (dtype,), "input1": (dtype,)}) or _shape_reason(graph, op)
        if reason:
            return reason
        activation = op.options.get("fused_activation_function", "NONE")
        if activation not in ACTIVATIONS:
            return f"fused activation {activation}"
        return f"rank above {MAX_DIMS}" if len(graph.tensor(op.outputs[0]).shape) > MAX_DIMS else None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        dtype = graph.tensor(op.outputs[0]).dtype
        activation = op.options.get("fused_activation_function", "NONE")
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        if dtype == "float32":
            low, high = (c_float(v) for v in float_activation_range(activation))
            kind, suffix = "st_arith_f32_params", "f32"
        else:
            lo, hi = ACTIVATION_BOUNDS[activation]
            low, high = "INT32_MIN" if lo is None else str(lo), "INT32_MAX" if hi is None else str(hi)
            kind, suffix = "st_arith_s32_params", "s32"
        loops = _loops_init(graph, op, ctx, p)
        decl = f"static const {kind} {p} = {{.loops = {loops}, .act_min = {low}, .act_max = {high}}};"
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        return KernelCall(f"st_{op.opcode.lower()}_{suffix}(&{p}, {args});", ("arith",), (decl,))


ARITH = Arith()
LOWERINGS: list = []  # ADD, SUB and MUL are registered by simtiny.lower.elementwise
