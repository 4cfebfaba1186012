"""NEG, ABS, SQRT, RSQRT, FLOOR and SQUARE float32, and ABS and RSQRT int8, against
LiteRT's reference kernels, bit for bit: float32 over random values and the special ones (zeros
of both signs, infinities, NaN, negatives under a square root, halves), int8 over every
input byte with random scales. LiteRT fails an int8 RSQRT invocation on an input below the zero
point, so those inputs are not drawn."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, random_input, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.quant import f32
from simtiny.model import parse_model

SPECIAL = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, 1e-45, 3.4e38, -2.5, 4.0, 0.5, 1.5, 2.5, -0.5, -1.5, 8388607.5, -3e9],
    dtype=np.float32,
)


def float_case(opcode: str, size: int) -> Case:
    tensors = [TensorSpec("x", (size,), "float32"), TensorSpec("y", (size,), "float32")]
    return Case(f"{opcode} float32 [{size}]", tensors, OpSpec(opcode, [0], [1]))


def int8_case(rng: np.random.Generator, opcode: str) -> Case:
    x_zp = int(rng.integers(-128, 0)) if opcode == "RSQRT" else int(rng.integers(-128, 128))
    same = opcode == "ABS" and rng.random() < 0.3
    x_scale = f32(10 ** rng.uniform(-3, 0))
    y_scale = x_scale if same else f32(10 ** rng.uniform(-2.5, 0))
    tensors = [
        TensorSpec("x", (256,), "int8", scale=[x_scale], zero_point=[x_zp]),
        TensorSpec("y", (256,), "int8", scale=[y_scale], zero_point=[int(rng.integers(-128, 128))]),
    ]
    return Case(f"{opcode} int8 scales {x_scale:g} -> {y_scale:g}", tensors, OpSpec(opcode, [0], [1]))


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """Floats: random magnitudes with the special values mixed in. int8: every byte once (for
    RSQRT, every byte from the zero point up, repeated)."""
    if spec.dtype == "float32":
        values = (rng.standard_normal(spec.shape) * 10 ** rng.uniform(-3, 3, spec.shape)).astype(np.float32)
        n = min(SPECIAL.size, values.size)
        values[:n] = SPECIAL[:n]
        return values
    if spec.name == "x_rsqrt":
        zp = spec.zero_point[0]
        return np.resize(np.arange(zp, 128, dtype=np.int8), spec.shape)
    return random_input(rng, spec) if spec.shape != (256,) else np.arange(-128, 128, dtype=np.int16).astype(np.int8)


@pytest.mark.parametrize("opcode", ["NEG", "ABS", "SQRT", "RSQRT", "FLOOR", "SQUARE"])
def test_float32(opcode: str) -> None:
    assert run_packed([float_case(opcode, n) for n in (16, 301)], 0, 4, draw=draw) == 4 * 317


HALVES = np.array(
    [-3.5, -2.5, -0.5, -0.3, -0.7, 0.3, 0.7, 3.5, 4.5, -4.5, 8388607.5, -8388607.5, 1e10, -1e-30], np.float32
)


def draw_halves(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """draw's values, with the ties and the small negatives whose zero's sign CEIL and ROUND decide."""
    values = draw(rng, spec)
    if spec.dtype == "float32":
        flat = values.reshape(-1)
        flat[SPECIAL.size : SPECIAL.size + HALVES.size] = HALVES[: max(0, flat.size - SPECIAL.size)]
    return values


@pytest.mark.parametrize("opcode", ["CEIL", "ROUND"])
def test_float32_against_tf_lite_micro(opcode: str) -> None:
    """CEIL and ROUND: LiteRT's reference kernels have neither, TF-Lite Micro is their reference.
    ROUND's ties go to even from the floor (-0.3 gives +0, 2.5 gives 2, 3.5 gives 4)."""
    assert run_packed([float_case(opcode, n) for n in (64, 301)], 0, 4, draw=draw_halves, reference="tflm") == 4 * 365


@pytest.mark.parametrize("seed", range(6))
def test_int8_abs_and_rsqrt(seed: int) -> None:
    rng = np.random.default_rng(7300 + seed)
    cases = []
    for opcode in ("ABS", "RSQRT", "ABS", "RSQRT"):
        case = int8_case(rng, opcode)
        if opcode == "RSQRT":
            case.tensors[0].name = "x_rsqrt"
        cases.append(case)
    assert run_packed(cases, seed, 2, draw=draw) == 2 * 4 * 256


def test_refusals() -> None:
    tensors = [TensorSpec(n, (4,), "int8", scale=[0.1], zero_point=[0]) for n in ("x", "y")]
    graph = parse_model(build_model(tensors, [OpSpec("SQRT", [0], [1])], [0], [1]))
    (reason,) = lower.unsupported(graph)
    assert "int8 input (float32 are compiled)" in reason, reason
    tensors = [
        TensorSpec("x", (4,), "int8", scale=[1e-6], zero_point=[0]),
        TensorSpec("y", (4,), "int8", scale=[1e-6], zero_point=[0]),
    ]
    graph = parse_model(build_model(tensors, [OpSpec("RSQRT", [0], [1])], [0], [1]))
    (reason,) = lower.unsupported(graph)
    assert "an output rescaling by 2^" in reason, reason
