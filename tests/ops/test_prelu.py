"""PRELU int8 against LiteRT's reference kernels, bit for bit: alpha per channel (Keras PReLU's
shared axes), per element and scalar, broadcast up to 4-D, constant alpha (as models have it) or
computed, random scales and zero points."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import run_packed
from support.tflite_writer import OpSpec, TensorSpec

from simtiny.lower.quant import f32
from tests.ops.test_elementwise import Case


def prelu_case(rng: np.random.Generator) -> Case:
    rank = int(rng.integers(1, 5))
    shape = tuple(int(rng.integers(1, 6)) for _ in range(rank))
    kind = int(rng.integers(3))
    alpha_shape = shape[-1:] if kind == 0 else shape[1:] if kind == 1 else (1,)
    constant = rng.random() < 0.8
    alpha_data = rng.integers(-128, 128, alpha_shape, dtype=np.int8) if constant else None
    x_scale, a_scale = f32(rng.uniform(0.005, 0.1)), f32(rng.uniform(0.001, 0.02))
    tensors = [
        TensorSpec("x", shape, "int8", scale=[x_scale], zero_point=[int(rng.integers(-128, 128))]),
        TensorSpec(
            "alpha", alpha_shape, "int8", scale=[a_scale], zero_point=[int(rng.integers(-128, 128))], data=alpha_data
        ),
        TensorSpec(
            "y", shape, "int8", scale=[f32(x_scale * rng.uniform(0.3, 3))], zero_point=[int(rng.integers(-128, 128))]
        ),
    ]
    return Case(
        f"PRELU {list(shape)} alpha {list(alpha_shape)}",
        tensors,
        OpSpec("PRELU", [0, 1], [2]),
        [0] if constant else [0, 1],
    )


@pytest.mark.parametrize("seed", range(10))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(8500 + seed)
    assert run_packed([prelu_case(rng) for _ in range(8)], seed, 4) > 0
