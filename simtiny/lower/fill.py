"""FILL (a constant shape, a value constant or computed), ZEROS_LIKE and ADD_N, as LiteRT's
fill.cc, zeros_like.cc and add_n.cc compute them: FILL and ZEROS_LIKE copy a value into every
element (types LiteRT takes: FILL int8, int16, int32, float32, bool; ZEROS_LIKE int32 and
float32), ADD_N sums float32 or int32 inputs in their order."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall
from simtiny.model import NUMPY_DTYPES, Graph, Operator

FILL_TYPES = ("int8", "int16", "int32", "float32", "bool")


class Fill:
    opcodes = ("FILL", "ZEROS_LIKE")

    def check(self, op: Operator, graph: Graph) -> str | None:
        out = graph.tensor(op.outputs[0]) if len(op.outputs) == 1 else None
        if out is None or not op.inputs or min(op.inputs) < 0:
            return "needs its inputs and one output"
        if op.opcode == "ZEROS_LIKE":
            x = graph.tensor(op.inputs[0])
            if (
                len(op.inputs) != 1
                or x.dtype not in ("int32", "float32")
                or (x.dtype, x.shape) != (out.dtype, out.shape)
            ):
                return (
                    f"{x.dtype} {list(x.shape)} in, {out.dtype} {list(out.shape)} out (int32 and float32 are compiled)"
                )
            return None
        if len(op.inputs) != 2:
            return "needs dims and a value"
        dims, value = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        if not dims.is_constant or dims.dtype not in ("int32", "int64"):
            return "dims not a constant integer tensor"
        if [int(v) for v in dims.data.reshape(-1)] != list(out.shape):
            return f"dims {dims.data.reshape(-1).tolist()} for a {list(out.shape)} output"
        if value.size != 1 or value.dtype != out.dtype or out.dtype not in FILL_TYPES:
            return f"a {value.dtype} value of {value.size} elements for a {out.dtype} output"
        if out.dtype in ("int8", "int16") and (
            value.quant is None
            or out.quant is None
            or (value.scale(), value.zero_point()) != (out.scale(), out.zero_point())
        ):
            return "value quantized unlike the output (LiteRT refuses)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        out = graph.tensor(op.outputs[0])
        if op.opcode == "ZEROS_LIKE":
            value = ctx.const(f"op{op.index}_zero", np.zeros(1, dtype=NUMPY_DTYPES[out.dtype]))
        else:
            value = ctx.tensor(op.inputs[1])
        return KernelCall(f"st_fill({out.size}, {out.itemsize}, {value}, {ctx.tensor(op.outputs[0])});", ("fill",))


class AddN:
    opcodes = ("ADD_N",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) < 2 or min(op.inputs) < 0 or len(op.outputs) != 1:
            return "needs two or more inputs and one output (LiteRT's limit)"
        out = graph.tensor(op.outputs[0])
        if out.dtype not in ("float32", "int32"):
            return f"{out.dtype} output (float32 and int32 are compiled)"
        if any((graph.tensor(t).dtype, graph.tensor(t).shape) != (out.dtype, out.shape) for t in op.inputs):
            return "inputs of another type or shape than the output"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        out = graph.tensor(op.outputs[0])
        ctype, kernel = ("float", "st_add_n_f32") if out.dtype == "float32" else ("int32_t", "st_add_n_s32")
        pointers = ", ".join(ctx.tensor(t) for t in op.inputs)
        call = (
            f"{{ const {ctype} *const in[{len(op.inputs)}] = {{{pointers}}}; "
            f"{kernel}({len(op.inputs)}, {out.size}, in, {ctx.tensor(op.outputs[0])}); }}"
        )
        return KernelCall(call, ("fill",))


LOWERINGS = [Fill(), AddN()]
