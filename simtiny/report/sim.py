"""Text and JSON reports of one firmware run (`simtiny sim`), how a run ended in words, and the
console echo that shows the firmware's output while it runs."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import IO, Any

from simtiny.errors import EXIT_SIM_BUDGET, EXIT_SIM_FAULT, EXIT_SIM_NO_EXIT, InputError
from simtiny.report.schema import stamped
from simtiny.report.text import silicon_note
from simtiny.sim.result import RunRequest, RunResult
from simtiny.sim.semihosting import ADP_STOPPED_APPLICATION_EXIT, reason_name


def exit_code_of(result: RunResult) -> int:
    """The process exit code for a run (documented in `simtiny sim --help`): the firmware's status
    modulo 256, but never 0 for a nonzero status (256 would otherwise read as a pass)."""
    if result.status == "exit" and result.exit_code is not None:
        code = result.exit_code & 0xFF
        return 1 if code == 0 and result.exit_code != 0 else code
    if result.status == "budget":
        return EXIT_SIM_BUDGET
    if result.status == "fault":
        return EXIT_SIM_FAULT
    return EXIT_SIM_NO_EXIT


def _abnormal_reason(result: RunResult) -> str:
    """' (ADP_Stopped_...)' when the firmware's semihosting exit gave a reason other than ApplicationExit."""
    reason = result.exit_reason
    if reason is None or reason == ADP_STOPPED_APPLICATION_EXIT:
        return ""
    return f" ({reason_name(reason)})"


def outcome_line(result: RunResult, request: RunRequest) -> str:
    if result.status == "exit":
        return f"exited with status {result.exit_code}{_abnormal_reason(result)}"
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
    rows = [
        ("cycles", f"{result.cycles:,}" + _memory_note(result)),
        ("time", f"{result.milliseconds:.3f} ms at {result.clock_hz / 1e6:g} MHz"),
    ]
    span, accuracy = result.silicon_milliseconds, result.accuracy
    if span is not None and accuracy is not None:
        rows.append(("", silicon_note(span, accuracy.basis)))
    return rows


def format_run(result: RunResult, request: RunRequest, console: bool = True) -> str:
    """The run's summary, after its console text (`console=False`: the text was shown as it came)."""
    lines = []
    text = result.console.text
    if text and console:
        lines.append(text if text.endswith("\n") else text + "\n")
    rows = [
        ("result", outcome_line(result, request)),
        ("instructions", f"{result.instructions:,}"),
        *_cycle_rows(result),
    ]
    if result.stack is not None:
        s = result.stack
        shared = ", shared with the heap" if s.heap_top is not None else ""
        rows.append(("stack used", f"{s.used:,} bytes of {s.size:,} (below 0x{s.initial_sp:08X}{shared})"))
    if result.heap is not None:
        h = result.heap
        rows.append(("heap used", f"{h.used:,} bytes high-water of {h.size:,} (from 0x{h.base:08X})"))
    if result.console.dropped:
        rows.append(
            (
                "console",
                f"{result.console.dropped:,} bytes past the first {request.console_limit:,} of a stream "
                "were not kept in memory",
            )
        )
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
        lines.append("\nflat profile (cycles by function; the pipeline's price of its code, then what\n")
        lines.append("wrong branch predictions, instruction fetch and data loads added):\n")
        shown = result.profile[:30]
        name_w = min(max(max(len(r.name) for r in shown), len("function")), 60)
        lines.append(
            f"  {'function':<{name_w}}  {'cycles':>12}  {'share':>6}  {'pipeline':>12}  {'branches':>10}"
            f"  {'fetch':>10}  {'loads':>10}  {'instructions':>12}\n"
        )
        for r in shown:
            name = r.name if len(r.name) <= name_w else r.name[: name_w - 3] + "..."
            lines.append(
                f"  {name:<{name_w}}  {r.cycles:>12,}  {100.0 * r.cycles / total:5.1f}%  {r.pipeline:>12,}"
                f"  {r.mispredicted:>10,}  {r.fetch:>10,}  {r.loads:>10,}  {r.instructions:>12,}\n"
            )
    return "".join(lines)


