"""The 16x8 variants (int16 activations, int8 weights: the TFLite converter's int16 mode) of
CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, SOFTMAX, ADD, SUB and MUL, which those operators' lowerings
dispatch to by input type
(simtiny.lower.lowering_for). LiteRT's Prepare holds the activations' zero points at 0, the
bias is int64 (or int32, widened here), and the requantisation is MultiplyByQuantizedMultiplier
on the int64 sum (st_requantize_int64), per output channel."""

from __future__ import annotations

import math

import numpy as np

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.activations import logf, memo_table, quant_reason
from simtiny.lower.channels import bias_values
from simtiny.lower.conv import common_reason, effective_scales, geometry
from simtiny.lower.elementwise import _loops_init, _shape_reason, add_sub_multipliers
from simtiny.lower.fully_connected import shape_reason
from simtiny.lower.quant import activation_range, quantize_multiplier, round_half_away
from simtiny.model import Graph, Operator, Tensor

INT16_MIN, INT16_MAX = -32768, 32767
CONV_DTYPES = {"input": ("int16",), "input1": ("int8",), "input2": ("int64", "int32"), "output": ("int16",)}
MAX_SHIFT = 7  # st_requantize_int64: shifts in [-31, 7], as LiteRT asserts


def zero_point_reason(*tensors: Tensor) -> str | None:
    for t in tensors:
        if t.quant is not None and any(t.quant.zero_point):
            return f"int16 tensor '{t.name}' with zero point {t.zero_point()} (LiteRT requires 0)"
    return None


def requant_arrays(ctx, prefix: str, reals: list[float], channels: int) -> tuple[str, str, str | None]:
    """The per-channel multiplier and shift arrays (one value repeated for a per-tensor filter),
    or a reason the shifts leave st_requantize_int64's range."""
    pairs = [quantize_multiplier(r) for r in reals]
    if len(pairs) == 1:
        pairs = pairs * channels
    if any(not -31 <= s <= MAX_SHIFT for _, s in pairs):
        return "", "", "requantisation scale outside 2^-31 .. 2^7"
    mults = ctx.const(f"{prefix}_multiplier", np.array([m for m, _ in pairs], dtype=np.int32))
    shifts = ctx.const(f"{prefix}_shift", np.array([s for _, s in pairs], dtype=np.int32))
    return mults, shifts, None


def bias_array(op: Operator, graph: Graph, ctx, prefix: str) -> str:
    bias = bias_values(op, graph)
    return "0" if bias is None else ctx.const(f"{prefix}_bias", bias.astype(np.int64))


def int16_bounds(op: Operator, out: Tensor) -> tuple[int, int]:
    activation = op.options.get("fused_activation_function", "NONE")
    return activation_range(activation, out.scale(), out.zero_point(), INT16_MIN, INT16_MAX)


def shifts_reason(reals: list[float]) -> str | None:
    if any(not -31 <= quantize_multiplier(r)[1] <= MAX_SHIFT for r in reals):
        return "requantisation scale outside 2^-31 .. 2^7"
    return None


def overflow_reason(op: Operator, graph: Graph, reals: list[float], depthwise: bool = False) -> str | None:
    """Where some input could take an output channel's sum past what the requantisation holds:
    a result beyond int32, or a product beyond int64 (LiteRT's C++ is undefined there, and its
    outputs measurably inconsistent). The sum is bounded by |weights| * 32768 + |bias| (the
    output channels on the filter's first axis, or, depthwise, its last)."""
    w = graph.tensor(op.inputs[1])
    assert w.data is not None
    taps = w.data.reshape(-1, w.shape[3]).T if depthwise else w.data.reshape(w.shape[0], -1)
    bound = np.abs(taps.astype(np.int64)).sum(axis=1) * 32768
    bias = bias_values(op, graph)
    if bias is not None:
        bound = bound + np.abs(bias.astype(np.int64))
    for k, total in enumerate(bound):
        real = reals[k if len(reals) > 1 else 0]
        multiplier, _ = quantize_multiplier(real)
        if float(total) * real >= 2.0**31 or float(total) * multiplier >= 2.0**63:
            return f"output channel {k}: its sum can overflow the requantisation (undefined in LiteRT)"
    return None


