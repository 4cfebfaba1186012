"""pytest plugin (entry point ``pytest11``): the ``simtiny`` fixture builds and runs a model or a
firmware on the simulated board and returns figures to assert on.

    def test_kws(simtiny):
        r = simtiny.run("kws.tflite")
        assert r.bit_exact and r.peak_sram < 64 * 1024

Heavy imports wait until a test asks for the fixture, so the plugin costs nothing elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import numpy as np

    from simtiny.flow.measure import Figures
    from simtiny.flow.run import ModelReport
    from simtiny.robot.machine import Machine
    from simtiny.sim.result import RunResult


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
    group.addoption("--simtiny-engine", default=None, help="simulator engine for the simtiny fixture")
    parser.addini("simtiny_platform", "board for the simtiny fixture", default="stm32h743")
    parser.addini("simtiny_engine", "simulator engine for the simtiny fixture", default="")
    parser.addini("simtiny_ideal_memory", "price zero-wait memory in simtiny runs", type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a bad --simtiny-* option or simtiny_* ini value before any test runs (a usage
    error in one line); simtiny is imported only when such a value is set."""
    try:
        config.getini("simtiny_ideal_memory")
    except ValueError as exc:
        raise pytest.UsageError(f"simtiny_ideal_memory: {exc} (true or false)") from None
    platform = config.getoption("simtiny_platform") or config.getini("simtiny_platform")
    engine = config.getoption("simtiny_engine") or config.getini("simtiny_engine")
    if platform == "stm32h743" and not engine:
        return
    from simtiny.errors import SimtinyError
    from simtiny.flow.options import check_engine, check_platform

    try:
        check_platform(platform, "--simtiny-platform" if config.getoption("simtiny_platform") else "simtiny_platform")
        if engine:
            check_engine(engine, "--simtiny-engine" if config.getoption("simtiny_engine") else "simtiny_engine")
    except SimtinyError as exc:
        raise pytest.UsageError(str(exc)) from None


@dataclass
class ModelResult:
    """A model run: verdict against LiteRT and the figures (bytes, cycles, milliseconds), all read
    from the flow's one `Figures` value (``r.figures``)."""

    report: ModelReport
    mismatch: str | None  # the first difference from LiteRT, in words; None when bit-exact

    @property
    def figures(self) -> Figures:
        return self.report.figures

    @property
    def bit_exact(self) -> bool:
        """Every output of every sample equals LiteRT's, with grounds: at least one sample ran and
        every output was compared with the reference (the flow's own verdict)."""
        return self.mismatch is None and self.report.exact

    @property
    def fit_problems(self) -> list[str]:
        """Budgets exceeded, one line each."""
        return self.figures.fit_problems

    @property
    def fits(self) -> bool:
        return self.figures.fits

    @property
    def outputs(self) -> list[np.ndarray]:
        """The firmware's outputs for the first sample."""
        return self.report.samples[0].outputs

    @property
    def golden(self) -> list[np.ndarray]:
        """The reference's outputs for the first sample (LiteRT's, unless `reference` chose TF-Lite Micro)."""
        return self.report.samples[0].golden

    @property
    def flash(self) -> int:
        return self.figures.flash

    @property
    def peak_sram(self) -> int:
        """Static RAM plus the deepest stack the run measured."""
        return self.figures.peak_sram

    @property
    def stack(self) -> int:
        return self.figures.stack

    @property
    def cycles(self) -> int | None:
        """The slowest sample's inference, as the firmware's cycle counter saw it."""
        return self.figures.cycles

    @property
    def latency_ms(self) -> float | None:
        return self.figures.latency_ms

    @property
    def op_cycles(self) -> list[int]:
        """Cycles per operator (model order), of the slowest sample."""
        return [o.cycles for o in self.figures.operators]

    def top_class(self, output: int = 0, sample: int = 0) -> int:
        """The class with the highest score in output `output` of sample `sample` (0-based)."""
        from simtiny.flow.options import index
        from simtiny.flow.verify import top_class

        count = len(self.report.samples)
        k = index(sample, "sample", count, f"the run has {count} sample(s)")
        outputs = self.report.samples[k].outputs
        n = len(outputs)
        return top_class(outputs[index(output, "output", n, f"the model has {n} output(s)")])

    def __repr__(self) -> str:
        name = self.report.options.model.name
        verdict = "bit-exact" if self.bit_exact else self.mismatch
        fit = "" if self.fits else "; does NOT fit: " + "; ".join(self.fit_problems)
        timing = "no cycle model" if self.cycles is None else f"{self.cycles:,} cycles = {self.latency_ms:.3f} ms"
        return f"<ModelResult {name}: {verdict}; flash {self.flash:,} B, peak SRAM {self.peak_sram:,} B, {timing}{fit}>"


