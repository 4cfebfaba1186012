"""What an engine is asked to run and what it gives back: plain dataclasses, engine-neutral."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simtiny.platform import Platform

if TYPE_CHECKING:
    from simtiny.engines.unicorn.native import BlockCount

DEFAULT_MAX_INSTRUCTIONS = 2_000_000_000  # about 4 s of a 480 MHz core at one instruction/cycle


@dataclass(frozen=True)
class MemoryRead:
    """A range to read back after the run (for example an output tensor)."""

    name: str
    address: int
    size: int


@dataclass
class RunRequest:
    """One run of one ELF on one platform."""

    elf: Path
    platform: Platform
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS
    writes: dict[int, bytes] = field(default_factory=dict)  # poked after loading, before reset
    reads: list[MemoryRead] = field(default_factory=list)
    profile: bool = False  # per-function instructions and cycles from the block counts
    count_check: bool = False  # also count every instruction with a per-instruction hook (slow)
    memory_model: bool = True  # caches and wait states (about 5x slower); False: ideal memory
    paint_ram: bool = False  # fill every writable region with the paint byte, report what was written


@dataclass(frozen=True)
class Fault:
    """Why and where a run ended abnormally."""

    kind: str  # e.g. "unmapped read", "write to read-only memory", "undefined instruction"
    pc: int
    symbol: str | None
    address: int | None = None  # the data address, for memory faults
    detail: str = ""

    def describe(self) -> str:
        where = f"PC 0x{self.pc:08X}"
        if self.symbol:
            where += f" in {self.symbol}"
        text = self.kind
        if self.address is not None:
            text += f" at 0x{self.address:08X}"
        text += f" ({where})"
        if self.detail:
            text += f": {self.detail}"
        return text


@dataclass(frozen=True)
class StackUse:
    """Stack high-water mark measured by painting the stack before the run."""

    initial_sp: int
    limit: int  # lowest address of the painted stack area
    used: int  # bytes below the initial SP that the run wrote

    @property
    def size(self) -> int:
        return self.initial_sp - self.limit

    @property
    def overflowed(self) -> bool:
        return self.used >= self.size


@dataclass(frozen=True)
class FunctionCycles:
    """Flat-profile line: one function's share of the run."""

    name: str
    instructions: int
    cycles: int


@dataclass
class RunResult:
    """Everything one run produced."""

    status: str  # "exit", "fault", "budget", "stopped"
    exit_code: int | None
    console: str
    uart_text: str
    semihosting_text: str
    instructions: int
    cycles: int
    clock_hz: int
    stack: StackUse | None
    fault: Fault | None = None
    stop_pc: int | None = None
    stop_symbol: str | None = None
    memory: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    profile: list[FunctionCycles] = field(default_factory=list)
    host_seconds: float = 0.0
    exact_instructions: int | None = None  # the per-instruction count, with count_check
    memory_cycles: int = 0  # part of `cycles` spent waiting on memory (0 with ideal memory)
    memory_model: bool = False
    mispredicts: int = 0
    cyccnt_reads: list[tuple[int, int]] = field(default_factory=list)  # (cycles, memory cycles) per read
    touched: dict[str, tuple[int, int]] = field(default_factory=dict)  # region -> lowest, highest written
    icache: tuple[int, int] | None = None  # (hits, misses)
    dcache: tuple[int, int] | None = None
    blocks: list[BlockCount] = field(default_factory=list)  # executed blocks and their counts, with profile

    @property
    def ideal_cycles(self) -> int:
        """Cycles with zero-wait memory: the pipeline and branch model alone."""
        return self.cycles - self.memory_cycles

    @property
    def milliseconds(self) -> float:
        return self.cycles * 1000.0 / self.clock_hz

    @property
    def instructions_per_second(self) -> float:
        return self.instructions / self.host_seconds if self.host_seconds else 0.0
