"""The comparisons (EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL) on int8 (rescaled
as LiteRT rescales them, scales below one), int32 and float32; LOGICAL_AND, LOGICAL_OR and
LOGICAL_NOT on bools; SELECT_V2 on int8, int16, int32 and float32: against LiteRT's reference
kernels, bit for bit, over random broadcasts (4-D, SELECT_V2 5-D) and quantizations; int8 inputs
of equal scales make equal values frequent."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec

from simtiny.lower.elementwise import broadcast_shape
from simtiny.lower.quant import f32

COMPARISONS = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")


def shapes(rng: np.random.Generator, rank_limit: int, count: int = 2) -> list[tuple[int, ...]]:
    rank = int(rng.integers(0, rank_limit + 1))
    full = [int(rng.integers(1, 5)) for _ in range(rank)]
    out = []
    for _ in range(count):
        keep = int(rng.integers(0, rank + 1))
        out.append(tuple(d if rng.random() < 0.6 else 1 for d in full[rank - keep :]))
    return out


def compare_case(rng: np.random.Generator) -> Case:
    opcode = str(rng.choice(COMPARISONS))
    a, b = shapes(rng, 4)
    out = broadcast_shape(a, b)
    dtype = str(rng.choice(["int8", "int8", "int32", "float32"]))
    if dtype == "int8":
        s1 = f32(rng.uniform(0.01, 0.5))
        s2 = s1 if rng.random() < 0.5 else f32(rng.uniform(0.01, 0.5))
        z1 = int(rng.integers(-20, 20))
        z2 = z1 if rng.random() < 0.5 else int(rng.integers(-20, 20))
        x = TensorSpec("a", a, "int8", scale=[s1], zero_point=[z1])
        y = TensorSpec("b", b, "int8", scale=[s2], zero_point=[z2])
    else:
        x, y = TensorSpec("a", a, dtype), TensorSpec("b", b, dtype)
    tensors = [x, y, TensorSpec("out", out, "bool")]
    return Case(f"{opcode} {dtype} {list(a)} {list(b)}", tensors, OpSpec(opcode, [0, 1], [2]), [0, 1])


def logical_case(rng: np.random.Generator) -> Case:
    opcode = str(rng.choice(["LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"]))
    a, b = shapes(rng, 4)
    if opcode == "LOGICAL_NOT":
        tensors = [TensorSpec("a", a, "bool"), TensorSpec("out", a, "bool")]
        return Case(f"{opcode} {list(a)}", tensors, OpSpec(opcode, [0], [1]), [0])
    tensors = [TensorSpec("a", a, "bool"), TensorSpec("b", b, "bool"), TensorSpec("out", broadcast_shape(a, b), "bool")]
    return Case(f"{opcode} {list(a)} {list(b)}", tensors, OpSpec(opcode, [0, 1], [2]), [0, 1])


def select_case(rng: np.random.Generator) -> Case:
    c, a, b = shapes(rng, 5, 3)
    out = broadcast_shape(broadcast_shape(c, a), b)
    dtype = str(rng.choice(["int8", "int16", "int32", "float32"]))
    q = {"scale": [0.05], "zero_point": [0]} if dtype in ("int8", "int16") else {}
    tensors = [
        TensorSpec("c", c, "bool"),
        TensorSpec("x", a, dtype, **q),
        TensorSpec("y", b, dtype, **q),
        TensorSpec("out", out, dtype, **q),
    ]
    return Case(
        f"SELECT_V2 {dtype} {list(c)} {list(a)} {list(b)}", tensors, OpSpec("SELECT_V2", [0, 1, 2], [3]), [0, 1, 2]
    )


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """Values from a few small ones, so that equal pairs (and, across scales, pairs whose rescaled
    values tie or differ by one rounding) are frequent."""
    if spec.dtype == "bool":
        return rng.random(spec.shape) < 0.5
    if spec.dtype == "float32":
        return rng.choice(np.array([-1.5, -0.0, 0.0, 0.25, 1.5, np.inf], dtype=np.float32), spec.shape)
    low, high = (-4, 4) if spec.dtype in ("int8", "int32") else (-100, 100)
    values = rng.integers(low, high + 1, spec.shape)
    if spec.dtype == "int8" and rng.random() < 0.3:
        values = rng.integers(-128, 128, spec.shape)
    return values.astype(spec.dtype)


@pytest.mark.parametrize("seed", range(10))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(9600 + seed)
    cases = (
        [compare_case(rng) for _ in range(6)]
        + [logical_case(rng) for _ in range(3)]
        + [select_case(rng) for _ in range(3)]
    )
    assert run_packed(cases, seed, 4, draw=draw) > 0


def test_int8_comparisons_resolve_nearly_equal_scales_as_litert() -> None:
    """Two scales a hair apart: whether equal raw values compare equal after the rescaling
    depends on LiteRT's exact shift and rounding, over every pair of int8 values."""
    cases = []
    for k, opcode in enumerate(("EQUAL", "LESS", "GREATER_EQUAL")):
        s1 = f32(0.0371 + 0.01 * k)
        s2 = f32(s1 * (1 + 2.0**-9))
        tensors = [
            TensorSpec("a", (256, 1), "int8", scale=[s1], zero_point=[3]),
            TensorSpec("b", (1, 256), "int8", scale=[s2], zero_point=[-5]),
            TensorSpec("out", (256, 256), "bool"),
        ]
        cases.append(Case(f"{opcode} every pair", tensors, OpSpec(opcode, [0, 1], [2]), [0, 1]))

    def every_value(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
        return np.arange(-128, 128, dtype=np.int16).astype(np.int8).reshape(spec.shape)

    assert run_packed(cases, 0, 1, draw=every_value) == 3 * 256 * 256
