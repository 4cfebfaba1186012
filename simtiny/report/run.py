"""Terminal and JSON reports of a model run (`simtiny run`): the verdict per output, then the
figures of simtiny.flow.measure as they are, never recomputed here."""

from __future__ import annotations

from typing import Any

from simtiny.flow.classify import top_classes
from simtiny.flow.measure import Figures
from simtiny.flow.run import ModelReport
from simtiny.flow.validate import describe_ops
from simtiny.report.layers import layers, layers_json
from simtiny.report.schema import stamped
from simtiny.report.text import output_verdict, silicon_note
from simtiny.units import format_kb


def _rate(stats: tuple[int, int] | None) -> str:
    hits, misses = stats or (0, 0)
    total = hits + misses
    return f"{100.0 * hits / total:.1f}%" if total else "-"


def _ms(cycles: int, clock_hz: int) -> float:
    return cycles * 1000.0 / clock_hz


def format_report(report: ModelReport, per_op: bool = True) -> str:
    c = report.compiled
    g = report.graph
    f = report.figures
    lines = [f"model     {report.options.model.name}: {len(g.operators)} operators ({describe_ops(g)})"]
    for note in g.notes:
        lines.append(f"          note: {note}")
    cached = "cached" if c.firmware.cached else f"built in {c.build_seconds:.1f} s"
    goal = {"ram": "the smallest peak SRAM", "time": "speed"}[report.options.optimization]
    lines.append(f"firmware  {c.firmware.toolchain}, built for {goal}, {cached}: {c.firmware.elf}")
    for runtime in report.runtimes:
        lines.append(f"reference {runtime}")
    lines.append("")
    width = max(len(s.label) for s in report.samples)
    both = report.samples[0].second is not None
    for s in report.samples:
        for name, comparisons in s.against():
            against = f" against {name}" if both else ""
            for cmp in comparisons:
                shape = "x".join(str(d) for d in cmp.shape)
                head = f"{s.label:<{width}}  output {cmp.index} [{shape}] {cmp.dtype}{against}"
                lines.append(f"{head}: {output_verdict(cmp, 'simtiny', name)}")
    lines.extend(_disagreement_lines(report))
    lines.extend(_class_lines(report))
    lines.append("")
    lines.append(
        f"flash     {format_kb(f.flash)} of {format_kb(f.flash_budget)} ({100 * f.flash / f.flash_budget:.1f}%): "
        + ", ".join(f"{name.replace('_', ' ')} {format_kb(n)}" for name, n in f.flash_breakdown.items())
    )
    lines.append(
        f"SRAM      {format_kb(f.peak_sram)} of {format_kb(f.sram_budget)} ({100 * f.peak_sram / f.sram_budget:.1f}%): "
        f"static {format_kb(f.static_ram)} (arena {format_kb(f.arena)}, {len(c.plan.in_place)} operators "
        + (f"in place) + stack {f.stack:,} B (measured)" if f.stack_measured else "in place); stack not measured")
    )
    for problem in f.fit_problems:
        lines.append(f"DOES NOT FIT {f.board}: {problem}")
    lines.extend(_latency_lines(report))
    if per_op and f.operators:
        lines.append("")
        width = max(24, *(len(o.opcode) for o in f.operators))
        rows = {r.index: r for r in layers(g, c.plan)}
        shapes = {i: "x".join(str(d) for d in r.outputs[0][1]) if r.outputs else "" for i, r in rows.items()}
        for op in g.operators:  # a PAD fused into its reader writes nothing of its own
            if "fused_into" in op.options:
                shapes[op.index] = f"fused: #{int(op.options['fused_into'])}"
        sw = max(9, *(len(s) for s in shapes.values()))
        lines.append(
            f"{'op':>4}  {'operator':<{width}} {'output':<{sw}} {'cycles':>14}  {'share':>6}  {'ms':>9}  {'MACs':>12}  "
            f"{'MAC/cyc':>7}  {'const KB':>8}  {'live KB':>8}"
        )
        total = max(sum(o.cycles for o in f.operators), 1)
        for o in f.operators:
            rate = f"{o.mac_per_cycle:7.3f}" if o.mac_per_cycle is not None else " " * 7
            layer = rows.get(o.index)
            const = f"{layer.constant_bytes / 1024:8.1f}" if layer else " " * 8
            live = f"{layer.live_bytes / 1024:8.1f}" if layer else " " * 8
            lines.append(
                f"{o.index:>4}  {o.opcode:<{width}} {shapes.get(o.index, ''):<{sw}} {o.cycles:>14,}  "
                f"{100 * o.cycles / total:5.1f}%  {_ms(o.cycles, f.clock_hz):9.3f}  {o.macs:>12,}  {rate}  "
                f"{const}  {live}"
            )
    if report.first_bad_layer:
        d = report.first_bad_layer
        lines.append("")
        lines.append(
            f"first differing operator: #{d.op_index} {d.opcode} (tensor {d.tensor})"
            + (f" at step {d.step} of the stream" if report.graph.state else "")
            + f": {d.mismatches} of "
            f"{d.elements} elements differ; first at {d.flat_index}: simtiny {d.got}, LiteRT {d.want}"
        )
    elif report.options.debug_layers and not report.exact:
        lines.append(f"--debug-layers: all {report.layers_checked} operator outputs matched LiteRT")
    lines.append("")
    lines.extend(_cross_check_lines(report))
    verdict = "BIT-EXACT" if report.exact else "MISMATCH"
    n = report.compared
    lines.append(
        f"{verdict}: {n.outputs} output(s) of {n.samples} sample(s), {n.elements:,} values, compared with "
        f"{n.reference} ({report.seconds.get('total', 0):.1f} s)"
    )
    return "\n".join(lines) + "\n"


