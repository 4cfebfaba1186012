"""Data movement: CONCATENATION, PAD/PADV2, TRANSPOSE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR.

LiteRT's reference kernels move raw values for these (int8 CONCATENATION refuses inputs
quantized unlike its output; PAD and the rest copy whatever the quantization), so the kernels
are byte copies and every index computation (masks, negative strides, nearest source pixel)
is done here, at code-generation time, by ports of LiteRT's own logic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simtiny.lower import KernelCall, c_int_list
from simtiny.lower.activations import trunc_div
from simtiny.model import NUMPY_DTYPES, Graph, Operator, Tensor

COPY_DTYPES = ("int8", "int16", "int32", "float32")
RESIZE_DTYPES = ("int8", "int16", "float32")  # resize_nearest_neighbor.cc has no int32
PAD_MAX_DIMS = 5  # reference_ops::PadKernelMaxDimensionCount()
TRANSPOSE_MAX_DIMS = 8  # kTransposeMaxDimensions
LOOP_MAX_DIMS = 8  # ST_STRIDED_COPY_MAX_DIMS
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _dims_reason(*tensors: Tensor) -> str | None:
    for t in tensors:
        if any(d < 0 for d in t.shape):
            return "dynamic shape"
    return None


def _io_reason(op: Operator, graph: Graph, dtypes: tuple[str, ...]) -> str | None:
    """Input 0 and output 0 exist, share a dtype from `dtypes`, have static shapes."""
    if not op.inputs or op.inputs[0] < 0 or len(op.outputs) != 1:
        return "needs an input and one output"
    src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if src.dtype not in dtypes:
        return f"{src.dtype} input"
    if dst.dtype != src.dtype:
        return f"{src.dtype} input, {dst.dtype} output"
    return _dims_reason(src, dst)


def _constant_ints(graph: Graph, index: int, what: str, dtypes=("int32", "int64")) -> np.ndarray | str:
    """The values of a constant integer input, or the reason it cannot be used."""
    if index < 0:
        return f"no {what}"
    t = graph.tensor(index)
    if t.dtype not in dtypes:
        return f"{t.dtype} {what}"
    if t.size == 0 and not any(d < 0 for d in t.shape):
        return np.zeros(t.shape, dtype=np.int64)  # no values: the same whether stored or fed
    if not t.is_constant:
        return f"non-constant {what}"
    return t.data.astype(np.int64)


def merge_loops(shape: list[int], stride: list[int]) -> tuple[list[int], list[int]]:
    """Drop extent-1 loops and fuse neighbours that step contiguously; outermost first."""
    loops: list[list[int]] = []  # innermost first while building
    for n, s in zip(reversed(shape), reversed(stride), strict=True):
        if n == 1:
            continue
        if loops and s == loops[-1][1] * loops[-1][0]:
            loops[-1][0] *= n
            continue
        loops.append([n, s])
    if not loops:
        loops = [[1, 0]]
    loops.reverse()
    return [n for n, _ in loops], [s for _, s in loops]


def row_strides(shape: tuple[int, ...] | list[int]) -> list[int]:
    """Row-major element strides."""
    strides, acc = [0] * len(shape), 1
    for d in range(len(shape) - 1, -1, -1):
        strides[d] = acc
        acc *= shape[d]
    return strides


def blocks_call(op: Operator, ctx, what: str, outer: int, sizes: np.ndarray) -> KernelCall:
    """CONCATENATION's kernel (st_concat_s8) over the operator's inputs: per outer index, each
    input's block of `sizes[k]` bytes in turn (CONCATENATION and PACK alike)."""
    p = ctx.ident(f"op{op.index}_{what}")
    decl = f"static const st_concat_params {p} = {{{outer}, {len(op.inputs)}, {ctx.const(f'{p}_bytes', sizes)}}};"
    pointers = ", ".join(f"(const void *){ctx.tensor(i)}" for i in op.inputs)
    call = (
        f"{{ const void *const in[{len(op.inputs)}] = {{{pointers}}}; "
        f"st_concat_s8(&{p}, in, {ctx.tensor(op.outputs[0])}); }}"
    )
    return KernelCall(call, ("concat_s8",), (decl,))


def copies_call(calls: list[KernelCall]) -> KernelCall:
    """Several strided copies as one operator's code (SPLIT, SPLIT_V, UNPACK: one per output)."""
    return KernelCall(
        "\n    ".join(c.statement for c in calls), ("strided_copy_s8",), tuple(d for c in calls for d in c.declarations)
    )


