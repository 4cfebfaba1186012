"""The 16x8 kernels (int16 activations, int8 weights) against LiteRT's reference kernels, bit for
bit: CONV_2D and DEPTHWISE_CONV_2D (any stride, dilation, padding and depth multiplier;
per-tensor and per-channel filters; int64 or int32 bias; fused activations), FULLY_CONNECTED
(per-tensor and per-unit) and SOFTMAX int16 over random shapes, scales and betas, and the
refusals LiteRT's Prepare and undefined overflows call for. The converter's own int16 model runs
in tests/test_shapes.py."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.sixteen import log2_if_pot, lut_int16
from simtiny.model import parse_model
from tests.ops.test_batch_matmul import matmul_case as matmul8_case
from tests.ops.test_compare import shapes as compare_shapes
from tests.ops.test_elementwise import random_shapes
from tests.ops.test_transpose_conv import transpose_conv_case as transpose_conv8_case

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def f32(x: float) -> float:
    return float(np.float32(x))


def activation16(name: str, shape: tuple[int, ...], scale: float) -> TensorSpec:
    return TensorSpec(name, shape, "int16", scale=[f32(scale)], zero_point=[0])


def weights(rng: np.random.Generator, shape: tuple[int, ...], per_channel: bool) -> TensorSpec:
    n = shape[0] if per_channel else 1
    scales = [f32(rng.uniform(0.002, 0.05)) for _ in range(n)]
    data = rng.integers(-127, 128, size=shape, dtype=np.int8)
    return TensorSpec("w", shape, "int8", scale=scales, zero_point=[0] * n, data=data)


def bias(rng: np.random.Generator, units: int, x_scale: float, w: TensorSpec, dtype: str) -> TensorSpec:
    scales = [f32(x_scale) * s for s in w.scale or []]
    data = rng.integers(-(1 << 24), 1 << 24, size=units).astype(dtype)
    return TensorSpec("b", (units,), dtype, scale=scales, zero_point=[0] * len(scales), data=data)


def conv_case(rng: np.random.Generator) -> Case:
    h, w_, c = (int(v) for v in rng.integers(1, 9, 3))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    out_c = int(rng.integers(1, 9))
    sh, sw, dh, dw = (int(v) for v in rng.choice([1, 1, 2, 3], 4))
    padding = str(rng.choice(["SAME", "VALID"]))
    oh, _ = out_size_and_padding(padding, h, kh, sh, dh)
    ow, _ = out_size_and_padding(padding, w_, kw, sw, dw)
    if oh < 1 or ow < 1:
        padding, (oh, _), (ow, _) = (
            "SAME",
            *(out_size_and_padding("SAME", n, k, s, d) for n, k, s, d in ((h, kh, sh, dh), (w_, kw, sw, dw))),
        )
    x_scale = f32(10 ** rng.uniform(-5, -3))
    filt = weights(rng, (out_c, kh, kw, c), bool(rng.random() < 0.6))
    real = 10 ** rng.uniform(-4.5, -2)  # input * filter / output: far from the overflow bounds
    y_scale = f32(x_scale * (filt.scale or [1.0])[0] / real)
    tensors = [activation16("x", (1, h, w_, c), x_scale), filt]
    inputs = [0, 1]
    kind = "int64"  # LiteRT's Prepare requires a bias here
    tensors.append(bias(rng, out_c, x_scale, filt, kind))
    inputs.append(2)
    tensors.append(activation16("y", (1, oh, ow, out_c), y_scale))
    activation = str(rng.choice(ACTIVATIONS))
    opts = {
        "padding": padding,
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h_factor": dh,
        "dilation_w_factor": dw,
        "fused_activation_function": activation,
    }
    label = f"CONV_2D 16x8 x[1,{h},{w_},{c}] w{filt.shape} {opts} bias {kind}"
    return Case(label, tensors, OpSpec("CONV_2D", inputs, [len(tensors) - 1], opts))


def depthwise_case(rng: np.random.Generator) -> Case:
    h, w_, c = (int(v) for v in rng.integers(1, 9, 3))
    mult = int(rng.choice([1, 1, 2, 3]))
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    sh, sw, dh, dw = (int(v) for v in rng.choice([1, 1, 2, 3], 4))
    padding = str(rng.choice(["SAME", "VALID"]))
    oh, _ = out_size_and_padding(padding, h, kh, sh, dh)
    ow, _ = out_size_and_padding(padding, w_, kw, sw, dw)
    if oh < 1 or ow < 1:
        padding = "SAME"
        oh, ow = out_size_and_padding("SAME", h, kh, sh, dh)[0], out_size_and_padding("SAME", w_, kw, sw, dw)[0]
    x_scale = f32(10 ** rng.uniform(-5, -3))
    per_channel = bool(rng.random() < 0.6)
    n = c * mult if per_channel else 1
    scales = [f32(rng.uniform(0.002, 0.05)) for _ in range(n)]
    filt = TensorSpec(
        "w",
        (1, kh, kw, c * mult),
        "int8",
        scale=scales,
        zero_point=[0] * n,
        quantized_dimension=3,
        data=rng.integers(-127, 128, size=(1, kh, kw, c * mult), dtype=np.int8),
    )
    y_scale = f32(x_scale * scales[0] / 10 ** rng.uniform(-4, -2))
    tensors = [
        activation16("x", (1, h, w_, c), x_scale),
        filt,
        bias(rng, c * mult, x_scale, filt, "int64"),
        activation16("y", (1, oh, ow, c * mult), y_scale),
    ]
    opts = {
        "padding": padding,
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h_factor": dh,
        "dilation_w_factor": dw,
        "depth_multiplier": mult,
        "fused_activation_function": str(rng.choice(ACTIVATIONS)),
    }
    label = f"DEPTHWISE_CONV_2D 16x8 x[1,{h},{w_},{c}] w{filt.shape} {opts}"
    return Case(label, tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], opts))


def fc_case(rng: np.random.Generator) -> Case:
    rows, depth, units = int(rng.integers(1, 4)), int(rng.integers(1, 300)), int(rng.integers(1, 20))
    x_scale = f32(10 ** rng.uniform(-5, -3))
    filt = weights(rng, (units, depth), bool(rng.random() < 0.5))
    real = 10 ** rng.uniform(-4.5, -2.5)
    tensors = [activation16("x", (rows, depth), x_scale), filt]
    inputs = [0, 1]
    if rng.random() < 0.7:
        tensors.append(bias(rng, units, x_scale, filt, "int64"))
        inputs.append(2)
    tensors.append(activation16("y", (rows, units), f32(x_scale * (filt.scale or [1.0])[0] / real)))
    opts = {"fused_activation_function": str(rng.choice(ACTIVATIONS))}
    label = f"FULLY_CONNECTED 16x8 [{rows},{depth}] x {units} per-unit {len(filt.scale or []) > 1} {opts}"
    return Case(label, tensors, OpSpec("FULLY_CONNECTED", inputs, [len(tensors) - 1], opts))


def softmax_case(rng: np.random.Generator) -> Case:
    rank = int(rng.integers(1, 4))
    shape = tuple(int(v) for v in rng.integers(1, 12, rank))
    x_scale = f32(10 ** rng.uniform(-5, -2.5))
    beta = f32(rng.choice([1.0, 1.0, rng.uniform(0.2, 3.0)]))
    tensors = [activation16("x", shape, x_scale), activation16("y", shape, 1.0 / 32768)]
    return Case(
        f"SOFTMAX int16 {list(shape)} scale {x_scale:g} beta {beta:g}",
        tensors,
        OpSpec("SOFTMAX", [0], [1], {"beta": beta}),
    )


def add_case(rng: np.random.Generator, opcode: str = "ADD") -> Case:
    """ADD (or SUB) int16 as the converter's 16x8 mode writes it (pot_scale_int16 false),
    broadcasting."""
    a, b = random_shapes(rng)
    out = tuple(np.broadcast_shapes(a, b))
    s1, s2 = f32(10 ** rng.uniform(-5, -3)), f32(10 ** rng.uniform(-5, -3))
    so = f32(max(s1, s2) * 10 ** rng.uniform(0.1, 1))
    tensors = [activation16("a", a, s1), activation16("b", b, s2), activation16("y", out, so)]
    # pot_scale_int16 set or not: with scales that are not powers of two, LiteRT's path is the general one
    options = {"fused_activation_function": str(rng.choice(ACTIVATIONS)), "pot_scale_int16": bool(rng.random() < 0.5)}
    case = Case(f"{opcode} int16 {list(a)} {list(b)}", tensors, OpSpec(opcode, [0, 1], [2], options))
    case.inputs = [0, 1]
    return case


def pot_case(rng: np.random.Generator) -> Case:
    """ADD or SUB int16 on LiteRT's power-of-two path: pot_scale_int16 set, every scale a power of
    two, one input at the output's scale and the other at most 2^15 times finer. SUB broadcasts;
    ADD does not (LiteRT's power-of-two ADD aborts on a broadcast: simtiny refuses it)."""
    opcode = str(rng.choice(["ADD", "SUB"]))
    a, b = random_shapes(rng)
    if opcode == "ADD":
        b = a
    out = tuple(np.broadcast_shapes(a, b))
    k = int(rng.integers(-14, -7))
    scales = [2.0**k, 2.0 ** (k - int(rng.choice([0, 1, 3, 7, 15])))]
    if rng.random() < 0.5:
        scales.reverse()
    tensors = [activation16("a", a, scales[0]), activation16("b", b, scales[1]), activation16("y", out, 2.0**k)]
    options = {"fused_activation_function": str(rng.choice(ACTIVATIONS)), "pot_scale_int16": True}
    label = f"{opcode} int16 power of two {list(a)} {list(b)} scales {scales}"
    case = Case(label, tensors, OpSpec(opcode, [0, 1], [2], options))
    case.inputs = [0, 1]
    return case


def mul_case(rng: np.random.Generator) -> Case:
    """MUL int16 as the converter's 16x8 mode writes it, broadcasting; output scales that let the
    products fill the int16 range, and at times saturate it."""
    a, b = random_shapes(rng)
    out = tuple(np.broadcast_shapes(a, b))
    s1, s2 = f32(10 ** rng.uniform(-5, -3)), f32(10 ** rng.uniform(-5, -3))
    so = f32(s1 * s2 * 32768 * 10 ** rng.uniform(-0.5, 1))
    tensors = [activation16("a", a, s1), activation16("b", b, s2), activation16("y", out, so)]
    options = {"fused_activation_function": str(rng.choice(ACTIVATIONS))}
    case = Case(f"MUL int16 {list(a)} {list(b)}", tensors, OpSpec("MUL", [0, 1], [2], options))
    case.inputs = [0, 1]
    return case


def mean_case(rng: np.random.Generator) -> Case:
    """MEAN int16 over random axis sets (a global average pool, as GlobalAveragePooling2D exports)."""
    rank = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.integers(1, 7, rank))
    axes = sorted(int(a) for a in rng.choice(rank, int(rng.integers(1, rank + 1)), replace=False))
    keep = bool(rng.random() < 0.5)
    out = (
        tuple(1 if i in axes else d for i, d in enumerate(shape))
        if keep
        else tuple(d for i, d in enumerate(shape) if i not in axes)
    )
    x_scale = f32(10 ** rng.uniform(-5, -3))
    tensors = [
        activation16("x", shape, x_scale),
        TensorSpec("axes", (len(axes),), "int32", data=np.array(axes, dtype=np.int32)),
        activation16("y", out, f32(x_scale * 10 ** rng.uniform(-0.5, 0.5))),
    ]
    return Case(
        f"MEAN int16 {list(shape)} axes {axes} keep {keep}", tensors, OpSpec("MEAN", [0, 1], [2], {"keep_dims": keep})
    )


