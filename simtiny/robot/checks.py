"""One-line verdicts on outputs and firmware runs: None when all is well, otherwise what differs
(the first mismatching index and both values). Shared by the Robot library and the pytest plugin."""

from __future__ import annotations

import numpy as np

from simtiny.engines.result import RunResult
from simtiny.verify import compare


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


def run_outcome(result: RunResult, budget: int) -> str:
    """How a firmware run ended, in words: 'exited with 7', 'faulted: unmapped read ...'."""
    if result.status == "exit":
        return f"exited with {result.exit_code}"
    if result.status == "fault" and result.fault is not None:
        return f"faulted: {result.fault.describe()}"
    where = f" (spinning in {result.stop_symbol})" if result.stop_symbol else ""
    if result.status == "budget":
        return f"did not exit within {budget:,} instructions{where}"
    return f"stopped without exiting{where}"
