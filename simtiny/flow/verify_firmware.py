"""Verify firmware simtiny did not write: run the user's ELF on the simulated board with each
sample's inputs as semihosting files, read the outputs it wrote, run LiteRT on the same inputs
and compare bit for bit (the contract of simtiny/firmware/hal/simtiny_verify.h).

The firmware reads input<k>.bin, brackets its inference with st_verify_begin()/st_verify_end()
(which write cycles.bin: the DWT cycle counter at both marks) and writes output<k>.bin; one
inference per run, so K samples are K runs, each in a fresh folder. A verdict needs grounds:
every output of every sample present, of the right size, and compared.
"""

from __future__ import annotations

import dataclasses
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simtiny.errors import EXIT_FAULT, EXIT_MISMATCH, EXIT_OK, InputError, SimtinyError, printable
from simtiny.flow.golden import REFERENCES, require_checkable, run_golden_batch
from simtiny.flow.inputs import model_inputs, random_inputs
from simtiny.flow.measure import Figures
from simtiny.flow.options import choice
from simtiny.flow.run import ModelInput
from simtiny.flow.run_elf import FirmwareReport, run_firmware
from simtiny.flow.simulate import instruction_budget
from simtiny.flow.validate.quantization import check_quantization
from simtiny.flow.validate.shapes import detection_output_shapes
from simtiny.flow.validate.structure import check_structure
from simtiny.flow.verify import OutputComparison, compare_outputs
from simtiny.model import NUMPY_DTYPES, Graph, load_model
from simtiny.model.macs import graph_macs
from simtiny.model.normalize import normalize
from simtiny.platform import load_platform
from simtiny.report.sim import outcome_line
from simtiny.sim import DEFAULT_ENGINE

CYCLES_FILE = "cycles.bin"  # two little-endian uint32: the cycle counter at st_verify_begin and st_verify_end
Progress = Callable[[str], None]


class VerifyFault(SimtinyError):
    """The firmware faulted, did not finish, exited with a nonzero status or broke the contract."""

    exit_code = EXIT_FAULT


def input_name(k: int) -> str:
    return f"input{k}.bin"


def output_name(k: int) -> str:
    return f"output{k}.bin"


@dataclass(frozen=True)
class VerifyOptions:
    """What `simtiny verify` runs: the firmware, the model it claims to run, and the samples."""

    firmware: Path
    model: Path
    platform: str | Path = "stm32h743"
    engine: str = DEFAULT_ENGINE
    inputs: tuple[ModelInput, ...] = ()  # one per model input (one sample); none: seeded random samples
    seed: int = 0
    samples: int = 1
    max_instructions: int | None = None  # None: scaled to the model's MACs
    memory_model: bool = True
    image_mode: str = "pixels"
    reference: str = "litert"  # what computes the expected outputs: a key of simtiny.flow.golden.REFERENCES


@dataclass
class VerifySample:
    """One run of the firmware: its inputs, what it wrote, what the reference gives, and the comparison."""

    label: str
    inputs: list[np.ndarray]
    outputs: list[np.ndarray]
    golden: list[np.ndarray]
    comparisons: list[OutputComparison]
    run: FirmwareReport
    inference_cycles: int | None  # between the markers, as the firmware's counter saw them
    inference_memory_cycles: int | None  # of those, the memory system's (when the simulator saw both reads)

    @property
    def exact(self) -> bool:
        return bool(self.comparisons) and all(c.exact for c in self.comparisons)


@dataclass
class VerifyReport:
    """The verdict on a firmware against the reference, sample by sample, and what the firmware costs."""

    options: VerifyOptions
    graph: Graph
    samples: list[VerifySample]
    figures: Figures  # cycles: the slowest sample's inference (None when no markers); stack: the deepest
    reference: str
    notes: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        outputs = len(self.graph.outputs)
        return (
            bool(self.samples)
            and outputs > 0
            and bool(self.reference)
            and all(len(s.comparisons) == outputs and s.exact for s in self.samples)
        )

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.exact else EXIT_MISMATCH


