"""Text and JSON reports of one simulator run (`simtiny sim`)."""

from __future__ import annotations

from typing import Any

from simtiny.engines.result import RunRequest, RunResult
from simtiny.errors import EXIT_SIM_BUDGET, EXIT_SIM_FAULT, EXIT_SIM_NO_EXIT


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
    if not result.memory_model:
        return " (ideal memory)"
    return f" ({result.ideal_cycles:,} with ideal memory; {result.mispredicts:,} mispredicted branches)"


def format_run(result: RunResult, request: RunRequest) -> str:
    lines = []
    if result.console:
        lines.append(result.console if result.console.endswith("\n") else result.console + "\n")
    mhz = result.clock_hz / 1e6
    rows = [
        ("result", outcome_line(result, request)),
        ("instructions", f"{result.instructions:,}"),
        ("cycles", f"{result.cycles:,}" + _memory_note(result)),
        ("time", f"{result.milliseconds:.3f} ms at {mhz:g} MHz"),
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
        total = max(result.cycles, 1)
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
    return {
        "firmware": str(request.elf),
        "platform": request.platform.name,
        "status": result.status,
        "exit_code": result.exit_code,
        "process_exit_code": exit_code_of(result),
        "console": result.console,
        "uart": result.uart_text,
        "semihosting": result.semihosting_text,
        "instructions": result.instructions,
        "cycles": result.cycles,
        "ideal_cycles": result.ideal_cycles,
        "memory_cycles": result.memory_cycles,
        "memory_model": result.memory_model,
        "mispredicts": result.mispredicts,
        "icache_hits_misses": result.icache,
        "dcache_hits_misses": result.dcache,
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
