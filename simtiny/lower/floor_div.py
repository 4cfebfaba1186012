"""FLOOR_DIV and FLOOR_MOD with broadcasting to 4-D (BroadcastBinaryFunction4DSlow), on the raw
values as LiteRT's floor_div.cc and floor_mod.cc take them (int8, int16, int32; FLOOR_DIV also
float32, its quotient in double). A float FLOOR_MOD needs the C library's fmod: refused."""

from __future__ import annotations

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.elementwise import _loops_init, _shape_reason
from simtiny.model import Graph, Operator

SUFFIX = {"int8": "s8", "int16": "s16", "int32": "s32", "float32": "f32"}
MAX_DIMS = 4


class FloorDivMod:
    opcodes = ("FLOOR_DIV", "FLOOR_MOD")

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs two inputs and one output"
        dtype = graph.tensor(op.outputs[0]).dtype
        allowed = ("int8", "int16", "int32", "float32") if op.opcode == "FLOOR_DIV" else ("int8", "int16", "int32")
        if dtype not in allowed:
            return f"{dtype} output ({', '.join(allowed)} are compiled)"
        reason = dtype_reason(graph, op, {"input": (dtype,), "input1": (dtype,)}) or _shape_reason(graph, op)
        if reason:
            return reason
        return f"rank above {MAX_DIMS}" if len(graph.tensor(op.outputs[0]).shape) > MAX_DIMS else None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        decl = f"static const st_broadcast {p} = {_loops_init(graph, op, ctx, p)};"
        kernel = f"st_{op.opcode.lower()}_{SUFFIX[graph.tensor(op.outputs[0]).dtype]}"
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        return KernelCall(f"{kernel}(&{p}, {args});", ("floor_div",), (decl,))


LOWERINGS = [FloorDivMod()]
