"""NEG, ABS, SQRT, RSQRT, FLOOR, CEIL, ROUND and SQUARE: float32 by one IEEE operation each (the
converter leaves them in float between DEQUANTIZE and QUANTIZE, as in a LayerNormalization; CEIL
and ROUND as TF-Lite Micro computes them, halves to even from the floor, since LiteRT's
reference kernels have neither: TF-Lite Micro is their reference), and
RSQRT and ABS int8 as 256-entry tables computed here the way LiteRT's elementwise.cc computes
each value (RSQRT: the inverse square root of the offset input as a fixed-point multiplier,
GetInvSqrtQuantizedMultiplierExp; ABS: the offset input's magnitude, rescaled when the scales
differ). LiteRT fails an int8 RSQRT invocation on an input below its zero point; the table gives
such inputs what the arithmetic gives."""

from __future__ import annotations

import math

import numpy as np

from simtiny.lower import KernelCall, int16_variant
from simtiny.lower.activations import (
    INT8_INPUTS,
    f32,
    lut_call,
    memo_table,
    mul_by_quantized_multiplier_double,
    quant_reason,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
    table_from,
    wrap,
)
from simtiny.lower.quant import quantize_multiplier
from simtiny.model import Graph, Operator

FLOAT_OPS = {
    "NEG": "ST_NEG_F32",
    "ABS": "ST_ABS_F32",
    "SQRT": "ST_SQRT_F32",
    "RSQRT": "ST_RSQRT_F32",
    "FLOOR": "ST_FLOOR_F32",
    "SQUARE": "ST_SQUARE_F32",
    "CEIL": "ST_CEIL_F32",
    "ROUND": "ST_ROUND_F32",
}
INT8_OPS = ("ABS", "RSQRT")
INT32_MAX = (1 << 31) - 1


def _saturating_shl(x: int, exponent: int) -> int:
    """gemmlowp SaturatingRoundingMultiplyByPOT<exponent > 0> on int32."""
    threshold = (1 << (31 - exponent)) - 1
    return INT32_MAX if x > threshold else -(1 << 31) if x < -threshold else x << exponent


def inv_sqrt_multiplier(value: int) -> tuple[int, int]:
    """GetInvSqrtQuantizedMultiplierExp(value, kReverseShift = -1): 1 / sqrt(value) as a Q31
    multiplier and a left shift, by five Newton steps in gemmlowp's Q3 fixed point."""
    if value <= 1:
        return INT32_MAX, 0
    shift = 11
    while value >= 1 << 29:
        value //= 4
        shift += 1
    pairs = (31 - value.bit_length()) // 2 - 1  # (CountLeadingZeros - 1) / 2 - 1
    shift -= pairs
    value <<= 2 * pairs
    half_input = rounding_divide_by_pot(value >> 1, 1)
    half_three = (1 << 28) + (1 << 27)
    x = 1 << 28  # Q3 one
    mul = saturating_rounding_doubling_high_mul
    for _ in range(5):
        x3 = _saturating_shl(mul(mul(x, x), x), 6)
        x = _saturating_shl(wrap(mul(half_three, x) - mul(half_input, x3), 32), 3)
    x = mul(x, 1518500250)  # sqrt(2) / 2 in Q0
    if shift < 0:
        x, shift = wrap(x << -shift, 32), 0
    return x, -shift


@memo_table
def rsqrt_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """RsqrtEvalQuantizedInt8 for every input byte."""
    multiplier, shift = quantize_multiplier(1.0 / float(f32(f32(math.sqrt(f32(in_scale))) * f32(out_scale))))

    def entry(v: int) -> int:
        value = v - in_zp
        if value == 0:
            return 127
        inv, inv_shift = inv_sqrt_multiplier(value)
        data = mul_by_quantized_multiplier_double(1, inv, inv_shift + 20)
        out = mul_by_quantized_multiplier_double(data, multiplier, shift - 20) + out_zp
        return max(-128, min(127, out))

    return table_from(INT8_INPUTS, entry)


@memo_table
def abs_table(in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> np.ndarray:
    """AbsEvalQuantized<int8_t> for every input byte."""
    multiplier, shift = quantize_multiplier(float(f32(f32(in_scale) / f32(out_scale))))

    def entry(v: int) -> int:
        value = abs(v - in_zp)
        out = value if f32(in_scale) == f32(out_scale) else mul_by_quantized_multiplier_double(value, multiplier, shift)
        return max(-128, min(127, out + out_zp))

    return table_from(INT8_INPUTS, entry)


def rsqrt_multiplier_reason(in_scale: float, out_scale: float) -> str | None:
    _, shift = quantize_multiplier(1.0 / float(f32(f32(math.sqrt(f32(in_scale))) * f32(out_scale))))
    return None if -11 <= shift <= 20 else f"an output rescaling by 2^{shift} (LiteRT shifts it by 20 more)"


class Unary:
    opcodes = tuple(FLOAT_OPS)

    def variant(self, op: Operator, graph: Graph):
        """ABS int16: simtiny.lower.activations16's."""
        if op.opcode == "ABS":
            return int16_variant(op, graph, self, "ABS_16", "activations16")
        return self

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k is written after it is read."""
        return True

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 1 or len(op.outputs) != 1 or op.inputs[0] < 0:
            return "needs one input and one output"
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.dtype != y.dtype or x.shape != y.shape:
            return f"{x.dtype} {list(x.shape)} in, {y.dtype} {list(y.shape)} out"
        if x.dtype == "float32":
            return None
        if x.dtype != "int8" or op.opcode not in INT8_OPS:
            kinds = "float32" + (" and int8" if op.opcode in INT8_OPS else "")
            return f"{x.dtype} input ({kinds} are compiled)"
        reason = quant_reason(op, graph)
        if reason or op.opcode != "RSQRT":
            return reason
        return rsqrt_multiplier_reason(x.scale(), y.scale())

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.dtype == "int8":
            params = (x.scale(), x.zero_point(), y.scale(), y.zero_point())
            table = rsqrt_table(*params) if op.opcode == "RSQRT" else abs_table(*params)
            return lut_call(op, graph, ctx, table, op.opcode.lower())
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        decl = f"static const st_unary_f32_params {p} = {{{x.size}, {FLOAT_OPS[op.opcode]}}};"
        call = f"st_unary_f32(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("unary_f32",), (decl,))


LOWERINGS = [Unary()]
