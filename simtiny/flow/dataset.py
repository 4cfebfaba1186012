"""Validation over a data set (`simtiny validate`): every sample through the simulated firmware
(built once) and through the reference, compared bit for bit, with the accuracy figures of ST's
`validate` against the int8 reference, the float model and the labels.

Samples go out in chunks to workers (simtiny.flow.workers: this process, a local process pool or
a Dask cluster); each chunk comes back as one record per sample, appended at once to a results
file (JSON lines) whose first line names what was validated, so that a validation that stops
resumes where it stopped, and one that finished reports again without simulating anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from simtiny import __version__
from simtiny.errors import InputError, printable
from simtiny.flow.build import CompiledModel
from simtiny.flow.classify import is_classifier, ranked
from simtiny.flow.data import is_data_set, load_data, stacked_samples
from simtiny.flow.golden import REFERENCES, require_checkable, run_golden_batch
from simtiny.flow.inputs import dequantized
from simtiny.flow.metrics import ErrorSums, confusion_matrix
from simtiny.flow.simulate import simulate
from simtiny.flow.verify import compare_outputs
from simtiny.model import NUMPY_DTYPES, Graph, load_model

RESULTS_FORMAT = 1  # of the results file's header line
MAX_SAMPLES = 1_000_000  # samples of one validation (records are small; samples are read in full first)
MAX_DATA_BYTES = 1 << 30  # the data set's inputs, held at once
Sample = tuple[int, str, list[np.ndarray]]  # index, label, one array per model input


@dataclass(frozen=True)
class ValidationJob:
    """What every worker needs, sent to each once: the built model, the ELF's bytes (a worker on
    another machine has no copy), the float model, and how to simulate."""

    compiled: CompiledModel
    elf: bytes
    elf_sha256: str
    float_model: bytes | None
    budget: int
    memory_model: bool = True
    engine: str = "unicorn"
    reference: str = "litert"


@dataclass
class SampleRecord:
    """One sample's outcome: what the results file keeps and the report is made of."""

    index: int
    label: str
    exact: bool
    mismatches: int
    elements: int
    cycles: int | None
    instructions: int
    firmware_class: int | None = None
    reference_class: int | None = None
    float_class: int | None = None
    vs_reference: list[dict[str, float]] = field(default_factory=list)  # ErrorSums per output
    vs_float: list[dict[str, float]] | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SampleRecord:
        return cls(**data)


def job_for(compiled: CompiledModel, float_model: bytes | None, budget: int, memory_model: bool, engine: str,
            reference: str = "litert") -> ValidationJob:  # fmt: skip
    elf = compiled.firmware.elf.read_bytes()
    return ValidationJob(compiled, elf, hashlib.sha256(elf).hexdigest(), float_model, budget, memory_model, engine,
                         reference)  # fmt: skip


def _local_compiled(job: ValidationJob) -> CompiledModel:
    """The job's model with an ELF on this machine: the builder's own file when it is there and
    unchanged, else a copy written once per worker machine (keyed by content)."""
    path = job.compiled.firmware.elf
    try:
        if path.is_file() and path.stat().st_size == len(job.elf) and path.read_bytes() == job.elf:
            return job.compiled
    except OSError:
        pass
    folder = Path(tempfile.gettempdir()) / "simtiny-validate"
    folder.mkdir(exist_ok=True)
    copy = folder / f"{job.elf_sha256}.elf"
    if not copy.is_file() or copy.stat().st_size != len(job.elf):
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".elf")
        with os.fdopen(fd, "wb") as f:
            f.write(job.elf)
        os.replace(tmp, copy)
    return replace(job.compiled, firmware=replace(job.compiled.firmware, elf=copy))


def float_inputs(graph: Graph, values: list[np.ndarray], float_graph: Graph) -> list[np.ndarray]:
    """The float model's inputs for a sample: the int8 model's inputs dequantized, so that both
    models see the same sample."""
    out = []
    for t, f, v in zip(graph.inputs, float_graph.inputs, values, strict=True):
        want = np.dtype(NUMPY_DTYPES[float_graph.tensor(f).dtype])
        out.append(dequantized(graph.tensor(t), v).astype(want).reshape(float_graph.tensor(f).shape))
    return out


