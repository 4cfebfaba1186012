"""The verify stage: simulated outputs against the golden model's, bit for bit, with the first
difference in words (shared by every front)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simtiny.lower import registry
from simtiny.model import Graph


@dataclass(frozen=True)
class OutputComparison:
    """One output tensor of one sample."""

    index: int
    shape: tuple[int, ...]
    dtype: str
    elements: int
    mismatches: int
    max_abs_diff: float
    first_mismatch: int | None  # flat index
    got: float | None
    want: float | None
    note: str = ""  # why the values could not be compared one by one
    unwritten: int = 0  # elements the reference leaves unwritten (whatever its memory held): not compared

    @property
    def exact(self) -> bool:
        return self.mismatches == 0


def same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element by element, whether a and b (one dtype, one size) hold the same bits, flat: floats
    by their bytes, so 0.0 differs from -0.0; but any NaN equals any NaN, because the NaN an
    invalid operation makes (0 / 0, the square root of -1) is 0x7FC00000 on the Cortex-M7 and
    0xFFC00000 on the x86 where the reference runs: the same result, told apart by the sign of
    a NaN, which no TFLite operator reads."""
    a, b = a.reshape(-1), b.reshape(-1)
    if a.dtype.kind == "f":
        same = (a.view(np.uint8).reshape(a.size, -1) == b.view(np.uint8).reshape(b.size, -1)).all(axis=1)
        return np.asarray(same | (np.isnan(a) & np.isnan(b)))
    return np.asarray(a == b)


def compare(
    index: int, got: np.ndarray, want: np.ndarray, theirs: str = "LiteRT", written: np.ndarray | None = None
) -> OutputComparison:
    """Bit for bit against `theirs` (the reference that computed want), on the elements it wrote
    (`written`, a flat mask; None: all). An output of another shape or type than the reference's
    differs everywhere."""
    if got.shape != want.shape or got.dtype != want.dtype:
        note = f"simtiny gives {got.dtype} {list(got.shape)}, {theirs} {want.dtype} {list(want.shape)}"
        everywhere = int(want.size)
        return OutputComparison(
            index, tuple(got.shape), str(got.dtype), everywhere, everywhere, float("inf"), None, None, None, note
        )
    g, w = got.reshape(-1), want.reshape(-1)
    positions = np.arange(g.size) if written is None else np.flatnonzero(written)
    g, w = g[positions], w[positions]
    bad = np.flatnonzero(~same_bits(g, w))
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf in float outputs: NaN, not a warning
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
    first = int(bad[0]) if bad.size else None
    return OutputComparison(
        index,
        tuple(got.shape),
        str(got.dtype),
        int(g.size),
        int(bad.size),
        float(np.nanmax(diff)) if bad.size else 0.0,
        None if first is None else int(positions[first]),
        None if first is None else g[first].item(),
        None if first is None else w[first].item(),
        unwritten=int(got.size - g.size),
    )


def reference_writes(graph: Graph, outputs: Sequence[np.ndarray]) -> list[np.ndarray | None]:
    """For each graph output, the elements the reference wrote given its `outputs` (a flat mask),
    or None for all: an operator whose lowering has `reference_writes` (fast NMS of
    TFLite_Detection_PostProcess) says which of its outputs' elements are left unwritten."""
    values = dict(zip(graph.outputs, outputs, strict=True))
    masks: dict[int, np.ndarray] = {}
    lowerings = registry()
    for op in graph.operators:
        writes = getattr(lowerings.get(op.opcode), "reference_writes", None)
        if writes is not None and any(t in values for t in op.outputs):
            masks.update(writes(op, graph, values))
    return [masks.get(t) for t in graph.outputs]


def compare_outputs(
    graph: Graph,
    got: Sequence[np.ndarray],
    want: Sequence[np.ndarray],
    theirs: str = "LiteRT",
    written: Sequence[np.ndarray | None] | None = None,
) -> list[OutputComparison]:
    """Every output bit for bit, on the elements the reference wrote (`written`, if the caller
    has it already: reference_writes(graph, want))."""
    written = reference_writes(graph, want) if written is None else written
    return [compare(i, g, w, theirs, m) for i, (g, w, m) in enumerate(zip(got, want, written, strict=True))]


def output_difference(
    index: int, got: np.ndarray, want: np.ndarray, theirs: str = "LiteRT", where: str = ""
) -> str | None:
    """Where output `index` first differs from `want` (bit for bit), or None if it does not."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"output {index}{where} is {got.dtype} {list(got.shape)}, {theirs} has {want.dtype} {list(want.shape)}"
    c = compare(index, got, want)
    if c.exact:
        return None
    position = np.unravel_index(c.first_mismatch, got.shape) if got.ndim > 1 else None
    at = f"index {c.first_mismatch}" + (f" {list(map(int, position))}" if position is not None else "")
    return (
        f"output {index}{where} differs from {theirs} at {at}: firmware {c.got}, {theirs} {c.want} "
        f"({c.mismatches:,} of {c.elements:,} elements differ, largest difference {c.max_abs_diff:g})"
    )


def top_class(output: np.ndarray) -> int:
    """The class with the highest score (the first one on ties, as numpy's argmax)."""
    return int(np.argmax(output.reshape(-1)))
