"""CAST between integer types, and from integers to float32 (cast.cc: static_cast per element).
Float input is refused: LiteRT's static_cast from float is undefined beyond the target's range.
A CAST of constants is folded before it gets here (simtiny.model.normalize)."""

from __future__ import annotations

from simtiny.lower import KernelCall
from simtiny.model import Graph, Operator

CODES = {"int8": 0, "uint8": 1, "int16": 2, "int32": 3, "float32": 4}  # ST_CAST_* (firmware/kernels/cast.h)
SOURCES = ("int8", "uint8", "int16", "int32")


class Cast:
    opcodes = ("CAST",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 1 or op.inputs[0] < 0 or len(op.outputs) != 1:
            return "needs one input and one output"
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if src.dtype not in SOURCES:
            return f"{src.dtype} input (integers only: a float's cast is undefined out of range)"
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
