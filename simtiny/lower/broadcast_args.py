"""BROADCAST_ARGS on shapes computed at run time (constant ones are folded before this stage,
simtiny.model.normalize): int32 or int64, the output as long as the longer shape."""

from __future__ import annotations

from simtiny.lower import KernelCall
from simtiny.model import Graph, Operator


class BroadcastArgs:
    opcodes = ("BROADCAST_ARGS",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs two shapes and one output"
        s1, s2, out = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
        if s1.dtype not in ("int32", "int64") or s2.dtype != s1.dtype or out.dtype != s1.dtype:
            return f"{s1.dtype} and {s2.dtype} shapes, {out.dtype} output (int32 or int64, all alike)"
        if len(s1.shape) != 1 or len(s2.shape) != 1 or out.shape != (max(s1.shape[0], s2.shape[0]),):
            return f"shapes {list(s1.shape)} and {list(s2.shape)}, output {list(out.shape)}"
        if s1.is_constant and s2.is_constant:  # not folded: the constants do not broadcast
            return f"constant shapes {s1.data.tolist()} and {s2.data.tolist()} do not broadcast"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        s1, s2 = (graph.tensor(t) for t in op.inputs)
        p = ctx.ident(f"op{op.index}_broadcast_args")
        n1, n2 = s1.shape[0], s2.shape[0]
        decl = f"static const st_broadcast_args_params {p} = {{{n1}, {n2}, {max(n1, n2)}}};"
        kernel = "st_broadcast_args_s64" if s1.dtype == "int64" else "st_broadcast_args_s32"
        args = ", ".join(ctx.tensor(t) for t in (*op.inputs, op.outputs[0]))
        return KernelCall(f"{kernel}(&{p}, {args});", ("broadcast_args",), (decl,))


LOWERINGS = [BroadcastArgs()]
