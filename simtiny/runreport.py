"""Terminal and JSON reports of `simtiny run`."""

from __future__ import annotations

from typing import Any

from simtiny.modelrun import ModelReport
from simtiny.pipeline import describe_ops


def _rate(stats: tuple[int, int] | None) -> str:
    hits, misses = stats or (0, 0)
    total = hits + misses
    return f"{100.0 * hits / total:.1f}%" if total else "-"


def _kb(n: int) -> str:
    return f"{n / 1024:,.1f} KB"


def format_report(report: ModelReport, per_op: bool = True) -> str:
    c = report.compiled
    g = report.graph
    board = c.board
    lines = [
        f"model     {report.options.model.name}: {len(g.operators)} operators ({describe_ops(g)})",
    ]
    for note in g.notes:
        lines.append(f"          note: {note}")
    cached = "cached" if c.firmware.cached else f"built in {c.build_seconds:.1f} s"
    lines.append(f"firmware  {c.firmware.toolchain}, {cached}: {c.firmware.elf}")
    lines.append(f"reference {report.golden_runtime}")
    lines.append("")
    width = max(len(s.label) for s in report.samples)
    for s in report.samples:
        for cmp in s.comparisons:
            shape = "x".join(str(d) for d in cmp.shape)
            if cmp.exact:
                verdict = "bit-exact"
            else:
                verdict = (
                    f"MISMATCH: {cmp.mismatches} of {cmp.elements} elements differ, largest difference "
                    f"{cmp.max_abs_diff:g}; first at {cmp.first_mismatch}: simtiny {cmp.got}, LiteRT {cmp.want}"
                )
            lines.append(f"{s.label:<{width}}  output {cmp.index} [{shape}] {cmp.dtype}: {verdict}")
    lines.append("")
    flash = c.size.flash
    lines.append(
        f"flash     {_kb(flash.used)} of {_kb(board.flash_budget)} ({100 * flash.used / board.flash_budget:.1f}%)"
        f"; constants {_kb(c.generated.const_bytes)}"
    )
    parts = c.flash_breakdown()
    if any(parts.values()):
        lines.append(
            "          " + ", ".join(f"{name} {_kb(n)}" for name, n in parts.items())
        )
    peak = report.peak_sram
    lines.append(
        f"SRAM      {_kb(peak)} of {_kb(board.sram_budget)} ({100 * peak / board.sram_budget:.1f}%): "
        f"static {_kb(c.static_ram)} (arena {_kb(c.generated.arena_size)}, {len(c.plan.in_place)} operators "
        f"in place) + stack {report.stack_bytes:,} B (measured)"
    )
    for problem in report.fit_problems():
        lines.append(f"DOES NOT FIT {board.name}: {problem}")
    s0 = report.samples[0]
    mhz = board.clock_hz / 1e6
    inference = s0.inference_cycles
    ms = inference * 1000.0 / board.clock_hz
    macs = report.total_macs
    memory = "caches and wait states" if s0.memory_model else "ideal memory (--ideal-memory)"
    lines.append(
        f"latency   {inference:,} cycles = {ms:.3f} ms at {mhz:g} MHz ({memory}); "
        f"{macs:,} MACs, {macs / max(inference, 1):.3f} MAC/cycle"
    )
    if s0.memory_model:
        overhead = s0.inference_memory_cycles
        lines.append(
            f"          ideal memory: {inference - overhead:,} cycles = "
            f"{(inference - overhead) * 1000.0 / board.clock_hz:.3f} ms; memory costs {overhead:,} cycles"
            + (
                f" (I-cache {_rate(s0.icache)}, D-cache {_rate(s0.dcache)} hits)"
                if s0.icache and s0.dcache
                else ""
            )
        )
    lines.append(f"run       {s0.cycles:,} cycles from reset (start-up included), {s0.instructions:,} instructions")
    if per_op:
        lines.append("")
        header = f"{'op':>4}  {'operator':<24} {'cycles':>14}  {'share':>6}  {'ms':>9}  {'MACs':>12}  {'MAC/cyc':>7}"
        lines.append(header)
        total = max(sum(s0.op_cycles), 1)
        for i, (op, cyc) in enumerate(zip(g.operators, s0.op_cycles, strict=True)):
            m = report.macs[i] if report.macs else 0
            rate = f"{m / cyc:7.3f}" if m and cyc else " " * 7
            lines.append(
                f"{i:>4}  {op.opcode:<24} {cyc:>14,}  {100 * cyc / total:5.1f}%  "
                f"{cyc * 1000.0 / board.clock_hz:9.3f}  {m:>12,}  {rate}"
            )
    if report.first_bad_layer:
        d = report.first_bad_layer
        lines.append("")
        lines.append(
            f"first differing operator: #{d.op_index} {d.opcode} (tensor {d.tensor}): {d.mismatches} of "
            f"{d.elements} elements differ; first at {d.flat_index}: simtiny {d.got}, LiteRT {d.want}"
        )
    elif report.options.debug_layers and not report.exact:
        lines.append(f"--debug-layers: all {report.layers_checked} operator outputs matched LiteRT")
    lines.append("")
    verdict = "BIT-EXACT" if report.exact else "MISMATCH"
    lines.append(
        f"{verdict}: {len(report.samples)} sample(s) against LiteRT reference kernels "
        f"({report.seconds.get('total', 0):.1f} s)"
    )
    return "\n".join(lines) + "\n"


