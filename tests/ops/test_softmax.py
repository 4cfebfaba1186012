"""SOFTMAX and LOG_SOFTMAX int8 -> int8 against LiteRT's reference kernels, bit for bit.

Random shapes (softmax over the last axis of rank 1 to 5 tensors), betas and input scales from
tiny to huge, every possible difference to the row maximum for many scales, rows of equal
values and single peaks, the SOFTMAX of the real models rebuilt as single-op models, the
refusals, and the kernel compiled for the Cortex-M7.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.hostrun import load_host_model
from support.opcheck import Case, check_model, pack, real_model_ops, reference_interpreter, run_packed, spec_of
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.flow.codegen import generate
from simtiny.flow.plan import plan_memory
from simtiny.lower.quant import f32
from simtiny.lower.softmax import softmax_scaling
from simtiny.model import Graph, Operator, parse_model

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"
REAL_MODELS = ("micro_speech_quantized", "person_detect")
OUT_SCALE = 1.0 / 256


def softmax_case(
    shape: tuple[int, ...], in_scale: float, in_zp: int, beta: float, out_scale: float = OUT_SCALE, wide: bool = False
) -> Case:
    """int8 in; int8 out, or with `wide` int16 out (scale 1/65536, zero point -32768)."""
    out = (
        TensorSpec("y", shape, "int16", scale=[1.0 / 65536], zero_point=[-32768])
        if wide
        else (TensorSpec("y", shape, "int8", scale=[f32(out_scale)], zero_point=[-128]))
    )
    tensors = [TensorSpec("x", shape, "int8", scale=[f32(in_scale)], zero_point=[in_zp]), out]
    label = f"SOFTMAX x{shape} scale {f32(in_scale)} zp {in_zp} beta {f32(beta)} out scale {out_scale}"
    return Case(label, tensors, OpSpec("SOFTMAX", [0], [1], {"beta": f32(beta)}))


def run_explicit(cases: list[Case], values: list[list[np.ndarray]]) -> None:
    """Like check_model, with given inputs: values[k] holds one array per case."""
    tensors, op_specs, inputs, outputs, label = pack(cases)
    model = build_model(tensors, op_specs, inputs, outputs)
    graph = parse_model(model)
    assert not lower.unsupported(graph), label
    host = load_host_model(generate(graph, plan_memory(graph)), graph)
    interpreter = reference_interpreter(model)
    for sample in values:
        for detail, value in zip(interpreter.get_input_details(), sample, strict=True):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        got = host.run(sample)
        for k, (detail, g) in enumerate(zip(interpreter.get_output_details(), got, strict=True)):
            want = interpreter.get_tensor(detail["index"])
            np.testing.assert_array_equal(g, want, err_msg=f"output {k} of {label}")


def random_case(rng: np.random.Generator) -> Case:
    rank = int(rng.integers(1, 6))
    shape = [int(v) for v in rng.integers(1, 5, rank)]
    shape[-1] = int(rng.choice([int(rng.integers(1, 12)), int(rng.integers(12, 300))]))
    kind = rng.random()
    if kind < 0.6:
        scale = 10 ** rng.uniform(-3, 0)  # what converters emit for logits
    elif kind < 0.8:
        scale = 10 ** rng.uniform(0, 2)  # large: only near-maximum entries survive
    else:
        scale = 10 ** rng.uniform(-7, -3)  # tiny: everything close to uniform
    beta = 1.0 if rng.random() < 0.6 else 10 ** rng.uniform(-1.5, 1)
    while f32(beta) * f32(scale) * 2**26 <= 1.0:  # LiteRT aborts below this
        scale *= 10
    out_scale = OUT_SCALE if rng.random() < 0.85 else OUT_SCALE * (1 + rng.uniform(-9e-4, 9e-4))
    return softmax_case(tuple(shape), scale, int(rng.integers(-128, 128)), beta, out_scale)


MODELS_RANDOM, CASES_PER_MODEL, SAMPLES = 50, 8, 4


@pytest.mark.parametrize("seed", range(MODELS_RANDOM))
def test_softmax_random(seed: int) -> None:
    rng = np.random.default_rng(5000 + seed)
    assert run_packed([random_case(rng) for _ in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


def all_differences() -> np.ndarray:
    """Rows [127, v] for v = -128..127: each difference 0..-255 to the maximum, paired with 0."""
    return np.stack([np.full(256, 127), np.arange(-128, 128)], axis=1).astype(np.int8)


@pytest.mark.parametrize("group", range(6))
def test_softmax_every_difference(group: int) -> None:
    """For 16 scales per group (log-spaced over 1e-6 .. 60), all 256 differences to the maximum."""
    scales = np.geomspace(1e-6, 60.0, 96)[group::6]
    cases = [softmax_case((256, 2), float(s), int(i * 17 % 256) - 128, 1.0) for i, s in enumerate(scales)]
    run_explicit(cases, [[all_differences() for _ in cases]])


def test_softmax_special_rows() -> None:
    """Rows of equal values, single peaks at either end, -128 floors, and 511 equal entries
    (the most LiteRT accepts: its exponent check fails when 512 entries tie for the maximum)."""
    rng = np.random.default_rng(31)
    shapes = [(1, 1), (3, 7), (2, 64), (1, 511), (4, 10)]
    cases = [
        softmax_case(s, f32(10 ** rng.uniform(-3, 0.5)), int(rng.integers(-128, 128)), 1.0 if i % 2 else 0.5)
        for i, s in enumerate(shapes)
    ]

    def rows(shape: tuple[int, ...], pattern: int) -> np.ndarray:
        x = np.full(shape, -128 if pattern == 1 else 127, dtype=np.int8)
        if pattern == 2:
            x[..., 0] = -128
        if pattern == 3:
            x[..., -1] = 127
            x[..., :-1] = 126
        if pattern == 4:
            x = np.zeros(shape, dtype=np.int8)
            x[..., 0] = 1
        return x

    run_explicit(cases, [[rows(s, pattern) for s in shapes] for pattern in range(5)])


def test_softmax_where_litert_aborts() -> None:
    """512 entries tied at the maximum: LiteRT's TFLITE_CHECK(exponent <= 31) aborts the process
    (measured: SIGABRT), so there is nothing to compare; simtiny gives -128, the limit of its
    rounding shift, and does not crash."""
    case = softmax_case((2, 512), 0.01, 0, 1.0)
    tensors, op = case.tensors, case.op
    graph = parse_model(build_model(tensors, [op], [0], [1]))
    host = load_host_model(generate(graph, plan_memory(graph)), graph)
    x = np.zeros((2, 512), dtype=np.int8)
    x[1, :] = -128
    x[1, :500] = 127  # 500 ties: below the limit, ordinary output
    got = host.run([x])[0]
    assert (got[0] == -128).all()
    one_row = softmax_case((1, 512), 0.01, 0, 1.0).tensors  # the second row alone, LiteRT can do
    interpreter = reference_interpreter(build_model(one_row, [op], [0], [1]))
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x[1:])
    interpreter.invoke()
    np.testing.assert_array_equal(got[1:], interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))


def test_softmax_thousand_classes() -> None:
    """ImageNet-sized rows (1000 and 1001 classes) with logits spread enough to stay in range."""
    cases = [
        softmax_case((1, 1000), 0.1, -20, 1.0),
        softmax_case((2, 1001), 0.25, 0, 1.0),
        softmax_case((1, 1000), 0.06, 5, 2.0),
    ]
    assert run_packed(cases, 33, 6) > 0


def test_scaling_parameters() -> None:
    # beta * scale * 2^26 = 2^26 * 0.0625 = 2^22 -> multiplier 2^30, shift 23, diff_min -floor(31 * 2^3)
    assert softmax_scaling(1.0, 0.0625) == (1 << 30, 23, -248)
    # capped at 2^31 - 1 (large scales): only the maximum of a row survives
    assert softmax_scaling(1.0, 1000.0) == ((1 << 31) - 1, 31, 0)
    assert softmax_scaling(1.0, 2.0**-27) is None


# ---- the real models' SOFTMAX, op by op ------------------------------------------------------


REAL_OPS = real_model_ops(REAL_MODELS, ("SOFTMAX",))


def test_real_models_have_softmax() -> None:
    counts = {name: sum(1 for n, _, _ in REAL_OPS if n == name) for name in REAL_MODELS}
    assert counts == {"micro_speech_quantized": 1, "person_detect": 1}


@pytest.mark.parametrize("entry", REAL_OPS, ids=[f"{n}-op{op.index}" for n, _, op in REAL_OPS])
def test_real_model_op(entry: tuple[str, Graph, Operator]) -> None:
    name, graph, op = entry
    tensors = [spec_of(graph, op.inputs[0], "x"), spec_of(graph, op.outputs[0], "y")]
    spec = OpSpec("SOFTMAX", [0], [1], dict(op.options), op.version)
    label = f"{name} op {op.index} SOFTMAX x{tensors[0].shape} {op.options}"
    check_model(tensors, [spec], [0], [1], np.random.default_rng(op.index), 32, label)
    # and every pair of logits the two- and four-class heads can see, in one go
    depth = tensors[0].shape[-1]
    grid = np.array(np.meshgrid(np.arange(-128, 128), np.arange(-128, 128))).reshape(2, -1).T
    x = np.resize(grid, (grid.shape[0], depth)).astype(np.int8).reshape(-1, *tensors[0].shape[1:])
    big = [
        TensorSpec("x", x.shape, "int8", scale=tensors[0].scale, zero_point=tensors[0].zero_point),
        TensorSpec("y", x.shape, "int8", scale=tensors[1].scale, zero_point=tensors[1].zero_point),
    ]
    run_explicit([Case(label, big, spec)], [[x]])


# ---- refusals ----------------------------------------------------------------------------------


def checked(
    x_dtype: str, y_dtype: str, y_scale: float, y_zp: int, beta: float = 1.0, x_scale: float = 0.1
) -> str | None:
    tensors = [
        TensorSpec("x", (1, 10), x_dtype, scale=[x_scale], zero_point=[0]),
        TensorSpec("y", (1, 10), y_dtype, scale=[y_scale], zero_point=[y_zp]),
    ]
    graph = parse_model(build_model(tensors, [OpSpec("SOFTMAX", [0], [1], {"beta": beta})], [0], [1]))
    lowering = lower.lowering_for(graph.operators[0], graph)
    assert lowering is not None
    return lowering.check(graph.operators[0], graph)


def test_softmax_refusals() -> None:
    assert checked("int8", "int8", OUT_SCALE, -128) is None
    assert checked("int8", "int8", OUT_SCALE * 1.0009, -128) is None  # within LiteRT's 0.1 %
    reason = "output quantization must be scale 1/256, zero point -128 (LiteRT refuses others)"
    assert checked("int8", "int8", OUT_SCALE * 1.002, -128) == reason
    assert checked("int8", "int8", OUT_SCALE, 0) == reason
    assert checked("int8", "int16", 1.0 / 65536, -32768) is None  # keyword_scrambled's last SOFTMAX
    int16_reason = "int16 output quantization must be scale 1/65536, zero point -32768 (LiteRT refuses others)"
    assert checked("int8", "int16", 1.0 / 32768, 0) == int16_reason
    assert checked("int16", "int16", 1.0 / 32768, 0) is None  # the int16 kernel (simtiny.lower.sixteen)
    assert checked("int16", "int8", 1.0 / 256, -128) == "int8 output"
    assert checked("int8", "int8", OUT_SCALE, -128, beta=0.0) == "beta * input scale <= 2^-26 (LiteRT aborts)"
    assert checked("int8", "int8", OUT_SCALE, -128, x_scale=1e-9) == "beta * input scale <= 2^-26 (LiteRT aborts)"


# ---- the kernel builds for the Cortex-M7 -------------------------------------------------------


def test_table_of_exponentials_where_it_pays() -> None:
    """A wide softmax takes scratch for its table of exponentials (one int32 per difference the
    reference keeps, at most 256) and the generated call passes it; a narrow one computes each
    exponential and gets none."""
    for depth, wants_table in ((1000, True), (12, False)):
        case = softmax_case((1, depth), 0.1, 3, 1.0)
        graph = parse_model(build_model(case.tensors, [case.op], [0], [1]))
        _, _, diff_min = softmax_scaling(1.0, f32(0.1))
        entries = min(-diff_min, 255) + 1
        scratch = lower.scratch_bytes(graph.operators[0], graph, False)
        assert scratch == (4 * entries if wants_table else 0), (depth, scratch)
        source = generate(graph, plan_memory(graph)).source
        assert ("(int32_t *)" in source) is wants_table, depth


@pytest.mark.parametrize("seed", range(4))
def test_int16_output_random(seed: int) -> None:
    """int8 -> int16 (keyword_scrambled's last operator): the same exponentials, 16 output bits."""
    rng = np.random.default_rng(6400 + seed)
    cases = []
    for _ in range(5):
        shape = tuple(int(v) for v in rng.integers(1, 12, int(rng.integers(1, 3))))
        cases.append(softmax_case(shape, 10 ** rng.uniform(-3, 0.5), int(rng.integers(-128, 128)), 1.0, wide=True))
    assert run_packed(cases, seed, 8) > 0


# ---- LOG_SOFTMAX ---------------------------------------------------------------------------------


def log_softmax_case(rng: np.random.Generator) -> Case:
    rank = int(rng.integers(1, 4))
    shape = tuple(int(v) for v in rng.integers(1, 12, rank))
    scale = f32(10 ** rng.uniform(-3, 0.5))
    tensors = [
        TensorSpec("x", shape, "int8", scale=[scale], zero_point=[int(rng.integers(-128, 128))]),
        TensorSpec("y", shape, "int8", scale=[16.0 / 256], zero_point=[127]),
    ]
    return Case(f"LOG_SOFTMAX {list(shape)} scale {scale:g}", tensors, OpSpec("LOG_SOFTMAX", [0], [1]))


@pytest.mark.parametrize("seed", range(12))
def test_log_softmax_random(seed: int) -> None:
    """Random shapes and input scales from 1e-3 to 3 (the sum of exponentials from one entry to
    thousands, its logarithm over its whole range)."""
    rng = np.random.default_rng(6600 + seed)
    assert run_packed([log_softmax_case(rng) for _ in range(6)], seed, 8) > 0


def test_log_softmax_refusals() -> None:
    tensors = [
        TensorSpec("x", (1, 5), "int8", scale=[0.1], zero_point=[0]),
        TensorSpec("y", (1, 5), "int8", scale=[1.0 / 256], zero_point=[-128]),
    ]
    graph = parse_model(build_model(tensors, [OpSpec("LOG_SOFTMAX", [0], [1])], [0], [1]))
    assert lower.unsupported(graph) == [
        "LOG_SOFTMAX (output quantization must be scale 16/256, zero point 127 (LiteRT refuses others)) x1 (operator 0)"
    ]
