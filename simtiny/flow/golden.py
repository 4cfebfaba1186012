"""Reference outputs: run a .tflite model with a reference's kernels, in a child process.

Two references: LiteRT's reference kernels ("litert", the default and the project's standard)
and TF-Lite Micro's own interpreter ("tflm", what microcontroller firmware ships). Either can
abort the process on odd models (LiteRT while preparing SOFTMAX, for one), so neither runs in
simtiny's own process: simtiny.flow.golden_worker runs it and a crash becomes a GoldenError.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from simtiny.errors import EXIT_FAULT, InputError, SimtinyError
from simtiny.flow import golden_worker as worker

if TYPE_CHECKING:
    from simtiny.model import Graph

DEFAULT_TIMEOUT = 600.0


REFERENCES = worker.REFERENCES  # the references by the name --reference gives them: "litert", "tflm"
REFERENCE_CHOICES = (*REFERENCES, "both")  # --reference: one of them, or LiteRT then TF-Lite Micro


def references_of(choice: str) -> list[str]:
    """The references a --reference choice runs, in order: the first one's outputs are a
    sample's golden outputs."""
    return list(REFERENCES) if choice == "both" else [choice]


class GoldenError(SimtinyError):
    """The reference crashed, timed out or failed while running the model."""

    exit_code = EXIT_FAULT


class ReferenceRefused(InputError):
    """The reference refuses the model while loading it or preparing its operators: an invalid
    model, or one it does not support."""


def litert_cannot_check(graph: Graph) -> str | None:
    """Why LiteRT 2.3's reference kernels cannot check this model, in words, or None: an operator
    it has no kernel for (the 16x8 LSTM, int16 SQUARED_DIFFERENCE, CEIL, ROUND, ELU) or one whose values no
    arithmetic reproduces (SUM: it casts unclamped sums). TF-Lite Micro checks those."""
    for op in graph.operators:
        dtype = graph.tensor(op.inputs[0]).dtype if op.inputs and op.inputs[0] >= 0 else ""
        if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM" and dtype == "int16":
            return f"it has no 16x8 LSTM (operator {op.index})"
        if op.opcode == "SQUARED_DIFFERENCE" and dtype == "int16":
            return f"it has no int16 SQUARED_DIFFERENCE (operator {op.index})"
        if op.opcode == "SUM" and dtype in ("int8", "int16"):
            return f"its SUM casts unclamped sums (operator {op.index}, measured)"
        if op.opcode in ("CEIL", "ROUND", "ELU"):
            return f"its reference kernels have no {op.opcode} (operator {op.index})"
    return None


def require_checkable(graph: Graph, references: list[str]) -> None:
    """Refuse, before running anything, a model LiteRT cannot check when LiteRT is asked to."""
    why = litert_cannot_check(graph) if "litert" in references else None
    if why:
        raise ReferenceRefused(f"LiteRT cannot check this model: {why}; --reference tflm compares with TF-Lite Micro's")


@dataclass
class GoldenResult:
    """One sample's reference outputs (in the model's output order) and, if asked, every tensor."""

    outputs: list[np.ndarray]
    intermediates: dict[int, np.ndarray] = field(default_factory=dict)  # tensor index -> value
    runtime: str = ""  # e.g. "ai-edge-litert 2.3.0 (reference kernels)"
    shapes: dict[int, tuple[int, ...]] = field(default_factory=dict)  # asked for: tensor index -> resolved shape


def run_golden(
    model: bytes | Path,
    inputs: list[np.ndarray],
    *,
    preserve_all_tensors: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    reference: str = "litert",
    shapes: bool = False,
) -> GoldenResult:
    """Run one sample; inputs in the model's input order, each with its exact dtype and shape.
    `shapes`: also every tensor's shape as the reference resolved it while running."""
    return run_golden_batch(
        model, [inputs], preserve_all_tensors=preserve_all_tensors, timeout=timeout, reference=reference, shapes=shapes
    )[0]


