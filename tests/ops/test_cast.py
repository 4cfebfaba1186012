"""CAST against LiteRT, bit for bit: every integer type to every integer type and to float32
(narrowing wraps), over each source type's whole range; float input refused."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.model import parse_model

SOURCES = ("int8", "uint8", "int16", "int32")
TARGETS = (*SOURCES, "float32")


def cast_case(rng: np.random.Generator, source: str, target: str) -> Case:
    shape = tuple(int(v) for v in rng.integers(1, 6, int(rng.integers(1, 4))))
    tensors = [TensorSpec("x", shape, source), TensorSpec("y", shape, target)]
    return Case(f"CAST {source} -> {target} {list(shape)}", tensors, OpSpec("CAST", [0], [1]))


@pytest.mark.parametrize("source", SOURCES)
def test_every_cast(source: str) -> None:
    rng = np.random.default_rng(SOURCES.index(source))
    assert run_packed([cast_case(rng, source, target) for target in TARGETS], 1, 6) > 0


def test_float_input_is_refused() -> None:
    tensors = [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "int8")]
    graph = parse_model(build_model(tensors, [OpSpec("CAST", [0], [1])], [0], [1]))
    assert lower.unsupported(graph) == [
        "CAST (float32 input (integers only: a float's cast is undefined out of range)) x1 (operator 0)"
    ]
