"""ADD, SUB, MUL, MAXIMUM, MINIMUM int8 with broadcasting: LiteRT's reference quantized arithmetic.

The multipliers are computed here exactly as add.cc / sub.cc / mul.cc do in Prepare; the
broadcast is flattened to at most six strided loops so the kernel only does integer work.
These three requantize with gemmlowp's double rounding (measured on ai-edge-litert 2.3.0).
"""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason, int16_variant
from simtiny.lower.bounds import fast_channel
from simtiny.lower.quant import INT8_MAX, INT8_MIN, activation_range, quantize_multiplier
from simtiny.model import Graph, Operator, Tensor

MAX_DIMS = 6  # BroadcastAdd6DSlow / BroadcastQuantSubSlow / BroadcastMul6DSlow
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
LEFT_SHIFT = 20  # int8 ADD/SUB headroom: 255 << 20 still fits an int32


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """numpy-style broadcast of two shapes (CalculateShapeForBroadcast), None if incompatible."""
    rank = max(len(a), len(b))
    a1 = (1,) * (rank - len(a)) + tuple(a)
    b1 = (1,) * (rank - len(b)) + tuple(b)
    out = []
    for x, y in zip(a1, b1, strict=True):
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return tuple(out)


def broadcast_loops(
    a: tuple[int, ...], b: tuple[int, ...], out: tuple[int, ...]
) -> tuple[list[int], list[int], list[int]]:
    """Output extents and each input's element strides (0 = broadcast), outermost first.

    Size-1 dimensions are dropped and neighbours that walk both inputs the same way are
    merged, so the kernel's innermost loop is as long as possible.
    """
    rank = len(out)
    a1 = (1,) * (rank - len(a)) + tuple(a)
    b1 = (1,) * (rank - len(b)) + tuple(b)

    def strides(shape: tuple[int, ...]) -> list[int]:
        s, acc = [0] * rank, 1
        for d in range(rank - 1, -1, -1):
            s[d] = acc if shape[d] != 1 else 0
            acc *= shape[d]
        return s

    sa, sb = strides(a1), strides(b1)
    dims: list[list[int]] = []  # [extent, stride_a, stride_b], innermost first
    for d in range(rank - 1, -1, -1):
        n = out[d]
        if n == 1:
            continue
        if dims:
            inner = dims[-1]
            if sa[d] == inner[1] * inner[0] and sb[d] == inner[2] * inner[0]:
                inner[0] *= n
                continue
        dims.append([n, sa[d], sb[d]])
    if not dims:
        dims = [[1, 0, 0]]
    dims.reverse()
    return [d[0] for d in dims], [d[1] for d in dims], [d[2] for d in dims]


def _quant_reason(graph: Graph, op: Operator) -> str | None:
    for role, index in (("input", op.inputs[0]), ("input1", op.inputs[1]), ("output", op.outputs[0])):
        t = graph.tensor(index)
        if t.quant is None:
            return f"unquantized {role}"
        if t.quant.per_channel:
            return f"per-channel quantized {role}"
        if not -128 <= t.zero_point() <= 127:
            return f"{role} zero point {t.zero_point()} outside int8"
        if not t.scale() > 0:
            return f"{role} scale {t.scale()}"
    return None


def _shape_reason(graph: Graph, op: Operator) -> str | None:
    a, b = graph.tensor(op.inputs[0]).shape, graph.tensor(op.inputs[1]).shape
    out = graph.tensor(op.outputs[0]).shape
    if any(d < 0 for d in (*a, *b, *out)):
        return "dynamic shape"
    shape = broadcast_shape(a, b)
    if shape is None:
        return f"shapes {list(a)} and {list(b)} do not broadcast"
    if tuple(out) != shape:
        return f"output shape {list(out)}, broadcast gives {list(shape)}"
    if len(shape) > MAX_DIMS:
        return f"rank {len(shape)} > {MAX_DIMS}"
    return None


def binary_reason(op: Operator, graph: Graph, max_dims: int) -> str | None:
    """What DIV and SQUARED_DIFFERENCE check alike: two inputs of the output's type (int8 or
    float32), shapes that broadcast to it in at most `max_dims` dimensions, and, for int8,
    per-tensor quantization."""
    if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
        return "needs two inputs and one output"
    dtype = graph.tensor(op.outputs[0]).dtype
    if dtype not in ("int8", "float32"):
        return f"{dtype} output (int8 and float32 are compiled)"
    reason = dtype_reason(graph, op, {"input": (dtype,), "input1": (dtype,)}) or _shape_reason(graph, op)
    if reason:
        return reason
    if len(graph.tensor(op.outputs[0]).shape) > max_dims:
        return f"rank above {max_dims}"
    return _quant_reason(graph, op) if dtype == "int8" else None


