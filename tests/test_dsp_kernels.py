"""The Cortex-M7 DSP paths of the int8 kernels (SXTB16 + SMLAD, word loads) against LiteRT.

The host tests build the portable C; these run firmware on the simulated STM32H743, where
`__ARM_FEATURE_DSP` selects the DSP code, with both toolchains. Single-op 1x1 models cover
input_c % 4 tails and output_c % 4 rows, in place and not in place (the same input feeds two
convolutions: the first cannot overwrite it, the last can), FULLY_CONNECTED models cover
depth % 4 tails, odd output counts and several rows; real models close the file.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from support.opcheck import Case, pack
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.flow.build import CompiledModel
from simtiny.flow.golden import run_golden_batch
from simtiny.flow.inputs import random_inputs
from simtiny.flow.run import compile_model
from simtiny.flow.simulate import simulate
from simtiny.flow.validate import load_and_check
from simtiny.lower.conv import PADDED_FILTERS
from simtiny.lower.fully_connected import WIDENED_PASSES
from simtiny.lower.geometry import out_size_and_padding
from simtiny.platform import load_platform
from simtiny.resources import PAPER_MODELS_DIR
from tests.ops.test_conv import (
    ACTIVATIONS,
    act_tensor,
    bias_tensor,
    filter_tensor,
    random_depthwise,
    spread_output,
    window_options,
)
from tests.ops.test_conv_inplace import (
    QUADS_CASES,
    ballast,
    band_of,
    block_of,
    kernel_of,
    quads_case,
    quads_levels,
    quads_of,
)
from tests.ops.test_fully_connected import _case as fully_connected_case
from tests.ops.test_pad_fusion import FUSED, conv_after_pad

pytestmark = pytest.mark.sim

BENCHMARKS = PAPER_MODELS_DIR
TOOLCHAINS = ("gcc", "zig")
INPUT_CHANNELS = (1, 3, 4, 5, 8, 17, 64)
FC_DEPTHS = (1, 3, 4, 7, 64, 97, 384)
SEEDS = (0, 1, 2)
SAMPLES = 3
# conv1x1_s8's block kernel in its four builds (fast or general, packed or apart shifts)
POINTWISE_BLOCKS = tuple(
    f"st_conv1x1_widened{p}{b}{t}" for p in ("", "_pairs", "_narrow") for b in ("", "_general") for t in ("", "_shifts")
)


def pointwise_model(seed: int) -> bytes:
    """For each input_c: one input [1, h, w, input_c] read by two 1x1 convolutions with
    output_c not a multiple of 4 (the first runs out of place, the second in place)."""
    rng = np.random.default_rng(seed)
    tensors: list[TensorSpec] = []
    op_specs: list[OpSpec] = []
    inputs: list[int] = []
    outputs: list[int] = []
    for cin in INPUT_CHANNELS:
        h, w = (int(v) for v in rng.integers(1, 6, 2))
        x = len(tensors)
        tensors.append(act_tensor(f"x{cin}", (1, h, w, cin), rng, False))
        inputs.append(x)
        for _ in range(2):
            cout = int(rng.choice([1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 19, 66, 70]))
            per_channel = bool(rng.random() < 0.6)
            base = len(tensors)
            weights = filter_tensor((cout, 1, 1, cin), 0, rng, per_channel, False)
            tensors += [
                weights,
                bias_tensor(cout, rng, int(rng.choice([0, 300, 30000, 1 << 20]))),
                spread_output(f"y{cin}_{base}", (1, h, w, cout), tensors[x], weights, rng),
            ]
            options = {
                "padding": str(rng.choice(["SAME", "VALID"])),
                "stride_h": 1,
                "stride_w": 1,
                "dilation_h_factor": 1,
                "dilation_w_factor": 1,
                "fused_activation_function": str(rng.choice(ACTIVATIONS, p=[0.55, 0.2, 0.15, 0.1])),
            }
            op_specs.append(OpSpec("CONV_2D", [x, base, base + 1], [base + 2], options))
            outputs.append(base + 2)
    return build_model(tensors, op_specs, inputs, outputs)


def fully_connected_model(seed: int) -> bytes:
    """One FULLY_CONNECTED per depth, each with its own input: odd and even output counts,
    one to three rows, per-tensor and per-channel weights, every bias width."""
    rng = np.random.default_rng(seed)
    cases = []
    for i, depth in enumerate(FC_DEPTHS):
        units = int(rng.choice([1, 2, 3, 5, 16, 33]))
        tensors, ops, ins, outs = fully_connected_case(
            rng,
            per_channel=i % 2 == 1,
            batch_shape=((1,), (3,), (2,))[i % 3],
            depth=depth,
            units=units,
            bias=i % 4 != 3,
            activation=ACTIVATIONS[i % len(ACTIVATIONS)],
            bias_magnitude=(100, 20000, 1 << 20, 1 << 23)[i % 4],
        )
        cases.append(Case(f"fc depth {depth} units {units}", tensors, ops[0], ins, outs))
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    return build_model(tensors, op_specs, inputs, outputs)


@pytest.fixture(scope="module")
def board():
    return load_platform("stm32h743")


def write_and_compile(board, path: Path, model: bytes, toolchain: str) -> tuple[Path, CompiledModel]:
    path.write_bytes(model)
    return path, compile_model(load_and_check(path), board, toolchain)


def seeded(seed: int) -> tuple[int, ...]:
    """SAMPLES input seeds of their own for a test seed."""
    return tuple(100 * seed + s for s in range(SAMPLES))


def check_bit_exact(compiled: CompiledModel, model: Path, seeds: tuple[int, ...]) -> int:
    """Simulate (ideal memory) one random input per seed; compare every output byte with
    LiteRT's reference kernels. Returns the number of output bytes compared."""
    batch = [random_inputs(compiled.graph, s) for s in seeds]
    golden = run_golden_batch(model, batch)
    compared = 0
    for seed, values, want in zip(seeds, batch, golden, strict=True):
        got = simulate(compiled, values, memory_model=False).outputs
        assert len(got) == len(want.outputs)
        for k, (g, w) in enumerate(zip(got, want.outputs, strict=True)):
            assert g.shape == w.shape, f"{model.name} seed {seed} output {k}: shape {g.shape}, LiteRT {w.shape}"
            diff = np.flatnonzero(g.reshape(-1) != w.reshape(-1))
            assert not diff.size, (
                f"{model.name} seed {seed} output {k}: {diff.size} of {g.size} differ, first at "
                f"{int(diff[0])}: simtiny {g.reshape(-1)[diff[0]]}, LiteRT {w.reshape(-1)[diff[0]]}"
            )
            compared += g.size
    return compared


