"""CONV_2D 1x1 and DEPTHWISE_CONV_2D in place (output over input 0) against LiteRT, bit for bit.

Each model packs independent operators whose input dies at the operator, so simtiny's memory
planner puts every output over its input; the tests assert that it did (plan.in_place), that
the in-place kernels were emitted with the scratch they asked for, and that the outputs match
LiteRT's reference kernels. The pointwise kernel's out-of-place form runs on the same models
with reuse off. A sample of mcunet-in4's real depthwise and 1x1 layers closes the file.
"""

from __future__ import annotations

import copy
import dataclasses
import re

import numpy as np
import pytest
from support.hostrun import load_host_model
from support.opcheck import Case, pack, random_input, reference_interpreter, spec_of
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.flow.codegen import generate
from simtiny.flow.plan import ALIGN, plan_memory
from simtiny.lower.conv import (
    COLUMNS_STACK_TAPS,
    PADDED_FILTERS,
    POINTWISE_BLOCK,
    POINTWISE_BLOCK_BYTES,
    POINTWISE_LEAN_BLOCK,
    Conv2D,
    pointwise_block,
    pointwise_blocks,
    pointwise_scratch,
)
from simtiny.lower.geometry import out_size_and_padding
from simtiny.model import Graph, Operator, load_model, parse_model
from simtiny.resources import KERNELS_DIR, PAPER_MODELS_DIR
from tests.ops.test_conv import (
    ACTIVATIONS,
    act_tensor,
    bias_tensor,
    check_against_zero_bias,
    filter_tensor,
    spread_output,
)

BENCHMARKS = PAPER_MODELS_DIR


def aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def kernel_of(source: str, index: int) -> str:
    """The kernel the generated code calls for operator `index` (build and twin suffixes dropped)."""
    found = re.findall(rf"(st_\w+?)(?:_general)?(?:_shifts)?\(&op{index}_", source)
    assert len(found) == 1, (index, found)
    return found[0]


def band_of(source: str, index: int) -> int:
    """The output rows per band the generated code passes the padded depthwise kernel."""
    found = re.findall(rf"st_depthwise_conv2d_params op{index}_dwconv = {{[^;]*\.band = (\d+),", source)
    assert len(found) == 1, (index, found)
    return int(found[0])


def quads_of(source: str, index: int) -> int:
    """The quads of channels a pass the generated code passes the quads depthwise kernel (0: all)."""
    found = re.findall(rf"st_depthwise_conv2d_params op{index}_dwconv = {{[^;]*\.quads = (\d+),", source)
    assert len(found) == 1, (index, found)
    return int(found[0])


def block_of(source: str, index: int) -> int:
    """The pixels per block the generated code gives the pointwise kernel."""
    found = re.findall(rf"st_conv1x1_params op{index}_conv1x1 = {{[^;]*\.block = (\d+),", source)
    assert len(found) == 1, (index, found)
    return int(found[0])


