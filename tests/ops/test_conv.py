"""CONV_2D and DEPTHWISE_CONV_2D int8 against LiteRT's reference kernels, bit for bit.

Random configurations from fixed seeds (several independent operators share one model, to
compile fewer libraries), every convolution of three real models rebuilt as a single-op model
with its own weights, the operators' refusals, and the kernels compiled for the Cortex-M7.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.hostrun import load_host_model
from support.opcheck import (
    Case,
    check_model,
    pack,
    random_input,
    real_model_ops,
    reference_interpreter,
    run_packed,
    spec_of,
)
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.flow.codegen import generate
from simtiny.flow.plan import plan_memory
from simtiny.lower.geometry import out_size_and_padding
from simtiny.lower.quant import f32
from simtiny.model import Graph, Operator, parse_model

MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
REAL_MODELS = ("person_detect", "mcunet-320kb-1mb_imagenet", "mcunet-vww1")


def scale(rng: np.random.Generator, extreme: bool) -> float:
    """A float32 scale: plausible, or (extreme) anywhere over many orders of magnitude."""
    return f32(10 ** rng.uniform(-7, 2) if extreme else 10 ** rng.uniform(-3, -0.7))


def act_tensor(name: str, shape: tuple[int, ...], rng: np.random.Generator, extreme: bool) -> TensorSpec:
    return TensorSpec(name, shape, "int8", scale=[scale(rng, extreme)], zero_point=[int(rng.integers(-128, 128))])


def spread_output(
    name: str, shape: tuple[int, ...], x: TensorSpec, w: TensorSpec, rng: np.random.Generator
) -> TensorSpec:
    """An output scale near the accumulators' spread (about sqrt(input_c) * 74^2 for uniform
    int8), so most outputs land inside the int8 range instead of saturating."""
    assert x.scale is not None and w.scale is not None
    spread = float(np.sqrt(x.shape[3])) * 74.0 * 74.0 * x.scale[0] * max(abs(s) for s in w.scale)
    y_scale = float(np.float32(max(spread, 1e-9) / 40.0 * 10 ** rng.uniform(-0.3, 0.3)))
    return TensorSpec(name, shape, "int8", scale=[y_scale], zero_point=[int(rng.integers(-40, 41))])


def filter_tensor(
    shape: tuple[int, ...],
    axis: int,
    rng: np.random.Generator,
    per_channel: bool,
    extreme: bool,
    zero_points: bool = False,
) -> TensorSpec:
    n = shape[axis] if per_channel else 1
    scales = [scale(rng, extreme) for _ in range(n)]
    if per_channel and rng.random() < 0.2:  # real models have dead (0) and negative channel scales
        scales = [s * float(rng.choice([1, 1, -1, 0])) for s in scales]
    zps = [int(rng.integers(-20, 21)) for _ in range(n)] if zero_points else [0] * n
    low = -128 if rng.random() < 0.5 else -127
    data = rng.integers(low, 128, size=shape, dtype=np.int8)
    return TensorSpec("w", shape, "int8", scale=scales, zero_point=zps, quantized_dimension=axis, data=data)


def bias_tensor(n: int, rng: np.random.Generator, magnitude: int) -> TensorSpec:
    data = rng.integers(-magnitude, magnitude + 1, size=(n,), dtype=np.int32)
    return TensorSpec("b", (n,), "int32", scale=[1e-5] * n, zero_point=[0] * n, data=data)


def geometry(rng: np.random.Generator, max_hw: int = 9):
    """Input size, filter size, stride, dilation and padding with a non-empty output."""
    while True:
        h, w = (int(v) for v in rng.integers(1, max_hw + 1, 2))
        fh, fw = (int(v) for v in rng.integers(1, 6, 2))
        sh, sw = (int(v) for v in rng.choice([1, 1, 2, 3], 2))
        dh, dw = (int(v) for v in (rng.choice([1, 1, 1, 2, 3], 2)))
        padding = str(rng.choice(["SAME", "VALID"]))
        oh, _ = out_size_and_padding(padding, h, fh, sh, dh)
        ow, _ = out_size_and_padding(padding, w, fw, sw, dw)
        if oh >= 1 and ow >= 1:
            return (h, w), (fh, fw), (sh, sw), (dh, dw), padding, (oh, ow)


def window_options(padding: str, stride: int, dilation: int, index: int) -> dict:
    """A convolution's options: square stride and dilation, the activations in turn."""
    return {
        "padding": padding,
        "stride_h": stride,
        "stride_w": stride,
        "dilation_h_factor": dilation,
        "dilation_w_factor": dilation,
        "fused_activation_function": ACTIVATIONS[index % len(ACTIVATIONS)],
    }