def window_call(op: Operator, graph: Graph, ctx, kernel: str, p: str, shape: str, channels: int) -> KernelCall:
    """The 16x8 convolutions' parameters (`shape`: the fields of their own) and call: both take the
    window's geometry, the int16 activation bounds and per-channel requantisation arrays."""
    x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
    g = geometry(op, x, w)
    mults, shifts, _ = requant_arrays(ctx, p, effective_scales(op, graph), channels)
    act_min, act_max = int16_bounds(op, y)
    decl = (
        f"static const st_{kernel}_params {p} = {{\n"
        f"    .batches = {x.shape[0]}, .input_h = {x.shape[1]}, .input_w = {x.shape[2]}, .input_c = {x.shape[3]},\n"
        f"    .filter_h = {w.shape[1]}, .filter_w = {w.shape[2]}, {shape},\n"
        f"    .stride_h = {g.stride_h}, .stride_w = {g.stride_w}, .dilation_h = {g.dilation_h}, "
        f".dilation_w = {g.dilation_w}, .pad_h = {g.pad_h}, .pad_w = {g.pad_w},\n"
        f"    .act_min = {act_min}, .act_max = {act_max}, .multiplier = {mults}, .shift = {shifts}, "
        f".bias = {bias_array(op, graph, ctx, p)}}};"
    )
    call = f"st_{kernel}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])});"
    return KernelCall(call, (kernel,), (decl,))


class Conv2D16x8:
    """CONV_2D 16x8, one group, any stride, dilation and padding."""

    opcodes = ()  # reached through Conv2D.variant

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, CONV_DTYPES) or common_reason(op, graph, 0, CONV_DTYPES)
        if reason:
            return reason
        x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        if x.shape[3] != w.shape[3]:
            return f"{x.shape[3]} input channels for a filter of {w.shape[3]} (groups: int8 only)"
        if bias_values(op, graph) is None:
            return "no bias (LiteRT's Prepare requires one for 16x8)"
        assert w.quant is not None
        if any(w.quant.zero_point):
            return "non-zero filter zero point"
        reals = effective_scales(op, graph)
        return zero_point_reason(x, y) or shifts_reason(reals) or overflow_reason(op, graph, reals)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        g = geometry(op, x, w)
        p = ctx.ident(f"op{op.index}_conv16")
        shape = f".output_h = {g.out_h}, .output_w = {g.out_w}, .output_c = {w.shape[0]}"
        return window_call(op, graph, ctx, "conv2d_s16x8", p, shape, w.shape[0])


