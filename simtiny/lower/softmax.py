"""SOFTMAX and LOG_SOFTMAX int8 -> int8: LiteRT's reference kernels, gemmlowp fixed point
(reference/softmax.h, reference/integer_ops/log_softmax.h).

SoftmaxPrepare<kReference> folds beta and the input scale into one Q31 multiplier and left
shift (PreprocessSoftmaxScaling, 5 integer bits for the scaled differences) and a diff_min
below which an entry's exponential is dropped. The kernel ignores the output quantization:
LiteRT only accepts zero point -128 and a scale within 0.1 % of 1/256.
"""

from __future__ import annotations

import math

import numpy as np

from simtiny.lower import KernelCall, dtype_reason, int16_variant
from simtiny.lower.reduce import quantize_multiplier_unclamped
from simtiny.model import Graph, Operator

SCALED_DIFF_INTEGER_BITS = 5
# PreprocessSoftmaxScaling's cap without TFLITE_SINGLE_ROUNDING, which this wheel's
# requantisation shows (double rounding, measured on MEAN and the convolutions); with it the cap
# is 2^30 - 1. Both give the same outputs: above 2^30 only a row's maxima survive either way.
MAX_REAL_MULTIPLIER = (1 << 31) - 1.0


def softmax_scaling(beta: float, input_scale: float) -> tuple[int, int, int] | None:
    """(input_multiplier, input_left_shift, diff_min), or None where LiteRT would abort."""
    beta32, scale32 = float(np.float32(beta)), float(np.float32(input_scale))
    real = min(beta32 * scale32 * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)), MAX_REAL_MULTIPLIER)
    if not real > 1.0:  # QuantizeMultiplierGreaterThanOne: TFLITE_CHECK_GT(multiplier, 1.)
        return None
    multiplier, left_shift = quantize_multiplier_unclamped(real)
    # CalculateInputRadius(5, left_shift, 31) in double, floored; diff_min is its negation.
    radius = math.floor(
        ((1 << SCALED_DIFF_INTEGER_BITS) - 1) * float(1 << (31 - SCALED_DIFF_INTEGER_BITS)) / float(1 << left_shift)
    )
    return multiplier, left_shift, -radius


def output_quantization_ok(scale: float, zero_point: int, bits: int = 8) -> bool:
    """SoftmaxPrepare: zero point -2^(bits-1) and |scale - 2^-bits| <= 0.001 * 2^-bits, in float."""
    s = np.float32(scale)
    target = np.float32(1.0) / np.float32(1 << bits)
    tolerance = np.float32(0.001) * np.float32(1.0) / np.float32(1 << bits)
    return zero_point == -(1 << (bits - 1)) and bool(np.abs(s - target) <= tolerance)


