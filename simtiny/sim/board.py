"""One simulated board for one run, engine-neutral: memory map checks, register models, Arm
semihosting, the console, stack painting and the results every engine reports the same way.

An engine only translates: it maps the platform's regions, routes peripheral-window accesses to
`bus`, passes `bkpt 0xAB` to `semihosting`, names faults with simtiny.sim.faults, and calls
`finish` with what its core counted.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from simtiny.elf.image import ElfImage, check_flash_image, check_load_segments
from simtiny.errors import InputError
from simtiny.platform import Platform
from simtiny.sim import faults, stack
from simtiny.sim.peripherals import PeripheralBus
from simtiny.sim.peripherals.cortexm import Dwt, SystemControlSpace
from simtiny.sim.profile import symbol_name
from simtiny.sim.result import Console, ConsoleCallback, Fault, RunRequest, RunResult, StackUse, Timing
from simtiny.sim.sandbox import Sandbox
from simtiny.sim.semihosting import NAMES, Semihost, SemihostingError
from simtiny.sim.target import Memory

SEMIHOSTING_BKPT = 0xBEAB  # bkpt 0xAB, Thumb encoding


@dataclass
class Reset:
    """Where the core starts: the initial stack pointer and PC from the vector table, and the
    lowest address of the painted stack."""

    sp: int
    pc: int
    stack_limit: int | None  # None: no valid stack range below `sp`, nothing painted
    heap: tuple[int, int] | None = None  # the painted heap's base and limit, when the ELF names one


@dataclass
class ConsoleStream:
    """One console stream of a run: every byte goes to the request's callback as it comes, the
    first `limit` bytes are kept for the result and the rest only counted (host memory stays
    bounded whatever the firmware prints).

    A console UART model appends to it byte by byte as to a bytearray: those bytes are passed on
    a line at a time (or `LINE` bytes), and by `flush` (before other output, at the end).
    """

    LINE = 256

    name: str
    limit: int
    on_console: ConsoleCallback | None = None
    kept: bytearray = field(default_factory=bytearray)
    dropped: int = 0
    pending: bytearray = field(default_factory=bytearray)

    def append(self, byte: int) -> None:
        self.pending.append(byte)
        if byte == 0x0A or len(self.pending) >= self.LINE:
            self.flush()

    def extend(self, data: bytes) -> None:
        self.flush()
        self._take(bytes(data))

    def flush(self) -> None:
        if self.pending:
            data = bytes(self.pending)
            self.pending.clear()
            self._take(data)

    def text(self) -> str:
        self.flush()
        return _text(bytes(self.kept))

    def _take(self, data: bytes) -> None:
        if not data:
            return
        if self.on_console is not None:
            self.on_console(self.name, data)
        room = max(0, self.limit - len(self.kept))
        if room:
            self.kept += data[:room]
        self.dropped += max(0, len(data) - room)


@dataclass
class Ending:
    """How the engine's core stopped, in engine-neutral terms."""

    pc: int
    fault: Fault | None = None
    budget_exhausted: bool = False
    warnings: list[str] = field(default_factory=list)


