"""TRANSPOSE_CONV int8 against LiteRT's reference kernels, bit for bit: SAME and VALID padding,
strides 1 to 3, filters 1x1 to 5x5 (square or not), per-channel and per-tensor weights, with and
without bias, every fused activation, batches of 1 and 2; Keras Conv2DTranspose
(tests/data/models/upsample_int8.tflite) runs whole in tests/test_converted_models.py."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.quant import f32
from simtiny.model import parse_model

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def transpose_conv_case(rng: np.random.Generator) -> Case:
    batches, in_c, out_c = int(rng.integers(1, 3)), int(rng.integers(1, 7)), int(rng.integers(1, 7))
    fh, fw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    padding = str(rng.choice(["SAME", "VALID"]))
    while True:  # an output size whose convolution gives back the input size
        out_h, out_w = int(rng.integers(1, 13)), int(rng.integers(1, 13))
        in_h = out_size_and_padding(padding, out_h, fh, sh)[0]
        in_w = out_size_and_padding(padding, out_w, fw, sw)[0]
        if in_h >= 1 and in_w >= 1:
            break
    per_channel = rng.random() < 0.7
    w_scales = [f32(rng.uniform(0.002, 0.03)) for _ in range(out_c if per_channel else 1)]
    x_scale = f32(rng.uniform(0.01, 0.1))
    y_scale = f32(x_scale * max(w_scales) * np.sqrt(in_c * fh * fw) * rng.uniform(10, 60))
    tensors = [
        TensorSpec("shape", (4,), "int32", data=np.array([batches, out_h, out_w, out_c], dtype=np.int32)),
        TensorSpec(
            "w",
            (out_c, fh, fw, in_c),
            "int8",
            scale=w_scales,
            zero_point=[0] * len(w_scales),
            data=rng.integers(-127, 128, (out_c, fh, fw, in_c), dtype=np.int8),
        ),
        TensorSpec(
            "x", (batches, in_h, in_w, in_c), "int8", scale=[x_scale], zero_point=[int(rng.integers(-128, 128))]
        ),
        TensorSpec(
            "y", (batches, out_h, out_w, out_c), "int8", scale=[y_scale], zero_point=[int(rng.integers(-128, 128))]
        ),
    ]
    inputs = [0, 1, 2]
    if rng.random() < 0.7:
        tensors.append(TensorSpec("b", (out_c,), "int32", data=rng.integers(-3000, 3000, out_c).astype(np.int32)))
        inputs.append(4)
    activation = str(rng.choice(ACTIVATIONS))
    options = {"padding": padding, "stride_h": sh, "stride_w": sw, "fused_activation_function": activation}
    shapes = f"{list(tensors[2].shape)} -> {list(tensors[3].shape)}"
    label = f"TRANSPOSE_CONV {shapes} filter {fh}x{fw} stride {sh}x{sw} {padding} {activation}"
    return Case(label, tensors, OpSpec("TRANSPOSE_CONV", inputs, [3], options), [2])


@pytest.mark.parametrize("seed", range(12))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(8300 + seed)
    assert run_packed([transpose_conv_case(rng) for _ in range(6)], seed, 3) > 0


def test_refusals() -> None:
    case = transpose_conv_case(np.random.default_rng(2))
    case.tensors[0] = TensorSpec("shape", (4,), "int32", data=np.array([1, 99, 99, 1], dtype=np.int32))
    graph = parse_model(build_model(case.tensors, [case.op], case.inputs, [3]))
    (reason,) = lower.unsupported(graph)
    assert "output shape [1, 99, 99, 1]" in reason, reason
