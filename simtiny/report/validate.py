"""Terminal, JSON and JUnit reports of `simtiny validate`: bit-exact count, top-1 agreements,
accuracy against labels, ST's error metrics, latency spread, confusion matrix."""

from __future__ import annotations

from typing import Any

from simtiny.flow.build import CompiledModel
from simtiny.flow.dataset import ValidateOptions, Validation
from simtiny.report.junit import Case
from simtiny.report.schema import stamped

METRICS = ("rmse", "mae", "l2r", "mean", "std", "cos")
MAX_MATRIX = 20  # classes up to which the terminal shows the confusion matrix


def _share(part: int | None, whole: int) -> str:
    if part is None:
        return "-"
    return f"{part:,} of {whole:,} ({100 * part / whole:.2f}%)" if whole else "-"


def _metrics_line(values: list[dict[str, float | None]]) -> list[str]:
    lines = []
    for k, m in enumerate(values):
        cells = ", ".join(f"{name.upper()} {'-' if m[name] is None else f'{m[name]:.6g}'}" for name in METRICS)
        lines.append(f"output {k}: {cells}")
    return lines


def format_validation(v: Validation, compiled: CompiledModel, options: ValidateOptions) -> str:
    n = v.samples
    lines = [
        f"model     {options.model.name}: firmware {compiled.firmware.toolchain}, built for "
        f"{'the smallest peak SRAM' if options.optimization == 'ram' else 'speed'}, {compiled.board.name}",
        f"data      {options.data}: {n:,} sample(s)" + (f", {len(v.labels):,} labels" if v.labels else ""),
        f"results   {v.results} ({n - v.resumed:,} run now on {v.where}, {v.resumed:,} from earlier runs)",
        f"bit-exact {_share(v.exact, n)} samples against {v.reference}",
    ]
    ref = v.agreement("reference_class")
    if ref is not None:
        flt = v.agreement("float_class")
        lines.append(
            f"top-1     firmware = int8 reference on {_share(ref, n)}"
            + (f"; = float model on {_share(flt, n)}" if flt is not None else "")
        )
    if v.labels is not None:
        parts = [f"firmware {_share(v.accuracy('firmware_class'), n)}"]
        parts.append(f"int8 reference {_share(v.accuracy('reference_class'), n)}")
        if v.float_model is not None:
            parts.append(f"float model {_share(v.accuracy('float_class'), n)}")
        lines.append("accuracy  " + "; ".join(parts))
    for against, title in (("float", "the float model"), ("reference", "the int8 reference")):
        values = v.metrics(against)
        if values is not None:
            lines.append(f"errors    firmware against {title} (dequantized, all values of all samples):")
            lines.extend(f"          {line}" for line in _metrics_line(values))
    cycles = v.cycles()
    if cycles is not None:
        lo, mid, hi = cycles
        ms = [c * 1000.0 / v.clock_hz for c in cycles]
        lines.append(
            f"latency   per sample min {lo:,} / median {mid:,.0f} / max {hi:,} cycles "
            f"({ms[0]:.3f} / {ms[1]:.3f} / {ms[2]:.3f} ms at {v.clock_hz / 1e6:g} MHz)"
        )
    new = n - v.resumed
    if new:
        lines.append(f"speed     {new:,} sample(s) in {v.seconds:.1f} s: {new / v.seconds:.2f} samples/s")
    matrix = v.confusion()
    if matrix is not None and len(matrix) <= MAX_MATRIX:
        lines.append("confusion matrix (rows: label, columns: the firmware's class)")
        width = max(3, len(f"{max(max(r) for r in matrix):,}"))
        lines.append("     " + " ".join(f"{c:>{width}}" for c in range(len(matrix))))
        lines.extend(f"{k:>4} " + " ".join(f"{x:>{width}}" for x in row) for k, row in enumerate(matrix))
    verdict = "BIT-EXACT" if v.exact == n else "MISMATCH"
    lines.append(f"{verdict}: {v.exact:,} of {n:,} samples bit for bit equal to {v.reference}")
    return "\n".join(lines) + "\n"


def validation_json(v: Validation, compiled: CompiledModel, options: ValidateOptions) -> dict[str, Any]:
    """The validation as a JSON document of kind "validate" (simtiny.report.schema)."""
    cycles = v.cycles()
    return stamped(
        "validate",
        {
            "model": str(options.model),
            "data": str(options.data),
            "labels": None if options.labels is None else str(options.labels),
            "float_model": None if options.float_model is None else str(options.float_model),
            "board": compiled.board.name,
            "clock_hz": v.clock_hz,
            "toolchain": compiled.firmware.toolchain,
            "optimization": options.optimization,
            "reference": v.reference,
            "results": str(v.results),
            "where": v.where,
            "workers": v.workers,
            "samples": v.samples,
            "resumed": v.resumed,
            "seconds": v.seconds,
            "samples_per_second": (v.samples - v.resumed) / v.seconds if v.samples > v.resumed and v.seconds else None,
            "bit_exact": v.exact == v.samples,
            "bit_exact_samples": v.exact,
            "top1_agreement": {"reference": v.agreement("reference_class"), "float": v.agreement("float_class")},
            "accuracy": None
            if v.labels is None
            else {
                "firmware": v.accuracy("firmware_class"),
                "reference": v.accuracy("reference_class"),
                "float": v.accuracy("float_class"),
            },
            "metrics": {"reference": v.metrics("reference"), "float": v.metrics("float")},
            "cycles": None if cycles is None else {"min": cycles[0], "median": cycles[1], "max": cycles[2]},
            "confusion_matrix": v.confusion(),
            "records": [
                {
                    "index": r.index,
                    "label": r.label,
                    "bit_exact": r.exact,
                    "mismatches": r.mismatches,
                    "cycles": r.cycles,
                    "firmware_class": r.firmware_class,
                    "reference_class": r.reference_class,
                    "float_class": r.float_class,
                    "true_class": None if v.labels is None else v.labels[r.index],
                }
                for r in v.records
            ],
        },
    )


def validation_cases(v: Validation, options: ValidateOptions) -> list[Case]:
    """One JUnit case per sample: failed when the firmware's outputs differ from the reference."""
    classname = f"simtiny.validate.{options.model.stem}"
    cases = []
    for r in v.records:
        props = {"cycles": str(r.cycles)} if r.cycles is not None else {}
        if r.firmware_class is not None:
            props["firmware_class"] = str(r.firmware_class)
        if v.labels is not None:
            props["true_class"] = str(v.labels[r.index])
        failure = None if r.exact else f"{r.mismatches:,} of {r.elements:,} values differ from {v.reference}"
        cases.append(Case(f"sample {r.index}: {r.label}", classname, failure=failure, properties=props))
    return cases
