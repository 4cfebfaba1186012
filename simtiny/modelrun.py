"""`simtiny run`: build a model's firmware, run samples in the simulator and in LiteRT, compare."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from simtiny.engines.result import DEFAULT_MAX_INSTRUCTIONS, StackUse
from simtiny.errors import EXIT_FAULT, EXIT_MISMATCH, EXIT_OK, InputError, SimtinyError
from simtiny.golden import run_golden, run_golden_batch
from simtiny.inputs import load_input
from simtiny.macs import graph_macs
from simtiny.model import Graph
from simtiny.pipeline import CompiledModel, compile_model, load_and_check, random_inputs, simulate
from simtiny.platform import load_platform
from simtiny.verify import OutputComparison, compare

Progress = Callable[[str], None]


class DoesNotFit(SimtinyError):
    exit_code = EXIT_FAULT


@dataclass
class RunOptions:
    model: Path
    platform: str = "stm32h743"
    toolchain: str | None = None
    inputs: list[Path] = field(default_factory=list)
    seed: int = 0
    samples: int = 1
    max_instructions: int | None = None  # None: scaled to the model's work (instruction_budget)
    lift_limits: bool = False
    debug_layers: bool = False
    memory_model: bool = True
    image_mode: str = "pixels"  # how BMP/PNG inputs become tensor bytes (simtiny.inputs)
    sram_budget: int | None = None  # overrides the platform's budgets
    flash_budget: int | None = None


@dataclass
class SampleReport:
    label: str  # "seed 3" or the input file names
    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    golden: list[np.ndarray]
    comparisons: list[OutputComparison]
    op_cycles: list[int]
    cycles: int  # whole run (start-up included), with the memory model when it is on
    instructions: int
    stack: StackUse | None
    inference_cycles: int = 0  # st_model_run() alone, as the firmware's CYCCNT saw it
    inference_memory_cycles: int = 0  # of which the memory system
    op_memory_cycles: list[int] = field(default_factory=list)
    ideal_cycles: int = 0  # whole run with zero-wait memory
    memory_model: bool = False
    icache: tuple[int, int] | None = None
    dcache: tuple[int, int] | None = None

    @property
    def exact(self) -> bool:
        return all(c.exact for c in self.comparisons)


@dataclass(frozen=True)
class LayerDiff:
    """The first operator whose output differs from LiteRT's (--debug-layers)."""

    op_index: int
    opcode: str
    tensor: int
    flat_index: int
    got: float
    want: float
    mismatches: int
    elements: int


@dataclass
class ModelReport:
    options: RunOptions
    graph: Graph
    compiled: CompiledModel
    samples: list[SampleReport]
    golden_runtime: str
    seconds: dict[str, float]
    first_bad_layer: LayerDiff | None = None
    layers_checked: int = 0
    macs: list[int] = field(default_factory=list)  # per operator

    @property
    def total_macs(self) -> int:
        return sum(self.macs)

    @property
    def exact(self) -> bool:
        return all(s.exact for s in self.samples)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.exact else EXIT_MISMATCH

    @property
    def stack_bytes(self) -> int:
        """Deepest stack of all samples (measured)."""
        return max((s.stack.used for s in self.samples if s.stack), default=0)

    @property
    def peak_sram(self) -> int:
        return self.compiled.peak_sram(self.stack_bytes)

    @property
    def latency_ms(self) -> float:
        """Slowest sample's inference time at the platform clock."""
        cycles = max((s.inference_cycles for s in self.samples), default=0)
        return cycles * 1000.0 / self.compiled.board.clock_hz

    def fit_problems(self) -> list[str]:
        return self.compiled.fit_problems(self.stack_bytes)


def _sample_inputs(options: RunOptions, graph: Graph) -> list[tuple[str, list[np.ndarray]]]:
    if options.inputs:
        if len(options.inputs) != len(graph.inputs):
            raise InputError(
                f"the model has {len(graph.inputs)} input(s), {len(options.inputs)} --input given"
            )
        values = [
            load_input(p, graph.tensor(t), k, options.image_mode)
            for k, (p, t) in enumerate(zip(options.inputs, graph.inputs, strict=True))
        ]
        return [(", ".join(p.name for p in options.inputs), values)]
    return [
        (f"seed {options.seed + k}", random_inputs(graph, options.seed + k)) for k in range(options.samples)
    ]


