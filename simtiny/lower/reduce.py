"""MEAN and SUM (int8, and int16 for the converter's 16x8 mode), REDUCE_MAX, REDUCE_MIN, ARG_MAX
and ARG_MIN int8.

MEAN: LiteRT's reference kernel (EvalMean<kReference> -> EvalQuantizedMean ->
reference_ops::QuantizedMeanOrSum), for every axis set, keep_dims or not.

Prepare: QuantizeMultiplier(double(input_scale) / double(output_scale)). Eval folds 1/count
into that multiplier: shift = min(floor(log2(count)), 32, 31 + output_shift),
multiplier = (multiplier << shift) / count (int64, truncated), output_shift -= shift; then
MultiplyByQuantizedMultiplier(sum - input_zero_point * count) + output_zero_point, saturated.
This wheel requantises with gemmlowp's double rounding here (measured: single rounding
disagrees with LiteRT on many random cases, double rounding on none).
"""

from __future__ import annotations

import numpy as np

from simtiny.lower import KernelCall, dtype_reason
from simtiny.lower.quant import quantize_multiplier
from simtiny.model import Graph, Operator, Tensor

MAX_DIMS = 8  # ST_MEAN_MAX_DIMS
MAX_SCALE_RATIO = float(1 << 16)  # beyond, LiteRT's left shift overflows int32 (UB in C++)


def quantize_multiplier_unclamped(real: float) -> tuple[int, int]:
    """QuantizeMultiplier as built without TFLITE_SINGLE_ROUNDING (no clamp of shift > 30)."""
    return quantize_multiplier(real, clamp=False)


def resolve_axes(axes: np.ndarray, rank: int) -> list[int] | None:
    """ResolveAxis: negative axes wrap once, duplicates drop; None if one is out of range."""
    out: list[int] = []
    for a in (int(v) for v in np.asarray(axes).reshape(-1)):
        a = a + rank if a < 0 else a
        if not 0 <= a < rank:
            return None
        if a not in out:
            out.append(a)
    return out


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """The (multiplier, shift) QuantizedMeanOrSum applies to sum - zero_point * count."""
    real = float(np.float32(input_scale)) / float(np.float32(output_scale))
    multiplier, shift = quantize_multiplier_unclamped(real)
    bits = min(count.bit_length() - 1, 32, 31 + shift)
    return (multiplier << bits) // count, shift - bits


