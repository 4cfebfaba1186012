"""A simulated board and what is loaded on it (a model or a firmware ELF): the state behind the
Robot keywords and the pytest fixture. It runs the flow (simtiny.flow.run) and reads every figure
from the one `Figures` value the flow measured; no test logic lives here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from simtiny.elf.image import ElfImage, load_elf
from simtiny.elf.size import analyze
from simtiny.errors import SimtinyError
from simtiny.flow.build import CompiledModel
from simtiny.flow.measure import Figures, firmware_figures, model_figures
from simtiny.flow.options import boolean, check_engine, check_platform, check_toolchain, validate_options, whole_number
from simtiny.flow.run import ModelReport, RunOptions, build_firmware, compile_model, run_model
from simtiny.flow.run_elf import FirmwareReport, run_firmware
from simtiny.flow.validate import load_and_check
from simtiny.platform import Platform
from simtiny.sim import DEFAULT_ENGINE, DEFAULT_MAX_INSTRUCTIONS, RunResult


class NothingLoaded(SimtinyError):
    """A keyword needs a model or a firmware that was never loaded."""


class Machine:
    """One board (platform, engine, memory model, budgets) and at most one program on it: loading
    a model unloads the firmware and the other way round, so every figure has one meaning."""

    def __init__(
        self,
        platform: str | Path = "stm32h743",
        memory_model: bool = True,
        toolchain: str | None = None,
        engine: str = DEFAULT_ENGINE,
    ) -> None:
        self.platform_spec = platform
        self.platform: Platform = check_platform(platform)  # a bad name fails here, not at the first run
        self.memory_model = boolean(memory_model, "memory_model")
        self.toolchain = check_toolchain(toolchain or None)
        self.engine = check_engine(engine)
        self.sram_budget: int | None = None
        self.flash_budget: int | None = None
        self.lift_limits = False
        self.max_instructions: int | None = None  # None: the defaults of `simtiny run` and `sim`
        self.model: Path | None = None
        self.optimization = "ram"  # the loaded model's planner goal (load_model)
        self.reference = "litert"  # what computes the expected outputs (simtiny.flow.golden.REFERENCE_CHOICES)
        self.compiled: CompiledModel | None = None
        self.report: ModelReport | None = None
        self.elf: Path | None = None
        self.image: ElfImage | None = None
        self.firmware_report: FirmwareReport | None = None
        self.uart_input: list[tuple[int, bytes]] = []  # (cycle, bytes) the host sends the console UART
        self.uart_position = 0  # console characters Wait For Line On Uart has consumed
        self.uart_cycle = 0  # the cycle at which the last consumed line ended

    @property
    def board(self) -> Platform:
        """The platform with the budgets this machine was given (Set SRAM Budget, ...)."""
        return self.platform.with_budgets(self.sram_budget, self.flash_budget)

    def set_budgets(self, sram: int | None = None, flash: int | None = None) -> None:
        """Replace the platform's budgets (bytes, at least 1); None keeps the current one."""
        if sram is not None:
            self.sram_budget = whole_number(sram, "sram_budget", 1)
        if flash is not None:
            self.flash_budget = whole_number(flash, "flash_budget", 1)
        if self.compiled is not None:
            self.compiled = replace(self.compiled, board=self.board)

    # --- models ---------------------------------------------------------------------------

    def load_model(self, path: str | Path, optimization: str = "ram") -> CompiledModel:
        """Check every operator is supported and build the firmware for `optimization` ("ram"
        or "time": simtiny.flow.plan.plan_for), cached by content."""
        self.unload()
        model = Path(path)
        self.compiled = compile_model(load_and_check(model), self.board, self.toolchain, optimization=optimization)
        self.model, self.optimization = model, optimization  # (plan_for refused any other goal)
        return self.compiled

    def run_inference(
        self, inputs: list | None = None, seed: int = 0, samples: int = 1, image_mode: str = "pixels"
    ) -> ModelReport:
        """Simulate the loaded model on `inputs` (files or arrays, or one data set: a .npz file or
        a folder; or seeded random ones) and run the reference (LiteRT, TF-Lite Micro or both:
        `reference`) on the same. image_mode: how BMP/PNG files become inputs (IMAGE_MODES)."""
        from simtiny.flow.image_modes import IMAGE_MODES
        from simtiny.flow.options import choice

        compiled = self.need_compiled()
        image_mode = choice(image_mode, "image_mode", IMAGE_MODES)
        assert self.model is not None
        options = RunOptions(
            model=self.model,
            platform=self.platform_spec,
            engine=self.engine,
            toolchain=self.toolchain,
            inputs=tuple(inputs or ()),
            seed=seed,
            samples=samples,
            max_instructions=self.max_instructions,
            lift_limits=self.lift_limits,
            memory_model=self.memory_model,
            sram_budget=self.sram_budget,
            flash_budget=self.flash_budget,
            optimization=self.optimization,
            reference=self.reference,
            image_mode=image_mode,
        )
        self.report = run_model(validate_options(options), compiled=compiled)
        return self.report

    def need_compiled(self) -> CompiledModel:
        if self.compiled is None:
            raise NothingLoaded("no model loaded: use Load Model first")
        return self.compiled

    def need_report(self) -> ModelReport:
        """The last inference; runs one on random input (seed 0) if none has run yet."""
        if self.report is None:
            self.run_inference()
        assert self.report is not None
        return self.report

    # --- firmware -------------------------------------------------------------------------

    def build_firmware(self, sources: list[str | Path], optimize: str = "2", defines: tuple[str, ...] = ()) -> Path:
        """Compile C sources with the board's start-up code and HAL; the ELF path (cached by content)."""
        return build_firmware(sources, self.board, self.toolchain, optimize, defines).elf

    def load_firmware(self, path: str | Path) -> None:
        self.unload()
        elf = Path(path)
        self.image = load_elf(elf)  # not an ELF, or no such file: a one-line error now
        self.elf = elf

    def firmware_budget(self) -> int:
        if self.max_instructions is None:
            return DEFAULT_MAX_INSTRUCTIONS
        return whole_number(self.max_instructions, "max_instructions", 1)

    def run_firmware(self) -> RunResult:
        """Run the loaded ELF from reset to its exit, a fault or the instruction budget."""
        if self.elf is None:
            raise NothingLoaded("no firmware loaded: use Load Firmware first")
        self.firmware_report = run_firmware(
            self.elf,
            self.board,
            self.engine,
            self.firmware_budget(),
            self.memory_model,
            uart_input=tuple(self.uart_input),
        )
        return self.firmware_report.result

    # --- the console UART as a stream -------------------------------------------------------
    #
    # The simulation runs a firmware from reset to its end in one go. Input is a schedule: a line
    # written after a Wait For Line On Uart matched starts arriving at the cycle where the match
    # ended, and the firmware runs again from reset with the whole schedule. A run is
    # deterministic and input cannot change what happened before it arrives, so the output up
    # to that cycle is the same as the run that was paused there: pausing and resuming, replayed.

    def write_uart(self, data: bytes) -> None:
        """Queue `data` for the console UART's receiver from the current point of the stream."""
        if self.elf is None:
            raise NothingLoaded("no firmware loaded: use Load Firmware first")
        self.uart_input.append((self.uart_cycle, data))
        self.firmware_report = None  # the next keyword that needs a run replays with the input

    def consume_uart(self, position: int, cycle: int) -> None:
        """The stream is consumed up to `position` (characters), which the firmware wrote at `cycle`."""
        self.uart_position, self.uart_cycle = position, cycle

    def reset_emulation(self) -> None:
        """Back to reset: no input queued, nothing consumed; the next keyword that needs a run runs."""
        self.firmware_report = None
        self.uart_input.clear()
        self.uart_position = self.uart_cycle = 0

    def need_result(self) -> RunResult:
        """The last firmware run; runs the firmware if it has not run yet."""
        if self.firmware_report is None:
            self.run_firmware()
        assert self.firmware_report is not None
        return self.firmware_report.result

    def unload(self) -> None:
        self.model = self.compiled = self.report = None
        self.elf = self.image = self.firmware_report = None
        self.uart_input = []
        self.uart_position = self.uart_cycle = 0

    # --- figures, for whichever program is loaded -----------------------------------------

    @property
    def has_firmware(self) -> bool:
        return self.elf is not None

    def figures(self, run: bool = True) -> Figures:
        """The loaded program's figures against this machine's budgets; `run`: run it first if
        it has not run (stack, cycles and latency need a run; flash and static RAM do not)."""
        board = self.board
        if self.has_firmware:
            assert self.image is not None
            if run:
                self.need_result()
            if self.firmware_report is not None:
                figures = self.firmware_report.figures  # measured by the flow with the run
            else:
                figures = firmware_figures(self.image, analyze(self.image, board), board, None)
        elif run:
            figures = self.need_report().figures
        else:
            figures = self.report.figures if self.report else model_figures(self.need_compiled(), [], [])
        return replace(figures, flash_budget=board.flash_budget, sram_budget=board.sram_budget)

    def memory_note(self) -> str:
        return "memory model" if self.memory_model else "ideal memory"

    def name(self) -> str:
        target = self.elf or self.model
        return target.name if target else "nothing"
