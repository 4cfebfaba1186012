"""What an engine is asked to run and what every engine gives back: plain dataclasses.

`RunResult` holds what any engine can fill (how the run ended, the console, memory read back,
instructions, cycles, the fault, the stack); what only a cycle model knows sits in `Timing`,
and what only one engine knows in `extras`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simtiny.platform import Platform
from simtiny.sim.timing import Accuracy, accuracy_of

if TYPE_CHECKING:
    from simtiny.elf.image import ElfImage

DEFAULT_MAX_INSTRUCTIONS = 2_000_000_000  # about 4 s of a 480 MHz core at one instruction/cycle
STATUSES = ("exit", "fault", "budget", "stopped")
DEFAULT_CONSOLE_LIMIT = 1 << 20  # bytes of each console stream a RunResult keeps; the rest is only counted

# Gets each piece of console output as the firmware writes it: the stream's name and the bytes.
ConsoleCallback = Callable[[str, bytes], None]


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
    memory_model: bool = True  # caches and wait states (about 5x slower); False: ideal memory
    paint_ram: bool = False  # fill every writable region with the paint byte, report what was written
    timing: str | None = None  # timing model by name; None: the one the platform's CPU names
    options: dict[str, Any] = field(default_factory=dict)  # engine-specific (see the engine's docs)
    on_console: ConsoleCallback | None = None  # console output as it comes (all of it, unlike the result)
    console_limit: int = DEFAULT_CONSOLE_LIMIT  # bytes of each console stream kept in the result
    # semihosting's files: this directory (kept), or None for a temporary one removed after the run
    files: Path | None = None
    stdin: bytes = b""  # the console's input through semihosting, then end of input
    image: ElfImage | None = None  # `elf` already read by the caller (None: the engine reads it)


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
    # the heap's high-water mark when the heap shares the painted range (the stack cannot pass it)
    heap_top: int | None = None

    @property
    def size(self) -> int:
        return self.initial_sp - self.limit

    @property
    def overflowed(self) -> bool:
        if self.heap_top is not None:
            return self.initial_sp - self.used <= self.heap_top
        return self.used >= self.size


@dataclass(frozen=True)
class HeapUse:
    """Heap high-water mark (malloc's sbrk area), measured apart from the stack by painting it."""

    base: int  # where the heap starts (the C library's first break)
    limit: int  # the highest address it may reach (its end symbol, the stack's limit or the initial SP)
    used: int  # bytes from the base up to the highest one the run wrote

    @property
    def size(self) -> int:
        return self.limit - self.base


@dataclass(frozen=True)
class FunctionCycles:
    """Flat-profile line: one function's share of the run."""

    name: str
    instructions: int
    cycles: int
    # where the cycles went: the pipeline's price of its blocks, wrong branch predictions,
    # instruction fetch (I-cache misses, wait states) and data loads (D-cache, wait states)
    pipeline: int = 0
    mispredicted: int = 0
    fetch: int = 0
    loads: int = 0


@dataclass(frozen=True)
class BlockCount:
    """How often one straight run of code (a translated block) ran, and what one run of it costs."""

    address: int
    size: int
    instructions: int
    cycles: int  # one execution, static price
    count: int
    extra_cycles: int = 0  # dynamic cycles charged to it: the sum of the three below
    mispredicted_cycles: int = 0  # wrong predictions of the branch that ends it
    fetch_cycles: int = 0  # I-cache misses and wait states fetching it
    load_cycles: int = 0  # D-cache misses and wait states of its loads
    pipeline_cycles: int | None = None  # static cycles of all its runs; None: count x cycles

    @property
    def pipeline(self) -> int:
        """The pipeline's price of all its runs (a run entered right after a branch that pairs
        with its first instruction costs less than `cycles`)."""
        return self.count * self.cycles if self.pipeline_cycles is None else self.pipeline_cycles

    @property
    def total_cycles(self) -> int:
        return self.pipeline + self.extra_cycles


@dataclass(frozen=True)
class Console:
    """What the firmware printed: on the board's console UART and through semihosting.

    Each stream keeps its first `RunRequest.console_limit` bytes, so host memory does not grow
    with what the firmware prints; `*_dropped` counts the bytes past that (`on_console` saw them).
    """

    uart: str = ""
    semihosting: str = ""
    uart_dropped: int = 0
    semihosting_dropped: int = 0

    @property
    def text(self) -> str:
        return self.uart + self.semihosting

    @property
    def dropped(self) -> int:
        return self.uart_dropped + self.semihosting_dropped


@dataclass
class Timing:
    """What a cycle model adds to a run: the memory system's share and its counters."""

    model: str  # the timing model's name ("cortex-m7", "1-cpi")
    memory_model: bool  # caches and wait states priced (False: zero-wait memory)
    memory_cycles: int = 0  # part of the run's cycles spent waiting on memory
    mispredicts: int = 0
    icache: tuple[int, int] | None = None  # (hits, misses)
    dcache: tuple[int, int] | None = None
    # (cycles, memory cycles) at each read of the cycle counter, in order (DWT CYCCNT)
    counter_reads: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class RunResult:
    """Everything one run produced."""

    engine: str
    status: str  # one of STATUSES
    exit_code: int | None
    console: Console
    instructions: int
    cycles: int | None  # None: the engine has no cycle model
    clock_hz: int
    stack: StackUse | None
    fault: Fault | None = None
    stop_pc: int | None = None
    stop_symbol: str | None = None
    memory: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    host_seconds: float = 0.0
    timing: Timing | None = None
    profile: list[FunctionCycles] = field(default_factory=list)
    blocks: list[BlockCount] = field(default_factory=list)  # executed blocks, with profile
    touched: dict[str, tuple[int, int]] = field(default_factory=dict)  # region -> lowest, highest written
    extras: dict[str, Any] = field(default_factory=dict)  # engine-specific figures
    heap: HeapUse | None = None  # None: the ELF names no heap (simtiny's own firmware has none)
    exit_reason: int | None = None  # the ADP_Stopped_* reason of a semihosting exit (status 1 unless ApplicationExit)

    @property
    def memory_cycles(self) -> int:
        return self.timing.memory_cycles if self.timing else 0

    @property
    def ideal_cycles(self) -> int | None:
        """Cycles with zero-wait memory: the pipeline and branch model alone."""
        return None if self.cycles is None else self.cycles - self.memory_cycles

    @property
    def milliseconds(self) -> float | None:
        return None if self.cycles is None else self.cycles * 1000.0 / self.clock_hz

    @property
    def silicon_milliseconds(self) -> tuple[float, float] | None:
        """The time silicon would likely take, from the cycle model's evidence; None without a
        claim (no cycle model, ideal memory, or a model with no evidence)."""
        accuracy = self.accuracy
        if self.cycles is None or accuracy is None:
            return None
        return accuracy.silicon_ms(self.cycles, self.clock_hz)

    @property
    def accuracy(self) -> Accuracy | None:
        if self.timing is None or not self.timing.memory_model:
            return None
        return accuracy_of(self.timing.model)

    @property
    def instructions_per_second(self) -> float:
        return self.instructions / self.host_seconds if self.host_seconds else 0.0