def verify_firmware(options: VerifyOptions, progress: Progress = lambda _: None) -> VerifyReport:
    """Run the firmware once per sample, the reference on the same inputs, compare; measure."""
    choice(options.reference, "reference", list(REFERENCES))
    theirs = REFERENCES[options.reference]
    if not options.firmware.is_file():
        raise InputError(f"{options.firmware}: no such firmware file")
    board = load_platform(options.platform)
    progress("loading the model")
    # The rules every model keeps (structure, quantisation), not simtiny's kernels' own: the
    # firmware may run operators simtiny does not compile. Normalised as `simtiny run` does it.
    name = printable(Path(options.model).name, 120)
    graph = load_model(options.model)
    check_structure(graph, name)
    graph = detection_output_shapes(normalize(graph))  # the outputs' shapes LiteRT gives them
    check_quantization(graph, name)
    if not graph.inputs or not graph.outputs:
        raise InputError(f"{options.model}: the model has no inputs or no outputs")
    require_checkable(graph, [options.reference])
    samples = _samples(options, graph)
    progress(f"running the {theirs} reference on {len(samples)} sample(s)")
    batch = [values for _, values in samples]
    if graph.state:  # each sample is a boot of the firmware: a fresh stream, a fresh interpreter
        goldens = [run_golden_batch(graph.model_bytes, [v], reference=options.reference)[0] for v in batch]
    else:
        goldens = run_golden_batch(graph.model_bytes, batch, reference=options.reference)
    budget = options.max_instructions or instruction_budget(sum(graph_macs(graph)))
    runs: list[VerifySample] = []
    notes: list[str] = []
    for k, ((label, values), gold) in enumerate(zip(samples, goldens, strict=True)):
        progress(f"running the firmware on sample {k + 1}/{len(samples)}")
        with tempfile.TemporaryDirectory(prefix="simtiny-verify-") as tmp:
            folder = Path(tmp)
            for i, value in enumerate(values):
                (folder / input_name(i)).write_bytes(np.ascontiguousarray(value).tobytes())
            report = run_firmware(options.firmware, board, options.engine, budget, options.memory_model, files=folder)
            _check_run(report, label)
            outputs = [_read_output(folder, graph, i, label) for i in range(len(graph.outputs))]
            marks = _read_marks(folder)
        if len(gold.outputs) != len(outputs):
            raise SimtinyError(f"{theirs} gives {len(gold.outputs)} outputs for the model's {len(outputs)}")
        comparisons = compare_outputs(graph, outputs, gold.outputs, theirs)
        cycles, memory = _inference_cycles(marks, report)
        runs.append(VerifySample(label, values, outputs, gold.outputs, comparisons, report, cycles, memory))
    if all(s.inference_cycles is None for s in runs):
        notes.append(
            f"the firmware wrote no {CYCLES_FILE} (st_verify_begin/st_verify_end not called): "
            "inference cycles not measured"
        )
    return VerifyReport(options, graph, runs, _figures(runs), goldens[0].runtime if goldens else "", notes)


def _samples(options: VerifyOptions, graph: Graph) -> list[tuple[str, list[np.ndarray]]]:
    if options.inputs:
        label = ", ".join(
            f"array {k}" if isinstance(i, np.ndarray) else Path(i).name for k, i in enumerate(options.inputs)
        )
        return [(label, model_inputs(graph, list(options.inputs), options.image_mode))]
    if options.samples < 1:
        raise InputError(f"samples must be at least 1 (got {options.samples}): a verdict needs a compared sample")
    return [(f"seed {options.seed + k}", random_inputs(graph, options.seed + k)) for k in range(options.samples)]


def _check_run(report: FirmwareReport, label: str) -> None:
    """Only a run that ended with status 0 has outputs to compare."""
    result = report.result
    if result.status == "exit" and result.exit_code == 0:
        return
    tail = result.console.text.strip().splitlines()[-1:] if result.console.text.strip() else []
    said = f" (its last console line: {tail[0][:120]!r})" if tail else ""
    raise VerifyFault(f"the firmware failed on sample {label}: {outcome_line(result, report.request)}{said}")


def _read_output(folder: Path, graph: Graph, k: int, label: str) -> np.ndarray:
    tensor = graph.tensor(graph.outputs[k])
    path = folder / output_name(k)
    if not path.is_file():
        raise VerifyFault(
            f"the firmware wrote no {output_name(k)} on sample {label} (the model has "
            f"{len(graph.outputs)} output(s); see simtiny_verify.h)"
        )
    data = path.read_bytes()
    if len(data) != tensor.nbytes:
        raise VerifyFault(
            f"the firmware's {output_name(k)} holds {len(data):,} bytes on sample {label}; model output {k} "
            f"is {tensor.dtype} {list(tensor.shape)}, {tensor.nbytes:,} bytes"
        )
    return np.frombuffer(data, dtype=NUMPY_DTYPES[tensor.dtype]).reshape(tensor.shape).copy()


def _read_marks(folder: Path) -> tuple[int, int] | None:
    path = folder / CYCLES_FILE
    if not path.is_file():
        return None
    data = path.read_bytes()
    if len(data) != 8:
        raise VerifyFault(f"the firmware's {CYCLES_FILE} holds {len(data)} bytes, not 8 (two uint32)")
    begin, end = struct.unpack("<II", data)
    return begin, end


def _inference_cycles(marks: tuple[int, int] | None, report: FirmwareReport) -> tuple[int | None, int | None]:
    """Cycles between the markers (the counter wraps at 32 bits) and, when the simulator saw two
    counter reads that far apart, the memory system's share of them."""
    if marks is None:
        return None, None
    cycles = (marks[1] - marks[0]) & 0xFFFFFFFF
    timing = report.result.timing
    reads = timing.counter_reads if timing else []
    at = {clock: memory for clock, memory in reads}
    for clock, memory in reversed(reads):
        if clock - cycles in at:
            return cycles, memory - at[clock - cycles]
    return cycles, None


def _figures(samples: list[VerifySample]) -> Figures:
    """Flash and static RAM from the ELF, the deepest stack of any run, the slowest inference."""
    base = samples[0].run.figures
    stack = max(s.run.figures.stack for s in samples)
    timed = [s for s in samples if s.inference_cycles is not None]
    if not timed:
        return dataclasses.replace(base, stack=stack, cycles=None, memory_cycles=0)
    slowest = max(timed, key=lambda s: s.inference_cycles or 0)
    return dataclasses.replace(
        base, stack=stack, cycles=slowest.inference_cycles, memory_cycles=slowest.inference_memory_cycles or 0
    )