def run_to_json(result: RunResult, request: RunRequest) -> dict[str, Any]:
    fault = result.fault
    t = result.timing
    return stamped("sim", {
        "firmware": str(request.elf),
        "platform": request.platform.name,
        "engine": result.engine,
        "status": result.status,
        "exit_code": result.exit_code,
        "exit_reason": None if result.exit_reason is None else reason_name(result.exit_reason),
        "process_exit_code": exit_code_of(result),
        "console": result.console.text,
        "uart": result.console.uart,
        "semihosting": result.console.semihosting,
        "console_limit": request.console_limit,
        "files": None if request.files is None else str(request.files),
        "console_dropped": {"uart": result.console.uart_dropped, "semihosting": result.console.semihosting_dropped},
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
        "silicon_milliseconds": list(result.silicon_milliseconds) if result.silicon_milliseconds else None,
        "stack": None
        if result.stack is None
        else {
            "initial_sp": result.stack.initial_sp,
            "limit": result.stack.limit,
            "used": result.stack.used,
            "size": result.stack.size,
            "shared_with_heap": result.stack.heap_top is not None,
        },
        "stack_bytes": None if result.stack is None else result.stack.used,
        "heap": None
        if result.heap is None
        else {"base": result.heap.base, "limit": result.heap.limit, "used": result.heap.used, "size": result.heap.size},
        "heap_bytes": None if result.heap is None else result.heap.used,
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
            {
                "function": r.name,
                "instructions": r.instructions,
                "cycles": r.cycles,
                "pipeline": r.pipeline,
                "mispredicted": r.mispredicted,
                "fetch": r.fetch,
                "loads": r.loads,
            }
            for r in result.profile
        ],
        "host_seconds": result.host_seconds,
    })


def run_outcome(result: RunResult, budget: int) -> str:
    """How a firmware run ended, in words: 'exited with 7', 'faulted: unmapped read ...'."""
    if result.status == "exit":
        return f"exited with {result.exit_code}{_abnormal_reason(result)}"
    if result.status == "fault" and result.fault is not None:
        return f"faulted: {result.fault.describe()}"
    where = f" (spinning in {result.stop_symbol})" if result.stop_symbol else ""
    if result.status == "budget":
        return f"did not exit within {budget:,} instructions{where}"
    return f"stopped without exiting{where}"


class ConsoleEcho:
    """A `RunRequest.on_console` callback: shows console output as the firmware writes it on a
    text stream (stdout; UTF-8 decoded per stream) and copies it, raw, to a log file."""

    def __init__(self, out: IO[str] | None, log: IO[bytes] | None = None) -> None:
        self.out = out
        self.log = log
        self.ends_line = True  # whether what was shown so far ends with a newline
        self.broken = False  # the reader of `out` went away (a closed pipe): showing stopped
        self._decoders: dict[str, codecs.IncrementalDecoder] = {}

    def __call__(self, stream: str, data: bytes) -> None:
        if self.log is not None:
            self._to_log(lambda log: log.write(data))
        decoder = self._decoders.get(stream)
        if decoder is None:
            decoder = self._decoders[stream] = codecs.getincrementaldecoder("utf-8")("replace")
        self._show(decoder.decode(data), flush=len(data) > 1)

    def show(self, text: str) -> None:
        """Show text of simtiny's own after the console's (the summary), flushed."""
        self._show(text, flush=True)

    def finish(self) -> None:
        """Show what the decoders still hold and flush both outputs."""
        for decoder in self._decoders.values():
            self._show(decoder.decode(b"", final=True), flush=False)
        self._show("", flush=True)
        if self.log is not None:
            self._to_log(lambda log: log.flush())

    def _to_log(self, action: Callable[[IO[bytes]], object]) -> None:
        assert self.log is not None
        try:
            action(self.log)
        except OSError as exc:
            name = getattr(self.log, "name", "the console log")
            raise InputError(f"cannot write {name}: {exc.strerror or exc}") from None

    def _show(self, text: str, flush: bool) -> None:
        if self.out is None or self.broken:
            return
        try:
            if text:
                self.out.write(text)
                self.ends_line = text.endswith("\n")
            if flush or "\n" in text:
                self.out.flush()
        except BrokenPipeError:
            self.broken = True
