"""`simtiny check`: the pre-flash gate. A model passes only if it fits every budget, meets the
latency budget, and its outputs are bit-exact against LiteRT."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from simtiny.modelrun import ModelReport, RunOptions, run_model


@dataclass
class Verdict:
    model: Path
    report: ModelReport
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def check_model(options: RunOptions, latency_budget_ms: float | None) -> Verdict:
    """Measure with the memory limits lifted (so an oversized model is still measured and
    verified), then hold the figures against the budgets."""
    options.lift_limits = True
    report = run_model(options)
    problems = list(report.fit_problems())
    if latency_budget_ms is not None and report.latency_ms > latency_budget_ms:
        problems.append(
            f"latency: {report.latency_ms:.2f} ms at {report.compiled.board.clock_hz / 1e6:g} MHz, "
            f"budget {latency_budget_ms:g} ms"
        )
    for sample in report.samples:
        for c in sample.comparisons:
            if not c.exact:
                problems.append(
                    f"output {c.index} differs from LiteRT on {sample.label}: {c.mismatches} of {c.elements} "
                    f"elements, largest difference {c.max_abs_diff:g}"
                )
    return Verdict(options.model, report, problems)


def format_verdict(v: Verdict) -> str:
    r = v.report
    board = r.compiled.board
    figures = (
        f"flash {r.compiled.flash_bytes / 1024:,.1f}/{board.flash_budget / 1024:,.0f} KB, "
        f"SRAM {r.peak_sram / 1024:,.1f}/{board.sram_budget / 1024:,.0f} KB, "
        f"latency {r.latency_ms:.2f} ms, {'bit-exact' if r.exact else 'outputs differ'}"
    )
    if v.passed:
        return f"PASS {v.model}: {figures}\n"
    return f"FAIL {v.model}: {figures}\n" + "".join(f"  {p}\n" for p in v.problems)