def evaluate_chunk(job: ValidationJob, chunk: Sequence[Sample]) -> list[dict[str, Any]]:
    """Run a chunk of samples on a worker: the firmware, the reference, the float model; one
    record (as JSON types) per sample."""
    compiled = _local_compiled(job)
    graph = compiled.graph
    golds = run_golden_batch(graph.model_bytes, [values for _, _, values in chunk], reference=job.reference)
    floats = None
    float_graph = None
    if job.float_model is not None:
        from simtiny.model import parse_model

        float_graph = parse_model(job.float_model)
        batch = [float_inputs(graph, values, float_graph) for _, _, values in chunk]
        floats = run_golden_batch(job.float_model, batch, reference=job.reference)
    classifier = is_classifier(graph)
    scores = graph.tensor(graph.outputs[0])
    records = []
    for k, (index, label, values) in enumerate(chunk):
        run = simulate(compiled, values, job.budget, memory_model=job.memory_model, engine=job.engine)
        gold = golds[k].outputs
        comparisons = compare_outputs(graph, run.outputs, gold, REFERENCES[job.reference])
        tensors = [graph.tensor(t) for t in graph.outputs]
        got = [dequantized(t, v) for t, v in zip(tensors, run.outputs, strict=True)]
        want = [dequantized(t, v) for t, v in zip(tensors, gold, strict=True)]
        record = SampleRecord(
            index,
            label,
            all(c.exact for c in comparisons),
            sum(c.mismatches for c in comparisons),
            sum(c.elements for c in comparisons),
            run.inference_cycles if run.result.cycles is not None else None,
            run.result.instructions,
            vs_reference=[ErrorSums.of(g, w).as_dict() for g, w in zip(got, want, strict=True)],
        )
        if classifier:
            record.firmware_class = ranked(scores, run.outputs[0], 1)[0][0]
            record.reference_class = ranked(scores, gold[0], 1)[0][0]
        if floats is not None and float_graph is not None:
            outs = floats[k].outputs
            record.vs_float = [
                ErrorSums.of(g, np.asarray(f, dtype=np.float64).reshape(-1)).as_dict()
                for g, f in zip(got, outs, strict=True)
            ]
            if record.firmware_class is not None:
                record.float_class = int(np.argmax(np.asarray(outs[0]).reshape(-1)))
        records.append(record.to_json())
    return records


# --- inputs -------------------------------------------------------------------------------------


def dataset_samples(data: Path, graph: Graph, image_mode: str = "pixels") -> list[Sample]:
    """A data set's samples, indexed: a .npz file, a folder, or one .npy stack of samples."""
    if is_data_set([data]):
        found = load_data(data, graph, image_mode, MAX_SAMPLES, MAX_DATA_BYTES)
    else:
        stacked = stacked_samples(graph, [data], MAX_SAMPLES, MAX_DATA_BYTES) if data.is_file() else None
        if stacked is None:
            raise InputError(f"--data {data}: give a .npz file, a folder of samples or a .npy stack of samples")
        found = stacked
    return [(k, label, values) for k, (label, values) in enumerate(found)]


def read_labels(path: Path, count: int) -> list[int]:
    """Class labels, one per sample: a .npy array of integers, or a text file with one integer a line."""
    if not path.is_file():
        raise InputError(f"--labels {path}: no such file")
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise InputError(f"--labels {path}: not a readable .npy file ({printable(str(exc), 100)})") from None
        if array.dtype.kind not in "iu" or array.ndim != 1:
            held = f"{array.dtype} {list(array.shape)}"
            raise InputError(f"--labels {path}: needs a 1-D array of integers, it holds {held}")
        labels = [int(v) for v in array]
    else:
        labels = []
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            text = line.strip()
            if not text:
                continue
            if not text.lstrip("-").isdigit():
                raise InputError(f"--labels {path}:{n}: not a class number: {printable(text, 40)!r}")
            labels.append(int(text))
    if len(labels) != count:
        raise InputError(f"--labels {path}: {len(labels):,} labels for {count:,} samples")
    if any(v < 0 for v in labels):
        raise InputError(f"--labels {path}: class numbers start at 0")
    return labels


