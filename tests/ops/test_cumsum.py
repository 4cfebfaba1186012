"""CUMSUM (float32, int32; exclusive, reverse, any axis, negative axes) against LiteRT's
reference kernels, bit for bit, over random shapes."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec


def cumsum_case(rng: np.random.Generator) -> Case:
    shape = tuple(int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 5))))
    axis = int(rng.integers(-len(shape), len(shape)))
    dtype = str(rng.choice(["float32", "int32"]))
    options = {"exclusive": bool(rng.random() < 0.5), "reverse": bool(rng.random() < 0.5)}
    tensors = [
        TensorSpec("x", shape, dtype),
        TensorSpec("axis", (), "int32", data=np.array(axis, dtype=np.int32)),
        TensorSpec("y", shape, dtype),
    ]
    return Case(f"CUMSUM {dtype} {list(shape)} axis {axis} {options}", tensors, OpSpec("CUMSUM", [0, 1], [2], options))


@pytest.mark.parametrize("seed", range(6))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(9900 + seed)
    assert run_packed([cumsum_case(rng) for _ in range(8)], seed, 3) > 0
