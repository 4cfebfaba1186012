"""Check one operator bit for bit: a single-op .tflite built in memory, LiteRT's reference kernels
against simtiny's generated C compiled for the host.

Used by tests/ops/*: each test describes tensors and one or more operators with
simtiny.tflite_writer's TensorSpec/OpSpec, and `check_model` runs several random inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simtiny import ops
from simtiny.codegen import generate
from simtiny.hostrun import load_host_model
from simtiny.model import NUMPY_DTYPES, parse_model
from simtiny.plan import plan_memory
from simtiny.tflite_writer import OpSpec, TensorSpec, build_model


@dataclass
class CaseResult:
    samples: int
    elements: int


def reference_interpreter(model: bytes):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    return interpreter


def random_input(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    dtype = np.dtype(NUMPY_DTYPES[spec.dtype])
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
) -> CaseResult:
    """Build, compare `samples` random inputs; raise AssertionError naming the first difference."""
    model = build_model(tensors, op_specs, inputs, outputs)
    graph = parse_model(model)
    missing = ops.unsupported(graph)
    assert not missing, f"{label}: unsupported {missing}"
    host = load_host_model(generate(graph, plan_memory(graph)), graph)
    interpreter = reference_interpreter(model)
    in_details = interpreter.get_input_details()
    out_details = interpreter.get_output_details()
    elements = 0
    for sample in range(samples):
        values = [random_input(rng, tensors[i]) for i in inputs]
        for detail, value in zip(in_details, values, strict=True):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        want = [interpreter.get_tensor(d["index"]) for d in out_details]
        got = host.run(values)
        for k, (w, g) in enumerate(zip(want, got, strict=True)):
            assert w.shape == g.shape, f"{label}: output {k} shape {g.shape}, LiteRT {w.shape}"
            diff = np.flatnonzero(w.reshape(-1) != g.reshape(-1))
            if diff.size:
                i = int(diff[0])
                raise AssertionError(
                    f"{label}: sample {sample} output {k}: {diff.size} of {w.size} elements differ; "
                    f"first at flat index {i}: simtiny {g.reshape(-1)[i]}, LiteRT {w.reshape(-1)[i]}"
                )
            elements += w.size
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
