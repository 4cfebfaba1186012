"""Cross-engine agreement: the same model firmware run on simtiny's two engines (Unicorn and QEMU)
must end the same way and leave the same outputs, console text and instruction count. The first
difference found is named; a run that agrees says what was compared."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    outputs: tuple[list[np.ndarray], list[np.ndarray]] | None,
    failure: str | None = None,
) -> CrossCheck:
    """Compare two runs of one firmware on one input. `outputs` None: the second run failed
    (`failure` says how), which is a difference in itself."""
    a, b = engines
    ra, rb = results
    first = ra.instructions
    if outputs is None:
        return CrossCheck(engines, 0, 0, first, f"{b}: {failure}")
    got_a, got_b = outputs
    elements = sum(int(x.size) for x in got_a)
    for k, (x, y) in enumerate(zip(got_a, got_b, strict=True)):
        if x.tobytes() != y.tobytes():
            flat_x, flat_y = x.reshape(-1), y.reshape(-1)
            at = int(np.flatnonzero(flat_x != flat_y)[0]) if flat_x.shape == flat_y.shape else 0
            where = np.unravel_index(at, x.shape) if x.shape else ()
            return CrossCheck(
                engines, len(got_a), elements, first,
                f"output {k} at {tuple(int(i) for i in where)}: {a} {flat_x[at]}, {b} {flat_y[at]}",
            )
    if (ra.status, ra.exit_code) != (rb.status, rb.exit_code):
        return CrossCheck(
            engines, len(got_a), elements, first,
            f"the run ended differently: {a} {ra.status} {ra.exit_code}, {b} {rb.status} {rb.exit_code}",
        )
    for stream in ("uart", "semihosting"):
        text_a, text_b = getattr(ra.console, stream), getattr(rb.console, stream)
        if text_a != text_b:
            common = min(len(text_a), len(text_b))
            at = next((i for i in range(common) if text_a[i] != text_b[i]), common)
            return CrossCheck(
                engines, len(got_a), elements, first,
                f"{stream} console text from character {at}: {a} {text_a[at:at + 20]!r}, {b} {text_b[at:at + 20]!r}",
            )
    if ra.instructions != rb.instructions:
        return CrossCheck(
            engines, len(got_a), elements, first,
            f"instructions executed: {a} {ra.instructions:,}, {b} {rb.instructions:,}",
        )
    return CrossCheck(engines, len(got_a), elements, first)
