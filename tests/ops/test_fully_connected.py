"""FULLY_CONNECTED int8 against LiteRT: random shapes, per-tensor and per-channel weights."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import check_model, quantized
from support.tflite_writer import OpSpec, TensorSpec

ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def _case(
    rng: np.random.Generator,
    per_channel: bool,
    batch_shape: tuple[int, ...],
    depth: int,
    units: int,
    bias: bool,
    activation: str,
    keep_num_dims: bool = False,
    bias_magnitude: int = 20000,
):
    x = quantized("x", (*batch_shape, depth), rng)
    n_scales = units if per_channel else 1
    w_scales = [float(np.float32(s)) for s in rng.uniform(0.0005, 0.05, n_scales)]
    w = TensorSpec(
        "w",
        (units, depth),
        "int8",
        scale=w_scales,
        zero_point=[0] * n_scales,
        data=rng.integers(-127, 128, size=(units, depth), dtype=np.int8),
    )
    x_scale = x.scale[0]
    rows = int(np.prod(batch_shape))
    out_shape = (*batch_shape, units) if keep_num_dims else (rows, units)
    y = quantized("y", out_shape, rng, scale=float(np.float32(rng.uniform(0.01, 0.5))))
    tensors = [x, w]
    inputs = [0, 1]
    if bias:
        tensors.append(
            TensorSpec(
                "b",
                (units,),
                "int32",
                scale=[x_scale * s for s in w_scales],
                zero_point=[0] * n_scales,
                data=rng.integers(-bias_magnitude, bias_magnitude + 1, size=units, dtype=np.int32),
            )
        )
        inputs.append(2)
    tensors.append(y)
    out = len(tensors) - 1
    options = {"fused_activation_function": activation, "keep_num_dims": keep_num_dims}
    return tensors, [OpSpec("FULLY_CONNECTED", inputs, [out], options)], [0], [out]


@pytest.mark.parametrize("per_channel", [False, True], ids=["per-tensor", "per-channel"])
def test_random_fully_connected(per_channel):
    rng = np.random.default_rng(1234 + per_channel)
    elements = 0
    for case in range(40):
        batch_shape = [(1,), (3,), (2, 2), (1, 1, 2)][case % 4]
        depth = int(rng.integers(1, 200))
        units = int(rng.integers(1, 64))
        tensors, ops, ins, outs = _case(
            rng,
            per_channel,
            batch_shape,
            depth,
            units,
            bias=case % 5 != 4,
            activation=ACTIVATIONS[case % 4],
            keep_num_dims=case % 4 == 2,
            bias_magnitude=(100, 20000, 1 << 20, 1 << 23)[case // 5 % 4],  # bias stored in 1 to 4 bytes
        )
        result = check_model(tensors, ops, ins, outs, rng, samples=6, label=f"fc case {case}")
        elements += result.elements
    assert elements > 10_000


@pytest.mark.parametrize("scales", [(0.05, 0.02, 0.05), (0.1, 0.01, 0.04), (0.25, 0.004, 0.02)])
def test_round_scales_requantise_as_litert(scales):
    """Decimal scales whose float32 product rounds away from the double product: LiteRT takes the
    product in double, and where the accumulator times the multiplier lands on a half, the
    float product's multiplier (a hair above or below) rounds the other way (-1325 at 0.02:
    LiteRT's -26, a float product's -27)."""
    x_scale, w_scale, y_scale = (float(np.float32(s)) for s in scales)
    rng = np.random.default_rng(7)
    w = rng.integers(-127, 128, size=(64, 8), dtype=np.int8)
    tensors = [
        TensorSpec("x", (4, 8), "int8", scale=[x_scale], zero_point=[0]),
        TensorSpec("w", (64, 8), "int8", scale=[w_scale], zero_point=[0], data=w),
        TensorSpec("y", (4, 64), "int8", scale=[y_scale], zero_point=[0]),
    ]
    ops = [OpSpec("FULLY_CONNECTED", [0, 1, -1], [2])]
    assert check_model(tensors, ops, [0], [2], rng, samples=20, label=f"fc scales {scales}").elements == 20 * 256