class Softmax:
    """SOFTMAX int8 -> int8 over the last axis, any rank; beta from the options."""

    opcodes = ("SOFTMAX",)

    def variant(self, op: Operator, graph: Graph):
        """For int16 input, the 16x8 kernel's lowering (simtiny.lower.sixteen); else this one."""
        return int16_variant(op, graph, self, "SOFTMAX_16")

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, {"input": ("int8",), "output": ("int8", "int16")})
        if reason:
            return reason
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.quant is None or y.quant is None:
            return "not quantized"
        if len(x.shape) < 1:
            return "scalar input"
        if x.shape != y.shape:
            return "output shape differs from the input's"
        if x.size == 0:
            return "empty tensor"
        if y.dtype == "int16" and not output_quantization_ok(y.scale(), y.zero_point(), 16):
            return "int16 output quantization must be scale 1/65536, zero point -32768 (LiteRT refuses others)"
        if y.dtype == "int8" and not output_quantization_ok(y.scale(), y.zero_point()):
            return "output quantization must be scale 1/256, zero point -128 (LiteRT refuses others)"
        if softmax_scaling(op.options.get("beta", 1.0), x.scale()) is None:
            return "beta * input scale <= 2^-26 (LiteRT aborts)"
        return None

    @staticmethod
    def table_entries(op: Operator, graph: Graph) -> int:
        """Entries of st_softmax_s8's table of exponentials (one per difference to the row maximum
        the reference does not cut off), or 0 where the elements are too few for it to pay: each
        element needs two exponentials without it."""
        x = graph.tensor(op.inputs[0])
        scaling = softmax_scaling(op.options.get("beta", 1.0), x.scale())
        assert scaling is not None
        entries = min(-scaling[2], 255) + 1
        return entries if 2 * x.size > entries else 0

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool, lean: bool = False) -> int:
        """The table of exponentials, int32 (the int8 output's kernel only)."""
        if self.check(op, graph) or graph.tensor(op.outputs[0]).dtype != "int8":
            return 0
        return 4 * self.table_entries(op, graph)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        scaling = softmax_scaling(op.options.get("beta", 1.0), x.scale())
        assert scaling is not None
        multiplier, left_shift, diff_min = scaling
        depth = x.shape[-1]
        p = ctx.ident(f"op{op.index}_softmax")
        decl = (
            f"static const st_softmax_params {p} = {{{x.size // depth}, {depth}, "
            f"{multiplier}, {left_shift}, {diff_min}}};"
        )
        if graph.tensor(op.outputs[0]).dtype == "int16":
            call = f"st_softmax_s8_s16(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
            return KernelCall(call, ("softmax_s8",), (decl,))
        table = f"(int32_t *){ctx.scratch}" if self.table_entries(op, graph) else "0"
        call = f"st_softmax_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])}, {table});"
        return KernelCall(call, ("softmax_s8",), (decl,))


def log_softmax_scaling(input_scale: float) -> tuple[int, int, int, int, int] | None:
    """LogSoftmaxPrepare: PreprocessLogSoftmaxScalingExp with beta 1 (SOFTMAX's scaling, then
    (reverse multiplier, reverse right shift) of 2^(31 - left_shift) / multiplier, a multiplier
    smaller than one) and diff_min; None where LiteRT aborts."""
    scaling = softmax_scaling(1.0, input_scale)
    if scaling is None:
        return None
    multiplier, left_shift, diff_min = scaling
    reverse = float(1 << (31 - left_shift)) / float(multiplier)
    if not 0.0 < reverse < 1.0:  # QuantizeMultiplierSmallerThanOneExp's TFLITE_CHECKs
        return None
    reverse_multiplier, reverse_shift = quantize_multiplier_unclamped(reverse)
    if reverse_shift > 0:
        return None
    return multiplier, left_shift, reverse_multiplier, -reverse_shift, diff_min


class LogSoftmax:
    """LOG_SOFTMAX int8 -> int8 over the last axis: output scale 16/256, zero point 127."""

    opcodes = ("LOG_SOFTMAX",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, {"input": ("int8",), "output": ("int8",)})
        if reason:
            return reason
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.quant is None or y.quant is None:
            return "not quantized"
        if len(x.shape) < 1 or x.shape != y.shape or x.size == 0:
            return "input and output of one non-empty shape, at least 1-D"
        if (float(np.float32(y.scale())), y.zero_point()) != (16.0 / 256, 127):
            return "output quantization must be scale 16/256, zero point 127 (LiteRT refuses others)"
        if log_softmax_scaling(x.scale()) is None:
            return "input scale out of LiteRT's range"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        scaling = log_softmax_scaling(x.scale())
        assert scaling is not None
        depth = x.shape[-1]
        p = ctx.ident(f"op{op.index}_log_softmax")
        decl = (
            f"static const st_log_softmax_params {p} = {{{x.size // depth}, {depth}, {', '.join(map(str, scaling))}}};"
        )
        call = f"st_log_softmax_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("log_softmax_s8",), (decl,))


LOWERINGS = [Softmax(), LogSoftmax()]