SHOWN_SAMPLES = 20  # samples whose top classes the terminal report lists


def _class_lines(report: ModelReport) -> list[str]:
    """A classifier's three best classes per sample, from the firmware's own output."""
    tops = [(s.label, top_classes(report.graph, s.run.outputs)) for s in report.samples[:SHOWN_SAMPLES]]
    if not tops or tops[0][1] is None:
        return []
    width = max(len(label) for label, _ in tops)
    lines = [""]
    for label, best in tops:
        lines.append(f"{label:<{width}}  top classes: " + ", ".join(f"{c} ({score:.4g})" for c, score in best or []))
    if len(report.samples) > SHOWN_SAMPLES:
        lines.append(f"... and {len(report.samples) - SHOWN_SAMPLES:,} more samples (all in --json)")
    return lines


def _disagreement_lines(report: ModelReport) -> list[str]:
    """--reference both: whether the two references agree, and where they do not, which one
    simtiny's values are."""
    if report.second_refused:
        return [f"{report.second_refused}: compared with {report.samples[0].reference} only"]
    seconds = [s.second for s in report.samples if s.second is not None]
    if not seconds:
        return []
    first, second = report.samples[0].reference, seconds[0].name
    found = [(s, d) for s in report.samples if s.second is not None for d in s.second.disagreements]
    if not found:
        return [f"references agree: {first} and {second} give the same values on every output of every sample"]
    lines = []
    for s, d in found:
        lines.append(
            f"references disagree: {s.label} output {d.output}: {first} and {second} differ on {d.values:,} of "
            f"{d.elements:,} values; there simtiny matches {first} on {d.matches_first:,}, {second} on "
            f"{d.matches_second:,}"
        )
    return lines


def _cross_check_lines(report: ModelReport) -> list[str]:
    """--cross-check: what both engines agreed on, or the first difference of each sample."""
    checks = report.cross_checks
    if not checks:
        return []
    first, second = checks[0].engines
    if report.engines_agree:
        return [
            f"ENGINES AGREE: {first} and {second} on {len(checks)} sample(s): the outputs "
            f"({sum(c.elements for c in checks):,} values), exit status, console text and "
            f"instructions ({sum(c.instructions for c in checks):,})"
        ]
    return [
        f"ENGINES DIFFER: {s.label}: {s.cross.difference}"
        for s in report.samples
        if s.cross is not None and not s.cross.agrees
    ]


def _latency_lines(report: ModelReport) -> list[str]:
    f = report.figures
    if f.cycles is None:
        return [f"latency   not measured: the {report.options.engine} engine has no cycle model"]
    slowest = max(report.samples, key=lambda s: s.run.inference_cycles)
    which = f" (slowest sample: {slowest.label})" if len(report.samples) > 1 else ""
    memory = "caches and wait states" if f.memory_model else "ideal memory (--ideal-memory)"
    lines = [
        f"latency   {f.cycles:,} cycles = {f.latency_ms:.3f} ms at {f.clock_hz / 1e6:g} MHz ({memory}){which}; "
        f"{f.macs:,} MACs, {f.mac_per_cycle:.3f} MAC/cycle"
    ]
    if f.silicon_ms is not None and f.accuracy is not None:
        lines.append(f"          {silicon_note(f.silicon_ms, f.accuracy.basis)}")
    timing = slowest.run.result.timing
    if f.memory_model and timing is not None:
        caches = f" (I-cache {_rate(timing.icache)}, D-cache {_rate(timing.dcache)} hits)" if timing.icache else ""
        lines.append(
            f"          ideal memory: {f.zero_wait_cycles:,} cycles = {f.zero_wait_ms:.3f} ms; "
            f"memory costs {f.memory_cycles:,} cycles{caches}"
        )
    result = slowest.run.result
    lines.append(
        f"run       {result.cycles:,} cycles from reset (start-up included), {result.instructions:,} instructions"
    )
    return lines