def extremum_case(rng: np.random.Generator) -> Case:
    """MAXIMUM or MINIMUM int16, broadcasting: LiteRT compares the stored values, whatever the scales."""
    opcode = str(rng.choice(["MAXIMUM", "MINIMUM"]))
    a, b = random_shapes(rng)
    out = tuple(np.broadcast_shapes(a, b))
    tensors = [activation16(n, shape, f32(10 ** rng.uniform(-5, -3))) for n, shape in (("a", a), ("b", b), ("y", out))]
    case = Case(f"{opcode} int16 {list(a)} {list(b)}", tensors, OpSpec(opcode, [0, 1], [2]))
    case.inputs = [0, 1]
    return case


def compare_case(rng: np.random.Generator) -> Case:
    """A comparison of int16 values, broadcasting to 4-D: LiteRT compares them as stored."""
    opcode = str(rng.choice(["EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL"]))
    a, b = compare_shapes(rng, 4)
    out = tuple(np.broadcast_shapes(a, b))
    tensors = [activation16(n, shape, f32(10 ** rng.uniform(-5, -3))) for n, shape in (("a", a), ("b", b))]
    tensors.append(TensorSpec("y", out, "bool"))
    case = Case(f"{opcode} int16 {list(a)} {list(b)}", tensors, OpSpec(opcode, [0, 1], [2]))
    case.inputs = [0, 1]
    return case


