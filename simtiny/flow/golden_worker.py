"""Child process of simtiny.flow.golden: run a .tflite model with LiteRT's reference kernels.

LiteRT can abort the whole process on odd models, so it only ever runs here. Usage:
`python -m simtiny.flow.golden_worker WORKDIR`. WORKDIR holds request.npz (written by
simtiny.flow.golden); this writes phase.txt before each step (so a crash can be placed) and
response.npz at the end, also when LiteRT reports an error or the inputs do not fit.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

CRASH_HOOK = "SIMTINY_GOLDEN_TEST_CRASH"  # test hook: "abort", "exit" or "hang" before loading the model
REQUEST = "request.npz"
RESPONSE = "response.npz"
PHASE = "phase.txt"
MAX_MESSAGE = 400
REFUSING_PHASES = ("loading the model", "allocating tensors")  # failing there: LiteRT refuses the model


class WorkerFailure(Exception):
    """A failure to report back to the parent as data (the process itself is fine)."""

    def __init__(self, kind: str, message: str, sample: int | None = None) -> None:
        super().__init__(message)
        # "missing" (no LiteRT), "input" (inputs do not fit), "refused" (LiteRT refuses the model),
        # "litert" (LiteRT failed while running it)
        self.kind = kind
        self.sample = sample


@dataclass
class Request:
    """What simtiny.flow.golden asks for: a model file and the input arrays of each sample."""

    model_path: str
    batch: list[list[np.ndarray]]
    preserve_all_tensors: bool


def one_line(text: str) -> str:
    """LiteRT's messages span lines and repeat themselves: collapse to one bounded line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 3] + "..."


def describe(dtype: Any, shape: Any) -> str:
    return f"{np.dtype(dtype).name} {list(int(d) for d in shape)}"


def no_core_dumps() -> None:
    """A LiteRT abort is reported by the parent; it should not also leave a core file behind."""
    try:
        import resource
    except ImportError:  # not on Windows
        return
    _, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))


def read_request(workdir: Path) -> Request:
    with np.load(workdir / REQUEST, allow_pickle=False) as npz:
        meta = json.loads(str(npz["meta"]))
        batch = [
            [npz[f"in_{s}_{i}"] for i in range(count)] for s, count in enumerate(meta["inputs_per_sample"])
        ]
    return Request(meta["model_path"], batch, bool(meta["preserve_all_tensors"]))


def write_response(workdir: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write response.npz atomically, so the parent never reads half a file."""
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
    partial = workdir / (RESPONSE + ".part")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, workdir / RESPONSE)


def import_litert() -> tuple[Any, Any, str]:
    """(Interpreter class, OpResolverType enum, runtime name): ai-edge-litert, else tflite-runtime."""
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType

        package = "ai-edge-litert"
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter, OpResolverType  # type: ignore[import-not-found]

            package = "tflite-runtime"
        except ImportError:
            raise WorkerFailure("missing", "LiteRT is not installed: pip install ai-edge-litert") from None
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        version = "(unknown version)"
    return Interpreter, OpResolverType, f"{package} {version} (reference kernels)"


def check_inputs(batch: list[list[np.ndarray]], details: list[dict[str, Any]]) -> None:
    """Each sample must give every model input, with its exact dtype and shape."""
    for s, inputs in enumerate(batch):
        if len(inputs) != len(details):
            raise WorkerFailure(
                "input", f"the model takes {len(details)} input(s), got {len(inputs)}", sample=s
            )
        for i, (value, detail) in enumerate(zip(inputs, details, strict=True)):
            expected = (np.dtype(detail["dtype"]), tuple(int(d) for d in detail["shape"]))
            if (value.dtype, value.shape) != expected:
                raise WorkerFailure(
                    "input",
                    f"input {i}: expected {describe(*expected)}, got {describe(value.dtype, value.shape)}",
                    sample=s,
                )


class Phase:
    """The step the worker is in, mirrored to phase.txt so the parent can say where it died."""

    def __init__(self, workdir: Path) -> None:
        self.path = workdir / PHASE
        self.now = "starting"

    def enter(self, text: str) -> None:
        self.now = text
        self.path.write_text(text)


def misbehave_if_asked() -> None:
    """Misbehave on purpose when $SIMTINY_GOLDEN_TEST_CRASH asks, so tests can check the parent."""
    hook = os.environ.get(CRASH_HOOK, "")
    if hook == "abort":
        os.abort()
    if hook == "exit":
        print("simtiny golden worker: exiting on purpose (test hook)", file=sys.stderr)
        sys.exit(7)
    if hook == "hang":
        time.sleep(3600)


def run(workdir: Path, request: Request) -> tuple[str, dict[str, np.ndarray]]:
    """Load, allocate, then invoke once per sample; returns the runtime name and the arrays."""
    phase = Phase(workdir)
    phase.enter("importing LiteRT")
    interpreter_class, resolver, runtime = import_litert()
    phase.enter("loading the model")
    misbehave_if_asked()
    arrays: dict[str, np.ndarray] = {}
    try:
        interpreter = interpreter_class(
            model_path=request.model_path,
            experimental_op_resolver_type=resolver.BUILTIN_REF,
            experimental_preserve_all_tensors=request.preserve_all_tensors,
        )
        phase.enter("allocating tensors")
        interpreter.allocate_tensors()
        input_details = interpreter.get_input_details()
        output_details = interpreter.get_output_details()
        check_inputs(request.batch, input_details)
        several = len(request.batch) > 1
        for s, inputs in enumerate(request.batch):
            where = f" on sample {s}" if several else ""
            phase.enter(f"setting the inputs{where}")
            for value, detail in zip(inputs, input_details, strict=True):
                interpreter.set_tensor(detail["index"], value)
            phase.enter(f"invoking the model{where}")
            interpreter.invoke()
            phase.enter(f"reading the outputs{where}")
            for o, detail in enumerate(output_details):
                arrays[f"out_{s}_{o}"] = np.array(interpreter.get_tensor(detail["index"]))
            if request.preserve_all_tensors:
                for detail in interpreter.get_tensor_details():
                    try:
                        value = interpreter.get_tensor(detail["index"])
                    except ValueError:  # no data: an unused or released tensor
                        continue
                    arrays[f"t_{s}_{detail['index']}"] = np.array(value)
    except WorkerFailure:
        raise
    except Exception as exc:  # LiteRT reports every refusal as ValueError or RuntimeError
        # Refused while loading or allocating: the model breaks a rule of LiteRT's loader or of an
        # operator's Prepare. Later, the run itself went wrong.
        kind = "refused" if phase.now in REFUSING_PHASES else "litert"
        raise WorkerFailure(kind, f"LiteRT failed while {phase.now}: {one_line(str(exc))}") from None
    return runtime, arrays


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m simtiny.flow.golden_worker WORKDIR", file=sys.stderr)
        return 2
    workdir = Path(argv[0])
    no_core_dumps()
    request = read_request(workdir)
    try:
        runtime, arrays = run(workdir, request)
    except WorkerFailure as failure:
        error = {"kind": failure.kind, "message": str(failure), "sample": failure.sample}
        write_response(workdir, {"error": error}, {})
        return 0
    write_response(workdir, {"error": None, "runtime": runtime}, arrays)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