@dataclass
class FirmwareResult:
    """A firmware run: how it ended, what it printed, what it used."""

    elf: Path
    result: RunResult
    outcome: str  # "exited with 7", "faulted: unmapped read at ...", ...
    figures: Figures

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
        return self.result.console.uart

    @property
    def uart_lines(self) -> list[str]:
        return [line.rstrip("\r") for line in self.uart.splitlines()]

    @property
    def console(self) -> str:
        """UART and semihosting output."""
        return self.result.console.text

    @property
    def cycles(self) -> int | None:
        return self.figures.cycles

    @property
    def instructions(self) -> int:
        return self.result.instructions

    @property
    def latency_ms(self) -> float | None:
        return self.figures.latency_ms

    @property
    def flash(self) -> int:
        return self.figures.flash

    @property
    def static_ram(self) -> int:
        return self.figures.static_ram

    @property
    def stack(self) -> int:
        return self.figures.stack

    @property
    def peak_sram(self) -> int:
        return self.figures.peak_sram

    def __repr__(self) -> str:
        cycles = "no cycle model" if self.cycles is None else f"{self.cycles:,} cycles"
        return (
            f"<FirmwareResult {self.elf.name}: {self.outcome}; UART {self.uart_lines[:3]!r}; {cycles}, "
            f"stack {self.stack:,} B>"
        )