def reduce_minmax_case(rng: np.random.Generator) -> Case:
    """REDUCE_MAX or REDUCE_MIN int16 over a random axis set (the output quantised as the input,
    as LiteRT requires)."""
    case = mean_case(rng)
    x, _, y = case.tensors
    case.tensors[2] = TensorSpec("y", y.shape, "int16", scale=x.scale, zero_point=[0])
    opcode = str(rng.choice(["REDUCE_MAX", "REDUCE_MIN"]))
    return Case(case.label.replace("MEAN", opcode), case.tensors, OpSpec(opcode, [0, 1], [2], case.op.options))


def transpose_conv_case(rng: np.random.Generator) -> Case:
    """TRANSPOSE_CONV 16x8: the int8 case's geometry, int16 activations with zero points 0, an
    int64 bias, per-channel or per-tensor weights."""
    case = transpose_conv8_case(rng)
    shape, w, x, y, *rest = case.tensors
    x_scale = f32(10 ** rng.uniform(-5, -3))
    real = 10 ** rng.uniform(-4, -2)
    tensors = [
        shape,
        w,
        activation16("x", x.shape, x_scale),
        activation16("y", y.shape, f32(x_scale * w.scale[0] / real)),
    ]
    if rest:
        data = rng.integers(-(1 << 24), 1 << 24, w.shape[0]).astype(np.int64)
        tensors.append(TensorSpec("b", (w.shape[0],), "int64", data=data))
    return Case(case.label.replace("TRANSPOSE_CONV", "TRANSPOSE_CONV 16x8"), tensors, case.op, case.inputs)