def split_dims(shape: tuple[int, ...], reduced: list[int]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(kept, reduced) lists of (size, stride in elements); size-1 dimensions dropped and
    neighbours of the same kind merged, so a global average pool is one kept and one reduced."""
    strides = [int(np.prod(shape[i + 1 :], dtype=np.int64)) for i in range(len(shape))]
    groups: list[tuple[bool, int, int]] = []  # (is_reduced, size, stride)
    for i, size in enumerate(shape):
        if size == 1:
            continue
        kind = i in reduced
        if groups and groups[-1][0] == kind and groups[-1][2] == size * strides[i]:
            groups[-1] = (kind, groups[-1][1] * size, strides[i])
        else:
            groups.append((kind, size, strides[i]))
    kept = [(s, st) for k, s, st in groups if not k]
    inner = [(s, st) for k, s, st in groups if k]
    return kept, inner


def axis_values(axis: Tensor) -> np.ndarray | None:
    """The constant axes; an empty axis tensor has no buffer but is constant all the same."""
    if axis.data is not None:
        return axis.data
    return np.zeros((0,), dtype=np.int32) if axis.size == 0 else None


def reduce_reason(op: Operator, graph: Graph, dtype: str = "int8") -> str | None:
    """What MEAN, REDUCE_MAX and REDUCE_MIN share: `dtype` in and out, constant axes in range, and
    the output shape LiteRT's Prepare computes (keep_dims or not)."""
    reason = dtype_reason(graph, op, {"input": (dtype,), "input1": ("int32",), "output": (dtype,)})
    if reason:
        return reason
    x, axis, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
    values = axis_values(axis)
    if values is None:
        return "non-constant axes"
    if len(x.shape) > MAX_DIMS:
        return f"{len(x.shape)}-D input (at most {MAX_DIMS})"
    if len(x.shape) == 0:
        return "scalar input"
    if x.size == 0:
        return "empty input"
    axes = resolve_axes(values, len(x.shape))
    if axes is None:
        return "axis out of range"
    keep = bool(op.options.get("keep_dims", False))
    want = (
        tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        if keep
        else tuple(d for i, d in enumerate(x.shape) if i not in axes)
    )
    if tuple(y.shape) != want:
        return f"output shape {list(y.shape)}, LiteRT computes {list(want)}"
    return None


def reduce_dims(pairs: list[tuple[int, int]]) -> str:
    """One side (kept or reduced) of a reduction's dims, as the kernels' params take it: rank,
    sizes, strides."""
    sizes = [size for size, _ in pairs] or [1]
    strides = [stride for _, stride in pairs] or [0]
    return f"{len(pairs)}, {{{', '.join(map(str, sizes))}}}, {{{', '.join(map(str, strides))}}}"


def reduced_axes(op: Operator, graph: Graph) -> list[int]:
    values = axis_values(graph.tensor(op.inputs[1]))
    assert values is not None
    axes = resolve_axes(values, len(graph.tensor(op.inputs[0]).shape))
    assert axes is not None
    return axes


class Mean:
    """MEAN of int8 (or int16) over constant axes; the kernel walks kept and reduced dimensions
    by stride."""

    opcodes = ("MEAN",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        wide = bool(op.inputs) and op.inputs[0] >= 0 and graph.tensor(op.inputs[0]).dtype == "int16"
        reason = reduce_reason(op, graph, "int16" if wide else "int8")
        if reason:
            return reason
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.quant is None or y.quant is None:
            return "not quantized"
        if wide and (x.zero_point(), y.zero_point()) != (0, 0):
            return "int16 zero point not 0 (LiteRT requires it)"
        if float(np.float32(x.scale())) / float(np.float32(y.scale())) >= MAX_SCALE_RATIO:
            return "input scale / output scale >= 65536"
        return None

    @staticmethod
    def multiplier(x: Tensor, y: Tensor, count: int) -> tuple[int, int]:
        return mean_multiplier(x.scale(), y.scale(), count)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        axes = reduced_axes(op, graph)
        count = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
        kept, inner = split_dims(x.shape, axes)
        multiplier, shift = self.multiplier(x, y, count)
        sum_offset = (-x.zero_point() * count + (1 << 31)) % (1 << 32) - (1 << 31)
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        decl = (
            f"static const st_mean_params {p} = {{{reduce_dims(kept)}, {reduce_dims(inner)}, {y.size}, {count}, "
            f"{sum_offset}, {multiplier}, {shift}, {y.zero_point()}}};"
        )
        kernel = "st_mean_s16" if x.dtype == "int16" else "st_mean_s8"
        call = f"{kernel}(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("mean_s8",), (decl,))


class Sum(Mean):
    """SUM of int8 or int16 over constant axes, as TF-Lite Micro computes it: MEAN's walk and
    requantisation with the plain ratio of scales (no 1 / count). LiteRT 2.3's reference SUM
    gives values no arithmetic reproduces (int8 -127 for a sum of 2 at a quarter of the scale;
    int16 -1, 255 and 0 where the sums are large, measured: it casts an unclamped float), so TF-Lite
    Micro is its reference (`--reference tflm`; with LiteRT, simtiny.flow.run.tflm_only refuses)."""

    opcodes = ("SUM",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = super().check(op, graph)
        if reason:
            return reason
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        _, shift = quantize_multiplier_unclamped(float(np.float32(x.scale())) / float(np.float32(y.scale())))
        count = int(np.prod([x.shape[a] for a in reduced_axes(op, graph)], dtype=np.int64))
        largest = count * (65536 if x.dtype == "int16" else 256)
        if largest << max(shift, 0) >= 1 << 31:
            return "sums that could leave int32 when rescaled (undefined in TF-Lite Micro)"
        return None

    @staticmethod
    def multiplier(x: Tensor, y: Tensor, count: int) -> tuple[int, int]:
        return quantize_multiplier_unclamped(float(np.float32(x.scale())) / float(np.float32(y.scale())))


class ReduceMinMax:
    """REDUCE_MAX and REDUCE_MIN of int8 (or int16) over constant axes (a global max pool, as Keras exports
    GlobalMaxPooling2D): the stored values compared as they are, no rescaling, as LiteRT's
    reference does; and REDUCE_ALL of bools, their minimum."""

    opcodes = ("REDUCE_MAX", "REDUCE_MIN", "REDUCE_ALL")

    def check(self, op: Operator, graph: Graph) -> str | None:
        if op.opcode == "REDUCE_ALL":  # bools (bytes of 0 and 1): all of them is their minimum
            return reduce_reason(op, graph, "bool")
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        reason = reduce_reason(op, graph, "int16" if x.dtype == "int16" else "int8")
        if reason:
            return reason
        if x.quant is None or y.quant is None:
            return "not quantized"
        same = (x.scale(), x.zero_point()) == (y.scale(), y.zero_point())
        return None if same else "input and output quantised differently (LiteRT's reduce.cc requires the same)"

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        kept, inner = split_dims(x.shape, reduced_axes(op, graph))
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        maximum = 1 if op.opcode == "REDUCE_MAX" else 0
        decl = (
            f"static const st_reduce_minmax_params {p} = {{{reduce_dims(kept)}, {reduce_dims(inner)}, "
            f"{y.size}, {maximum}}};"
        )
        pointers = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])}"
        if op.opcode == "REDUCE_ALL":
            pointers = f"(const int8_t *){ctx.tensor(op.inputs[0])}, (int8_t *){ctx.tensor(op.outputs[0])}"
        call = f"st_reduce_minmax_{'s16' if x.dtype == 'int16' else 's8'}(&{p}, {pointers});"
        return KernelCall(call, ("reduce_minmax_s8",), (decl,))


