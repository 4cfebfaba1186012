"""LOGISTIC and TANH int16 (the converter's 16x8 mode) against LiteRT's reference kernels, bit for
bit: every one of the 65,536 int16 inputs at scales on both of Prepare's paths (a power of two
it takes as such, and any other scale through its multiplier), random shapes and scales, and the
refusals. The table is simtiny's own derivation (simtiny.lower.sigmoid16); these comparisons are
what shows it is the one the references hold."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.sigmoid16 import input_scaling, sigmoid_table
from simtiny.model import parse_model

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int16)
# Q3.12 (LOGISTIC's and TANH's power of two), Q4.11 (TANH's too; LOGISTIC's multiplier path),
# within CheckedLog2's 1e-3 of 2^-12 (taken as 2^-12), and other scales from fine to the
# coarsest whose multiplier stays under 2^15 (the table saturates from +-10.6)
SCALES = (2.0**-12, 2.0**-11, 2.0**-12 * 1.0005, 2.0**-13, 2.0**-9, 1e-5, 0.001, 3.0 / 32767, 0.01, 0.3, 2.6)


def f32(x: float) -> float:
    return float(np.float32(x))


def sigmoid_case(opcode: str, shape: tuple[int, ...], x_scale: float) -> Case:
    tensors = [
        TensorSpec("x", shape, "int16", scale=[f32(x_scale)], zero_point=[0]),
        TensorSpec("y", shape, "int16", scale=[1.0 / 32768], zero_point=[0]),
    ]
    return Case(f"{opcode} int16 {list(shape)} scale {f32(x_scale):g}", tensors, OpSpec(opcode, [0], [1]))


def random_case(rng: np.random.Generator, opcode: str | None = None) -> Case:
    """A random shape and an input scale from 10^-5 to 2 (both of Prepare's paths at times)."""
    opcode = opcode or str(rng.choice(["LOGISTIC", "TANH"]))
    shape = tuple(int(v) for v in rng.integers(1, 9, int(rng.integers(1, 5))))
    scale = float(rng.choice([2.0**-12, 2.0**-11, 10 ** rng.uniform(-5, 0.3)]))
    return sigmoid_case(opcode, shape, scale)


def every_input(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    return ALL_INT16.reshape(spec.shape)


@pytest.mark.parametrize("opcode", ["LOGISTIC", "TANH"])
def test_every_int16_input(opcode: str) -> None:
    cases = [sigmoid_case(opcode, (1, ALL_INT16.size), s) for s in SCALES]
    assert run_packed(cases, 0, 1, draw=every_input) == len(SCALES) * ALL_INT16.size


@pytest.mark.parametrize("seed", range(4))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(9100 + seed)
    assert run_packed([random_case(rng) for _ in range(8)], seed, 4) > 0


def test_both_of_prepares_paths() -> None:
    """Q3.12 takes 3 with no shift (TANH's Q4.11 6); every other scale a multiplier of 2^14 ..
    2^15 and a shift (2^-11 is not LOGISTIC's power of two)."""
    assert input_scaling(2.0**-12, "LOGISTIC") == (3, 0) and input_scaling(2.0**-12, "TANH") == (3, 0)
    assert input_scaling(2.0**-11, "TANH") == (6, 0)
    assert input_scaling(2.0**-11, "LOGISTIC") == (24576, 12)
    for scale in (1e-5, 0.001, 0.3):
        multiplier, shift = input_scaling(scale, "TANH")
        assert 16384 <= multiplier < 32768 and shift > 0
        assert abs(multiplier / 2**shift - scale * 12288) <= 2.0**-shift


def test_the_table_follows_from_its_definition() -> None:
    """sigmoid(0) = 1/2 first, 1 saturated last, increasing, each entry within one step of
    65536 sigmoid(i / 24) and a half (the midpoint correction moves a sample by at most 0.61)."""
    table = sigmoid_table().astype(np.int64)
    assert table.shape == (256,) and table[0] == 32768 and table[-1] == 65535
    assert np.all(np.diff(table) >= 0)
    exact = 65536 / (1 + np.exp(-np.arange(255) / 24))
    assert np.max(np.abs(table[:255] - exact)) < 1.5


def _reasons(x: TensorSpec, y: TensorSpec, opcode: str) -> list[str]:
    return lower.unsupported(parse_model(build_model([x, y], [OpSpec(opcode, [0], [1])], [0], [1])))


def test_refusals() -> None:
    def t(name: str, scale: float, zero_point: int = 0) -> TensorSpec:
        return TensorSpec(name, (1, 4), "int16", scale=[f32(scale)], zero_point=[zero_point])

    got = _reasons(t("x", 0.001, 5), t("y", 1.0 / 32768), "LOGISTIC")
    assert len(got) == 1 and "zero point 5 (LiteRT requires 0)" in got[0], got
    got = _reasons(t("x", 0.001), t("y", 1.0 / 256), "TANH")
    assert len(got) == 1 and "LiteRT requires 1/32768" in got[0], got
    got = _reasons(t("x", 4.0), t("y", 1.0 / 32768), "LOGISTIC")
    assert len(got) == 1 and "computes in int32" in got[0], got
