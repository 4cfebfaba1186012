"""The measure stage: every figure simtiny reports (flash, SRAM, stack, cycles, latency, MACs,
MAC/cycle) made once, here, into one `Figures` value that every front reads.

Definitions, the same in the terminal, JSON, Robot, pytest, `check` and `bench`:
- flash: bytes the image puts in flash regions (by load address, so .data's initial values count);
- static RAM: bytes of the image's sections in RAM regions (.data, .bss, the arena), not the stack;
- stack: the deepest stack a run wrote (painted at reset), the deepest of all samples;
- peak SRAM: static RAM plus stack (simtiny firmware has no heap);
- cycles: for a model, st_model_run() as the firmware's own cycle counter saw it, on the slowest
  sample (its per-operator breakdown is that sample's); for a firmware, the whole run;
- latency: cycles at the board's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simtiny.contract import RAM_KINDS, STACK_SECTIONS
from simtiny.elf.image import ElfImage
from simtiny.elf.size import SizeReport
from simtiny.platform import Platform
from simtiny.sim.result import RunResult
from simtiny.sim.timing import Accuracy
from simtiny.units import format_kb

if TYPE_CHECKING:
    from simtiny.flow.build import CompiledModel
    from simtiny.flow.simulate import ModelRun


@dataclass(frozen=True)
class OperatorFigures:
    """One operator of a model: its cycles (and the memory system's share of them) and MACs."""

    index: int
    opcode: str
    cycles: int
    memory_cycles: int | None
    macs: int

    @property
    def mac_per_cycle(self) -> float | None:
        return self.macs / self.cycles if self.macs and self.cycles else None


@dataclass(frozen=True)
class Figures:
    """What one program costs on one board, with the board's budgets to hold it against."""

    board: str
    clock_hz: int
    flash_budget: int
    sram_budget: int
    flash: int  # bytes
    static_ram: int  # bytes
    stack: int  # bytes, measured
    cycles: int | None  # None: the engine has no cycle model
    memory_cycles: int = 0  # of `cycles`, waiting on memory (0 with ideal memory)
    memory_model: bool = True  # caches and wait states priced
    macs: int = 0
    operators: tuple[OperatorFigures, ...] = ()
    flash_breakdown: dict[str, int] = field(default_factory=dict)  # constants, model_code, kernels, runtime
    arena: int = 0
    constants: int = 0
    accuracy: Accuracy | None = None  # the cycle model's evidence, with caches and wait states priced
    stack_measured: bool = True  # False: no run painted RAM (the qemu engine), `stack` is 0 unmeasured

    @property
    def silicon_ms(self) -> tuple[float, float] | None:
        """The latency silicon would likely show, from the cycle model's evidence (None: no claim)."""
        if self.cycles is None or self.accuracy is None:
            return None
        return self.accuracy.silicon_ms(self.cycles, self.clock_hz)

    @property
    def peak_sram(self) -> int:
        return self.static_ram + self.stack

    @property
    def latency_ms(self) -> float | None:
        return None if self.cycles is None else self.cycles * 1000.0 / self.clock_hz

    @property
    def zero_wait_cycles(self) -> int | None:
        return None if self.cycles is None else self.cycles - self.memory_cycles

    @property
    def zero_wait_ms(self) -> float | None:
        zw = self.zero_wait_cycles
        return None if zw is None else zw * 1000.0 / self.clock_hz

    @property
    def mac_per_cycle(self) -> float | None:
        return None if not self.cycles else self.macs / self.cycles

    @property
    def fit_problems(self) -> list[str]:
        """One line per budget exceeded: what is needed against what the board has."""
        out = []
        budgets = (("flash", self.flash, self.flash_budget), ("SRAM", self.peak_sram, self.sram_budget))
        for label, usage, budget in budgets:
            if usage > budget:
                out.append(
                    f"{label}: needs {format_kb(usage)}, the {self.board} budget is {format_kb(budget)} "
                    f"({format_kb(usage - budget)} over)"
                )
        return out

    @property
    def fits(self) -> bool:
        return not self.fit_problems

    @property
    def fit_verdict(self) -> bool | None:
        """Whether it fits; None when that cannot be told: the stack was not measured and no
        budget is exceeded already."""
        return self.fits if self.stack_measured or self.fit_problems else None


def static_ram(image: ElfImage, platform: Platform) -> int:
    """RAM the image reserves in every RAM region (.data, .bss, the arena), not the stack."""
    ram = [r for r in platform.regions if r.kind in RAM_KINDS]
    total = 0
    for sec in image.sections:
        if not sec.alloc or not sec.size or sec.name in STACK_SECTIONS:
            continue
        if any(r.contains(sec.address) for r in ram):
            total += sec.size
    return total


def flash_breakdown(size: SizeReport, kernels: Sequence[str]) -> dict[str, int]:
    """From the linker map: model constants and code (model.o), kernels, everything else."""
    parts = {"constants": 0, "model_code": 0, "kernels": 0, "runtime": 0}
    kernel_objects = {f"{k}.o" for k in kernels}
    for obj in size.objects:
        name = obj.object.rsplit("/", 1)[-1]
        flash = obj.code + obj.rodata + obj.data
        if name == "model.o":
            parts["constants"] += obj.rodata + obj.data
            parts["model_code"] += obj.code
        elif name in kernel_objects:
            parts["kernels"] += flash
        elif not obj.object.startswith("*fill*"):
            parts["runtime"] += flash
    return parts


def firmware_figures(image: ElfImage, size: SizeReport, board: Platform, result: RunResult | None) -> Figures:
    """A firmware's figures: its image, and the whole run when it has run."""
    timing = result.timing if result is not None else None
    return Figures(
        board=board.name,
        clock_hz=board.clock_hz,
        flash_budget=board.flash_budget,
        sram_budget=board.sram_budget,
        flash=size.flash.used,
        static_ram=static_ram(image, board),
        stack=result.stack.used if result is not None and result.stack else 0,
        cycles=result.cycles if result is not None else None,
        memory_cycles=timing.memory_cycles if timing else 0,
        memory_model=timing.memory_model if timing else False,
        accuracy=result.accuracy if result is not None else None,
        stack_measured=result is not None and result.stack is not None,
    )


def model_figures(compiled: CompiledModel, runs: Sequence[ModelRun], macs: Sequence[int]) -> Figures:
    """A model's figures: its image on the real board, and its runs (the slowest sample's cycles)."""
    board = compiled.board
    slowest = max(runs, key=lambda r: r.inference_cycles) if runs else None
    stack = max((r.result.stack.used for r in runs if r.result.stack), default=0)
    stack_measured = any(r.result.stack for r in runs)
    operators: tuple[OperatorFigures, ...] = ()
    timing = slowest.result.timing if slowest else None
    if slowest is not None and slowest.op_cycles:
        memory = slowest.op_memory_cycles or [None] * len(slowest.op_cycles)
        operators = tuple(
            OperatorFigures(i, op.opcode, cyc, mem, macs[i] if macs else 0)
            for i, (op, cyc, mem) in enumerate(zip(compiled.graph.operators, slowest.op_cycles, memory, strict=True))
        )
    measured = slowest is not None and slowest.result.cycles is not None
    return Figures(
        board=board.name,
        clock_hz=board.clock_hz,
        flash_budget=board.flash_budget,
        sram_budget=board.sram_budget,
        flash=compiled.size.flash.used,
        static_ram=static_ram(compiled.image, compiled.platform),
        stack=stack,
        cycles=slowest.inference_cycles if measured else None,
        memory_cycles=slowest.inference_memory_cycles if measured else 0,
        memory_model=timing.memory_model if timing else False,
        macs=sum(macs),
        operators=operators,
        flash_breakdown=flash_breakdown(compiled.size, compiled.generated.kernels),
        arena=compiled.generated.arena_size,
        constants=compiled.generated.const_bytes,
        accuracy=slowest.result.accuracy if measured else None,
        stack_measured=stack_measured,
    )
