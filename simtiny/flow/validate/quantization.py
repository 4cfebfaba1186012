"""Rules on quantisation parameters, as LiteRT's loader and Prepare functions hold them: scales
finite (and above zero, except filter scales, which LiteRT takes as they are), zero points in the
type's range, one zero point per scale, per-channel parameters on an existing axis of the right
length, and every integer tensor an operator computes with quantised."""

from __future__ import annotations

import math

from simtiny.flow.validate.rules import InvalidModel, UnsupportedModel, tensor_ref
from simtiny.model import Graph, Tensor

ZERO_POINT_RANGE = {
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int16": (-32768, 32767),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**31), 2**31 - 1),  # LiteRT keeps zero points as int32
}
QUANTIZED_TYPES = ("int8", "uint8", "int16")
# Operators whose integer tensors are not quantised values (shapes, axes, paddings, indices).
INDEX_INPUTS = {
    "RESHAPE": (1,),
    "EXPAND_DIMS": (1,),
    "MEAN": (1,),
    "REDUCE_MAX": (1,),
    "REDUCE_MIN": (1,),
    "ARG_MAX": (1,),
    "ARG_MIN": (1,),
    "GATHER": (1,),
    "PAD": (1,),
    "PADV2": (1,),
    "RESIZE_NEAREST_NEIGHBOR": (1,),
    "RESIZE_BILINEAR": (1,),
    "STRIDED_SLICE": (1, 2, 3),
    "TRANSPOSE": (1,),
    "SPLIT": (0,),
    "SPLIT_V": (1, 2),
}
# no arithmetic on quantised values (copies; FLOOR_DIV and FLOOR_MOD, which LiteRT computes on the
# raw integers): quantisation may be absent
PASS_THROUGH = (
    "RESHAPE",
    "SQUEEZE",
    "EXPAND_DIMS",
    "READ_VARIABLE",
    "ASSIGN_VARIABLE",
    "SPLIT",
    "SPLIT_V",
    "PACK",
    "UNPACK",
    "GATHER",
    "CAST",
    "DYNAMIC_UPDATE_SLICE",
    "FLOOR_DIV",
    "FLOOR_MOD",
)


def check_quantization(graph: Graph, name: str) -> None:
    """Raise InvalidModel for the first tensor whose quantisation LiteRT would refuse or misuse."""
    used = _value_tensors(graph)
    for t in graph.tensors:
        if t.quant is not None:
            _check_parameters(t, name, constant=t.is_constant)
            if t.quant.per_channel and not t.is_constant and t.index in used:
                # TFLite's int8 scheme quantises activations per tensor; kernels read one scale
                raise UnsupportedModel(
                    f"{name}: {tensor_ref(t)} is a computed tensor quantised per channel "
                    f"({len(t.quant.scale)} scales): int8 activations have one scale and zero point"
                )
        elif t.index in used and t.dtype in QUANTIZED_TYPES:
            raise InvalidModel(f"{name}: {tensor_ref(t)} is {t.dtype} without quantization parameters")


def _check_parameters(t: Tensor, name: str, constant: bool) -> None:
    q = t.quant
    assert q is not None
    for s in q.scale:
        if not math.isfinite(s):
            raise InvalidModel(f"{name}: {tensor_ref(t)} has scale {s}: scales must be finite")
        # Filter scales only enter a multiplier: LiteRT takes zero and negative ones (MCUNet has some).
        if s <= 0 and not constant:
            raise InvalidModel(f"{name}: {tensor_ref(t)} has scale {s:g}: scales must be above zero")
    if len(q.zero_point) != len(q.scale):
        raise InvalidModel(
            f"{name}: {tensor_ref(t)} has {len(q.scale)} scales and {len(q.zero_point)} zero points: "
            "LiteRT needs one zero point per scale"
        )
    low, high = ZERO_POINT_RANGE.get(t.dtype, ZERO_POINT_RANGE["int32"])
    for z in q.zero_point:
        if not low <= z <= high:
            raise InvalidModel(f"{name}: {tensor_ref(t)} has zero point {z}, outside {t.dtype}'s [{low}, {high}]")
    if len(q.scale) > 1:
        rank = len(t.shape)
        if not 0 <= q.axis < rank:
            raise InvalidModel(
                f"{name}: {tensor_ref(t)} is quantised per channel on axis {q.axis}, but has {rank} dimensions"
            )
        if t.shape[q.axis] != len(q.scale):
            raise InvalidModel(
                f"{name}: {tensor_ref(t)} has {len(q.scale)} per-channel scales for the {t.shape[q.axis]} "
                f"channels of axis {q.axis}"
            )


def _value_tensors(graph: Graph) -> set[int]:
    """Tensors operators compute with as quantised values (not shape or index operands, not the
    float side of QUANTIZE and DEQUANTIZE, not what RESHAPE-like operators pass through)."""
    used: set[int] = set()
    for op in graph.operators:
        if op.opcode in PASS_THROUGH:
            continue
        skip = INDEX_INPUTS.get(op.opcode, ())
        used.update(t for k, t in enumerate(op.inputs) if t >= 0 and k not in skip)
        used.update(t for t in op.outputs if t >= 0)
    return used