def matmul_case(rng: np.random.Generator) -> Case:
    """BATCH_MATMUL int16: the int8 case's shapes, adjoints and broadcasting, int16 operands with
    zero points 0 and scales that keep the sums within the output's range most of the time."""
    case = matmul8_case(rng)
    lhs, rhs, y = case.tensors
    s1, s2 = f32(10 ** rng.uniform(-4, -3)), f32(10 ** rng.uniform(-4, -3))
    depth = lhs.shape[-2] if case.op.options["adj_x"] else lhs.shape[-1]
    so = f32(s1 * s2 * np.sqrt(depth) * 32768 * rng.uniform(0.3, 3))
    data = None if rhs.data is None else rng.integers(-32768, 32768, rhs.shape).astype(np.int16)
    tensors = [activation16("lhs", lhs.shape, s1), activation16("rhs", rhs.shape, s2), activation16("y", y.shape, so)]
    tensors[1].data = data
    return Case(case.label.replace("BATCH_MATMUL", "BATCH_MATMUL int16"), tensors, case.op, case.inputs)


GENERATORS = {
    "matmul": matmul_case,
    "transpose_conv": transpose_conv_case,
    "extremum": extremum_case,
    "compare": compare_case,
    "reduce_minmax": reduce_minmax_case,
    "add": add_case,
    "sub": lambda rng: add_case(rng, "SUB"),
    "mean": mean_case,
    "mul": mul_case,
    "pot": pot_case,
    "conv": conv_case,
    "depthwise": depthwise_case,
    "fc": fc_case,
    "softmax": softmax_case,
}


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_random(family: str, seed: int) -> None:
    rng = np.random.default_rng(7100 + 100 * sorted(GENERATORS).index(family) + seed)
    assert run_packed([GENERATORS[family](rng) for _ in range(6)], seed, 6) > 0


