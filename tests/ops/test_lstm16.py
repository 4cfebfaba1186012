"""UNIDIRECTIONAL_SEQUENCE_LSTM 16x8 (int16 activations, int8 weights, int64 biases) against
TF-Lite Micro's reference kernels, bit for bit, over several invocations (the hidden and cell
states carry over): LiteRT has no 16x8 LSTM, so TF-Lite Micro is the reference of this one
operator. Random shapes, both layouts, cell scales from 2^-15 to 2^-4 (the cell tanh's three
rescalings) and cell clipping; then the refusals."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.lstm16 import tanh_scaling
from simtiny.model import parse_model


def f32(x: float) -> float:
    return float(np.float32(x))


def lstm16_case(rng: np.random.Generator, cell_log2: int | None = None, **overrides) -> Case:
    """A random 16x8 LSTM as TF-Lite Micro takes it: 24 inputs, no CIFG, peepholes, projection or
    layer norm. Scales keep the gates' sums within Q3.12's range most of the time."""
    batches, steps = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    inputs, cells = int(rng.integers(1, 13)), int(rng.integers(1, 13))
    time_major = bool(rng.random() < 0.5)
    shape = (steps, batches, inputs) if time_major else (batches, steps, inputs)
    x_scale, h_scale = f32(10 ** rng.uniform(-4.5, -3.5)), f32(10 ** rng.uniform(-4.8, -4.2))
    log2 = int(rng.integers(-15, -8)) if cell_log2 is None else cell_log2
    slots: list[TensorSpec | None] = [None] * 24

    def weights(name: str, depth: int) -> TensorSpec:
        data = rng.integers(-127, 128, (cells, depth), dtype=np.int8)
        scale = [f32(rng.uniform(0.002, 0.03))]
        return TensorSpec(name, (cells, depth), "int8", scale=scale, zero_point=[0], data=data)

    slots[0] = TensorSpec("x", shape, "int16", scale=[x_scale], zero_point=[0])
    for g, name in enumerate(("input", "forget", "cell", "output")):
        slots[1 + g] = weights(f"{name}_from_input", inputs)
        slots[5 + g] = weights(f"{name}_from_state", cells)
        bias = rng.integers(-(1 << 20), 1 << 20, cells).astype(np.int64)
        slots[12 + g] = TensorSpec(f"{name}_bias", (cells,), "int64", scale=[1e-7], zero_point=[0], data=bias)
    slots[18] = TensorSpec("h", (batches, cells), "int16", scale=[h_scale], zero_point=[0], variable=True)
    slots[19] = TensorSpec("c", (batches, cells), "int16", scale=[2.0**log2], zero_point=[0], variable=True)
    spec = [t for t in slots if t is not None]
    index = {id(t): k for k, t in enumerate(spec)}
    op_inputs = [index[id(t)] if t is not None else -1 for t in slots]
    spec.append(TensorSpec("y", (*shape[:-1], cells), "int16", scale=[h_scale], zero_point=[0]))
    options = {
        "fused_activation_function": "TANH",
        "time_major": time_major,
        "cell_clip": f32(rng.uniform(0.2, 3)) if rng.random() < 0.3 else 0.0,
        "proj_clip": 0.0,
    }
    options.update(overrides)
    label = (
        f"LSTM 16x8 {list(shape)} cells {cells} time_major {time_major} cell 2^{log2} "
        f"clip {options['cell_clip']:.2f}"
    )
    return Case(label, spec, OpSpec("UNIDIRECTIONAL_SEQUENCE_LSTM", op_inputs, [len(spec) - 1], options))


@pytest.mark.parametrize("seed", range(8))
def test_lstm16_random_over_several_invocations(seed: int) -> None:
    rng = np.random.default_rng(9800 + seed)
    assert run_packed([lstm16_case(rng) for _ in range(4)], seed, 5, reference="tflm") > 0


def test_the_cell_tanh_s_three_rescalings() -> None:
    """Cell scales 2^-15 (3, then a rounded right shift), 2^-12 (3) and 2^-4 (3 << 8); a coarse
    cell state saturates its tanh, a fine one clips."""
    assert tanh_scaling(-15) == (3, 3) and tanh_scaling(-12) == (3, 0) and tanh_scaling(-4) == (768, 0)
    rng = np.random.default_rng(9890)
    cases = [lstm16_case(rng, log2) for log2 in (-15, -12, -4)]
    cases.append(lstm16_case(rng, -11, cell_clip=0.5))
    assert run_packed(cases, 3, 6, reference="tflm") > 0


def _named(case: Case, name: str) -> TensorSpec:
    return next(t for t in case.tensors if t.name == name)


def _reasons(case: Case) -> list[str]:
    model = build_model(case.tensors, [case.op], [0], case.op.outputs)
    return lower.unsupported(parse_model(model))


def test_refusals() -> None:
    rng = np.random.default_rng(9891)
    case = lstm16_case(rng)
    case.op.inputs[1] = -1  # CIFG
    assert "no CIFG" in _reasons(case)[0]
    case = lstm16_case(rng)
    _named(case, "h").zero_point = [3]
    assert "nonzero zero point" in _reasons(case)[0]
    case = lstm16_case(rng, fused_activation_function="RELU")
    assert "cell activation RELU" in _reasons(case)[0]
    case = lstm16_case(rng)
    bias = _named(case, "forget_bias")
    bias.data, bias.dtype = bias.data.astype(np.int32), "int32"
    assert "not constant int64" in _reasons(case)[0]