def check_float_model(graph: Graph, path: Path) -> bytes:
    """The float model's bytes, once its inputs and outputs are known to match the model's."""
    if not path.is_file():
        raise InputError(f"--float-model {path}: no such file")
    float_graph = load_model(path)
    pairs = (("input", graph.inputs, float_graph.inputs), ("output", graph.outputs, float_graph.outputs))
    for kind, ours, theirs in pairs:
        if len(ours) != len(theirs):
            raise InputError(f"--float-model {path}: {len(theirs)} {kind}(s), the model has {len(ours)}")
        for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            sa, sb = graph.tensor(a).shape, float_graph.tensor(b).shape
            if int(np.prod(sa)) != int(np.prod(sb)):
                raise InputError(f"--float-model {path}: {kind} {k} has shape {list(sb)}, the model's {list(sa)}")
    return float_graph.model_bytes


# --- the results file -----------------------------------------------------------------------------


def fingerprint(path: Path) -> str:
    """sha256 of a file, or of a folder's file names and contents (in name order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for p in files:
        digest.update(str(p.relative_to(path) if path.is_dir() else p.name).encode("utf-8", "replace") + b"\0")
        with p.open("rb") as f:
            for block in iter(lambda f=f: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def results_key(job: ValidationJob, data: Path) -> dict[str, Any]:
    """What a results file's records depend on: a file made for another key is not resumed."""
    return {
        "simtiny": __version__,
        "model_sha256": hashlib.sha256(job.compiled.graph.model_bytes).hexdigest(),
        "firmware_sha256": job.elf_sha256,
        "data_sha256": fingerprint(data),
        "float_model_sha256": None if job.float_model is None else hashlib.sha256(job.float_model).hexdigest(),
        "board": job.compiled.board.name,
        "memory_model": job.memory_model,
        "engine": job.engine,
        "reference": job.reference,
    }


def open_results(path: Path, key: dict[str, Any], restart: bool) -> dict[int, SampleRecord]:
    """The records a results file already holds for `key` (a line cut short by an interruption is
    dropped), after writing its header if it is new; with `restart`, it starts over."""
    header = json.dumps({"simtiny_validate": RESULTS_FORMAT, "key": key}) + "\n"
    if restart or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header, encoding="utf-8")
        return {}
    lines = path.read_bytes().split(b"\n")
    try:
        first = json.loads(lines[0])
    except (json.JSONDecodeError, UnicodeDecodeError):
        first = None
    if not isinstance(first, dict) or first.get("simtiny_validate") != RESULTS_FORMAT:
        raise InputError(f"--results {path}: not a results file of simtiny validate (--force starts it over)")
    if first.get("key") != key:
        changed = sorted(k for k in key if first.get("key", {}).get(k) != key[k])
        raise InputError(
            f"--results {path}: holds the results of another validation (different {', '.join(changed)}); "
            "--force starts it over"
        )
    records: dict[int, SampleRecord] = {}
    good = len(lines[0]) + 1
    for line in lines[1:]:
        if not line.strip():
            good += len(line) + 1
            continue
        try:
            record = SampleRecord.from_json(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError):
            break  # an interrupted write: everything from here is redone
        records[record.index] = record
        good += len(line) + 1
    with path.open("r+b") as f:  # drop a partial last line, so that appends start on a fresh one
        f.truncate(min(good, path.stat().st_size))
    return records


