"""Check one operator bit for bit: a single-op .tflite built in memory, LiteRT's reference kernels
against simtiny's generated C compiled for the host.

Used by tests/ops/*: each test describes tensors and one or more operators with
support.tflite_writer's TensorSpec/OpSpec, and `check_model` runs several random inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simtiny import lower
from simtiny.flow.codegen import generate
from simtiny.flow.golden import run_golden_batch
from simtiny.flow.plan import plan_memory
from simtiny.flow.verify import reference_writes, same_bits
from simtiny.lower.fusion import fuse_pads
from simtiny.model import NUMPY_DTYPES, Graph, Operator, load_model, parse_model
from support.hostrun import load_host_model
from support.tflite_writer import OpSpec, SubgraphSpec, TensorSpec, build_model


@dataclass
class CaseResult:
    samples: int
    elements: int


def reference_interpreter(model: bytes):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    return interpreter


def reference_outputs(model: bytes, batch: list[list[np.ndarray]], reference: str) -> list[list[np.ndarray]]:
    """Each sample's outputs from one reference interpreter, the samples invoked in order."""
    if reference == "tflm":
        return [r.outputs for r in run_golden_batch(model, batch, reference="tflm")]
    interpreter = reference_interpreter(model)
    wants = []
    for values in batch:
        for detail, value in zip(interpreter.get_input_details(), values, strict=True):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        wants.append([interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()])
    return wants


def random_input(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    dtype = np.dtype(NUMPY_DTYPES[spec.dtype])
    if dtype.kind == "b":
        return rng.random(spec.shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=spec.shape, endpoint=True, dtype=dtype)
    return rng.standard_normal(spec.shape).astype(dtype) * 4


def check_model(
    tensors: list[TensorSpec],
    op_specs: list[OpSpec],
    inputs: list[int],
    outputs: list[int],
    rng: np.random.Generator,
    samples: int = 8,
    label: str = "",
    fuse: bool = False,
    draw: Callable[[np.random.Generator, TensorSpec], np.ndarray] | None = None,
    subgraphs: list[SubgraphSpec] | None = None,
    reference: str = "litert",
) -> CaseResult:
    """Build, compare `samples` random inputs; raise AssertionError naming the first difference.
    fuse: with the PADs fused into their readers (simtiny.lower.fusion), as load_and_check does;
    subgraphs: the model's subgraphs after the first (IF's and WHILE's); reference: "tflm" for
    TF-Lite Micro's kernels instead of LiteRT's (the samples run in one interpreter, in order,
    as LiteRT's do: a model's state carries over)."""
    model = build_model(tensors, op_specs, inputs, outputs, subgraphs=subgraphs)
    graph = parse_model(model)
    missing = lower.unsupported(graph)
    assert not missing, f"{label}: unsupported {missing}"
    if fuse:
        graph = fuse_pads(graph)
    host = load_host_model(generate(graph, plan_memory(graph)), graph)
    batch = [[(draw or random_input)(rng, tensors[i]) for i in inputs] for _ in range(samples)]
    wants = reference_outputs(model, batch, reference)
    elements = 0
    for sample, (values, want) in enumerate(zip(batch, wants, strict=True)):
        got = host.run(values)
        written = reference_writes(graph, want)  # all, but what LiteRT leaves unwritten
        for k, (w, g, m) in enumerate(zip(want, got, written, strict=True)):
            assert w.shape == g.shape, f"{label}: output {k} shape {g.shape}, {reference} {w.shape}"
            diff = np.flatnonzero(~same_bits(g, w) & (True if m is None else m))  # floats by their bits, any NaN equal
            if diff.size:
                i = int(diff[0])
                raise AssertionError(
                    f"{label}: sample {sample} output {k}: {diff.size} of {w.size} elements differ; "
                    f"first at flat index {i}: simtiny {g.reshape(-1)[i]}, {reference} {w.reshape(-1)[i]}"
                )
            elements += w.size if m is None else int(m.sum())
    return CaseResult(samples, elements)


def quantized(
    name: str,
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: str = "int8",
    data: np.ndarray | None = None,
    scale: float | None = None,
    zero_point: int | None = None,
) -> TensorSpec:
    """An int8 activation or constant with random, plausible quantization parameters."""
    if scale is None:
        scale = float(np.float32(rng.uniform(0.002, 0.2)))
    if zero_point is None:
        zero_point = int(rng.integers(-128, 128)) if dtype == "int8" else 0
    return TensorSpec(name, shape, dtype, scale=[scale], zero_point=[zero_point], data=data)


MODELS_DIR = Path(__file__).resolve().parent.parent / "data" / "models"


@dataclass
class Case:
    """One operator with its tensors (indices local to the case) and a description for failures;
    `inputs` are the case's model inputs, `outputs` its model outputs (default: the op's)."""

    label: str
    tensors: list[TensorSpec]
    op: OpSpec
    inputs: list[int] = field(default_factory=lambda: [0])
    outputs: list[int] = field(default_factory=list)


def pack(cases: list[Case]) -> tuple[list[TensorSpec], list[OpSpec], list[int], list[int], str]:
    """Independent cases as one model (fewer libraries to compile): each keeps its own inputs
    and outputs; an omitted optional input (-1) stays omitted."""
    tensors: list[TensorSpec] = []
    op_specs: list[OpSpec] = []
    inputs: list[int] = []
    outputs: list[int] = []
    labels: list[str] = []
    for case in cases:
        base = len(tensors)
        tensors += case.tensors
        shifted = [i + base if i >= 0 else i for i in case.op.inputs]
        op_specs.append(
            OpSpec(
                case.op.opcode,
                shifted,
                [i + base for i in case.op.outputs],
                case.op.options,
                case.op.version,
                [i + base for i in case.op.intermediates],
            )
        )
        inputs += [i + base for i in case.inputs]
        outputs += [i + base for i in case.outputs or case.op.outputs]
        labels.append(f"output {len(labels)}: {case.label}")
    return tensors, op_specs, inputs, outputs, "; ".join(labels)


def run_packed(cases: list[Case], seed: int, samples: int, draw=None, reference: str = "litert") -> int:
    """Check all cases as one model on `samples` random inputs (drawn by `draw`, default
    random_input) against `reference`; returns the elements compared."""
    tensors, op_specs, inputs, outputs, label = pack(cases)
    rng = np.random.default_rng(seed)
    return check_model(
        tensors, op_specs, inputs, outputs, rng, samples, label, draw=draw, reference=reference
    ).elements


def spec_of(graph: Graph, index: int, name: str) -> TensorSpec:
    """A real model's tensor as a TensorSpec (an out-of-range quantized_dimension, as in
    person_detect's biases, written as 0 so desktop LiteRT loads it)."""
    t = graph.tensor(index)
    q = t.quant
    axis = q.axis if q is not None else 0
    if q is not None and not 0 <= axis < max(len(t.shape), 1):
        axis = 0
    return TensorSpec(
        name,
        t.shape,
        t.dtype,
        scale=list(q.scale) if q else None,
        zero_point=list(q.zero_point) if q else None,
        quantized_dimension=axis,
        data=t.data,
    )


def real_model_ops(names: tuple[str, ...], opcodes: tuple[str, ...]) -> list[tuple[str, Graph, Operator]]:
    """Every operator of the given kinds in tests/data/models/<name>.tflite, with its graph."""
    found = []
    for name in names:
        graph = load_model(MODELS_DIR / f"{name}.tflite")
        found += [(name, graph, op) for op in graph.operators if op.opcode in opcodes]
    return found
