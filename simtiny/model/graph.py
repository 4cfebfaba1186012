"""The graph simtiny compiles: tensors, operators and their quantization, as plain dataclasses.

simtiny.model.tflite reads a .tflite flatbuffer into these; nothing here knows the file format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

NUMPY_DTYPES = {
    "float32": np.float32,
    "float16": np.float16,
    "float64": np.float64,
    "int8": np.int8,
    "uint8": np.uint8,
    "int16": np.int16,
    "uint16": np.uint16,
    "int32": np.int32,
    "uint32": np.uint32,
    "int64": np.int64,
    "bool": np.bool_,
}


@dataclass(frozen=True)
class Quantization:
    """Affine quantization: real = scale * (q - zero_point), per tensor or per channel on `axis`."""

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1


@dataclass
class Tensor:
    """One tensor of the graph; `data` is set for constants (weights, biases, shapes)."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: Quantization | None = None
    data: np.ndarray | None = field(default=None, repr=False)
    variable: bool = False
    dynamic: bool = False  # the file's shape signature has an unknown dimension: `shape` is a placeholder

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def itemsize(self) -> int:
        return np.dtype(NUMPY_DTYPES[self.dtype]).itemsize if self.dtype in NUMPY_DTYPES else 0

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    def scale(self, channel: int = 0) -> float:
        assert self.quant is not None, f"tensor {self.index} is not quantized"
        return self.quant.scale[channel if self.quant.per_channel else 0]

    def zero_point(self, channel: int = 0) -> int:
        assert self.quant is not None, f"tensor {self.index} is not quantized"
        zps = self.quant.zero_point
        return zps[channel] if len(zps) > 1 else (zps[0] if zps else 0)

    def params(self) -> tuple[float, int]:
        """TfLiteTensor.params as LiteRT sees it: (scale, zero point), (0, 0) when not quantized."""
        return (0.0, 0) if self.quant is None else (float(self.scale()), int(self.zero_point()))

    def same_params(self, other: Tensor) -> bool:
        """Quantized alike as LiteRT's copying kernels compare tensors (or neither quantized)."""
        return (self.quant is None and other.quant is None) or self.params() == other.params()


@dataclass
class Operator:
    """One operator: its builtin name, tensor indices (-1 = omitted optional input), options."""

    index: int
    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)
    version: int = 1
    # tensors that only carry quantisation for the kernel (the integer LSTM's gate scales)
    intermediates: tuple[int, ...] = ()


# the options naming the subgraphs a control-flow operator runs, in the order it runs them
CONTROL_FLOW = {
    "IF": ("then_subgraph_index", "else_subgraph_index"),
    "WHILE": ("cond_subgraph_index", "body_subgraph_index"),
}


@dataclass(frozen=True)
class Subgraph:
    """A subgraph after the first that an IF or WHILE runs: its operators, and its tensors in the
    graph's one tensor list (after subgraph 0's)."""

    index: int  # in the file
    name: str
    tensors: tuple[int, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    operators: tuple[Operator, ...]


@dataclass
class Graph:
    """Subgraph 0 of a model (with the subgraphs its IF and WHILE operators run), plus the bytes
    LiteRT should load (possibly corrected)."""

    path: Path | None
    description: str
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    model_bytes: bytes = field(repr=False, default=b"")
    notes: list[str] = field(default_factory=list)  # normalisations applied, for the report
    # state kept between invocations (simtiny.model.variables): each variable tensor's initial
    # value, and the int32 tensor that says whether the firmware has set them yet
    initial: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    state_flag: int | None = None
    subgraphs: dict[int, Subgraph] = field(default_factory=dict)  # by their index in the file

    @property
    def state(self) -> list[int]:
        """The tensors that keep their value from one invocation to the next, flag first."""
        return ([self.state_flag] if self.state_flag is not None else []) + sorted(self.initial)

    def tensor(self, index: int) -> Tensor:
        return self.tensors[index]

    def branches(self, op: Operator) -> list[Subgraph]:
        """The subgraphs a control-flow operator runs (IF: then, else; WHILE: cond, body)."""
        return [self.subgraphs[int(op.options[key])] for key in CONTROL_FLOW.get(op.opcode, ())]

    def nested(self, op: Operator) -> list[Operator]:
        """Every operator a control-flow operator runs, at any depth (none for the others)."""
        return [inner for sg in self.branches(op) for o in sg.operators for inner in (o, *self.nested(o))]

    def nested_tensors(self, op: Operator) -> set[int]:
        """Every tensor of the subgraphs a control-flow operator runs, at any depth."""
        found = {t for sg in self.branches(op) for t in sg.tensors}
        for inner in self.nested(op):
            found |= {t for sg in self.branches(inner) for t in sg.tensors}
        return found

    def producers(self) -> dict[int, int]:
        """tensor index -> index (position) of the operator that writes it."""
        return {t: i for i, op in enumerate(self.operators) for t in op.outputs}

    def consumers(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i, op in enumerate(self.operators):
            for t in op.inputs:
                if t >= 0:
                    out.setdefault(t, []).append(i)
        return out
