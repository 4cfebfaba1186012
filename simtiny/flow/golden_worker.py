"""Child process of simtiny.flow.golden: run a .tflite model with a reference's kernels, LiteRT's
(desktop TF-Lite, `litert`) or TF-Lite Micro's own interpreter (`tflm`, PyPI's tflite-micro).

Either can abort the whole process on odd models, so they only ever run here. Usage:
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
REFUSING_PHASES = ("loading the model", "allocating tensors")  # failing there: the reference refuses the model
REFERENCES = {"litert": "LiteRT", "tflm": "TF-Lite Micro"}  # what --reference names, and how messages say it
TFLM_ARENA_SLACK = 1 << 20  # TF-Lite Micro's arena: twice every tensor's bytes, plus this
# bytes per element of each TensorType of the .tflite schema (absent: 8, the widest)
TENSOR_TYPE_BYTES = {0: 4, 1: 2, 2: 4, 3: 1, 4: 8, 6: 1, 7: 2, 9: 1, 10: 8, 12: 8, 13: 4, 15: 2, 16: 2, 17: 1}


class WorkerFailure(Exception):
    """A failure to report back to the parent as data (the process itself is fine)."""

    def __init__(self, kind: str, message: str, sample: int | None = None) -> None:
        super().__init__(message)
        # "missing" (the reference is not installed), "input" (inputs do not fit), "refused" (the
        # reference refuses the model), "failed" (it failed while running it)
        self.kind = kind
        self.sample = sample


@dataclass
class Request:
    """What simtiny.flow.golden asks for: a model file, the input arrays of each sample, and
    which reference runs them (a key of REFERENCES)."""

    model_path: str
    batch: list[list[np.ndarray]]
    preserve_all_tensors: bool
    reference: str = "litert"
    shapes: bool = False  # also every tensor's shape as the reference resolved it, after the first sample


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
        batch = [[npz[f"in_{s}_{i}"] for i in range(count)] for s, count in enumerate(meta["inputs_per_sample"])]
    return Request(
        meta["model_path"],
        batch,
        bool(meta["preserve_all_tensors"]),
        meta.get("reference", "litert"),
        bool(meta.get("shapes", False)),
    )


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
    return Interpreter, OpResolverType, f"{package} {package_version(package)} (reference kernels)"


def import_tflm() -> tuple[Any, str]:
    """(TF-Lite Micro's Python interpreter class, runtime name), from PyPI's tflite-micro."""
    try:
        from tflite_micro.python.tflite_micro import runtime  # type: ignore[import-untyped]
    except ImportError:
        raise WorkerFailure("missing", "TF-Lite Micro is not installed: pip install tflite-micro") from None
    return runtime.Interpreter, f"tflite-micro {package_version('tflite-micro')} (TF-Lite Micro reference kernels)"


def package_version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "(unknown version)"


def tflm_arena_bytes(model: bytes) -> int:
    """An arena TF-Lite Micro can surely plan the model in: twice the bytes of every tensor of
    every subgraph (constants included, which it never copies: a bound, not a plan), plus slack
    for its own bookkeeping. Its default (ten times the file) is too small for a model whose
    activations outweigh its weights."""
    root = _root(model)
    total = 0
    for g in range(root.SubgraphsLength()):
        subgraph = root.Subgraphs(g)
        for t in range(subgraph.TensorsLength()):
            tensor = subgraph.Tensors(t)
            elements = int(np.prod([max(int(d), 1) for d in tensor.ShapeAsNumpy()])) if tensor.ShapeLength() else 1
            total += elements * TENSOR_TYPE_BYTES.get(tensor.Type(), 8)
    return 2 * total + TFLM_ARENA_SLACK


def check_inputs(batch: list[list[np.ndarray]], details: list[dict[str, Any]]) -> None:
    """Each sample must give every model input, with its exact dtype and shape."""
    for s, inputs in enumerate(batch):
        if len(inputs) != len(details):
            raise WorkerFailure("input", f"the model takes {len(details)} input(s), got {len(inputs)}", sample=s)
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


class LiteRT:
    """LiteRT's interpreter with its reference kernels (BUILTIN_REF), as the worker drives it."""

    def __init__(self, request: Request, phase: Phase) -> None:
        interpreter_class, resolver, self.runtime = import_litert()
        phase.enter("loading the model")
        misbehave_if_asked()
        self.interpreter = interpreter_class(
            model_path=request.model_path,
            experimental_op_resolver_type=resolver.BUILTIN_REF,
            experimental_preserve_all_tensors=request.preserve_all_tensors,
        )
        phase.enter("allocating tensors")
        self.interpreter.allocate_tensors()
        self.inputs = self.interpreter.get_input_details()
        self.outputs = self.interpreter.get_output_details()

    def invoke(self, values: list[np.ndarray]) -> None:
        for value, detail in zip(values, self.inputs, strict=True):
            self.interpreter.set_tensor(detail["index"], value)
        self.interpreter.invoke()

    def output_values(self) -> list[np.ndarray]:
        return [np.array(self.interpreter.get_tensor(d["index"])) for d in self.outputs]

    def shapes(self) -> dict[int, tuple[int, ...]]:
        """Every tensor's shape as the last invocation resolved it (a dynamic batch, resized)."""
        return {int(d["index"]): tuple(int(x) for x in d["shape"]) for d in self.interpreter.get_tensor_details()}

    def tensors(self) -> dict[int, np.ndarray]:
        """Every tensor that holds data (with preserve_all_tensors: the intermediates too)."""
        found = {}
        for detail in self.interpreter.get_tensor_details():
            if np.dtype(detail["dtype"]).hasobject:  # a resource or variant handle: reading it crashes LiteRT
                continue
            try:
                found[int(detail["index"])] = np.array(self.interpreter.get_tensor(detail["index"]))
            except ValueError:  # no data: an unused or released tensor
                continue
        return found


class TFLiteMicro:
    """TF-Lite Micro's own interpreter and reference kernels (PyPI's tflite-micro), what
    microcontroller firmware ships. Its arena is reused between operators, so it cannot keep
    intermediate tensors."""

    def __init__(self, request: Request, phase: Phase) -> None:
        if request.preserve_all_tensors:
            raise WorkerFailure("input", "TF-Lite Micro cannot keep intermediate tensors (its arena is reused)")
        interpreter_class, self.runtime = import_tflm()
        phase.enter("loading the model")
        misbehave_if_asked()
        model = Path(request.model_path).read_bytes()
        root = _root(model)
        subgraph = root.Subgraphs(0)
        phase.enter("allocating tensors")  # the constructor reads the model and plans its arena
        self.interpreter = interpreter_class.from_bytes(model, arena_size=tflm_arena_bytes(model))
        self.inputs = [self.interpreter.get_input_details(i) for i in range(subgraph.InputsLength())]
        self.n_outputs = subgraph.OutputsLength()

    def invoke(self, values: list[np.ndarray]) -> None:
        for i, value in enumerate(values):
            self.interpreter.set_input(value, i)
        self.interpreter.invoke()

    def output_values(self) -> list[np.ndarray]:
        return [np.array(self.interpreter.get_output(o)) for o in range(self.n_outputs)]

    def tensors(self) -> dict[int, np.ndarray]:
        return {}

    def shapes(self) -> dict[int, tuple[int, ...]]:
        raise WorkerFailure("input", "TF-Lite Micro does not report resolved shapes: ask LiteRT")


def _root(model: bytes) -> Any:
    from tflite_micro.python.tflite_micro import runtime

    return runtime.schema_fb.Model.GetRootAsModel(bytearray(model), 0)


def run(workdir: Path, request: Request) -> tuple[str, dict[str, np.ndarray]]:
    """Load, allocate, then invoke once per sample; returns the runtime name and the arrays."""
    phase = Phase(workdir)
    name = REFERENCES.get(request.reference)
    if name is None:
        raise WorkerFailure("input", f"unknown reference {request.reference!r}: one of {', '.join(REFERENCES)}")
    phase.enter(f"importing {name}")
    arrays: dict[str, np.ndarray] = {}
    try:
        engine = LiteRT(request, phase) if request.reference == "litert" else TFLiteMicro(request, phase)
        check_inputs(request.batch, engine.inputs)
        several = len(request.batch) > 1
        for s, inputs in enumerate(request.batch):
            where = f" on sample {s}" if several else ""
            phase.enter(f"invoking the model{where}")
            engine.invoke(inputs)
            phase.enter(f"reading the outputs{where}")
            for o, value in enumerate(engine.output_values()):
                arrays[f"out_{s}_{o}"] = value
            if request.preserve_all_tensors:
                arrays.update({f"t_{s}_{k}": v for k, v in engine.tensors().items()})
            if request.shapes and s == 0:
                arrays.update({f"shape_{k}": np.array(v, dtype=np.int64) for k, v in engine.shapes().items()})
    except WorkerFailure:
        raise
    except Exception as exc:  # both report every refusal as ValueError or RuntimeError
        # Refused while loading or allocating: the model breaks a rule of the loader or of an
        # operator's Prepare. Later, the run itself went wrong.
        kind = "refused" if phase.now in REFUSING_PHASES else "failed"
        raise WorkerFailure(kind, f"{name} failed while {phase.now}: {one_line(str(exc))}") from None
    return engine.runtime, arrays


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