def expected_scratch(graph: Graph, index: int, source: str) -> int:
    """What the kernel the generated `source` calls for operator `index` asks for in its header:
    a block of pixels widened to int16, two pixels at a time (1x1); one plane (generic
    depthwise); per plane of a pass a band's zero-padded int16 rows, the tap pairs and (two
    planes or more) the channel's bias and requantisation (padded); the whole image and a
    table of the channels (small); a pass's quad planes of a band's rows and its quads' blocks
    (quads); nothing (2x2 and 4x4 planes)."""
    op = graph.operators[index]
    kernel = kernel_of(source, index)
    x, w, y = (graph.tensor(t) for t in (op.inputs[0], op.inputs[1], op.outputs[0]))
    if op.opcode == "CONV_2D":
        return 4 * ((x.shape[3] + 3) // 4 * 4) * ((block_of(source, index) + 1) // 2)
    if "_padded" in kernel:  # _padded_ one plane, _padded2_ two a pass (or 2 * quads); _t_ transposed: the image first
        planes = 2 * max(quads_of(source, index), 1) if "_padded2_" in kernel else 1
        general = re.search(rf"{kernel}_general(?:_shifts)?\(&op{index}_", source)
        transposed = "_t_" in kernel
        fh, fw, sh, sw = w.shape[1], w.shape[2], op.options["stride_h"], op.options["stride_w"]
        ow = y.shape[1] if transposed else y.shape[2]  # (transposed: a square filter, equal strides)
        pairs = fw // 2 + 1 if sw == 1 else (fw + 1) // 2
        w4 = (ow + 3) // 4 * 4
        cols = w4 + 2 * (fw // 2) if sw == 1 else 2 * w4 + 2 * pairs - 2
        image = (x.shape[1] * x.shape[2] * x.shape[3] + 3) // 4 * 4 if transposed else 0
        constants = (24 if general else 16) if planes > 1 else 0  # a plane's bias and requantisation
        return image + planes * (2 * ((band_of(source, index) - 1) * sh + fh) * cols + 2 * fh * pairs * 4 + constants)
    if kernel.endswith(("_small", "_small4")):  # then per channel its bias and requantisation, then a tap list
        general = re.search(rf"{kernel}_general(?:_shifts)?\(&op{index}_", source)
        image = (x.shape[1] * x.shape[2] * x.shape[3] + 3) // 4 * 4
        window = min(w.shape[1], x.shape[1]) * min(w.shape[2], x.shape[2])
        return image + (24 if general else 16) * x.shape[3] + 8 * window + 8
    if kernel.endswith("_quads_3x3"):  # a pass's quad planes of a band's rows, then 152 bytes a quad
        quads = quads_of(source, index) or x.shape[3] // 4
        cols = (y.shape[2] - 1) * op.options["stride_w"] + 3
        return quads * (8 * ((band_of(source, index) - 1) * op.options["stride_h"] + 3) * cols + 152)
    if kernel.endswith(("_2x2", "_4x4")):
        return 0
    assert kernel == "st_depthwise_conv2d_s8_inplace", kernel
    return x.shape[1] * x.shape[2]


def run_planned(cases: list[Case], seed: int, samples: int, in_place: bool = True) -> int:
    """Plan (in place, or with reuse off: every tensor apart), check the plan and the emitted
    kernels, then compare `samples` random inputs with LiteRT. Returns the elements compared."""
    tensors, op_specs, inputs, outputs, label = pack(cases)
    model = build_model(tensors, op_specs, inputs, outputs)
    graph = parse_model(model)
    assert not lower.unsupported(graph), label
    plan = plan_memory(graph, reuse=in_place)
    generated = generate(graph, plan)
    n = len(op_specs)
    if in_place:
        assert plan.in_place == set(range(n)), f"{label}: in place {sorted(plan.in_place)} of {n}"
        for i, op in enumerate(graph.operators):
            assert plan.offsets[op.outputs[0]] == plan.offsets[op.inputs[0]], label
            sizes = {b.key: b.size for b in plan.buffers}  # (no buffer where a kernel needs no scratch)
            assert sizes.get(-i - 1, 0) == aligned(expected_scratch(graph, i, generated.source)), label
        kernels = (
            r"_inplace(?:_padded2?(?:_t)?_\d+x\d+s\d|_small4?|_quads_3x3|_[24]x[24]|_pairs|_narrow)?(?:_general)?(?:_shifts)?\(&"
        )
        calls = re.findall(kernels, generated.source)
        assert len(calls) == n, label
    else:
        assert not plan.in_place and not re.search(r"_inplace\w*\(&", generated.source), label
    host = load_host_model(generated, graph)
    interpreter = reference_interpreter(model)
    rng = np.random.default_rng(seed)
    elements = 0
    for sample in range(samples):
        values = [random_input(rng, tensors[i]) for i in inputs]
        for detail, value in zip(interpreter.get_input_details(), values, strict=True):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        want = [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]
        for k, (w, g) in enumerate(zip(want, host.run(values), strict=True)):
            assert w.shape == g.shape, f"{label}: output {k} shape {g.shape}, LiteRT {w.shape}"
            diff = np.flatnonzero(w.reshape(-1) != g.reshape(-1))
            if diff.size:
                i = int(diff[0])
                raise AssertionError(
                    f"{label}: sample {sample} output {k} ({'in place' if in_place else 'apart'}): "
                    f"{diff.size} of {w.size} differ; first at {i}: simtiny {g.reshape(-1)[i]}, "
                    f"LiteRT {w.reshape(-1)[i]}"
                )
            elements += w.size
    return elements


# ---- pointwise (1x1, stride 1) ----------------------------------------------------------------


def channels(rng: np.random.Generator, kind: str) -> tuple[int, int]:
    """(Cin, Cout) expanding, contracting or equal; odd and tiny sizes included."""
    a, b = sorted(int(v) for v in rng.choice([1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 24, 33], 2, replace=False))
    if kind == "expand":
        return a, b
    if kind == "contract":
        return b, a
    return a, a


def random_pointwise(rng: np.random.Generator, index: int, kind: str) -> Case:
    cin, cout = channels(rng, kind)
    h, w = (int(v) for v in rng.integers(1, 10, 2))
    batches = int(rng.choice([1, 1, 1, 2]))
    per_channel = bool(rng.random() < 0.6)
    extreme = bool(rng.random() < 0.15)
    activation = str(rng.choice(ACTIVATIONS))
    padding = str(rng.choice(["SAME", "VALID"]))
    dilation = int(rng.choice([1, 1, 1, 2]))  # changes nothing for a 1x1 filter
    tensors = [
        act_tensor("x", (batches, h, w, cin), rng, extreme),
        filter_tensor((cout, 1, 1, cin), 0, rng, per_channel, extreme),
        bias_tensor(cout, rng, int(rng.choice([0, 300, 1 << 20, 1 << 24]))),
        act_tensor("y", (batches, h, w, cout), rng, extreme),
    ]
    options = {
        "padding": padding,
        "stride_h": 1,
        "stride_w": 1,
        "dilation_h_factor": dilation,
        "dilation_w_factor": dilation,
        "fused_activation_function": activation,
    }
    label = (
        f"1x1#{index} {kind} x{tensors[0].shape} w{tensors[1].shape} {padding} d{dilation} {activation} "
        f"{'per-channel' if per_channel else 'per-tensor'}{' extreme scales' if extreme else ''}"
    )
    return Case(label, tensors, OpSpec("CONV_2D", [0, 1, 2], [3], options))


POINTWISE_MODELS, DEPTHWISE_MODELS, CASES_PER_MODEL, SAMPLES = 30, 40, 6, 4


@pytest.mark.parametrize("seed", range(POINTWISE_MODELS))
def test_pointwise_in_place(seed: int) -> None:
    rng = np.random.default_rng(3000 + seed)
    kinds = ["expand", "contract", "equal"]
    cases = [random_pointwise(rng, i, kinds[(seed + i) % 3]) for i in range(CASES_PER_MODEL)]
    assert run_planned(cases, seed, SAMPLES) > 0


@pytest.mark.parametrize("seed", range(0, POINTWISE_MODELS, 3))
def test_pointwise_apart(seed: int) -> None:
    """The pointwise kernel out of place, on the same operators."""
    rng = np.random.default_rng(3000 + seed)
    kinds = ["expand", "contract", "equal"]
    cases = [random_pointwise(rng, i, kinds[(seed + i) % 3]) for i in range(CASES_PER_MODEL)]
    assert run_planned(cases, seed, SAMPLES, in_place=False) > 0


def ballast(rng: np.random.Generator) -> Case:
    """A depthwise layer (dilation 2: the generic kernel, one plane of scratch) larger than the
    other cases, so that their fast kernels' scratch fits under its peak."""
    tensors = [
        act_tensor("x", (1, 128, 128, 2), rng, False),
        filter_tensor((1, 3, 3, 2), 3, rng, True, False),
        bias_tensor(2, rng, 500),
        act_tensor("y", (1, 128, 128, 2), rng, False),
    ]
    options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 2, "dilation_w_factor": 2}
    return Case("ballast", tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options))