class DepthwiseConv2D16x8:
    """DEPTHWISE_CONV_2D 16x8, any depth multiplier, stride, dilation and padding."""

    opcodes = ()  # reached through DepthwiseConv2D.variant

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, CONV_DTYPES) or common_reason(op, graph, 3, CONV_DTYPES)
        if reason:
            return reason
        x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        assert w.quant is not None
        if w.shape[0] != 1 or w.shape[3] % x.shape[3]:
            return f"filter {list(w.shape)} for {x.shape[3]} input channels"
        multiplier = int(op.options.get("depth_multiplier", w.shape[3] // x.shape[3]) or w.shape[3] // x.shape[3])
        if x.shape[3] * multiplier != w.shape[3]:
            return f"depth multiplier {multiplier} for {x.shape[3]} channels and {w.shape[3]} outputs"
        if any(w.quant.zero_point):
            return "non-zero filter zero point"
        reals = effective_scales(op, graph)
        return zero_point_reason(x, y) or shifts_reason(reals) or overflow_reason(op, graph, reals, depthwise=True)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        g = geometry(op, x, w)
        p = ctx.ident(f"op{op.index}_dwconv16")
        shape = f".depth_multiplier = {w.shape[3] // x.shape[3]}, .output_h = {g.out_h}, .output_w = {g.out_w}"
        return window_call(op, graph, ctx, "depthwise_conv2d_s16x8", p, shape, w.shape[3])


class FullyConnected16x8:
    """FULLY_CONNECTED 16x8, per-tensor or per-unit weights."""

    opcodes = ()  # reached through FullyConnected.variant

    @staticmethod
    def reals(op: Operator, graph: Graph) -> list[float]:
        x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        assert w.quant is not None
        # in double for per-tensor weights too (measured: the int8 kernel's float product of the
        # two scales gives a multiplier 50 ulps away, which rounds some outputs the other way)
        return [float(x.scale()) * float(s) / float(y.scale()) for s in w.quant.scale]

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, CONV_DTYPES)
        if reason:
            return reason
        x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        if not w.is_constant:
            return "non-constant weights"
        if op.options.get("weights_format", 0) != 0:
            return "shuffled weights"
        if x.quant is None or w.quant is None or y.quant is None:
            return "not quantized"
        if any(w.quant.zero_point):
            return "non-zero filter zero point"
        reals = self.reals(op, graph)
        return (
            shape_reason(op, graph)
            or zero_point_reason(x, y)
            or shifts_reason(reals)
            or overflow_reason(op, graph, reals)
        )

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        w, y = graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        units, depth = w.shape
        p = ctx.ident(f"op{op.index}_fc16")
        mults, shifts, _ = requant_arrays(ctx, p, self.reals(op, graph), units)
        act_min, act_max = int16_bounds(op, y)
        decl = (
            f"static const st_fully_connected_s16x8_params {p} = {{{graph.tensor(op.inputs[0]).size // depth}, "
            f"{depth}, {units}, {act_min}, {act_max}, {mults}, {shifts}, {bias_array(op, graph, ctx, p)}}};"
        )
        call = (
            f"st_fully_connected_s16x8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, "
            f"{ctx.tensor(op.outputs[0])});"
        )
        return KernelCall(call, ("fully_connected_s16x8",), (decl,))


def binary16_reason(op: Operator, graph: Graph) -> str | None:
    """What the int16 ADD, SUB and MUL all need: two int16 inputs and an int16 output quantised
    per tensor, zero points 0, an activation LiteRT clamps to, shapes that broadcast."""
    if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
        return "needs two inputs and one output"
    reason = dtype_reason(graph, op, {"input": ("int16",), "input1": ("int16",), "output": ("int16",)})
    if reason:
        return reason
    tensors = [graph.tensor(t) for t in (*op.inputs, op.outputs[0])]
    if any(t.quant is None or t.quant.per_channel for t in tensors):
        return "not quantized per tensor"
    if op.options.get("fused_activation_function", "NONE") not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
        return f"fused activation {op.options.get('fused_activation_function')}"
    return zero_point_reason(*tensors) or _shape_reason(graph, op)


def float_log2(scale: float) -> np.float32:
    """log2 of a scale as LiteRT's CheckedLog2 and TF-Lite Micro's LSTM write it:
    std::log(x) * (1.0f / std::log(2.0f)) in float, with the C library's logf, as theirs."""
    f = np.float32
    return f(logf(f(scale)) * f(f(1.0) / logf(f(2.0))))


def int16_unary_reason(op: Operator, graph: Graph) -> str | None:
    """What the int16 -> int16 element-wise operators check alike: the types, per-tensor
    quantisation of one size in and out, and zero points 0."""
    reason = dtype_reason(graph, op, {"input": ("int16",), "output": ("int16",)}) or quant_reason(op, graph)
    return reason or zero_point_reason(graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0]))


def log2_if_pot(scale: float) -> int | None:
    """LiteRT's CheckedLog2: the rounded log2 of a scale within 1e-3 of a power of two, else None."""
    f = np.float32
    x_log2 = float_log2(scale)
    rounded = f(round_half_away(float(x_log2)))
    return int(rounded) if abs(f(x_log2 - rounded)) < f(1e-3) else None


