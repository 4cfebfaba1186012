"""QUANTIZE (float32 -> int8/int16, int8/uint8 -> int8/uint8, int8 -> int16 and int16 ->
int8/int16/int32 requantisation) and DEQUANTIZE (int8/int16 -> float32).

These sit at the edges of models with float32 inputs and outputs. The float conversions run in C
(firmware/kernels/quantize_s8.c, dequantize_s8.c); a requantisation is a function of 256 input
bytes, so it becomes a lookup table computed here (firmware/kernels/lut_s8.c); one to or from
int16 is computed value by value (firmware/kernels/requantize_s16_s8.c).
"""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.activations import (
    lut_call,
    memo_table,
    mul_by_quantized_multiplier_double,
    shift_reason,
    table_from,
)
from simtiny.lower.quant import quantize_multiplier
from simtiny.model import Graph, Operator, Tensor

BYTE_RANGES = {"int8": range(-128, 128), "uint8": range(256)}
OUTPUT_LIMITS = {"int8": (-128, 127), "uint8": (0, 255)}
SHORT = {"int8": "s8", "int16": "s16", "int32": "s32"}  # the kernels' names for the types


def per_tensor_reason(t: Tensor, role: str) -> str | None:
    if t.quant is None or not t.quant.scale:
        return f"unquantized {role}"
    if t.quant.per_channel:
        return f"per-channel {role}"
    if not (np.isfinite(t.scale()) and t.scale() > 0):
        return f"{role} scale {t.scale()}"
    return None


def c_float(value: float) -> str:
    """A float32 value as a C literal that reads back to the same float."""
    return f"{float(np.float32(value))!r}f"


@memo_table
def requantize_table(
    in_dtype: str, in_scale: float, in_zp: int, out_dtype: str, out_scale: float, out_zp: int
) -> np.ndarray:
    """quantize.cc Prepare (double ratio of the float scales) + reference_ops::Requantize, which
    LiteRT's wheel rounds twice (measured: see activations.mul_by_quantized_multiplier_double)."""
    multiplier, shift = quantize_multiplier(float(in_scale) / float(out_scale))
    low, high = OUTPUT_LIMITS[out_dtype]

    def entry(v: int) -> int:
        out = mul_by_quantized_multiplier_double(v - in_zp, multiplier, shift) + out_zp
        return max(min(out, high), low)

    return table_from(BYTE_RANGES[in_dtype], entry)


class Quantize:
    opcodes = ("QUANTIZE",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        x, out = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.dtype == "float32":
            reason = dtype_reason(graph, op, {"output": ("int8", "int16")})
        elif x.dtype == "int16":
            reason = dtype_reason(graph, op, {"output": ("int8", "int16", "int32")}) or per_tensor_reason(x, "input")
        elif x.dtype == "int8" and out.dtype == "int16":
            reason = per_tensor_reason(x, "input")
        else:
            reason = dtype_reason(graph, op, {"input": ("int8", "uint8"), "output": ("int8", "uint8")})
            reason = reason or per_tensor_reason(x, "input")
        reason = reason or per_tensor_reason(out, "output")
        if reason:
            return reason
        if x.size != out.size:
            return "input and output sizes differ"
        if x.dtype == out.dtype == "int16" and (x.zero_point() or out.zero_point()):
            return "int16 to int16 with a zero point other than 0 (LiteRT requires 0)"
        if x.dtype in ("int16", "int8") and "int16" in (x.dtype, out.dtype):
            _, shift = quantize_multiplier(float(x.scale()) / float(out.scale()))
            bound = 15 if x.dtype == "int16" else 23  # the shifted input must stay in int32
            return f"input/output scale ratio beyond 2^{bound} (int32 overflow in LiteRT)" if shift > bound else None
        if x.dtype != "float32":
            return shift_reason(quantize_multiplier(float(x.scale()) / float(out.scale())))
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, out = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if "int16" in (x.dtype, out.dtype) and x.dtype != "float32":  # 65,536 values: no table
            multiplier, shift = quantize_multiplier(float(x.scale()) / float(out.scale()))
            p = ctx.ident(f"op{op.index}_requantize16")
            decl = (
                f"static const st_requantize_s16_params {p} = {{{x.size}, {multiplier}, {shift}, "
                f"{x.zero_point()}, {out.zero_point()}}};"
            )
            kernel = f"st_requantize_{SHORT[x.dtype]}_{SHORT[out.dtype]}"
            call = f"{kernel}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
            return KernelCall(call, ("requantize_s16_s8",), (decl,))
        if x.dtype != "float32":
            table = requantize_table(x.dtype, x.scale(), x.zero_point(), out.dtype, out.scale(), out.zero_point())
            return lut_call(op, graph, ctx, table, "requantize")
        p = ctx.ident(f"op{op.index}_quantize")
        decl = f"static const st_quantize_params {p} = {{{x.size}, {c_float(out.scale())}, {out.zero_point()}}};"
        call = f"st_quantize_f32_{SHORT[out.dtype]}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("quantize_s8",), (decl,))


class Dequantize:
    opcodes = ("DEQUANTIZE",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        x, out = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        reason = dtype_reason(graph, op, {"input": ("int8", "int16"), "output": ("float32",)})
        reason = reason or per_tensor_reason(x, "input")
        if reason:
            return reason
        if x.size != out.size:
            return "input and output sizes differ"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        p = ctx.ident(f"op{op.index}_dequantize")
        decl = f"static const st_dequantize_params {p} = {{{x.size}, {c_float(x.scale())}, {x.zero_point()}}};"
        call = f"st_dequantize_{SHORT[x.dtype]}_f32(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("dequantize_s8",), (decl,))


LOWERINGS = [Quantize(), Dequantize()]
