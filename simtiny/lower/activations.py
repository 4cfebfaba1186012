"""LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1 on int8: lookup tables.

An int8 unary operator is a function of 256 input values, so each one becomes a 256-byte table
computed here, at code-generation time, by reproducing LiteRT's reference arithmetic: integer
fixed-point steps in Python integers (with C's int16/int32 wrap-arounds), float32 steps in numpy
float32 in LiteRT's order, and expf/tanhf from the C library LiteRT itself calls (numpy's float32
exp/tanh differ from glibc's in the last ulp for millions of inputs). The firmware only looks
bytes up (firmware/kernels/lut_s8.c).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache, lru_cache, wraps
from typing import ParamSpec

import numpy as np

from simtiny.lower import KernelCall, dtype_reason, int16_variant
from simtiny.lower.quant import quantize_multiplier, round_half_away
from simtiny.model import Graph, Operator

INT32_MIN = -(1 << 31)
LOGISTIC_OUTPUT_SCALE = 1.0 / 256  # LiteRT's SigmoidPrepare insists on it for int8


# --- C integer and float semantics -------------------------------------------------------------


def wrap(x: int, bits: int) -> int:
    """C's conversion of an integer to a signed `bits`-bit type (two's complement wrap)."""
    half = 1 << (bits - 1)
    return ((x + half) % (1 << bits)) - half


def trunc_div(a: int, b: int) -> int:
    """C's integer division (rounds toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def f32(x: float) -> np.float32:
    return np.float32(x)


def float_to_int32(x: np.float32) -> int:
    """static_cast<int32_t>(float): truncation toward zero.

    Out of range it is undefined behaviour, which x86-64 turns into INT32_MIN (cvttss2si) unless
    the compiler moved a later clamp before the conversion; the checks refuse the parameters that
    would get there, so this value is never used.
    """
    v = float(x)
    if not (-2147483648.0 <= v < 2147483648.0):  # also catches NaN
        return INT32_MIN
    return int(v)


def roundf(x: np.float32) -> np.float32:
    """std::round on a float: halves away from zero (exact for every float32 value)."""
    v = float(x)
    if not np.isfinite(v):
        return np.float32(v)
    return np.float32(round_half_away(v))


def saturating_rounding_doubling_high_mul(a: int, b: int) -> int:
    """round(a * b / 2^31), saturating INT32_MIN * INT32_MIN, as LiteRT's x86-64 wheel computes it.

    Not gemmlowp's scalar rounding (halves away from zero): measured, a product exactly halfway
    rounds toward +infinity when b >= 0 (-63.5 -> -63) and toward -infinity when b < 0 (a negative
    LEAKY_RELU alpha: 63.5 -> 63), i.e. sign(b) * floor(a * |b| / 2^31 + 1/2).
    """
    if a == b == INT32_MIN:
        return (1 << 31) - 1
    if b >= 0:
        return wrap((a * b + (1 << 30)) >> 31, 32)
    return wrap(-((a * -b + (1 << 30)) >> 31), 32)


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    """gemmlowp::RoundingDivideByPOT on int32: x / 2^exponent, halves away from zero."""
    mask = (1 << exponent) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if (x & mask) > threshold else 0)


def mul_by_quantized_multiplier_double(x: int, multiplier: int, shift: int) -> int:
    """The double-rounding MultiplyByQuantizedMultiplier: left shift (wrapping in int32), rounding
    doubling high multiply, rounding right shift (halves away from zero). LiteRT's RELU*,
    LEAKY_RELU and requantising QUANTIZE int8 kernels round this way (measured), although its
    FULLY_CONNECTED rounds once (st_quant.h)."""
    left, right = max(shift, 0), max(-shift, 0)
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(wrap(x * (1 << left), 32), multiplier), right)


@cache
def _libm() -> ctypes.CDLL:
    name = ctypes.util.find_library("m")
    if name is None:
        raise RuntimeError("no C math library found: LOGISTIC/TANH tables need the expf/tanhf LiteRT uses")
    lib = ctypes.CDLL(name)
    for fn in ("expf", "tanhf", "logf"):
        getattr(lib, fn).argtypes = [ctypes.c_float]
        getattr(lib, fn).restype = ctypes.c_float
    return lib


def expf(x: np.float32) -> np.float32:
    return np.float32(_libm().expf(float(x)))


