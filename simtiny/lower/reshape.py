"""RESHAPE, SQUEEZE, EXPAND_DIMS: the same bytes seen with another shape; no code, no copy (but for
a view of a constant, whose bytes are in flash: copied into the arena)."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall
from simtiny.model import Graph, Operator


def computed_shape(op: Operator, graph: Graph) -> list[int] | None:
    """The output shape LiteRT gives the operator (reshape.cc, squeeze.cc, expand_dims.cc), from
    its shape operand or options; None when they do not say (LiteRT then keeps the declared one)."""
    src = graph.tensor(op.inputs[0]).shape
    if op.opcode == "RESHAPE":
        given = graph.tensor(op.inputs[1]).data if len(op.inputs) > 1 and op.inputs[1] >= 0 else None
        shape = [int(v) for v in given.reshape(-1)] if given is not None else list(op.options.get("new_shape") or [])
        if given is None and not shape:
            return None
        known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
        if shape.count(-1) == 1 and known > 0:
            shape[shape.index(-1)] = int(np.prod(src, dtype=np.int64)) // known
        return shape
    if op.opcode == "SQUEEZE":
        dims = [int(d) % max(len(src), 1) for d in op.options.get("squeeze_dims") or []]
        return [d for i, d in enumerate(src) if not (d == 1 and (not dims or i in dims))]
    axis_data = graph.tensor(op.inputs[1]).data if len(op.inputs) > 1 else None  # EXPAND_DIMS
    if axis_data is None or axis_data.size != 1:
        return None
    axis = int(axis_data.reshape(-1)[0])
    axis = axis + len(src) + 1 if axis < 0 else axis
    if not 0 <= axis <= len(src):
        return None
    return [*src[:axis], 1, *src[axis:]]


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
        want = computed_shape(op, graph)
        if want is not None and tuple(want) != tuple(dst.shape):
            return f"output shape {list(dst.shape)}, LiteRT computes {list(want)}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if src.is_constant and not dst.is_constant:  # a constant is in flash, not in the arena: copied
            # (simtiny.model.normalize folds these in the main graph; an IF's or WHILE's may hold one)
            return KernelCall(
                f"__builtin_memcpy({ctx.tensor(op.outputs[0])}, {ctx.tensor(op.inputs[0])}, {dst.nbytes});"
            )
        return KernelCall(statement="/* view of the input: no code */")


LOWERINGS = [Alias()]