def _common_reason(op: Operator, graph: Graph) -> str | None:
    if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
        return "needs two inputs and one output"
    reason = dtype_reason(graph, op, {"input": ("int8",), "input1": ("int8",), "output": ("int8",)})
    if reason:
        return reason
    activation = op.options.get("fused_activation_function", "NONE")
    if activation not in ACTIVATIONS:
        return f"fused activation {activation}"
    return _quant_reason(graph, op) or _shape_reason(graph, op)


def _loops_init(graph: Graph, op: Operator, ctx, prefix: str) -> str:
    """The st_broadcast initializer (firmware/kernels/st_broadcast.h), its loop table a constant."""
    a, b = graph.tensor(op.inputs[0]).shape, graph.tensor(op.inputs[1]).shape
    shape, sa, sb = broadcast_loops(a, b, graph.tensor(op.outputs[0]).shape)
    table = ctx.const(f"{prefix}_loops", np.array([shape, sa, sb], dtype=np.int32).T.reshape(-1))
    return f"{{.loops = {table}, .ndim = {len(shape)}}}"


def _activation(op: Operator, out: Tensor) -> tuple[int, int]:
    activation = op.options.get("fused_activation_function", "NONE")
    return activation_range(activation, out.scale(), out.zero_point())


ADD_TABLE_ELEMENTS = 1024  # outputs from which tabulating the inputs (512 rescalings) pays


def add_sub_multipliers(s1: float, s2: float, so: float, left_shift: int = LEFT_SHIFT) -> tuple[float, float, float]:
    """add.cc / sub.cc Prepare: real multipliers, every step in double from float scales (int16:
    a left shift of 15)."""
    twice_max = 2.0 * max(float(np.float32(s1)), float(np.float32(s2)))
    return s1 / twice_max, s2 / twice_max, twice_max / (float(1 << left_shift) * so)


def _plain_variant(op: Operator, graph: Graph):
    """simtiny.lower.arith's lowering where ADD, SUB or MUL computes on int32 or float32 values."""
    from simtiny.lower import arith  # it imports this module's helpers

    return arith.ARITH if op.outputs and graph.tensor(op.outputs[0]).dtype in arith.TYPES else None