def tanhf(x: np.float32) -> np.float32:
    return np.float32(_libm().tanhf(float(x)))


def logf(x: np.float32) -> np.float32:
    return np.float32(_libm().logf(float(x)))


# --- tables -------------------------------------------------------------------------------------

P = ParamSpec("P")
TABLE_CACHE_SIZE = 1024  # distinct tables kept (256 bytes each)


def memo_table(fn: Callable[P, np.ndarray]) -> Callable[P, np.ndarray]:
    """Compute a table once per distinct set of parameters: a model of thousands of operators
    repeats a few. The array returned is shared, hence read-only."""

    @lru_cache(maxsize=TABLE_CACHE_SIZE)
    @wraps(fn)
    def table(*args: P.args, **kwargs: P.kwargs) -> np.ndarray:
        result = fn(*args, **kwargs)
        result.flags.writeable = False
        return result

    return table


def table_from(inputs: range, fn: Callable[[int], int]) -> np.ndarray:
    """256 output bytes indexed by the input byte: table[v & 0xFF] = fn(v) for every input value v."""
    table = np.zeros(256, dtype=np.uint8)
    for v in inputs:
        table[v & 0xFF] = fn(v) & 0xFF
    return table


INT8_INPUTS = range(-128, 128)


def float_lut(
    fn: Callable[[np.float32], np.float32], in_scale: float, in_zp: int, out_scale: float, out_zp: int
) -> np.ndarray:
    """LUTPopulate<int8_t> (kernels/internal/common.h): dequantize, transform and requantize in float32."""
    inverse_scale = f32(1) / f32(out_scale)

    def entry(v: int) -> int:
        dequantized = f32(in_scale) * f32(v - in_zp)
        rescaled = roundf(fn(dequantized) * inverse_scale)
        quantized = float_to_int32(rescaled + f32(out_zp))
        return max(min(127, quantized), -128)

    with np.errstate(over="ignore", invalid="ignore"):
        return table_from(INT8_INPUTS, entry)


def float_lut_reason(
    fn: Callable[[np.float32], np.float32], in_scale: float, in_zp: int, out_scale: float, out_zp: int
) -> str | None:
    """LUTPopulate casts each rescaled value to int32 before clamping it: a value outside int32
    (or NaN) is undefined behaviour in LiteRT, so a table that would hold one is refused."""
    inverse_scale = f32(1) / f32(out_scale)
    with np.errstate(over="ignore", invalid="ignore"):
        for v in INT8_INPUTS:
            rescaled = float(roundf(fn(f32(in_scale) * f32(v - in_zp)) * inverse_scale) + f32(out_zp))
            if not -2147483648.0 <= rescaled < 2147483648.0:
                return f"input {v} maps outside int32 (undefined behaviour in LiteRT's table)"
    return None


def exp_value(x: np.float32) -> np.float32:
    """EXP's transform: std::exp(value)."""
    with np.errstate(over="ignore"):
        return expf(x)


def elu_value(x: np.float32) -> np.float32:
    """ELU's transform in TF-Lite Micro: std::exp(value) - 1.0f below 0, the value itself above."""
    return f32(expf(x) - f32(1)) if x < f32(0) else x


def log_value(output_min: np.float32) -> Callable[[np.float32], np.float32]:
    """LOG's transform (LogLUTPrepare): std::log(value), and the output's lowest value for
    value <= 0."""

    def transform(x: np.float32) -> np.float32:
        return output_min if x <= f32(0) else logf(x)

    return transform


def sigmoid(x: np.float32) -> np.float32:
    """LiteRT's transform: 1.0f / (1.0f + std::exp(-value))."""
    with np.errstate(over="ignore"):
        return f32(1) / (f32(1) + expf(-x))


@memo_table
def logistic_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    return float_lut(sigmoid, in_scale, in_zp, out_scale, out_zp)


def tanh_reason(out_scale: float) -> str | None:
    """Below 2^-30, tanh / scale + zero point may leave int32: undefined behaviour in LiteRT's cast."""
    if out_scale < 2.0**-30:
        return f"output scale {out_scale:g} below 2^-30 (int32 overflow in LiteRT)"
    return None


@memo_table
def tanh_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    return float_lut(tanhf, in_scale, in_zp, out_scale, out_zp)