def figures_json(f: Figures) -> dict[str, Any]:
    """The figures of a model or firmware, as JSON (bytes, cycles, milliseconds; unrounded)."""
    return {
        "board": f.board,
        "clock_hz": f.clock_hz,
        "flash_bytes": f.flash,
        "flash_budget": f.flash_budget,
        "flash_breakdown": f.flash_breakdown,
        "static_ram_bytes": f.static_ram,
        "stack_bytes": f.stack if f.stack_measured else None,
        "sram_bytes": f.peak_sram,
        "sram_budget": f.sram_budget,
        "arena_bytes": f.arena,
        "constant_bytes": f.constants,
        "fits": f.fit_verdict,  # None: the stack was not measured
        "fit_problems": f.fit_problems,
        "memory_model": f.memory_model,
        "inference_cycles": f.cycles,
        "memory_cycles": f.memory_cycles,
        "zero_wait_cycles": f.zero_wait_cycles,
        "milliseconds": f.latency_ms,
        "silicon_milliseconds": list(f.silicon_ms) if f.silicon_ms else None,
        "zero_wait_milliseconds": f.zero_wait_ms,
        "macs": f.macs,
        "mac_per_cycle": f.mac_per_cycle,
        "operators": [
            {
                "index": o.index,
                "operator": o.opcode,
                "cycles": o.cycles,
                "milliseconds": _ms(o.cycles, f.clock_hz),
                "memory_cycles": o.memory_cycles,
                "macs": o.macs,
                "mac_per_cycle": o.mac_per_cycle,
            }
            for o in f.operators
        ],
    }


def report_json(report: ModelReport) -> dict[str, Any]:
    """The report as a JSON document of kind "run" (simtiny.report.schema)."""
    c = report.compiled
    f = report.figures
    return stamped("run", {
        "model": str(report.options.model),
        "platform": f.board,
        "engine": report.options.engine,
        "operators": [op.opcode for op in report.graph.operators],
        "notes": report.graph.notes,
        "toolchain": c.firmware.toolchain,
        "optimization": report.options.optimization,
        "firmware": str(c.firmware.elf),
        "reference": report.golden_runtime,
        "references": report.runtimes,
        "second_reference_refused": report.second_refused or None,
        "bit_exact": report.exact,
        "compared": {
            "samples": report.compared.samples,
            "outputs": report.compared.outputs,
            "model_outputs": report.compared.model_outputs,
            "elements": report.compared.elements,
        },
        "exit_code": report.exit_code,
        "engines_agree": report.engines_agree,
        "in_place_operators": sorted(c.plan.in_place),
        "layers": layers_json(layers(report.graph, c.plan)),
        "figures": figures_json(f),
        "samples": [
            {
                "label": s.label,
                "bit_exact": s.exact,
                "inference_cycles": s.run.inference_cycles if s.run.result.cycles is not None else None,
                "inference_memory_cycles": s.run.inference_memory_cycles,
                "run_cycles": s.run.result.cycles,
                "run_memory_cycles": s.run.result.memory_cycles,
                "instructions": s.run.result.instructions,
                "stack_bytes": s.run.result.stack.used if s.run.result.stack else None,
                "icache_hits_misses": s.run.result.timing.icache if s.run.result.timing else None,
                "dcache_hits_misses": s.run.result.timing.dcache if s.run.result.timing else None,
                "outputs": [
                    {
                        "index": cmp.index,
                        "shape": list(cmp.shape),
                        "dtype": cmp.dtype,
                        "elements": cmp.elements,
                        "unwritten": cmp.unwritten,  # left unwritten by the reference: not compared
                        "mismatches": cmp.mismatches,
                        "max_abs_diff": cmp.max_abs_diff,
                        "values": s.outputs[cmp.index].reshape(-1).tolist()[:4096],
                    }
                    for cmp in s.comparisons
                ],
                "second_reference": None
                if s.second is None
                else {
                    "reference": s.second.runtime,
                    "bit_exact": s.second.exact,
                    "outputs": [
                        {"index": c.index, "mismatches": c.mismatches, "max_abs_diff": c.max_abs_diff}
                        for c in s.second.comparisons
                    ],
                    "disagreements": [
                        {
                            "output": d.output,
                            "values": d.values,
                            "elements": d.elements,
                            "simtiny_matches_first": d.matches_first,
                            "simtiny_matches_second": d.matches_second,
                        }
                        for d in s.second.disagreements
                    ],
                },
                "top_classes": None
                if (best := top_classes(report.graph, s.run.outputs)) is None
                else [{"class": c, "score": score} for c, score in best],
                "op_cycles": s.run.op_cycles,
                "cross_check": None
                if s.cross is None
                else {
                    "engines": list(s.cross.engines),
                    "agrees": s.cross.agrees,
                    "difference": s.cross.difference,
                    "instructions": s.cross.instructions,
                },
            }
            for s in report.samples
        ],
        "first_bad_layer": None if report.first_bad_layer is None else report.first_bad_layer.__dict__,
        "seconds": report.seconds,
    })
