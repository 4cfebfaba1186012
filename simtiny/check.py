"""`simtiny check`: the pre-flash gate. A model passes only if it fits every budget, meets the
latency budget, and its outputs are bit-exact against LiteRT."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simtiny.errors import EXIT_INTERNAL, EXIT_MISMATCH, EXIT_OK, SimtinyError
from simtiny.flow.run import ModelReport, Progress, RunOptions, run_model
from simtiny.units import format_kb


@dataclass
class Verdict:
    """One model's gate: passed, failed with problems, or not checkable (error, with its exit code)."""

    model: Path
    report: ModelReport | None
    problems: list[str] = field(default_factory=list)
    error: str = ""
    error_code: int = EXIT_OK

    @property
    def passed(self) -> bool:
        return self.report is not None and not self.problems and not self.error

    @property
    def exit_code(self) -> int:
        """0 passed, 1 failed the gate, else the code of the error that stopped the check."""
        return self.error_code if self.error else EXIT_OK if self.passed else EXIT_MISMATCH


def check_status(verdicts: list[Verdict]) -> int:
    """The exit code of a check over several models: the most serious of any model's."""
    return max((v.exit_code for v in verdicts), default=EXIT_OK)


def check_model(options: RunOptions, latency_budget_ms: float | None, progress: Progress = lambda _: None) -> Verdict:
    """Measure with the memory limits lifted (so an oversized model is still measured and
    verified), then hold the figures against the budgets. A model that cannot be checked (invalid,
    refused by the reference, faulting) gets a failing verdict with the reason, not an exception."""
    try:
        report = run_model(replace(options, lift_limits=True), progress)
    except SimtinyError as exc:
        return Verdict(options.model, None, [str(exc)], error=str(exc), error_code=exc.exit_code)
    except Exception as exc:  # a bug in simtiny: this model's verdict says so, the others still get theirs
        message = f"internal error: {type(exc).__name__}: {exc} (a bug in simtiny: please report it)"
        return Verdict(options.model, None, [message], error=message, error_code=EXIT_INTERNAL)
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
        for name, comparisons in sample.against():
            problems.extend(
                f"output {c.index} differs from {name} on {sample.label}: {c.mismatches} of {c.elements} "
                f"elements, largest difference {c.max_abs_diff:g}"
                for c in comparisons
                if not c.exact
            )
    return Verdict(options.model, report, problems)


def format_verdict(v: Verdict) -> str:
    if v.report is None:
        return f"ERROR {v.model}: {v.error}\n"
    f = v.report.figures
    latency = "not measured" if f.latency_ms is None else f"{f.latency_ms:.2f} ms"
    figures = (
        f"flash {format_kb(f.flash)} of {format_kb(f.flash_budget, 0)}, "
        f"SRAM {format_kb(f.peak_sram)} of {format_kb(f.sram_budget, 0)}, "
        f"latency {latency} at {f.clock_hz / 1e6:g} MHz on {f.board}, "
        f"{'bit-exact' if v.report.exact else 'outputs differ'}"
        + (f" (against LiteRT alone: {v.report.second_refused})" if v.report.second_refused else "")
        + (", built for speed (--optimization time)" if v.report.options.optimization == "time" else "")
    )
    if v.passed:
        return f"PASS {v.model}: {figures}\n"
    return f"FAIL {v.model}: {figures}\n" + "".join(f"  {p}\n" for p in v.problems)


def check_json(verdicts: list[Verdict]) -> dict[str, Any]:
    """The verdicts as a JSON document of kind "check" (simtiny.report.schema)."""
    from simtiny.report.schema import stamped

    return stamped("check", {"passed": all(v.passed for v in verdicts), "models": [verdict_json(v) for v in verdicts]})


def verdict_json(v: Verdict) -> dict[str, Any]:
    from simtiny.report.run import report_json

    return {
        "model": str(v.model),
        "passed": v.passed,
        "exit_code": v.exit_code,
        "problems": v.problems,
        "error": v.error or None,
        "report": report_json(v.report) if v.report is not None else None,
    }