class Add16:
    """ADD and SUB int16, zero points 0 (the converter's 16x8 mode). LiteRT's Prepare takes one of
    two paths: with pot_scale_int16 set and every scale a power of two, the shifted saturating
    sum of gemmlowp's 16-bit fixed point; else the general path, ADD int8's arithmetic with 15
    bits of headroom."""

    opcodes = ()  # reached through AddSub.variant

    @staticmethod
    def pot_shifts(op: Operator, graph: Graph) -> tuple[int, int] | None:
        """On the power-of-two path, each input's log2 scale less the output's; else None. A
        missing options table reads as pot_scale_int16 false, as LiteRT's zeroed params do."""
        if not op.options.get("pot_scale_int16", False):
            return None
        logs = [log2_if_pot(graph.tensor(t).scale()) for t in (*op.inputs, op.outputs[0])]
        if any(v is None for v in logs):
            return None
        return logs[0] - logs[2], logs[1] - logs[2]

    def check(self, op: Operator, graph: Graph) -> str | None:
        if op.opcode not in ("ADD", "SUB"):
            return f"int16 {op.opcode}"
        reason = binary16_reason(op, graph)
        if reason:
            return reason
        x1, x2, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        shifts = self.pot_shifts(op, graph)
        if shifts is not None:
            if max(shifts) != 0:  # LiteRT's Prepare: both shifts <= 0, one of them 0
                return (
                    f"power-of-two int16 {op.opcode} with input scales 2^{shifts[0]} and 2^{shifts[1]} times the "
                    "output's (LiteRT needs one equal to it, the other not above it)"
                )
            if op.opcode == "ADD" and x1.shape != x2.shape:
                return "power-of-two int16 ADD with broadcasting (LiteRT's aborts)"
            # gemmlowp's 16-bit RoundingDivideByPOT builds its mask in int16: exponents above 15 differ
            return "power-of-two int16 shift above 15" if min(shifts) < -15 else None
        reals = add_sub_multipliers(x1.scale(), x2.scale(), y.scale(), ADD16_LEFT_SHIFT)
        if any(r >= 1.0 or quantize_multiplier(r)[1] > 0 for r in reals):
            return "a rescaling of 1 or more (LiteRT's QuantizeMultiplierSmallerThanOneExp aborts)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x1, x2, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        act_min, act_max = int16_bounds(op, y)
        p = ctx.ident(f"op{op.index}_add16")
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        tail = f".act_min = {act_min}, .act_max = {act_max}, .subtract = {int(op.opcode == 'SUB')}}};"
        shifts = self.pot_shifts(op, graph)
        if shifts is not None:  # the shifts as right shifts, one of them 0
            decl = (
                f"static const st_add_params {p} = {{.loops = {_loops_init(graph, op, ctx, p)},\n"
                f"    .input1_shift = {-shifts[0]}, .input2_shift = {-shifts[1]}, {tail}"
            )
            return KernelCall(f"st_add_s16_pot(&{p}, {args});", ("add_s16",), (decl,))
        reals = add_sub_multipliers(x1.scale(), x2.scale(), y.scale(), ADD16_LEFT_SHIFT)
        (m1, sh1), (m2, sh2), (mo, sho) = (quantize_multiplier(r) for r in reals)
        decl = (
            f"static const st_add_params {p} = {{.loops = {_loops_init(graph, op, ctx, p)},\n"
            f"    .input1_multiplier = {m1}, .input2_multiplier = {m2}, .output_multiplier = {mo},\n"
            f"    .input1_shift = {sh1}, .input2_shift = {sh2}, .output_shift = {sho}, "
            f".left_shift = {ADD16_LEFT_SHIFT},\n"
            f"    .input1_offset = 0, .input2_offset = 0, .output_offset = 0, {tail}"
        )
        return KernelCall(f"st_add_s16(&{p}, {args});", ("add_s16",), (decl,))


class Mul16:
    """MUL int16 (the converter's 16x8 mode): MUL int8's product and double-rounded rescaling
    (s1 * s2 / so) on int16 values, zero points 0."""

    opcodes = ()  # reached through Mul.variant

    def check(self, op: Operator, graph: Graph) -> str | None:
        return binary16_reason(op, graph)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        from simtiny.lower.elementwise import Mul

        mult, shift = quantize_multiplier(Mul.real(op, graph))
        act_min, act_max = int16_bounds(op, graph.tensor(op.outputs[0]))
        p = ctx.ident(f"op{op.index}_mul16")
        decl = (
            f"static const st_mul_params {p} = {{.loops = {_loops_init(graph, op, ctx, p)},\n"
            f"    .output_multiplier = {mult}, .output_shift = {shift}, .input1_offset = 0, .input2_offset = 0,\n"
            f"    .output_offset = 0, .act_min = {act_min}, .act_max = {act_max}}};"
        )
        args = ", ".join(ctx.tensor(t) for t in (*op.inputs, op.outputs[0]))
        return KernelCall(f"st_mul_s16(&{p}, {args});", ("mul_s16",), (decl,))


ADD16_LEFT_SHIFT = 15
ADD_16 = Add16()
MUL_16 = Mul16()
CONV_16X8 = Conv2D16x8()
DEPTHWISE_16X8 = DepthwiseConv2D16x8()
FULLY_CONNECTED_16X8 = FullyConnected16x8()


