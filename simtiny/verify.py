"""Compare simulated outputs with the golden model's: bit for bit, with a readable summary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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

    @property
    def exact(self) -> bool:
        return self.mismatches == 0


def compare(index: int, got: np.ndarray, want: np.ndarray) -> OutputComparison:
    if got.shape != want.shape:
        raise ValueError(f"output {index}: shape {got.shape} against {want.shape}")
    g, w = got.reshape(-1), want.reshape(-1)
    if g.dtype.kind == "f":
        same = (g.view(np.uint8).reshape(g.size, -1) == w.view(np.uint8).reshape(w.size, -1)).all(axis=1)
    else:
        same = g == w
    bad = np.flatnonzero(~same)
    diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
    first = int(bad[0]) if bad.size else None
    return OutputComparison(
        index,
        tuple(got.shape),
        str(got.dtype),
        int(g.size),
        int(bad.size),
        float(np.nanmax(diff)) if bad.size else 0.0,
        first,
        None if first is None else g[first].item(),
        None if first is None else w[first].item(),
    )
