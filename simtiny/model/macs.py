"""Multiply-accumulates per operator, from the shapes (as the survey counts them: convolutions,
depthwise convolutions and fully connected layers, and the matrix products of TRANSPOSE_CONV,
BATCH_MATMUL and LSTM; everything else counts zero)."""

from __future__ import annotations

import numpy as np

from simtiny.model.graph import Graph, Operator


def op_macs(op: Operator, graph: Graph) -> int:
    if op.opcode == "CONV_2D":
        w = graph.tensor(op.inputs[1]).shape  # OHWI
        out = graph.tensor(op.outputs[0])
        return out.size * w[1] * w[2] * w[3]
    if op.opcode == "DEPTHWISE_CONV_2D":
        w = graph.tensor(op.inputs[1]).shape  # 1HWC
        out = graph.tensor(op.outputs[0])
        return out.size * w[1] * w[2]
    if op.opcode == "FULLY_CONNECTED":
        w = graph.tensor(op.inputs[1]).shape  # (units, depth)
        x = graph.tensor(op.inputs[0])
        return (x.size // w[-1]) * int(np.prod(w))
    if op.opcode == "TRANSPOSE_CONV":  # every input value through the whole filter (OHWI)
        w = graph.tensor(op.inputs[1]).shape
        return graph.tensor(op.inputs[2]).size * w[0] * w[1] * w[2]
    if op.opcode == "BATCH_MATMUL":  # every output value over the inner dimension
        lhs = graph.tensor(op.inputs[0]).shape
        depth = lhs[-2] if op.options.get("adj_x") else lhs[-1]
        return graph.tensor(op.outputs[0]).size * depth
    if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM":  # per step and batch row: the gates' matrices, projection
        x = graph.tensor(op.inputs[0])
        matrices = [1, 2, 3, 4, 5, 6, 7, 8, 16]
        per_row = sum(graph.tensor(op.inputs[k]).size for k in matrices if k < len(op.inputs) and op.inputs[k] >= 0)
        return (x.size // x.shape[-1]) * per_row
    return 0


def graph_macs(graph: Graph) -> list[int]:
    return [op_macs(op, graph) for op in graph.operators]
