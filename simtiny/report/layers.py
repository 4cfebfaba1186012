"""Per operator what a reader of a report asks first: the tensors it reads and writes (names and
shapes), the model constants it reads (their bytes in flash), and the arena bytes live while it
runs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from simtiny.flow.plan import MemoryPlan
from simtiny.model import Graph
from simtiny.report.memory import timeline

TensorRef = tuple[str, tuple[int, ...]]  # name (from the model file: untrusted text), shape


@dataclass(frozen=True)
class Layer:
    index: int
    opcode: str
    inputs: tuple[TensorRef, ...]  # the activations it reads (constants aside)
    outputs: tuple[TensorRef, ...]
    constant_bytes: int  # the constants it reads, each distinct constant counted at its first reader
    live_bytes: int  # arena bytes live while it runs (buffers that overlap in place counted apart)
    in_place: bool


def layers(graph: Graph, plan: MemoryPlan) -> list[Layer]:
    """One Layer per operator of the graph, in order."""
    points = timeline(graph, plan)
    seen: set[tuple[str, tuple[int, ...], bytes]] = set()
    out = []
    for i, op in enumerate(graph.operators):
        constants = 0
        reads = []
        for t in (graph.tensor(k) for k in op.inputs if k >= 0):
            if t.data is None:
                reads.append((t.name, tuple(t.shape)))
                continue
            key = (t.dtype, tuple(t.shape), hashlib.sha256(t.data.tobytes()).digest())
            if key not in seen:
                seen.add(key)
                constants += t.nbytes
        writes = tuple((graph.tensor(k).name, tuple(graph.tensor(k).shape)) for k in op.outputs if k >= 0)
        out.append(Layer(i, op.opcode, tuple(reads), writes, constants, points[i].live_bytes, points[i].in_place))
    return out


def layers_json(rows: list[Layer]) -> list[dict]:
    return [
        {
            "index": r.index,
            "operator": r.opcode,
            "inputs": [{"name": n, "shape": list(s)} for n, s in r.inputs],
            "outputs": [{"name": n, "shape": list(s)} for n, s in r.outputs],
            "constant_bytes": r.constant_bytes,
            "live_bytes": r.live_bytes,
            "in_place": r.in_place,
        }
        for r in rows
    ]