def test_pointwise_blocks() -> None:
    """conv1x1_s8's pixel blocks: alone in its model a layer runs lean (blocks of two pixels, the
    least scratch); beside a larger layer, blocks of up to POINTWISE_BLOCK (pointwise_block).
    Pixel counts below, at and past a block, odd ones (a last pixel paired with itself);
    expanding (blocks last to first), contracting, odd channel counts and input_c % 4 tails."""
    rng = np.random.default_rng(37)
    for cin, cout in ((8, 24), (24, 8), (5, 7)):
        for pixels in (1, 3, 9, 21, POINTWISE_BLOCK, POINTWISE_BLOCK + 13):
            tensors = [
                act_tensor("x", (1, 1, pixels, cin), rng, False),
                filter_tensor((cout, 1, 1, cin), 0, rng, True, False),
                bias_tensor(cout, rng, 3000),
                act_tensor("y", (1, 1, pixels, cout), rng, False),
            ]
            options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "fused_activation_function": "RELU"}
            case = Case(f"1x1 {cin}->{cout} x{pixels}", tensors, OpSpec("CONV_2D", [0, 1, 2], [3], options))
            fast, lean = pointwise_block(pixels, cin, False), pointwise_block(pixels, cin, True)
            widest = POINTWISE_BLOCK_BYTES // (2 * ((cin + 3) // 4 * 4)) & ~3  # the pixels that scratch cap holds
            assert fast == min(pixels, POINTWISE_BLOCK, widest) and lean == min(pixels, POINTWISE_LEAN_BLOCK)
            widened = 4 * ((cin + 3) // 4 * 4)  # scratch bytes per pair of pixels
            if aligned(widened * ((fast + 1) // 2)) == aligned(widened * ((lean + 1) // 2)):  # no need
                lean = fast
            for cases, block in (([case], lean), ([case, ballast(rng)], fast)):
                graph = parse_model(build_model(*pack(cases)[:4]))
                assert block_of(generate(graph, plan_memory(graph)).source, 0) == block, case.label
                assert run_planned(cases, 37, 2) > 0


def test_pointwise_every_activation_and_quantization() -> None:
    """Each fused activation, per channel and per tensor, expanding and contracting."""
    rng = np.random.default_rng(31)
    cases = []
    for i, activation in enumerate(ACTIVATIONS):
        for per_channel in (False, True):
            for cin, cout in ((5, 19), (19, 5), (9, 9)):
                tensors = [
                    act_tensor("x", (1, 3, 5, cin), rng, False),
                    filter_tensor((cout, 1, 1, cin), 0, rng, per_channel, False),
                    bias_tensor(cout, rng, 3000),
                    act_tensor("y", (1, 3, 5, cout), rng, False),
                ]
                options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "fused_activation_function": activation}
                cases.append(
                    Case(
                        f"1x1 {activation} {per_channel} {cin}->{cout}#{i}",
                        tensors,
                        OpSpec("CONV_2D", [0, 1, 2], [3], options),
                    )
                )
    assert run_planned(cases, 31, 6) > 0


@pytest.mark.parametrize("shape", [(3, 11), (11, 3)])
def test_pointwise_without_bias(shape: tuple[int, int]) -> None:
    """No bias input (LiteRT's reference gets zeros instead, as it refuses a missing bias)."""
    rng = np.random.default_rng(shape[0])
    cin, cout = shape
    tensors = [
        act_tensor("x", (1, 4, 3, cin), rng, False),
        filter_tensor((cout, 1, 1, cin), 0, rng, True, False),
        act_tensor("y", (1, 4, 3, cout), rng, False),
    ]
    options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "fused_activation_function": "RELU"}
    graph = parse_model(build_model(tensors, [OpSpec("CONV_2D", [0, 1, -1], [2], options)], [0], [2]))
    assert plan_memory(graph).in_place == {0}
    check_against_zero_bias(tensors, OpSpec("CONV_2D", [0, 1, -1], [2], options), 6, shape[0])


# ---- depthwise, depth multiplier 1 ------------------------------------------------------------


def random_depthwise(rng: np.random.Generator, index: int) -> Case:
    while True:
        h, w = (int(v) for v in rng.integers(1, 13, 2))
        k = int(rng.choice([1, 3, 3, 5, 7]))
        fh, fw = (k, k) if rng.random() < 0.85 else (int(v) for v in rng.integers(1, 6, 2))
        sh = int(rng.choice([1, 2, 2, 3]))
        sw = sh if rng.random() < 0.8 else int(rng.choice([1, 2]))
        d = int(rng.choice([1, 1, 1, 2, 3]))
        padding = str(rng.choice(["SAME", "VALID"]))
        oh, _ = out_size_and_padding(padding, h, fh, sh, d)
        ow, _ = out_size_and_padding(padding, w, fw, sw, d)
        if oh >= 1 and ow >= 1:
            break
    c = int(rng.integers(1, 13))
    batches = int(rng.choice([1, 1, 1, 1, 2]))
    per_channel = bool(rng.random() < 0.6)
    extreme = bool(rng.random() < 0.15)
    filter_zp = bool(rng.random() < 0.1)
    with_bias = bool(rng.random() < 0.85)
    activation = str(rng.choice(ACTIVATIONS))
    tensors = [
        act_tensor("x", (batches, h, w, c), rng, extreme),
        filter_tensor((1, fh, fw, c), 3, rng, per_channel, extreme, filter_zp),
        bias_tensor(c, rng, int(rng.choice([0, 300, 1 << 20, 1 << 24]))),
        act_tensor("y", (batches, oh, ow, c), rng, extreme),
    ]
    options = {
        "padding": padding,
        "stride_h": sh,
        "stride_w": sw,
        "dilation_h_factor": d,
        "dilation_w_factor": d,
        "depth_multiplier": 1,
        "fused_activation_function": activation,
    }
    label = (
        f"dw#{index} x{tensors[0].shape} k{fh}x{fw} s{sh},{sw} d{d} {padding} {activation} "
        f"{'per-channel' if per_channel else 'per-tensor'}{'' if with_bias else ' no bias'}"
        f"{' extreme scales' if extreme else ''}"
    )
    return Case(label, tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2] if with_bias else [0, 1], [3], options))