def assert_uses_smlad(
    compiled: CompiledModel, functions: tuple[str, ...] = POINTWISE_BLOCKS, also: tuple[str, ...] = ("sxtb16",)
) -> None:
    """The first of `functions` in the firmware (a static one may be inlined into the next)
    holds SMLAD (and `also`): the DSP path was compiled, not the portable one."""
    objdump = shutil.which("arm-none-eabi-objdump")
    if objdump is None:
        return
    text = subprocess.run(
        [objdump, "-d", str(compiled.firmware.elf)], capture_output=True, text=True, check=True
    ).stdout
    found = [text.find(f"<{f}>:") for f in functions if f"<{f}>:" in text]
    assert found, f"none of {functions} in the firmware"
    start = found[0]
    kernel = text[start : text.find("\n\n", start)]
    assert "smlad" in kernel and all(m in kernel for m in also)


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("seed", SEEDS)
def test_pointwise_dsp_paths(board, tmp_path: Path, seed: int, toolchain: str) -> None:
    path, compiled = write_and_compile(board, tmp_path / f"pointwise-{seed}.tflite", pointwise_model(seed), toolchain)
    n = len(compiled.graph.operators)
    assert n == 2 * len(INPUT_CHANNELS)
    assert compiled.plan.in_place == set(range(1, n, 2)), "the second reader of each input runs in place"
    source = compiled.generated.source
    assert len(re.findall(r"st_conv1x1_s8_inplace(?:_pairs|_narrow)?(?:_general)?(?:_shifts)?\(&", source)) == n // 2
    assert len(re.findall(r"st_conv1x1_s8(?:_pairs|_narrow)?(?:_general)?(?:_shifts)?\(&", source)) == n // 2
    builds = set(re.findall(r"st_conv1x1_s8(?:_inplace)?(?:_pairs|_narrow)?(_general)?(?:_shifts)?\(&", source))
    assert builds == {"", "_general"}, "fast and general layers both"
    for build in builds:  # the general build's dot products are general_channel's (a noinline loop under its
        # block kernels, which gcc may fold into one another), the fast build's run_quads' (in assembly)
        assert_uses_smlad(compiled, ("general_channel",) if build else ("run_quads",))
    assert check_bit_exact(compiled, path, seeded(seed)) > 0


