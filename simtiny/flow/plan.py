"""Memory plan: tensor lifetimes -> offsets in one static arena.

Constants stay in flash. Every other tensor, and each operator's scratch buffer, gets an
offset in the arena; two buffers may share bytes only if their lifetimes (operator index
ranges) do not overlap. Two kinds of sharing make buffers groups of tensors:
- views (RESHAPE, SQUEEZE): the output is the input's bytes;
- in-place operators: when an operator's kernel can write its output over input 0 (the lowering
  says so) and input 0 dies at that operator, the output takes input 0's offset;
- overlapping operators: a kernel that writes its output pixel by pixel in order while its reads
  of input 0 only move forward (a convolution) can write over the input bytes it has done
  with; the lowering gives the gap by which the output must start before input 0 so that no
  write lands on a byte still to be read, and where input 0 dies there, the output goes that
  far before it, sharing the rest.
A group is placed as a whole (one offset, each member at its own distance from it) but
occupies, at each moment, only what its members alive then need: a chain of in-place
operators takes the expanded tensor's bytes only while that tensor lives. Groups are placed by
first fit, trying several orders (by size, by start, by length of life, by area) and keeping
the smallest arena.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from simtiny import lower
from simtiny.errors import InputError
from simtiny.model import Graph

ALIGN = 16


Segment = tuple[int, int, int]  # (size, first, last): bytes needed over an operator range
Part = tuple[int, int, int, int]  # (size, first, last, at): a segment `at` bytes into its buffer


@dataclass(frozen=True)
class Buffer:
    """One arena allocation: a group of tensors (key = its owner, >= 0) or the scratch of
    operator -key-1; `segments` say how many bytes it needs when."""

    key: int
    size: int  # the most it ever needs
    first: int  # index of the operator that writes it first (-1: a graph input)
    last: int  # index of the operator that reads it last (len(ops): a graph output)
    offset: int = 0
    segments: tuple[Segment, ...] = ()
    at: tuple[int, ...] = ()  # each segment's distance from the buffer's offset (default 0)

    @property
    def is_scratch(self) -> bool:
        return self.key < 0

    def parts(self) -> tuple[Part, ...]:
        if not self.segments:
            return ((self.size, self.first, self.last, 0),)
        at = self.at or (0,) * len(self.segments)
        return tuple((size, lo, hi, a) for (size, lo, hi), a in zip(self.segments, at, strict=True))

    def size_at(self, op_index: int) -> int:
        """Bytes of the buffer in use while operator `op_index` runs (from its first live byte to
        its last)."""
        live = [(a, a + size) for size, lo, hi, a in self.parts() if lo <= op_index <= hi]
        return max(end for _, end in live) - min(start for start, _ in live) if live else 0

    def overlaps(self, other: Buffer) -> bool:
        return self.first <= other.last and other.first <= self.last

    def clashes(self, offset: int, other: Buffer) -> bool:
        """Would this buffer at `offset` share a byte with `other` at a moment both are live?"""
        for size, lo, hi, a in self.parts():
            for osize, olo, ohi, oa in other.parts():
                start, ostart = offset + a, other.offset + oa
                if lo <= ohi and olo <= hi and start < ostart + osize and ostart < start + size:
                    return True
        return False


@dataclass
class MemoryPlan:
    arena_size: int
    offsets: dict[int, int]  # tensor index -> arena offset (views and in-place outputs included)
    scratch: dict[int, int]  # operator index -> arena offset of its scratch buffer
    buffers: list[Buffer] = field(default_factory=list)
    alias_of: dict[int, int] = field(default_factory=dict)  # tensor -> tensor owning its bytes
    in_place: set[int] = field(default_factory=set)  # operators that write over their input 0
    strategy: str = ""  # the placement order that won
    lean: set[int] = field(default_factory=set)  # operators run by their least-scratch kernel
    overlapped: dict[int, int] = field(default_factory=dict)  # operator -> its output's gap (bytes)
    levels: dict[int, int] = field(default_factory=dict)  # operator -> its kernel level, where not 0

    def live_at(self, op_index: int) -> list[Buffer]:
        return [b for b in self.buffers if b.size_at(op_index)]

    def peak_at(self, op_index: int) -> int:
        """Bytes of the arena live while operator `op_index` runs."""
        return sum(b.size_at(op_index) for b in self.buffers)


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _uses(graph: Graph) -> tuple[dict[int, int], dict[int, int]]:
    """First write and last read of every non-constant tensor (graph inputs: -1, outputs: n;
    state, which outlives each invocation: both)."""
    n_ops = len(graph.operators)
    first: dict[int, int] = {}
    last: dict[int, int] = {}

    def touch(t: int, i: int) -> None:
        if t < 0 or graph.tensor(t).is_constant:
            return
        first[t] = min(first.get(t, i), i)
        last[t] = max(last.get(t, i), i)

    for t in graph.inputs:
        touch(t, -1)
    for i, op in enumerate(graph.operators):
        for t in (*op.inputs, *op.outputs):
            touch(t, i)
        for t in graph.nested_tensors(op):  # an IF's or WHILE's subgraphs: all live while it runs
            touch(t, i)
    for t in graph.outputs:
        touch(t, n_ops)
    for t in graph.state:
        touch(t, -1)
        touch(t, n_ops)
    return first, last


@dataclass
class Groups:
    """Which tensors share bytes: each tensor's owner, its distance in bytes from its group's
    start, the operators that run in place and those whose output overlaps input 0 (gap)."""

    owner: dict[int, int]
    at: dict[int, int]
    in_place: set[int]
    overlapped: dict[int, int]


def groups(graph: Graph, in_place: bool = True) -> Groups:
    """Views, in-place operators and overlapping operators joined into groups."""
    first, last = _uses(graph)
    owner: dict[int, int] = {t: t for t in first}
    at: dict[int, int] = {t: 0 for t in first}
    end: dict[int, int] = dict(last)  # group owner -> the last read of any of its members
    running_in_place: set[int] = set()
    overlapped: dict[int, int] = {}

    def join(t: int, root: int, distance: int) -> None:
        owner[t] = root
        at[t] = distance
        end[root] = max(end[root], end.pop(t, last[t]))

    for inner in (o for op in graph.operators for o in graph.nested(op)):
        # views inside an IF's or WHILE's subgraphs share their input's bytes; nothing there
        # runs in place (every tensor there is live while the IF or WHILE runs)
        src = inner.inputs[0] if inner.inputs else -1
        if inner.outputs and inner.outputs[0] in owner and src in owner and lower.aliases_input(inner):
            join(inner.outputs[0], owner[src], at[src])
    for i, op in enumerate(graph.operators):
        if not op.outputs or op.outputs[0] not in owner:
            continue
        out = op.outputs[0]
        src = op.inputs[0] if op.inputs else -1
        if src < 0 or src not in owner:
            continue
        root = owner[src]
        if lower.aliases_input(op):
            join(out, root, at[src])
            continue
        if not in_place:
            continue
        dies_here = end[root] == i
        others = {owner[t] for t in op.inputs[1:] if t in owner}
        if not dies_here or root in others or graph.tensor(out).dtype != graph.tensor(src).dtype:
            continue
        if lower.can_run_in_place(op, graph):
            join(out, root, at[src])
            running_in_place.add(i)
            continue
        gap = lower.overlap_gap(op, graph)
        if gap is not None and _align(gap) < _align(graph.tensor(out).nbytes):
            join(out, root, at[src] - _align(gap))
            overlapped[i] = _align(gap)
    low: dict[int, int] = {}  # every group starts at distance 0
    for t, root in owner.items():
        low[root] = min(low.get(root, at[t]), at[t])
    return Groups(owner, {t: at[t] - low[root] for t, root in owner.items()}, running_in_place, overlapped)


def lifetimes(
    graph: Graph, in_place: bool = True, scratch: dict[int, int] | None = None
) -> tuple[list[Buffer], dict[int, int], Groups]:
    """Buffers (groups and scratch) with their lifetimes, before placement; scratch: bytes per
    operator (default: what each operator's kernel asks for)."""
    first, last = _uses(graph)
    joined = groups(graph, in_place)
    if scratch is None:
        scratch = scratch_sizes(graph, joined.in_place)
    scratch = {**scratch, **nested_scratch(graph)}
    members: dict[int, list[tuple[Segment, int]]] = {}
    for t, root in joined.owner.items():
        members.setdefault(root, []).append(((_align(graph.tensor(t).nbytes), first[t], last[t]), joined.at[t]))
    buffers = []
    for root, parts in sorted(members.items()):
        parts.sort(key=lambda p: (p[0][1], p[0][2], p[1]))
        buffers.append(
            Buffer(
                root,
                max(size + a for (size, _, _), a in parts),
                min(lo for (_, lo, _), _ in parts),
                max(hi for (_, _, hi), _ in parts),
                0,
                tuple(seg for seg, _ in parts),
                tuple(a for _, a in parts) if any(a for _, a in parts) else (),
            )
        )
    spans = nested_spans(graph)
    for i, size in scratch.items():
        if size:
            lo, hi = spans.get(i, (i, i))
            buffers.append(Buffer(-i - 1, _align(size), lo, hi))
    alias_of = {t: root for t, root in joined.owner.items() if t != root}
    return buffers, alias_of, joined


ORDERS: dict[str, Callable[[Buffer], tuple]] = {
    "size": lambda b: (-b.size, b.first, b.key),
    "start": lambda b: (b.first, -b.size, b.key),
    "lifetime": lambda b: (-(b.last - b.first), -b.size, b.key),
    "area": lambda b: (-(b.size * (b.last - b.first + 1)), b.key),
}


BUCKET_OPS = 16  # operators per time bucket of the placement's index


class _Placed:
    """The segments placed so far, indexed by time so that a buffer meets only those live when
    it is: placing n buffers then takes time about linear in n, not quadratic."""

    def __init__(self) -> None:
        self.buckets: dict[int, list[tuple[int, int, int, int, int]]] = {}

    @staticmethod
    def _bucket(op_index: int) -> int:
        return (op_index + 1) // BUCKET_OPS  # graph inputs are live from -1

    def add(self, buf: Buffer) -> None:
        for size, lo, hi, a in buf.parts():
            first = self._bucket(lo)
            for k in range(first, self._bucket(hi) + 1):
                self.buckets.setdefault(k, []).append((first, lo, hi, buf.offset + a, buf.offset + a + size))

    def occupied(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Byte ranges [start, end) of the placed segments live at some moment of [lo, hi]."""
        b0 = self._bucket(lo)
        found = []
        for k in range(b0, self._bucket(hi) + 1):
            for first, slo, shi, start, end in self.buckets.get(k, ()):
                if max(first, b0) == k and slo <= hi and lo <= shi:  # each segment once
                    found.append((start, end))
        return found


def _first_fit(buffers: list[Buffer], order: Callable[[Buffer], tuple]) -> list[Buffer]:
    """Lowest offset at which each buffer, in turn, clashes with nothing placed before it.

    The lowest such offset is 0 or one that puts one of the buffer's segments just past a placed
    segment live at the same moment, so only those are tried."""
    placed: list[Buffer] = []
    index = _Placed()
    for buf in sorted(buffers, key=order):
        taken = [(size, a, start, end) for size, lo, hi, a in buf.parts() for start, end in index.occupied(lo, hi)]
        candidates = sorted({0} | {end - a for _, a, _, end in taken if end >= a})
        offset = next(
            c for c in candidates if not any(c + a < end and start < c + a + size for size, a, start, end in taken)
        )
        placed.append(Buffer(buf.key, buf.size, buf.first, buf.last, offset, buf.segments, buf.at))
        index.add(placed[-1])
    return placed


OPTIMIZATIONS = ("ram", "time")  # what the planner favours (plan_for); "ram" is the default
STACK_RESERVE = 16 * 1024  # "time": SRAM left beside the arena for the stack and the runtime's statics


def plan_for(graph: Graph, sram_budget: int, optimization: str = "ram", tcm_bytes: int | None = None) -> MemoryPlan:
    """The plan an optimisation goal asks for: "ram", the smallest arena (speed never costs peak
    SRAM); "time", the fastest kernels whose arena stays within the board's SRAM budget less
    STACK_RESERVE (never smaller than the "ram" arena) and, where the "ram" arena fits the board's
    zero-wait arena TCM (tcm_bytes: Platform.arena_tcm_bytes), within that too: a faster kernel
    that pushes the arena out of the TCM costs every operator its cache misses, which the
    kernels' estimates do not see (mbv2-w0.3 r64 on the STM32H743: 3% slower). The build's
    measured figures give the final word on what fits."""
    if optimization not in OPTIMIZATIONS:
        raise InputError(f"optimization must be one of {', '.join(OPTIMIZATIONS)}, not {optimization!r}")
    if optimization == "ram":
        return plan_memory(graph)
    limit = max(sram_budget - STACK_RESERVE, 0)
    if tcm_bytes is not None and tcm_bytes < limit and plan_memory(graph).arena_size <= tcm_bytes:
        limit = tcm_bytes
    return plan_memory(graph, arena_limit=limit)


def plan_memory(graph: Graph, reuse: bool = True, arena_limit: int | None = None) -> MemoryPlan:
    """Place every buffer; with reuse=False every tensor gets bytes of its own (debugging).

    Some operators have faster kernels that need more scratch than their leanest one (the
    padded depthwise plane or bands, the small depthwise kernels' image copy, the convolution's
    columns): levels, fastest first (simtiny.lower.scratch_levels). The arena is first planned
    with every operator at its last (leanest) level, then with the fastest kernels, and the
    operator live at the arena's peak steps down a level at a time until the arena is no larger
    than the lean one (arena_limit None: speed never costs peak SRAM) or than arena_limit."""
    running_in_place = groups(graph, reuse).in_place
    options = {i: lower.scratch_levels(op, graph, i in running_in_place) for i, op in enumerate(graph.operators)}
    fast = {i: sizes[0] for i, sizes in options.items()}
    flexible = [i for i in options if len(options[i]) > 1]
    if not reuse or not flexible:
        return _plan(graph, reuse, fast, {}, set())
    last = {i: len(options[i]) - 1 for i in flexible}
    floor = _plan(graph, reuse, {i: sizes[-1] for i, sizes in options.items()}, last, set(last)).arena_size
    levels: dict[int, int] = {}
    plan = _plan(graph, reuse, fast, levels, set())
    floor = floor if arena_limit is None else max(floor, arena_limit)
    while plan.arena_size > floor:
        i = max((i for i in flexible if levels.get(i, 0) < last[i]), key=lambda i: (plan.peak_at(i), -i))
        levels[i] = levels.get(i, 0) + 1
        scratch = {i: options[i][levels.get(i, 0)] for i in options}
        plan = _plan(graph, reuse, scratch, levels, {i for i in levels if levels[i] == last[i]})
    return plan


def scratch_sizes(graph: Graph, running_in_place: set[int]) -> dict[int, int]:
    """Scratch bytes per operator of the graph (by position): its fastest kernel's."""
    return {i: lower.scratch_bytes(op, graph, i in running_in_place) for i, op in enumerate(graph.operators)}


def nested_scratch(graph: Graph) -> dict[int, int]:
    """Scratch bytes of each operator an IF or WHILE runs, by its own number (Operator.index):
    its fastest kernel's (those always run their fastest kernel)."""
    return {inner.index: lower.scratch_bytes(inner, graph) for op in graph.operators for inner in graph.nested(op)}


def nested_spans(graph: Graph) -> dict[int, tuple[int, int]]:
    """For each operator an IF or WHILE runs (by Operator.index), the first and last position of
    the graph's operators that run it: its scratch is live from one to the other."""
    spans: dict[int, tuple[int, int]] = {}
    for i, op in enumerate(graph.operators):
        for inner in graph.nested(op):
            lo, hi = spans.get(inner.index, (i, i))
            spans[inner.index] = (min(lo, i), max(hi, i))
    return spans


def _plan(graph: Graph, reuse: bool, scratch: dict[int, int], levels: dict[int, int], lean: set[int]) -> MemoryPlan:
    """Place the buffers with these scratch sizes; the kernel levels and the operators at their
    last (leanest) level are recorded for the code generator."""
    pending, alias_of, joined = lifetimes(graph, in_place=reuse, scratch=scratch)
    if reuse:
        candidates = {name: _first_fit(pending, order) for name, order in ORDERS.items()}
        strategy = min(candidates, key=lambda k: (max((b.offset + b.size for b in candidates[k]), default=0), k))
        placed = candidates[strategy]
    else:
        strategy = "no reuse"
        placed, top = [], 0
        for buf in sorted(pending, key=ORDERS["start"]):
            placed.append(Buffer(buf.key, buf.size, buf.first, buf.last, top, buf.segments, buf.at))
            top += buf.size
    top = max((b.offset + b.size for b in placed), default=0)
    group_offset = {b.key: b.offset for b in placed if not b.is_scratch}
    offsets = {t: group_offset[root] + joined.at[t] for t, root in joined.owner.items() if root in group_offset}
    scratch = {-b.key - 1: b.offset for b in placed if b.is_scratch}
    return MemoryPlan(
        _align(top),
        offsets,
        scratch,
        sorted(placed, key=lambda b: b.offset),
        alias_of,
        joined.in_place,
        strategy,
        set(lean),
        joined.overlapped,
        {i: level for i, level in levels.items() if level},
    )