class AddSub:
    """ADD and SUB int8: both inputs rescaled to a common scale, summed, requantized."""

    opcodes = ("ADD", "SUB")

    def variant(self, op: Operator, graph: Graph):
        """For int16 input, ADD's int16 kernel (simtiny.lower.sixteen); for int32 and float32 the
        plain arithmetic (simtiny.lower.arith); else this one."""
        return _plain_variant(op, graph) or int16_variant(op, graph, self, "ADD_16")

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """The kernel reads element k of each input before writing element k: the output may
        overwrite input 0 when input 0 is not broadcast (it has the output's shape)."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    has_lean = True  # the kernel runs without its tables too

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool, lean: bool = False) -> int:
        """Both inputs' rescaled values, tabulated (512 int32), where the output has enough
        elements to pay for them (ADD_TABLE_ELEMENTS); lean, none."""
        if lean or self.check(op, graph) or graph.tensor(op.outputs[0]).size < ADD_TABLE_ELEMENTS:
            return 0
        return 4 * 512

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _common_reason(op, graph)
        if reason:
            return reason
        s1, s2 = graph.tensor(op.inputs[0]).scale(), graph.tensor(op.inputs[1]).scale()
        _, _, real_out = add_sub_multipliers(s1, s2, graph.tensor(op.outputs[0]).scale())
        _, shift = quantize_multiplier(real_out)
        # ADD: QuantizeMultiplierSmallerThanOneExp TFLITE_CHECKs (aborts) outside (0, 1). SUB takes
        # QuantizeMultiplierGreaterThanOne above 1, then shifts right by a negative amount.
        if real_out >= 1.0 or shift > 0:
            return f"output scale too small (LiteRT {op.opcode}: output multiplier >= 1)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x1, x2, out = (graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0]))
        reals = add_sub_multipliers(x1.scale(), x2.scale(), out.scale())
        (m1, sh1), (m2, sh2), (mo, sho) = (quantize_multiplier(r) for r in reals)
        act_min, act_max = _activation(op, out)
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        decl = (
            f"static const st_add_params {p} = {{.loops = {_loops_init(graph, op, ctx, p)},\n"
            f"    .input1_multiplier = {m1}, .input2_multiplier = {m2}, .output_multiplier = {mo},\n"
            f"    .input1_shift = {sh1}, .input2_shift = {sh2}, .output_shift = {sho}, .left_shift = {LEFT_SHIFT},\n"
            f"    .input1_offset = {-x1.zero_point()}, .input2_offset = {-x2.zero_point()}, "
            f".output_offset = {out.zero_point()},\n"
            f"    .act_min = {act_min}, .act_max = {act_max}, .subtract = {1 if op.opcode == 'SUB' else 0}}};"
        )
        tables = "0" if ctx.scratch == "0" else f"(int32_t *){ctx.scratch}"
        fast = tables != "0" and (act_min, act_max) == (INT8_MIN, INT8_MAX) and fast_channel(mo, sho)
        call = (
            f"st_add_s8{'_fast' if fast else ''}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, "
            f"{ctx.tensor(op.outputs[0])}, {tables});"
        )
        return KernelCall(call, ("add_s8",), (decl,))


class Mul:
    """MUL int8: (x1 - z1) * (x2 - z2) requantized by s1*s2/so."""

    opcodes = ("MUL",)

    def variant(self, op: Operator, graph: Graph):
        """For int16 input, MUL's int16 kernel (simtiny.lower.sixteen); for int32 and float32 the
        plain arithmetic (simtiny.lower.arith); else this one."""
        return _plain_variant(op, graph) or int16_variant(op, graph, self, "MUL_16")

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """The kernel reads element k of each input before writing element k: the output may
        overwrite input 0 when input 0 is not broadcast (it has the output's shape)."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _common_reason(op, graph)
        if reason is None:
            quantize_multiplier(self.real(op, graph))  # scales beyond float32: an ArithmeticError, a reason
        return reason

    @staticmethod
    def real(op: Operator, graph: Graph) -> float:
        """mul.cc: input1 scale * input2 scale / output scale, all in float, then widened."""
        x1, x2, out = (graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0]))
        f = np.float32
        return float(f(f(x1.scale()) * f(x2.scale())) / f(out.scale()))

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x1, x2, out = (graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0]))
        mult, shift = quantize_multiplier(self.real(op, graph))
        act_min, act_max = _activation(op, out)
        p = ctx.ident(f"op{op.index}_mul")
        decl = (
            f"static const st_mul_params {p} = {{.loops = {_loops_init(graph, op, ctx, p)},\n"
            f"    .output_multiplier = {mult}, .output_shift = {shift}, .input1_offset = {-x1.zero_point()}, "
            f".input2_offset = {-x2.zero_point()},\n"
            f"    .output_offset = {out.zero_point()}, .act_min = {act_min}, .act_max = {act_max}}};"
        )
        call = f"st_mul_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("mul_s8",), (decl,))


class MaximumMinimum:
    """MAXIMUM and MINIMUM int8 and int16 (PReLU-style clamps as MediaPipe exports them): the stored values
    compared as they are, as LiteRT's reference does (maximum_minimum.cc rescales nothing)."""

    opcodes = ("MAXIMUM", "MINIMUM")

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k of each input is read before element k is written: in place over input 0
        when input 0 is not broadcast."""
        return graph.tensor(op.inputs[0]).shape == graph.tensor(op.outputs[0]).shape

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or len(op.outputs) != 1 or min(op.inputs) < 0:
            return "needs two inputs and one output"
        dtype = graph.tensor(op.inputs[0]).dtype
        if dtype not in ("int8", "int16"):
            return f"{dtype} input (int8 and int16 are compiled)"
        reason = dtype_reason(graph, op, {"input1": (dtype,), "output": (dtype,)})
        return reason or _shape_reason(graph, op)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        decl = f"static const st_broadcast {p} = {_loops_init(graph, op, ctx, p)};"
        width = "s16" if graph.tensor(op.inputs[0]).dtype == "int16" else "s8"
        kernel = f"st_{op.opcode.lower()}_{width}"
        call = f"{kernel}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("maximum_minimum_s8",), (decl,))


LOWERINGS = [AddSub(), Mul(), MaximumMinimum()]
