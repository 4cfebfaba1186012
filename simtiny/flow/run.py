"""The flow, stage by stage, as every front (CLI, Robot library, pytest plugin, check, bench) runs it:

    load + validate -> plan -> codegen -> build -> simulate -> measure -> golden -> verify

`compile_model` does the stages up to the build, `run_model` all of them for one model and its
samples; `run_firmware` (run_elf.py) the simulate and measure stages for an ELF simtiny did not write.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simtiny.elf.image import load_elf
from simtiny.elf.size import analyze
from simtiny.errors import EXIT_INTERNAL, EXIT_MISMATCH, EXIT_OK, DoesNotFit, InputError, SimtinyError
from simtiny.flow.build import CompiledModel, Firmware, FirmwareSpec, build, build_model, find_toolchain
from simtiny.flow.codegen import generate
from simtiny.flow.crosscheck import CrossCheck, compare_runs, other_engine
from simtiny.flow.data import is_data_set, load_data, stacked_samples
from simtiny.flow.debug import LayerDiff, first_bad_layer
from simtiny.flow.golden import (
    REFERENCES,
    GoldenResult,
    ReferenceRefused,
    references_of,
    require_checkable,
    run_golden_batch,
)
from simtiny.flow.inputs import model_inputs, random_inputs, stream_steps
from simtiny.flow.measure import Figures, model_figures
from simtiny.flow.options import validate_options
from simtiny.flow.plan import MemoryPlan, plan_for, plan_memory
from simtiny.flow.simulate import FirmwareFault, ModelRun, instruction_budget, simulate
from simtiny.flow.validate import load_and_check
from simtiny.flow.verify import OutputComparison, compare_outputs, output_difference, reference_writes, same_bits
from simtiny.model import Graph
from simtiny.model.macs import graph_macs
from simtiny.platform import Platform, load_platform
from simtiny.sim import DEFAULT_ENGINE
from simtiny.units import format_kb, format_size

Progress = Callable[[str], None]
MAX_SAMPLE_BYTES = 256 * 1024 * 1024  # inputs and outputs of all samples of a run, held at once
MAX_SAMPLES = 10_000  # samples of one run: each keeps its report (outputs, cycles per operator)
ModelInput = Path | str | np.ndarray


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
    cross_check: bool = False  # also run every sample on the other engine and compare the two
    optimization: str = "ram"  # what the planner favours: "ram" or "time" (simtiny.flow.plan.plan_for)
    reference: str = "litert"  # what computes the expected outputs: "litert", "tflm" or "both" (REFERENCE_CHOICES)

    def board(self) -> Platform:
        """The board with the budgets these options set."""
        return load_platform(self.platform).with_budgets(self.sram_budget, self.flash_budget)


@dataclass(frozen=True)
class Disagreement:
    """An output on which the two references (--reference both) give different values: how many,
    and on how many of those simtiny's value is the first's or the second's."""

    output: int
    values: int
    elements: int
    matches_first: int
    matches_second: int


@dataclass
class SecondReference:
    """A sample against the second reference of --reference both, and where the two disagree."""

    name: str  # "TF-Lite Micro"
    runtime: str
    outputs: list[np.ndarray]
    comparisons: list[OutputComparison]
    disagreements: list[Disagreement]

    @property
    def exact(self) -> bool:
        return bool(self.comparisons) and all(c.exact for c in self.comparisons)


