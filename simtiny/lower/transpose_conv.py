"""TRANSPOSE_CONV int8 with per-channel (or per-tensor) int8 weights, as LiteRT's
transpose_conv.cc computes it: the output shape from the operator's constant shape input, the
padding from the output image (ComputePaddingHeightWidth with the output as the "input"; the odd
pixel of a SAME padding goes after, as in the reference, which ignores the offset), the
multipliers as CONV_2D's (PopulateConvolutionQuantizationParams), and the fused activation where
the file has one."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.conv import ACTIVATIONS, multiplier_shift
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.quant import activation_range, quantize_multiplier
from simtiny.model import Graph, Operator

SHAPE, WEIGHTS, INPUT, BIAS = 0, 1, 2, 3


def effective_scales(op: Operator, graph: Graph) -> list[float]:
    x, w, y = graph.tensor(op.inputs[INPUT]), graph.tensor(op.inputs[WEIGHTS]), graph.tensor(op.outputs[0])
    assert w.quant is not None
    return [float(x.scale()) * float(s) / float(y.scale()) for s in w.quant.scale]


def paddings(op: Operator, graph: Graph) -> tuple[int, int]:
    y, w = graph.tensor(op.outputs[0]), graph.tensor(op.inputs[WEIGHTS])
    padding = op.options.get("padding", "SAME")
    _, pad_h = out_size_and_padding(padding, y.shape[1], w.shape[1], int(op.options.get("stride_h", 1)))
    _, pad_w = out_size_and_padding(padding, y.shape[2], w.shape[2], int(op.options.get("stride_w", 1)))
    return pad_h, pad_w


class TransposeConv:
    opcodes = ("TRANSPOSE_CONV",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) not in (3, 4) or len(op.outputs) != 1 or min(op.inputs[:3]) < 0:
            return "needs an output shape, weights, an input, an optional bias and one output"
        reason = dtype_reason(graph, op, {"input": ("int32",), "input1": ("int8",), "input2": ("int8",)})
        reason = reason or dtype_reason(graph, op, {"output": ("int8",), "input3": ("int32",)})
        if reason:
            return reason
        shape, w, x, y = (graph.tensor(t) for t in (*op.inputs[:3], op.outputs[0]))
        if not shape.is_constant or not w.is_constant:
            return "output shape and weights must be constant"
        if len(x.shape) != 4 or len(w.shape) != 4 or tuple(int(v) for v in shape.data.reshape(-1)) != y.shape:
            return f"output shape {shape.data.reshape(-1).tolist()} for a {list(y.shape)} output, 4-D tensors"
        if w.shape[3] != x.shape[3] or w.shape[0] != y.shape[3] or x.shape[0] != y.shape[0]:
            return f"weights {list(w.shape)} for input {list(x.shape)} and output {list(y.shape)}"
        if any(t.quant is None for t in (x, w, y)):
            return "unquantized input, weights or output"
        assert w.quant is not None
        if len(w.quant.scale) not in (1, w.shape[0]) or any(w.quant.zero_point):
            return "weights neither per-tensor nor per output channel, or with a zero point"
        if len(op.inputs) == 4 and op.inputs[BIAS] >= 0 and graph.tensor(op.inputs[BIAS]).size != w.shape[0]:
            return "a bias of another length than the output channels"
        if op.options.get("padding", "SAME") not in ("SAME", "VALID"):
            return f"padding {op.options.get('padding')}"
        if min(int(op.options.get("stride_h", 1)), int(op.options.get("stride_w", 1))) < 1:
            return "stride < 1"
        if op.options.get("fused_activation_function", "NONE") not in ACTIVATIONS:
            return f"fused {op.options.get('fused_activation_function')}"
        if max(*x.shape, *y.shape, *w.shape) > 32767:
            return "a dimension over 32767"
        if max(multiplier_shift(r) for r in effective_scales(op, graph)) > 30:
            return "requantisation scale input*filter/output >= 2^30"
        return None

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """One int32 accumulator per output channel, and an input pixel widened (the DSP path)."""
        if self.check(op, graph):
            return 0
        return 4 * graph.tensor(op.outputs[0]).shape[3] + graph.tensor(op.inputs[INPUT]).shape[3] // 4 * 8

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        w, x, y = (graph.tensor(t) for t in (op.inputs[WEIGHTS], op.inputs[INPUT], op.outputs[0]))
        pairs = [quantize_multiplier(r) for r in effective_scales(op, graph)]
        if len(pairs) == 1:
            pairs *= w.shape[0]
        pad_h, pad_w = paddings(op, graph)
        act_min, act_max = activation_range(
            op.options.get("fused_activation_function", "NONE"), y.scale(), y.zero_point()
        )
        p = ctx.ident(f"op{op.index}_transpose_conv")
        multipliers = ctx.const(f"{p}_multipliers", np.array([m for m, _ in pairs], dtype=np.int32))
        shifts = ctx.const(f"{p}_shifts", np.array([s for _, s in pairs], dtype=np.int32))
        bias = ctx.tensor(op.inputs[BIAS]) if len(op.inputs) == 4 and op.inputs[BIAS] >= 0 else "0"
        decl = (
            f"static const st_transpose_conv_params {p} = {{{x.shape[0]}, {x.shape[1]}, {x.shape[2]}, {x.shape[3]}, "
            f"{y.shape[1]}, {y.shape[2]}, {y.shape[3]}, {w.shape[1]}, {w.shape[2]},\n"
            f"    {int(op.options.get('stride_h', 1))}, {int(op.options.get('stride_w', 1))}, {pad_h}, {pad_w}, "
            f"{-x.zero_point()}, {y.zero_point()}, {act_min}, {act_max},\n"
            f"    {ctx.tensor(op.inputs[WEIGHTS])}, {bias}, {multipliers}, {shifts}}};"
        )
        call = (
            f"st_transpose_conv_s8(&{p}, {ctx.tensor(op.inputs[INPUT])}, {ctx.tensor(op.outputs[0])}, "
            f"(int32_t *){ctx.scratch});"
        )
        return KernelCall(call, ("transpose_conv_s8",), (decl,))


LOWERINGS = [TransposeConv()]
