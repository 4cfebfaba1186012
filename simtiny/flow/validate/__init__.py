"""The validate stage: a model is loaded, checked and normalised before anything is built, so a
model simtiny cannot verify fails in a second, with one line naming the operator or tensor (index
and name) and the rule it breaks, and exit code 2.

Order: the graph's structure (simtiny.flow.validate.structure) before normalisation, which
evaluates operators; then quantisation, each operator's generic rules, and each operator's own
rules with its lowering (simtiny.lower), the way LiteRT's Prepare functions check them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from simtiny import lower
from simtiny.errors import printable
from simtiny.flow.validate.operators import check_operators
from simtiny.flow.validate.quantization import check_quantization
from simtiny.flow.validate.rules import InvalidModel, UnsupportedModel
from simtiny.flow.validate.shapes import resolve_shapes
from simtiny.flow.validate.structure import check_structure
from simtiny.lower.fusion import fuse_pads
from simtiny.model import Graph, load_model
from simtiny.model.normalize import normalize

__all__ = ["EDGE_OPS", "InvalidModel", "UnsupportedModel", "check", "describe_ops", "load_and_check"]

# at a quantized model's edges, float32 by nature: they do not make it a float32 model
EDGE_OPS = ("QUANTIZE", "DEQUANTIZE", "CUSTOM:TFLite_Detection_PostProcess")


def load_and_check(path: str | Path) -> Graph:
    """Load, check and normalise a model (every failure is one line and exit code 2), its
    placeholder shapes resolved (simtiny.flow.validate.shapes), then fuse each PAD that only a
    convolution reads into it (simtiny.lower.fusion)."""
    name = printable(Path(path).name, 120)
    graph = load_model(path)
    check_structure(graph, name)
    return fuse_pads(check(resolve_shapes(normalize(graph), name), name))


def check(graph: Graph, name: str) -> Graph:
    """The rules that hold after normalisation: types, shapes, quantisation, each operator's own."""
    check_structure(graph, name)
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
    check_quantization(graph, name)
    check_operators(graph, name)
    _refuse_uint8(graph, name, compute)
    missing = lower.unsupported(graph)
    if missing:
        raise UnsupportedModel(f"{name}: unsupported: {', '.join(missing)}")
    return graph


def _refuse_uint8(graph: Graph, name: str, compute: list) -> None:
    """A uint8-quantized (TF1-era) model: operators computing on uint8 activations, which
    TF-Lite Micro refuses (its kernels take int8 or int16: measured with the tflite-micro
    package on CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, SOFTMAX,
    CONCATENATION and LOGISTIC); simtiny refuses them likewise, saying how to convert instead."""
    uint8 = Counter(
        op.opcode
        for op in compute
        if any(t >= 0 and graph.tensor(t).dtype == "uint8" for t in (*op.inputs, *op.outputs))
        and lower.unsupported(replace(graph, operators=[op]))
    )
    if uint8:
        ops = ", ".join(f"{opcode} x{n}" for opcode, n in sorted(uint8.items()))
        raise UnsupportedModel(
            f"{name}: uint8-quantized model (TF1-era): {ops} compute on uint8 activations, which "
            "TF-Lite Micro does not run either; convert with full-integer int8 quantization "
            "(TFLiteConverter with a representative dataset and supported_ops TFLITE_BUILTINS_INT8; "
            "inference_input_type tf.uint8 keeps a uint8 input)"
        )


def describe_ops(graph: Graph) -> str:
    counts = Counter(op.opcode for op in graph.operators)
    return ", ".join(f"{name} x{n}" for name, n in counts.most_common())