# pointwise layers of five to eight input channels (run_narrow): (input_c, h, w, output_c); the
# pixel counts leave one, two, three and no pixels past a multiple of four
NARROW_CASES = ((5, 3, 3, 7), (6, 2, 5, 3), (7, 3, 5, 12), (8, 4, 4, 9), (8, 1, 6, 2))


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("optimization", ["ram", "time"])
def test_pointwise_narrow_dsp_path(board, tmp_path: Path, toolchain: str, optimization: str) -> None:
    """Fast pointwise layers of five to eight input channels take the "_narrow" entries (run_narrow:
    the channel's weights doubled and held in registers over its quads), out of place and in
    place, every pixel count modulo four (the last one to three pixels through run_quads), odd
    output counts; built for ram (small blocks) and time; bit for bit against LiteRT."""
    rng = np.random.default_rng(16)
    cases = []
    for cin, h, w, cout in NARROW_CASES:
        x = act_tensor("x", (1, h, w, cin), rng, False)
        for k in range(2):  # the second reader runs in place
            weights = filter_tensor((cout + k, 1, 1, cin), 0, rng, bool(k), False)
            y = spread_output("y", (1, h, w, cout + k), x, weights, rng)
            op = OpSpec("CONV_2D", [0, 1, 2], [3], {"padding": "SAME", "stride_h": 1, "stride_w": 1})
            cases.append(Case(f"1x1 {cin}->{cout + k} {h}x{w}", [x, weights, bias_tensor(cout + k, rng, 3000), y], op))
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    path = tmp_path / f"narrow-{optimization}.tflite"
    path.write_bytes(build_model(tensors, op_specs, inputs, outputs))
    compiled = compile_model(load_and_check(path), board, toolchain, optimization=optimization)
    source = compiled.generated.source
    narrow = re.findall(r"st_conv1x1_s8(_inplace)?_narrow(?:_shifts)?\(&", source)
    assert len(narrow) == len(cases), source[-800:]
    assert_uses_smlad(compiled, ("run_narrow",))
    assert check_bit_exact(compiled, path, seeded(16)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
def test_pointwise_lean_dsp_path(board, tmp_path: Path, toolchain: str) -> None:
    """A pointwise layer alone in its model runs lean (a larger block's scratch would raise the
    arena): blocks of two pixels, an odd pixel count and output_c, through the fast build's
    pair path (pair_block: two output channels a pass; no activation clamp, so the layer is
    fast), bit for bit against LiteRT."""
    rng = np.random.default_rng(9)
    x = act_tensor("x", (1, 5, 3, 24), rng, False)
    weights = filter_tensor((7, 1, 1, 24), 0, rng, True, False)
    y = spread_output("y", (1, 5, 3, 7), x, weights, rng)
    options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 1, "dilation_w_factor": 1}
    op = OpSpec("CONV_2D", [0, 1, 2], [3], {**options, "fused_activation_function": "NONE"})
    model = build_model([x, weights, bias_tensor(7, rng, 3000), y], [op], [0], [3])
    path, compiled = write_and_compile(board, tmp_path / "lean.tflite", model, toolchain)
    source = compiled.generated.source
    assert compiled.plan.lean == {0} and block_of(source, 0) == 2, (compiled.plan.lean, source[-400:])
    assert re.search(r"st_conv1x1_s8(?:_inplace)?(?:_pairs)?(?:_shifts)?\(&", source), "the fast build"
    assert_uses_smlad(compiled, ("pair_block",))
    assert check_bit_exact(compiled, path, seeded(6)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
def test_pointwise_pairs_twin_only_where_needed(board, tmp_path: Path, toolchain: str) -> None:
    """conv1x1_s8's "_pairs" twins (pair_block for a block of one or two pixels) only in models
    whose such blocks carry a share of the MACs worth pair_block's flash (pairs_linked): a 4x4
    image leaves none (a depthwise ballast leaves room for blocks of four pixels or more), nor
    does a 5x5 one (its last pixel past a multiple of four goes through the last quad, in its
    only block), and the firmware has no pair_block; a 1x257 image leaves a last block of one
    pixel, and the model takes the twins. All bit for bit against LiteRT."""
    rng = np.random.default_rng(11)
    options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "fused_activation_function": "NONE"}
    for (h, w), pairs in (((4, 4), False), ((5, 5), False), ((1, 257), True)):
        cases = []
        for (ch, cw), cin, cout in (((h, w), 16, 24), ((2, 2), 24, 8)):
            x = act_tensor("x", (1, ch, cw, cin), rng, False)
            weights = filter_tensor((cout, 1, 1, cin), 0, rng, True, False)
            y = spread_output("y", (1, ch, cw, cout), x, weights, rng)
            op = OpSpec("CONV_2D", [0, 1, 2], [3], options)
            cases.append(Case(f"1x1 {ch}x{cw}", [x, weights, bias_tensor(cout, rng, 3000), y], op))
        tensors, op_specs, inputs, outputs, _ = pack([*cases, ballast(rng)])
        model = build_model(tensors, op_specs, inputs, outputs)
        path, compiled = write_and_compile(board, tmp_path / f"pairs{h}x{w}.tflite", model, toolchain)
        source = compiled.generated.source
        assert not {0, 1} & compiled.plan.lean and min(block_of(source, 0), block_of(source, 1)) > 2
        assert (h * w % block_of(source, 0) in (1, 2)) == pairs, block_of(source, 0)
        assert len(re.findall(r"st_conv1x1_s8(?:_inplace)?_pairs(?:_shifts)?\(&", source)) == (2 if pairs else 0)
        objdump = shutil.which("arm-none-eabi-objdump")
        if objdump:
            text = subprocess.run([objdump, "-d", str(compiled.firmware.elf)], capture_output=True, text=True).stdout
            assert ("<pair_block>:" in text) == pairs, (h, w)
        assert check_bit_exact(compiled, path, seeded(h * w)) > 0


# per output channel, weight scales whose effective scales (x 0.02 / 0.05) requantise the fast way
# or not: shift 0 (1.875), a left shift (7.5), a right shift past 22 bits (2.5e-8), a negative
# and a zero multiplier, among fast ones; eleven: an odd last channel pairs with a zero row
MIXED_SCALES = (0.004, 1.875, 0.006, 7.5, 0.003, 2.5e-8, 0.005, -0.004, 0.0, 0.002, 0.008)