@dataclass
class SampleReport:
    """One sample: its inputs, the firmware's run, the reference's outputs and the comparison
    (with --reference both: LiteRT's here, TF-Lite Micro's in `second`)."""

    label: str  # "seed 3" or the input file names
    inputs: list[np.ndarray]
    run: ModelRun
    golden: list[np.ndarray]
    comparisons: list[OutputComparison]
    cross: CrossCheck | None = None  # the same sample on the other engine (--cross-check)
    second: SecondReference | None = None  # --reference both: the second reference's
    reference: str = "LiteRT"  # the name of the reference that computed `golden`

    @property
    def outputs(self) -> list[np.ndarray]:
        return self.run.outputs

    def difference(self) -> str | None:
        """Where this sample's outputs first differ from a reference compared, in words; None
        where they equal every one (what the Robot library and the pytest plugin report)."""
        references = [(self.reference, self.golden)]
        if self.second is not None:
            references.append((self.second.name, self.second.outputs))
        for name, wanted in references:
            for i, (got, want) in enumerate(zip(self.outputs, wanted, strict=True)):
                problem = output_difference(i, got, want, name, f" ({self.label})")
                if problem:
                    return problem
        return None

    def against(self) -> list[tuple[str, list[OutputComparison]]]:
        """(reference name, the comparisons with it), for every reference compared."""
        pairs = [(self.reference, self.comparisons)]
        return pairs + ([(self.second.name, self.second.comparisons)] if self.second is not None else [])

    @property
    def exact(self) -> bool:
        """Bit-exact with every reference compared."""
        first = bool(self.comparisons) and all(c.exact for c in self.comparisons)
        return first and (self.second is None or self.second.exact)


@dataclass(frozen=True)
class Compared:
    """What a verdict rests on: how many samples, and of each sample how many outputs, were
    compared with the reference (and how many outputs the model has)."""

    samples: int
    outputs: int  # outputs compared in every sample (the fewest of any sample)
    model_outputs: int
    elements: int  # values compared, over every sample and output
    reference: str  # the reference that computed the expected outputs

    @property
    def complete(self) -> bool:
        return (
            self.samples >= 1
            and self.model_outputs >= 1
            and self.outputs == self.model_outputs
            and bool(self.reference)
        )


@dataclass
class ModelReport:
    """A model run through the whole flow: the verdict, the samples and the figures."""

    options: RunOptions
    compiled: CompiledModel
    samples: list[SampleReport]
    figures: Figures
    golden_runtime: str  # the first reference's name and version (with --reference both, LiteRT's)
    seconds: dict[str, float]
    first_bad_layer: LayerDiff | None = None
    layers_checked: int = 0
    # --reference both where the second reference (TF-Lite Micro) cannot run the model: why, in
    # words; the outputs were then compared with the first one only, and the report says so
    second_refused: str = ""

    @property
    def graph(self) -> Graph:
        return self.compiled.graph

    @property
    def compared(self) -> Compared:
        return Compared(
            samples=len(self.samples),
            outputs=min((len(s.comparisons) for s in self.samples), default=0),
            model_outputs=len(self.graph.outputs),
            elements=sum(c.elements for s in self.samples for c in s.comparisons),
            reference=" and ".join(self.runtimes),
        )

    @property
    def runtimes(self) -> list[str]:
        """Every reference the outputs were compared with, by name and version."""
        second = self.samples[0].second if self.samples else None
        return [self.golden_runtime] + ([second.runtime] if second is not None else [])

    @property
    def exact(self) -> bool:
        """BIT-EXACT needs grounds: every output of at least one sample compared with the reference."""
        return self.compared.complete and all(s.exact for s in self.samples)

    @property
    def cross_checks(self) -> list[CrossCheck]:
        return [s.cross for s in self.samples if s.cross is not None]

    @property
    def engines_agree(self) -> bool | None:
        """None without --cross-check; else every sample agreed on both engines."""
        checks = self.cross_checks
        return None if not checks else len(checks) == len(self.samples) and all(c.agrees for c in checks)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.exact and self.engines_agree is not False else EXIT_MISMATCH


def compile_model(
    graph: Graph,
    board: Platform,
    toolchain: str | None = None,
    reuse: bool = True,
    limits: bool = False,
    plan: MemoryPlan | None = None,
    optimization: str = "ram",
) -> CompiledModel:
    """Plan (unless given the plan; for `optimization`, simtiny.flow.plan.plan_for), generate and
    build firmware (cached by content). Linked with lifted limits, so a model too big for the
    board is still measured; the figures give the verdict. With `limits`, a model whose planned
    tensors alone exceed the board's budgets is refused before the build."""
    start = time.perf_counter()
    plan = plan or (
        plan_for(graph, board.sram_budget, optimization, board.arena_tcm_bytes())
        if reuse
        else plan_memory(graph, reuse=False)
    )
    check_planned_fit(graph, plan, board, limits)
    generated = generate(graph, plan)
    platform = board.lifted()
    firmware = build_model(generated, platform, find_toolchain(toolchain))
    image = load_elf(firmware.elf)
    size = analyze(image, platform, firmware.map)  # lifted map: nothing clipped; budgets stay real
    return CompiledModel(graph, plan, generated, firmware, image, platform, board, size, time.perf_counter() - start)


