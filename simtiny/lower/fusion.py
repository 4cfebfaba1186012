"""PAD fused into what reads it: a convolution takes PAD's input with PAD's rows and columns as
its own padding ("EXPLICIT": pad_top, pad_bottom, pad_left, pad_right), and a PAD of nothing
(every padding 0, as TF exports before some 1x1 convolutions) is skipped by every reader; the PAD
computes nothing (its copy never exists). Exact: LiteRT's convolutions skip the taps outside the
image, and a tap inside PAD's border reads the input zero point, whose (x + input_offset) is 0
too."""

from __future__ import annotations

import dataclasses

import numpy as np

from simtiny.model import Graph, Operator

FUSED_CONVS = ("CONV_2D", "DEPTHWISE_CONV_2D")
PAD_LIMIT = 127  # the depthwise kernels hold padding as int8


def _pads(op: Operator, graph: Graph) -> tuple[int, int, int, int] | None:
    """A PAD's (top, bottom, left, right) where it pads only rows and columns of a 4-D int8
    tensor with its zero point, else None."""
    if op.opcode != "PAD" or len(op.inputs) != 2 or len(op.outputs) != 1:
        return None
    x, y, p = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0]), graph.tensor(op.inputs[1])
    if x.dtype != "int8" or len(x.shape) != 4 or p.data is None or tuple(p.data.shape) != (4, 2):
        return None
    if x.quant is None or y.quant is None or (x.scale(), x.zero_point()) != (y.scale(), y.zero_point()):
        return None
    pads = np.asarray(p.data, dtype=np.int64)
    if pads[0].any() or pads[3].any() or pads.min() < 0 or pads.max() > PAD_LIMIT:
        return None
    return int(pads[1][0]), int(pads[1][1]), int(pads[2][0]), int(pads[2][1])


def fuse_pads(graph: Graph) -> Graph:
    """The graph with each PAD that only a convolution reads (as its input, with VALID padding
    and a filter larger than 1x1) fused into it, and each PAD of nothing skipped by its readers
    (neither a graph output); the same graph where there is none. The PAD stays in the operator
    list, with no tensors, so that every operator keeps its index (per-operator figures, the
    reference's intermediates)."""
    consumers = graph.consumers()
    operators = list(graph.operators)
    fused = 0
    for i in range(len(operators)):
        op = operators[i]  # as fused so far: a PAD after a PAD of nothing reads that one's input
        pads = _pads(op, graph)
        out = op.outputs[0] if op.outputs else -1
        readers = consumers.get(out, [])
        if pads is None or not readers or out in graph.outputs:
            continue
        if not any(pads):  # a copy: every reader reads the input instead
            for r in readers:
                reader = operators[r]
                inputs = tuple(op.inputs[0] if t == out else t for t in reader.inputs)
                operators[r] = dataclasses.replace(reader, inputs=inputs)
            operators[i] = dataclasses.replace(op, inputs=(), outputs=(), options={"fused_into": readers[0]})
            fused += 1
            continue
        if len(readers) != 1:
            continue
        conv = operators[readers[0]]
        w = graph.tensor(conv.inputs[1]) if conv.opcode in FUSED_CONVS and len(conv.inputs) > 1 else None
        if w is None or conv.inputs[0] != out or conv.inputs.count(out) != 1 or len(w.shape) != 4:
            continue
        if conv.options.get("padding", "SAME") != "VALID" or tuple(w.shape[1:3]) == (1, 1):
            continue
        top, bottom, left, right = pads
        options = {**conv.options, "padding": "EXPLICIT", "pad_top": top, "pad_bottom": bottom,
                   "pad_left": left, "pad_right": right}  # fmt: skip
        operators[readers[0]] = dataclasses.replace(conv, inputs=(op.inputs[0], *conv.inputs[1:]), options=options)
        operators[i] = dataclasses.replace(op, inputs=(), outputs=(), options={"fused_into": readers[0]})
        fused += 1
    if not fused:
        return graph
    notes = [*graph.notes, f"{fused} PAD operator(s) fused into what reads them: no padded copy made"]
    return dataclasses.replace(graph, operators=operators, notes=notes)
