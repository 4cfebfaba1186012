"""UNIDIRECTIONAL_SEQUENCE_LSTM (int8 in and out, int16 cell state) against LiteRT, bit for bit,
over several invocations in a row: output state and cell state (variable tensors) carry each
invocation's last step into the next. Random batches, steps, widths, layouts (time-major or not),
CIFG, peepholes, projections with and without bias, cell and projection clipping,
cell scales from 2^-15 to 2^-9, and output-state zero points (the state starts at its zero
point, as LiteRT resets int8 variable tensors). TF-Lite Micro's mnist_lstm model runs whole in
tests/test_streaming.py."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.model import parse_model


def f32(x: float) -> float:
    return float(np.float32(x))


def lstm_case(rng: np.random.Generator, layer_norm: bool = False) -> Case:
    batches, steps = int(rng.integers(1, 3)), int(rng.integers(1, 5))
    inputs, cells = int(rng.integers(1, 12)), int(rng.integers(1, 12))
    cifg, projection = rng.random() < 0.3, rng.random() < 0.4
    outputs = int(rng.integers(1, 10)) if projection else cells
    peephole = rng.random() < 0.4 and outputs == cells
    time_major = rng.random() < 0.5
    shape = (steps, batches, inputs) if time_major else (batches, steps, inputs)
    x_scale = f32(10 ** rng.uniform(-2.5, -1))
    h_scale, h_zp = f32(10 ** rng.uniform(-2.5, -1.5)), int(rng.integers(-20, 21))
    log2 = int(rng.integers(-15, -8))
    tensors: list[TensorSpec | None] = [None] * 24

    def weights(name: str, rows: int, depth: int) -> TensorSpec:
        scale = f32(rng.uniform(0.002, 0.03))
        data = rng.integers(-127, 128, (rows, depth), dtype=np.int8)
        return TensorSpec(name, (rows, depth), "int8", scale=[scale], zero_point=[0], data=data)

    def vector(name: str, size: int, dtype: str, bound: int, scale: float) -> TensorSpec:
        data = rng.integers(-bound, bound + 1, size).astype(dtype)
        return TensorSpec(name, (size,), dtype, scale=[scale], zero_point=[0], data=data)

    tensors[0] = TensorSpec("x", shape, "int8", scale=[x_scale], zero_point=[int(rng.integers(-128, 128))])
    for g, name in enumerate(("input", "forget", "cell", "output")):
        if g == 0 and cifg:
            continue
        tensors[1 + g] = weights(f"{name}_from_input", cells, inputs)
        tensors[5 + g] = weights(f"{name}_from_state", cells, outputs)
        tensors[12 + g] = vector(f"{name}_bias", cells, "int32", 3000, 1e-5)
    if peephole:
        for k, name in zip((9, 10, 11), ("input", "forget", "output"), strict=True):
            if not (k == 9 and cifg):
                tensors[k] = vector(f"{name}_peephole", cells, "int16", 2000, f32(rng.uniform(1e-4, 1e-3)))
    if layer_norm:  # coefficients about 1 (0.5 to 2 at their scale) per gate
        for g, name in enumerate(("input", "forget", "cell", "output")):
            if not (g == 0 and cifg):
                ln_scale = f32(rng.uniform(5e-5, 5e-4))
                data = np.round(rng.uniform(0.5, 2.0, cells) / ln_scale).clip(-32768, 32767).astype(np.int16)
                tensors[20 + g] = TensorSpec(
                    f"{name}_norm", (cells,), "int16", scale=[ln_scale], zero_point=[0], data=data
                )
    if projection:
        tensors[16] = weights("projection", outputs, cells)
        if rng.random() < 0.6:
            tensors[17] = vector("projection_bias", outputs, "int32", 2000, 1e-4)
    tensors[18] = TensorSpec("h", (batches, outputs), "int8", scale=[h_scale], zero_point=[h_zp], variable=True)
    tensors[19] = TensorSpec("c", (batches, cells), "int16", scale=[2.0**log2], zero_point=[0], variable=True)
    spec = [t for t in tensors if t is not None]
    index = {id(t): k for k, t in enumerate(spec)}
    op_inputs = [index[id(t)] if t is not None else -1 for t in tensors]
    y_index = len(spec)
    spec.append(TensorSpec("y", (*shape[:-1], outputs), "int8", scale=[h_scale], zero_point=[h_zp]))
    # the five intermediates: four gate scales (unused without layer norm) and the hidden value's
    between = []
    for g in range(4):
        between.append(len(spec))
        if layer_norm:  # the gate's scale before its layer norm
            spec.append(TensorSpec(f"gate{g}", (0,), "int16", scale=[f32(10 ** rng.uniform(-4, -2.5))], zero_point=[0]))
        else:
            spec.append(TensorSpec(f"gate{g}", (0,), "float32"))
    between.append(len(spec))
    hidden_scale = h_scale if not projection else f32(10 ** rng.uniform(-2.5, -1.5))
    hidden_zp = h_zp if not projection else int(rng.integers(-20, 21))
    spec.append(TensorSpec("hidden", (0,), "int8", scale=[hidden_scale], zero_point=[hidden_zp]))
    options = {
        "fused_activation_function": "TANH",
        "time_major": time_major,
        "cell_clip": f32(rng.uniform(0.5, 6)) if rng.random() < 0.3 else 0.0,
        "proj_clip": f32(rng.uniform(0.05, 0.5)) if projection and rng.random() < 0.3 else 0.0,
    }
    label = (
        f"LSTM{' layer-norm' if layer_norm else ''} {list(shape)} cells {cells} outputs {outputs} cifg {cifg} "
        f"peephole {peephole} "
        f"projection {projection} time_major {time_major} cell 2^{log2} clips {options['cell_clip']:.2f}/"
        f"{options['proj_clip']:.2f}"
    )
    op = OpSpec("UNIDIRECTIONAL_SEQUENCE_LSTM", op_inputs, [y_index], options, intermediates=between)
    return Case(label, spec, op)


@pytest.mark.parametrize("seed", range(12))
def test_lstm_random_over_several_invocations(seed: int) -> None:
    rng = np.random.default_rng(9900 + seed)
    assert run_packed([lstm_case(rng) for _ in range(4)], seed, 6) > 0


@pytest.mark.parametrize("seed", range(6))
def test_layer_norm_lstm_over_several_invocations(seed: int) -> None:
    """LiteRT's integer layer norm on every gate (ApplyLayerNorm), its bias moved from the
    products into the norm; TF-Lite Micro refuses these models (measured), LiteRT runs them."""
    rng = np.random.default_rng(9950 + seed)
    assert run_packed([lstm_case(rng, layer_norm=True) for _ in range(4)], seed, 6) > 0


def test_refusals() -> None:
    case = lstm_case(np.random.default_rng(3))
    cell = case.op.inputs[19]
    case.tensors[cell] = TensorSpec(
        "c", case.tensors[cell].shape, "int16", scale=[0.001], zero_point=[0], variable=True
    )
    graph = parse_model(build_model(case.tensors, [case.op], [0], list(case.op.outputs)))
    (reason,) = lower.unsupported(graph)
    assert "cell state scale not a power of two" in reason, reason