@pytest.mark.parametrize("seed", range(DEPTHWISE_MODELS))
def test_depthwise_in_place(seed: int) -> None:
    rng = np.random.default_rng(4000 + seed)
    assert run_planned([random_depthwise(rng, i) for i in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


@pytest.mark.parametrize("seed", range(0, DEPTHWISE_MODELS, 5))
def test_depthwise_apart(seed: int) -> None:
    """The same operators out of place (the NHWC kernel, depth multiplier 1)."""
    rng = np.random.default_rng(4000 + seed)
    cases = [random_depthwise(rng, i) for i in range(CASES_PER_MODEL)]
    assert run_planned(cases, seed, SAMPLES, in_place=False) > 0


def test_depthwise_in_place_grid() -> None:
    """Kernels 3, 5 and 7, strides 1 and 2, SAME and VALID, dilation 1 and 2, on odd sizes."""
    rng = np.random.default_rng(41)
    cases = []
    for k in (3, 5, 7):
        for s in (1, 2):
            for padding in ("SAME", "VALID"):
                for d in (1, 2):
                    h = 9 + 2 * d * (k // 2)
                    w = h + 2
                    oh, _ = out_size_and_padding(padding, h, k, s, d)
                    ow, _ = out_size_and_padding(padding, w, k, s, d)
                    tensors = [
                        act_tensor("x", (1, h, w, 7), rng, False),
                        filter_tensor((1, k, k, 7), 3, rng, bool((k + s + d) % 2), False),
                        bias_tensor(7, rng, 5000),
                        act_tensor("y", (1, oh, ow, 7), rng, False),
                    ]
                    options = {
                        "padding": padding,
                        "stride_h": s,
                        "stride_w": s,
                        "dilation_h_factor": d,
                        "dilation_w_factor": d,
                        "fused_activation_function": ACTIVATIONS[(k + s) % 4],
                    }
                    cases.append(
                        Case(
                            f"dw k{k} s{s} {padding} d{d}",
                            tensors,
                            OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options),
                        )
                    )
    assert run_planned(cases, 41, 4) > 0


def test_depthwise_padded_in_bands() -> None:
    """Alone in its model, a padded depthwise layer runs lean: its output rows a band at a time,
    in the generic kernel's one plane of scratch. Every padded filter and stride, SAME and VALID,
    two batches, bands that do not divide the output rows."""
    rng = np.random.default_rng(43)
    short_last_band = 0
    for fh, fw, sw in PADDED_FILTERS:
        for padding in ("SAME", "VALID"):
            h, w = 31, 23
            oh, _ = out_size_and_padding(padding, h, fh, sw, 1)
            ow, _ = out_size_and_padding(padding, w, fw, sw, 1)
            tensors = [
                act_tensor("x", (2, h, w, 5), rng, False),
                filter_tensor((1, fh, fw, 5), 3, rng, padding == "SAME", False),
                bias_tensor(5, rng, 5000),
                act_tensor("y", (2, oh, ow, 5), rng, False),
            ]
            options = {"padding": padding, "stride_h": sw, "stride_w": sw, "fused_activation_function": "RELU6"}
            case = Case(f"dw k{fh} s{sw} {padding}", tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options))
            graph = parse_model(build_model(*pack([case])[:4]))
            source = generate(graph, plan_memory(graph)).source
            assert kernel_of(source, 0).startswith("st_depthwise_conv2d_s8_inplace_padded_"), case.label
            band = band_of(source, 0)
            assert 1 <= band < oh, (case.label, band, oh)
            short_last_band += oh % band != 0
            assert run_planned([case], 43, 2) > 0
    assert short_last_band >= 5


QUADS_CASES = [  # (batches, h, w, c, stride, padding)
    (1, 6, 6, 4, 1, "SAME"),
    (1, 5, 7, 8, 1, "SAME"),
    (1, 11, 9, 12, 2, "SAME"),
    (1, 12, 12, 16, 2, "SAME"),
    (2, 6, 9, 4, 1, "VALID"),
    (1, 13, 10, 8, 2, "VALID"),
    (1, 4, 5, 36, 1, "SAME"),
    (1, 9, 14, 4, 2, "SAME"),
    (2, 10, 5, 8, 1, "SAME"),
    (1, 9, 3, 28, 1, "SAME"),  # rows of three pixels, seven quads: the fill pixel by pixel, an odd last quad
    (1, 10, 4, 32, 1, "VALID"),
]
# planes small beside the filter, where most taps are padding: the small kernel's, and the 2x2
# plane's kernel at stride 1
TINY_CASES = [(1, 2, 2, 36, 1, "SAME"), (1, 1, 1, 4, 1, "SAME"), (1, 4, 4, 12, 2, "SAME")]


def quads_case(rng: np.random.Generator, batches: int, h: int, w: int, c: int, s: int, padding: str) -> Case:
    """A 3x3 depthwise layer the quads kernel takes (input_c a multiple of 4, no activation, so
    that st_requantize_fast is exact)."""
    oh, _ = out_size_and_padding(padding, h, 3, s, 1)
    ow, _ = out_size_and_padding(padding, w, 3, s, 1)
    x, weights = act_tensor("x", (batches, h, w, c), rng, False), filter_tensor((1, 3, 3, c), 3, rng, c % 8 == 0, False)
    assert weights.scale is not None  # positive scales: st_requantize_fast takes multipliers >= 0
    weights = dataclasses.replace(weights, scale=[abs(v) or 1e-3 for v in weights.scale])
    tensors = [x, weights, bias_tensor(c, rng, 5000), spread_output("y", (batches, oh, ow, c), x, weights, rng)]
    options = {"padding": padding, "stride_h": s, "stride_w": s, "depth_multiplier": 1}
    label = f"dw quads {batches}x{h}x{w}x{c} s{s} {padding}"
    return Case(label, tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options))


def test_quads_grid() -> None:
    """A model whose depthwise filters are all 3x3 (quads_linked) runs those with input_c a
    multiple of 4 on the quads kernel: beside a larger layer (the ballast), whole planes and all
    channels a pass. Strides 1 and 2, SAME and VALID, odd sizes, two batches, per tensor and per
    channel; tiny planes (1x1, a 2x2 output) on the small kernel instead, and a 2x2 plane on its
    kernel. Bit for bit against LiteRT (the portable twin on the host; test_dsp_kernels runs
    the DSP path)."""
    rng = np.random.default_rng(47)
    cases = [quads_case(rng, *case) for case in QUADS_CASES + TINY_CASES] + [ballast(rng)]
    graph = parse_model(build_model(*pack(cases)[:4]))
    source = generate(graph, plan_memory(graph)).source
    for i, case in enumerate(QUADS_CASES):
        assert kernel_of(source, i) == "st_depthwise_conv2d_s8_inplace_quads_3x3", (case, kernel_of(source, i))
        assert quads_of(source, i) == 0 and band_of(source, i) == graph.tensor(graph.operators[i].outputs[0]).shape[1]
    for i, case in enumerate(TINY_CASES, len(QUADS_CASES)):
        tiny = f"_{case[1]}x{case[2]}" if case[1] == case[2] in (2, 4) and case[4] == 1 else "_small4"
        assert kernel_of(source, i) == "st_depthwise_conv2d_s8_inplace" + tiny, (case, kernel_of(source, i))
    assert run_planned(cases, 47, 3) > 0


def test_small_plane_kernels() -> None:
    """3x3 layers over 2x2 and 4x4 planes (stride 1, SAME) take their planes' kernels in place,
    with no scratch, two batches and odd channel counts; bit for bit against LiteRT (the
    portable C on the host; test_dsp_kernels runs the assembly)."""
    rng = np.random.default_rng(29)
    cases = [quads_case(rng, 2, side, side, c, 1, "SAME") for side, c in ((2, 5), (4, 7), (4, 12))]
    graph = parse_model(build_model(*pack(cases)[:4]))
    source = generate(graph, plan_memory(graph)).source
    assert [kernel_of(source, i) for i in range(3)] == [
        "st_depthwise_conv2d_s8_inplace_2x2", *["st_depthwise_conv2d_s8_inplace_4x4"] * 2
    ]
    assert run_planned(cases, 29, 3) > 0


