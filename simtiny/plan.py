"""Memory plan: tensor lifetimes -> offsets in one static arena (greedy first-fit by size).

Constants stay in flash; every other tensor, and each operator's scratch buffer, gets an
offset in the arena. Two buffers may share bytes only if their lifetimes (operator index
ranges) do not overlap. Views (RESHAPE) share their source's buffer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simtiny import ops
from simtiny.model import Graph

ALIGN = 16


@dataclass(frozen=True)
class Buffer:
    """One arena allocation: a tensor (key >= 0) or the scratch of operator -key-1."""

    key: int
    size: int
    first: int  # index of the operator that writes it first (-1: a graph input)
    last: int  # index of the operator that reads it last (len(ops): a graph output)
    offset: int = 0

    @property
    def is_scratch(self) -> bool:
        return self.key < 0

    def overlaps(self, other: Buffer) -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass
class MemoryPlan:
    arena_size: int
    offsets: dict[int, int]  # tensor index -> arena offset (views included)
    scratch: dict[int, int]  # operator index -> arena offset of its scratch buffer
    buffers: list[Buffer] = field(default_factory=list)
    alias_of: dict[int, int] = field(default_factory=dict)  # view tensor -> tensor owning the bytes

    def peak_at(self, op_index: int) -> int:
        """Bytes of the arena live while operator `op_index` runs."""
        return sum(b.size for b in self.buffers if b.first <= op_index <= b.last)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def lifetimes(graph: Graph) -> tuple[list[Buffer], dict[int, int]]:
    """Buffers with their lifetimes (before placement) and the view -> owner map."""
    n_ops = len(graph.operators)
    alias_of: dict[int, int] = {}
    for op in graph.operators:
        if ops.aliases_input(op):
            src = op.inputs[0]
            alias_of[op.outputs[0]] = alias_of.get(src, src)
    first: dict[int, int] = {}
    last: dict[int, int] = {}

    def touch(t: int, i: int) -> None:
        if t < 0 or graph.tensor(t).is_constant:
            return
        owner = alias_of.get(t, t)
        first[owner] = min(first.get(owner, i), i)
        last[owner] = max(last.get(owner, i), i)

    for t in graph.inputs:
        touch(t, -1)
    for i, op in enumerate(graph.operators):
        for t in (*op.inputs, *op.outputs):
            touch(t, i)
    for t in graph.outputs:
        touch(t, n_ops)
    buffers = [Buffer(t, _align(graph.tensor(t).nbytes), first[t], last[t]) for t in sorted(first)]
    for i, op in enumerate(graph.operators):
        size = ops.scratch_bytes(op, graph)
        if size:
            buffers.append(Buffer(-i - 1, _align(size), i, i))
    return buffers, alias_of


def plan_memory(graph: Graph, reuse: bool = True) -> MemoryPlan:
    """Place every buffer; with reuse=False every buffer gets bytes of its own (debugging)."""
    pending, alias_of = lifetimes(graph)
    placed: list[Buffer] = []
    top = 0
    for buf in sorted(pending, key=lambda b: (-b.size, b.first, b.key)):
        if not reuse:
            placed.append(Buffer(buf.key, buf.size, buf.first, buf.last, top))
            top += buf.size
            continue
        offset = 0
        for other in sorted((b for b in placed if b.overlaps(buf)), key=lambda b: b.offset):
            if offset + buf.size <= other.offset:
                break
            offset = max(offset, other.offset + other.size)
        placed.append(Buffer(buf.key, buf.size, buf.first, buf.last, offset))
        top = max(top, offset + buf.size)
    offsets = {b.key: b.offset for b in placed if not b.is_scratch}
    for view, owner in alias_of.items():
        if owner in offsets:
            offsets[view] = offsets[owner]
    scratch = {-b.key - 1: b.offset for b in placed if b.is_scratch}
    return MemoryPlan(_align(top), offsets, scratch, sorted(placed, key=lambda b: b.offset), alias_of)