class Board:
    """The board around the core for one run of `request.elf`."""

    def __init__(self, request: RunRequest, image: ElfImage, clock: Callable[[], int]) -> None:
        self.request = request
        self.platform: Platform = request.platform
        self.image = image
        check_load_segments(image, self.platform)
        check_flash_image(image, self.platform)
        self.bus = PeripheralBus(self.platform, clock)
        self.scs = self.bus.find(SystemControlSpace)
        self.dwt = self.bus.find(Dwt)
        limit = max(0, request.console_limit)
        self.semihosting_out = ConsoleStream("semihosting", limit, request.on_console)
        self.uart_out = ConsoleStream("uart", limit, request.on_console)
        for name, model in self.bus.consoles.items():  # other UARTs' text is not reported: count it only
            model.sent = self.uart_out if name == self.platform.console.lower() else ConsoleStream(name, 0)
        self.console_model = self.bus.consoles.get(self.platform.console.lower())
        if self.console_model is not None and hasattr(self.console_model, "receive"):
            self.console_model.receive(request.options.get("uart_input", ()))  # [(cycle, bytes)] the host sends
        self.semihost = Semihost(
            cycles=clock,
            clock_hz=self.platform.clock_hz,
            on_output=self._semihosting_output,
            regions=self.platform.regions,
            stdin=bytes(request.stdin),
            sandbox=Sandbox(request.files),
        )
        self.stack_note = ""  # why the stack use is unknown, when it is

    def _semihosting_output(self, data: bytes) -> None:
        self.uart_out.flush()  # the console's text in the order the firmware wrote it
        self.semihosting_out.extend(data)

    # ----- before the run ----------------------------------------------------------------------
    def load_image(self) -> list[tuple[int, bytes]]:
        """The ELF's loadable bytes, each checked to lie in the board's memory."""
        out = []
        for seg in self.image.segments:
            if not seg.data:
                continue
            region = self.platform.region_at(seg.paddr)
            if region is None or not region.contains(seg.paddr, len(seg.data)):
                raise InputError(
                    f"{self.request.elf}: a loadable segment at 0x{seg.paddr:08X} "
                    f"({len(seg.data)} bytes) lies outside the memory of {self.platform.name}"
                )
            out.append((seg.paddr, seg.data))
        return out

    def reset(self, memory: Memory) -> Reset:
        """Read the vector table, apply the host's writes, paint the stack (and all RAM when
        asked): the state at the first instruction."""
        for address, data in self.request.writes.items():
            _write(memory, address, data)
        boot = self.platform.boot_address
        sp, pc = struct.unpack("<II", memory.read(boot, 8))
        region = self.platform.region_at(pc & ~1)
        if not pc & 1 or region is None or "x" not in region.access:
            raise InputError(
                f"{self.request.elf}: no vector table at 0x{boot:08X} (reset vector 0x{pc:08X} "
                "is not a Thumb address in executable memory)"
            )
        sp_region = self.platform.region_at(sp - 4)
        if sp_region is None or "w" not in sp_region.access:
            raise InputError(f"{self.request.elf}: initial stack pointer 0x{sp:08X} is not in writable RAM")
        if self.request.paint_ram:
            stack.paint_ram(memory, self.platform)
            for address, data in self.request.writes.items():
                _write(memory, address, data)
        limit = stack.stack_limit(self.image, self.platform, sp)
        if limit is None:
            self.stack_note = (
                f"the ELF's symbols and sections give no believable stack range below the initial SP 0x{sp:08X}"
            )
            heap = None
        else:
            stack.paint_stack(memory, limit, sp)
            heap = stack.heap_range(self.image, self.platform, sp, limit)
        if heap is not None:
            stack.paint_stack(memory, heap[0], min(heap[1], sp))
        # SYS_HEAPINFO: where a C library's start-up puts its heap and stack
        self.semihost.heap_info = (*(heap or (0, 0)), sp, limit or 0)
        return Reset(sp, pc, limit, heap)

    # ----- during the run ----------------------------------------------------------------------
    def semihosting(self, op: int, arg: int, memory: Memory, pc: int) -> int | Fault:
        """One semihosting call (r0 = op, r1 = arg): the value for r0, or the fault that ends the run
        when an argument lies outside the board's memory. `exited` says if it ended the run."""
        try:
            return self.semihost.handle(op, arg, memory)
        except SemihostingError as exc:
            return self.fault("bad semihosting argument", pc, exc.address, str(exc))

    @property
    def exited(self) -> bool:
        return self.semihost.exited

    def close(self) -> None:
        """Release what the run holds on the host: its open files, and the files directory when
        simtiny made it. `finish` does it; an engine that stops without finishing calls it."""
        self.semihost.close()

    def fault(self, kind: str, pc: int, address: int | None = None, detail: str = "") -> Fault:
        return Fault(kind, pc, self.symbol(pc), address, detail)

    def memory_fault(self, access: str, reason: str, pc: int, address: int, size: int, lr: int | None) -> Fault:
        """A load, store or fetch the memory map refuses, described with the region it hit."""
        text = faults.MEMORY.get((access, reason), f"memory fault ({access}, {reason})")
        region = self.platform.region_at(address)
        detail = f"{size}-byte access"
        if region is not None:
            detail += f" to {region.name} ({region.access})"
        if access == "fetch" and lr is not None:
            detail += "; " + self.where("LR", lr)
        return self.fault(text, pc, address, detail)

    def where(self, label: str, address: int) -> str:
        name = self.symbol(address & ~1)
        return f"{label} 0x{address:08X}" + (f" in {name}" if name else "")

    def symbol(self, address: int) -> str | None:
        return symbol_name(self.image, address)

    # ----- after the run -----------------------------------------------------------------------
    def finish(
        self,
        engine: str,
        memory: Memory,
        reset: Reset,
        ending: Ending,
        instructions: int,
        cycles: int | None,
        seconds: float,
        timing: Timing | None = None,
    ) -> RunResult:
        """The engine-neutral result: status, console, stack, memory read back, warnings."""
        self.close()
        fault = ending.fault
        status = "stopped"
        if self.exited:
            status, fault = "exit", None
        elif ending.budget_exhausted:
            status = "budget"
        elif fault is not None:
            status = "fault"
        elif self.scs is not None and self.scs.reset_requested:
            status, fault = "fault", self.fault(faults.RESET_REQUEST, ending.pc)
        used, heap = None, None
        if reset.stack_limit is not None:
            used, heap = stack.measure(memory, reset.sp, reset.stack_limit, reset.heap)
        result = RunResult(
            engine=engine,
            status=status,
            exit_code=self.semihost.exit_status,
            exit_reason=self.semihost.exit_reason,
            console=self.console(),
            instructions=instructions,
            cycles=cycles,
            clock_hz=self.platform.clock_hz,
            stack=used,
            heap=heap,
            fault=fault,
            stop_pc=ending.pc,
            stop_symbol=self.symbol(ending.pc),
            memory=self._reads(memory),
            warnings=[*ending.warnings, *self._warnings(used, reset.sp)],
            host_seconds=seconds,
            timing=timing,
            touched=stack.touched_ram(memory, self.platform) if self.request.paint_ram else {},
        )
        if timing is not None and self.dwt is not None:
            timing.counter_reads = list(self.dwt.reads)
        sent_at = getattr(self.console_model, "sent_at", None)
        if sent_at is not None:
            result.extras["uart_cycles"] = list(sent_at)  # the cycle of each console byte
        return result

    def console(self) -> Console:
        uart, semihosting = self.uart_out, self.semihosting_out
        uart.flush()
        return Console(uart.text(), semihosting.text(), uart.dropped, semihosting.dropped)

    def _reads(self, memory: Memory) -> dict[str, bytes]:
        out = {}
        for read in self.request.reads:
            try:
                out[read.name] = memory.read(read.address, read.size)
            except Exception as exc:  # the engine's own error type: any failure is the caller's range
                raise InputError(f"cannot read '{read.name}' at 0x{read.address:08X}: {exc}") from exc
        return out

    def _warnings(self, used: StackUse | None, sp: int) -> list[str]:
        out = []
        if self.bus.unmodelled:
            out.append("registers with no model read as zero: " + self.bus.unmodelled.summary())
        for op, n in sorted(self.semihost.unsupported.items()):
            out.append(f"unsupported semihosting operation 0x{op:02X} called {n}x")
        for op, n in sorted(self.semihost.refused.items()):
            out.append(f"semihosting {NAMES.get(op, f'0x{op:02X}')} refused {n}x (firmware runs no host commands)")
        out.extend(self.semihost.notes)
        if used is None:
            out.append(f"stack use unknown: {self.stack_note}")
        elif used.overflowed and used.heap_top is not None:
            out.append(
                f"the stack below 0x{sp:08X} reached the heap (up to 0x{used.heap_top:08X}): it may have overflowed"
            )
        elif used.overflowed:
            out.append(f"the stack used all {used.size} bytes painted below 0x{sp:08X}: it may have overflowed")
        return out


def _write(memory: Memory, address: int, data: bytes) -> None:
    try:
        memory.write(address, bytes(data))
    except Exception as exc:  # the engine's own error type
        raise InputError(f"cannot write {len(data)} bytes at 0x{address:08X}: {exc}") from exc


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