def quads_levels(stride: int) -> dict[str, list[Case]]:
    """For each level of the quads kernel (whole planes, bands of output rows, passes of fewer
    quads of channels), a model where a 16x17x8 layer takes it: a ballast of h x h x 2 (the
    generic kernel, dilation 2) beside it sets the room."""
    rng = np.random.default_rng(53 + stride)
    layer = quads_case(rng, 1, 16, 17, 8, stride, "SAME")
    levels: dict[str, list[Case]] = {}
    for h in range(100, 20, -1):
        tensors = [
            act_tensor("x", (1, h, h, 2), rng, False),
            filter_tensor((1, 3, 3, 2), 3, rng, True, False),
            bias_tensor(2, rng, 500),
            act_tensor("y", (1, h, h, 2), rng, False),
        ]
        options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 2, "dilation_w_factor": 2}
        cases = [layer, Case(f"ballast {h}", tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options))]
        graph = parse_model(build_model(*pack(cases)[:4]))
        source = generate(graph, plan_memory(graph)).source
        if kernel_of(source, 0) != "st_depthwise_conv2d_s8_inplace_quads_3x3":
            break  # too little room even for one quad a pass
        oh = graph.tensor(graph.operators[0].outputs[0]).shape[1]
        band, quads = band_of(source, 0), quads_of(source, 0)
        levels.setdefault("whole" if (band, quads) == (oh, 0) else "bands" if quads == 0 else "passes", cases)
    return levels


@pytest.mark.parametrize("stride", [1, 2])
def test_quads_levels(stride: int) -> None:
    """With less room beside it, the quads kernel steps down its levels (quads_variants): bands
    of output rows (the rows two bands share kept in scratch), then passes of fewer quads of
    channels. Each level reached, bit for bit against LiteRT."""
    levels = quads_levels(stride)
    assert set(levels) == {"whole", "bands", "passes"}, set(levels)
    for cases in levels.values():
        assert run_planned(cases, 53, 2) > 0, cases[1].label


def test_quads_falls_back_on_padded_where_it_cannot_fit() -> None:
    """A narrow image (KWS's 25x5x64) alone in its model: the quads kernel's leanest level (three
    rows of a quad plane and a quads_block) needs more scratch than the generic kernel's plane,
    so the padded kernel is offered too and takes the layer in bands of rows, rather than the
    generic kernel (which runs 15 times slower); bit for bit against LiteRT."""
    rng = np.random.default_rng(67)
    case = quads_case(rng, 1, 25, 5, 64, 1, "SAME")
    graph = parse_model(build_model(*pack([case])[:4]))
    source = generate(graph, plan_memory(graph)).source
    assert kernel_of(source, 0).startswith("st_depthwise_conv2d_s8_inplace_padded"), kernel_of(source, 0)
    assert run_planned([case], 67, 2) > 0


def test_quads_only_where_every_filter_is_3x3() -> None:
    """A 5x5 depthwise layer anywhere in the model keeps the quads kernel out of it (its code
    would come on top of the padded and small kernels'): the same 3x3 layer then takes the padded
    kernel."""
    rng = np.random.default_rng(59)
    layer = quads_case(rng, 1, 12, 12, 8, 1, "SAME")
    tensors = [
        act_tensor("x", (1, 6, 6, 3), rng, False),
        filter_tensor((1, 5, 5, 3), 3, rng, True, False),
        bias_tensor(3, rng, 500),
        act_tensor("y", (1, 6, 6, 3), rng, False),
    ]
    options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "depth_multiplier": 1}
    five = Case("dw 5x5", tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options))
    for cases, kernel in (([layer, ballast(rng)], "_quads_3x3"), ([layer, ballast(rng), five], "_padded_3x3s1")):
        graph = parse_model(build_model(*pack(cases)[:4]))
        assert kernel_of(generate(graph, plan_memory(graph)).source, 0) == "st_depthwise_conv2d_s8_inplace" + kernel
        assert run_planned(cases, 59, 2) > 0


def test_depthwise_fast_builds() -> None:
    """Layers whose requantisation st_requantize_fast does exactly (every channel shifts right,
    an activation spanning int8, bounded sums) run the padded and small kernels' fast builds
    (no "_general"): each padded filter, small and small4, per-tensor and per-channel, bit for bit
    against LiteRT; a layer with a negative channel scale (its multiplier negative: the fast
    rounding takes the sum's sign for the product's) runs the general build, bit for bit too."""
    rng = np.random.default_rng(47)
    cases = []
    # wider than tall: the padded kernels run as they are (a narrow image would run transposed)
    shapes = [(9, 11, 5, fh, sw) for fh, _, sw in PADDED_FILTERS] + [(3, 3, 5, 7, 1), (4, 4, 8, 5, 1)]
    for i, (h, w, c, k, s) in enumerate(shapes):
        oh, _ = out_size_and_padding("SAME", h, k, s, 1)
        ow, _ = out_size_and_padding("SAME", w, k, s, 1)
        per_channel = i % 2 == 0
        scales = [float(np.float32(v)) for v in rng.uniform(0.002, 0.02, c if per_channel else 1)]
        data = rng.integers(-127, 128, size=(1, k, k, c), dtype=np.int8)
        weights = TensorSpec(
            "w", (1, k, k, c), "int8", scale=scales, zero_point=[0] * len(scales), quantized_dimension=3, data=data
        )
        x = TensorSpec("x", (1, h, w, c), "int8", scale=[0.02], zero_point=[int(rng.integers(-128, 128))])
        y_scale = float(np.float32(0.02 * max(abs(v) for v in scales) * k * 74 / 4))  # right shifts, some saturation
        y = TensorSpec("y", (1, oh, ow, c), "int8", scale=[y_scale], zero_point=[int(rng.integers(-40, 41))])
        options = {"padding": "SAME", "stride_h": s, "stride_w": s, "fused_activation_function": "NONE"}
        op = OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)
        cases.append(Case(f"dw fast {h}x{w}x{c} k{k} s{s}", [x, weights, bias_tensor(c, rng, 3000), y], op))
    negative = copy.deepcopy(cases[0])
    negative.label = "dw general: a negative channel scale"
    w = negative.tensors[1]
    w.scale = [-w.scale[0], *w.scale[1:]]
    cases.append(negative)
    # ballast: dilation 2 (the generic kernel) on a plane larger than any other layer's scratch, so
    # that the planner's floor (every kernel lean) leaves room for the fast kernels
    ballast = [act_tensor("x", (1, 48, 48, 1), rng, False), filter_tensor((1, 3, 3, 1), 3, rng, False, False)]
    ballast += [bias_tensor(1, rng, 300), act_tensor("y", (1, 48, 48, 1), rng, False)]
    options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 2, "dilation_w_factor": 2}
    cases.append(Case("ballast", ballast, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)))
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    graph = parse_model(build_model(tensors, op_specs, inputs, outputs))
    source = generate(graph, plan_memory(graph)).source
    calls = re.findall(r"st_depthwise_conv2d_s8_inplace_(padded_\w+?|small4?)(_general)?(?:_shifts)?\(&", source)
    fh, fw, sw = PADDED_FILTERS[0]
    assert sorted(kernel for kernel, _ in calls) == sorted(
        [f"padded_{fh}x{fw}s{sw}" for fh, fw, sw in PADDED_FILTERS] + ["small", "small4", f"padded_{fh}x{fw}s{sw}"]
    ), calls
    assert [build for _, build in calls].count("_general") == 1, calls
    assert calls[len(shapes)] == (f"padded_{fh}x{fw}s{sw}", "_general"), calls
    assert run_planned(cases, 47, 4) > 0


