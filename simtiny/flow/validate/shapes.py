"""Shapes a converter left as placeholders: a Keras model exported with a dynamic batch computes
a RESHAPE's shape at run time (SHAPE -> GATHER/STRIDED_SLICE -> REDUCE_PROD/PACK/CONCATENATION),
and the file's static shapes downstream of it say [1, 1] where the model runs [16, 15].

simtiny.model.normalize folds such shape computations into constants. Where a RESHAPE's folded
shape then disagrees with the shape its output is declared with, and the file marks that shape a
placeholder (an unknown dimension in its shape signature), every tensor's shape is taken from the
reference (a static shape that disagrees stays an error of the model's, said by the RESHAPE's
check): LiteRT runs the model once on zeros and reports each tensor's shape as it
resized it. Shapes cannot depend on the input's values once the computation is folded (its only
input is the static shape of a tensor); a RESHAPE whose shape still comes from a computed tensor
depends on data and is refused in one line.

TFLite_Detection_PostProcess's outputs take the shapes its Prepare gives them, whatever the file
declares (an SSD export declares []): no run is needed, its options say them.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simtiny.flow.golden import run_golden
from simtiny.flow.validate.rules import UnsupportedModel, operator_ref, tensor_ref
from simtiny.lower.detection import OPCODE as DETECTION
from simtiny.lower.detection import output_shapes
from simtiny.lower.reshape import computed_shape
from simtiny.model import NUMPY_DTYPES, Graph


def resolve_shapes(graph: Graph, name: str) -> Graph:
    """The graph with each placeholder shape replaced by the one LiteRT runs it with; the graph
    itself when no RESHAPE disagrees with its declared output (TFLite_Detection_PostProcess's
    outputs, which LiteRT's Prepare always resizes, set first)."""
    graph = detection_output_shapes(graph)
    stale = False
    for op in graph.operators:
        if op.opcode != "RESHAPE":
            continue
        if len(op.inputs) > 1 and op.inputs[1] >= 0 and not graph.tensor(op.inputs[1]).is_constant:
            raise UnsupportedModel(
                f"{name}: {operator_ref(op)} takes its shape from {tensor_ref(graph.tensor(op.inputs[1]))}, which "
                "depends on the input's values: simtiny compiles shapes fixed before the model runs"
            )
        want, out = computed_shape(op, graph), graph.tensor(op.outputs[0])
        stale = stale or (want is not None and tuple(want) != out.shape and out.dynamic)
    if not stale:
        return graph
    zeros = [np.zeros(graph.tensor(t).shape, dtype=NUMPY_DTYPES[graph.tensor(t).dtype]) for t in graph.inputs]
    resolved = run_golden(graph.model_bytes, zeros, shapes=True).shapes
    tensors = list(graph.tensors)
    changed = 0
    for index, shape in resolved.items():
        if 0 <= index < len(tensors) and not tensors[index].is_constant and tensors[index].shape != shape:
            tensors[index] = replace(tensors[index], shape=shape)
            changed += 1
    note = f"{changed} tensor shape(s) the file left as placeholders (a dynamic batch) taken from LiteRT's run"
    return replace(graph, tensors=tensors, notes=[*graph.notes, note])


def detection_output_shapes(graph: Graph) -> Graph:
    """TFLite_Detection_PostProcess's four outputs with the shapes its Prepare gives them, with
    a note where the file declared others."""
    tensors = list(graph.tensors)
    fixed = 0
    for op in graph.operators:
        if op.opcode != DETECTION or len(op.outputs) != 4 or min(op.outputs) < 0:
            continue
        for t, shape in zip(op.outputs, output_shapes(op), strict=True):
            if tensors[t].shape != shape and not tensors[t].is_constant:
                tensors[t] = replace(tensors[t], shape=shape)
                fixed += 1
    if not fixed:
        return graph
    note = f"{fixed} TFLite_Detection_PostProcess output shape(s) set as LiteRT's Prepare sets them"
    return replace(graph, tensors=tensors, notes=[*graph.notes, note])
