"""CAST among int8, uint8, int16, int32, float32 and bool (cast.cc). From float32, LiteRT 2.3
truncates and saturates (NaN to the type's top): measured, and done so here, never with C's
conversion, which is undefined out of range. A CAST of constants is folded before it gets here
(simtiny.model.normalize)."""

from __future__ import annotations

from simtiny.lower import KernelCall
from simtiny.model import Graph, Operator

CODES = {"int8": 0, "uint8": 1, "int16": 2, "int32": 3, "float32": 4, "bool": 5}  # ST_CAST_* (kernels/cast.h)


class Cast:
    opcodes = ("CAST",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 1 or op.inputs[0] < 0 or len(op.outputs) != 1:
            return "needs one input and one output"
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if src.dtype not in CODES:
            return f"{src.dtype} input"
        if dst.dtype not in CODES:
            return f"{dst.dtype} output"
        if src.shape != dst.shape or any(d < 0 for d in src.shape):
            return f"input {list(src.shape)}, output {list(dst.shape)}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        p = ctx.ident(f"op{op.index}_cast")
        decl = f"static const st_cast_params {p} = {{{src.size}, {CODES[src.dtype]}, {CODES[dst.dtype]}}};"
        call = f"st_cast(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("cast",), (decl,))


LOWERINGS = [Cast()]