def check_planned_fit(graph: Graph, plan: MemoryPlan, board: Platform, limits: bool) -> None:
    """Computed before anything is built: the arena and the constants against what can be linked
    at all (the board with lifted limits, within 32-bit addresses) and, with `limits`, against
    the board's budgets. The build's measured figures give the final word on what fits."""
    name = graph.path.name if graph.path else "the model"
    constants = constant_bytes(graph)
    lifted = board.lifted()
    needs = {"sram": plan.arena_size, "flash": constants}
    for kind, label in (("sram", "SRAM"), ("flash", "flash")):
        room = max((r.size for r in lifted.regions_of_kind(kind)), default=0)
        if needs[kind] > room:
            raise DoesNotFit(
                f"{name} does not fit {board.name}: {label}: its tensors need {format_size(needs[kind])}, more "
                f"than simtiny can link even with the limits lifted ({format_size(room)})"
            )
    if not limits:
        return
    budgets = {"sram": board.sram_budget, "flash": board.flash_budget}
    what = {"sram": "the tensor arena", "flash": "the weights and constants"}
    problems = [
        f"{label}: needs {format_kb(needs[kind])} for {what[kind]} alone, the {board.name} budget is "
        f"{format_kb(budgets[kind])}"
        for kind, label in (("flash", "flash"), ("sram", "SRAM"))
        if needs[kind] > budgets[kind]
    ]
    if problems:
        raise DoesNotFit(
            f"{name} does not fit {board.name}: {'; '.join(problems)} (computed before building; "
            "--no-memory-limits simulates it anyway)"
        )


def constant_bytes(graph: Graph) -> int:
    """Bytes of the constants the operators read, each distinct content once (as emitted)."""
    used = {t for op in graph.operators for t in op.inputs if t >= 0}
    seen: set[tuple[str, tuple[int, ...], bytes]] = set()
    total = 0
    for t in (graph.tensor(k) for k in sorted(used)):
        if t.data is None:
            continue
        key = (t.dtype, t.shape, hashlib.sha256(t.data.tobytes()).digest())
        if key not in seen:
            seen.add(key)
            total += t.nbytes
    return total


def sample_inputs(options: RunOptions, graph: Graph) -> list[tuple[str, list[np.ndarray]]]:
    """The samples to run: a data set (a .npz file or a folder: simtiny.flow.data), the given
    inputs (one sample; for a streaming model, a stack of frames each: one sample per frame, in
    order; for another model, a stack of samples), or `samples` seeded random ones."""
    if is_data_set(list(options.inputs)):
        return load_data(Path(options.inputs[0]), graph, options.image_mode, MAX_SAMPLES, MAX_SAMPLE_BYTES)
    if options.inputs:
        steps = stream_steps(graph, list(options.inputs), MAX_SAMPLES)
        if steps is not None:
            return [(f"frame {k}", values) for k, values in enumerate(steps)]
        stacked = stacked_samples(graph, list(options.inputs), MAX_SAMPLES, MAX_SAMPLE_BYTES)
        if stacked is not None:
            return stacked
        values = model_inputs(graph, list(options.inputs), options.image_mode)
        label = ", ".join(
            f"array {k}" if isinstance(i, np.ndarray) else Path(i).name for k, i in enumerate(options.inputs)
        )
        return [(label, values)]
    if options.samples < 1:
        raise InputError(f"samples must be at least 1 (got {options.samples}): a verdict needs a compared sample")
    if options.samples > MAX_SAMPLES:
        raise InputError(
            f"samples: {options.samples:,} is more than {MAX_SAMPLES:,} in one run (each is held in memory with "
            "its report): run fewer samples at a time"
        )
    per_sample = sum(graph.tensor(t).nbytes for t in (*graph.inputs, *graph.outputs))
    if options.samples * per_sample > MAX_SAMPLE_BYTES:  # every sample's values are held at once
        raise InputError(
            f"{options.samples:,} samples need {format_size(options.samples * per_sample)} of host memory for "
            f"their inputs and outputs, more than {format_size(MAX_SAMPLE_BYTES)}: run fewer samples at a time"
        )
    return [(f"seed {options.seed + k}", random_inputs(graph, options.seed + k)) for k in range(options.samples)]


