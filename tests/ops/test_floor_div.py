"""FLOOR_DIV (int8, int16, int32, float32) and FLOOR_MOD (int8, int16, int32) against LiteRT's
reference kernels, bit for bit, over random broadcasts to 4-D and both signs of each operand;
LiteRT fails an invocation on a zero divisor, so none is drawn."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec

from simtiny.lower.elementwise import broadcast_shape
from tests.ops.test_compare import shapes


def floor_case(rng: np.random.Generator, const: bool = False) -> Case:
    """A random FLOOR_DIV or FLOOR_MOD; with const, its divisor a constant tensor (never zero),
    so that random inputs alone can feed it."""
    opcode = str(rng.choice(["FLOOR_DIV", "FLOOR_MOD"]))
    dtype = str(
        rng.choice(["int8", "int16", "int32", "float32"] if opcode == "FLOOR_DIV" else ["int8", "int16", "int32"])
    )
    a, b = shapes(rng, 4)
    divisor = TensorSpec("divisor", b, dtype)
    if const:
        divisor.data = draw(rng, divisor)
    tensors = [TensorSpec("x", a, dtype), divisor, TensorSpec("y", broadcast_shape(a, b), dtype)]
    inputs = [0] if const else [0, 1]
    return Case(f"{opcode} {dtype} {list(a)} {list(b)}", tensors, OpSpec(opcode, [0, 1], [2]), inputs)


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """Values of both signs, small divisors (never zero), and -0.0 and halves among the floats."""
    if spec.dtype == "float32":
        values = (rng.standard_normal(spec.shape) * 10).astype(np.float32)
        if spec.name == "divisor":
            values = np.where(values == 0, np.float32(1.5), values)
        else:
            values.reshape(-1)[:2] = [-0.0, 7.5][: values.size]
        return values
    info = np.iinfo(spec.dtype)
    if spec.name == "divisor":
        values = rng.integers(-9, 10, spec.shape)
        return np.where(values == 0, 3, values).astype(spec.dtype)
    return rng.integers(info.min, info.max, spec.shape, endpoint=True).astype(spec.dtype)


@pytest.mark.parametrize("seed", range(8))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(9800 + seed)
    assert run_packed([floor_case(rng) for _ in range(8)], seed, 3, draw=draw) > 0


@pytest.mark.parametrize("seed", range(2))
def test_constant_divisor(seed: int) -> None:
    rng = np.random.default_rng(9810 + seed)
    assert run_packed([floor_case(rng, const=True) for _ in range(8)], seed, 3, draw=draw) > 0
