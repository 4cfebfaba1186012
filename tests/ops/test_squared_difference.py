"""SQUARED_DIFFERENCE int8 and float32 against LiteRT's reference kernels, bit for bit: random
broadcasts of ranks 0 to 4, constant operands, random scales (those whose output rescaling LiteRT
accepts: below one)."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.elementwise import broadcast_shape
from simtiny.lower.quant import f32
from simtiny.lower.squared_difference import multipliers
from simtiny.model import parse_model
from tests.ops.test_elementwise import Case, random_shapes, tensor


def shapes(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    while True:
        a, b = random_shapes(rng)
        if max(len(a), len(b)) <= 4:
            return a, b


def squared_difference_case(rng: np.random.Generator, dtype: str) -> Case:
    a, b = shapes(rng)
    out = broadcast_shape(a, b)
    assert out is not None
    const = int(rng.choice([0, 0, 1, 2]))
    if dtype == "float32":
        tensors = [
            TensorSpec("a", a, "float32", data=rng.standard_normal(a).astype(np.float32) if const & 1 else None),
            TensorSpec("b", b, "float32", data=rng.standard_normal(b).astype(np.float32) if const & 2 else None),
            TensorSpec("y", out, "float32"),
        ]
    else:
        s1, s2 = f32(rng.uniform(0.005, 0.2)), f32(rng.uniform(0.005, 0.2))
        so = f32(max(s1, s2) ** 2 * rng.uniform(2, 300))  # the output multiplier below one
        assert multipliers(s1, s2, so)[2] < 1
        tensors = [
            tensor("a", a, rng, s1, bool(const & 1)),
            tensor("b", b, rng, s2, bool(const & 2)),
            tensor("y", out, rng, so),
        ]
    inputs = [i for i in (0, 1) if not const & (1 << i)]
    return Case(
        f"SQUARED_DIFFERENCE {dtype} {list(a)} {list(b)} const={const}",
        tensors,
        OpSpec("SQUARED_DIFFERENCE", [0, 1], [2]),
        inputs,
    )


@pytest.mark.parametrize("seed", range(10))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(7700 + seed)
    cases = [squared_difference_case(rng, "int8") for _ in range(6)] + [
        squared_difference_case(rng, "float32") for _ in range(2)
    ]
    assert run_packed(cases, seed, 6) > 0


def test_refusal() -> None:
    tensors = [TensorSpec(n, (4,), "int8", scale=[s], zero_point=[0]) for n, s in (("a", 0.1), ("b", 0.1), ("y", 1e-9))]
    graph = parse_model(build_model(tensors, [OpSpec("SQUARED_DIFFERENCE", [0, 1], [2])], [0, 1], [2]))
    (reason,) = lower.unsupported(graph)
    assert "a rescaling of 1 or more" in reason, reason


def squared_difference16_case(rng: np.random.Generator) -> Case:
    """SQUARED_DIFFERENCE int16 as TF-Lite Micro takes it: zero points 0, broadcasting to 4-D,
    output scales 10^3 to 10^7 times the larger input scale squared (the output multiplier below
    one), so that squares fill the int16 range and at times saturate it."""
    a, b = shapes(rng)
    out = broadcast_shape(a, b)
    assert out is not None
    s1, s2 = f32(10 ** rng.uniform(-4.5, -3)), f32(10 ** rng.uniform(-4.5, -3))
    so = f32(max(s1, s2) ** 2 * 10 ** rng.uniform(3, 7))
    q = {"zero_point": [0]}
    tensors = [
        TensorSpec("a", a, "int16", scale=[s1], **q),
        TensorSpec("b", b, "int16", scale=[s2], **q),
        TensorSpec("y", out, "int16", scale=[so], **q),
    ]
    return Case(
        f"SQUARED_DIFFERENCE int16 {list(a)} {list(b)}", tensors, OpSpec("SQUARED_DIFFERENCE", [0, 1], [2]), [0, 1]
    )


@pytest.mark.parametrize("seed", range(4))
def test_int16_against_tf_lite_micro(seed: int) -> None:
    """LiteRT 2.3 has no int16 SQUARED_DIFFERENCE: TF-Lite Micro is its reference."""
    rng = np.random.default_rng(7300 + seed)
    assert run_packed([squared_difference16_case(rng) for _ in range(8)], seed, 4, reference="tflm") > 0