def lut_int16(
    input_scale: float, input_zero_point: int, output_scale: float, output_zero_point: int, transform, real=np.float64
) -> np.ndarray:
    """LiteRT's LUTPopulate<int16_t>, in the floating type it runs (double in LiteRT's SOFTMAX,
    float in TF-Lite Micro's): 512 samples of `transform` over the input's range, each corrected
    by half the error of linear interpolation at its segment's midpoint, then the value at the
    top of the range: 513 entries."""
    f = real

    def rounded(v) -> np.floating:  # std::round: halves away from zero
        return f(round_half_away(float(v)))

    input_min = f(f(input_scale) * f(-32768 - input_zero_point))
    input_max = f(f(input_scale) * f(32767 - input_zero_point))
    output_min = f(f(output_scale) * f(-32768 - output_zero_point))
    output_max = f(f(output_scale) * f(32767 - output_zero_point))
    step = f((input_max - input_min) / f(512))
    half_step = f(step / f(2))
    inverse = f(f(65536) / f(output_max - output_min))
    table = []
    for i in range(512):
        at = f(input_min + f(f(i) * step))
        value = transform(at)
        middle = transform(f(at + half_step))
        following = transform(f(input_min + f(f(i + 1) * step)))
        sample = rounded(f(value * inverse))
        interpolated = rounded(f(f(f(following * inverse) + rounded(f(value * inverse))) / f(2)))
        bias = rounded(f(f(interpolated - rounded(f(middle * inverse))) / f(2)))
        table.append(min(max(float(f(sample - bias)), -32768.0), 32767.0))
    table.append(min(max(float(rounded(f(transform(input_max) * inverse))), -32768.0), 32767.0))
    return np.array(table, dtype=np.int16)


RANGE = 65535  # int16's range, as softmax.cc's Prepare spans it


@memo_table
def softmax_tables() -> np.ndarray:
    """LiteRT's softmax.cc int16 tables, in double, stacked: exp over [-10, 0] and 1 / (1 + x)
    over [0, 1]."""
    d = np.float64
    exp_table = lut_int16(10.0 / RANGE, 32767, 2.0 / RANGE, 0, lambda x: d(math.exp(x)))
    reciprocal = lut_int16(1.0 / RANGE, -32768, 2.0 / RANGE, 0, lambda x: d(1.0 / (1.0 + x)))
    return np.stack([exp_table, reciprocal])


class Softmax16:
    """SOFTMAX int16 -> int16 over the last axis: LiteRT's Prepare holds both zero points at 0
    and the output scale at 1/32768."""

    opcodes = ()  # reached through Softmax.variant

    @staticmethod
    def scaling(op: Operator, graph: Graph) -> tuple[int, int]:
        """QuantizeMultiplier(input scale * beta / (10 / 65535)): the product of the two floats in
        float, the division in double, as softmax.cc's Prepare writes it."""
        x = graph.tensor(op.inputs[0])
        product = np.float32(x.scale()) * np.float32(op.options.get("beta", 1.0))  # float * float
        return quantize_multiplier(float(product) / (10.0 / 65535.0))

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, {"input": ("int16",), "output": ("int16",)})
        if reason:
            return reason
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.quant is None or y.quant is None:
            return "not quantized"
        if len(x.shape) < 1 or x.shape != y.shape or x.size == 0:
            return "input and output of one non-empty shape, at least 1-D"
        if abs(y.scale() - 1.0 / 32768) > 1e-6 * (1.0 / 32768):
            return "output scale must be 1/32768 (LiteRT refuses others)"
        multiplier, shift = self.scaling(op, graph)
        if multiplier == 0 or shift > 30:
            return "input scale * beta out of range"
        return zero_point_reason(x, y)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        multiplier, shift = self.scaling(op, graph)
        tables = softmax_tables()
        exp_lut = ctx.const("st_softmax16_exp", tables[0])
        reciprocal = ctx.const("st_softmax16_reciprocal", tables[1])
        p = ctx.ident(f"op{op.index}_softmax16")
        decl = (
            f"static const st_softmax_s16_params {p} = {{{x.size // x.shape[-1]}, {x.shape[-1]}, {multiplier}, "
            f"{shift}, {exp_lut}, {reciprocal}}};"
        )
        call = f"st_softmax_s16(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("softmax_s16",), (decl,))


SOFTMAX_16 = Softmax16()