def mixed_model(rng: np.random.Generator, k: int, cin: int, hw: tuple[int, int]) -> bytes:
    """One k x k CONV_2D (1: pointwise) whose channels requantise the fast way and not
    (MIXED_SCALES), no activation clamp, alone in its model."""
    cout = len(MIXED_SCALES)
    x = TensorSpec("x", (1, *hw, cin), "int8", scale=[0.02], zero_point=[int(rng.integers(-20, 21))])
    data = rng.integers(-127, 128, size=(cout, k, k, cin), dtype=np.int8)
    w = TensorSpec("w", data.shape, "int8", scale=list(MIXED_SCALES), zero_point=[0] * cout, quantized_dimension=0,
                   data=data)  # fmt: skip
    y = TensorSpec("y", (1, *hw, cout), "int8", scale=[0.05], zero_point=[int(rng.integers(-20, 21))])
    options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 1, "dilation_w_factor": 1}
    op = OpSpec("CONV_2D", [0, 1, 2], [3], {**options, "fused_activation_function": "NONE"})
    return build_model([x, w, bias_tensor(cout, rng, 3000), y], [op], [0], [3])


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("k, optimization", [(1, "ram"), (1, "time"), (3, "time")])
def test_mixed_channels_dsp_path(board, tmp_path: Path, toolchain: str, k: int, optimization: str) -> None:
    """A layer with some channels st_requantize_fast cannot take runs the fast build's
    shifts-apart twin, those channels the general way: lean (pair_block, built for ram),
    in blocks of four pixels (built for time), and as columns of a 3x3 filter; bit for bit
    against LiteRT."""
    path = tmp_path / f"mixed-{k}-{optimization}.tflite"
    path.write_bytes(mixed_model(np.random.default_rng(k), k, 12, (5, 7)))
    compiled = compile_model(load_and_check(path), board, toolchain, optimization=optimization)
    source = compiled.generated.source
    block = r"st_conv1x1_widened(?:_pairs)?_shifts\)" if k > 1 else r"st_conv1x1_s8(?:_inplace)?(?:_pairs)?_shifts\(&"
    assert re.search(block, source), source[-600:]
    assert (compiled.plan.lean == {0}) == (optimization == "ram")
    assert_uses_smlad(compiled, ("general_channel",) if optimization == "time" else ("pair_block",))
    assert check_bit_exact(compiled, path, seeded(k)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("name", ["mbv2-w0.3-r64.tflite", "proxyless-w0.3-r64.tflite"])
def test_real_model_dsp_paths(board, name: str, toolchain: str) -> None:
    path = BENCHMARKS / name
    compiled = compile_model(load_and_check(path), board, toolchain)
    assert "st_conv1x1_s8" in compiled.generated.source
    assert_uses_smlad(compiled, ("run_quads",))
    assert check_bit_exact(compiled, path, (0, 1)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("seed, optimization", [(0, "ram"), (1, "ram"), (2, "ram"), (2, "time"), (7, "time")])
def test_fully_connected_dsp_path(board, tmp_path: Path, seed: int, optimization: str, toolchain: str) -> None:
    """Built for time, the layers whose weights have no zero point, whose depth is a multiple
    of 4 and that take WIDENED_PASSES passes or more widen their input once into scratch
    (fc_dot4_widened); for ram, where that would raise the arena, they widen it in every pass."""
    path = tmp_path / f"fully-connected-{seed}.tflite"
    path.write_bytes(fully_connected_model(seed))
    compiled = compile_model(load_and_check(path), board, toolchain, optimization=optimization)
    assert len(compiled.graph.operators) == len(FC_DEPTHS)
    widened = len(re.findall(r"st_fully_connected_s8_widened(?:_shifts)?\(&", compiled.generated.source))
    weights = [compiled.graph.tensor(op.inputs[1]) for op in compiled.graph.operators]
    eligible = sum(w.zero_point() == 0 and w.shape[1] % 4 == 0 and w.shape[0] >= 4 * WIDENED_PASSES for w in weights)
    if optimization == "time":  # seeds 2 and 7 have two such layers each
        assert widened == eligible >= 2
        assert_uses_smlad(compiled, ("st_fully_connected_s8_widened", "st_fully_connected_s8_widened_shifts"))
    kernels = ("st_fully_connected_s8", "st_fully_connected_s8_shifts", "st_fully_connected_s8_widened")
    assert_uses_smlad(compiled, kernels)
    assert check_bit_exact(compiled, path, seeded(seed)) > 0


def spatial_cases(rng: np.random.Generator) -> list[Case]:
    """Depthwise layers for each in-place kernel (padded: 3x3, 5x5 and 7x7, stride 1 and 2, odd
    and even widths; small and small4: large filters on small planes; the generic
    kernel: dilation 2, and a bias too large for the bounded requantisation), then CONV_2D
    layers for st_conv2d_s8_columns, each window layout's gatherer (1 to 64 input channels,
    strides 1 and 2, dilation 2, odd output channels and pixel counts), and one too wide for
    its columns."""
    cases = []
    depthwise = [  # (h, w, c, k, stride, dilation, padding, bias magnitude)
        (9, 11, 5, 3, 1, 1, "SAME", 3000),
        (8, 8, 3, 3, 2, 1, "SAME", 3000),
        (10, 7, 3, 3, 1, 1, "VALID", 3000),
        (12, 13, 6, 5, 2, 1, "SAME", 3000),
        (9, 9, 3, 5, 1, 1, "SAME", 3000),
        (15, 14, 3, 7, 2, 1, "SAME", 3000),
        (2, 2, 9, 7, 1, 1, "SAME", 3000),
        (3, 3, 5, 5, 2, 1, "SAME", 3000),
        (2, 2, 8, 7, 1, 1, "SAME", 3000),  # input_c a multiple of 4: small4
        (4, 4, 12, 5, 1, 1, "SAME", 3000),
        (11, 12, 3, 7, 1, 1, "SAME", 3000),
        (9, 10, 4, 3, 1, 2, "SAME", 3000),
        (8, 9, 4, 3, 1, 1, "SAME", 1 << 30),  # bias 2^30
        # ballast: dilation 2 (the generic kernel) on a plane larger than any other layer's
        # scratch, so that the planner's floor (every kernel lean) leaves room for the fast ones
        (72, 72, 1, 3, 1, 2, "SAME", 3000),
    ]
    for i, (h, w, c, k, s, d, padding, bias) in enumerate(depthwise):
        oh, _ = out_size_and_padding(padding, h, k, s, d)
        ow, _ = out_size_and_padding(padding, w, k, s, d)
        weights = filter_tensor((1, k, k, c), 3, rng, i % 2 == 0, False)
        x = act_tensor("x", (1, h, w, c), rng, False)
        b = bias_tensor(c, rng, bias)
        if bias > 1 << 29:  # past st_requantize_bounded's bound on every channel
            b = dataclasses.replace(b, data=np.full(c, bias, dtype=np.int32))
        tensors = [x, weights, b, spread_output("y", (1, oh, ow, c), x, weights, rng)]
        options = {**window_options(padding, s, d, i), "depth_multiplier": 1}
        op = OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)
        cases.append(Case(f"dw {h}x{w}x{c} k{k} s{s} d{d}", tensors, op))
    convs = [  # (h, w, cin, cout, k, stride, dilation, padding)
        (9, 9, 3, 16, 3, 2, 1, "SAME"),
        (7, 6, 1, 5, 3, 1, 1, "SAME"),
        (6, 7, 4, 7, 3, 1, 2, "VALID"),
        (5, 5, 5, 3, 5, 2, 1, "SAME"),
        (8, 5, 8, 9, 3, 1, 1, "SAME"),
        (5, 5, 64, 5, 3, 1, 1, "SAME"),  # 576 taps: columns, four pixels a block
        (10, 9, 3, 6, 3, 1, 2, "SAME"),  # three rows of nine taps, dilated: every window through a local copy
        (4, 4, 256, 5, 3, 1, 1, "SAME"),  # 2304 taps: the generic kernel, two channels a pass and a last alone
    ]
    for i, (h, w, cin, cout, k, s, d, padding) in enumerate(convs):
        oh, _ = out_size_and_padding(padding, h, k, s, d)
        ow, _ = out_size_and_padding(padding, w, k, s, d)
        weights = filter_tensor((cout, k, k, cin), 0, rng, i % 2 == 1, False)
        x = act_tensor("x", (1, h, w, cin), rng, False)
        tensors = [x, weights, bias_tensor(cout, rng, 20000), spread_output("y", (1, oh, ow, cout), x, weights, rng)]
        options = window_options(padding, s, d, i)
        cases.append(Case(f"conv {h}x{w}x{cin} k{k} s{s} d{d}", tensors, OpSpec("CONV_2D", [0, 1, 2], [3], options)))
    return cases


# 3x3 depthwise layers over 2x2 and 4x4 planes (st_depthwise_conv2d_s8_inplace_2x2, _4x4): (batches,
# input_c, per-channel weights, a bias (else zeros), activation); NONE with a bias requantises the
# fast way (the assembly), RELU6 clamps within int8 (the general build), a channel with extreme
# scales puts the requantisation apart (the shifts twin)
PLANE_CASES = (
    (1, 1, False, True, "NONE"),
    (1, 5, True, True, "NONE"),
    (2, 8, True, True, "NONE"),
    (1, 33, True, False, "NONE"),
    (1, 12, True, True, "RELU6"),
    (2, 7, False, True, "RELU6"),
)


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("side", [2, 4])
def test_small_plane_dsp_path(board, tmp_path: Path, toolchain: str, side: int) -> None:
    """3x3 depthwise layers over 2x2 and 4x4 planes (stride 1, SAME) take their plane's kernel in
    place: its assembly where the layer requantises the fast way, its C elsewhere (a clamped
    activation, requantisations apart); one and two batches, one to 33 channels, a bias of
    zeros; bit for bit against LiteRT."""
    rng = np.random.default_rng(22 + side)
    cases = []
    for i, (batches, c, per_channel, with_bias, activation) in enumerate(PLANE_CASES):
        weights = filter_tensor((1, 3, 3, c), 3, rng, per_channel, i == 3)
        x = act_tensor("x", (batches, side, side, c), rng, False)
        y = spread_output("y", (batches, side, side, c), x, weights, rng)
        options = {"padding": "SAME", "stride_h": 1, "stride_w": 1, "dilation_h_factor": 1,
                   "dilation_w_factor": 1, "fused_activation_function": activation, "depth_multiplier": 1}
        bias = bias_tensor(c, rng, 3000 if with_bias else 0)  # (LiteRT wants a bias tensor: zeros)
        op = OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)
        cases.append(Case(f"dw {side}x{side}x{c} b{batches} {activation}", [x, weights, bias, y], op))
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    model = build_model(tensors, op_specs, inputs, outputs)
    path, compiled = write_and_compile(board, tmp_path / f"plane{side}.tflite", model, toolchain)
    source = compiled.generated.source
    kernel = f"st_depthwise_conv2d_s8_inplace_{side}x{side}"
    assert [kernel_of(source, i) for i in range(len(cases))] == [kernel] * len(cases)
    builds = re.findall(rf"{kernel}(_general)?(_shifts)?\(&", source)
    assert ("", "") in builds and ("_general", "") in builds, builds
    assert_uses_smlad(compiled, (f"plane{side}x{side}_channels",), also=("pkhbt",))
    assert check_bit_exact(compiled, path, seeded(22 + side)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
def test_spatial_dsp_paths(board, tmp_path: Path, toolchain: str) -> None:
    """The padded and small in-place depthwise kernels and the column convolutions, DSP paths
    on the simulated board, bit for bit against LiteRT; the grid reaches every kernel."""
    tensors, op_specs, inputs, outputs, _ = pack(spatial_cases(np.random.default_rng(7)))
    model = build_model(tensors, op_specs, inputs, outputs)
    path, compiled = write_and_compile(board, tmp_path / "spatial.tflite", model, toolchain)
    source = compiled.generated.source
    names = [kernel_of(source, i) for i in range(len(op_specs))]
    assert names[:14] == [
        # the third and sixth are narrow (8x5 and 8x7 outputs): they run transposed
        *[f"st_depthwise_conv2d_s8_inplace_padded_{t}"
          for t in ("3x3s1", "3x3s2", "t_3x3s1", "5x5s2", "5x5s1", "t_7x7s2")],
        *["st_depthwise_conv2d_s8_inplace_small"] * 2,
        *["st_depthwise_conv2d_s8_inplace_small4"] * 2,
        "st_depthwise_conv2d_s8_inplace_padded_7x7s1",
        *["st_depthwise_conv2d_s8_inplace"] * 3,
    ], names
    columns = "st_conv2d_s8_columns"  # and the window gatherer of each layer's layout
    assert names[14:] == [
        f"{columns}_rows9", columns, f"{columns}_words", columns, f"{columns}_words", f"{columns}_words",
        f"{columns}_rows9", "st_conv2d_s8",
    ], names
    assert not compiled.plan.lean
    fast_kernels = r"st_depthwise_conv2d_s8_inplace_(?:padded2?_\w+?|small4?)(_general)?(?:_shifts)?\(&"
    builds = set(re.findall(fast_kernels, source))
    assert builds == {"", "_general"}, "fast and general depthwise layers both"
    for fh, fw, sw in PADDED_FILTERS:  # each filter's row routine, out of line (called through a pointer)
        assert_uses_smlad(compiled, (f"padded_rows_{fh}x{fw}s{sw}",), also=())
    assert_uses_smlad(compiled, ("run_quads",))  # the column convolutions' block kernel (conv1x1_s8's, in assembly)
    assert check_bit_exact(compiled, path, seeded(3)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
def test_quads_dsp_path(board, tmp_path: Path, toolchain: str) -> None:
    """The quads depthwise kernel's DSP path (quads_band's nine taps a channel in SMLABB/SMLATT,
    quads_fill's SXTAB16) on the simulated board, bit for bit against LiteRT: the grid of
    test_conv_inplace.test_quads_grid (whole planes), then one model for each lower level (bands
    of rows, passes of fewer quads) at stride 1 and 2."""
    rng = np.random.default_rng(61)
    models = [[quads_case(rng, *case) for case in QUADS_CASES] + [ballast(rng)]]
    models += [cases for stride in (1, 2) for kind, cases in quads_levels(stride).items() if kind != "whole"]
    for i, cases in enumerate(models):
        tensors, op_specs, inputs, outputs, _ = pack(cases)
        model = build_model(tensors, op_specs, inputs, outputs)
        path, compiled = write_and_compile(board, tmp_path / f"quads{i}.tflite", model, toolchain)
        quads = len(cases) - 1 if i == 0 else 1  # (the grid's last layer, and each level's second, the ballast)
        for k in range(quads):
            assert kernel_of(compiled.generated.source, k) == "st_depthwise_conv2d_s8_inplace_quads_3x3", (i, k)
        assert check_bit_exact(compiled, path, seeded(7 + i)) > 0
    objdump = shutil.which("arm-none-eabi-objdump")
    if objdump:  # the DSP paths were compiled, not the portable ones
        text = subprocess.run([objdump, "-d", str(compiled.firmware.elf)], capture_output=True, text=True).stdout
        for function, mnemonics in (("quads_band", ("smlabb", "smlatt", "smmlar")), ("quads_fill", ("sxtab16",))):
            start = text.find(f"<{function}>:")
            assert start >= 0 and all(m in text[start : text.find("\n\n", start)] for m in mnemonics), function


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
def test_depthwise_multiplier_kernel_on_the_board(board, tmp_path: Path, toolchain: str) -> None:
    """st_depthwise_conv2d_s8_multiplier (portable C: four output channels a pass) built for the
    Cortex-M7 with both toolchains, bit for bit against LiteRT on random geometry."""
    rng = np.random.default_rng(83)
    cases = [random_depthwise(rng, i, ic, m) for i, (ic, m) in enumerate([(1, 8), (2, 5), (3, 4), (1, 11)])]
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    path, compiled = write_and_compile(board, tmp_path / "mult.tflite", build_model(tensors, op_specs, inputs, outputs),
                                       toolchain)  # fmt: skip
    assert compiled.generated.source.count("st_depthwise_conv2d_s8_multiplier") == len(cases)
    assert check_bit_exact(compiled, path, seeded(83)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
def test_fused_pads_dsp_paths(board, tmp_path: Path, toolchain: str) -> None:
    """Every case of test_pad_fusion.FUSED through the flow (load_and_check fuses the PAD): the
    convolution's DSP path with the PAD's rows and columns as its padding on the simulated
    board, bit for bit against LiteRT."""
    for i, case in enumerate(FUSED):
        rng = np.random.default_rng(171 + i)
        tensors, ops = conv_after_pad(rng, *case)
        model = build_model(tensors, ops, [0], [5])
        path, compiled = write_and_compile(board, tmp_path / f"pad{i}.tflite", model, toolchain)
        assert compiled.graph.operators[0].outputs == () and "fused into operator 1" in compiled.generated.source
        assert check_bit_exact(compiled, path, seeded(171 + i)) > 0


PADDED2_CASES = [  # (h, w, c, k, stride, padding, ballast)
    (48, 46, 18, 3, 1, "SAME", True),  # (input_c not a multiple of 4: not the quads kernel's)
    (46, 50, 16, 5, 2, "SAME", True),
    (34, 33, 30, 7, 2, "SAME", True),
    (41, 40, 24, 5, 1, "VALID", True),
    (100, 100, 4, 5, 2, "SAME", False),  # alone: four planes a pass, bands of 3 of its 50 output rows
    # more planes a pass than the last pass has channels left (alone: 8 + 2; 4 + 4 + 4 + 4 + 2;
    # not 3x3 alone, which would take the quads kernel and keep the padded ones to two planes)
    (90, 90, 10, 5, 1, "SAME", False),
    (44, 44, 18, 7, 1, "VALID", True),
]


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("index", range(len(PADDED2_CASES)))
def test_padded2_dsp_path(board, tmp_path: Path, toolchain: str, index: int) -> None:
    """Images over twice the D-cache (32 KB) with an even input_c run the padded kernels two
    channels or more at a time (odd and even left padding; a ballast layer, dilation 2 on a
    larger plane, leaves the arena room for whole planes, or alone the layer goes a band of rows
    at a time); DSP path, bit for bit against LiteRT."""
    rng = np.random.default_rng(21 + index)
    layer = PADDED2_CASES[index]
    assert layer[0] * layer[1] * layer[2] > 32 * 1024
    cases = []
    ballast = [(96, 96, 4, 3, 1, 2, "SAME")] if layer[6] else []  # first: the graph inputs are all live at op 0
    for h, w, c, k, s, d, padding in (*ballast, (*layer[:5], 1, layer[5])):
        oh, _ = out_size_and_padding(padding, h, k, s, d)
        ow, _ = out_size_and_padding(padding, w, k, s, d)
        weights = filter_tensor((1, k, k, c), 3, rng, index % 2 == 0, False)
        x = act_tensor("x", (1, h, w, c), rng, False)
        tensors = [x, weights, bias_tensor(c, rng, 3000), spread_output("y", (1, oh, ow, c), x, weights, rng)]
        options = {**window_options(padding, s, d, index), "depth_multiplier": 1}
        op = OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)
        cases.append(Case(f"dw {h}x{w}x{c} k{k} s{s} d{d}", tensors, op))
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    model = build_model(tensors, op_specs, inputs, outputs)
    path, compiled = write_and_compile(board, tmp_path / "pair.tflite", model, toolchain)
    source = compiled.generated.source
    k, s, at = layer[3], layer[4], len(ballast)
    assert kernel_of(source, at) == f"st_depthwise_conv2d_s8_inplace_padded2_{k}x{k}s{s}", kernel_of(source, at)
    if index == 4:  # the image outgrows the D-cache: all four channels a pass (p->quads 2 pairs)
        assert (band_of(source, at), quads_of(source, at)) == (3, 2)
    if index > 4:  # four or eight planes a pass, and a last pass of fewer
        quads = quads_of(source, at)
        assert quads >= 2 and layer[2] % (2 * quads), (kernel_of(source, at), band_of(source, at), quads)
    assert_uses_smlad(compiled, (f"padded_rows_{k}x{k}s{s}",), also=())
    objdump = shutil.which("arm-none-eabi-objdump")
    if objdump:  # the two-channel fill's DSP path: SXTAB16 splits a word of two pixels' halfwords
        text = subprocess.run([objdump, "-d", str(compiled.firmware.elf)], capture_output=True, text=True).stdout
        start = text.find("<fill2_row>:")
        assert start >= 0 and "sxtab16" in text[start : text.find("\n\n", start)]
    assert check_bit_exact(compiled, path, seeded(5)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
def test_padded_3x3s1_row_ends_dsp_path(board, tmp_path: Path, toolchain: str) -> None:
    """padded_rows_3x3s1, in assembly, runs a band's rows in one call and stores a row's last
    step of four only where the row has outputs: output widths 5 to 8 (one to four outputs in
    the last step) and 21, odd and even channel counts (one plane a pass and two), two batches,
    a narrow layer run transposed (its 30 rows as the rows); a ballast layer first (dilation 2,
    the generic kernel) leaves the arena room for them all; bit for bit against LiteRT."""
    rng = np.random.default_rng(91)
    cases = []
    for i, (n, h, w, c, d) in enumerate(
        ((1, 64, 64, 5, 2), (2, 4, 5, 3, 1), (2, 6, 6, 6, 1), (2, 5, 7, 5, 1), (2, 8, 8, 2, 1), (2, 9, 21, 6, 1),
         (2, 30, 7, 3, 1))
    ):  # fmt: skip
        weights = filter_tensor((1, 3, 3, c), 3, rng, i % 2 == 0, False)
        assert weights.scale is not None  # positive scales and no activation: st_requantize_fast's build
        weights = dataclasses.replace(weights, scale=[abs(v) or 1e-3 for v in weights.scale])
        x = act_tensor("x", (n, h, w, c), rng, False)
        tensors = [x, weights, bias_tensor(c, rng, 3000), spread_output("y", (n, h, w, c), x, weights, rng)]
        options = {**window_options("SAME", 1, d, 0), "fused_activation_function": "NONE", "depth_multiplier": 1}
        cases.append(Case(f"dw {h}x{w}x{c} d{d}", tensors, OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], options)))
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    path, compiled = write_and_compile(
        board, tmp_path / "ends.tflite", build_model(tensors, op_specs, inputs, outputs), toolchain
    )
    source = compiled.generated.source
    kernels = [kernel_of(source, i) for i in range(1, len(cases))]
    padded = {f"st_depthwise_conv2d_s8_inplace_padded{n}{t}_3x3s1" for n in ("", "2") for t in ("", "_t")}
    assert set(kernels) <= padded and kernels[-1].endswith("_t_3x3s1"), kernels
    assert "_general" not in source  # the assembly's build, not depthwise_conv2d_s8_general.c's C
    assert_uses_smlad(compiled, ("padded_rows_3x3s1",), also=("smmlar",))
    assert check_bit_exact(compiled, path, seeded(6)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("index", range(len(PADDED_FILTERS)))
def test_padded_bands_dsp_path(board, tmp_path: Path, toolchain: str, index: int) -> None:
    """Each padded depthwise filter alone in its model: its whole padded plane would raise the
    arena's peak, so the layer runs lean, its output rows a band at a time (bands of one row, or
    that do not divide the rows; two batches); DSP path, bit for bit against LiteRT."""
    rng = np.random.default_rng(11 + index)
    k, _, s = PADDED_FILTERS[index]
    padding = ("SAME", "VALID")[index % 2]
    h = 33 if index == 1 else 31
    oh, _ = out_size_and_padding(padding, h, k, s, 1)
    ow, _ = out_size_and_padding(padding, 23, k, s, 1)
    weights = filter_tensor((1, k, k, 3), 3, rng, index % 2 == 0, False)
    x = act_tensor("x", (2, h, 23, 3), rng, False)
    tensors = [x, weights, bias_tensor(3, rng, 3000), spread_output("y", (2, oh, ow, 3), x, weights, rng)]
    op = OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], {**window_options(padding, s, 1, index), "depth_multiplier": 1})
    path, compiled = write_and_compile(board, tmp_path / "band.tflite", build_model(tensors, [op], [0], [3]), toolchain)
    source = compiled.generated.source
    assert compiled.plan.lean == {0}
    assert kernel_of(source, 0) == f"st_depthwise_conv2d_s8_inplace_padded_{k}x{k}s{s}"
    band = band_of(source, 0)
    assert 1 <= band < oh and (band == 1 or oh % band), band
    assert_uses_smlad(compiled, (f"padded_rows_{k}x{k}s{s}",), also=())
    assert check_bit_exact(compiled, path, seeded(4)) > 0


