"""Normalise what real converters emit into the graph simtiny compiles.

- Per-channel quantization whose `quantized_dimension` is out of range for the tensor's rank
  (person_detect.tflite: rank-1 bias tensors with quantized_dimension 3, which the
  microcontroller runtime accepts and desktop LiteRT refuses) is corrected, in the graph and in
  the model bytes handed to LiteRT.
- Shape computations (SHAPE, STRIDED_SLICE, PACK, GATHER, REDUCE_PROD, CONCATENATION, CAST,
  BROADCAST_ARGS on constants) are evaluated once, here, when every shape is static; their results become
  constants (typically the shape input of a RESHAPE) and the operators disappear. So do views
  (RESHAPE, SQUEEZE, EXPAND_DIMS) of constants: a view is the same bytes, and the code generator
  emits none, so a view of a constant left in the graph would read memory nothing wrote.
"""

from __future__ import annotations

import numpy as np
import tflite

from simtiny.model.graph import NUMPY_DTYPES, Graph, Operator
from simtiny.model.tflite import patch_int32

FOLDABLE = (
    "SHAPE",
    "STRIDED_SLICE",
    "PACK",
    "GATHER",
    "REDUCE_PROD",
    "CONCATENATION",
    "CAST",
    "BROADCAST_ARGS",
    "RESHAPE",
    "SQUEEZE",
    "EXPAND_DIMS",
)
VIEWS = ("RESHAPE", "SQUEEZE", "EXPAND_DIMS")  # the same bytes: a view of a constant is a constant
QUANTIZED_DIMENSION_FIELD = 16  # vtable offset of QuantizationParameters.quantized_dimension


def normalize(graph: Graph) -> Graph:
    """Apply every normalisation in place and return the graph (with notes of what changed)."""
    _fix_quantized_dimension(graph)
    _fold_constants(graph)
    return graph


def _fix_quantized_dimension(graph: Graph) -> None:
    fixed = []
    nested = {t for sg in graph.subgraphs.values() for t in sg.tensors}  # patched below in subgraph 0 only
    for t in graph.tensors:
        q = t.quant
        if t.index in nested:
            continue
        if q is None or not q.per_channel or q.axis < max(len(t.shape), 1):
            continue
        if len(t.shape) == 1 and t.shape[0] == len(q.scale):
            t.quant = type(q)(q.scale, q.zero_point, 0)
            fixed.append(t.index)
    if not fixed:
        return
    data = bytearray(graph.model_bytes)
    model = tflite.Model.GetRootAsModel(data, 0)
    sg = model.Subgraphs(0)
    for index in fixed:
        qp = sg.Tensors(index).Quantization()
        offset = qp._tab.Offset(QUANTIZED_DIMENSION_FIELD)
        if offset:
            patch_int32(data, qp._tab.Pos + offset, 0)
    graph.model_bytes = bytes(data)
    graph.notes.append(
        f"quantized_dimension of {len(fixed)} rank-1 per-channel tensors corrected to 0 "
        "(out of range in the file)"
    )


def _fold_constants(graph: Graph) -> None:
    kept: list[Operator] = []
    folded = 0
    for op in graph.operators:
        value = _try_evaluate(op, graph) if op.opcode in FOLDABLE and len(op.outputs) == 1 else None
        out = graph.tensor(op.outputs[0]) if value is not None else None
        if value is None or out is None or out.dtype not in NUMPY_DTYPES or value.size != out.size:
            kept.append(op)
            continue
        out.data = value.astype(NUMPY_DTYPES[out.dtype]).reshape(out.shape)
        folded += 1
    if folded:
        for i, op in enumerate(kept):
            op.index = i
        graph.operators = kept
        graph.notes.append(f"{folded} operators on constants (shape computations, views) folded into constants")


def _const(graph: Graph, index: int) -> np.ndarray | None:
    if index < 0:
        return None
    return graph.tensor(index).data


def _try_evaluate(op: Operator, graph: Graph) -> np.ndarray | None:
    """The operator's value, or None when its inputs do not make sense together (the operator
    then stays, and the validate stage says what is wrong with it)."""
    try:
        return _evaluate(op, graph)
    except (ValueError, IndexError, TypeError, OverflowError):
        return None


def _evaluate(op: Operator, graph: Graph) -> np.ndarray | None:
    """The operator's output if it can be computed now (all inputs known), else None."""
    if op.opcode == "SHAPE":
        shape = graph.tensor(op.inputs[0]).shape
        return None if any(d < 0 for d in shape) else np.array(shape, dtype=np.int64)
    values = [_const(graph, i) for i in op.inputs]
    if any(v is None for v in values):
        return None
    opt = op.options
    if op.opcode in VIEWS:  # the output's own shape is applied by the caller (sizes checked there)
        return values[0]
    out = graph.tensor(op.outputs[0])
    if op.opcode in ("CONCATENATION", "PACK") and not all(graph.tensor(t).same_params(out) for t in op.inputs):
        return None  # LiteRT rescales inputs of another scale or zero point: the kernel does that
    if op.opcode == "CAST":
        return _cast(values[0], graph.tensor(op.outputs[0]).dtype)
    if op.opcode == "PACK":
        return np.stack(values, axis=opt.get("axis", 0))
    if op.opcode == "CONCATENATION":
        if opt.get("fused_activation_function", "NONE") != "NONE":
            return None
        return np.concatenate(values, axis=opt.get("axis", 0))
    if op.opcode == "GATHER":
        return np.take(values[0], values[1], axis=opt.get("axis", 0))
    if op.opcode == "BROADCAST_ARGS":  # shapes that do not broadcast raise ValueError: not folded
        if min(values[0].min(initial=0), values[1].min(initial=0)) < 0:
            return None
        return np.array(np.broadcast_shapes(tuple(values[0].tolist()), tuple(values[1].tolist())))
    if op.opcode == "REDUCE_PROD":
        axes = tuple(int(a) for a in np.atleast_1d(values[1]))
        return np.prod(values[0], axis=axes, keepdims=bool(opt.get("keep_dims", False)))
    if op.opcode == "STRIDED_SLICE" and values[0].ndim == 1:
        return _slice_1d(values[0], values[1], values[2], values[3], opt)
    return None


def _cast(x: np.ndarray, dtype: str) -> np.ndarray | None:
    """CAST as LiteRT 2.3 does it (simtiny.lower.cast): integers wrap (numpy's astype does the
    same), floats truncate and saturate, NaN to the top; a float to another type is left alone."""
    if x.dtype.kind != "f" or dtype in ("float32", "bool"):
        return x
    if dtype not in ("int8", "uint8", "int16", "int32"):
        return None
    info = np.iinfo(NUMPY_DTYPES[dtype])
    wide = x.astype(np.float64)
    return np.where(np.isnan(wide), info.max, np.clip(np.trunc(wide), info.min, info.max))


def _slice_1d(
    x: np.ndarray, begin: np.ndarray, end: np.ndarray, strides: np.ndarray, opt: dict
) -> np.ndarray | None:
    """STRIDED_SLICE of a vector (what shape computations use)."""
    if opt.get("ellipsis_mask", 0) or opt.get("new_axis_mask", 0) or int(strides[0]) == 0:
        return None
    b = None if opt.get("begin_mask", 0) & 1 else int(begin[0])
    e = None if opt.get("end_mask", 0) & 1 else int(end[0])
    if opt.get("offset", False) and e is not None and b is not None:
        e = b + e
    if opt.get("shrink_axis_mask", 0) & 1:
        return np.asarray(x[int(begin[0])])
    return x[slice(b, e, int(strides[0]))]