class ArgMinMax:
    """ARG_MAX and ARG_MIN of int8 over one constant axis (a classifier's top class, as models
    export it): int32 or int64 indices, ties to the first (arg_min_max.cc)."""

    opcodes = ("ARG_MAX", "ARG_MIN")

    @staticmethod
    def axis(op: Operator, graph: Graph) -> int | str:
        x, a = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        if a.dtype not in ("int32", "int64"):
            return f"{a.dtype} axis"
        if a.data is None or a.data.size != 1:
            return "the axis must be one constant value"
        axis = int(a.data.reshape(-1)[0])
        axis = axis + len(x.shape) if axis < 0 else axis
        return axis if 0 <= axis < len(x.shape) else f"axis {axis} of a rank-{len(x.shape)} input"

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = dtype_reason(graph, op, {"input": ("int8",), "output": ("int32", "int64")})
        if reason:
            return reason
        axis = self.axis(op, graph)
        if isinstance(axis, str):
            return axis
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if x.size == 0:
            return "empty input"
        want = [d for i, d in enumerate(x.shape) if i != axis]
        if list(y.shape) != want:
            return f"output shape {list(y.shape)}, LiteRT computes {want}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        axis = self.axis(op, graph)
        assert isinstance(axis, int)
        outer, inner = int(np.prod(x.shape[:axis], dtype=np.int64)), int(np.prod(x.shape[axis + 1 :], dtype=np.int64))
        p = ctx.ident(f"op{op.index}_{op.opcode.lower()}")
        maximum, wide = int(op.opcode == "ARG_MAX"), int(y.dtype == "int64")
        decl = f"static const st_arg_minmax_params {p} = {{{outer}, {x.shape[axis]}, {inner}, {maximum}, {wide}}};"
        call = f"st_arg_minmax_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("arg_minmax_s8",), (decl,))


LOWERINGS = [Mean(), Sum(), ReduceMinMax(), ArgMinMax()]