# ---- what may run in place, and the scratch it needs -------------------------------------------


def single_op_graph(opcode: str, x: tuple, w: tuple, y: tuple, **options) -> Graph:
    rng = np.random.default_rng(0)
    axis = 0 if opcode == "CONV_2D" else 3
    tensors = [
        act_tensor("x", x, rng, False),
        filter_tensor(w, axis, rng, True, False),
        bias_tensor(w[axis], rng, 10),
        act_tensor("y", y, rng, False),
    ]
    opts = {"padding": "SAME", "stride_h": 1, "stride_w": 1, **options}
    return parse_model(build_model(tensors, [OpSpec(opcode, [0, 1, 2], [3], opts)], [0], [3]))


STRIDE_2 = {"stride_h": 2, "stride_w": 2}


def test_in_place_eligibility_and_scratch() -> None:
    cases = [  # (opcode, input, filter, output, options, in place?, scratch in place, scratch apart)
        # pointwise: blocks of up to POINTWISE_BLOCK pixels (here all 30 or 60) widened to int16, in place or apart
        ("CONV_2D", (1, 6, 5, 8), (24, 1, 1, 8), (1, 6, 5, 24), {}, True, 480, 480),
        ("CONV_2D", (1, 6, 5, 24), (8, 1, 1, 24), (1, 6, 5, 8), {"padding": "VALID"}, True, 1440, 1440),
        ("CONV_2D", (2, 6, 5, 8), (8, 1, 1, 8), (2, 6, 5, 8), {}, True, 960, 960),
        # not pointwise: st_conv2d_s8_columns, a block of 9 pixels of 8 taps (1x1, stride 2), or
        # all 30 pixels of 72 taps (3x3: POINTWISE_BLOCK_BYTES at most), widened to int16 (lean: two
        # pixels of at most 40 taps on the stack)
        ("CONV_2D", (1, 6, 6, 8), (8, 1, 1, 8), (1, 3, 3, 8), {"stride_h": 2, "stride_w": 2}, False, 160, 160),
        ("CONV_2D", (1, 6, 5, 8), (8, 3, 3, 8), (1, 6, 5, 8), {}, False, 4320, 4320),
        ("CONV_2D", (1, 6, 5, 8), (8, 1, 1, 4), (1, 6, 5, 8), {}, False, 0, 0),  # two groups
        # padded: 14 rows of 14 int16 (12 outputs, + 2 columns), 3 rows of 2 + 2 tap pairs (on
        # smaller planes the small kernel is the faster)
        ("DEPTHWISE_CONV_2D", (1, 12, 12, 8), (1, 3, 3, 8), (1, 12, 12, 8), {}, True, 440, 0),
        # padded, stride 2: 19 rows of 28 int16 (2 * 12 + 2 * 3 - 2), 5 rows of 3 + 3 tap pairs,
        # two planes (every padded layer of the model has an even input_c: padded_only_two), each
        # with its channel's bias and requantisation (24 bytes in the general build)
        ("DEPTHWISE_CONV_2D", (1, 15, 17, 6), (1, 5, 5, 6), (1, 8, 9, 6), STRIDE_2, True, 2 * (1184 + 24), 0),
        # small4 on a plane that small beside the filter: the whole image, then the channels' table
        # (the general build's 24 bytes a channel: these random scales are not all right shifts),
        # then a window's list of in-image taps (two words a tap, and one more pair)
        ("DEPTHWISE_CONV_2D", (1, 7, 9, 8), (1, 5, 5, 8), (1, 4, 5, 8), STRIDE_2, True, 504 + 24 * 8 + 8 * 25 + 8, 0),
        # small: a 7x7 filter over a 3x3 plane, the whole image, then the channels' table (the fast
        # build's 16 bytes a channel), then a list of the 3x3 taps a window holds at most
        ("DEPTHWISE_CONV_2D", (1, 3, 3, 8), (1, 7, 7, 8), (1, 3, 3, 8), {}, True, 72 + 16 * 8 + 8 * 9 + 8, 0),
        # dilation 2: the generic kernel, one plane
        (
            "DEPTHWISE_CONV_2D",
            (1, 7, 9, 8),
            (1, 3, 3, 8),
            (1, 7, 9, 8),
            {"dilation_h_factor": 2, "dilation_w_factor": 2},
            True,
            63,
            0,
        ),
        ("DEPTHWISE_CONV_2D", (1, 7, 9, 4), (1, 3, 3, 8), (1, 7, 9, 8), {"depth_multiplier": 2}, False, 0, 0),
    ]
    for opcode, x, w, y, options, want, scratch, apart in cases:
        graph = single_op_graph(opcode, x, w, y, **options)
        op = graph.operators[0]
        assert not lower.unsupported(graph), (opcode, x, w)
        assert lower.can_run_in_place(op, graph) is want, (opcode, x, w, options)
        assert lower.scratch_bytes(op, graph, True) == scratch, (opcode, x, w, options)
        assert lower.scratch_bytes(op, graph, False) == apart, (opcode, x, w, options)
        assert (0 in plan_memory(graph).in_place) is want