def instruction_budget(macs: int) -> int:
    """Default budget: generous for the slowest kernels (about 64 instructions per MAC)."""
    return max(DEFAULT_MAX_INSTRUCTIONS, 64 * macs + 200_000_000)


def run_model(options: RunOptions, progress: Progress = lambda _: None) -> ModelReport:
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    board = load_platform(options.platform)
    if options.sram_budget is not None:
        board = replace(board, sram_budget=options.sram_budget)
    if options.flash_budget is not None:
        board = replace(board, flash_budget=options.flash_budget)
    progress("loading model")
    graph = load_and_check(options.model)
    progress(f"building firmware ({len(graph.operators)} operators)")
    compiled = compile_model(graph, board, options.toolchain)
    seconds["build"] = time.perf_counter() - t0
    if not compiled.fits() and not options.lift_limits:
        raise DoesNotFit(
            f"{options.model.name} does not fit {board.name}: "
            + "; ".join(compiled.fit_problems())
            + " (--no-memory-limits simulates it anyway)"
        )
    samples = _sample_inputs(options, graph)
    macs = graph_macs(graph)
    budget = options.max_instructions or instruction_budget(sum(macs))
    t1 = time.perf_counter()
    runs = []
    for k, (_, values) in enumerate(samples):
        progress(f"simulating sample {k + 1}/{len(samples)}")
        runs.append(simulate(compiled, values, budget, memory_model=options.memory_model))
    seconds["simulate"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    progress("running LiteRT reference")
    goldens = run_golden_batch(graph.model_bytes, [v for _, v in samples])
    seconds["golden"] = time.perf_counter() - t2
    reports = []
    for (label, values), run, gold in zip(samples, runs, goldens, strict=True):
        comparisons = [
            compare(i, g, w) for i, (g, w) in enumerate(zip(run.outputs, gold.outputs, strict=True))
        ]
        reports.append(
            SampleReport(
                label,
                values,
                run.outputs,
                gold.outputs,
                comparisons,
                run.op_cycles,
                run.result.cycles,
                run.result.instructions,
                run.result.stack,
                inference_cycles=run.inference_cycles,
                inference_memory_cycles=run.inference_memory_cycles,
                op_memory_cycles=run.op_memory_cycles,
                ideal_cycles=run.result.ideal_cycles,
                memory_model=run.result.memory_model,
                icache=run.result.icache,
                dcache=run.result.dcache,
            )
        )
    report = ModelReport(
        options, graph, compiled, reports, goldens[0].runtime if goldens else "", seconds, macs=macs
    )
    if options.debug_layers and not report.exact:
        progress("rebuilding with every intermediate tensor kept (--debug-layers)")
        bad = next(s for s in reports if not s.exact)
        report.first_bad_layer, report.layers_checked = first_bad_layer(options, graph, board, bad.inputs)
    seconds["total"] = time.perf_counter() - t0
    return report


def first_bad_layer(
    options: RunOptions, graph: Graph, board, inputs: list[np.ndarray]
) -> tuple[LayerDiff | None, int]:
    """Run with every tensor kept in its own buffer; compare operator outputs with LiteRT's."""
    compiled = compile_model(graph, board, options.toolchain, reuse=False)
    wanted = [t for op in graph.operators for t in op.outputs]
    budget = options.max_instructions or instruction_budget(sum(graph_macs(graph)))
    run = simulate(compiled, inputs, budget, tensors=wanted, memory_model=False)
    gold = run_golden(graph.model_bytes, inputs, preserve_all_tensors=True)
    checked = 0
    for i, op in enumerate(graph.operators):
        for t in op.outputs:
            if t not in gold.intermediates:
                continue
            checked += 1
            c = compare(0, run.tensors[t], gold.intermediates[t].reshape(run.tensors[t].shape))
            if not c.exact:
                return LayerDiff(
                    i, op.opcode, t, c.first_mismatch, c.got, c.want, c.mismatches, c.elements
                ), checked
    return None, checked
