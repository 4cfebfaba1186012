"""AVERAGE_POOL_2D and MAX_POOL_2D int8 against LiteRT's reference kernels, bit for bit.

Random configurations from fixed seeds (several independent operators share one model, to
compile fewer libraries), edge shapes, every pooling operator of the real models rebuilt as a
single-op model, the refusals, and the kernels compiled for the Cortex-M7.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from support.opcheck import Case, check_model, real_model_ops, run_packed, spec_of
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.quant import f32
from simtiny.model import Graph, Operator, parse_model

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
OPCODES = ("AVERAGE_POOL_2D", "MAX_POOL_2D")
REAL_MODELS = ("person_detect", "mcunet-320kb-1mb_imagenet")


def quant(rng: np.random.Generator, extreme: bool) -> tuple[float, int]:
    scale = f32(10 ** rng.uniform(-6, 2) if extreme else 10 ** rng.uniform(-3, -0.5))
    return scale, int(rng.integers(-128, 128))


def pool_case(
    opcode: str,
    x_shape: tuple[int, int, int, int],
    filt: tuple[int, int],
    stride: tuple[int, int],
    padding: str,
    activation: str,
    q_in: tuple[float, int],
    q_out: tuple[float, int],
    dtype: str = "int8",
) -> Case:
    oh, _ = out_size_and_padding(padding, x_shape[1], filt[0], stride[0])
    ow, _ = out_size_and_padding(padding, x_shape[2], filt[1], stride[1])
    tensors = [
        TensorSpec("x", x_shape, dtype, scale=[q_in[0]], zero_point=[q_in[1]]),
        TensorSpec("y", (x_shape[0], oh, ow, x_shape[3]), dtype, scale=[q_out[0]], zero_point=[q_out[1]]),
    ]
    options = {
        "padding": padding,
        "stride_h": stride[0],
        "stride_w": stride[1],
        "filter_height": filt[0],
        "filter_width": filt[1],
        "fused_activation_function": activation,
    }
    label = f"{opcode} {dtype} x{x_shape} f{filt} s{stride} {padding} {activation} q_in {q_in} q_out {q_out}"
    return Case(label, tensors, OpSpec(opcode, [0], [1], options))


def random_case(rng: np.random.Generator, dtype: str = "int8") -> Case:
    while True:
        h, w = (int(v) for v in rng.integers(1, 11, 2))
        fh, fw = (int(v) for v in rng.integers(1, 6, 2))
        sh, sw = (int(v) for v in rng.choice([1, 1, 2, 2, 3, 4], 2))
        padding = str(rng.choice(["SAME", "VALID"]))
        if out_size_and_padding(padding, h, fh, sh)[0] >= 1 and out_size_and_padding(padding, w, fw, sw)[0] >= 1:
            break
    batches = int(rng.choice([1, 1, 1, 2, 3]))
    depth = int(rng.integers(1, 9))
    extreme = bool(rng.random() < 0.2)
    q_in = quant(rng, extreme)
    # LiteRT only DCHECKs equal input/output quantization; the raw values pass through.
    q_out = quant(rng, extreme) if rng.random() < 0.15 else q_in
    if dtype == "int16":  # the 16x8 mode's activations are symmetric
        q_in, q_out = (q_in[0], 0), (q_out[0], 0)
    return pool_case(
        str(rng.choice(OPCODES)),
        (batches, h, w, depth),
        (fh, fw),
        (sh, sw),
        padding,
        str(rng.choice(ACTIVATIONS)),
        q_in,
        q_out,
        dtype,
    )


MODELS_RANDOM, CASES_PER_MODEL, SAMPLES = 60, 8, 4


@pytest.mark.parametrize("seed", range(MODELS_RANDOM))
def test_pool_random(seed: int) -> None:
    rng = np.random.default_rng(3000 + seed)
    assert run_packed([random_case(rng) for _ in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


@pytest.mark.parametrize("seed", range(12))
def test_pool_random_int16(seed: int) -> None:
    """The converter's 16x8 mode: AVERAGE_POOL_2D and MAX_POOL_2D on int16 activations."""
    rng = np.random.default_rng(3500 + seed)
    assert run_packed([random_case(rng, "int16") for _ in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


def test_pool_edge_shapes() -> None:
    """1x1 images, global pools, filters wider than the image, strides wider than the filter."""
    rng = np.random.default_rng(9)
    shapes = [  # (input NHWC, filter, stride, padding)
        ((1, 1, 1, 1), (1, 1), (1, 1), "VALID"),
        ((1, 1, 1, 5), (3, 3), (2, 2), "SAME"),
        ((2, 7, 7, 16), (7, 7), (7, 7), "VALID"),  # global average pool
        ((1, 6, 6, 3), (6, 6), (1, 1), "SAME"),  # SAME with the filter as large as the image
        ((1, 3, 5, 2), (8, 9), (1, 1), "SAME"),  # filter larger than the image
        ((1, 9, 9, 2), (2, 2), (4, 4), "VALID"),  # stride wider than the filter
        ((1, 10, 3, 1), (3, 1), (3, 1), "SAME"),
        ((3, 2, 8, 4), (1, 5), (1, 3), "SAME"),
        ((1, 4, 6, 3), (5, 7), (8, 8), "SAME"),  # one window over the image, SAME
    ]
    cases = []
    for xs, filt, stride, padding in shapes:
        for opcode in OPCODES:
            q = quant(rng, False)
            cases.append(pool_case(opcode, xs, filt, stride, padding, str(rng.choice(ACTIVATIONS)), q, q))
    assert run_packed(cases, 9, 8) > 0


def test_global_average_pool_kernel() -> None:
    """An AVERAGE_POOL_2D whose one window covers the image calls st_avg_pool_s8_global (checked
    bit for bit with the other edge shapes above); a window that misses a row, and max pools,
    keep the general kernels."""
    from support.opcheck import pack

    from simtiny.flow.codegen import generate
    from simtiny.flow.plan import plan_memory

    rng = np.random.default_rng(3)
    shapes = [((2, 7, 7, 16), (7, 7), (7, 7), "VALID"), ((1, 4, 6, 3), (5, 7), (8, 8), "SAME"),
              ((1, 1, 1, 5), (3, 3), (2, 2), "SAME"), ((1, 7, 7, 4), (6, 7), (7, 7), "VALID")]  # fmt: skip
    cases = [
        pool_case(opcode, xs, filt, stride, padding, "NONE", quant(rng, False), quant(rng, False))
        for xs, filt, stride, padding in shapes
        for opcode in ("AVERAGE_POOL_2D", "MAX_POOL_2D")
    ]
    tensors, ops, inputs, outputs, _ = pack(cases)
    graph = parse_model(build_model(tensors, ops, inputs, outputs))
    source = generate(graph, plan_memory(graph)).source
    names = re.findall(r"(st_\w+_pool_s8\w*)\(&", source)  # in operator order (equal params share a struct)
    assert names == [*["st_avg_pool_s8_global", "st_max_pool_s8"] * 3, "st_avg_pool_s8", "st_max_pool_s8"], names


def test_pool_activation_clamps() -> None:
    """Zero points and scales that make the fused activation bounds bite, or vanish."""
    cases = []
    for i, (scale, zp) in enumerate([(0.05, -128), (0.05, 127), (0.001, 0), (10.0, 3), (0.03, -100), (1.0, 120)]):
        for activation in ACTIVATIONS[1:]:
            for opcode in OPCODES:
                cases.append(
                    pool_case(
                        opcode,
                        (1, 5, 5, 3),
                        (2, 3),
                        (1, 2),
                        "SAME" if i % 2 else "VALID",
                        activation,
                        (f32(scale), zp),
                        (f32(scale), zp),
                    )
                )
    assert run_packed(cases, 13, 6) > 0


# ---- every pooling operator of the real models, op by op ------------------------------------


REAL_OPS = real_model_ops(REAL_MODELS, OPCODES)


def test_real_models_have_pools() -> None:
    counts = {name: sum(1 for n, _, _ in REAL_OPS if n == name) for name in REAL_MODELS}
    assert counts == {"person_detect": 1, "mcunet-320kb-1mb_imagenet": 1}


@pytest.mark.parametrize("entry", REAL_OPS, ids=[f"{n}-op{op.index}-{op.opcode}" for n, _, op in REAL_OPS])
def test_real_model_op(entry: tuple[str, Graph, Operator]) -> None:
    name, graph, op = entry
    tensors = [spec_of(graph, op.inputs[0], "x"), spec_of(graph, op.outputs[0], "y")]
    spec = OpSpec(op.opcode, [0], [1], dict(op.options), op.version)
    label = f"{name} op {op.index} {op.opcode} x{tensors[0].shape} {op.options}"
    check_model(tensors, [spec], [0], [1], np.random.default_rng(op.index), 8, label)


# ---- refusals ----------------------------------------------------------------------------------


def checked(
    opcode: str, x_shape: tuple[int, ...], y_shape: tuple[int, ...], options: dict, dtype: str = "int8"
) -> str | None:
    tensors = [
        TensorSpec("x", x_shape, dtype, scale=[0.1], zero_point=[0]),
        TensorSpec("y", y_shape, dtype, scale=[0.1], zero_point=[0]),
    ]
    graph = parse_model(build_model(tensors, [OpSpec(opcode, [0], [1], options)], [0], [1]))
    return lower.registry()[opcode].check(graph.operators[0], graph)


@pytest.mark.parametrize("opcode", OPCODES)
def test_pool_refusals(opcode: str) -> None:
    valid = {"padding": "VALID", "stride_h": 2, "stride_w": 2, "filter_height": 2, "filter_width": 2}
    assert checked(opcode, (1, 4, 4, 3), (1, 2, 2, 3), valid) is None
    assert checked(opcode, (1, 4, 4, 3), (1, 2, 2, 3), valid, "int16") is None  # the 16x8 mode's
    assert checked(opcode, (1, 4, 4, 3), (1, 2, 2, 3), valid, "int32") == "int32 input"
    assert checked(opcode, (4, 4, 3), (2, 2, 3), valid) == "3-D input (needs 4-D NHWC)"
    assert checked(opcode, (1, 4, 4, 3), (1, 2, 2, 3), {**valid, "fused_activation_function": "TANH"}) == (
        "fused activation TANH"
    )
    assert checked(opcode, (1, 4, 4, 3), (1, 3, 3, 3), valid) == (
        "output shape [1, 3, 3, 3], LiteRT computes [1, 2, 2, 3]"
    )
    assert checked(opcode, (1, 1, 4, 3), (1, 1, 2, 3), {**valid, "filter_height": 3}) == "empty output"


# ---- L2_POOL_2D (float32) ----------------------------------------------------------------------


def l2_pool_case(rng: np.random.Generator) -> Case:
    """L2_POOL_2D float32: random_case's geometry and activation, float tensors."""
    case = random_case(rng)
    x, y = case.tensors
    case.tensors = [TensorSpec("x", x.shape, "float32"), TensorSpec("y", y.shape, "float32")]
    case.op = OpSpec("L2_POOL_2D", [0], [1], case.op.options)
    case.label = "L2_POOL_2D " + case.label
    return case


@pytest.mark.parametrize("seed", range(8))
def test_l2_pool_random(seed: int) -> None:
    rng = np.random.default_rng(3700 + seed)
    assert run_packed([l2_pool_case(rng) for _ in range(CASES_PER_MODEL)], seed, SAMPLES) > 0