def test_fast_kernels_never_raise_the_peak() -> None:
    """The fast depthwise kernels (the padded kernel's int16 plane and tap pairs, the small
    kernel's image and channel table) need more scratch than the generic kernel's plane: alone in
    a model a small layer would raise the arena, so the planner runs it lean (the generic
    kernel); beside a larger layer it fits under the peak and runs a fast kernel. On
    a larger plane, lean is the padded kernel a band of output rows at a time. (Five channels:
    not the quads kernel's, test_quads_levels.)"""
    alone = single_op_graph("DEPTHWISE_CONV_2D", (1, 4, 5, 5), (1, 3, 3, 5), (1, 4, 5, 5))
    op = alone.operators[0]
    assert lower.scratch_bytes(op, alone, True) > lower.scratch_bytes(op, alone, True, lean=True) == 20
    plan = plan_memory(alone)
    assert plan.lean == {0}
    assert plan.arena_size == aligned(4 * 5 * 5) + aligned(20)
    assert re.search(r"st_depthwise_conv2d_s8_inplace(?:_shifts)?\(&", generate(alone, plan).source)
    large = single_op_graph("DEPTHWISE_CONV_2D", (1, 16, 16, 5), (1, 3, 3, 5), (1, 16, 16, 5))
    op = large.operators[0]
    # the whole padded plane (18 rows of 18 int16) against bands of 3 output rows (5 rows)
    assert lower.scratch_bytes(op, large, True) == 2 * 18 * 18 + 48
    assert lower.scratch_bytes(op, large, True, lean=True) == 2 * 5 * 18 + 48 < 16 * 16
    source = generate(large, plan_memory(large)).source
    assert kernel_of(source, 0).startswith("st_depthwise_conv2d_s8_inplace_padded_") and band_of(source, 0) == 3
    rng = np.random.default_rng(5)
    cases = []
    for h, d in ((4, 1), (48, 2)):  # the second, dilation 2, runs the generic kernel on a 48x49 plane
        tensors = [
            act_tensor("x", (1, h, h + 1, 5), rng, False),
            filter_tensor((1, 3, 3, 5), 3, rng, True, False),
            bias_tensor(5, rng, 500),
            act_tensor("y", (1, h, h + 1, 5), rng, False),
        ]
        options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": d, "dilation_w_factor": d}
        cases.append(Case(f"dw {h} d{d}", tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)))
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    graph = parse_model(build_model(tensors, op_specs, inputs, outputs))
    plan = plan_memory(graph)
    assert not plan.lean
    fast = r"st_depthwise_conv2d_s8_inplace_(?:padded_\w+|small4?(?:_shifts)?)\(&"
    assert re.search(fast, generate(graph, plan).source)
    assert run_planned(cases, 5, 2) > 0