def random_conv(rng: np.random.Generator, index: int) -> Case:
    (h, w), (fh, fw), (sh, sw), (dh, dw), padding, (oh, ow) = geometry(rng)
    groups = int(rng.choice([1, 1, 1, 1, 2, 3]))
    fc = int(rng.integers(1, 7))
    oc = groups * int(rng.integers(1, 5))
    batches = int(rng.choice([1, 1, 1, 2, 3]))
    per_channel = bool(rng.random() < 0.6)
    extreme = bool(rng.random() < 0.2)
    activation = str(rng.choice(ACTIVATIONS))
    tensors = [
        act_tensor("x", (batches, h, w, fc * groups), rng, extreme),
        filter_tensor((oc, fh, fw, fc), 0, rng, per_channel, extreme),
        bias_tensor(oc, rng, int(rng.choice([0, 300, 1 << 20, 1 << 24]))),
        act_tensor("y", (batches, oh, ow, oc), rng, extreme),
    ]
    options = {
        "padding": padding,
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h_factor": dh,
        "dilation_w_factor": dw,
        "fused_activation_function": activation,
    }
    label = (
        f"conv#{index} x{tensors[0].shape} w{tensors[1].shape} s{sh},{sw} d{dh},{dw} {padding} "
        f"groups {groups} {activation} {'per-channel' if per_channel else 'per-tensor'}"
        f"{' extreme scales' if extreme else ''}"
    )
    return Case(label, tensors, OpSpec("CONV_2D", [0, 1, 2], [3], options))


def random_depthwise(
    rng: np.random.Generator, index: int, ic: int | None = None, multiplier: int | None = None
) -> Case:
    (h, w), (fh, fw), (sh, sw), (dh, dw), padding, (oh, ow) = geometry(rng)
    ic = int(rng.integers(1, 9)) if ic is None else ic
    multiplier = int(rng.choice([1, 1, 1, 2, 3])) if multiplier is None else multiplier
    oc = ic * multiplier
    batches = int(rng.choice([1, 1, 1, 2, 3]))
    per_channel = bool(rng.random() < 0.6)
    extreme = bool(rng.random() < 0.2)
    filter_zp = bool(rng.random() < 0.15)  # LiteRT's int8 path ignores filter zero points
    with_bias = bool(rng.random() < 0.85)  # depthwise may omit the bias input altogether
    activation = str(rng.choice(ACTIVATIONS))
    tensors = [
        act_tensor("x", (batches, h, w, ic), rng, extreme),
        filter_tensor((1, fh, fw, oc), 3, rng, per_channel, extreme, filter_zp),
        bias_tensor(oc, rng, int(rng.choice([0, 300, 1 << 20, 1 << 24]))),
        act_tensor("y", (batches, oh, ow, oc), rng, extreme),
    ]
    options = {
        "padding": padding,
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h_factor": dh,
        "dilation_w_factor": dw,
        "depth_multiplier": multiplier,
        "fused_activation_function": activation,
    }
    label = (
        f"depthwise#{index} x{tensors[0].shape} w{tensors[1].shape} s{sh},{sw} d{dh},{dw} {padding} "
        f"{activation} {'per-channel' if per_channel else 'per-tensor'}{' filter zp' if filter_zp else ''}"
        f"{'' if with_bias else ' no bias'}{' extreme scales' if extreme else ''}"
    )
    return Case(label, tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2] if with_bias else [0, 1], [3], options))


CONV_MODELS, DEPTHWISE_MODELS, CASES_PER_MODEL, SAMPLES = 60, 60, 6, 4


