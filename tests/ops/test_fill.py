"""FILL (constant dims; the value an input or a constant), ZEROS_LIKE and ADD_N against LiteRT's
reference kernels, bit for bit, over random shapes and the types each takes."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec


def fill_case(rng: np.random.Generator) -> Case:
    shape = tuple(int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 4))))
    dtype = str(rng.choice(["int8", "int16", "int32", "float32", "bool"]))
    q = {"scale": [0.1], "zero_point": [2 if dtype == "int8" else 0]} if dtype in ("int8", "int16") else {}
    constant = rng.random() < 0.4
    data = np.array(np.ones(()) if dtype == "bool" else 3, dtype=dtype) if constant else None
    tensors = [
        TensorSpec("dims", (len(shape),), "int32", data=np.array(shape, dtype=np.int32)),
        TensorSpec("value", (), dtype, data=data, **q),
        TensorSpec("out", shape, dtype, **q),
    ]
    return Case(f"FILL {dtype} {list(shape)}", tensors, OpSpec("FILL", [0, 1], [2]), [] if constant else [1])


def zeros_like_case(rng: np.random.Generator) -> Case:
    shape = tuple(int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 4))))
    dtype = str(rng.choice(["int32", "float32"]))
    tensors = [TensorSpec("x", shape, dtype), TensorSpec("out", shape, dtype)]
    return Case(f"ZEROS_LIKE {dtype} {list(shape)}", tensors, OpSpec("ZEROS_LIKE", [0], [1]), [0])


def add_n_case(rng: np.random.Generator) -> Case:
    shape = tuple(int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 4))))
    dtype = str(rng.choice(["int32", "float32"]))
    n = int(rng.integers(2, 5))  # LiteRT takes two or more
    tensors = [TensorSpec(f"x{k}", shape, dtype) for k in range(n)] + [TensorSpec("out", shape, dtype)]
    return Case(f"ADD_N {n} x {dtype} {list(shape)}", tensors, OpSpec("ADD_N", list(range(n)), [n]), list(range(n)))


@pytest.mark.parametrize("seed", range(6))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(9700 + seed)
    cases = (
        [fill_case(rng) for _ in range(3)]
        + [zeros_like_case(rng) for _ in range(2)]
        + [add_n_case(rng) for _ in range(3)]
    )
    assert run_packed(cases, seed, 3) > 0
