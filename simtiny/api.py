"""simtiny's Python API: the flow behind the command line, with numpy arrays in and out.

    import simtiny

    report = simtiny.run_model("person_detect.tflite", inputs=[image])   # build, simulate, verify
    assert report.exact                                                  # bit for bit against LiteRT
    f = report.figures                                                   # flash, SRAM, cycles, ...
    print(f.latency_ms, f.peak_sram, f.flash, f.fits)

    board = simtiny.load_platform("stm32f746g-disco")                    # or the path of a board folder
    compiled = simtiny.compile_model("kws.tflite", board)                # firmware, built once
    run = simtiny.simulate(compiled, [x])                                # outputs and cycles, no reference

    fw = simtiny.run_firmware("app.elf", board)                          # any Cortex-M7 ELF
    print(fw.result.status, fw.result.console.text, fw.figures.cycles)

    v = simtiny.validate("digits_int8.tflite", "digits.npz", labels="labels.npy", workers=2)
    print(v.exact, v.samples, v.accuracy("firmware_class"), v.metrics("reference"))

The command line, the Robot Framework library, the pytest plugin, `check` and `bench` all go
through these same stages (simtiny.flow.run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from simtiny.flow.build import CompiledModel
from simtiny.flow.run import ModelReport, RunOptions
from simtiny.flow.run_elf import FirmwareReport
from simtiny.flow.simulate import ModelRun
from simtiny.model import Graph
from simtiny.platform import Platform
from simtiny.sim import DEFAULT_ENGINE, DEFAULT_MAX_INSTRUCTIONS

BoardLike = str | Path | Platform


def load_platform(platform: BoardLike = "stm32h743") -> Platform:
    """A board by name (one that ships with simtiny), by the path of its folder, or as given."""
    from simtiny.platform import load_platform as load

    return platform if isinstance(platform, Platform) else load(platform)


def load_model(path: str | Path) -> Graph:
    """A .tflite model, read, normalised and checked to be one simtiny can compile."""
    from simtiny.flow.validate import load_and_check

    return load_and_check(path)


def compile_model(
    model: str | Path | Graph,
    platform: BoardLike = "stm32h743",
    toolchain: str | None = None,
    optimization: str = "ram",
) -> CompiledModel:
    """Plan (for "ram", the smallest peak SRAM, or "time", speed within the board's SRAM:
    simtiny.flow.plan.plan_for, which refuses any other goal), generate and build a model's
    firmware for a board (cached by content)."""
    from simtiny.flow.run import compile_model as compile_graph

    graph = model if isinstance(model, Graph) else load_model(model)
    return compile_graph(graph, load_platform(platform), toolchain, optimization=optimization)


def simulate(
    compiled: CompiledModel,
    inputs: Sequence[np.ndarray],
    engine: str = DEFAULT_ENGINE,
    memory_model: bool = True,
    max_instructions: int | None = None,
) -> ModelRun:
    """One inference of a compiled model on the simulated board: outputs and cycles, no reference."""
    from simtiny.flow.inputs import model_inputs
    from simtiny.flow.options import boolean, check_engine, whole_number
    from simtiny.flow.simulate import instruction_budget
    from simtiny.flow.simulate import simulate as run
    from simtiny.model.macs import graph_macs

    check_engine(engine)
    boolean(memory_model, "memory_model")
    if max_instructions is not None:
        whole_number(max_instructions, "max_instructions", 1)
    values = model_inputs(compiled.graph, list(inputs))
    budget = max_instructions or instruction_budget(sum(graph_macs(compiled.graph)))
    return run(compiled, values, budget, memory_model=memory_model, engine=engine)


def run_model(
    model: str | Path,
    inputs: Sequence[np.ndarray | str | Path] | None = None,
    platform: str | Path = "stm32h743",
    **options: Any,
) -> ModelReport:
    """The whole flow for one model: build, simulate `inputs` (one per model input: arrays or
    files; none: `samples` seeded random inputs), run LiteRT's reference kernels on the same,
    compare bit for bit and measure. `options` are those of simtiny.flow.run.RunOptions
    (engine, toolchain, samples, seed, memory_model, lift_limits, sram_budget, ...)."""
    from simtiny.errors import InputError
    from simtiny.flow.options import refuse_unknown
    from simtiny.flow.run import run_model as run

    refuse_unknown(options, [f.name for f in fields(RunOptions) if f.name not in ("model", "platform", "inputs")],
                   "run_model")
    if not isinstance(model, str | Path):
        raise InputError(f"model must be the path of a .tflite file, not {model!r}")
    run_options = RunOptions(model=Path(model), platform=platform, inputs=tuple(inputs or ()))
    return run(replace(run_options, **options))


def build_firmware(
    sources: Sequence[str | Path], platform: BoardLike = "stm32h743", toolchain: str | None = None, **options: Any
) -> Path:
    """Compile C sources with the board's start-up code and HAL; the ELF's path (cached by content)."""
    from simtiny.flow.run import build_firmware as build

    return build(sources, load_platform(platform), toolchain, **options).elf


def run_firmware(
    elf: str | Path,
    platform: BoardLike = "stm32h743",
    engine: str = DEFAULT_ENGINE,
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
    memory_model: bool = True,
    profile: bool = False,
) -> FirmwareReport:
    """Run any Cortex-M7 ELF from reset to its exit, a fault or the budget, and measure it."""
    from simtiny.flow.options import boolean, check_engine, whole_number
    from simtiny.flow.run_elf import run_firmware as run

    check_engine(engine)
    whole_number(max_instructions, "max_instructions", 1)
    boolean(memory_model, "memory_model")
    boolean(profile, "profile")
    return run(elf, load_platform(platform), engine, max_instructions, memory_model, profile)


def validate(
    model: str | Path,
    data: str | Path,
    labels: str | Path | None = None,
    float_model: str | Path | None = None,
    platform: str | Path = "stm32h743",
    **options: Any,
) -> Any:
    """A data set through the firmware and the references, as `simtiny validate`: every sample
    bit for bit, top-1 agreement, accuracy against `labels`, the error metrics against the int8
    reference and `float_model`, resumable through its results file. `options` are those of
    simtiny.flow.dataset.ValidateOptions (workers, cluster, results, engine, memory_model, ...).
    Returns the simtiny.flow.dataset.Validation."""
    from simtiny.flow.dataset import ValidateOptions, validate_data_set
    from simtiny.flow.options import refuse_unknown

    names = [f.name for f in fields(ValidateOptions) if f.name not in ("model", "data", "labels", "float_model",
                                                                       "platform")]  # fmt: skip
    refuse_unknown(options, names, "validate")
    given = ValidateOptions(
        Path(model),
        Path(data),
        None if labels is None else Path(labels),
        None if float_model is None else Path(float_model),
        platform,
    )
    return validate_data_set(replace(given, **options))[0]
