"""CUMSUM of float32 or int32 along a constant axis, with LiteRT's exclusive and reverse options
(cumsum.cc)."""

from __future__ import annotations

import math

from simtiny.lower import KernelCall
from simtiny.model import Graph, Operator


class Cumsum:
    opcodes = ("CUMSUM",)

    def _axis(self, op: Operator, graph: Graph) -> int | None:
        axis, rank = graph.tensor(op.inputs[1]), len(graph.tensor(op.inputs[0]).shape)
        if not axis.is_constant or axis.dtype != "int32" or axis.size != 1:
            return None
        a = int(axis.data.reshape(-1)[0])
        a = a + rank if a < 0 else a
        return a if 0 <= a < rank else None

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs an input, an axis and one output"
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.dtype not in ("float32", "int32") or (x.dtype, x.shape) != (y.dtype, y.shape):
            return f"{x.dtype} {list(x.shape)} in, {y.dtype} {list(y.shape)} out (float32 and int32 are compiled)"
        return None if self._axis(op, graph) is not None else "axis not one constant int32 in range"

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        a = self._axis(op, graph)
        assert a is not None
        outer, depth, inner = math.prod(x.shape[:a]), x.shape[a], math.prod(x.shape[a + 1 :])
        flags = f"{int(bool(op.options.get('exclusive')))}, {int(bool(op.options.get('reverse')))}"
        p = ctx.ident(f"op{op.index}_cumsum")
        decl = f"static const st_cumsum_params {p} = {{{outer}, {depth}, {inner}, {flags}}};"
        kernel = "st_cumsum_f32" if x.dtype == "float32" else "st_cumsum_s32"
        return KernelCall(
            f"{kernel}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});", ("cumsum",), (decl,)
        )


LOWERINGS = [Cumsum()]
