"""The comparisons, the logical operators and SELECT_V2, as LiteRT's comparisons.cc, logical.cc and
select.cc compute them: comparisons of int8 after rescaling both sides by their scales (each
below one: LiteRT aborts on a larger one, refused here), of int16, int32 and float32 as they are
(an int16 comparison ignores the scales, as LiteRT's does), to
4-D; LOGICAL_AND and LOGICAL_OR on bools to 4-D, LOGICAL_NOT; SELECT_V2 of any element type with
its three inputs broadcast to 5-D."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, c_int_list, dtype_reason
from simtiny.lower.elementwise import _loops_init, _shape_reason, broadcast_shape
from simtiny.lower.quant import quantize_multiplier
from simtiny.model import Graph, Operator

OPS = {
    "EQUAL": "ST_EQUAL",
    "NOT_EQUAL": "ST_NOT_EQUAL",
    "LESS": "ST_LESS",
    "LESS_EQUAL": "ST_LESS_EQUAL",
    "GREATER": "ST_GREATER",
    "GREATER_EQUAL": "ST_GREATER_EQUAL",
    "LOGICAL_AND": "ST_AND",
    "LOGICAL_OR": "ST_OR",
}
KERNELS = {
    "int8": "st_compare_s8",
    "int16": "st_compare_s16",
    "int32": "st_compare_s32",
    "float32": "st_compare_f32",
    "bool": "st_logical",
}
MAX_DIMS = 4


class Compare:
    opcodes = tuple(OPS)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs two inputs and one output"
        logical = op.opcode.startswith("LOGICAL")
        dtypes = ("bool",) if logical else ("int8", "int16", "int32", "float32")
        dtype = graph.tensor(op.inputs[0]).dtype
        if dtype not in dtypes:
            return f"{dtype} input ({', '.join(dtypes)} are compiled)"
        reason = dtype_reason(graph, op, {"input1": (dtype,), "output": ("bool",)}) or _shape_reason(graph, op)
        if reason:
            return reason
        if len(graph.tensor(op.outputs[0]).shape) > MAX_DIMS:
            return f"rank above {MAX_DIMS}"
        if dtype == "int8":
            tensors = [graph.tensor(t) for t in op.inputs]
            if any(t.quant is None or t.quant.per_channel for t in tensors):
                return "inputs not quantized per tensor"
            if any(not 0 < t.scale() < 1 for t in tensors):
                return "an input scale of 1 or more (LiteRT aborts on it)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        a, b = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        fields = "0, 0, 0, 0, 0, 0"
        if a.dtype == "int8":
            (m1, s1), (m2, s2) = (
                quantize_multiplier(float(np.float32(a.scale()))),
                quantize_multiplier(float(np.float32(b.scale()))),
            )
            fields = f"{-a.zero_point()}, {m1}, {s1}, {-b.zero_point()}, {m2}, {s2}"
        decl = f"static const st_compare_params {p} = {{{_loops_init(graph, op, ctx, p)}, {OPS[op.opcode]}, {fields}}};"
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        return KernelCall(f"{KERNELS[a.dtype]}(&{p}, {args});", ("compare",), (decl,))


class LogicalNot:
    opcodes = ("LOGICAL_NOT",)

    def in_place(self, op: Operator, graph: Graph) -> bool:
        return True

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 1 or len(op.outputs) != 1 or op.inputs[0] < 0:
            return "needs one input and one output"
        reason = dtype_reason(graph, op, {"input": ("bool",), "output": ("bool",)})
        if reason:
            return reason
        return None if graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape else "shapes differ"

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        size = graph.tensor(op.inputs[0]).size
        return KernelCall(
            f"st_logical_not({size}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});", ("select_v2",)
        )


def _steps(shape: tuple[int, ...], out: tuple[int, ...]) -> list[int]:
    """An input's element steps along the output's 5 dimensions (0 where it broadcasts)."""
    padded = (1,) * (5 - len(shape)) + tuple(shape)
    steps, acc = [0] * 5, 1
    for d in range(4, -1, -1):
        steps[d] = acc if padded[d] != 1 else 0
        acc *= padded[d]
    return steps


class SelectV2:
    opcodes = ("SELECT_V2",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 3 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs a condition, two values and one output"
        cond, x, y, out = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
        if cond.dtype != "bool":
            return f"{cond.dtype} condition"
        if not (x.dtype == y.dtype == out.dtype) or x.dtype not in ("int8", "int16", "int32", "float32"):
            return f"{x.dtype}, {y.dtype} values and a {out.dtype} output"
        shape = broadcast_shape(cond.shape, x.shape)
        shape = broadcast_shape(shape, y.shape) if shape is not None else None
        if shape is None or shape != out.shape or len(shape) > 5:
            return f"condition {list(cond.shape)} and values {list(x.shape)}, {list(y.shape)} for {list(out.shape)}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        cond, x, y, out = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
        shape = [1] * (5 - len(out.shape)) + list(out.shape)
        p = ctx.ident(f"op{op.index}_select")
        steps = [c_int_list(_steps(t.shape, out.shape)) for t in (cond, x, y)]
        decl = (
            f"static const st_select_params {p} = {{{{{c_int_list(shape)}}}, {{{steps[0]}}}, {{{steps[1]}}}, "
            f"{{{steps[2]}}}, {x.itemsize}}};"
        )
        args = ", ".join(ctx.tensor(t) for t in (*op.inputs, op.outputs[0]))
        return KernelCall(f"st_select_v2(&{p}, {args});", ("select_v2",), (decl,))


LOWERINGS = [Compare(), LogicalNot(), SelectV2()]
