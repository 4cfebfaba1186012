"""--debug-layers: when outputs differ, rebuild with every tensor kept in bytes of its own, run
it, and compare each operator's output with LiteRT's to name the first operator that differs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simtiny.flow.build import CompiledModel
from simtiny.flow.golden import run_golden
from simtiny.flow.simulate import simulate
from simtiny.flow.verify import compare


@dataclass(frozen=True)
class LayerDiff:
    """The first operator whose output differs from LiteRT's."""

    op_index: int
    opcode: str
    tensor: int
    flat_index: int
    got: float
    want: float
    mismatches: int
    elements: int


def first_bad_layer(
    unshared: CompiledModel, inputs: list[np.ndarray], max_instructions: int, engine: str
) -> tuple[LayerDiff | None, int]:
    """`unshared`: the model compiled with no buffer reuse. The first differing operator, and
    how many operator outputs were compared."""
    graph = unshared.graph
    wanted = [t for op in graph.operators for t in op.outputs]
    run = simulate(unshared, inputs, max_instructions, tensors=wanted, memory_model=False, engine=engine)
    gold = run_golden(graph.model_bytes, inputs, preserve_all_tensors=True)
    checked = 0
    for i, op in enumerate(graph.operators):
        for t in op.outputs:
            if t not in gold.intermediates:
                continue
            checked += 1
            c = compare(0, run.tensors[t], gold.intermediates[t].reshape(run.tensors[t].shape))
            if not c.exact:
                return LayerDiff(i, op.opcode, t, c.first_mismatch, c.got, c.want, c.mismatches, c.elements), checked
    return None, checked