def run_golden_batch(
    model: bytes | Path,
    batch: list[list[np.ndarray]],
    *,
    preserve_all_tensors: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    reference: str = "litert",
    shapes: bool = False,
) -> list[GoldenResult]:
    """Run several samples in one child process (the model is loaded and allocated once) with
    `reference`'s kernels (a key of REFERENCES)."""
    if reference not in REFERENCES:
        raise InputError(f"reference: {reference!r} is not one of {', '.join(REFERENCES)}")
    if not batch:
        return []
    arrays = [[_as_array(value, s, i, len(batch)) for i, value in enumerate(inputs)] for s, inputs in enumerate(batch)]
    with tempfile.TemporaryDirectory(prefix="simtiny-golden-") as tmp:
        workdir = Path(tmp)
        model_path = _model_file(model, workdir)
        _write_request(workdir, model_path, arrays, preserve_all_tensors, reference, shapes)
        meta, npz = _run_worker(workdir, timeout, REFERENCES[reference])
    error = meta.get("error")
    if error:
        _raise(error, len(batch))
    runtime = str(meta["runtime"])
    results = []
    for s in range(len(batch)):
        outputs = [npz[f"out_{s}_{o}"] for o in range(_count(npz, f"out_{s}_"))]
        prefix = f"t_{s}_"
        intermediates = {int(k[len(prefix) :]): v for k, v in npz.items() if k.startswith(prefix)}
        resolved = (
            {int(k[6:]): tuple(int(d) for d in v) for k, v in npz.items() if k.startswith("shape_")} if s == 0 else {}
        )
        results.append(GoldenResult(outputs, intermediates, runtime, resolved))
    return results


def _as_array(value: Any, sample: int, index: int, samples: int) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.hasobject:
        where = f"sample {sample}: " if samples > 1 else ""
        raise InputError(f"{where}input {index}: not a numeric array ({type(value).__name__})")
    return array


def _model_file(model: bytes | Path, workdir: Path) -> Path:
    """The model as a file the child can open: the given path, or the bytes written to workdir."""
    if isinstance(model, bytes | bytearray | memoryview):
        path = workdir / "model.tflite"
        path.write_bytes(bytes(model))
        return path
    path = Path(model)
    if not path.is_file():
        raise InputError(f"model file not found: {path}")
    return path.resolve()


def _write_request(
    workdir: Path,
    model_path: Path,
    batch: list[list[np.ndarray]],
    preserve_all_tensors: bool,
    reference: str,
    shapes: bool = False,
) -> None:
    meta = {
        "model_path": str(model_path),
        "inputs_per_sample": [len(inputs) for inputs in batch],
        "preserve_all_tensors": preserve_all_tensors,
        "reference": reference,
        "shapes": shapes,
    }
    arrays = {f"in_{s}_{i}": value for s, inputs in enumerate(batch) for i, value in enumerate(inputs)}
    np.savez(workdir / worker.REQUEST, meta=np.array(json.dumps(meta)), **arrays)


def _run_worker(workdir: Path, timeout: float, name: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Run the child (the reference `name`); its response, or a GoldenError saying how and where it died."""
    command = [sys.executable, "-m", "simtiny.flow.golden_worker", str(workdir)]
    try:
        done = subprocess.run(command, capture_output=True, env=_child_env(), timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise GoldenError(f"{name} did not finish within {timeout:g} s while {_phase(workdir)}") from None
    response = workdir / worker.RESPONSE
    if response.is_file():  # complete (written atomically), even if the child died afterwards
        with np.load(io.BytesIO(response.read_bytes()), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        return json.loads(str(arrays.pop("meta"))), arrays
    phase = _phase(workdir)
    if done.returncode < 0:
        how = f"crashed while {phase}: killed by {_signal_name(-done.returncode)}"
    else:
        how = f"failed while {phase}: exited with status {done.returncode}"
    last = _last_line(done.stderr)
    message = f"{name} {how}" + (f": {last}" if last else "")
    if phase == "allocating tensors":  # an operator's Prepare aborted (a failed TFLITE_CHECK): a refusal
        raise ReferenceRefused(f"the reference refuses the model: {message}")
    raise GoldenError(message)


def _child_env() -> dict[str, str]:
    """This process's environment, with this copy of simtiny first on the child's import path."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _phase(workdir: Path) -> str:
    try:
        return (workdir / worker.PHASE).read_text().strip() or "starting"
    except OSError:
        return "starting"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return worker.one_line(lines[-1]) if lines else ""


def _count(npz: dict[str, np.ndarray], prefix: str) -> int:
    return sum(1 for key in npz if key.startswith(prefix))


def _raise(error: dict[str, Any], samples: int) -> NoReturn:
    message = str(error["message"])
    if error["kind"] == "input":
        where = f"sample {error['sample']}: " if samples > 1 and error.get("sample") is not None else ""
        raise InputError(where + message)
    if error["kind"] == "missing":
        raise SimtinyError(message)
    if error["kind"] == "refused":
        raise ReferenceRefused(f"the reference refuses the model: {message}")
    raise GoldenError(message)
