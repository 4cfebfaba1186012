"""`simtiny check`: the pre-flash gate. A model passes only if it fits every budget, meets the
latency budget, and its outputs are bit-exact against LiteRT."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from simtiny.flow.run import ModelReport, RunOptions, run_model
from simtiny.units import format_kb


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
    report = run_model(replace(options, lift_limits=True))
    f = report.figures
    problems = list(f.fit_problems)
    if latency_budget_ms is not None:
        if f.latency_ms is None:
            problems.append(f"latency: not measured (the {options.engine} engine has no cycle model)")
        elif f.latency_ms > latency_budget_ms:
            problems.append(
                f"latency: {f.latency_ms:.2f} ms at {f.clock_hz / 1e6:g} MHz, budget {latency_budget_ms:g} ms"
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
    f = v.report.figures
    latency = "not measured" if f.latency_ms is None else f"{f.latency_ms:.2f} ms"
    figures = (
        f"flash {format_kb(f.flash)} of {format_kb(f.flash_budget, 0)}, "
        f"SRAM {format_kb(f.peak_sram)} of {format_kb(f.sram_budget, 0)}, "
        f"latency {latency} at {f.clock_hz / 1e6:g} MHz on {f.board}, "
        f"{'bit-exact' if v.report.exact else 'outputs differ'}"
    )
    if v.passed:
        return f"PASS {v.model}: {figures}\n"
    return f"FAIL {v.model}: {figures}\n" + "".join(f"  {p}\n" for p in v.problems)
