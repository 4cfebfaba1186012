"""BROADCAST_ARGS against LiteRT's reference kernel, bit for bit: shapes computed at run time
(model inputs, int32 and int64, of different lengths), and constant shapes folded away before
code generation."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.model.normalize import normalize
from simtiny.model.tflite import parse_model

# A dimension's possible sizes by its distance from the last dimension: 1 or the size here, so
# any two drawn shapes broadcast (LiteRT fails the invocation on shapes that do not).
SIZES = (2, 0, 5, 3, 7, 4)


def broadcast_args_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(["int32", "int64"]))
    n1, n2 = (int(rng.integers(1, 7)) for _ in range(2))
    tensors = [
        TensorSpec("s1", (n1,), dtype),
        TensorSpec("s2", (n2,), dtype),
        TensorSpec("shape", (max(n1, n2),), dtype),
    ]
    return Case(f"BROADCAST_ARGS {dtype} {n1} {n2}", tensors, OpSpec("BROADCAST_ARGS", [0, 1], [2]), [0, 1])


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    n = spec.shape[0]
    sizes = [SIZES[n - 1 - i] if rng.random() < 0.6 else 1 for i in range(n)]
    return np.array(sizes, dtype=spec.dtype)


@pytest.mark.parametrize("seed", range(4))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(9950 + seed)
    assert run_packed([broadcast_args_case(rng) for _ in range(8)], seed, 4, draw=draw) > 0


def graph_of(s1: list[int], s2: list[int]):
    tensors = [
        TensorSpec("s1", (len(s1),), "int32", data=np.array(s1, dtype=np.int32)),
        TensorSpec("s2", (len(s2),), "int32", data=np.array(s2, dtype=np.int32)),
        TensorSpec("shape", (max(len(s1), len(s2)),), "int32"),
    ]
    return parse_model(build_model(tensors, [OpSpec("BROADCAST_ARGS", [0, 1], [2])], [], [2]))


def test_constant_shapes_are_folded() -> None:
    graph = normalize(graph_of([4, 1, 3], [2, 1, 5, 1]))
    assert graph.operators == [] and graph.tensor(2).data.tolist() == [2, 4, 5, 3]


def test_constant_shapes_that_do_not_broadcast_are_refused() -> None:
    graph = normalize(graph_of([4, 3], [2]))
    assert [op.opcode for op in graph.operators] == ["BROADCAST_ARGS"]
    reason = lower.registry()["BROADCAST_ARGS"].check(graph.operators[0], graph)
    assert reason == "constant shapes [4, 3] and [2] do not broadcast"
