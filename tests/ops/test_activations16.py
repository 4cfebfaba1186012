"""RELU, RELU6, LEAKY_RELU and ABS int16 (the converter's 16x8 mode) against LiteRT's reference
kernels, bit for bit, on every one of the 65,536 int16 inputs at random scales (output scales
finer and coarser than the input's or equal to it, RELU6's clamp inside and outside the int16
range), and the refusals LiteRT's Prepare and Eval call for."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.model import parse_model

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
OPCODES = ("RELU", "RELU6", "LEAKY_RELU", "ABS")


def f32(x: float) -> float:
    return float(np.float32(x))


def rescale_case(rng: np.random.Generator, opcode: str, shape: tuple[int, ...] | None = None) -> Case:
    """One operator at random scales: the output from 1/30 to 30 times the input's scale."""
    shape = shape or tuple(int(v) for v in rng.integers(1, 9, int(rng.integers(1, 4))))
    x_scale = f32(10 ** rng.uniform(-4.5, -2.5))
    y_scale = x_scale if rng.random() < 0.2 else f32(x_scale * 10 ** rng.uniform(-1.5, 1.5))
    tensors = [
        TensorSpec("x", shape, "int16", scale=[x_scale], zero_point=[0]),
        TensorSpec("y", shape, "int16", scale=[y_scale], zero_point=[0]),
    ]
    options = {"alpha": f32(rng.choice([0.01, 0.1, 0.2, 0.3, rng.uniform(-1, 2)]))} if opcode == "LEAKY_RELU" else {}
    label = f"{opcode} int16 {list(shape)} scales {x_scale:g} -> {y_scale:g} {options}"
    return Case(label, tensors, OpSpec(opcode, [0], [1], options))


def every_input(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    return ALL_INT16.reshape(spec.shape)


@pytest.mark.parametrize("opcode", OPCODES)
def test_every_int16_input(opcode: str) -> None:
    rng = np.random.default_rng(9200 + OPCODES.index(opcode))
    cases = [rescale_case(rng, opcode, (ALL_INT16.size,)) for _ in range(8)]
    assert run_packed(cases, 0, 1, draw=every_input) == 8 * ALL_INT16.size


@pytest.mark.parametrize("seed", range(3))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(9210 + seed)
    assert run_packed([rescale_case(rng, str(rng.choice(OPCODES))) for _ in range(8)], seed, 4) > 0


def test_refusals() -> None:
    def reasons(opcode: str, x_zp: int = 0) -> list[str]:
        tensors = [
            TensorSpec("x", (4,), "int16", scale=[0.001], zero_point=[x_zp]),
            TensorSpec("y", (4,), "int16", scale=[0.001], zero_point=[0]),
        ]
        return lower.unsupported(parse_model(build_model(tensors, [OpSpec(opcode, [0], [1])], [0], [1])))

    for opcode in ("RELU_N1_TO_1", "RELU_0_TO_1"):
        got = reasons(opcode)
        assert len(got) == 1 and "LiteRT's takes float32, uint8 and int8 only" in got[0], got
    got = reasons("RELU", 7)
    assert len(got) == 1 and "zero point 7 (LiteRT requires 0)" in got[0], got
