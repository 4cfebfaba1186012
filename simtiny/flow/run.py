"""The flow, stage by stage, as every front (CLI, Robot library, pytest plugin, check, bench) runs it:

    load + validate -> plan -> codegen -> build -> simulate -> measure -> golden -> verify

`compile_model` does the stages up to the build, `run_model` all of them for one model and its
samples, `run_firmware` the simulate and measure stages for an ELF simtiny did not write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simtiny.elf.image import ElfImage, load_elf
from simtiny.elf.size import analyze
from simtiny.errors import EXIT_FAULT, EXIT_MISMATCH, EXIT_OK, InputError, SimtinyError
from simtiny.flow.build import CompiledModel, Firmware, FirmwareSpec, build, build_model, find_toolchain
from simtiny.flow.codegen import generate
from simtiny.flow.debug import LayerDiff, first_bad_layer
from simtiny.flow.golden import run_golden_batch
from simtiny.flow.inputs import model_inputs, random_inputs
from simtiny.flow.measure import Figures, firmware_figures, model_figures
from simtiny.flow.plan import plan_memory
from simtiny.flow.simulate import ModelRun, instruction_budget, simulate
from simtiny.flow.validate import load_and_check
from simtiny.flow.verify import OutputComparison, compare
from simtiny.model import Graph
from simtiny.model.macs import graph_macs
from simtiny.platform import Platform, load_platform
from simtiny.sim import DEFAULT_ENGINE, DEFAULT_MAX_INSTRUCTIONS, RunRequest, RunResult, get_engine

Progress = Callable[[str], None]
ModelInput = Path | str | np.ndarray


class DoesNotFit(SimtinyError):
    exit_code = EXIT_FAULT


@dataclass(frozen=True)
class RunOptions:
    """What to run and how: the options of `simtiny run`, and of `simtiny.run_model`."""

    model: Path
    platform: str | Path = "stm32h743"  # a board name, or the path of a board folder
    engine: str = DEFAULT_ENGINE
    toolchain: str | None = None
    inputs: tuple[ModelInput, ...] = ()  # one per model input: arrays or files; none: random
    seed: int = 0
    samples: int = 1
    max_instructions: int | None = None  # None: scaled to the model's work (instruction_budget)
    lift_limits: bool = False
    debug_layers: bool = False
    memory_model: bool = True
    image_mode: str = "pixels"  # how BMP/PNG inputs become tensor bytes (simtiny.flow.inputs)
    sram_budget: int | None = None  # overrides the platform's budgets
    flash_budget: int | None = None

    def board(self) -> Platform:
        """The board with the budgets these options set."""
        return load_platform(self.platform).with_budgets(self.sram_budget, self.flash_budget)


@dataclass
class SampleReport:
    """One sample: its inputs, the firmware's run, LiteRT's outputs and the comparison."""

    label: str  # "seed 3" or the input file names
    inputs: list[np.ndarray]
    run: ModelRun
    golden: list[np.ndarray]
    comparisons: list[OutputComparison]

    @property
    def outputs(self) -> list[np.ndarray]:
        return self.run.outputs

    @property
    def exact(self) -> bool:
        return all(c.exact for c in self.comparisons)


@dataclass
class ModelReport:
    """A model run through the whole flow: the verdict, the samples and the figures."""

    options: RunOptions
    compiled: CompiledModel
    samples: list[SampleReport]
    figures: Figures
    golden_runtime: str
    seconds: dict[str, float]
    first_bad_layer: LayerDiff | None = None
    layers_checked: int = 0

    @property
    def graph(self) -> Graph:
        return self.compiled.graph

    @property
    def exact(self) -> bool:
        return all(s.exact for s in self.samples)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.exact else EXIT_MISMATCH


@dataclass
class FirmwareReport:
    """A firmware run from reset to its end: what happened, and the figures."""

    elf: Path
    image: ElfImage
    request: RunRequest
    result: RunResult
    figures: Figures


def compile_model(
    graph: Graph, board: Platform, toolchain: str | None = None, reuse: bool = True
) -> CompiledModel:
    """Plan, generate and build firmware (cached by content). Linked with lifted limits, so a
    model too big for the board is still measured; the figures give the verdict."""
    start = time.perf_counter()
    plan = plan_memory(graph, reuse=reuse)
    generated = generate(graph, plan)
    platform = board.lifted()
    firmware = build_model(generated, platform, find_toolchain(toolchain))
    image = load_elf(firmware.elf)
    size = analyze(image, platform, firmware.map)  # lifted map: nothing clipped; budgets stay real
    return CompiledModel(graph, plan, generated, firmware, image, platform, board, size, time.perf_counter() - start)


def sample_inputs(options: RunOptions, graph: Graph) -> list[tuple[str, list[np.ndarray]]]:
    """The samples to run: the given inputs (one sample), or `samples` seeded random ones."""
    if options.inputs:
        values = model_inputs(graph, list(options.inputs), options.image_mode)
        label = ", ".join(
            f"array {k}" if isinstance(i, np.ndarray) else Path(i).name for k, i in enumerate(options.inputs)
        )
        return [(label, values)]
    return [(f"seed {options.seed + k}", random_inputs(graph, options.seed + k)) for k in range(options.samples)]


def run_model(
    options: RunOptions, progress: Progress = lambda _: None, compiled: CompiledModel | None = None
) -> ModelReport:
    """Build (or reuse `compiled`), simulate every sample, run LiteRT on the same, compare."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    if compiled is None:
        board = options.board()
        progress("loading model")
        graph = load_and_check(options.model)
        progress(f"building firmware ({len(graph.operators)} operators)")
        compiled = compile_model(graph, board, options.toolchain)
    graph, board = compiled.graph, compiled.board
    seconds["build"] = time.perf_counter() - t0
    static = model_figures(compiled, [], [])
    if not static.fits and not options.lift_limits:
        raise DoesNotFit(
            f"{Path(options.model).name} does not fit {board.name}: "
            + "; ".join(static.fit_problems)
            + " (--no-memory-limits simulates it anyway)"
        )
    samples = sample_inputs(options, graph)
    macs = graph_macs(graph)
    budget = options.max_instructions or instruction_budget(sum(macs))
    t1 = time.perf_counter()
    runs = []
    for k, (_, values) in enumerate(samples):
        progress(f"simulating sample {k + 1}/{len(samples)}")
        runs.append(simulate(compiled, values, budget, memory_model=options.memory_model, engine=options.engine))
    seconds["simulate"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    progress("running LiteRT reference")
    goldens = run_golden_batch(graph.model_bytes, [v for _, v in samples])
    seconds["golden"] = time.perf_counter() - t2
    reports = [
        SampleReport(label, values, run, gold.outputs, _compare(run.outputs, gold.outputs))
        for (label, values), run, gold in zip(samples, runs, goldens, strict=True)
    ]
    report = ModelReport(
        options, compiled, reports, model_figures(compiled, runs, macs), goldens[0].runtime if goldens else "", seconds
    )
    if options.debug_layers and not report.exact:
        progress("rebuilding with every intermediate tensor kept (--debug-layers)")
        bad = next(s for s in reports if not s.exact)
        unshared = compile_model(graph, board, options.toolchain, reuse=False)
        report.first_bad_layer, report.layers_checked = first_bad_layer(unshared, bad.inputs, budget, options.engine)
    seconds["total"] = time.perf_counter() - t0
    return report


def _compare(got: Sequence[np.ndarray], want: Sequence[np.ndarray]) -> list[OutputComparison]:
    return [compare(i, g, w) for i, (g, w) in enumerate(zip(got, want, strict=True))]


def build_firmware(
    sources: Sequence[str | Path],
    board: Platform,
    toolchain: str | None = None,
    optimize: str = "2",
    defines: Sequence[str] = (),
    include_dirs: Sequence[str | Path] = (),
    name: str | None = None,
) -> Firmware:
    """Compile C sources with the board's start-up code and HAL (cached by content)."""
    paths = [Path(s) for s in sources]
    if not paths:
        raise InputError("no C source given")
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: no such source file")
    spec = FirmwareSpec(
        name=name or paths[0].stem,
        sources=tuple(p.resolve() for p in paths),
        include_dirs=tuple(Path(d).resolve() for d in include_dirs),
        defines=tuple(defines),
        optimize=f"-O{optimize}",
    )
    return build(spec, board, find_toolchain(toolchain))


def run_firmware(
    elf: str | Path,
    board: Platform,
    engine: str = DEFAULT_ENGINE,
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
    memory_model: bool = True,
    profile: bool = False,
) -> FirmwareReport:
    """Run an ELF from reset to its exit, a fault or the instruction budget, and measure it."""
    path = Path(elf)
    image = load_elf(path)
    request = RunRequest(path, board, max_instructions, profile=profile, memory_model=memory_model)
    result = get_engine(engine).run(request)
    figures = firmware_figures(image, analyze(image, board), board, result)
    return FirmwareReport(path, image, request, result, figures)
