"""A classifier's best classes from its output: what a user of an image or keyword model reads
first after a run."""

from __future__ import annotations

import numpy as np

from simtiny.flow.inputs import dequantized
from simtiny.model import Graph, Tensor

SCORE_TYPES = ("int8", "uint8", "int16", "float32")
PROBABILITIES = {"SOFTMAX", "LOG_SOFTMAX", "LOGISTIC"}
PASS_THROUGH = {"RESHAPE", "QUANTIZE", "DEQUANTIZE", "SQUEEZE"}
MAX_LOGITS = 1001  # ImageNet's classes and a background class


def is_classifier(graph: Graph) -> bool:
    """One output of N >= 2 scores (shape [N] or [1, N], quantized or float) that a softmax (or
    logistic) makes, or a fully connected layer's logits when they are not as many as the input's
    values (an autoencoder's reconstruction is not a classification)."""
    if len(graph.outputs) != 1:
        return False
    t = graph.tensor(graph.outputs[0])
    shape = t.shape[1:] if len(t.shape) == 2 and t.shape[0] == 1 else t.shape
    if len(shape) != 1 or shape[0] < 2 or t.dtype not in SCORE_TYPES:
        return False
    producers = {o: op for op in graph.operators for o in op.outputs}
    op = producers.get(graph.outputs[0])
    while op is not None and op.opcode in PASS_THROUGH:
        op = producers.get(op.inputs[0])
    if op is None:
        return False
    if op.opcode in PROBABILITIES:
        return True
    inputs = sum(int(np.prod(graph.tensor(i).shape)) for i in graph.inputs)
    return op.opcode == "FULLY_CONNECTED" and shape[0] <= MAX_LOGITS and shape[0] != inputs


def top_classes(graph: Graph, outputs: list[np.ndarray], k: int = 3) -> list[tuple[int, float]] | None:
    """The k best (class, score) of a classifier's output, best first (ties: the lower class
    first); scores dequantized with the output's parameters. None for any other model."""
    if not is_classifier(graph) or not outputs:
        return None
    return ranked(graph.tensor(graph.outputs[0]), outputs[0], k)


def ranked(tensor: Tensor, output: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (class, dequantized score) of one output of scores, best first, ties by class."""
    raw = np.asarray(output).reshape(-1)
    scores = dequantized(tensor, raw)
    order = np.argsort(-raw.astype(np.float64), kind="stable")[:k]
    return [(int(c), float(scores[c])) for c in order]
