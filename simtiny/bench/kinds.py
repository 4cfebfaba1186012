"""Cycles and MAC/cycle per operator kind (a 1x1 convolution, a depthwise 3x3 stride 1 ...):
where a network's time goes, and how each kind of layer compares with the kernel targets of
issue 16 (TARGETS), measured in the same run as the rest of the benchmark."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simtiny.flow.measure import OperatorFigures
from simtiny.model import Graph, Operator

# MAC/cycle the kernels aim at, per kind (one SMLAD per cycle is 2): the targets of issue 16.
TARGETS = {
    "DEPTHWISE_CONV_2D 3x3 s1": 0.5,
    "CONV_2D 1x1": 1.0,
    "CONV_2D 3x3 s2 first": 0.5,
}


@dataclass(frozen=True)
class KindFigures:
    """Every operator of one kind in a network: how many, their cycles and MACs."""

    kind: str
    operators: int
    cycles: int
    macs: int

    @property
    def mac_per_cycle(self) -> float | None:
        return self.macs / self.cycles if self.macs and self.cycles else None

    @property
    def target(self) -> float | None:
        return TARGETS.get(self.kind)


def operator_kind(op: Operator, graph: Graph) -> str:
    """The kind an operator counts under: convolutions by filter size and stride (the layer
    reading a model input marked first), everything else by its opcode."""
    if op.opcode not in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        return op.opcode
    w = graph.tensor(op.inputs[1])
    stride = int(op.options.get("stride_w", 1))
    if op.opcode == "CONV_2D" and tuple(w.shape[1:3]) == (1, 1) and stride == 1:
        return "CONV_2D 1x1"
    kind = f"{op.opcode} {w.shape[1]}x{w.shape[2]} s{stride}"
    return kind + " first" if op.inputs[0] in graph.inputs else kind


def by_kind(graph: Graph, operators: Sequence[OperatorFigures]) -> tuple[KindFigures, ...]:
    """The operators' figures summed per kind, the kinds taking most cycles first."""
    sums: dict[str, tuple[int, int, int]] = {}
    for f in operators:
        kind = operator_kind(graph.operators[f.index], graph)
        n, cycles, macs = sums.get(kind, (0, 0, 0))
        sums[kind] = (n + 1, cycles + f.cycles, macs + f.macs)
    kinds = [KindFigures(k, n, c, m) for k, (n, c, m) in sums.items()]
    return tuple(sorted(kinds, key=lambda k: (-k.cycles, k.kind)))