class Simtiny:
    """What the ``simtiny`` fixture gives a test: build and run on the simulated board.

    Relative paths are looked up in the current directory, then beside the test file.
    Models run with the memory limits lifted, like ``simtiny check``: a model too big for the
    board is still measured and verified, and ``r.fits`` / ``r.fit_problems`` say so.
    Inputs are files (.npy, .bmp, .png) or numpy arrays, one per model input. A bad argument
    (unknown, of the wrong type or out of range) raises simtiny's InputError, in one line.
    """

    MODEL_OPTIONS = (
        "seed",
        "samples",
        "memory_model",
        "sram_budget",
        "flash_budget",
        "max_instructions",
        "optimization",
        "reference",
        "image_mode",
    )
    FIRMWARE_OPTIONS = ("memory_model", "max_instructions")

    def __init__(
        self, base: Path, platform: str, memory_model: bool, toolchain: str | None, engine: str | None = None
    ) -> None:
        self.base = base
        self.platform = platform
        self.memory_model = memory_model
        self.toolchain = toolchain
        self.engine = engine

    def path(self, name: str | Path, what: str = "path") -> Path:
        """`name` as given if it exists, else beside the test file; `what` names it in errors."""
        from simtiny.errors import InputError

        if not isinstance(name, (str, Path)) or not str(name).strip():
            raise InputError(f"{what} must be a file path (str or pathlib.Path), not {name!r}")
        p = Path(name)
        if p.is_absolute() or p.exists():
            return p
        beside = self.base / p
        if beside.exists():
            return beside
        raise InputError(f"{name}: no such file (looked in {Path.cwd()} and {self.base})")

    def machine(self, memory_model: bool | None = None) -> Machine:
        """A fresh machine with the fixture's settings (the Robot library's state, for advanced use)."""
        from simtiny.flow.options import boolean
        from simtiny.robot.machine import Machine
        from simtiny.sim import DEFAULT_ENGINE

        memory = self.memory_model if memory_model is None else boolean(memory_model, "memory_model")
        return Machine(self.platform, memory, self.toolchain, self.engine or DEFAULT_ENGINE)

    def build(self, *sources: str | Path, optimize: str = "2", defines: Sequence[str] = ()) -> Path:
        """Compile C sources with the board's start-up code and HAL; returns the ELF (cached by content)."""
        from simtiny.errors import InputError
        from simtiny.flow.options import OPTIMIZE_LEVELS, choice

        level = choice(str(optimize) if isinstance(optimize, int) else optimize, "optimize", OPTIMIZE_LEVELS)
        wanted = [defines] if isinstance(defines, str) else defines
        if not isinstance(wanted, Sequence) or not all(isinstance(d, str) and d.strip() for d in wanted):
            raise InputError(f"defines must be a list of NAME or NAME=VALUE strings, not {defines!r}")
        paths = [self.path(s, "source") for s in sources]
        return self.machine().build_firmware(paths, level or "2", tuple(wanted))

    def run(self, target: str | Path, *inputs: Any, **options: Any) -> Any:
        """Run a ``.tflite`` model (`run_model`), an ``.elf`` or a C source (`run_firmware`)."""
        from simtiny.errors import InputError
        from simtiny.flow.options import refuse_unknown

        path = self.path(target, "target")
        if path.suffix.lower() == ".tflite":
            refuse_unknown(options, self.MODEL_OPTIONS, path.name)
            return self.run_model(path, *inputs, **options)
        if inputs:
            raise InputError(f"{path.name}: inputs are for models; a firmware reads none")
        refuse_unknown(options, self.FIRMWARE_OPTIONS, path.name)
        return self.run_firmware(path, **options)

    def run_model(
        self,
        model: str | Path,
        *inputs: Any,
        seed: int = 0,
        samples: int = 1,
        memory_model: bool | None = None,
        sram_budget: int | str | None = None,
        flash_budget: int | str | None = None,
        max_instructions: int | None = None,
        optimization: str = "ram",
        reference: str = "litert",
        image_mode: str = "pixels",
        **unknown: Any,
    ) -> ModelResult:
        """Simulate a model on ``inputs`` (files or numpy arrays; one per model input) or on
        ``samples`` seeded random inputs, run the reference on the same, and compare. Budgets:
        bytes or "64 KB". ``seed`` is a whole number from 0, ``samples`` and ``max_instructions``
        from 1; ``optimization`` "ram" (the default) or "time", as ``simtiny run --optimization``;
        ``reference`` "litert" (the default), "tflm" or "both", as ``simtiny run --reference``;
        ``image_mode`` "pixels" (the default) or "raw", how BMP/PNG inputs become tensor bytes, as
        ``simtiny run --image-mode``. One input may instead be a data set (a .npz file or a
        folder of samples), as for ``simtiny run --input``."""
        import numpy as np

        from simtiny.errors import InputError
        from simtiny.flow.golden import REFERENCE_CHOICES
        from simtiny.flow.options import choice, refuse_unknown, size, whole_number

        refuse_unknown(unknown, self.MODEL_OPTIONS, "run_model")
        chosen_reference = choice(reference, "reference", REFERENCE_CHOICES)
        first = whole_number(seed, "seed", 0)
        count = whole_number(samples, "samples", 1)
        budget = None if max_instructions is None else whole_number(max_instructions, "max_instructions", 1)
        sram = None if sram_budget is None else size(sram_budget, "sram_budget")
        flash = None if flash_budget is None else size(flash_budget, "flash_budget")
        path = self.path(model, "model")
        given: list[Any] = []
        for k, item in enumerate(inputs):
            if not isinstance(item, (str, Path, np.ndarray)):
                raise InputError(f"input {k} must be a file path or a numpy array, not {item!r}")
            given.append(item if isinstance(item, np.ndarray) else self.path(item, f"input {k}"))
        m = self.machine(memory_model)
        m.max_instructions = budget
        m.lift_limits = True
        m.set_budgets(sram=sram, flash=flash)
        m.reference = chosen_reference
        m.load_model(path, optimization)
        report = m.run_inference(given, first, count, image_mode)
        mismatch = next((d for d in (s.difference() for s in report.samples) if d), None)
        return ModelResult(report, mismatch)

    def run_firmware(
        self,
        firmware: str | Path,
        memory_model: bool | None = None,
        max_instructions: int | None = None,
        **unknown: Any,
    ) -> FirmwareResult:
        """Run an ELF (or build a C source first) from reset to its exit, a fault or the budget."""
        from simtiny.flow.options import refuse_unknown, whole_number
        from simtiny.report.sim import run_outcome

        refuse_unknown(unknown, self.FIRMWARE_OPTIONS, "run_firmware")
        budget = None if max_instructions is None else whole_number(max_instructions, "max_instructions", 1)
        path = self.path(firmware, "firmware")
        m = self.machine(memory_model)
        m.max_instructions = budget
        m.load_firmware(m.build_firmware([path]) if path.suffix.lower() == ".c" else path)
        result = m.run_firmware()
        assert m.elf is not None
        return FirmwareResult(m.elf, result, run_outcome(result, m.firmware_budget()), m.figures())


@pytest.fixture
def simtiny(request: pytest.FixtureRequest) -> Simtiny:
    """Build and run models and firmware on the simulated board: ``simtiny.run("kws.tflite")``."""
    config = request.config
    platform = config.getoption("simtiny_platform") or config.getini("simtiny_platform")
    ideal = config.getoption("simtiny_ideal_memory")
    if ideal is None:
        ideal = config.getini("simtiny_ideal_memory")
    engine = config.getoption("simtiny_engine") or config.getini("simtiny_engine")
    return Simtiny(Path(request.path).parent, platform, not ideal, config.getoption("simtiny_toolchain"), engine)
