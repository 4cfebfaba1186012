"""--debug-layers: when outputs differ, rebuild with every tensor kept in bytes of its own, run
it, and compare each operator's output with LiteRT's to name the first operator that differs
(for a streaming model, at every step of the stream up to the sample that differs)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simtiny.flow.build import CompiledModel
from simtiny.flow.golden import run_golden_batch
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
    step: int = 0  # the sample of a stream (0 for a model without state)


def first_bad_layer(
    unshared: CompiledModel, steps: list[list[np.ndarray]], max_instructions: int, engine: str
) -> tuple[LayerDiff | None, int]:
    """`unshared`: the model compiled with no buffer reuse; `steps`: the samples to run in turn
    (one, unless the model keeps state between invocations: then the stream up to the one that
    differs). The first differing operator, and how many operator outputs were compared."""
    graph = unshared.graph
    wanted = [t for op in graph.operators for t in op.outputs]
    golds = run_golden_batch(graph.model_bytes, steps, preserve_all_tensors=True)
    checked = 0
    state = None
    for step, (inputs, gold) in enumerate(zip(steps, golds, strict=True)):
        run = simulate(
            unshared, inputs, max_instructions, tensors=wanted, memory_model=False, engine=engine, state=state
        )
        state = run.state or None
        for i, op in enumerate(graph.operators):
            for t in op.outputs:
                if t not in gold.intermediates:
                    continue
                checked += 1
                c = compare(0, run.tensors[t], gold.intermediates[t].reshape(run.tensors[t].shape))
                if not c.exact:
                    where = (i, op.opcode, t, c.first_mismatch, c.got, c.want, c.mismatches, c.elements, step)
                    return LayerDiff(*where), checked
    return None, checked