@pytest.mark.parametrize("toolchain", TOOLCHAINS)
@pytest.mark.parametrize("index", range(len(PADDED_FILTERS)))
def test_padded_transposed_dsp_path(board, tmp_path: Path, toolchain: str, index: int) -> None:
    """Each padded filter on a narrow image (output_w well below output_h: KWS's 25x5), built
    for time, runs transposed (the image through scratch, the filter swapped by the code
    generator); two batches, an odd channel count, SAME and VALID; DSP path, bit for bit
    against LiteRT."""
    rng = np.random.default_rng(31 + index)
    k, _, s = PADDED_FILTERS[index]
    padding = ("SAME", "VALID")[index % 2]
    h, w = 29, k + 2
    oh, _ = out_size_and_padding(padding, h, k, s, 1)
    ow, _ = out_size_and_padding(padding, w, k, s, 1)
    weights = filter_tensor((1, k, k, 5), 3, rng, index % 2 == 0, False)
    x = act_tensor("x", (2, h, w, 5), rng, False)
    tensors = [x, weights, bias_tensor(5, rng, 3000), spread_output("y", (2, oh, ow, 5), x, weights, rng)]
    op = OpSpec("DEPTHWISE_CONV_2D", [0, 1, 2], [3], {**window_options(padding, s, 1, index), "depth_multiplier": 1})
    path = tmp_path / "narrow.tflite"
    path.write_bytes(build_model(tensors, [op], [0], [3]))
    compiled = compile_model(load_and_check(path), board, toolchain, optimization="time")
    assert kernel_of(compiled.generated.source, 0) == f"st_depthwise_conv2d_s8_inplace_padded_t_{k}x{k}s{s}"
    assert_uses_smlad(compiled, (f"padded_rows_{k}x{k}s{s}",), also=())
    assert check_bit_exact(compiled, path, seeded(7)) > 0
