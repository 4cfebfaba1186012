"""Where the SRAM goes: live arena bytes per operator, the tensors that make the peak, a plot."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from simtiny.flow.codegen import c_comment
from simtiny.flow.plan import Buffer, MemoryPlan
from simtiny.model import Graph


@dataclass(frozen=True)
class LiveTensor:
    buffer: int  # owner tensor, or -(op+1) for a scratch buffer
    label: str
    size: int


@dataclass(frozen=True)
class TimelinePoint:
    op_index: int
    opcode: str
    live_bytes: int
    in_place: bool
    live: tuple[LiveTensor, ...]


def _label(graph: Graph, b: Buffer, sharing: int) -> str:
    if b.is_scratch:
        op = -b.key - 1
        return f"scratch of #{op} {graph.operators[op].opcode}"
    t = graph.tensor(b.key)
    shape = "x".join(str(d) for d in t.shape)
    more = f" (+{sharing} sharing it)" if sharing else ""
    return f"t{b.key} {shape} {c_comment(t.name, 40)}{more}"


def timeline(graph: Graph, plan: MemoryPlan) -> list[TimelinePoint]:
    """Live buffers at each operator, found by walking each buffer's own operator range once
    (not every buffer at every operator: models of thousands of operators stay quick)."""
    sharing = Counter(plan.alias_of.values())
    n = len(graph.operators)
    live_at: list[list[LiveTensor]] = [[] for _ in range(n)]
    for b in plan.buffers:
        label = _label(graph, b, sharing[b.key] if not b.is_scratch else 0)
        for i in range(max(b.first, 0), min(b.last, n - 1) + 1):
            if b.size_at(i):  # a group takes what its members alive then need, not its largest
                live_at[i].append(LiveTensor(b.key, label, b.size_at(i)))
    return [
        TimelinePoint(
            i,
            op.opcode,
            sum(t.size for t in live_at[i]),
            i in plan.in_place,
            tuple(sorted(live_at[i], key=lambda t: -t.size)),
        )
        for i, op in enumerate(graph.operators)
    ]


def format_timeline(graph: Graph, plan: MemoryPlan) -> str:
    points = timeline(graph, plan)
    peak = max(points, key=lambda p: p.live_bytes)
    lines = [
        f"arena {plan.arena_size:,} bytes (placement: {plan.strategy}; {len(plan.in_place)} operators in place)",
        f"{'op':>4}  {'operator':<22} {'live KB':>9}  in place",
    ]
    width = 40
    for p in points:
        bar = "#" * round(width * p.live_bytes / max(peak.live_bytes, 1))
        mark = "yes" if p.in_place else ""
        lines.append(f"{p.op_index:>4}  {p.opcode:<22} {p.live_bytes / 1024:9.1f}  {mark:<3} {bar}")
    lines.append(f"peak {peak.live_bytes:,} bytes at #{peak.op_index} {peak.opcode}, made of:")
    for t in peak.live:
        lines.append(f"  {t.size / 1024:8.1f} KB  {t.label}")
    return "\n".join(lines) + "\n"


def plot_timeline(graph: Graph, plan: MemoryPlan, path: Path, title: str, budget: int | None = None) -> None:
    """A bar chart of live arena KB per operator (matplotlib, no display needed), with the arena's
    size and the SRAM budget as lines. In-place operators' input and output overlap in the arena,
    so their bars (counting both) can stand above the arena line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = timeline(graph, plan)
    fig, ax = plt.subplots(figsize=(max(6.0, len(points) * 0.12), 3.5))
    colors = ["tab:orange" if p.in_place else "tab:blue" for p in points]
    ax.bar([p.op_index for p in points], [p.live_bytes / 1024 for p in points], color=colors)
    ax.axhline(plan.arena_size / 1024, color="tab:gray", linestyle="--", label=f"arena {plan.arena_size / 1024:.1f} KB")
    if budget:
        ax.axhline(budget / 1024, color="tab:red", linestyle="--", label=f"SRAM budget {budget / 1024:,.0f} KB")
    ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("operator")
    ax.set_ylabel("live arena (KB)")
    peak = max((p.live_bytes for p in points), default=0)
    ax.set_title(f"{title}: peak live {peak / 1024:.1f} KB (orange: in place, input and output overlapping)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
