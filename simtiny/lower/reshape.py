"""RESHAPE, SQUEEZE, EXPAND_DIMS: the same bytes seen with another shape; no code, no copy."""

from __future__ import annotations

from simtiny.lower import KernelCall
from simtiny.model import Graph, Operator


class Alias:
    """Output shares the input's buffer; the planner extends the input's lifetime."""

    opcodes = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")
    aliases_input = True

    def check(self, op: Operator, graph: Graph) -> str | None:
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if src.dtype != dst.dtype:
            return f"{src.dtype} in, {dst.dtype} out"
        if src.nbytes != dst.nbytes:
            return f"{src.nbytes} bytes in, {dst.nbytes} out"
        if any(d < 0 for d in dst.shape):
            return "dynamic shape"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        return KernelCall(statement="/* view of the input: no code */")


LOWERINGS = [Alias()]