def append_records(path: Path, records: Sequence[dict[str, Any]]) -> None:
    with path.open("a", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
        f.flush()
        os.fsync(f.fileno())


# --- the outcome ------------------------------------------------------------------------------------


@dataclass
class Validation:
    """A validation's outcome, over every sample (those resumed included)."""

    records: list[SampleRecord]
    labels: list[int] | None
    classes: int | None  # a classifier's class count
    reference: str
    float_model: Path | None
    results: Path
    resumed: int
    seconds: float
    workers: int
    where: str  # "this process", "2 local processes", "the Dask cluster at ..."
    clock_hz: int

    @property
    def samples(self) -> int:
        return len(self.records)

    @property
    def exact(self) -> int:
        return sum(r.exact for r in self.records)

    def agreement(self, attribute: str) -> int | None:
        """Samples whose firmware top-1 equals the reference's or the float model's."""
        pairs = [(r.firmware_class, getattr(r, attribute)) for r in self.records]
        if not pairs or any(a is None or b is None for a, b in pairs):
            return None
        return sum(a == b for a, b in pairs)

    def accuracy(self, attribute: str) -> int | None:
        """Samples whose top-1 (firmware_class, reference_class, float_class) is the label."""
        if self.labels is None:
            return None
        predicted = [getattr(r, attribute) for r in self.records]
        if any(p is None for p in predicted):
            return None
        return sum(p == label for p, label in zip(predicted, self.labels, strict=True))

    def metrics(self, against: str) -> list[dict[str, float | None]] | None:
        """Per output, the error metrics of the firmware's values against the int8 reference
        ("reference") or the float model ("float")."""
        sums = [r.vs_reference if against == "reference" else r.vs_float for r in self.records]
        if not sums or any(s is None for s in sums):
            return None
        outputs = len(sums[0] or [])
        totals = [ErrorSums() for _ in range(outputs)]
        for per_sample in sums:
            for k, d in enumerate(per_sample or []):
                totals[k] = totals[k] + ErrorSums(**d)
        return [t.metrics() for t in totals]

    def confusion(self) -> list[list[int]] | None:
        if self.labels is None or self.classes is None or any(r.firmware_class is None for r in self.records):
            return None
        classes = max(self.classes, max(self.labels, default=0) + 1)
        return confusion_matrix(self.labels, [r.firmware_class or 0 for r in self.records], classes)

    def cycles(self) -> tuple[int, float, int] | None:
        """Min, median and max cycles per inference over the samples."""
        values = [r.cycles for r in self.records if r.cycles is not None]
        if not values:
            return None
        return min(values), float(statistics.median(values)), max(values)


def chunks_of(samples: Sequence[Sample], workers: int, size: int | None = None) -> list[list[Sample]]:
    """Chunks small enough to keep every worker busy to the end and show progress, large enough
    that the reference's start-up (one child process per chunk) stays a small share."""
    if size is None:
        size = max(1, min(32, len(samples) // max(4 * workers, 1)))
    return [list(samples[k : k + size]) for k in range(0, len(samples), size)]


Submit = Callable[[ValidationJob, list[list[Sample]], Callable[[list[dict[str, Any]]], None]], None]


def run_validation(
    job: ValidationJob,
    samples: list[Sample],
    labels: list[int] | None,
    results: Path,
    done: dict[int, SampleRecord],
    submit: Submit,
    workers: int,
    where: str,
    float_model: Path | None,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
    chunk: int | None = None,
) -> Validation:
    """Every sample not already in `done` through `submit` (a worker pool), each chunk's records
    appended to `results` as it comes back."""
    start = time.perf_counter()
    todo = [s for s in samples if s[0] not in done]
    records = dict(done)
    progress(len(done), len(samples))

    def received(batch: list[dict[str, Any]]) -> None:
        append_records(results, batch)
        for data in batch:
            record = SampleRecord.from_json(data)
            records[record.index] = record
        progress(len(records), len(samples))

    if todo:
        submit(job, chunks_of(todo, workers, chunk), received)
    graph = job.compiled.graph
    classes = None
    if is_classifier(graph):
        classes = int(np.prod(graph.tensor(graph.outputs[0]).shape))
    return Validation(
        [records[k] for k in sorted(records)],
        labels,
        classes,
        REFERENCES[job.reference],
        float_model,
        results,
        len(done),
        time.perf_counter() - start,
        workers,
        where,
        job.compiled.board.clock_hz,
    )


# --- the whole command ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidateOptions:
    """The options of `simtiny validate`."""

    model: Path
    data: Path
    labels: Path | None = None
    float_model: Path | None = None
    platform: str | Path = "stm32h743"
    engine: str = "unicorn"
    toolchain: str | None = None
    memory_model: bool = True
    optimization: str = "ram"
    sram_budget: int | None = None
    flash_budget: int | None = None
    image_mode: str = "pixels"
    max_instructions: int | None = None
    workers: int | None = None  # None: one per core
    cluster: str | None = None  # a Dask scheduler's address: the work goes there instead
    results: Path | None = None  # None: MODEL.validate.jsonl in the current folder
    restart: bool = False  # start the results file over
    chunk: int | None = None  # samples per task (None: chosen from the count and the workers)

    def results_path(self) -> Path:
        return self.results if self.results is not None else Path.cwd() / f"{self.model.stem}.validate.jsonl"


def validate_data_set(
    options: ValidateOptions,
    stage: Callable[[str], None] = lambda _: None,
    progress: Callable[[int, int], None] = lambda _d, _t: None,
) -> tuple[Validation, CompiledModel]:
    """Check everything given, build once, then run every sample not yet in the results file."""
    from simtiny.flow.options import validate_options
    from simtiny.flow.run import RunOptions, compile_model
    from simtiny.flow.simulate import instruction_budget
    from simtiny.flow.validate import load_and_check
    from simtiny.flow.workers import dask_cluster, default_workers, local_pool
    from simtiny.model.macs import graph_macs
    from simtiny.outputs import check_output

    run_options = RunOptions(
        options.model, options.platform, options.engine, options.toolchain, memory_model=options.memory_model,
        sram_budget=options.sram_budget, flash_budget=options.flash_budget, optimization=options.optimization,
        image_mode=options.image_mode, max_instructions=options.max_instructions,
    )  # fmt: skip
    validate_options(run_options)
    if not options.data.exists():
        raise InputError(f"--data {options.data}: no such file or folder")
    results = options.results_path()
    inputs = [options.model, options.data, *(p for p in (options.labels, options.float_model) if p is not None)]
    check_output(results, "--results", inputs, force=True)
    if options.workers is not None and options.workers < 1:
        raise InputError(f"--workers must be at least 1 (got {options.workers})")
    stage("loading and validating the model")
    graph = load_and_check(options.model)
    require_checkable(graph, ["litert"])  # validate compares with LiteRT
    if graph.state:
        raise InputError(f"{options.model.name} keeps state between invocations: validate runs independent samples")
    stage("reading the data set")
    samples = dataset_samples(options.data, graph, options.image_mode)
    labels = read_labels(options.labels, len(samples)) if options.labels is not None else None
    float_bytes = check_float_model(graph, options.float_model) if options.float_model is not None else None
    board = run_options.board()
    if options.cluster:  # before the build: a wrong address fails at once
        stage(f"connecting to the Dask scheduler at {options.cluster}")
        submit, workers = dask_cluster(options.cluster)
        where = f"a Dask cluster of {workers} worker(s) at {options.cluster}"
    else:
        workers = options.workers or default_workers()
        submit = local_pool(workers)
        where = "this process" if workers == 1 else f"{workers} local processes"
    stage(f"building firmware ({len(graph.operators)} operators)")
    compiled = compile_model(graph, board, options.toolchain, optimization=options.optimization)
    budget = options.max_instructions or instruction_budget(sum(graph_macs(graph)))
    job = job_for(compiled, float_bytes, budget, options.memory_model, options.engine)
    key = results_key(job, options.data)
    done = open_results(results, key, options.restart)
    done = {k: r for k, r in done.items() if k < len(samples)}
    stage(f"validating {len(samples) - len(done):,} sample(s) on {where}")
    validation = run_validation(
        job, samples, labels, results, done, submit, workers, where, options.float_model, progress, options.chunk
    )
    return validation, compiled
