"""L2_NORMALIZATION int8 against LiteRT's reference kernels, bit for bit: rows of 1 to 300 values,
ranks 1 to 4, random input scales and zero points (the output's are LiteRT's: 1/128 and 0),
rows equal to the zero point (a sum of squares of 0) included."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, random_input, run_packed
from support.tflite_writer import OpSpec, TensorSpec

from simtiny.lower.quant import f32


def l2_case(rng: np.random.Generator) -> Case:
    outer = [int(rng.integers(1, 5)) for _ in range(int(rng.integers(0, 3)))]
    shape = (*outer, int(rng.choice([1, 2, 7, 16, 64, 300])))
    tensors = [
        TensorSpec("x", shape, "int8", scale=[f32(rng.uniform(0.005, 0.2))], zero_point=[int(rng.integers(-128, 128))]),
        TensorSpec("y", shape, "int8", scale=[1.0 / 128], zero_point=[0]),
    ]
    return Case(f"L2_NORMALIZATION {list(shape)}", tensors, OpSpec("L2_NORMALIZATION", [0], [1]))


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """random_input, with one row set to the zero point where there are several."""
    values = random_input(rng, spec)
    if values.ndim > 1 and values.shape[0] > 1:
        values[0] = spec.zero_point[0]
    return values


@pytest.mark.parametrize("seed", range(8))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(8900 + seed)
    assert run_packed([l2_case(rng) for _ in range(6)], seed, 4, draw=draw) > 0
