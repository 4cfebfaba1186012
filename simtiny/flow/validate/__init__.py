"""The validate stage: a model is loaded, normalised and checked to be compilable before anything
is built, so that a model simtiny cannot run fails in a second with one line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from simtiny import lower
from simtiny.errors import SimtinyError
from simtiny.model import Graph, load_model
from simtiny.model.normalize import normalize

EDGE_OPS = ("QUANTIZE", "DEQUANTIZE")


class UnsupportedModel(SimtinyError):
    """The model uses operators or types simtiny cannot compile."""


def load_and_check(path: str | Path) -> Graph:
    """Load, normalise and check that every operator can be compiled (one-line errors)."""
    return check(normalize(load_model(path)), Path(path).name)


def check(graph: Graph, name: str) -> Graph:
    compute = [op for op in graph.operators if op.opcode not in EDGE_OPS and op.outputs]
    float_ops = [op for op in compute if graph.tensor(op.outputs[0]).dtype == "float32"]
    if compute and len(float_ops) == len(compute):
        raise UnsupportedModel(
            f"{name}: float32 model: simtiny runs fully int8-quantized models "
            "(convert with full-integer quantization: TFLiteConverter with a representative dataset "
            "and supported_ops TFLITE_BUILTINS_INT8)"
        )
    dynamic = [t.index for t in graph.tensors if any(d < 0 for d in t.shape)]
    if dynamic:
        raise UnsupportedModel(f"{name}: dynamic shapes (tensors {dynamic[:5]}): simtiny needs static shapes")
    missing = lower.unsupported(graph)
    if missing:
        raise UnsupportedModel(f"{name}: unsupported: {', '.join(missing)}")
    if not graph.operators:
        raise UnsupportedModel(f"{name}: the model has no operators")
    return graph


def describe_ops(graph: Graph) -> str:
    counts = Counter(op.opcode for op in graph.operators)
    return ", ".join(f"{name} x{n}" for name, n in counts.most_common())