def relu_bounds(
    act_min: float, act_max: float | None, out_scale: float, out_zp: int, qmin: int = -128, qmax: int = 127
) -> tuple[int, int]:
    """QuantizedReluX's clamp: zero_point + (int32)roundf(act / scale), the division in float,
    within the output type's [qmin, qmax]."""

    def q(act: float) -> int:
        return out_zp + float_to_int32(roundf(f32(act) / f32(out_scale)))

    low = max(qmin, q(act_min))
    high = qmax if act_max is None else min(qmax, q(act_max))
    return low, high


RELU_RANGES: dict[str, tuple[float, float | None]] = {
    "RELU": (0.0, None),
    "RELU6": (0.0, 6.0),
    "RELU_N1_TO_1": (-1.0, 1.0),
    "RELU_0_TO_1": (0.0, 1.0),
}


def shift_reason(*multipliers: tuple[int, int]) -> str | None:
    """Refuse left shifts that overflow int32 for some int8 input: undefined behaviour in LiteRT."""
    if any(shift >= 24 for _, shift in multipliers):
        return "input/output scale ratio beyond 2^23 (int32 overflow in LiteRT)"
    return None


def relu_reason(opcode: str, in_scale: float, out_scale: float) -> str | None:
    for bound in RELU_RANGES[opcode]:
        if bound and abs(float(f32(bound) / f32(out_scale))) >= 2.0**30:
            return f"output scale {out_scale:g} too small for the clamp (int32 overflow in LiteRT)"
    return shift_reason(quantize_multiplier(float(f32(in_scale) / f32(out_scale))))


