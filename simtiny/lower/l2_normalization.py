"""L2_NORMALIZATION int8 over the last dimension, as LiteRT computes it (l2norm.cc and
reference_integer_ops::L2Normalization): Prepare insists on an output scale of 1/128 and zero
point 0; the inverse square root of each row's sum of squares is computed at run time in the
same fixed point (st_fp_inv_sqrt)."""

from __future__ import annotations

from simtiny.lower import KernelCall, dtype_reason
from simtiny.model import Graph, Operator

OUTPUT_SCALE = 1.0 / 128


class L2Normalization:
    opcodes = ("L2_NORMALIZATION",)

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """A row is read whole before any of it is written."""
        return True

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 1 or len(op.outputs) != 1 or op.inputs[0] < 0:
            return "needs one input and one output"
        reason = dtype_reason(graph, op, {"input": ("int8",), "output": ("int8",)})
        if reason:
            return reason + " (int8 is compiled)"
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.quant is None or y.quant is None or x.shape != y.shape or not x.shape:
            return "unquantized, or input and output shapes differ"
        if y.scale() != OUTPUT_SCALE or y.zero_point() != 0:
            return f"output scale {y.scale():g} and zero point {y.zero_point()} (LiteRT requires 1/128 and 0)"
        if op.options.get("fused_activation_function", "NONE") != "NONE":
            return "a fused activation"
        if x.shape[-1] > 1 << 15:
            return "rows over 32,768 values (the sum of squares could leave int32)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        p = ctx.ident(f"op{op.index}_l2_normalization")
        rows, depth = x.size // x.shape[-1], x.shape[-1]
        decl = f"static const st_l2_normalization_params {p} = {{{rows}, {depth}, {x.zero_point()}}};"
        call = f"st_l2_normalization_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("l2_normalization_s8",), (decl,))


LOWERINGS = [L2Normalization()]
