"""Cross-engine agreement: the same model firmware run on simtiny's two engines (Unicorn and QEMU)
must end the same way and leave the same outputs, console text and instruction count. The first
difference found is named; a run that agrees says what was compared."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simtiny.flow.verify import compare
from simtiny.sim import RunResult

CROSS_ENGINES = ("unicorn", "qemu")


def other_engine(engine: str) -> str:
    """The engine a cross-check compares `engine` with."""
    return CROSS_ENGINES[1] if engine == CROSS_ENGINES[0] else CROSS_ENGINES[0]


@dataclass(frozen=True)
class CrossCheck:
    """One sample run on two engines: what was compared, and the first difference (None: none)."""

    engines: tuple[str, str]
    outputs: int  # outputs compared
    elements: int  # values compared
    instructions: int  # executed, as the first engine counted them
    difference: str | None = None

    @property
    def agrees(self) -> bool:
        return self.difference is None


def compare_runs(
    engines: tuple[str, str],
    results: tuple[RunResult, RunResult],
    outputs: tuple[list[np.ndarray], list[np.ndarray]],
) -> CrossCheck:
    """Compare two runs of one firmware on one input: outputs bit for bit, then how the runs
    ended, the console text and the instruction counts."""
    got_a, _ = outputs
    return CrossCheck(
        engines,
        len(got_a),
        sum(int(x.size) for x in got_a),
        results[0].instructions,
        _first_difference(engines, results, outputs),
    )


def _first_difference(
    engines: tuple[str, str],
    results: tuple[RunResult, RunResult],
    outputs: tuple[list[np.ndarray], list[np.ndarray]],
) -> str | None:
    a, b = engines
    ra, rb = results
    for k, (x, y) in enumerate(zip(*outputs, strict=True)):
        cmp = compare(k, x, y)  # y in the reference's place: the same bit-for-bit test as the verdict's
        if cmp.note:
            return f"output {k}: {a} gives {x.dtype} {list(x.shape)}, {b} {y.dtype} {list(y.shape)}"
        if cmp.first_mismatch is not None:
            where = tuple(int(i) for i in np.unravel_index(cmp.first_mismatch, x.shape)) if x.shape else ()
            return f"output {k} at {where}: {a} {cmp.got}, {b} {cmp.want}"
    if (ra.status, ra.exit_code) != (rb.status, rb.exit_code):
        return f"the run ended differently: {a} {ra.status} {ra.exit_code}, {b} {rb.status} {rb.exit_code}"
    for stream in ("uart", "semihosting"):
        text_a, text_b = getattr(ra.console, stream), getattr(rb.console, stream)
        if text_a != text_b:
            common = min(len(text_a), len(text_b))
            at = next((i for i in range(common) if text_a[i] != text_b[i]), common)
            return f"{stream} console text from character {at}: {a} {text_a[at:at + 20]!r}, {b} {text_b[at:at + 20]!r}"
    if ra.instructions != rb.instructions:
        return f"instructions executed: {a} {ra.instructions:,}, {b} {rb.instructions:,}"
    return None
