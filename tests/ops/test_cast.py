"""CAST against LiteRT, bit for bit: every type of int8, uint8, int16, int32, float32 and bool to
every other (integers narrowing by wrapping, floats truncated and saturated, NaN to the top),
over each integer type's whole range and floats of every magnitude, NaN and infinities among
them; constant casts folded the same way."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, random_input, reference_interpreter, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.model import parse_model
from simtiny.model.normalize import normalize

SOURCES = ("int8", "uint8", "int16", "int32", "float32", "bool")
TARGETS = SOURCES
SPECIAL = np.array(
    [np.nan, np.inf, -np.inf, 2.0**31, -(2.0**31), 2147483520.0, -0.0, 127.5, -128.5, -129.0, 255.9, 256.0, -32769.0],
    np.float32,
)


def cast_case(rng: np.random.Generator, source: str, target: str) -> Case:
    shape = tuple(int(v) for v in rng.integers(1, 6, int(rng.integers(1, 4))))
    tensors = [TensorSpec("x", shape, source), TensorSpec("y", shape, target)]
    return Case(f"CAST {source} -> {target} {list(shape)}", tensors, OpSpec("CAST", [0], [1]))


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """Floats from 2^-2 to 2^40 in magnitude, both signs, with SPECIAL's values mixed in."""
    if spec.dtype != "float32":
        return random_input(rng, spec)
    x = (rng.choice([-1.0, 1.0], spec.shape) * 2.0 ** rng.uniform(-2, 40, spec.shape)).astype(np.float32)
    pick = rng.random(spec.shape) < 0.3
    x[pick] = rng.choice(SPECIAL, int(pick.sum()))
    return x


@pytest.mark.parametrize("source", SOURCES)
def test_every_cast(source: str) -> None:
    rng = np.random.default_rng(SOURCES.index(source))
    cases = [cast_case(rng, source, target) for target in TARGETS if target != source]
    assert run_packed(cases, 1, 6, draw=draw) > 0


def test_constant_float_casts_fold_as_litert_casts() -> None:
    """A constant CAST is folded (simtiny.model.normalize); LiteRT sees the CAST itself."""
    values = np.concatenate([SPECIAL, np.float32([3.7, -3.7, 40000.5, 1e20])])
    for target in ("int8", "uint8", "int16", "int32", "bool"):
        tensors = [
            TensorSpec("c", values.shape, "float32", data=values),
            TensorSpec("y", values.shape, target),
        ]
        model = build_model(tensors, [OpSpec("CAST", [0], [1])], [], [1])
        graph = normalize(parse_model(model))
        assert graph.operators == []
        interpreter = reference_interpreter(model)
        interpreter.invoke()
        want = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        assert np.array_equal(graph.tensor(1).data, want), target


def test_int64_output_is_refused() -> None:
    tensors = [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "int64")]
    graph = parse_model(build_model(tensors, [OpSpec("CAST", [0], [1])], [0], [1]))
    assert lower.unsupported(graph) == ["CAST (int64 output) x1 (operator 0)"]
