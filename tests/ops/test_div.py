"""DIV int8 and float32 against LiteRT's reference kernels, bit for bit: random broadcasts of
ranks 0 to 5, constant or computed divisors, every fused activation, extreme scales; float32
divisions by zero (clamped to +-FLT_MAX, as LiteRT clamps them) and NaN. LiteRT fails an int8
invocation whose divisor equals its zero point, so the divisors drawn here never do."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import random_input, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.elementwise import broadcast_shape
from simtiny.lower.quant import f32
from simtiny.model import parse_model
from tests.ops.test_elementwise import ACTIVATIONS, Case, random_shapes


def nonzero_divisor(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """random_input, with every divisor element that equals its zero point drawn again."""
    values = random_input(rng, spec)
    if spec.name.startswith("divisor") and spec.dtype == "int8":
        zero = spec.zero_point[0]
        while (values == zero).any():
            values = np.where(values == zero, random_input(rng, spec), values).astype(values.dtype)
    return values


def div_case(rng: np.random.Generator, dtype: str, const: int | None = None) -> Case:
    a, b = random_shapes(rng)
    if len(a) > 5 or len(b) > 5:
        a, b = a[-5:], b[-5:]
    out = broadcast_shape(a, b)
    assert out is not None
    if const is None:  # bit 0: dividend constant, bit 1: divisor constant
        const = int(rng.choice([0, 0, 1, 2]))
    activation = str(rng.choice(ACTIVATIONS))
    if dtype == "float32":
        tensors = [
            TensorSpec(
                "dividend", a, "float32", data=rng.standard_normal(a).astype(np.float32) * 8 if const & 1 else None
            ),
            TensorSpec("divisor", b, "float32", data=rng.standard_normal(b).astype(np.float32) if const & 2 else None),
            TensorSpec("y", out, "float32"),
        ]
    else:
        extreme = rng.random() < 0.2
        scales = [f32(10 ** rng.uniform(-4, 0) if extreme else rng.uniform(0.005, 0.2)) for _ in range(3)]
        zps = [int(rng.integers(-128, 128)) for _ in range(3)]

        def constant(k: int, shape: tuple[int, ...]) -> np.ndarray | None:
            if not const & (1 << k):
                return None
            values = rng.integers(-128, 128, size=shape, dtype=np.int8)
            return np.where(values == zps[k], np.int8(zps[k] ^ 1), values).astype(np.int8) if k == 1 else values

        tensors = [
            TensorSpec("dividend", a, "int8", scale=[scales[0]], zero_point=[zps[0]], data=constant(0, a)),
            TensorSpec("divisor", b, "int8", scale=[scales[1]], zero_point=[zps[1]], data=constant(1, b)),
            TensorSpec("y", out, "int8", scale=[scales[2]], zero_point=[zps[2]]),
        ]
    inputs = [i for i in (0, 1) if not const & (1 << i)]
    label = f"DIV {dtype} {list(a)} / {list(b)} {activation} const={const}"
    return Case(label, tensors, OpSpec("DIV", [0, 1], [2], {"fused_activation_function": activation}), inputs)


@pytest.mark.parametrize("seed", range(12))
def test_div_int8_random(seed: int) -> None:
    rng = np.random.default_rng(6100 + seed)
    assert run_packed([div_case(rng, "int8") for _ in range(8)], seed, 6, draw=nonzero_divisor) > 0


@pytest.mark.parametrize("seed", range(6))
def test_div_float32_random(seed: int) -> None:
    rng = np.random.default_rng(6200 + seed)
    assert run_packed([div_case(rng, "float32") for _ in range(8)], seed, 6) > 0


def test_float32_division_by_zero_and_nan_as_litert_clamps_them() -> None:
    values = np.array([1.0, -1.0, 0.0, np.nan, np.inf, -np.inf, 3.0, -2.5], dtype=np.float32)
    divisors = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 0.0, np.inf, -0.0], dtype=np.float32)
    cases = []
    for activation in ACTIVATIONS:
        tensors = [
            TensorSpec("dividend", (8,), "float32", data=values),
            TensorSpec("divisor", (8,), "float32"),
            TensorSpec("y", (8,), "float32"),
        ]
        cases.append(
            Case(activation, tensors, OpSpec("DIV", [0, 1], [2], {"fused_activation_function": activation}), [1])
        )

    def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
        return divisors

    assert run_packed(cases, 0, 1, draw=draw) == 32


def test_refusals() -> None:
    rng = np.random.default_rng(1)
    case = div_case(rng, "int8")
    case.tensors[2] = TensorSpec("y", case.tensors[2].shape, "int8", scale=[1e-12], zero_point=[0])
    graph = parse_model(build_model(case.tensors, [case.op], case.inputs, [2]))
    (reason,) = lower.unsupported(graph)
    assert "a rescaling by 2^20 or more" in reason, reason
    tensors = [TensorSpec(n, (4,), "int16", scale=[0.01], zero_point=[0]) for n in ("a", "b", "y")]
    graph = parse_model(build_model(tensors, [OpSpec("DIV", [0, 1], [2])], [0, 1], [2]))
    (reason,) = lower.unsupported(graph)
    assert "int16 output" in reason, reason
