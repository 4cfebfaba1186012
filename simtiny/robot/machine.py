"""A simulated board and what is loaded on it (a model or a firmware ELF), with the figures
tests assert on. The state behind the Robot keywords and the pytest fixture; no test logic."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from simtiny.build import FirmwareSpec, build, find_toolchain
from simtiny.elfinfo import ElfImage, load_elf
from simtiny.engines.result import DEFAULT_MAX_INSTRUCTIONS, RunRequest, RunResult
from simtiny.engines.unicorn.engine import UnicornEngine
from simtiny.errors import InputError, SimtinyError
from simtiny.modelrun import ModelReport, RunOptions, run_model
from simtiny.pipeline import CompiledModel, compile_model, load_and_check, static_ram
from simtiny.platform import Platform, load_platform
from simtiny.size import analyze


class NothingLoaded(SimtinyError):
    """A keyword needs a model or a firmware that was never loaded."""


class Machine:
    """One board (platform, memory model, budgets) and at most one program on it: loading a
    model unloads the firmware and the other way round, so every figure has one meaning."""

    def __init__(self, platform: str = "stm32h743", memory_model: bool = True, toolchain: str | None = None) -> None:
        self.platform_name = platform
        self.platform: Platform = load_platform(platform)  # a bad name fails here, not at the first run
        self.memory_model = memory_model
        self.toolchain = toolchain or None
        self.sram_budget: int | None = None
        self.flash_budget: int | None = None
        self.lift_limits = False
        self.max_instructions: int | None = None  # None: the defaults of `simtiny run` and `sim`
        self.model: Path | None = None
        self.compiled: CompiledModel | None = None
        self.report: ModelReport | None = None
        self.elf: Path | None = None
        self.image: ElfImage | None = None
        self.result: RunResult | None = None

    @property
    def board(self) -> Platform:
        """The platform with the budgets this machine was given (Set SRAM Budget, ...)."""
        board = self.platform
        if self.sram_budget is not None:
            board = replace(board, sram_budget=self.sram_budget)
        if self.flash_budget is not None:
            board = replace(board, flash_budget=self.flash_budget)
        return board

    def set_budgets(self, sram: int | None = None, flash: int | None = None) -> None:
        if sram is not None:
            self.sram_budget = sram
        if flash is not None:
            self.flash_budget = flash
        if self.compiled is not None:
            self.compiled = replace(self.compiled, board=self.board)

    # --- models ---------------------------------------------------------------------------

    def load_model(self, path: str | Path) -> CompiledModel:
        """Check every operator is supported and build the firmware (cached by content)."""
        self.unload()
        model = Path(path)
        graph = load_and_check(model)
        self.compiled = compile_model(graph, self.board, self.toolchain)
        self.model = model
        return self.compiled

    def run_inference(self, inputs: list[Path] | None = None, seed: int = 0, samples: int = 1) -> ModelReport:
        """Simulate the loaded model on `inputs` (or seeded random ones) and run LiteRT on the same."""
        if self.model is None:
            raise NothingLoaded("no model loaded: use Load Model first")
        options = RunOptions(
            model=self.model,
            platform=self.platform_name,
            toolchain=self.toolchain,
            inputs=list(inputs or []),
            seed=seed,
            samples=samples,
            max_instructions=self.max_instructions,
            lift_limits=self.lift_limits,
            memory_model=self.memory_model,
            sram_budget=self.sram_budget,
            flash_budget=self.flash_budget,
        )
        self.report = run_model(options)
        self.compiled = self.report.compiled
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
        """Compile C sources with simtiny's start-up code and HAL; the ELF path (cached by content)."""
        if not sources:
            raise InputError("Build Firmware needs at least one C source")
        paths = [Path(s) for s in sources]
        for p in paths:
            if not p.is_file():
                raise InputError(f"{p}: no such source file")
        spec = FirmwareSpec(paths[0].stem, tuple(paths), optimize=f"-O{optimize}", defines=tuple(defines))
        return build(spec, self.platform, find_toolchain(self.toolchain)).elf

    def load_firmware(self, path: str | Path) -> None:
        self.unload()
        elf = Path(path)
        self.image = load_elf(elf)  # not an ELF, or no such file: a one-line error now
        self.elf = elf

    def firmware_budget(self) -> int:
        return self.max_instructions or DEFAULT_MAX_INSTRUCTIONS

    def run_firmware(self) -> RunResult:
        """Run the loaded ELF from reset to its exit, a fault or the instruction budget."""
        if self.elf is None:
            raise NothingLoaded("no firmware loaded: use Load Firmware first")
        request = RunRequest(self.elf, self.platform, self.firmware_budget(), memory_model=self.memory_model)
        self.result = UnicornEngine().run(request)
        return self.result

    def need_result(self) -> RunResult:
        """The last firmware run; runs the firmware if it has not run yet."""
        if self.result is None:
            self.run_firmware()
        assert self.result is not None
        return self.result

    def unload(self) -> None:
        self.model = self.compiled = self.report = None
        self.elf = self.image = self.result = None

    # --- figures, for whichever program is loaded -----------------------------------------

    @property
    def has_firmware(self) -> bool:
        return self.elf is not None

    def flash_bytes(self) -> int:
        if self.has_firmware:
            assert self.image is not None
            return analyze(self.image, self.platform).flash.used
        return self.need_compiled().flash_bytes

    def peak_sram(self) -> int:
        """Static RAM (.data, .bss, arena) plus the measured stack high-water mark."""
        if self.has_firmware:
            assert self.image is not None
            return static_ram(self.image, self.platform) + self.stack_bytes()
        return self.need_report().peak_sram

    def stack_bytes(self) -> int:
        if self.has_firmware:
            stack = self.need_result().stack
            return stack.used if stack else 0
        return self.need_report().stack_bytes

    def cycles(self) -> int:
        """Firmware: the whole run. Model: the slowest sample's inference (st_model_run)."""
        if self.has_firmware:
            return self.need_result().cycles
        return max(s.inference_cycles for s in self.need_report().samples)

    def latency_ms(self) -> float:
        if self.has_firmware:
            return self.need_result().milliseconds
        return self.need_report().latency_ms

    def memory_note(self) -> str:
        return "memory model" if self.memory_model else "ideal memory"

    def name(self) -> str:
        target = self.elf or self.model
        return target.name if target else "nothing"