def test_pointwise_block_levels() -> None:
    """A pointwise layer's levels: its fastest block (up to POINTWISE_BLOCK pixels, as many as
    POINTWISE_BLOCK_BYTES widened hold), then 128, 64, 32, 16, 8 and 4 below it, then two (lean),
    each widened block smaller than the one before."""
    graph = single_op_graph("CONV_2D", (1, 10, 10, 20), (8, 1, 1, 20), (1, 10, 10, 8))
    op = graph.operators[0]
    assert pointwise_blocks(100, 20) == [100, 64, 32, 16, 8, 4, 2]
    assert lower.scratch_levels(op, graph, True) == [4 * 20 * b // 2 for b in (100, 64, 32, 16, 8, 4, 2)]
    assert pointwise_blocks(1000, 20) == [POINTWISE_BLOCK_BYTES // 40 & ~3, 128, 64, 32, 16, 8, 4, 2]
    assert pointwise_blocks(1000, 4)[0] == POINTWISE_BLOCK


def test_columns_block_levels() -> None:
    """st_conv2d_s8_columns steps down the same blocks over its taps (72 here), then to its lean
    kernel (two pixels on the stack, or the generic kernel: no scratch)."""
    graph = single_op_graph("CONV_2D", (1, 10, 10, 8), (8, 3, 3, 8), (1, 10, 10, 8))
    op = graph.operators[0]
    blocks = pointwise_blocks(100, 72)
    assert blocks == [POINTWISE_BLOCK_BYTES // (2 * 72) & ~3, 32, 16, 8, 4, 2]
    assert lower.scratch_levels(op, graph, False) == [4 * 72 * b // 2 for b in blocks[:-1]] + [0]
    assert [Conv2D.columns_block(op, graph, False, level) for level in range(len(blocks) - 1)] == blocks[:-1]
    assert Conv2D.columns_block(op, graph, True) is None  # 72 taps: too many for the stack
    assert lower.scratch_levels(op, graph, True)[-1] == lower.scratch_bytes(op, graph, True, lean=True)
    assert pointwise_blocks(3, 20) == [3, 2] and pointwise_blocks(2, 20) == [2]


def dw_case(rng: np.random.Generator, h: int, w: int, c: int, k: int, s: int) -> Case:
    oh, _ = out_size_and_padding("SAME", h, k, s, 1)
    ow, _ = out_size_and_padding("SAME", w, k, s, 1)
    tensors = [
        act_tensor("x", (1, h, w, c), rng, False),
        filter_tensor((1, k, k, c), 3, rng, True, False),
        bias_tensor(c, rng, 300),
        act_tensor("y", (1, oh, ow, c), rng, False),
    ]
    options = {"padding": "SAME", "stride_h": s, "stride_w": s, "dilation_h_factor": 1, "dilation_w_factor": 1}
    return Case(f"dw {h}x{w}x{c} k{k} s{s}", tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options))


def test_padded2_offers() -> None:
    """The two-plane padded kernels: alone where every padded layer of the model has an even
    input_c (no one-plane layer loop linked; 5x5 filters here, as a model of 3x3 filters alone
    takes the quads kernel); else on images over twice the D-cache with an even input_c,
    and then, the model linking them anyway, on every even input_c. On an image larger than the
    D-cache, four and eight planes a pass too; their bands include one no larger than the
    generic kernel's plane, where the arena has room for that much only."""
    rng = np.random.default_rng(4)
    dw = lower.registry()["DEPTHWISE_CONV_2D"]

    def variants(cases: list[Case], index: int) -> list:
        tensors, op_specs, inputs, outputs, _ = pack(cases)
        graph = parse_model(build_model(tensors, op_specs, inputs, outputs))
        return dw.bounded_variants(graph.operators[index], graph)

    def suffixes(cases: list[Case], index: int) -> list[str]:
        return [k.suffix for k in variants(cases, index)]

    small, odd, big = dw_case(rng, 24, 24, 8, 5, 1), dw_case(rng, 24, 24, 5, 5, 1), dw_case(rng, 80, 80, 8, 7, 2)
    assert "_padded2_5x5s1" in suffixes([small], 0) and "_padded_5x5s1" not in suffixes([small], 0)
    assert "_padded_5x5s1" in suffixes([small, odd], 0)
    assert not any("_padded2_" in k for k in suffixes([small, odd], 0))
    assert any("_padded2_" in k for k in suffixes([small, odd, big], 0))
    assert not any(k.quads for k in variants([small], 0))  # its image fits the D-cache
    wide = variants([big], 0)
    assert "_padded_7x7s2" not in [k.suffix for k in wide]
    assert {k.quads for k in wide} == {0, 2, 4}  # two planes a pass, four, eight
    assert any(k.suffix == "_padded2_7x7s2" and k.scratch <= 80 * 80 for k in wide)


def test_planner_steps_down_one_kernel_level_at_a_time() -> None:
    """Between the fastest kernel and the leanest there may be others (kernel_levels): a
    4x5x16 depthwise layer's small kernel needs 656 bytes of scratch, the padded kernel 168 and
    the generic one 20 (a tiny 5x5 layer after them, of one channel, keeps the quads kernel out,
    quads_linked, and the one-plane padded kernel in, padded_only_two).
    After an ADD whose 320-byte tensors set the arena, the small
    kernel would raise it; the padded kernel does not, so the planner stops there, not at the
    generic kernel (lean). (The ADD steps down too: its tables would raise it.)"""
    rng = np.random.default_rng(3)
    shape = (1, 4, 5, 16)
    tensors = [
        act_tensor("a", shape, rng, False),
        act_tensor("b", shape, rng, False),
        act_tensor("s", shape, rng, False),
        filter_tensor((1, 3, 3, 16), 3, rng, True, False),
        bias_tensor(16, rng, 500),
        act_tensor("y", shape, rng, False),
        act_tensor("t", (1, 2, 2, 1), rng, False),
        filter_tensor((1, 5, 5, 1), 3, rng, True, False),
        bias_tensor(1, rng, 500),
        act_tensor("u", (1, 2, 2, 1), rng, False),
    ]
    dw = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 1, "dilation_w_factor": 1}
    ops = [
        OpSpec("ADD", [0, 1], [2], {"fused_activation_function": "NONE"}),
        OpSpec("DEPTHWISE_CONV_2D", [2, 3, 4], [5], {**dw, "depth_multiplier": 1}),
        OpSpec("DEPTHWISE_CONV_2D", [6, 7, 8], [9], {**dw, "depth_multiplier": 1}),
    ]
    graph = parse_model(build_model(tensors, ops, [0, 1, 6], [5, 9]))
    assert lower.scratch_levels(graph.operators[1], graph, True) == [656, 168, 20]
    plan = plan_memory(graph)
    assert plan.levels.get(1) == 1 and 1 not in plan.lean, plan.levels
    assert plan.peak_at(1) <= plan.peak_at(0) == plan.arena_size
    assert kernel_of(generate(graph, plan).source, 1) == "st_depthwise_conv2d_s8_inplace_padded_3x3s1"


def test_in_place_refused_by_kernel() -> None:
    """A plan that puts a 3x3 convolution in place is a bug, not silently wrong output."""
    graph = single_op_graph("CONV_2D", (1, 6, 5, 8), (8, 3, 3, 8), (1, 6, 5, 8))
    plan = plan_memory(graph)
    plan.in_place = {0}
    with pytest.raises(ValueError, match="in place"):
        generate(graph, plan)


# ---- real layers: mcunet-in4 at 160x160 (the peaks are at these) --------------------------------

MCUNET_IN4 = BENCHMARKS / "mcunet-in4-r160.tflite"
# every depthwise layer (3x3, 5x5 and 7x7, strides 1 and 2, 80x80 down to 5x5) and every 1x1 layer
# (expanding up to 192->768, contracting down to 768->320)
MCUNET_DEPTHWISE = (1, 4, 7, 11, 15, 18, 22, 26, 29, 33, 37, 40, 44, 48, 51, 55, 59)
MCUNET_POINTWISE = (
    2,
    3,
    5,
    6,
    8,
    10,
    12,
    14,
    16,
    17,
    19,
    21,
    23,
    25,
    27,
    28,
    30,
    32,
    34,
    36,
    38,
    39,
    41,
    43,
    45,
    47,
    49,
    50,
    52,
    54,
    56,
    58,
    60,
)
MCUNET_OPS = MCUNET_DEPTHWISE + MCUNET_POINTWISE


@pytest.fixture(scope="module")
def mcunet() -> Graph:
    return load_model(MCUNET_IN4)


@pytest.mark.parametrize("index", MCUNET_OPS)
def test_mcunet_in4_layer_in_place(mcunet: Graph, index: int) -> None:
    op = mcunet.operators[index]
    assert op.opcode in ("CONV_2D", "DEPTHWISE_CONV_2D")
    roles = ["x", "w", "b"][: len(op.inputs)]
    tensors = [spec_of(mcunet, i, role) for i, role in zip(op.inputs, roles, strict=False) if i >= 0]
    tensors.append(spec_of(mcunet, op.outputs[0], "y"))
    spec = OpSpec(op.opcode, list(range(len(tensors) - 1)), [len(tensors) - 1], dict(op.options), op.version)
    label = f"mcunet-in4 op {index} {op.opcode} x{tensors[0].shape} w{tensors[1].shape}"
    case = Case(label, tensors, spec)
    assert run_planned([case], index, 2) > 0


def test_mcunet_in4_layers_listed(mcunet: Graph) -> None:
    """MCUNET_OPS is every depthwise and 1x1 layer, and each may run in place (the planner then
    decides: an expansion's input that a residual ADD still needs does not die there)."""

    def pointwise(op: Operator) -> bool:
        return op.opcode == "CONV_2D" and mcunet.tensor(op.inputs[1]).shape[1:3] == (1, 1)

    found = {op.index for op in mcunet.operators if op.opcode == "DEPTHWISE_CONV_2D" or pointwise(op)}
    assert found == set(MCUNET_OPS)
    assert all(lower.can_run_in_place(mcunet.operators[i], mcunet) for i in MCUNET_OPS)
    assert not lower.can_run_in_place(mcunet.operators[0], mcunet)  # the 3x3 stride-2 stem


def test_kernel_limits_match_the_code_generator() -> None:
    """The stack array the columns kernel sizes for the lean case is the scratch the code
    generator counts on for it."""
    headers = {name: (KERNELS_DIR / name).read_text() for name in ("conv2d_s8.h",)}

    def define(header: str, name: str) -> int:
        found = re.findall(rf"#define {name} (\d+)", headers[header])
        assert len(found) == 1, name
        return int(found[0])

    assert define("conv2d_s8.h", "ST_CONV_COLUMNS_STACK_BYTES") == pointwise_scratch(
        COLUMNS_STACK_TAPS, POINTWISE_LEAN_BLOCK
    )
