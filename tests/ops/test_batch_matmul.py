"""BATCH_MATMUL int8 against LiteRT's reference kernels, bit for bit: ranks 2 to 5 with the batch
dimensions broadcast, adj_x and adj_y, zero points on both operands, constant right-hand sides
(weights) and computed ones (attention's keys and values)."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.elementwise import broadcast_shape
from simtiny.lower.quant import f32
from simtiny.model import parse_model
from tests.ops.test_elementwise import Case


def batch_shapes(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    rank = int(rng.integers(0, 4))
    full = [int(rng.integers(1, 4)) for _ in range(rank)]
    shapes = []
    for _ in range(2):
        keep = int(rng.integers(0, rank + 1))
        shapes.append(tuple(d if rng.random() < 0.7 else 1 for d in full[rank - keep :]))
    return shapes[0], shapes[1]


def matmul_case(rng: np.random.Generator) -> Case:
    lb, rb = batch_shapes(rng)
    rows, depth, cols = (int(rng.integers(1, 9)) for _ in range(3))
    adj_x, adj_y = bool(rng.random() < 0.3), bool(rng.random() < 0.5)
    lhs = (*lb, depth, rows) if adj_x else (*lb, rows, depth)
    rhs = (*rb, cols, depth) if adj_y else (*rb, depth, cols)
    batch = broadcast_shape(lb, rb)
    assert batch is not None
    constant = rng.random() < 0.4
    s1, s2 = f32(rng.uniform(0.005, 0.1)), f32(rng.uniform(0.005, 0.1))
    so = f32(s1 * s2 * np.sqrt(depth) * rng.uniform(20, 200))
    zps = [int(rng.integers(-128, 128)) for _ in range(3)]
    data = rng.integers(-128, 128, rhs, dtype=np.int8) if constant else None
    tensors = [
        TensorSpec("lhs", lhs, "int8", scale=[s1], zero_point=[zps[0]]),
        TensorSpec("rhs", rhs, "int8", scale=[s2], zero_point=[zps[1]], data=data),
        TensorSpec("y", (*batch, rows, cols), "int8", scale=[so], zero_point=[zps[2]]),
    ]
    label = f"BATCH_MATMUL {list(lhs)} x {list(rhs)} adj {adj_x} {adj_y} constant rhs {constant}"
    op = OpSpec("BATCH_MATMUL", [0, 1], [2], {"adj_x": adj_x, "adj_y": adj_y})
    return Case(label, tensors, op, [0] if constant else [0, 1])


@pytest.mark.parametrize("seed", range(12))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(8100 + seed)
    assert run_packed([matmul_case(rng) for _ in range(8)], seed, 4) > 0


def test_refusals() -> None:
    tensors = [
        TensorSpec("lhs", (2, 3), "int8", scale=[0.1], zero_point=[0]),
        TensorSpec("rhs", (4, 5), "int8", scale=[0.1], zero_point=[0]),
        TensorSpec("y", (2, 5), "int8", scale=[0.1], zero_point=[0]),
    ]
    graph = parse_model(build_model(tensors, [OpSpec("BATCH_MATMUL", [0, 1], [2])], [0, 1], [2], checked=False))
    (reason,) = lower.unsupported(graph)
    assert "inner dimensions 3 and 4 differ" in reason, reason
