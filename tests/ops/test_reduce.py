"""MEAN, REDUCE_MAX and REDUCE_MIN int8 against LiteRT's reference kernel, bit for bit.

Random axis sets (negative, repeated, all, none of size > 1), keep_dims both ways, equal and
differing quantization, global average pools over H and W, counts that trigger the shift clamps,
every MEAN of the real models rebuilt as a single-op model, the refusals, and the kernel
compiled for the Cortex-M7.
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
from simtiny.lower.reduce import mean_multiplier, split_dims
from simtiny.model import Graph, Operator, parse_model

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"
REAL_MODELS = ("mcunet-vww1", "mobilenet_v2_quantized_1x3x224x224")


def mean_case(
    shape: tuple[int, ...],
    axes: list[int],
    keep: bool,
    q_in: tuple[float, int],
    q_out: tuple[float, int],
    opcode: str = "MEAN",
) -> Case:
    rank = len(shape)
    resolved = {a + rank if a < 0 else a for a in axes}
    out = (
        tuple(1 if i in resolved else d for i, d in enumerate(shape))
        if keep
        else tuple(d for i, d in enumerate(shape) if i not in resolved)
    )
    tensors = [
        TensorSpec("x", shape, "int8", scale=[q_in[0]], zero_point=[q_in[1]]),
        TensorSpec("axes", (len(axes),), "int32", data=np.array(axes, dtype=np.int32)),
        TensorSpec("y", out, "int8", scale=[q_out[0]], zero_point=[q_out[1]]),
    ]
    label = f"{opcode} x{shape} axes {axes} keep_dims {keep} q_in {q_in} q_out {q_out}"
    return Case(label, tensors, OpSpec(opcode, [0, 1], [2], {"keep_dims": keep}))  # axes: tensor 1


def random_case(rng: np.random.Generator, opcode: str = "MEAN") -> Case:
    rank = int(rng.integers(1, 6))
    shape = tuple(int(v) for v in rng.integers(1, 7, rank))
    axes = [int(a) for a in rng.choice(rank, int(rng.integers(1, rank + 1)), replace=False)]
    if rng.random() < 0.3:
        axes = [a - rank if rng.random() < 0.5 else a for a in axes]  # negative axes
    if rng.random() < 0.15:
        axes.append(axes[0])  # a repeated axis counts once
    in_scale = f32(10 ** rng.uniform(-3, -0.5))
    in_zp = int(rng.integers(-128, 128))
    kind = rng.random()
    if kind < 0.35:
        q_out = (in_scale, in_zp)  # what converters emit for MEAN
    elif kind < 0.85:
        q_out = (f32(in_scale * 10 ** rng.uniform(-1, 1)), int(rng.integers(-128, 128)))
    else:
        q_out = (f32(in_scale * 10 ** rng.uniform(-4, 4)), int(rng.integers(-128, 128)))
    return mean_case(shape, axes, bool(rng.random() < 0.5), (in_scale, in_zp), q_out, opcode)


MODELS_RANDOM, CASES_PER_MODEL, SAMPLES = 60, 8, 4


def minmax_case(rng: np.random.Generator) -> Case:
    """REDUCE_MAX or REDUCE_MIN over MEAN's random axis sets, the output quantised as the input
    (LiteRT's reduce.cc fails otherwise: it compares stored values)."""
    case = random_case(rng, str(rng.choice(["REDUCE_MAX", "REDUCE_MIN"])))
    x, _, y = case.tensors
    case.tensors[2] = TensorSpec("y", y.shape, "int8", scale=x.scale, zero_point=x.zero_point)
    return case


@pytest.mark.parametrize("seed", range(16))
def test_reduce_max_min_random(seed: int) -> None:
    """Random axis sets, and global max pools."""
    rng = np.random.default_rng(4500 + seed)
    cases = [minmax_case(rng) for _ in range(CASES_PER_MODEL)]
    if seed == 0:
        q = (0.02, 5)
        cases += [mean_case((1, 7, 5, 16), [1, 2], keep, q, q, "REDUCE_MAX") for keep in (False, True)]
    assert run_packed(cases, seed, SAMPLES) > 0


@pytest.mark.parametrize("seed", range(MODELS_RANDOM))
def test_mean_random(seed: int) -> None:
    rng = np.random.default_rng(4000 + seed)
    assert run_packed([random_case(rng) for _ in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


def arg_case(rng: np.random.Generator) -> Case:
    """ARG_MAX or ARG_MIN over one axis (negative too), int32 or int64 indices, and often a small
    range of values, so that ties (to the first index) are common."""
    rank = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.integers(1, 7, rank))
    axis = int(rng.integers(-rank, rank))
    opcode = str(rng.choice(["ARG_MAX", "ARG_MIN"]))
    out_type = str(rng.choice(["int32", "int64"]))
    axis_type = str(rng.choice(["int32", "int64"]))
    out = tuple(d for i, d in enumerate(shape) if i != axis % rank)
    tensors = [
        TensorSpec("x", shape, "int8", scale=[0.05], zero_point=[int(rng.integers(-128, 128))]),
        TensorSpec("axis", (1,), axis_type, data=np.array([axis], axis_type)),
        TensorSpec("y", out, out_type),
    ]
    options = {"output_type": 2 if out_type == "int32" else 4}  # TensorType INT32, INT64
    return Case(f"{opcode} x{shape} axis {axis} -> {out_type}", tensors, OpSpec(opcode, [0, 1], [2], options))


@pytest.mark.parametrize("seed", range(8))
def test_arg_max_min_random(seed: int) -> None:
    rng = np.random.default_rng(4700 + seed)
    assert run_packed([arg_case(rng) for _ in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


def test_arg_max_min_ties_go_to_the_first_index() -> None:
    rng = np.random.default_rng(1)
    cases = [arg_case(rng) for _ in range(4)]
    for case in cases:  # values from {-1, 0, 1}: most rows hold ties
        case.tensors[0] = TensorSpec("x", case.tensors[0].shape, "int8", scale=[1.0], zero_point=[0])
    tensors, ops, inputs, outputs, label = pack(cases)
    model = build_model(tensors, ops, inputs, outputs)
    graph = parse_model(model)
    assert not lower.unsupported(graph)
    host = load_host_model(generate(graph, plan_memory(graph)), graph)
    interpreter = reference_interpreter(model)
    for _ in range(6):
        values = [rng.integers(-1, 2, size=tensors[i].shape, dtype=np.int8) for i in inputs]
        for detail, value in zip(interpreter.get_input_details(), values, strict=True):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        for detail, got in zip(interpreter.get_output_details(), host.run(values), strict=True):
            np.testing.assert_array_equal(got, interpreter.get_tensor(detail["index"]), err_msg=label)


def test_reduce_max_min_refuse_requantising() -> None:
    case = mean_case((1, 4, 4, 3), [1, 2], False, (0.02, 5), (0.04, 5), "REDUCE_MIN")
    graph = parse_model(build_model(case.tensors, [case.op], [0], [2]))
    assert lower.unsupported(graph) == [
        "REDUCE_MIN (input and output quantised differently (LiteRT's reduce.cc requires the same)) x1 (operator 0)"
    ]


def test_mean_global_pool() -> None:
    """MEAN over axes [1, 2] of NHWC tensors: the converters' global average pool."""
    rng = np.random.default_rng(21)
    cases = []
    for i, (shape, axes, keep) in enumerate(
        [
            ((1, 7, 7, 32), [1, 2], True),
            ((2, 5, 3, 8), [2, 1], True),
            ((1, 12, 12, 4), [1, 2], False),
            ((1, 3, 3, 160), [-3, -2], True),
            ((3, 1, 9, 5), [1, 2], False),
            ((1, 16, 16, 3), [1, 2], True),
        ]
    ):
        scale, zp = f32(10 ** rng.uniform(-2, -0.5)), int(rng.integers(-128, 128))
        q_out = (scale, zp) if i % 2 == 0 else (f32(scale * 0.7), int(rng.integers(-128, 128)))
        cases.append(mean_case(shape, axes, keep, (scale, zp), q_out))
    assert run_packed(cases, 21, 8) > 0


def test_mean_clamped_shifts() -> None:
    """Large counts and tiny or huge scale ratios: the min(.., 32, 31 + shift) clamps, saturation."""
    cases = [
        mean_case((1, 64, 64, 2), [1, 2], True, (0.02, 5), (f32(0.02 * 3e5), -3)),  # ratio ~3e-6
        mean_case((1, 40, 50, 1), [1, 2], False, (0.5, -20), (f32(0.5 * 1e6), 0)),  # folded shift at -31
        mean_case((3, 5), [1], True, (0.5, -20), (f32(0.5 * 1e10), 7)),  # shift < -31: flushed
        mean_case((2, 3), [], False, (0.1, 3), (0.05, -3)),  # no axes: requantised copy
        mean_case((2, 30, 30), [1, 2], True, (1.0, 0), (f32(2**-15), 10)),  # ratio 2^15, saturates
        mean_case((5, 7), [0, 1], False, (f32(3e-3), 127), (f32(1e-4), -128)),
        mean_case((4, 1, 1, 3), [1, 2], True, (0.1, 0), (0.1, 0)),  # only size-1 axes
        mean_case((2, 3, 4, 5, 2, 3), [0, 2, 4], False, (0.05, -7), (0.03, 9)),  # rank 6
        mean_case((2, 2, 2, 2, 2, 2, 2, 2), [7, 1, 3], True, (0.05, 2), (0.05, 2)),  # rank 8
    ]
    assert run_packed(cases, 23, 8) > 0


def test_split_dims() -> None:
    assert split_dims((1, 7, 7, 32), [1, 2]) == ([(32, 1)], [(49, 32)])
    assert split_dims((2, 3, 4), [0, 2]) == ([(3, 4)], [(2, 12), (4, 1)])
    assert split_dims((4, 1, 1, 3), [1, 2]) == ([(12, 1)], [])


def test_mean_multiplier_folds_count() -> None:
    # equal scales: 1.0 = 2^30 * 2^(1-31); count 49 -> shift 5, (2^30 << 5) // 49
    assert mean_multiplier(0.1, 0.1, 49) == ((1 << 35) // 49, 1 - 5)
    # the clamp 31 + shift bounds the folded shift at -31
    m, s = mean_multiplier(1.0, 1e6, 4096)
    assert s == -31 and 0 < m < 1 << 31


# ---- every MEAN of the real models, op by op -------------------------------------------------


REAL_OPS = real_model_ops(REAL_MODELS, ("MEAN",))


def test_real_models_have_means() -> None:
    counts = {name: sum(1 for n, _, _ in REAL_OPS if n == name) for name in REAL_MODELS}
    assert counts == {"mcunet-vww1": 2, "mobilenet_v2_quantized_1x3x224x224": 1}


@pytest.mark.parametrize("entry", REAL_OPS, ids=[f"{n}-op{op.index}" for n, _, op in REAL_OPS])
def test_real_model_op(entry: tuple[str, Graph, Operator]) -> None:
    name, graph, op = entry
    tensors = [
        spec_of(graph, op.inputs[0], "x"),
        spec_of(graph, op.inputs[1], "axes"),
        spec_of(graph, op.outputs[0], "y"),
    ]
    spec = OpSpec("MEAN", [0, 1], [2], dict(op.options), op.version)
    label = f"{name} op {op.index} MEAN x{tensors[0].shape} axes {tensors[1].data} {op.options}"
    check_model(tensors, [spec], [0], [2], np.random.default_rng(op.index), 8, label)


# ---- refusals ----------------------------------------------------------------------------------


def checked(x: TensorSpec, axes: TensorSpec, y: TensorSpec, keep: bool = False) -> str | None:
    tensors = [x, axes, y]
    graph = parse_model(build_model(tensors, [OpSpec("MEAN", [0, 1], [2], {"keep_dims": keep})], [0], [2]))
    return lower.registry()["MEAN"].check(graph.operators[0], graph)


def test_mean_refusals() -> None:
    x = TensorSpec("x", (1, 4, 4, 3), "int8", scale=[0.1], zero_point=[0])
    y = TensorSpec("y", (1, 3), "int8", scale=[0.1], zero_point=[0])
    axes = TensorSpec("axes", (2,), "int32", data=np.array([1, 2], dtype=np.int32))
    assert checked(x, axes, y) is None
    assert checked(x, TensorSpec("axes", (2,), "int32"), y) == "non-constant axes"
    assert checked(x, TensorSpec("axes", (1,), "int32", data=np.array([4], dtype=np.int32)), y) == "axis out of range"
    x16 = TensorSpec("x", (1, 4, 4, 3), "int16", scale=[0.1], zero_point=[0])
    assert checked(x16, axes, y) == "int8 output"  # int16 in, int16 out, or neither
    y16 = TensorSpec("y", (1, 3), "int16", scale=[0.1], zero_point=[0])
    assert checked(x16, axes, y16) is None
    assert checked(TensorSpec("x", (1, 4, 4, 3), "int16", scale=[0.1], zero_point=[5]), axes, y16) == (
        "int16 zero point not 0 (LiteRT requires it)"
    )
    assert checked(x, axes, TensorSpec("y", (1, 1, 1, 3), "int8", scale=[0.1], zero_point=[0])) == (
        "output shape [1, 1, 1, 3], LiteRT computes [1, 3]"
    )
    assert checked(x, axes, TensorSpec("y", (1, 3), "int8", scale=[1e-6], zero_point=[0])) == (
        "input scale / output scale >= 65536"
    )


# ---- the kernel builds for the Cortex-M7 -------------------------------------------------------


def all_case(rng: np.random.Generator) -> Case:
    """REDUCE_ALL over MEAN's random axis sets, on bools."""
    case = random_case(rng, "REDUCE_ALL")
    x, axes, y = case.tensors
    case.tensors = [TensorSpec("x", x.shape, "bool"), axes, TensorSpec("y", y.shape, "bool")]
    return case


@pytest.mark.parametrize("seed", range(6))
def test_reduce_all_random(seed: int) -> None:
    """Bools mostly true, so that some reductions come out true."""
    rng = np.random.default_rng(4700 + seed)

    def mostly_true(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
        return rng.random(spec.shape) < 0.9

    assert run_packed([all_case(rng) for _ in range(CASES_PER_MODEL)], seed, SAMPLES, draw=mostly_true) > 0


# ---- SUM: TF-Lite Micro is its reference (LiteRT 2.3's casts unclamped sums) ----------------------


def sum_case(rng: np.random.Generator, dtype: str = "int8") -> Case:
    """SUM over MEAN's random axis sets, output scales from the input's to a hundred times it
    (sums saturate at times); int16 with zero points 0."""
    case = random_case(rng, "SUM")
    x, axes, y = case.tensors
    in_scale = (x.scale or [1.0])[0]
    out_scale = f32(in_scale * 10 ** rng.uniform(0, 2))
    zps = (0, 0) if dtype == "int16" else (int(rng.integers(-128, 128)), int(rng.integers(-128, 128)))
    tensors = [
        TensorSpec("x", x.shape, dtype, scale=[in_scale], zero_point=[zps[0]]),
        axes,
        TensorSpec("y", y.shape, dtype, scale=[out_scale], zero_point=[zps[1]]),
    ]
    return Case(f"{case.label.split(' q_in')[0]} {dtype}", tensors, case.op)


@pytest.mark.parametrize("seed", range(6))
def test_sum_against_tf_lite_micro(seed: int) -> None:
    rng = np.random.default_rng(4700 + seed)
    cases = [sum_case(rng, "int16" if k % 3 == 2 else "int8") for k in range(CASES_PER_MODEL)]
    assert run_packed(cases, seed, SAMPLES, reference="tflm") > 0


def test_litert_s_sum_is_not_a_reference() -> None:
    """Why SUM is checked against TF-Lite Micro: LiteRT 2.3's reference SUM wraps what TF-Lite
    Micro (and simtiny) saturate. The same model, the same input, the two references compared."""
    from simtiny.flow.golden import run_golden

    tensors = [
        TensorSpec("x", (2, 9), "int16", scale=[0.001], zero_point=[0]),
        TensorSpec("axes", (1,), "int32", data=np.array([1], dtype=np.int32)),
        TensorSpec("y", (2,), "int16", scale=[0.002], zero_point=[0]),
    ]
    model = build_model(tensors, [OpSpec("SUM", [0, 1], [2], {"keep_dims": False})], [0], [2])
    x = np.full((2, 9), 30000, dtype=np.int16)
    litert = run_golden(model, [x]).outputs[0]
    tflm = run_golden(model, [x], reference="tflm").outputs[0]
    assert tflm.tolist() == [32767, 32767] and litert.tolist() != tflm.tolist(), (litert, tflm)