@pytest.mark.parametrize("seed", range(CONV_MODELS))
def test_conv_random(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    assert run_packed([random_conv(rng, i) for i in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


@pytest.mark.parametrize("seed", range(DEPTHWISE_MODELS))
def test_depthwise_random(seed: int) -> None:
    rng = np.random.default_rng(2000 + seed)
    assert run_packed([random_depthwise(rng, i) for i in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


@pytest.mark.parametrize("seed", range(4))
def test_depthwise_multiplier_of_four_and_more(seed: int) -> None:
    """st_depthwise_conv2d_s8_multiplier (four output channels a pass, the rest one by one):
    multipliers 4 to 12 over one to three input channels, random geometry, against LiteRT."""
    rng = np.random.default_rng(2500 + seed)
    cases = [random_depthwise(rng, i, ic, m) for i, (ic, m) in enumerate([(1, 8), (1, 4), (2, 5), (3, 7), (1, 9),
                                                                            (2, 12)])]  # fmt: skip
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    graph = parse_model(build_model(tensors, op_specs, inputs, outputs))
    source = generate(graph, plan_memory(graph)).source
    assert source.count("st_depthwise_conv2d_s8_multiplier") == len(cases), "every case takes the grouped kernel"
    assert run_packed(cases, seed, SAMPLES) > 0
    """1x1 images and filters, a filter covering the whole image, windows that miss the image."""
    rng = np.random.default_rng(7)
    shapes = [  # (input NHWC, filter OHWI, stride, dilation, padding)
        ((1, 1, 1, 1), (1, 1, 1, 1), 1, 1, "VALID"),
        ((1, 1, 1, 3), (5, 1, 1, 3), 1, 1, "SAME"),
        ((1, 1, 1, 2), (2, 3, 3, 2), 2, 1, "SAME"),
        ((2, 5, 7, 3), (4, 5, 7, 3), 1, 1, "VALID"),
        ((1, 2, 2, 2), (3, 2, 2, 2), 1, 3, "SAME"),  # dilated taps can all fall outside
        ((1, 1, 6, 4), (2, 1, 3, 2), 4, 2, "SAME"),  # grouped, wide stride
        ((1, 9, 1, 1), (1, 4, 1, 1), 3, 2, "VALID"),
    ]
    cases = []
    for i, (xs, ws, s, d, padding) in enumerate(shapes):
        oh, _ = out_size_and_padding(padding, xs[1], ws[1], s, d)
        ow, _ = out_size_and_padding(padding, xs[2], ws[2], s, d)
        tensors = [
            act_tensor("x", xs, rng, False),
            filter_tensor(ws, 0, rng, i % 2 == 0, False),
            bias_tensor(ws[0], rng, 5000),
            act_tensor("y", (xs[0], oh, ow, ws[0]), rng, False),
        ]
        options = {"padding": padding, "stride_h": s, "stride_w": s, "dilation_h_factor": d, "dilation_w_factor": d}
        cases.append(
            Case(f"edge#{i} x{xs} w{ws} s{s} d{d} {padding}", tensors, OpSpec("CONV_2D", [0, 1, 2], [3], options))
        )
        dws = (1, ws[1], ws[2], xs[3])
        tensors = [
            act_tensor("x", xs, rng, False),
            filter_tensor(dws, 3, rng, i % 2 == 1, False),
            bias_tensor(xs[3], rng, 5000),
            act_tensor("y", (xs[0], oh, ow, xs[3]), rng, False),
        ]
        cases.append(
            Case(
                f"edge-dw#{i} x{xs} w{dws} s{s} d{d} {padding}",
                tensors,
                OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options),
            )
        )
    assert run_packed(cases, 7, 8) > 0


def test_extreme_requantization() -> None:
    """Multipliers that saturate (shift > 30) or vanish (shift < -31), saturating outputs."""
    rng = np.random.default_rng(11)
    cases = []
    for i, (sx, sw_, sy) in enumerate(
        [(1.0, 0.3, 1e-9), (1e-6, 1e-6, 10.0), (0.5, 0.5, 2.0**-20), (3e-4, 2e-3, 1e-3), (1e-3, 1e-3, 1e3)]
    ):
        x = TensorSpec("x", (1, 4, 4, 3), "int8", scale=[f32(sx)], zero_point=[-128 + 50 * i])
        w = TensorSpec(
            "w",
            (2, 3, 3, 3),
            "int8",
            scale=[f32(sw_), f32(sw_ * 3)],
            zero_point=[0, 0],
            data=rng.integers(-128, 128, (2, 3, 3, 3), dtype=np.int8),
        )
        y = TensorSpec("y", (1, 4, 4, 2), "int8", scale=[f32(sy)], zero_point=[127 - 60 * i])
        tensors = [x, w, bias_tensor(2, rng, 1 << 30), y]
        options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "fused_activation_function": "RELU"}
        cases.append(Case(f"extreme#{i} scales {sx} {sw_} {sy}", tensors, OpSpec("CONV_2D", [0, 1, 2], [3], options)))
    assert run_packed(cases, 11, 8) > 0


def check_against_zero_bias(tensors: list[TensorSpec], op: OpSpec, samples: int, seed: int) -> None:
    """simtiny runs `op` with bias -1; LiteRT (which refuses a missing bias) gets zeros instead."""
    assert op.inputs[2] == -1
    zero = TensorSpec(
        "zero_bias", (tensors[1].shape[0 if op.opcode == "CONV_2D" else 3],), "int32", scale=[1.0], zero_point=[0]
    )
    zero.data = np.zeros(zero.shape, dtype=np.int32)
    ours = build_model(tensors, [op], [0], [op.outputs[0]])
    ref_op = OpSpec(op.opcode, [op.inputs[0], op.inputs[1], len(tensors)], op.outputs, op.options)
    reference = build_model([*tensors, zero], [ref_op], [0], [op.outputs[0]])
    graph = parse_model(ours)
    assert not lower.unsupported(graph)
    host = load_host_model(generate(graph, plan_memory(graph)), graph)
    interpreter = reference_interpreter(reference)
    rng = np.random.default_rng(seed)
    for _ in range(samples):
        x = random_input(rng, tensors[0])
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        want = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        np.testing.assert_array_equal(host.run([x])[0], want)


@pytest.mark.parametrize("opcode", ["CONV_2D", "DEPTHWISE_CONV_2D"])
def test_bias_minus_one(opcode: str) -> None:
    rng = np.random.default_rng(5)
    conv = opcode == "CONV_2D"
    wshape = (4, 3, 3, 3) if conv else (1, 3, 3, 6)
    tensors = [
        act_tensor("x", (1, 6, 5, 3), rng, False),
        filter_tensor(wshape, 0 if conv else 3, rng, True, False),
        act_tensor("y", (1, 3, 3, wshape[0 if conv else 3]), rng, False),
    ]
    options = {"padding": "SAME", "stride_h": 2, "stride_w": 2, "fused_activation_function": "RELU6"}
    check_against_zero_bias(tensors, OpSpec(opcode, [0, 1, -1], [2], options), 6, 5)


# ---- every convolution of the real models, op by op ------------------------------------------


REAL_OPS = real_model_ops(REAL_MODELS, ("CONV_2D", "DEPTHWISE_CONV_2D"))


def test_real_models_have_convolutions() -> None:
    counts = {name: sum(1 for n, _, _ in REAL_OPS if n == name) for name in REAL_MODELS}
    assert counts == {"person_detect": 28, "mcunet-320kb-1mb_imagenet": 55, "mcunet-vww1": 45}


@pytest.mark.parametrize("entry", REAL_OPS, ids=[f"{n}-op{op.index}-{op.opcode}" for n, _, op in REAL_OPS])
def test_real_model_op(entry: tuple[str, Graph, Operator]) -> None:
    name, graph, op = entry
    roles = ["x", "w", "b"][: len(op.inputs)]
    tensors = [spec_of(graph, i, role) for i, role in zip(op.inputs, roles, strict=False) if i >= 0]
    tensors.append(spec_of(graph, op.outputs[0], "y"))
    inputs = [i for i, t in enumerate(op.inputs) if t >= 0]
    spec = OpSpec(op.opcode, inputs, [len(tensors) - 1], dict(op.options), op.version)
    label = f"{name} op {op.index} {op.opcode} x{tensors[0].shape} w{tensors[1].shape} {op.options}"
    check_model(tensors, [spec], [0], [len(tensors) - 1], np.random.default_rng(op.index), 2, label)


# ---- refusals ----------------------------------------------------------------------------------


def checked(opcode: str, tensors: list[TensorSpec], inputs: list[int], options: dict) -> str | None:
    model = build_model(tensors, [OpSpec(opcode, inputs, [len(tensors) - 1], options)], [0], [len(tensors) - 1])
    graph = parse_model(model)
    return lower.registry()[opcode].check(graph.operators[0], graph)


def refusal_tensors(rng: np.random.Generator, **change) -> list[TensorSpec]:
    x = act_tensor("x", change.get("x", (1, 4, 4, 4)), rng, False)
    w = filter_tensor(change.get("w", (6, 3, 3, 4)), 0, rng, False, False)
    if "w_zp" in change:
        w.zero_point = [change["w_zp"]]
    b = bias_tensor(change.get("b", 6), rng, 10)
    y = act_tensor("y", change.get("y", (1, 4, 4, 6)), rng, False)
    if "dtype" in change:
        x.dtype = change["dtype"]
    return [x, w, b, y]


def test_conv_refusals() -> None:
    rng = np.random.default_rng(3)
    same = {"padding": "SAME", "stride_h": 1, "stride_w": 1}
    assert checked("CONV_2D", refusal_tensors(rng), [0, 1, 2], same) is None
    assert checked("CONV_2D", refusal_tensors(rng, w_zp=3), [0, 1, 2], same) == "non-zero filter zero point"
    tanh = {**same, "fused_activation_function": "TANH"}
    assert checked("CONV_2D", refusal_tensors(rng), [0, 1, 2], tanh) == "fused TANH"
    assert checked("CONV_2D", refusal_tensors(rng, dtype="int16"), [0, 1, 2], same) == "int16 input"
    assert (
        checked("CONV_2D", refusal_tensors(rng, x=(1, 4, 4, 6), w=(4, 3, 3, 4), b=4, y=(1, 4, 4, 4)), [0, 1, 2], same)
        == "6 input channels not a multiple of 4 filter channels"
    )
    assert (
        checked("CONV_2D", refusal_tensors(rng, x=(1, 4, 4, 8), w=(5, 3, 3, 4), b=5, y=(1, 4, 4, 5)), [0, 1, 2], same)
        == "5 output channels not a multiple of 2 groups"
    )
    assert checked("CONV_2D", refusal_tensors(rng, y=(1, 3, 3, 6)), [0, 1, 2], same) == (
        "output shape [1, 3, 3, 6], expected [1, 4, 4, 6]"
    )
    assert (
        checked(
            "CONV_2D",
            refusal_tensors(rng, y=(1, 1, 1, 6)),
            [0, 1, 2],
            {**same, "padding": "VALID", "dilation_h_factor": 3},
        )
        == "filter larger than the padded input"
    )
    assert checked("CONV_2D", refusal_tensors(rng, b=5), [0, 1, 2], same) == ("bias of 5 values for 6 output channels")
    tensors = refusal_tensors(rng)
    tensors[1].scale, tensors[1].zero_point = [0.1, 0.2], [0, 0]
    assert checked("CONV_2D", tensors, [0, 1, 2], same) == "2 filter scales for 6 output channels"
    tensors = refusal_tensors(rng)
    tensors[0].scale, tensors[1].scale, tensors[3].scale = [1.0], [1.0], [f32(2.0**-30)]
    assert checked("CONV_2D", tensors, [0, 1, 2], same) == "requantisation scale input*filter/output >= 2^30"
    tensors = refusal_tensors(rng)
    tensors[1].data = None  # the filter becomes a second runtime input
    assert checked("CONV_2D", tensors, [0, 1, 2], same) == "non-constant weights"


def test_depthwise_refusals() -> None:
    rng = np.random.default_rng(4)
    same = {"padding": "SAME", "stride_h": 1, "stride_w": 1}
    x = act_tensor("x", (1, 4, 4, 4), rng, False)
    y = act_tensor("y", (1, 4, 4, 6), rng, False)
    w = filter_tensor((1, 3, 3, 6), 3, rng, True, False)
    assert checked("DEPTHWISE_CONV_2D", [x, w, y], [0, 1], same) == (
        "6 filter channels not a multiple of 4 input channels"
    )
    w = filter_tensor((2, 3, 3, 8), 3, rng, False, False)
    y = act_tensor("y", (1, 4, 4, 8), rng, False)
    assert checked("DEPTHWISE_CONV_2D", [x, w, y], [0, 1], same) == "filter shape [2, 3, 3, 8] is not [1, H, W, C]"
    w = filter_tensor((1, 3, 3, 8), 0, rng, False, False)
    w.scale, w.zero_point = [0.1] * 8, [0] * 8  # per-channel scales on the wrong axis
    assert checked("DEPTHWISE_CONV_2D", [x, w, y], [0, 1], same) == "8 filter scales for 8 output channels"
    w = filter_tensor((1, 3, 3, 8), 3, rng, True, False)
    assert checked("DEPTHWISE_CONV_2D", [x, w, y], [0, 1], {**same, "fused_activation_function": "SIGN_BIT"}) == (
        "fused SIGN_BIT"
    )
    assert checked("DEPTHWISE_CONV_2D", [x, w, y], [0, 1], same) is None
    # sizes the kernels' int8 fields cannot hold: a stride of 128
    y = act_tensor("y", (1, 1, 1, 8), rng, False)
    assert checked("DEPTHWISE_CONV_2D", [x, w, y], [0, 1], {**same, "stride_h": 128, "stride_w": 128}) == (
        "filter size, depth multiplier, stride, dilation or padding over 127 (int8 in the kernels)"
    )


# ---- the kernels build for the Cortex-M7 -------------------------------------------------------


def test_constant_channels_are_constant_for_the_reference() -> None:
    """constant_outputs' claims checked against LiteRT: a 1x1 layer over one pixel with dead
    channels (tiny scales beside a large bias, a zero scale) and live ones; for each claimed
    channel, the two inputs that drive its accumulator to either end of its range (and random
    ones) give the claimed output, and no live channel is claimed."""
    from simtiny.flow.golden import run_golden_batch
    from simtiny.lower.conv import constant_outputs, effective_scales, quantize_multiplier

    rng = np.random.default_rng(5)
    cin, scales = 24, [0.004, 3e-9, 0.0, 0.006, 2e-9, 1e-8, 0.005, 4e-9]
    x = TensorSpec("x", (1, 1, 1, cin), "int8", scale=[0.02], zero_point=[7])
    data = rng.integers(-127, 128, size=(len(scales), 1, 1, cin), dtype=np.int8)
    w = TensorSpec("w", data.shape, "int8", scale=scales, zero_point=[0] * len(scales), quantized_dimension=0,
                   data=data)  # fmt: skip
    dead = np.array([s < 1e-6 for s in scales])  # large biases there, as BN folding leaves them
    large, small = (rng.integers(-m, m, size=len(scales)) for m in (1 << 30, 3000))
    bias = np.where(dead, large, small).astype(np.int32)
    b = TensorSpec("b", (len(scales),), "int32", scale=[1e-5] * len(scales), zero_point=[0] * len(scales), data=bias)
    y = TensorSpec("y", (1, 1, 1, len(scales)), "int8", scale=[0.05], zero_point=[-3])
    options = {"padding": "VALID", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 1, "dilation_w_factor": 1}
    model = build_model([x, w, b, y], [OpSpec("CONV_2D", [0, 1, 2], [3], options)], [0], [3])
    graph = parse_model(model)
    op = graph.operators[0]
    pairs = [quantize_multiplier(r) for r in effective_scales(op, graph)]
    claims = constant_outputs(op, graph, data.reshape(len(scales), -1), pairs)
    assert set(claims) == set(np.flatnonzero(dead).tolist()), claims  # the dead and zero-scale ones, no live one
    inputs = [rng.integers(-128, 128, size=(1, 1, 1, cin), dtype=np.int8) for _ in range(8)]
    for i in claims:
        for sign in (1, -1):  # each weight's input at the end that moves the sum one way
            inputs.append(np.where(data[i].reshape(1, 1, 1, cin) * sign > 0, 127, -128).astype(np.int8))
    for got in run_golden_batch(model, [[v] for v in inputs]):
        out = got.outputs[0].reshape(-1)
        assert all(int(out[i]) == value for i, value in claims.items()), (out, claims)


def test_narrow_depthwise_runs_transposed_on_the_host() -> None:
    """The portable build of the transposed padded kernels (a narrow image built for time: the
    image through scratch, the filter swapped), each filter and stride, bit for bit against
    LiteRT on random inputs."""
    from simtiny.flow.plan import plan_for

    rng = np.random.default_rng(17)
    for k, s in ((3, 1), (3, 2), (5, 1), (5, 2), (7, 1), (7, 2)):
        x = act_tensor("x", (2, 29, k + 2, 5), rng, False)
        w = filter_tensor((1, k, k, 5), 3, rng, True, False)
        oh, _ = out_size_and_padding("SAME", 29, k, s, 1)
        ow, _ = out_size_and_padding("SAME", k + 2, k, s, 1)
        options = {"padding": "SAME", "stride_h": s, "stride_w": s, "dilation_h_factor": 1, "dilation_w_factor": 1,
                   "depth_multiplier": 1}  # fmt: skip
        tensors = [x, w, bias_tensor(5, rng, 3000), act_tensor("y", (2, oh, ow, 5), rng, False)]
        model = build_model(tensors, [OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)], [0], [3])
        graph = parse_model(model)
        generated = generate(graph, plan_for(graph, 1 << 20, "time"))
        assert f"st_depthwise_conv2d_s8_inplace_padded_t_{k}x{k}s{s}" in generated.source, (k, s)
        host = load_host_model(generated, graph)
        interpreter = reference_interpreter(model)
        for _ in range(3):
            value = random_input(rng, x)
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], value)
            interpreter.invoke()
            want = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
            np.testing.assert_array_equal(host.run([value])[0], want)
