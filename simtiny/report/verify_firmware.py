"""Terminal and JSON reports of `simtiny verify`: the verdict per sample and output, then the
firmware's figures (simtiny.flow.measure's, as they are)."""

from __future__ import annotations

import math
from typing import Any

from simtiny.flow.golden import REFERENCES
from simtiny.flow.verify_firmware import VerifyReport
from simtiny.report.schema import stamped
from simtiny.report.text import output_verdict, silicon_note
from simtiny.units import format_kb


def format_verify(report: VerifyReport) -> str:
    f = report.figures
    lines = [
        f"firmware  {report.options.firmware}",
        f"model     {report.options.model.name}: {len(report.graph.inputs)} input(s), "
        f"{len(report.graph.outputs)} output(s)",
        f"reference {report.reference}",
        "",
    ]
    width = max(len(s.label) for s in report.samples)
    theirs = REFERENCES[report.options.reference]
    for s in report.samples:
        for c in s.comparisons:
            shape = "x".join(str(d) for d in c.shape)
            said = output_verdict(c, "firmware", theirs)
            lines.append(f"{s.label:<{width}}  output {c.index} [{shape}] {c.dtype}: {said}")
    lines.append("")
    share = 100 * f.flash / f.flash_budget
    lines.append(f"flash     {format_kb(f.flash)} of {format_kb(f.flash_budget)} ({share:.1f}%)")
    lines.append(
        f"SRAM      {format_kb(f.peak_sram)} of {format_kb(f.sram_budget)} "
        f"({100 * f.peak_sram / f.sram_budget:.1f}%): static {format_kb(f.static_ram)} + stack {f.stack:,} B (measured)"
    )
    for problem in f.fit_problems:
        lines.append(f"DOES NOT FIT {f.board}: {problem}")
    if f.cycles is None:
        lines.append("inference not measured (no st_verify_begin/st_verify_end)")
    else:
        memory = f" ({f.memory_cycles:,} waiting on memory)" if f.memory_cycles else ""
        lines.append(
            f"inference {f.cycles:,} cycles{memory} = {f.latency_ms:.3f} ms at {f.clock_hz / 1e6:g} MHz "
            f"(between the markers, slowest of {len(report.samples)} sample(s))"
        )
        if f.silicon_ms is not None and f.accuracy is not None:
            lines.append(f"          {silicon_note(f.silicon_ms, f.accuracy.basis)}")
    for note in report.notes:
        lines.append(f"note: {note}")
    compared = sum(len(s.comparisons) for s in report.samples)
    verdict = "BIT-EXACT" if report.exact else "MISMATCH"
    theirs = REFERENCES[report.options.reference]
    lines.append(f"{verdict}: {compared} output(s) of {len(report.samples)} sample(s) compared with {theirs}")
    return "\n".join(lines) + "\n"


def verify_json(report: VerifyReport) -> dict[str, Any]:
    f = report.figures
    return stamped("verify", {
        "firmware": str(report.options.firmware),
        "model": str(report.options.model),
        "reference": report.reference,
        "exact": report.exact,
        "samples": [
            {
                "label": s.label,
                "exact": s.exact,
                "inference_cycles": s.inference_cycles,
                "inference_memory_cycles": s.inference_memory_cycles,
                "run_cycles": s.run.result.cycles,
                "outputs": [
                    {
                        "index": c.index,
                        "shape": list(c.shape),
                        "dtype": c.dtype,
                        "exact": c.exact,
                        "elements": c.elements,
                        "unwritten": c.unwritten,  # left unwritten by the reference: not compared
                        "mismatches": c.mismatches,
                        "max_abs_diff": c.max_abs_diff if math.isfinite(c.max_abs_diff) else None,
                        "first_mismatch": c.first_mismatch,
                    }
                    for c in s.comparisons
                ],
            }
            for s in report.samples
        ],
        "figures": {
            "board": f.board,
            "clock_hz": f.clock_hz,
            "flash": f.flash,
            "flash_budget": f.flash_budget,
            "static_ram": f.static_ram,
            "stack": f.stack,
            "peak_sram": f.peak_sram,
            "sram_budget": f.sram_budget,
            "inference_cycles": f.cycles,
            "inference_memory_cycles": f.memory_cycles,
            "latency_ms": f.latency_ms,
            "silicon_milliseconds": list(f.silicon_ms) if f.silicon_ms else None,
            "fits": f.fits,
        },
        "notes": report.notes,
    })
