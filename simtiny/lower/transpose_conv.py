"""TRANSPOSE_CONV int8 with per-channel (or per-tensor) int8 weights, as LiteRT's
transpose_conv.cc computes it: the output shape from the operator's constant shape input, the
padding from the output image (ComputePaddingHeightWidth with the output as the "input"; the odd
pixel of a SAME padding goes after, as in the reference, which ignores the offset), the
multipliers as CONV_2D's (PopulateConvolutionQuantizationParams), and the fused activation where
the file has one."""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason, int16_variant
from simtiny.lower.conv import ACTIVATIONS, multiplier_shift
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.quant import activation_range, quantize_multiplier
from simtiny.lower.sixteen import MAX_SHIFT, int16_bounds, zero_point_reason
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
    activation, bias = "int8", "int32"  # the 16x8 variant's: int16, int64

    def variant(self, op: Operator, graph: Graph):
        """int16 activations (the input is input 2): the 16x8 kernel."""
        return int16_variant(op, graph, self, "TRANSPOSE_CONV_16X8", "transpose_conv", INPUT)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) not in (3, 4) or len(op.outputs) != 1 or min(op.inputs[:3]) < 0:
            return "needs an output shape, weights, an input, an optional bias and one output"
        kinds = {"input": ("int32",), "input1": ("int8",), "input2": (self.activation,)}
        reason = dtype_reason(graph, op, kinds)
        reason = reason or dtype_reason(graph, op, {"output": (self.activation,), "input3": (self.bias,)})
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

    def multipliers(self, op: Operator, graph: Graph, ctx, p: str) -> tuple[str, str]:
        """The per-channel multiplier and shift arrays (PopulateConvolutionQuantizationParams)."""
        w = graph.tensor(op.inputs[WEIGHTS])
        pairs = [quantize_multiplier(r) for r in effective_scales(op, graph)]
        if len(pairs) == 1:
            pairs *= w.shape[0]
        multipliers = ctx.const(f"{p}_multipliers", np.array([m for m, _ in pairs], dtype=np.int32))
        shifts = ctx.const(f"{p}_shifts", np.array([s for _, s in pairs], dtype=np.int32))
        return multipliers, shifts

    def geometry(self, op: Operator, graph: Graph, ctx, p: str, bias: str, bounds: tuple[int, int]) -> str:
        """st_transpose_conv_params' initialiser."""
        w, x, y = (graph.tensor(t) for t in (op.inputs[WEIGHTS], op.inputs[INPUT], op.outputs[0]))
        multipliers, shifts = self.multipliers(op, graph, ctx, p)
        pad_h, pad_w = paddings(op, graph)
        return (
            f"{{{x.shape[0]}, {x.shape[1]}, {x.shape[2]}, {x.shape[3]}, "
            f"{y.shape[1]}, {y.shape[2]}, {y.shape[3]}, {w.shape[1]}, {w.shape[2]},\n"
            f"    {int(op.options.get('stride_h', 1))}, {int(op.options.get('stride_w', 1))}, {pad_h}, {pad_w}, "
            f"{-x.zero_point()}, {y.zero_point()}, {bounds[0]}, {bounds[1]},\n"
            f"    {ctx.tensor(op.inputs[WEIGHTS])}, {bias}, {multipliers}, {shifts}}}"
        )

    def bias_pointer(self, op: Operator, ctx) -> str:
        return ctx.tensor(op.inputs[BIAS]) if len(op.inputs) == 4 and op.inputs[BIAS] >= 0 else "0"

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """One int32 accumulator per output channel, and an input pixel widened (the DSP path)."""
        if self.check(op, graph):
            return 0
        return 4 * graph.tensor(op.outputs[0]).shape[3] + graph.tensor(op.inputs[INPUT]).shape[3] // 4 * 8

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        y = graph.tensor(op.outputs[0])
        bounds = activation_range(op.options.get("fused_activation_function", "NONE"), y.scale(), y.zero_point())
        p = ctx.ident(f"op{op.index}_transpose_conv")
        geometry = self.geometry(op, graph, ctx, p, self.bias_pointer(op, ctx), bounds)
        decl = f"static const st_transpose_conv_params {p} = {geometry};"
        call = (
            f"st_transpose_conv_s8(&{p}, {ctx.tensor(op.inputs[INPUT])}, {ctx.tensor(op.outputs[0])}, "
            f"(int32_t *){ctx.scratch});"
        )
        return KernelCall(call, ("transpose_conv_s8",), (decl,))


class TransposeConv16x8(TransposeConv):
    """TRANSPOSE_CONV with int16 activations (the converter's 16x8 mode): zero points 0, an int64
    bias, int64 sums requantised with the multiplier cut to 16 bits (st_requantize_int64)."""

    opcodes = ()  # reached through TransposeConv.variant
    activation, bias = "int16", "int64"

    def variant(self, op: Operator, graph: Graph):
        return self

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = super().check(op, graph)
        if reason:
            return reason
        w, x, y = (graph.tensor(t) for t in (op.inputs[WEIGHTS], op.inputs[INPUT], op.outputs[0]))
        reason = zero_point_reason(x, y)
        if reason:
            return reason
        if any(not -31 <= quantize_multiplier(r)[1] <= MAX_SHIFT for r in effective_scales(op, graph)):
            return "requantisation scale outside 2^-31 .. 2^7"
        taps = w.shape[1] * w.shape[2] * w.shape[3]
        biggest = 0
        if len(op.inputs) == 4 and op.inputs[BIAS] >= 0:
            biggest = int(np.abs(graph.tensor(op.inputs[BIAS]).data.astype(np.int64)).max(initial=0))
        if biggest + taps * 32768 * 128 >= 1 << 47:
            return "sums that could leave the int64 requantisation's range"
        return None

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """One int64 accumulator per output channel."""
        return 0 if self.check(op, graph) else 8 * graph.tensor(op.outputs[0]).shape[3]

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        y = graph.tensor(op.outputs[0])
        bounds = int16_bounds(op, y)
        p = ctx.ident(f"op{op.index}_transpose_conv16x8")
        geometry = self.geometry(op, graph, ctx, p, "0", bounds)
        decl = f"static const st_transpose_conv_s16x8_params {p} = {{{geometry}, {self.bias_pointer(op, ctx)}}};"
        call = (
            f"st_transpose_conv_s16x8(&{p}, {ctx.tensor(op.inputs[INPUT])}, {ctx.tensor(op.outputs[0])}, "
            f"(int64_t *){ctx.scratch});"
        )
        return KernelCall(call, ("transpose_conv_s16x8",), (decl,))


TRANSPOSE_CONV_16X8 = TransposeConv16x8()
LOWERINGS = [TransposeConv()]
