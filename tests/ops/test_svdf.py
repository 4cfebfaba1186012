"""SVDF (int8 in and out, int16 time weights and state) against LiteRT, bit for bit, over several
invocations in a row: the state (a variable tensor) carries each step's features to the next.
Random batches, inputs, filters, ranks and memories; the refusals. TF-Lite Micro's
keyword_scrambled model (four SVDF layers) runs in tests/test_streaming.py."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.model import parse_model


def f32(x: float) -> float:
    return float(np.float32(x))


def svdf_case(rng: np.random.Generator) -> Case:
    batches, inputs = int(rng.integers(1, 3)), int(rng.integers(1, 20))
    rank, units, memory = int(rng.integers(1, 3)), int(rng.integers(1, 6)), int(rng.integers(1, 9))
    filters = rank * units
    x_scale, wf_scale = f32(10 ** rng.uniform(-2, 0)), f32(rng.uniform(0.002, 0.02))
    state_scale, wt_scale = f32(10 ** rng.uniform(-3, -1)), f32(rng.uniform(1e-5, 1e-4))
    tensors = [
        TensorSpec("x", (batches, inputs), "int8", scale=[x_scale], zero_point=[int(rng.integers(-128, 128))]),
        TensorSpec(
            "wf",
            (filters, inputs),
            "int8",
            scale=[wf_scale],
            zero_point=[0],
            data=rng.integers(-127, 128, (filters, inputs), dtype=np.int8),
        ),
        TensorSpec(
            "wt",
            (filters, memory),
            "int16",
            scale=[wt_scale],
            zero_point=[0],
            data=rng.integers(-32767, 32768, (filters, memory), dtype=np.int16),
        ),
        TensorSpec(
            "b",
            (units,),
            "int32",
            scale=[state_scale * wt_scale],
            zero_point=[0],
            data=rng.integers(-(1 << 16), 1 << 16, units, dtype=np.int32),
        ),
        TensorSpec("state", (batches, filters * memory), "int16", scale=[state_scale], zero_point=[0], variable=True),
        TensorSpec(
            "y",
            (batches, units),
            "int8",
            scale=[f32(10 ** rng.uniform(-1.5, 0.5))],
            zero_point=[int(rng.integers(-128, 128))],
        ),
    ]
    bias = 3 if rng.random() < 0.8 else -1
    label = f"SVDF batch {batches} inputs {inputs} rank {rank} units {units} memory {memory} bias {bias >= 0}"
    options = {"rank": rank, "fused_activation_function": "RELU"}  # LiteRT's integer SVDF requires RELU
    return Case(label, tensors, OpSpec("SVDF", [0, 1, 2, bias, 4], [5], options))


@pytest.mark.parametrize("seed", range(10))
def test_svdf_random_over_several_steps(seed: int) -> None:
    rng = np.random.default_rng(8800 + seed)
    assert run_packed([svdf_case(rng) for _ in range(4)], seed, 8) > 0


def test_refusals() -> None:
    case = svdf_case(np.random.default_rng(1))
    case.tensors[4] = TensorSpec("state", case.tensors[4].shape, "int16", scale=[0.01], zero_point=[0])
    graph = parse_model(build_model(case.tensors, [case.op], [0], [5]))
    (reason,) = lower.unsupported(graph)
    assert "the state a variable tensor" in reason, reason