def report_json(report: ModelReport) -> dict[str, Any]:
    c = report.compiled
    board = c.board
    return {
        "model": str(report.options.model),
        "platform": board.name,
        "operators": [op.opcode for op in report.graph.operators],
        "notes": report.graph.notes,
        "toolchain": c.firmware.toolchain,
        "firmware": str(c.firmware.elf),
        "reference": report.golden_runtime,
        "bit_exact": report.exact,
        "exit_code": report.exit_code,
        "fits": not report.fit_problems(),
        "fit_problems": report.fit_problems(),
        "flash_bytes": c.size.flash.used,
        "flash_budget": board.flash_budget,
        "sram_bytes": report.peak_sram,
        "static_ram_bytes": c.static_ram,
        "stack_bytes": report.stack_bytes,
        "flash_breakdown": c.flash_breakdown(),
        "in_place_operators": sorted(c.plan.in_place),
        "sram_budget": board.sram_budget,
        "arena_bytes": c.generated.arena_size,
        "constant_bytes": c.generated.const_bytes,
        "macs": report.total_macs,
        "clock_hz": board.clock_hz,
        "samples": [
            {
                "label": s.label,
                "bit_exact": s.exact,
                "inference_cycles": s.inference_cycles,
                "milliseconds": s.inference_cycles * 1000.0 / board.clock_hz,
                "memory_model": s.memory_model,
                "run_cycles": s.cycles,
                "run_ideal_cycles": s.ideal_cycles,
                "memory_cycles": s.cycles - s.ideal_cycles,
                "inference_memory_cycles": s.inference_memory_cycles,
                "inference_ideal_cycles": s.inference_cycles - s.inference_memory_cycles,
                "icache_hits_misses": s.icache,
                "dcache_hits_misses": s.dcache,
                "instructions": s.instructions,
                "stack_bytes": s.stack.used if s.stack else None,
                "outputs": [
                    {
                        "index": cmp.index,
                        "shape": list(cmp.shape),
                        "dtype": cmp.dtype,
                        "mismatches": cmp.mismatches,
                        "max_abs_diff": cmp.max_abs_diff,
                        "values": s.outputs[cmp.index].reshape(-1).tolist()[:4096],
                    }
                    for cmp in s.comparisons
                ],
                "mac_per_cycle": report.total_macs / max(s.inference_cycles, 1),
                "op_cycles": [
                    {
                        "index": i,
                        "operator": op.opcode,
                        "cycles": cyc,
                        "milliseconds": cyc * 1000.0 / board.clock_hz,
                        "macs": report.macs[i] if report.macs else 0,
                        "mac_per_cycle": (report.macs[i] / cyc) if report.macs and cyc else None,
                        "memory_cycles": s.op_memory_cycles[i] if s.op_memory_cycles else None,
                    }
                    for i, (op, cyc) in enumerate(zip(report.graph.operators, s.op_cycles, strict=True))
                ],
            }
            for s in report.samples
        ],
        "first_bad_layer": None if report.first_bad_layer is None else report.first_bad_layer.__dict__,
        "seconds": report.seconds,
    }
