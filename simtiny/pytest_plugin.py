"""pytest plugin (entry point ``pytest11``): the ``simtiny`` fixture builds and runs a model or a
firmware on the simulated board and returns figures to assert on.

    def test_kws(simtiny):
        r = simtiny.run("kws.tflite")
        assert r.bit_exact and r.peak_sram < 64 * 1024

Heavy imports wait until a test asks for the fixture, so the plugin costs nothing elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import numpy as np

    from simtiny.engines.result import RunResult
    from simtiny.modelrun import ModelReport
    from simtiny.robot.machine import Machine


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("simtiny", "simtiny: simulated Cortex-M7 runs (the simtiny fixture)")
    group.addoption("--simtiny-platform", default=None, help="board for the simtiny fixture (default stm32h743)")
    group.addoption("--simtiny-toolchain", default=None, choices=["gcc", "zig"], help="compiler for simtiny builds")
    group.addoption(
        "--simtiny-ideal-memory",
        action="store_true",
        default=None,
        help="price zero-wait memory in simtiny runs (about 5x faster; latency and cycles lower than the board's)",
    )
    parser.addini("simtiny_platform", "board for the simtiny fixture", default="stm32h743")
    parser.addini("simtiny_ideal_memory", "price zero-wait memory in simtiny runs", type="bool", default=False)


@dataclass
class ModelResult:
    """A model run: verdict against LiteRT and the figures (bytes, cycles, milliseconds)."""

    report: ModelReport
    mismatch: str | None  # the first difference from LiteRT, in words; None when bit-exact
    fit_problems: list[str] = field(default_factory=list)  # budgets exceeded, one line each

    @property
    def bit_exact(self) -> bool:
        return self.mismatch is None

    @property
    def fits(self) -> bool:
        return not self.fit_problems

    @property
    def outputs(self) -> list[np.ndarray]:
        """The firmware's outputs for the first sample."""
        return self.report.samples[0].outputs

    @property
    def golden(self) -> list[np.ndarray]:
        """LiteRT's outputs for the first sample."""
        return self.report.samples[0].golden

    @property
    def flash(self) -> int:
        return self.report.compiled.flash_bytes

    @property
    def peak_sram(self) -> int:
        """Static RAM plus the deepest stack the run measured."""
        return self.report.peak_sram

    @property
    def stack(self) -> int:
        return self.report.stack_bytes

    @property
    def cycles(self) -> int:
        """The slowest sample's inference, as the firmware's cycle counter saw it."""
        return max(s.inference_cycles for s in self.report.samples)

    @property
    def latency_ms(self) -> float:
        return self.report.latency_ms

    @property
    def op_cycles(self) -> list[int]:
        """Cycles per operator (model order), the slowest sample's for each."""
        return [max(c) for c in zip(*(s.op_cycles for s in self.report.samples), strict=True)]

    def top_class(self, output: int = 0, sample: int = 0) -> int:
        from simtiny.robot.checks import top_class

        return top_class(self.report.samples[sample].outputs[output])

    def __repr__(self) -> str:
        name = self.report.options.model.name
        verdict = "bit-exact" if self.bit_exact else self.mismatch
        fit = "" if self.fits else "; does NOT fit: " + "; ".join(self.fit_problems)
        return (
            f"<ModelResult {name}: {verdict}; flash {self.flash:,} B, peak SRAM {self.peak_sram:,} B, "
            f"{self.cycles:,} cycles = {self.latency_ms:.3f} ms{fit}>"
        )


@dataclass
class FirmwareResult:
    """A firmware run: how it ended, what it printed, what it used."""

    elf: Path
    result: RunResult
    outcome: str  # "exited with 7", "faulted: unmapped read at ...", ...
    flash: int
    static_ram: int

    @property
    def exit_code(self) -> int | None:
        """The firmware's exit status, None if it faulted or never exited."""
        return self.result.exit_code if self.result.status == "exit" else None

    @property
    def status(self) -> str:
        return self.result.status  # "exit", "fault", "budget", "stopped"

    @property
    def fault(self) -> str | None:
        return self.result.fault.describe() if self.result.fault else None

    @property
    def uart(self) -> str:
        return self.result.uart_text

    @property
    def uart_lines(self) -> list[str]:
        return [line.rstrip("\r") for line in self.result.uart_text.splitlines()]

    @property
    def console(self) -> str:
        """UART and semihosting output, interleaved as printed."""
        return self.result.console

    @property
    def cycles(self) -> int:
        return self.result.cycles

    @property
    def instructions(self) -> int:
        return self.result.instructions

    @property
    def latency_ms(self) -> float:
        return self.result.milliseconds

    @property
    def stack(self) -> int:
        return self.result.stack.used if self.result.stack else 0

    @property
    def peak_sram(self) -> int:
        return self.static_ram + self.stack

    def __repr__(self) -> str:
        return (
            f"<FirmwareResult {self.elf.name}: {self.outcome}; UART {self.uart_lines[:3]!r}; "
            f"{self.cycles:,} cycles, stack {self.stack:,} B>"
        )


