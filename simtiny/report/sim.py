"""Text and JSON reports of one firmware run (`simtiny sim`), and how a run ended in words."""

from __future__ import annotations

from typing import Any

from simtiny.errors import EXIT_SIM_BUDGET, EXIT_SIM_FAULT, EXIT_SIM_NO_EXIT
from simtiny.sim.result import RunRequest, RunResult


def exit_code_of(result: RunResult) -> int:
    """The process exit code for a run (documented in `simtiny sim --help`)."""
    if result.status == "exit" and result.exit_code is not None:
        return result.exit_code & 0xFF
    if result.status == "budget":
        return EXIT_SIM_BUDGET
    if result.status == "fault":
        return EXIT_SIM_FAULT
    return EXIT_SIM_NO_EXIT


def outcome_line(result: RunResult, request: RunRequest) -> str:
    if result.status == "exit":
        return f"exited with status {result.exit_code}"
    if result.status == "fault" and result.fault is not None:
        return f"FAULT: {result.fault.describe()}"
    where = f"PC 0x{result.stop_pc:08X}" if result.stop_pc is not None else "an unknown PC"
    if result.stop_symbol:
        where += f" in {result.stop_symbol}"
    if result.status == "budget":
        return (
            f"BUDGET: stopped after {result.instructions:,} instructions "
            f"(--max-instructions {request.max_instructions:,}), spinning at {where}"
        )
    return f"STOPPED without exiting at {where}"


def _memory_note(result: RunResult) -> str:
    t = result.timing
    if t is None or not t.memory_model:
        return " (ideal memory)"
    return f" ({result.ideal_cycles:,} with ideal memory; {t.mispredicts:,} mispredicted branches)"


def _cycle_rows(result: RunResult) -> list[tuple[str, str]]:
    if result.cycles is None:
        return [("cycles", f"not measured: the {result.engine} engine has no cycle model")]
    return [
        ("cycles", f"{result.cycles:,}" + _memory_note(result)),
        ("time", f"{result.milliseconds:.3f} ms at {result.clock_hz / 1e6:g} MHz"),
    ]


def format_run(result: RunResult, request: RunRequest) -> str:
    lines = []
    text = result.console.text
    if text:
        lines.append(text if text.endswith("\n") else text + "\n")
    rows = [
        ("result", outcome_line(result, request)),
        ("instructions", f"{result.instructions:,}"),
        *_cycle_rows(result),
    ]
    if result.stack is not None:
        s = result.stack
        rows.append(("stack used", f"{s.used:,} bytes of {s.size:,} (below 0x{s.initial_sp:08X})"))
    rows.append(
        (
            "host",
            f"{result.host_seconds:.3f} s, {result.instructions_per_second / 1e6:.1f} M instructions/s",
        )
    )
    width = max(len(k) for k, _ in rows)
    lines.extend(f"{k:<{width}}  {v}\n" for k, v in rows)
    if result.profile:
        total = max(result.cycles or 0, 1)
        lines.append("\nflat profile (cycles by function):\n")
        name_w = max(len(r.name) for r in result.profile[:30])
        for r in result.profile[:30]:
            lines.append(
                f"  {r.name:<{name_w}}  {r.cycles:>14,}  {100.0 * r.cycles / total:5.1f}%"
                f"  {r.instructions:>14,} insns\n"
            )
    return "".join(lines)


def run_to_json(result: RunResult, request: RunRequest) -> dict[str, Any]:
    fault = result.fault
    t = result.timing
    return {
        "firmware": str(request.elf),
        "platform": request.platform.name,
        "engine": result.engine,
        "status": result.status,
        "exit_code": result.exit_code,
        "process_exit_code": exit_code_of(result),
        "console": result.console.text,
        "uart": result.console.uart,
        "semihosting": result.console.semihosting,
        "instructions": result.instructions,
        "cycles": result.cycles,
        "ideal_cycles": result.ideal_cycles,
        "memory_cycles": result.memory_cycles,
        "memory_model": bool(t and t.memory_model),
        "timing_model": t.model if t else None,
        "mispredicts": t.mispredicts if t else None,
        "icache_hits_misses": t.icache if t else None,
        "dcache_hits_misses": t.dcache if t else None,
        "clock_hz": result.clock_hz,
        "milliseconds": result.milliseconds,
        "stack": None
        if result.stack is None
        else {
            "initial_sp": result.stack.initial_sp,
            "limit": result.stack.limit,
            "used": result.stack.used,
            "size": result.stack.size,
        },
        "fault": None
        if fault is None
        else {
            "kind": fault.kind,
            "pc": fault.pc,
            "symbol": fault.symbol,
            "address": fault.address,
            "detail": fault.detail,
            "message": fault.describe(),
        },
        "stop_pc": result.stop_pc,
        "stop_symbol": result.stop_symbol,
        "max_instructions": request.max_instructions,
        "warnings": result.warnings,
        "profile": [
            {"function": r.name, "instructions": r.instructions, "cycles": r.cycles} for r in result.profile
        ],
        "host_seconds": result.host_seconds,
    }


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