def test_the_tables_are_litert_s_shape():
    """Spot values of the two SOFTMAX tables that follow from their definition alone: exp(0) at
    the top of the exp table (32767 in Q0.15, saturated), 1 / (1 + 0) at the bottom of the
    reciprocal table, monotone both."""
    exp_table = lut_int16(10.0 / 65535, 32767, 2.0 / 65535, 0, np.exp)
    reciprocal = lut_int16(1.0 / 65535, -32768, 2.0 / 65535, 0, lambda v: 1.0 / (1.0 + v))
    assert exp_table.shape == reciprocal.shape == (513,)
    assert exp_table[-1] == 32767 and reciprocal[0] == 32767
    assert np.all(np.diff(exp_table.astype(np.int32)) >= 0) and np.all(np.diff(reciprocal.astype(np.int32)) <= 0)


def _reason(tensors: list[TensorSpec], op: OpSpec, inputs: list[int], outputs: list[int]) -> list[str]:
    return lower.unsupported(parse_model(build_model(tensors, [op], inputs, outputs)))


def test_refusals():
    rng = np.random.default_rng(3)
    filt = weights(rng, (4, 8), False)
    nonzero = TensorSpec("x", (1, 8), "int16", scale=[0.001], zero_point=[3])
    got = _reason([nonzero, filt, activation16("y", (1, 4), 0.01)], OpSpec("FULLY_CONNECTED", [0, 1], [2]), [0], [2])
    assert len(got) == 1 and "zero point 3 (LiteRT requires 0)" in got[0], got
    # an output scale so small that some input could overflow the requantisation
    tiny = [activation16("x", (1, 8), 0.01), filt, activation16("y", (1, 4), 1e-9)]
    got = _reason(tiny, OpSpec("FULLY_CONNECTED", [0, 1], [2]), [0], [2])
    assert len(got) == 1 and "requantisation" in got[0], got
    wrong = [activation16("x", (1, 5), 0.001), activation16("y", (1, 5), 1.0 / 256)]
    got = _reason(wrong, OpSpec("SOFTMAX", [0], [1], {"beta": 1.0}), [0], [1])
    assert got == ["SOFTMAX (output scale must be 1/32768 (LiteRT refuses others)) x1 (operator 0)"]


def test_power_of_two_scales_as_litert_judges_them():
    """CheckedLog2: within 1e-3 of a power of two in log2 counts (LiteRT then takes the rounded
    exponent), beyond it does not."""
    assert log2_if_pot(2.0**-10) == -10 and log2_if_pot(2.0**3) == 3
    assert log2_if_pot(2.0**-10 * 1.0005) == -10  # log2 off by 0.0007
    assert log2_if_pot(2.0**-10 * 1.002) is None and log2_if_pot(0.001) is None


def test_power_of_two_refusals():
    def pot(name: str, shape: tuple[int, ...], k: int) -> TensorSpec:
        return activation16(name, shape, 2.0**k)

    options = {"pot_scale_int16": True}
    coarse = [pot("a", (2, 3), -8), pot("b", (2, 3), -10), pot("y", (2, 3), -10)]
    got = _reason(coarse, OpSpec("SUB", [0, 1], [2], options), [0, 1], [2])
    assert len(got) == 1 and "input scales 2^2 and 2^0 times the output's" in got[0], got
    spread = [pot("a", (2, 3), -26), pot("b", (2, 3), -10), pot("y", (2, 3), -10)]
    got = _reason(spread, OpSpec("ADD", [0, 1], [2], options), [0, 1], [2])
    assert len(got) == 1 and "shift above 15" in got[0], got
    broadcast = [pot("a", (2, 3), -10), pot("b", (1, 3), -10), pot("y", (2, 3), -10)]
    got = _reason(broadcast, OpSpec("ADD", [0, 1], [2], options), [0, 1], [2])
    assert len(got) == 1 and "power-of-two int16 ADD with broadcasting" in got[0], got
    # the same broadcast on the general path (pot_scale_int16 false) compiles
    assert _reason(broadcast, OpSpec("ADD", [0, 1], [2], {"pot_scale_int16": False}), [0, 1], [2]) == []