class Simtiny:
    """What the ``simtiny`` fixture gives a test: build and run on the simulated board.

    Relative paths are looked up in the current directory, then beside the test file.
    Models run with the memory limits lifted, like ``simtiny check``: a model too big for the
    board is still measured and verified, and ``r.fits`` / ``r.fit_problems`` say so.
    """

    def __init__(self, base: Path, platform: str, memory_model: bool, toolchain: str | None) -> None:
        self.base = base
        self.platform = platform
        self.memory_model = memory_model
        self.toolchain = toolchain

    def path(self, name: str | Path) -> Path:
        p = Path(name)
        if p.is_absolute() or p.exists():
            return p
        beside = self.base / p
        if beside.exists():
            return beside
        from simtiny.errors import InputError

        raise InputError(f"{name}: no such file (looked in {Path.cwd()} and {self.base})")

    def machine(self, memory_model: bool | None = None) -> Machine:
        """A fresh machine with the fixture's settings (the Robot library's state, for advanced use)."""
        from simtiny.robot.machine import Machine

        return Machine(self.platform, self.memory_model if memory_model is None else memory_model, self.toolchain)

    def build(self, *sources: str | Path, optimize: str = "2", defines: Sequence[str] = ()) -> Path:
        """Compile C sources with simtiny's start-up code and HAL; returns the ELF (cached by content)."""
        return self.machine().build_firmware([self.path(s) for s in sources], optimize, tuple(defines))

    def run(self, target: str | Path, *inputs: str | Path, **options: Any) -> Any:
        """Run a ``.tflite`` model (`run_model`), an ``.elf`` or a C source (`run_firmware`)."""
        path = self.path(target)
        if path.suffix.lower() == ".tflite":
            return self.run_model(path, *inputs, **options)
        if inputs:
            from simtiny.errors import InputError

            raise InputError(f"{path.name}: inputs are for models; a firmware reads none")
        return self.run_firmware(path, **options)

    def run_model(
        self,
        model: str | Path,
        *inputs: str | Path,
        seed: int = 0,
        samples: int = 1,
        memory_model: bool | None = None,
        sram_budget: int | str | None = None,
        flash_budget: int | str | None = None,
        max_instructions: int | None = None,
    ) -> ModelResult:
        """Simulate a model on ``inputs`` (.npy, .bmp, .png; one per model input) or on ``samples``
        seeded random inputs, run LiteRT on the same, and compare. Budgets: bytes or "64 KB"."""
        from simtiny.robot.checks import output_difference
        from simtiny.robot.units import parse_size

        m = self.machine(memory_model)
        m.max_instructions = max_instructions
        m.lift_limits = True
        m.set_budgets(
            sram=None if sram_budget is None else parse_size(sram_budget),
            flash=None if flash_budget is None else parse_size(flash_budget),
        )
        m.load_model(self.path(model))
        report = m.run_inference([self.path(i) for i in inputs], seed, samples)
        mismatch = None
        for sample in report.samples:
            for i, (got, want) in enumerate(zip(sample.outputs, sample.golden, strict=True)):
                mismatch = mismatch or output_difference(i, got, want, "LiteRT", f" ({sample.label})")
        return ModelResult(report, mismatch, report.fit_problems())

    def run_firmware(
        self, firmware: str | Path, memory_model: bool | None = None, max_instructions: int | None = None
    ) -> FirmwareResult:
        """Run an ELF (or build a C source first) from reset to its exit, a fault or the budget."""
        from simtiny.pipeline import static_ram
        from simtiny.robot.checks import run_outcome

        m = self.machine(memory_model)
        m.max_instructions = max_instructions
        path = self.path(firmware)
        m.load_firmware(m.build_firmware([path]) if path.suffix.lower() == ".c" else path)
        result = m.run_firmware()
        assert m.elf is not None and m.image is not None
        outcome = run_outcome(result, m.firmware_budget())
        return FirmwareResult(m.elf, result, outcome, m.flash_bytes(), static_ram(m.image, m.platform))


@pytest.fixture
def simtiny(request: pytest.FixtureRequest) -> Simtiny:
    """Build and run models and firmware on the simulated board: ``simtiny.run("kws.tflite")``."""
    config = request.config
    platform = config.getoption("simtiny_platform") or config.getini("simtiny_platform")
    ideal = config.getoption("simtiny_ideal_memory")
    if ideal is None:
        ideal = config.getini("simtiny_ideal_memory")
    return Simtiny(Path(request.path).parent, platform, not ideal, config.getoption("simtiny_toolchain"))