class Concatenation:
    """CONCATENATION on any axis: per outer index, each input's slice copied in turn."""

    opcodes = ("CONCATENATION",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if not op.inputs or min(op.inputs) < 0 or len(op.outputs) != 1:
            return "needs inputs and one output"
        out = graph.tensor(op.outputs[0])
        ins = [graph.tensor(i) for i in op.inputs]
        if out.dtype not in COPY_DTYPES:
            return f"{out.dtype} output"
        reason = _dims_reason(out, *ins)
        if reason:
            return reason
        activation = op.options.get("fused_activation_function", "NONE")
        if activation != "NONE":
            return f"fused activation {activation} (LiteRT refuses one)"
        rank = len(ins[0].shape)
        if rank == 0:
            return "scalar inputs"
        axis = op.options.get("axis", 0)
        axis = axis + rank if axis < 0 else axis
        if not 0 <= axis < rank:
            return f"axis {op.options.get('axis', 0)} of a rank-{rank} input"
        for k, t in enumerate(ins):
            if t.dtype != out.dtype:
                return f"{t.dtype} input {k}, {out.dtype} output"
            if len(t.shape) != rank or any(t.shape[d] != ins[0].shape[d] for d in range(rank) if d != axis):
                return f"input {k} shape {list(t.shape)} does not match input 0 {list(ins[0].shape)}"
            if out.dtype == "int8" and t.params() != out.params():
                return f"input {k} quantized unlike the output (LiteRT int8 refuses to rescale)"
            if out.dtype == "int16" and t.params()[1] != 0:
                return f"input {k} zero point not 0 (LiteRT int16 refuses)"
        if out.dtype == "int16" and out.params()[1] != 0:
            return "output zero point not 0 (LiteRT int16 refuses)"
        want = list(ins[0].shape)
        want[axis] = sum(t.shape[axis] for t in ins)
        if list(out.shape) != want:
            return f"output shape {list(out.shape)}, concatenation gives {want}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        ins = [graph.tensor(i) for i in op.inputs]
        rank = len(ins[0].shape)
        axis = op.options.get("axis", 0)
        axis = axis + rank if axis < 0 else axis
        outer = math.prod(ins[0].shape[:axis])
        itemsize = graph.tensor(op.outputs[0]).itemsize
        sizes = np.array([math.prod(t.shape[axis:]) * itemsize for t in ins], dtype=np.int32)
        return blocks_call(op, ctx, "concat", outer, sizes)


class Pad:
    """PAD and PADV2 with constant paddings: pad value = output zero point or the given value."""

    opcodes = ("PAD", "PADV2")

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        rank = len(src.shape)
        if rank == 0:
            return "scalar input"
        if rank > PAD_MAX_DIMS:
            return f"rank {rank} > {PAD_MAX_DIMS} (LiteRT's limit)"
        pads = _constant_ints(
            graph, op.inputs[1] if len(op.inputs) > 1 else -1, "paddings", ("int32", "int64", "int8", "int16")
        )
        if isinstance(pads, str):
            return pads
        if pads.shape != (rank, 2):
            return f"paddings of shape {list(pads.shape)} for a rank-{rank} input"
        if pads.min() < 0:
            return "negative padding"
        want = [int(n + a + b) for n, (a, b) in zip(src.shape, pads, strict=True)]
        if list(dst.shape) != want:
            return f"output shape {list(dst.shape)}, padding gives {want}"
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            value = graph.tensor(op.inputs[2])
            if value.dtype != src.dtype:
                return f"{value.dtype} pad value for a {src.dtype} input"
            if value.size != 1:
                return f"pad value of {value.size} elements"
            quantized = src.quant is not None and src.dtype in ("int8", "int16")
            if quantized and value.params() != dst.params():
                return "pad value quantized unlike the output (LiteRT refuses)"
        elif src.quant is not None and src.dtype in ("int8", "int16"):
            info = np.iinfo(src.dtype)
            if not info.min <= dst.params()[1] <= info.max:
                return f"output zero point {dst.params()[1]} outside {src.dtype}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        if "fused_into" in op.options:  # its convolution pads (simtiny.lower.fusion)
            return KernelCall(statement=f"/* fused into operator {int(op.options['fused_into'])} */")
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        pads = graph.tensor(op.inputs[1]).data.astype(np.int64)
        rank = len(src.shape)
        out_stride = row_strides(dst.shape)
        origin = sum(int(pads[d][0]) * out_stride[d] for d in range(rank))
        p = ctx.ident(f"op{op.index}_pad")
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            value = ctx.tensor(op.inputs[2])
        else:  # PAD: zero (the output zero point when quantized) in the tensor's own type
            zero = dst.params()[1] if src.quant is not None and src.dtype in ("int8", "int16") else 0
            value = ctx.const(f"{p}_value", np.array([zero], dtype=NUMPY_DTYPES[src.dtype]))
        decl = (
            f"static const st_pad_params {p} = {{{rank}, {{{c_int_list(src.shape)}}}, "
            f"{{{c_int_list(out_stride)}}}, {origin}, {dst.size}, {src.itemsize}}};"
        )
        call = f"st_pad_s8(&{p}, {ctx.tensor(op.inputs[0])}, {value}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("pad_s8",), (decl,))


def strided_copy(
    op: Operator, ctx, what: str, shape: list[int], stride: list[int], start: int, itemsize: int, output: int = 0
) -> KernelCall:
    """TRANSPOSE, STRIDED_SLICE, SPLIT and the state copies alike: an output in order, gathered by
    per-loop input steps from input 0 (st_strided_copy_s8)."""
    p = ctx.ident(f"op{op.index}_{what}")
    decl = (
        f"static const st_strided_copy_params {p} = {{{len(shape)}, {{{c_int_list(shape)}}}, "
        f"{{{c_int_list(stride)}}}, {start}, {itemsize}}};"
    )
    call = f"st_strided_copy_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[output])});"
    return KernelCall(call, ("strided_copy_s8",), (decl,))


def table_copy(op: Operator, ctx, what: str, offsets: list[np.ndarray], itemsize: int) -> KernelCall:
    """MIRROR_PAD and BATCH_TO_SPACE_ND alike: the output in order, each element from the input
    offset the per-dimension tables sum to (st_table_copy)."""
    p = ctx.ident(f"op{op.index}_{what}")
    table = ctx.const(f"{p}_offsets", np.concatenate(offsets).astype(np.int32))
    shape = [len(t) for t in offsets]
    decl = f"static const st_table_copy_params {p} = {{{len(shape)}, {{{c_int_list(shape)}}}, {table}, {itemsize}}};"
    call = f"st_table_copy(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
    return KernelCall(call, ("table_copy",), (decl,))


def transpose_perm(op: Operator, graph: Graph) -> list[int] | str:
    """The permutation, negative entries normalised, or the reason it is unusable."""
    rank = len(graph.tensor(op.inputs[0]).shape)
    perm = _constant_ints(graph, op.inputs[1] if len(op.inputs) > 1 else -1, "permutation", ("int32",))
    if isinstance(perm, str):
        return perm
    if perm.ndim != 1 or perm.size != rank:
        return f"permutation of shape {list(perm.shape)} for a rank-{rank} input"
    out = [int(v) + rank if v < 0 else int(v) for v in perm]
    if sorted(out) != list(range(rank)):
        return f"invalid permutation {perm.tolist()}"
    return out


class Transpose:
    """TRANSPOSE with a constant permutation, up to 8 dimensions."""

    opcodes = ("TRANSPOSE",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if len(src.shape) > TRANSPOSE_MAX_DIMS:
            return f"rank {len(src.shape)} > {TRANSPOSE_MAX_DIMS} (LiteRT's limit)"
        perm = transpose_perm(op, graph)
        if isinstance(perm, str):
            return perm
        want = [src.shape[a] for a in perm]
        if list(dst.shape) != want:
            return f"output shape {list(dst.shape)}, the permutation gives {want}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src = graph.tensor(op.inputs[0])
        perm = transpose_perm(op, graph)
        assert not isinstance(perm, str)
        in_stride = row_strides(src.shape)
        shape, stride = merge_loops([src.shape[a] for a in perm], [in_stride[a] for a in perm])
        return strided_copy(op, ctx, "transpose", shape, stride, 0, src.itemsize)


@dataclass
class SlicePlan:
    """A strided slice resolved: the loops LiteRT's Eval runs and the shape its Prepare gives."""

    effective_shape: list[int]
    starts: list[int]
    stops: list[int]
    strides: list[int]
    counts: list[int]  # iterations of each loop
    output_shape: list[int]  # ResizeOutputTensor's shape


def _bit(mask: int, i: int) -> bool:
    return bool((mask >> i) & 1) if 0 <= i < 32 else False


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if hi < v else (lo if v < lo else v)


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _build_slice_params(
    shape: tuple[int, ...], begin: list[int], end: list[int], strides: list[int], opts: dict, with_indices: bool
) -> tuple[list[int], list[int], list[int], list[int], int, int, int] | str:
    """strided_slice.cc BuildStridedSliceParams: ellipsis and new axes folded into masks."""
    ellipsis_mask, new_axis_mask = opts.get("ellipsis_mask", 0), opts.get("new_axis_mask", 0)
    input_dims, begin_count = len(shape), len(begin)
    num_add_axis = sum(1 for i in range(begin_count) if not _bit(ellipsis_mask, i) and _bit(new_axis_mask, i))
    dims = input_dims + num_add_axis
    eff_ellipsis = eff_new_axis = 0
    ellipsis_start, expanded = dims, 0
    i = 0
    while i < dims:
        if _bit(ellipsis_mask, i):
            ellipsis_start = i
            ellipsis_end = max(i + 1, min(i + 1 + num_add_axis + input_dims - begin_count, dims))
            expanded = ellipsis_end - ellipsis_start - 1
            while i < ellipsis_end:
                eff_ellipsis |= 1 << i
                i += 1
            continue
        if _bit(new_axis_mask, i - expanded):
            eff_new_axis |= 1 << i
        i += 1
    starts, stops, steps, eff_shape = [0] * dims, [0] * dims, [1] * dims, [0] * dims
    begin_mask = end_mask = shrink_mask = 0
    added_ellipsis = added_axes = 0
    for i in range(dims):
        source = i - added_axes
        if _bit(eff_new_axis, i) and not _bit(eff_ellipsis, i):
            stops[i] = 1
            eff_shape[i] = 1
            added_axes += 1
            continue
        if not 0 <= source < input_dims:
            return "unsupported combination of ellipsis and new-axis masks"
        eff_shape[i] = shape[source]
        if _bit(eff_ellipsis, i):
            added_ellipsis = max(0, i - ellipsis_start)
            begin_mask |= 1 << i
            end_mask |= 1 << i
        elif i >= begin_count + expanded:
            begin_mask |= 1 << i
            end_mask |= 1 << i
        else:
            orig = i - added_ellipsis
            if with_indices:
                starts[i], stops[i] = begin[orig], end[orig]
            steps[i] = strides[orig]
            if _bit(opts.get("begin_mask", 0), orig):
                begin_mask |= 1 << i
            if _bit(opts.get("end_mask", 0), orig):
                end_mask |= 1 << i
            if _bit(opts.get("shrink_axis_mask", 0), orig):
                shrink_mask |= 1 << i
    return eff_shape, starts, stops, steps, begin_mask, end_mask, shrink_mask


def _start_for_axis(size: int, start: int, stride: int, begin_mask: int, axis: int) -> int:
    if start < 0:
        start += size
    start = _clamp(start, 0, size) if stride > 0 else _clamp(start, -1, size - 1)
    if _bit(begin_mask, axis):
        start = 0 if stride > 0 else size - 1
    return start


def _end_for_axis(
    size: int, stop: int, stride: int, end_mask: int, shrink_mask: int, axis: int, start: int, offset: bool
) -> int:
    if _bit(shrink_mask, axis):
        return start if start >= size else start + 1
    end = stop + start if offset else stop
    if end < 0:
        end += size
    end = _clamp(end, 0, size) if stride > 0 else _clamp(end, -1, size - 1)
    if _bit(end_mask, axis):
        end = size if stride > 0 else -1
    return end


def plan_strided_slice(
    shape: tuple[int, ...], begin: list[int], end: list[int], strides: list[int], opts: dict
) -> SlicePlan | str:
    """What LiteRT's STRIDED_SLICE does for constant begin/end/strides (Prepare and Eval)."""
    offset = bool(opts.get("offset", False))
    # Prepare: ResizeOutputTensor (begin and end left at 0 in offset mode, as LiteRT does).
    built = _build_slice_params(shape, begin, end, strides, opts, not offset)
    if isinstance(built, str):
        return built
    eff_shape, starts, stops, steps, bmask, emask, smask = built
    out_shape: list[int] = []
    for idx in range(len(eff_shape) - 1, -1, -1):
        stride = steps[idx]
        if stride == 0:
            return "zero stride"
        if _bit(smask, idx):
            continue
        if offset:
            if idx >= len(end):
                return "offset slice with more axes than end values"
            dim = end[idx]
        else:
            b = _start_for_axis(eff_shape[idx], starts[idx], stride, bmask, idx)
            dim = _end_for_axis(eff_shape[idx], stops[idx], stride, emask, smask, idx, b, offset) - b
        if (dim < 0) != (stride < 0):
            dim = 0
        elif stride < 0:
            dim = _cdiv(dim + 1, stride) + 1
        else:
            dim = 0 if dim == 0 else _cdiv(dim - 1, stride) + 1
        if not 0 <= dim <= INT32_MAX:
            return "output dimension overflows"
        out_shape.append(dim)
    out_shape.reverse()
    # Eval: the loops of reference_ops::StridedSlice with the real begin and end.
    built = _build_slice_params(shape, begin, end, strides, opts, True)
    assert not isinstance(built, str)
    eff_shape, starts, stops, steps, bmask, emask, smask = built
    real_starts, real_stops, counts = [], [], []
    for axis, size in enumerate(eff_shape):
        b = _start_for_axis(size, starts[axis], steps[axis], bmask, axis)
        e = _end_for_axis(size, stops[axis], steps[axis], emask, smask, axis, b, offset)
        real_starts.append(b)
        real_stops.append(e)
        counts.append(len(range(b, e, steps[axis])))
    return SlicePlan(eff_shape, real_starts, real_stops, steps, counts, out_shape)


def slice_loops(plan: SlicePlan) -> tuple[list[int], list[int], int]:
    """The kernel's loops (extents, signed input steps) and the input element it starts from."""
    in_stride = row_strides(plan.effective_shape)
    counts = plan.counts or [1]  # a scalar input: element 0, once
    steps = [k * s for k, s in zip(plan.strides, in_stride, strict=True)] or [0]
    start = 0  # nothing is read from an empty slice
    if all(n > 0 for n in plan.counts):
        start = sum(b * s for b, s in zip(plan.starts, in_stride, strict=True))
    shape, stride = merge_loops(counts, steps)
    return shape, stride, start


class StridedSlice:
    """STRIDED_SLICE with constant begin/end/strides; every mask, negative strides, offset."""

    opcodes = ("STRIDED_SLICE",)

    def _plan(self, op: Operator, graph: Graph) -> SlicePlan | str:
        if len(op.inputs) != 4:
            return f"{len(op.inputs)} inputs"
        values = []
        for index, what in zip(op.inputs[1:], ("begin", "end", "strides"), strict=True):
            v = _constant_ints(graph, index, what, ("int32",))
            if isinstance(v, str):
                return v
            if v.ndim != 1:
                return f"{what} of rank {v.ndim}"
            values.append([int(x) for x in v])
        begin, end, strides = values
        if not len(begin) == len(end) == len(strides):
            return "begin, end and strides differ in length"
        if len(begin) > 31:
            return "more than 31 indices (LiteRT's limit)"
        if INT32_MIN in strides:
            return "stride INT32_MIN"
        return plan_strided_slice(graph.tensor(op.inputs[0]).shape, begin, end, strides, op.options)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        plan = self._plan(op, graph)
        if isinstance(plan, str):
            return plan
        dst = graph.tensor(op.outputs[0])
        if list(dst.shape) != plan.output_shape:
            return f"output shape {list(dst.shape)}, LiteRT computes {plan.output_shape}"
        written = math.prod(plan.counts) if plan.counts else 1
        if written != dst.size:
            return f"LiteRT writes {written} of {dst.size} output elements"
        if len(slice_loops(plan)[0]) > LOOP_MAX_DIMS:
            return f"more than {LOOP_MAX_DIMS} sliced dimensions"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        plan = self._plan(op, graph)
        assert not isinstance(plan, str)
        shape, stride, start = slice_loops(plan)
        return strided_copy(op, ctx, "strided_slice", shape, stride, start, graph.tensor(op.inputs[0]).itemsize)


def nearest_sources(in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> list[int]:
    """reference_ops GetNearestNeighbor for every output index, in LiteRT's float arithmetic."""
    f = np.float32
    aligned = align_corners and out_size > 1
    scale = f(f(in_size - 1) / f(out_size - 1)) if aligned else f(f(in_size) / f(out_size))
    offset = f(0.5) if half_pixel else f(0.0)
    out = []
    for i in range(out_size):
        v = float(f(f(f(i) + offset) * scale))
        if align_corners:  # TfLiteRound: halves away from zero (v >= 0 here)
            r = math.floor(v)
            value = r + 1 if v - r >= 0.5 else r
        else:
            value = math.floor(v)
        value = min(value, in_size - 1)
        if half_pixel:
            value = max(0, value)
        out.append(value)
    return out


def resize_reason(op: Operator, graph: Graph, dtypes: tuple[str, ...]) -> str | None:
    """What both RESIZE operators hold: NHWC of `dtypes`, a constant [height, width] size that
    gives the output's shape, nothing empty."""
    reason = _io_reason(op, graph, dtypes)
    if reason:
        return reason
    src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if len(src.shape) != 4:
        return f"rank-{len(src.shape)} input"
    size = _constant_ints(graph, op.inputs[1] if len(op.inputs) > 1 else -1, "size", ("int32",))
    if isinstance(size, str):
        return size
    if size.shape != (2,):
        return f"size of shape {list(size.shape)}"
    want = [src.shape[0], int(size[0]), int(size[1]), src.shape[3]]
    if list(dst.shape) != want:
        return f"output shape {list(dst.shape)}, size gives {want}"
    if min(want) <= 0 or min(src.shape) <= 0:
        return "empty tensor"
    return None


def resize_tables(op: Operator, graph: Graph, ctx, what: str, sources) -> tuple:
    """(n, h, w, c, out_h, out_w, params name, rows table, columns table) of a RESIZE, the tables
    `sources`(in, out, align_corners, half_pixel_centers) per axis, emitted as int32 constants."""
    src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    n, h, w, c = src.shape
    oh, ow = dst.shape[1], dst.shape[2]
    align = bool(op.options.get("align_corners", False))
    half = bool(op.options.get("half_pixel_centers", False))
    p = ctx.ident(f"op{op.index}_{what}")
    rows = ctx.const(f"{p}_rows", np.array(sources(h, oh, align, half), dtype=np.int32))
    cols = ctx.const(f"{p}_cols", np.array(sources(w, ow, align, half), dtype=np.int32))
    return n, h, w, c, oh, ow, p, rows, cols


class ResizeNearest:
    """RESIZE_NEAREST_NEIGHBOR NHWC with a constant size; align_corners, half_pixel_centers."""

    opcodes = ("RESIZE_NEAREST_NEIGHBOR",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        return resize_reason(op, graph, RESIZE_DTYPES)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src = graph.tensor(op.inputs[0])
        n, h, w, c, oh, ow, p, rows, cols = resize_tables(op, graph, ctx, "resize_nearest", nearest_sources)
        decl = (
            f"static const st_resize_nearest_params {p} = {{{n}, {h}, {w}, {oh}, {ow}, "
            f"{c * src.itemsize}, {rows}, {cols}}};"
        )
        call = f"st_resize_nearest_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("resize_nearest_s8",), (decl,))


def bilinear_sources(in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> list[int]:
    """LiteRT's integer ResizeBilinear along one axis: per output index, the two input indices
    and the weight (scaled position - 1024 * lower), flat (ComputeInterpolationValues with the
    10-bit scale its caller computes; C's division truncates toward zero)."""
    scale = ((1 << 10) * in_size + out_size // 2) // out_size
    if align_corners and out_size > 1:
        scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    flat = []
    for v in range(out_size):
        scaled = v * scale + scale // 2 - (1 << 9) if half_pixel else v * scale
        lower = max(trunc_div(scaled, 1 << 10), 0)
        upper = min(trunc_div(scaled + (1 << 10) - 1, 1 << 10), in_size - 1)
        flat += [lower, upper, scaled - (1 << 10) * lower]
    return flat


class ResizeBilinear:
    """RESIZE_BILINEAR int8 NHWC with a constant size; align_corners or half_pixel_centers."""

    opcodes = ("RESIZE_BILINEAR",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = resize_reason(op, graph, ("int8",))
        if reason:
            return reason
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if op.options.get("align_corners", False) and op.options.get("half_pixel_centers", False):
            return "align_corners with half_pixel_centers (LiteRT refuses both)"
        if max(*dst.shape, *src.shape) > 32767:
            return "a dimension over 32767"
        if not src.same_params(dst):
            return "output quantized unlike the input (LiteRT interpolates stored values)"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        n, h, w, c, oh, ow, p, rows, cols = resize_tables(op, graph, ctx, "resize_bilinear", bilinear_sources)
        decl = f"static const st_resize_bilinear_params {p} = {{{n}, {h}, {w}, {oh}, {ow}, {c}, {rows}, {cols}}};"
        call = f"st_resize_bilinear_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, ("resize_bilinear_s8",), (decl,))


def _axis(op: Operator, rank: int) -> int | None:
    """The operator's `axis` option resolved against `rank` dimensions, or None out of range."""
    axis = int(op.options.get("axis", 0))
    axis = axis + rank if axis < 0 else axis
    return axis if 0 <= axis < rank else None


class Pack:
    """PACK: N tensors of one shape stacked along a new axis (pack.cc), as CONCATENATION's kernel
    copies them: per index before the axis, each input's block in turn."""

    opcodes = ("PACK",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if not op.inputs or min(op.inputs) < 0 or len(op.outputs) != 1:
            return "needs inputs and one output"
        ins, out = [graph.tensor(i) for i in op.inputs], graph.tensor(op.outputs[0])
        if out.dtype not in COPY_DTYPES:
            return f"{out.dtype} output"
        if int(op.options.get("values_count", len(ins))) != len(ins):
            return f"values_count {op.options.get('values_count')} for {len(ins)} inputs"
        axis = _axis(op, len(ins[0].shape) + 1)
        if axis is None:
            return f"axis {op.options.get('axis', 0)} of a rank-{len(ins[0].shape) + 1} output"
        for k, t in enumerate(ins):
            if (t.dtype, t.shape) != (out.dtype, ins[0].shape):
                return f"input {k} {t.dtype} {list(t.shape)}, input 0 {ins[0].dtype} {list(ins[0].shape)}"
            if not t.same_params(out):
                return f"input {k} quantized unlike the output (LiteRT's pack.cc requires the same)"
        want = [*ins[0].shape[:axis], len(ins), *ins[0].shape[axis:]]
        if list(out.shape) != want:
            return f"output shape {list(out.shape)}, LiteRT computes {want}"
        return _dims_reason(out, *ins)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        ins, out = [graph.tensor(i) for i in op.inputs], graph.tensor(op.outputs[0])
        axis = _axis(op, len(ins[0].shape) + 1)
        assert axis is not None
        block = math.prod(ins[0].shape[axis:]) * out.itemsize
        sizes = np.full(len(ins), block, dtype=np.int32)
        return blocks_call(op, ctx, "pack", math.prod(ins[0].shape[:axis]), sizes)


class Unpack:
    """UNPACK: a tensor cut along one axis into its slices, that axis dropped (unpack.cc): each
    output a strided copy."""

    opcodes = ("UNPACK",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 1 or op.inputs[0] < 0 or not op.outputs:
            return "needs one input and outputs"
        src = graph.tensor(op.inputs[0])
        if src.dtype not in COPY_DTYPES:
            return f"{src.dtype} input"
        axis = _axis(op, len(src.shape))
        if axis is None:
            return f"axis {op.options.get('axis', 0)} of a rank-{len(src.shape)} input"
        if int(op.options.get("num", len(op.outputs))) != len(op.outputs) or src.shape[axis] != len(op.outputs):
            return f"{len(op.outputs)} outputs for an axis of {src.shape[axis]}"
        want = [*src.shape[:axis], *src.shape[axis + 1 :]]
        for t in (graph.tensor(o) for o in op.outputs):
            if t.dtype != src.dtype or list(t.shape) != want:
                return f"output {t.dtype} {list(t.shape)}, LiteRT computes {src.dtype} {want}"
        return _dims_reason(src)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src = graph.tensor(op.inputs[0])
        axis = _axis(op, len(src.shape))
        assert axis is not None
        stride = row_strides(src.shape)
        extents = [*src.shape[:axis], *src.shape[axis + 1 :]]
        steps = [*stride[:axis], *stride[axis + 1 :]]
        shape, steps = merge_loops(extents, steps) if extents else ([1], [0])
        calls = [
            strided_copy(op, ctx, f"unpack{k}", shape, steps, k * stride[axis], src.itemsize, k)
            for k in range(len(op.outputs))
        ]
        return copies_call(calls)


def _gather_operands_reason(op: Operator, graph: Graph) -> str | None:
    """What GATHER and GATHER_ND check first: params, indices and one output of the params' type."""
    if len(op.inputs) != 2 or min(op.inputs) < 0 or len(op.outputs) != 1:
        return "needs params, indices and one output"
    src, out = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
    if src.dtype not in COPY_DTYPES or out.dtype != src.dtype:
        return f"{src.dtype} params, {out.dtype} output"
    return None


def _gathered_reason(
    src: Tensor, idx: Tensor, out: Tensor, want: list[int], limits: np.ndarray, out_of_range: str
) -> str | None:
    """What GATHER and GATHER_ND check last: the output of the shape LiteRT gives it, constant
    indices below `limits` (`out_of_range` says otherwise), the params' quantization kept."""
    if list(out.shape) != want:
        return f"output shape {list(out.shape)}, LiteRT computes {want}"
    if idx.data is not None and np.any((idx.data < 0) | (idx.data >= limits)):
        return out_of_range
    if not src.same_params(out):
        return "output quantized unlike the params"
    return _dims_reason(src, idx, out)


class Gather:
    """GATHER along one axis, batch_dims 0 (gather.cc): the params' slices the indices name, in
    their order. Constant indices are held in range here; computed ones the kernel guards."""

    opcodes = ("GATHER",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _gather_operands_reason(op, graph)
        if reason:
            return reason
        src, idx, out = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        if idx.dtype not in ("int32", "int64"):
            return f"{idx.dtype} indices"
        if int(op.options.get("batch_dims", 0)) != 0:
            return "batch_dims other than 0"
        axis = _axis(op, len(src.shape))
        if axis is None:
            return f"axis {op.options.get('axis', 0)} of a rank-{len(src.shape)} input"
        want = [*src.shape[:axis], *idx.shape, *src.shape[axis + 1 :]]
        return _gathered_reason(
            src, idx, out, want, np.array(src.shape[axis]), f"a constant index outside 0 .. {src.shape[axis] - 1}"
        )

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src, idx = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        axis = _axis(op, len(src.shape))
        assert axis is not None
        block = math.prod(src.shape[axis + 1 :]) * src.itemsize
        p = ctx.ident(f"op{op.index}_gather")
        decl = (
            f"static const st_gather_params {p} = {{{math.prod(src.shape[:axis])}, {src.shape[axis]}, {idx.size}, "
            f"{block}, {int(idx.dtype == 'int64')}}};"
        )
        call = (
            f"st_gather_s8(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])});"
        )
        return KernelCall(call, ("gather_s8",), (decl,))


class GatherNd:
    """GATHER_ND (gather_nd.cc): index rows of k (constant or computed, int32 or int64), each
    naming a slice of the params; a constant index out of range refused, a computed one guarded."""

    opcodes = ("GATHER_ND",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _gather_operands_reason(op, graph)
        if reason:
            return reason
        src, idx, out = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
        if idx.dtype not in ("int32", "int64") or not idx.shape:
            return f"{idx.dtype} indices of shape {list(idx.shape)}"
        k = idx.shape[-1]
        if not 1 <= k <= min(len(src.shape), 8):
            return f"index rows of {k} for a rank-{len(src.shape)} params"
        want = [*idx.shape[:-1], *src.shape[k:]]
        return _gathered_reason(src, idx, out, want, np.array(src.shape[:k]), "a constant index out of range")

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src, idx = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
        k = idx.shape[-1]
        slice_elems = math.prod(src.shape[k:])
        steps = [math.prod(src.shape[j + 1 : k]) for j in range(k)]
        p = ctx.ident(f"op{op.index}_gather_nd")
        decl = (
            f"static const st_gather_nd_params {p} = {{{idx.size // k}, {k}, {{{c_int_list(list(src.shape[:k]))}}}, "
            f"{{{c_int_list(steps)}}}, {slice_elems * src.itemsize}, {int(idx.dtype == 'int64')}}};"
        )
        args = f"{ctx.tensor(op.inputs[0])}, {ctx.tensor(op.inputs[1])}, {ctx.tensor(op.outputs[0])}"
        return KernelCall(f"st_gather_nd(&{p}, {args});", ("gather_nd",), (decl,))


class DynamicUpdateSlice:
    """DYNAMIC_UPDATE_SLICE (up to 6-D): the update written into a copy of the operand at start
    indices read at run time (int32 or int64), clamped as LiteRT clamps them. The output may be
    the operand itself (in place)."""

    opcodes = ("DYNAMIC_UPDATE_SLICE",)

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """The kernel copies nothing where the output is the operand."""
        return True

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 3 or min(op.inputs) < 0 or len(op.outputs) != 1:
            return "needs an operand, an update, start indices and one output"
        src, upd, starts, out = (graph.tensor(t) for t in (*op.inputs, op.outputs[0]))
        if src.dtype not in (*COPY_DTYPES, "bool") or upd.dtype != src.dtype or out.dtype != src.dtype:
            return f"{src.dtype} operand, {upd.dtype} update, {out.dtype} output"
        if starts.dtype not in ("int32", "int64") or starts.shape != (len(src.shape),):
            return f"{starts.dtype} start indices of shape {list(starts.shape)} for a rank-{len(src.shape)} operand"
        if not 1 <= len(src.shape) <= 6 or len(upd.shape) != len(src.shape) or out.shape != src.shape:
            return f"operand {list(src.shape)}, update {list(upd.shape)}, output {list(out.shape)}"
        if any(u > d for u, d in zip(upd.shape, src.shape, strict=True)):
            return "an update larger than the operand"
        return _dims_reason(src, upd, out)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src, upd, starts = (graph.tensor(t) for t in op.inputs)
        p = ctx.ident(f"op{op.index}_dynamic_update_slice")
        decl = (
            f"static const st_dus_params {p} = {{{len(src.shape)}, {{{c_int_list(list(src.shape))}}}, "
            f"{{{c_int_list(list(upd.shape))}}}, {src.itemsize}, {int(starts.dtype == 'int64')}}};"
        )
        args = ", ".join(ctx.tensor(t) for t in (*op.inputs, op.outputs[0]))
        return KernelCall(f"st_dynamic_update_slice(&{p}, {args});", ("dynamic_update_slice",), (decl,))


class EmbeddingLookup:
    """EMBEDDING_LOOKUP where the output is of the value's type (embedding_lookup.cc's EvalSimple):
    GATHER of the value's rows along axis 0, the ids as its indices."""

    opcodes = ("EMBEDDING_LOOKUP",)

    @staticmethod
    def _as_gather(op: Operator) -> Operator:
        return Operator(op.index, "GATHER", tuple(reversed(op.inputs)), op.outputs)

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 2 or min(op.inputs) < 0:
            return "needs ids and a value"
        if graph.tensor(op.inputs[0]).dtype != "int32":
            return f"{graph.tensor(op.inputs[0]).dtype} ids (int32 only, as LiteRT)"
        return Gather().check(self._as_gather(op), graph)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        return Gather().lower(self._as_gather(op), graph, ctx)


class StateCopy:
    """READ_VARIABLE and ASSIGN_VARIABLE, as simtiny.model.variables rewrites them: the value
    copied from a state tensor (which keeps it between invocations) or into one."""

    opcodes = ("READ_VARIABLE", "ASSIGN_VARIABLE")

    def check(self, op: Operator, graph: Graph) -> str | None:
        if len(op.inputs) != 1 or len(op.outputs) != 1:
            return "a resource variable not resolved to state"
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if (src.dtype, src.shape) != (dst.dtype, dst.shape):
            return f"{src.dtype} {list(src.shape)} moved into {dst.dtype} {list(dst.shape)}"
        return _dims_reason(src, dst)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        t = graph.tensor(op.inputs[0])
        return strided_copy(op, ctx, "state", [t.size], [1], 0, t.itemsize)


class Split:
    """SPLIT (equal parts) and SPLIT_V (given sizes, one of them -1 for the rest) along one
    axis: each output a strided copy of its part of the input (split.cc, split_v.cc)."""

    opcodes = ("SPLIT", "SPLIT_V")

    def _parts(self, op: Operator, graph: Graph) -> tuple[int, list[int]] | str:
        """The axis and each output's extent along it, as LiteRT's Prepare computes them."""
        source, axis_at = (1, 0) if op.opcode == "SPLIT" else (0, 2)
        if len(op.inputs) != (2 if op.opcode == "SPLIT" else 3):
            return f"{len(op.inputs)} inputs"
        shape = graph.tensor(op.inputs[source]).shape
        axis_value = _constant_ints(graph, op.inputs[axis_at], "axis", ("int32",))
        if isinstance(axis_value, str):
            return axis_value
        if axis_value.size != 1:
            return "axis of more than one value"
        axis = int(axis_value.reshape(-1)[0])
        axis = axis + len(shape) if axis < 0 else axis
        if not 0 <= axis < len(shape):
            return f"axis {axis} of a rank-{len(shape)} input"
        n = len(op.outputs)
        if op.opcode == "SPLIT":
            if int(op.options.get("num_splits", 0)) != n:
                return f"num_splits {op.options.get('num_splits')} and {n} outputs"
            if shape[axis] % n:
                return f"{shape[axis]} does not split into {n} equal parts"
            return axis, [shape[axis] // n] * n
        sizes = _constant_ints(graph, op.inputs[1], "size_splits")
        if isinstance(sizes, str):
            return sizes
        extents = [int(v) for v in sizes.reshape(-1)]
        if len(extents) != n:
            return f"{len(extents)} sizes for {n} outputs"
        if extents.count(-1) > 1 or any(e < -1 for e in extents):
            return f"size_splits {extents}"
        if -1 in extents:
            extents[extents.index(-1)] = shape[axis] - (sum(extents) + 1)
        if sum(extents) != shape[axis] or any(e < 0 for e in extents):
            return f"size_splits {extents} for an axis of {shape[axis]}"
        return axis, extents

    def check(self, op: Operator, graph: Graph) -> str | None:
        parts = self._parts(op, graph)
        if isinstance(parts, str):
            return parts
        axis, extents = parts
        src = graph.tensor(op.inputs[1 if op.opcode == "SPLIT" else 0])
        if src.dtype not in COPY_DTYPES:
            return f"{src.dtype} input"
        for out, extent in zip(op.outputs, extents, strict=True):
            dst = graph.tensor(out)
            want = [*src.shape[:axis], extent, *src.shape[axis + 1 :]]
            if dst.dtype != src.dtype or list(dst.shape) != want:
                return f"output {dst.dtype} {list(dst.shape)}, LiteRT computes {src.dtype} {want}"
        return _dims_reason(src)

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        parts = self._parts(op, graph)
        assert not isinstance(parts, str)
        axis, extents = parts
        source = 1 if op.opcode == "SPLIT" else 0
        src = graph.tensor(op.inputs[source])
        view = Operator(op.index, op.opcode, (op.inputs[source],), op.outputs)  # the data input first
        stride = row_strides(src.shape)
        calls, first = [], 0
        for k, extent in enumerate(extents):
            shape, steps = merge_loops([*src.shape[:axis], extent, *src.shape[axis + 1 :]], stride)
            calls.append(strided_copy(view, ctx, f"split{k}", shape, steps, first * stride[axis], src.itemsize, k))
            first += extent
        return copies_call(calls)


class Slice:
    """SLICE with constant begin and size (-1: to the end), up to 5 dimensions (LiteRT's limit):
    a strided copy of the box."""

    opcodes = ("SLICE",)

    def _box(self, op: Operator, graph: Graph) -> tuple[list[int], list[int]] | str:
        if len(op.inputs) != 3:
            return f"{len(op.inputs)} inputs"
        shape = graph.tensor(op.inputs[0]).shape
        begin = _constant_ints(graph, op.inputs[1], "begin")
        size = _constant_ints(graph, op.inputs[2], "size")
        for v in (begin, size):
            if isinstance(v, str):
                return v
        assert not isinstance(begin, str) and not isinstance(size, str)
        if begin.shape != (len(shape),) or size.shape != (len(shape),):
            return f"begin and size of shapes {list(begin.shape)} and {list(size.shape)} for a rank-{len(shape)} input"
        sizes = [d - int(b) if int(n) == -1 else int(n) for d, b, n in zip(shape, begin, size, strict=True)]
        if any(b < 0 or n < 0 or b + n > d for d, b, n in zip(shape, begin.tolist(), sizes, strict=True)):
            return f"begin {begin.tolist()} and size {size.tolist()} leave the input {list(shape)}"
        return [int(b) for b in begin], sizes

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        if len(graph.tensor(op.inputs[0]).shape) > 5:
            return "rank above 5 (LiteRT's limit)"
        box = self._box(op, graph)
        if isinstance(box, str):
            return box
        if list(graph.tensor(op.outputs[0]).shape) != box[1]:
            return f"output shape {list(graph.tensor(op.outputs[0]).shape)}, the slice gives {box[1]}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src = graph.tensor(op.inputs[0])
        box = self._box(op, graph)
        assert not isinstance(box, str)
        begin, sizes = box
        strides = row_strides(src.shape)
        start = sum(b * st for b, st in zip(begin, strides, strict=True))
        shape, stride = merge_loops(sizes, strides) if sizes else ([1], [0])
        return strided_copy(op, ctx, "slice", shape, stride, start, src.itemsize)


class DepthSpace:
    """DEPTH_TO_SPACE and SPACE_TO_DEPTH (NHWC, block b): six loops of a strided copy, the
    block's rows and columns between the image's."""

    opcodes = ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH")

    def _loops(self, op: Operator, graph: Graph) -> tuple[list[int], list[int], list[int]] | str:
        """(expected output shape, loop extents, input steps) in output order."""
        src = graph.tensor(op.inputs[0])
        b = int(op.options.get("block_size", 0))
        if len(src.shape) != 4 or b < 1:
            return f"a {len(src.shape)}-D input with block size {b} (needs 4-D, at least 1)"
        n, h, w, c = src.shape
        if op.opcode == "DEPTH_TO_SPACE":
            if c % (b * b):
                return f"{c} channels for a block of {b}x{b}"
            co = c // (b * b)  # out[n, y*b + by, x*b + bx, k] = in[n, y, x, (by*b + bx)*co + k]
            return [n, h * b, w * b, co], [n, h, b, w, b, co], [h * w * c, w * c, b * co, c, co, 1]
        if h % b or w % b:
            return f"a {h}x{w} image for a block of {b}x{b}"
        # out[n, y, x, (by*b + bx)*c + k] = in[n, y*b + by, x*b + bx, k]
        return [n, h // b, w // b, b * b * c], [n, h // b, w // b, b, b, c], [h * w * c, b * w * c, b * c, w * c, c, 1]

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, ("int8", "int32", "float32"))  # LiteRT's kernels: no int16
        if reason:
            return reason
        loops = self._loops(op, graph)
        if isinstance(loops, str):
            return loops
        if list(graph.tensor(op.outputs[0]).shape) != loops[0]:
            return f"output shape {list(graph.tensor(op.outputs[0]).shape)}, expected {loops[0]}"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        loops = self._loops(op, graph)
        assert not isinstance(loops, str)
        shape, stride = merge_loops(loops[1], loops[2])
        return strided_copy(op, ctx, op.opcode.lower(), shape, stride, 0, graph.tensor(op.inputs[0]).itemsize)


class MirrorPad:
    """MIRROR_PAD, REFLECT or SYMMETRIC, with constant paddings, up to 5 dimensions: each
    dimension's output-to-input index table computed here (numpy's reflect and symmetric modes
    are TensorFlow's), the kernel a table-driven copy of the values LiteRT moves."""

    opcodes = ("MIRROR_PAD",)

    def _maps(self, op: Operator, graph: Graph) -> list[np.ndarray] | str:
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        pads = _constant_ints(graph, op.inputs[1] if len(op.inputs) > 1 else -1, "paddings")
        if isinstance(pads, str):
            return pads
        if pads.shape != (len(src.shape), 2) or (pads < 0).any():
            return f"paddings of shape {list(pads.shape)} (or negative) for a rank-{len(src.shape)} input"
        mode = op.options.get("mode", 0)
        reflect = mode in (0, "REFLECT")
        if mode not in (0, 1, "REFLECT", "SYMMETRIC"):
            return f"mode {mode}"
        limit = [d - 1 if reflect else d for d in src.shape]
        if any(max(p) > lim for p, lim in zip(pads.tolist(), limit, strict=True)):
            name = "REFLECT" if reflect else "SYMMETRIC"
            return f"paddings {pads.tolist()} beyond what {name} allows for {list(src.shape)}"
        maps = [
            np.pad(np.arange(d), (int(lo), int(hi)), mode="reflect" if reflect else "symmetric")
            for d, (lo, hi) in zip(src.shape, pads.tolist(), strict=True)
        ]
        if [m.size for m in maps] != list(dst.shape):
            return f"output shape {list(dst.shape)}, the paddings give {[m.size for m in maps]}"
        return maps

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        if not 1 <= len(graph.tensor(op.inputs[0]).shape) <= 5:
            return "rank 0 or above 5"
        maps = self._maps(op, graph)
        return maps if isinstance(maps, str) else None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src = graph.tensor(op.inputs[0])
        maps = self._maps(op, graph)
        assert not isinstance(maps, str)
        offsets = [m * s for m, s in zip(maps, row_strides(src.shape), strict=True)]
        return table_copy(op, ctx, "mirror_pad", offsets, src.itemsize)


class BroadcastTo:
    """BROADCAST_TO with a constant shape (up to 8 dimensions, LiteRT's limit): a strided copy
    whose broadcast dimensions step 0."""

    opcodes = ("BROADCAST_TO",)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        shape = _constant_ints(graph, op.inputs[1] if len(op.inputs) > 1 else -1, "shape")
        if isinstance(shape, str):
            return shape
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        want = [int(v) for v in shape.reshape(-1)]
        if len(want) > 8 or len(src.shape) > len(want):
            return f"shape {want} for a rank-{len(src.shape)} input (at most 8 dimensions)"
        padded = (1,) * (len(want) - len(src.shape)) + tuple(src.shape)
        if any(d not in (1, w) for d, w in zip(padded, want, strict=True)) or list(dst.shape) != want:
            return f"input {list(src.shape)} does not broadcast to {want} (output {list(dst.shape)})"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        padded = [1] * (len(dst.shape) - len(src.shape)) + list(src.shape)
        strides = [0 if d == 1 else s for d, s in zip(padded, row_strides(padded), strict=True)]
        shape, stride = merge_loops(list(dst.shape), strides)
        return strided_copy(op, ctx, "broadcast_to", shape, stride, 0, src.itemsize)


class ReverseV2:
    """REVERSE_V2 along constant, contiguous axes (as LiteRT takes them): a strided copy with
    negative steps from the far end."""

    opcodes = ("REVERSE_V2",)

    def _axes(self, op: Operator, graph: Graph) -> list[int] | str:
        rank = len(graph.tensor(op.inputs[0]).shape)
        axes = _constant_ints(graph, op.inputs[1] if len(op.inputs) > 1 else -1, "axes", ("int32",))
        if isinstance(axes, str):
            return axes
        out = sorted({int(a) + rank if a < 0 else int(a) for a in axes.reshape(-1)})
        if any(not 0 <= a < rank for a in out):
            return f"axes {axes.tolist()} out of range for a rank-{rank} input"
        if out and out[-1] - out[0] != len(out) - 1:
            return f"axes {axes.tolist()} not contiguous (LiteRT's kernel refuses them)"
        return out

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        if graph.tensor(op.inputs[0]).shape != graph.tensor(op.outputs[0]).shape:
            return "input and output shapes differ"
        if len(graph.tensor(op.inputs[0]).shape) > LOOP_MAX_DIMS:
            return f"rank above {LOOP_MAX_DIMS}"
        axes = self._axes(op, graph)
        return axes if isinstance(axes, str) else None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src = graph.tensor(op.inputs[0])
        axes = self._axes(op, graph)
        assert not isinstance(axes, str)
        strides = row_strides(src.shape)
        start = sum((d - 1) * s for a, (d, s) in enumerate(zip(src.shape, strides, strict=True)) if a in axes)
        signed = [-s if a in axes else s for a, s in enumerate(strides)]
        shape, stride = merge_loops(list(src.shape), signed)
        return strided_copy(op, ctx, "reverse", shape, stride, start, src.itemsize)


def _block_args(op: Operator, graph: Graph, what: str) -> tuple[list[int], list[list[int]], tuple[int, ...]] | str:
    """SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND: (block [bh, bw], paddings or crops [[top, bottom],
    [left, right]], the input as 4-D NHWC): a 3-D input [B, W, C] with one block dimension is the
    4-D one with H = 1, as LiteRT extends it."""
    src = graph.tensor(op.inputs[0])
    if len(op.inputs) != 3 or len(src.shape) not in (3, 4):
        return f"{len(op.inputs)} inputs and a {len(src.shape)}-D input (needs 3, and 3-D or 4-D)"
    block = _constant_ints(graph, op.inputs[1], "block shape", ("int32",))
    pads = _constant_ints(graph, op.inputs[2], what, ("int32",))
    if isinstance(block, str) or isinstance(pads, str):
        return block if isinstance(block, str) else str(pads)
    spatial = len(src.shape) - 2
    if block.shape != (spatial,) or pads.shape != (spatial, 2) or (block < 1).any() or (pads < 0).any():
        return f"block shape {block.tolist()} and {what} {pads.tolist()} for a {len(src.shape)}-D input"
    if spatial == 1:
        return [1, int(block[0])], [[0, 0], [int(v) for v in pads[0]]], (src.shape[0], 1, *src.shape[1:])
    return [int(v) for v in block], [[int(v) for v in row] for row in pads.tolist()], tuple(src.shape)


class BatchToSpace:
    """BATCH_TO_SPACE_ND (3-D or 4-D, crops): a separable gather (st_table_copy), each output
    row's and column's input offsets computed here as LiteRT's reference walks them."""

    opcodes = ("BATCH_TO_SPACE_ND",)

    def _tables(self, op: Operator, graph: Graph) -> list[np.ndarray] | str:
        args = _block_args(op, graph, "crops")
        if isinstance(args, str):
            return args
        (bh, bw), ((ct, cb), (cl, cr)), (b, h, w, c) = args
        if b % (bh * bw):
            return f"batch {b} not a multiple of the block's {bh * bw}"
        out_b, out_h, out_w = b // (bh * bw), h * bh - ct - cb, w * bw - cl - cr
        dst = graph.tensor(op.outputs[0])
        want = [out_b, out_w, c] if len(dst.shape) == 3 else [out_b, out_h, out_w, c]
        if out_h < 1 or out_w < 1 or list(dst.shape) != want:
            return f"output shape {list(dst.shape)}, the block and crops give {want}"
        image = h * w * c
        rows = np.array([(y % bh) * bw * out_b * image + (y // bh) * w * c for y in range(ct, ct + out_h)])
        cols = np.array([(x % bw) * out_b * image + (x // bw) * c for x in range(cl, cl + out_w)])
        return [np.arange(out_b) * image, rows, cols, np.arange(c)]

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        tables = self._tables(op, graph)
        return tables if isinstance(tables, str) else None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        tables = self._tables(op, graph)
        assert not isinstance(tables, str)
        return table_copy(op, ctx, "batch_to_space", tables, graph.tensor(op.inputs[0]).itemsize)


class SpaceToBatch:
    """SPACE_TO_BATCH_ND (3-D or 4-D, paddings): the input padded into scratch (with the output
    zero point, as LiteRT pads quantized tensors), then six loops of a strided copy: the block's
    rows and columns outermost, as the output batch index orders them."""

    opcodes = ("SPACE_TO_BATCH_ND",)

    def _plan(self, op: Operator, graph: Graph) -> tuple | str:
        args = _block_args(op, graph, "paddings")
        if isinstance(args, str):
            return args
        (bh, bw), ((pt, pb), (pl, pr)), (b, h, w, c) = args
        hp, wp = h + pt + pb, w + pl + pr
        if hp % bh or wp % bw:
            return f"a padded image of {hp}x{wp} for a block of {bh}x{bw}"
        dst = graph.tensor(op.outputs[0])
        out = [b * bh * bw, hp // bh, wp // bw, c]
        want = [out[0], out[2], c] if len(dst.shape) == 3 else out
        if list(dst.shape) != want:
            return f"output shape {list(dst.shape)}, the block and paddings give {want}"
        return (bh, bw), (pt, pl), (b, h, w, c), (hp, wp)

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = _io_reason(op, graph, COPY_DTYPES)
        if reason:
            return reason
        plan = self._plan(op, graph)
        return plan if isinstance(plan, str) else None

    def scratch_bytes(self, op: Operator, graph: Graph, in_place: bool) -> int:
        """The padded input."""
        plan = self._plan(op, graph)
        if isinstance(plan, str) or self.check(op, graph):
            return 0
        (b, _, _, c), (hp, wp) = plan[2], plan[3]
        return (b * hp * wp * c * graph.tensor(op.inputs[0]).itemsize + 3) // 4 * 4

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        src, dst = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        plan = self._plan(op, graph)
        assert not isinstance(plan, str)
        (bh, bw), (pt, pl), (b, h, w, c), (hp, wp) = plan
        p = ctx.ident(f"op{op.index}_space_to_batch")
        zero = dst.params()[1] if src.quant is not None and src.dtype in ("int8", "int16") else 0
        value = ctx.const(f"{p}_value", np.array([zero], dtype=NUMPY_DTYPES[src.dtype]))
        padded_stride = row_strides([b, hp, wp, c])
        origin = pt * padded_stride[1] + pl * padded_stride[2]
        loops = [bh, bw, b, hp // bh, wp // bw, c]
        steps = [wp * c, c, hp * wp * c, bh * wp * c, bw * c, 1]
        shape, stride = merge_loops(loops, steps)
        decls = (
            f"static const st_pad_params {p}_pad = {{4, {{{c_int_list([b, h, w, c])}}}, "
            f"{{{c_int_list(padded_stride)}}}, {origin}, {b * hp * wp * c}, {src.itemsize}}};",
            f"static const st_strided_copy_params {p}_copy = {{{len(shape)}, {{{c_int_list(shape)}}}, "
            f"{{{c_int_list(stride)}}}, 0, {src.itemsize}}};",
        )
        call = (
            f"st_pad_s8(&{p}_pad, {ctx.tensor(op.inputs[0])}, {value}, {ctx.scratch});\n    "
            f"st_strided_copy_s8(&{p}_copy, {ctx.scratch}, {ctx.tensor(op.outputs[0])});"
        )
        return KernelCall(call, ("pad_s8", "strided_copy_s8"), decls)


LOWERINGS = [
    DynamicUpdateSlice(),
    GatherNd(),
    EmbeddingLookup(),
    BatchToSpace(),
    SpaceToBatch(),
    BroadcastTo(),
    ReverseV2(),
    MirrorPad(),
    Slice(),
    DepthSpace(),
    Concatenation(),
    Pad(),
    Transpose(),
    StridedSlice(),
    ResizeNearest(),
    ResizeBilinear(),
    StateCopy(),
    Split(),
    Pack(),
    Unpack(),
    Gather(),
]
