"""Rules on the graph's shape as a program: it has outputs, every operator writes something, and
every tensor is written once, before anything reads it (so operators are in order, without cycles).

LiteRT runs operators in the order the file lists them and does not check these: a model that
breaks them reads memory nothing wrote, and both sides of a comparison read the same zeros.
"""

from __future__ import annotations

from simtiny.flow.validate.rules import InvalidModel, UnsupportedModel, operator_ref, tensor_ref
from simtiny.model import Graph


def check_structure(graph: Graph, name: str) -> None:
    """Raise InvalidModel (or UnsupportedModel) for the first rule the graph breaks."""
    if not graph.outputs:
        raise InvalidModel(f"{name}: the graph lists no outputs: there is nothing to compute or compare")
    if not graph.operators:
        raise UnsupportedModel(f"{name}: the model has no operators")
    graph_inputs = set(graph.inputs)
    for t in graph.inputs:
        if graph.tensor(t).is_constant:
            raise InvalidModel(f"{name}: graph input {tensor_ref(graph.tensor(t))} is a constant")
    writer: dict[int, int] = {}
    for op in graph.operators:
        if not op.outputs:
            raise InvalidModel(f"{name}: {operator_ref(op)} has no outputs")
        for t in op.outputs:
            if t < 0:
                raise InvalidModel(f"{name}: {operator_ref(op)} writes no tensor (output index -1)")
            tensor = graph.tensor(t)
            if t in op.inputs:
                raise InvalidModel(f"{name}: {operator_ref(op)} writes {tensor_ref(tensor)}, which it also reads")
            if tensor.is_constant:
                raise InvalidModel(f"{name}: {operator_ref(op)} writes {tensor_ref(tensor)}, a constant")
            if t in graph_inputs:
                raise InvalidModel(f"{name}: {operator_ref(op)} writes {tensor_ref(tensor)}, a graph input")
            if t in writer:
                first = graph.operators[writer[t]]
                raise InvalidModel(f"{name}: {tensor_ref(tensor)} is written twice: by {operator_ref(first)} and "
                                   f"{operator_ref(op)}")
            writer[t] = op.index
    position = {op.index: k for k, op in enumerate(graph.operators)}
    for k, op in enumerate(graph.operators):
        for t in op.inputs:
            if t < 0 or t in graph_inputs:
                continue
            tensor = graph.tensor(t)
            if tensor.is_constant or tensor.variable:
                continue
            if t not in writer:
                raise InvalidModel(
                    f"{name}: {operator_ref(op)} reads {tensor_ref(tensor)}, which no operator writes "
                    "(and which is neither a graph input nor a constant)"
                )
            if position[writer[t]] >= k:
                later = graph.operators[position[writer[t]]]
                raise InvalidModel(
                    f"{name}: {operator_ref(op)} reads {tensor_ref(tensor)} before {operator_ref(later)} writes it "
                    "(operators out of order, or in a cycle)"
                )
    for t in graph.outputs:
        tensor = graph.tensor(t)
        if tensor.is_constant:
            raise UnsupportedModel(
                f"{name}: graph output {tensor_ref(tensor)} is a constant: simtiny verifies computed outputs"
            )
        if t not in writer:
            what = "a graph input, passed through" if t in graph_inputs else "never written by any operator"
            raise InvalidModel(f"{name}: graph output {tensor_ref(tensor)} is {what}")