def run_model(
    options: RunOptions, progress: Progress = lambda _: None, compiled: CompiledModel | None = None
) -> ModelReport:
    """Validate, run LiteRT on the samples (a model the reference refuses is refused before any
    build), build (or reuse `compiled`), simulate every sample, compare."""
    validate_options(options)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    if compiled is None:
        board = options.board()
        progress("loading and validating the model")
        graph = load_and_check(options.model)
    else:
        graph, board = compiled.graph, compiled.board
    plan = None
    if compiled is None:  # sizes first: a model that cannot fit is refused before LiteRT runs it
        plan = plan_for(graph, board.sram_budget, options.optimization, board.arena_tcm_bytes())
        check_planned_fit(graph, plan, board, not options.lift_limits)
    samples = sample_inputs(options, graph)
    references = references_of(options.reference)
    require_checkable(graph, references)
    goldens_of = []
    refused = ""  # --reference both: the second reference refusing the model, in words
    for k, reference in enumerate(references):
        progress(f"running the {REFERENCES[reference]} reference on {len(samples)} sample(s)")
        try:
            golds = run_golden_batch(graph.model_bytes, [v for _, v in samples], reference=reference)
            _check_reference(graph, golds, REFERENCES[reference])
        except ReferenceRefused as exc:
            if k == 0:
                raise
            detail = str(exc).removeprefix("the reference refuses the model: ")
            refused = f"{REFERENCES[reference]} refuses the model ({detail})"
            continue
        goldens_of.append(golds)
    goldens = goldens_of[0]
    seconds["golden"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    if compiled is None:
        progress(f"building firmware ({len(graph.operators)} operators)")
        compiled = compile_model(graph, board, options.toolchain, limits=not options.lift_limits, plan=plan)
    seconds["build"] = time.perf_counter() - t1
    static = model_figures(compiled, [], [])
    if not static.fits and not options.lift_limits:
        raise DoesNotFit(
            f"{Path(options.model).name} does not fit {board.name}: "
            + "; ".join(static.fit_problems)
            + " (--no-memory-limits simulates it anyway)"
        )
    macs = graph_macs(graph)
    budget = options.max_instructions or instruction_budget(sum(macs))
    t2 = time.perf_counter()
    runs = []
    crosses: list[CrossCheck | None] = []
    state: bytes | None = None  # a streaming model's samples are steps of one stream: state carries over
    for k, (_, values) in enumerate(samples):
        progress(f"simulating sample {k + 1}/{len(samples)}")
        run = simulate(compiled, values, budget, memory_model=options.memory_model, engine=options.engine, state=state)
        runs.append(run)
        crosses.append(_cross_check(compiled, values, budget, options, run, state) if options.cross_check else None)
        state = run.state or None
    seconds["simulate"] = time.perf_counter() - t2
    names = [REFERENCES[r] for r in references]
    reports = [
        SampleReport(
            label,
            values,
            run,
            gold.outputs,
            compare_outputs(graph, run.outputs, gold.outputs, names[0]),
            cross,
            reference=names[0],
        )
        for (label, values), run, gold, cross in zip(samples, runs, goldens, crosses, strict=True)
    ]
    if len(goldens_of) > 1:
        for sample, gold, other in zip(reports, goldens, goldens_of[1], strict=True):
            sample.second = _second_reference(graph, sample.outputs, gold.outputs, other, names[1])
    report = ModelReport(options, compiled, reports, model_figures(compiled, runs, macs), goldens[0].runtime, seconds)
    report.second_refused = refused
    if not report.compared.complete:  # cannot happen after validation: a bug if it does
        raise SimtinyError(f"no verdict: nothing complete was compared ({report.compared})", EXIT_INTERNAL)
    if options.debug_layers and not report.exact:
        progress("rebuilding with every intermediate tensor kept (--debug-layers)")
        bad = next(k for k, s in enumerate(reports) if not s.exact)
        steps = [s.inputs for s in reports[: bad + 1]] if graph.state else [reports[bad].inputs]
        unshared = compile_model(graph, board, options.toolchain, reuse=False)
        report.first_bad_layer, report.layers_checked = first_bad_layer(unshared, steps, budget, options.engine)
    seconds["total"] = time.perf_counter() - t0
    return report


def _cross_check(
    compiled: CompiledModel,
    values: list[np.ndarray],
    budget: int,
    options: RunOptions,
    run: ModelRun,
    state: bytes | None = None,
) -> CrossCheck:
    """The same sample (from the same state) on the other engine, compared with `run`."""
    second = other_engine(options.engine)
    engines = (options.engine, second)
    try:
        other = simulate(compiled, values, budget, memory_model=options.memory_model, engine=second, state=state)
    except FirmwareFault as exc:  # a run that fails on one engine only is a difference in itself
        return CrossCheck(engines, 0, 0, run.result.instructions, f"{second}: {exc}")
    return compare_runs(engines, (run.result, other.result), (run.outputs, other.outputs))


def _check_reference(graph: Graph, goldens: Sequence[GoldenResult], name: str) -> None:
    """The reference must give one value per graph output, in the graph's order, of each output's
    type and size (TF-Lite Micro keeps the file's declared shape of an output LiteRT resizes, as
    TFLite_Detection_PostProcess's in an SSD export: [] for [1, 10, 4], one value of forty)."""
    for gold in goldens:
        if len(gold.outputs) != len(graph.outputs):
            raise ReferenceRefused(
                f"the reference ({name}) gives {len(gold.outputs)} outputs for the graph's {len(graph.outputs)}"
            )
        for k, (value, t) in enumerate(zip(gold.outputs, graph.outputs, strict=True)):
            tensor = graph.tensor(t)
            if value.size != tensor.size or str(value.dtype) != tensor.dtype:
                raise ReferenceRefused(
                    f"{name} gives output {k} as {value.dtype} {list(value.shape)}, the model computes "
                    f"{tensor.dtype} {list(tensor.shape)}"
                )


def _second_reference(
    graph: Graph, got: Sequence[np.ndarray], first: Sequence[np.ndarray], second: GoldenResult, name: str
) -> SecondReference:
    """simtiny's outputs against the second reference, and each output the two references
    disagree on (among the elements both wrote), with the reference simtiny's values match there."""
    disagreements = []
    theirs = reference_writes(graph, second.outputs)
    written = zip(reference_writes(graph, first), theirs, strict=True)
    for i, (mine, a, b, (wa, wb)) in enumerate(zip(got, first, second.outputs, written, strict=True)):
        if a.shape != b.shape or a.dtype != b.dtype or mine.shape != a.shape or mine.dtype != a.dtype:
            disagreements.append(Disagreement(i, int(a.size), int(a.size), 0, 0))
            continue
        differ = ~same_bits(a, b)
        for mask in (wa, wb):
            differ &= True if mask is None else mask
        if differ.any():
            m = mine.reshape(-1)[differ]
            disagreements.append(
                Disagreement(
                    i,
                    int(differ.sum()),
                    int(a.size),
                    int(same_bits(m, a.reshape(-1)[differ]).sum()),
                    int(same_bits(m, b.reshape(-1)[differ]).sum()),
                )
            )
    comparisons = compare_outputs(graph, got, second.outputs, name, theirs)
    return SecondReference(name, second.runtime, second.outputs, comparisons, disagreements)


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