@memo_table
def relu_table(opcode: str, in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """ReluPrepare + QuantizedReluX: requantize (multiplier of the float ratio of scales), then clamp."""
    multiplier, shift = quantize_multiplier(float(f32(in_scale) / f32(out_scale)))
    low, high = relu_bounds(*RELU_RANGES[opcode], out_scale, out_zp)

    def entry(v: int) -> int:
        out = out_zp + mul_by_quantized_multiplier_double(v - in_zp, multiplier, shift)
        return wrap(min(high, max(low, out)), 8)

    return table_from(INT8_INPUTS, entry)


def leaky_relu_multipliers(in_scale: float, out_scale: float, alpha: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """LeakyReluPrepare: (alpha, identity) multipliers, each scale ratio computed in float."""
    alpha_real = f32(f32(in_scale) * f32(alpha)) / f32(out_scale)
    identity_real = f32(in_scale) / f32(out_scale)
    return quantize_multiplier(float(alpha_real)), quantize_multiplier(float(identity_real))


def leaky_relu_reason(in_scale: float, out_scale: float, alpha: float) -> str | None:
    return shift_reason(*leaky_relu_multipliers(in_scale, out_scale, alpha))


@memo_table
def leaky_relu_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int, alpha: float) -> np.ndarray:
    """reference_ops::QuantizeLeakyRelu: identity multiplier for x >= zero point, alpha's below."""
    (alpha_m, alpha_s), (id_m, id_s) = leaky_relu_multipliers(in_scale, out_scale, alpha)

    def entry(v: int) -> int:
        x = v - in_zp
        if x >= 0:
            out = out_zp + mul_by_quantized_multiplier_double(x, id_m, id_s)
        else:
            out = out_zp + mul_by_quantized_multiplier_double(x, alpha_m, alpha_s)
        return min(127, max(-128, out))

    return table_from(INT8_INPUTS, entry)


# HARD_SWISH: reference_ops::HardSwish<int8_t> works on int16 with gemmlowp's fixed-point primitives.


def _srdhm16(a: int, b: int) -> int:
    """gemmlowp::SaturatingRoundingDoublingHighMul on int16."""
    if a == b == -32768:
        return 32767
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else 1 - (1 << 14)
    return wrap(trunc_div(ab + nudge, 1 << 15), 16)


def _sdhm16(a: int, b: int) -> int:
    """reference_ops::SaturatingDoublingHighMul: like the above, but truncating instead of rounding."""
    if a == b == -32768:
        return 32767
    return wrap(trunc_div(a * b, 1 << 15), 16)


def _rounding_divide_by_pot16(x: int, exponent: int) -> int:
    """gemmlowp::RoundingDivideByPOT<int16_t>, including what its int16 mask does for exponent >= 16."""
    mask = wrap((1 << exponent) - 1, 16)
    remainder = wrap(x & mask, 16)
    threshold = wrap((mask >> 1) + (1 if x < 0 else 0), 16)
    return wrap((x >> exponent) + (1 if remainder > threshold else 0), 16)


def _saturating_left_shift16(value: int, amount: int) -> int:
    return min(32767, max(-32768, value * (1 << amount)))


def _downscale_to_int16(multiplier: int) -> int:
    """DownScaleInt32ToInt16Multiplier."""
    if multiplier >= (1 << 31) - 1 - (1 << 15):
        return 32767
    return (multiplier + (1 << 15)) >> 16


def hard_swish_params(in_scale: float, out_scale: float) -> tuple[int, int, int, int]:
    """HardSwishPrepare: (output multiplier int16, exponent, reluish multiplier int16, exponent), in float."""
    hires_input_scale = f32(1.0 / 128.0) * f32(in_scale)
    reluish_scale = f32(3.0) / f32(32768.0)
    out_m, out_e = quantize_multiplier(float(hires_input_scale / f32(out_scale)))
    rel_m, rel_e = quantize_multiplier(float(hires_input_scale / reluish_scale))
    return _downscale_to_int16(out_m), out_e, _downscale_to_int16(rel_m), rel_e


def hard_swish_reason(in_scale: float, out_scale: float) -> str | None:
    _, out_e, _, rel_e = hard_swish_params(in_scale, out_scale)
    if out_e > 0:
        return f"output scale {out_scale:g} below input scale / 128 (LiteRT refuses it)"
    if rel_e > 17:
        return f"input scale {in_scale:g} too large (int32 overflow in LiteRT's left shift)"
    return None


@memo_table
def hard_swish_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    out_m, out_e, rel_m, rel_e = hard_swish_params(in_scale, out_scale)

    def entry(v: int) -> int:
        value = wrap(v - in_zp, 16)
        hires = wrap(value * 128, 16)
        preshift = _srdhm16(hires, out_m)
        reluish = hires
        if rel_e > 0:
            reluish = _saturating_left_shift16(reluish, rel_e - 1)
        reluish = _srdhm16(reluish, rel_m)
        if rel_e > 0:
            reluish = _saturating_left_shift16(reluish, 1)
        if rel_e < 0:
            reluish = _rounding_divide_by_pot16(reluish, -rel_e)
        reluish = wrap((reluish + (1 << 15)) >> 1, 16)
        out = _rounding_divide_by_pot16(_sdhm16(reluish, preshift), -out_e)
        out = wrap(out + out_zp, 16)
        return min(127, max(-128, out))

    return table_from(INT8_INPUTS, entry)


# --- lowering -----------------------------------------------------------------------------------


def lut_call(op: Operator, graph: Graph, ctx, table: np.ndarray, hint: str) -> KernelCall:
    """The kernel call shared by every table-driven operator (also QUANTIZE int8 <-> uint8/int8)."""
    x = graph.tensor(op.inputs[0])
    p = ctx.ident(f"op{op.index}_{hint}")
    lut = ctx.const(f"{p}_table", table.astype(np.uint8))
    decl = f"static const st_lut_params {p} = {{{x.size}, {lut}}};"
    call = f"st_lut_s8(&{p}, (const uint8_t *){ctx.tensor(op.inputs[0])}, (uint8_t *){ctx.tensor(op.outputs[0])});"
    return KernelCall(call, ("lut_s8",), (decl,))


def quant_reason(op: Operator, graph: Graph) -> str | None:
    """Per-tensor quantization on input and output, or a reason."""
    for role, index in (("input", op.inputs[0]), ("output", op.outputs[0])):
        t = graph.tensor(index)
        if t.quant is None or not t.quant.scale:
            return f"unquantized {role}"
        if t.quant.per_channel:
            return f"per-channel {role}"
        if not t.scale() > 0 or not np.isfinite(t.scale()):
            return f"{role} scale {t.scale()}"
    if graph.tensor(op.inputs[0]).size != graph.tensor(op.outputs[0]).size:
        return "input and output sizes differ"
    return None


def _io_params(op: Operator, graph: Graph) -> tuple[float, int, float, int]:
    x, out = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    return x.scale(), x.zero_point(), out.scale(), out.zero_point()


class Int8Unary:
    """Shared check for the int8 -> int8 table operators."""

    opcodes: tuple[str, ...] = ()

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """A table lookup writes element k after reading it: always safe over its input."""
        return True

    def check(self, op: Operator, graph: Graph) -> str | None:
        return dtype_reason(graph, op, {"input": ("int8",), "output": ("int8",)}) or quant_reason(op, graph)


class Logistic(Int8Unary):
    opcodes = ("LOGISTIC",)

    def variant(self, op: Operator, graph: Graph):
        """int16: simtiny.lower.sigmoid16's."""
        return int16_variant(op, graph, self, "LOGISTIC_16", "sigmoid16")

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = super().check(op, graph)
        if reason:
            return reason
        scale = graph.tensor(op.outputs[0]).scale()
        if scale != LOGISTIC_OUTPUT_SCALE:
            return f"output scale {scale:g}, LiteRT requires 1/256"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        return lut_call(op, graph, ctx, logistic_table(*_io_params(op, graph)), "logistic")


class Tanh(Int8Unary):
    opcodes = ("TANH",)

    def variant(self, op: Operator, graph: Graph):
        """int16: simtiny.lower.sigmoid16's."""
        return int16_variant(op, graph, self, "TANH_16", "sigmoid16")

    def check(self, op: Operator, graph: Graph) -> str | None:
        return super().check(op, graph) or tanh_reason(graph.tensor(op.outputs[0]).scale())

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        return lut_call(op, graph, ctx, tanh_table(*_io_params(op, graph)), "tanh")


class HardSwish(Int8Unary):
    opcodes = ("HARD_SWISH",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = super().check(op, graph)
        if reason:
            return reason
        in_scale, _, out_scale, _ = _io_params(op, graph)
        return hard_swish_reason(in_scale, out_scale)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        return lut_call(op, graph, ctx, hard_swish_table(*_io_params(op, graph)), "hard_swish")


class LeakyRelu(Int8Unary):
    opcodes = ("LEAKY_RELU",)

    def variant(self, op: Operator, graph: Graph):
        """int16: simtiny.lower.activations16's."""
        return int16_variant(op, graph, self, "LEAKY_RELU_16", "activations16")

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = super().check(op, graph)
        if reason:
            return reason
        in_scale, _, out_scale, _ = _io_params(op, graph)
        return leaky_relu_reason(in_scale, out_scale, float(op.options.get("alpha", 0.0)))

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        alpha = float(op.options.get("alpha", 0.0))
        return lut_call(op, graph, ctx, leaky_relu_table(*_io_params(op, graph), alpha), "leaky_relu")


class Relu(Int8Unary):
    opcodes = tuple(RELU_RANGES)

    def variant(self, op: Operator, graph: Graph):
        """int16: simtiny.lower.activations16's."""
        return int16_variant(op, graph, self, "RELU_16", "activations16")

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = super().check(op, graph)
        if reason:
            return reason
        in_scale, _, out_scale, _ = _io_params(op, graph)
        return relu_reason(op.opcode, in_scale, out_scale)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        table = relu_table(op.opcode, *_io_params(op, graph))
        return lut_call(op, graph, ctx, table, op.opcode.lower())


class FloatTable(Int8Unary):
    """EXP and LOG int8: LiteRT tabulates its float function (LUTPopulate) at Prepare. ELU int8:
    TF-Lite Micro tabulates exp(x) - 1 below 0 the same way (LiteRT's reference kernels have no
    ELU, so TF-Lite Micro is its reference)."""

    opcodes = ("EXP", "LOG", "ELU")

    @staticmethod
    def transform(op: Operator, graph: Graph) -> Callable[[np.float32], np.float32]:
        if op.opcode == "EXP":
            return exp_value
        if op.opcode == "ELU":
            return elu_value
        y = graph.tensor(op.outputs[0])
        return log_value(f32(f32(-128 - y.zero_point()) * f32(y.scale())))

    def check(self, op: Operator, graph: Graph) -> str | None:
        return super().check(op, graph) or float_lut_reason(self.transform(op, graph), *_io_params(op, graph))

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        table = float_lut(self.transform(op, graph), *_io_params(op, graph))
        return lut_call(op, graph, ctx, table, op.opcode.lower())


LOWERINGS = [Logistic(), Tanh(), HardSwish(), LeakyRelu(), Relu(), FloatTable()]
