"""Operators whose kernels are portable C alone (no DSP path pays for them), and the newer ones, run
on the simulated board with both toolchains against LiteRT: SPLIT, SPLIT_V, PACK, UNPACK, GATHER,
RESIZE_BILINEAR, SLICE, DEPTH_TO_SPACE, SPACE_TO_DEPTH, MIRROR_PAD, BROADCAST_TO, REVERSE_V2,
SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, GATHER_ND, MAXIMUM, MINIMUM, REDUCE_MAX, REDUCE_MIN,
ARG_MAX, ARG_MIN, LOG_SOFTMAX, CAST (floats and bools too); the 16x8 CONV_2D, DEPTHWISE_CONV_2D,
FULLY_CONNECTED, SOFTMAX, ADD, SUB, MUL and pools (int16 activations);
UNIDIRECTIONAL_SEQUENCE_LSTM (int16 cell state, its states carried between invocations; layer norm); DIV
(int8 by constant divisors, which never equal their zero point; float32); NEG, ABS, SQRT, RSQRT,
FLOOR, SQUARE (float32) and ABS (int8); SQUARED_DIFFERENCE; BATCH_MATMUL (its DSP path);
TRANSPOSE_CONV; PRELU; L2_NORMALIZATION; the comparisons, the logical operators and SELECT_V2;
FLOOR_DIV and FLOOR_MOD (constant divisors), CUMSUM, L2_POOL_2D, DYNAMIC_UPDATE_SLICE,
BROADCAST_ARGS, TFLite_Detection_PostProcess, IF and WHILE, and ADD, SUB, MUL on int32 and
float32. Their host tests (tests/ops) cover
the random cases; this checks the same cases compiled for the Cortex-M7."""

from __future__ import annotations

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
from simtiny.flow.verify import reference_writes, same_bits
from simtiny.platform import load_platform
from tests.ops.test_activations16 import rescale_case
from tests.ops.test_arith import arith_case
from tests.ops.test_arith import draw as draw_arith
from tests.ops.test_batch_matmul import matmul_case
from tests.ops.test_broadcast_args import broadcast_args_case
from tests.ops.test_broadcast_args import draw as draw_shapes
from tests.ops.test_cast import cast_case
from tests.ops.test_cast import draw as draw_casts
from tests.ops.test_compare import compare_case, logical_case, select_case
from tests.ops.test_control_flow import counted_loop, doubled, draw_counter, draw_if, nested_if, passed, x8
from tests.ops.test_cumsum import cumsum_case
from tests.ops.test_detection_postprocess import detection_case
from tests.ops.test_detection_postprocess import draw as draw_detections
from tests.ops.test_div import div_case
from tests.ops.test_elementwise import extremum_case, random_shapes
from tests.ops.test_floor_div import floor_case
from tests.ops.test_l2_normalization import l2_case
from tests.ops.test_lstm import lstm_case
from tests.ops.test_lstm16 import lstm16_case
from tests.ops.test_movement import random_bilinear, random_gather, random_pack, random_split
from tests.ops.test_pool import l2_pool_case
from tests.ops.test_pool import random_case as pool_case
from tests.ops.test_prelu import prelu_case
from tests.ops.test_quantize import int16_edges
from tests.ops.test_reduce import arg_case, minmax_case, sum_case
from tests.ops.test_sigmoid16 import random_case as sigmoid16_case
from tests.ops.test_sixteen import GENERATORS as SIXTEEN
from tests.ops.test_slice_and_depth import (
    batch_space_case,
    broadcast_to_case,
    depth_case,
    dynamic_update_case,
    gather_nd_case,
    mirror_pad_case,
    reverse_case,
    slice_case,
)
from tests.ops.test_softmax import log_softmax_case
from tests.ops.test_squared_difference import squared_difference16_case, squared_difference_case
from tests.ops.test_transpose_conv import transpose_conv_case
from tests.ops.test_unary import draw_halves, float_case, int8_case


def on_the_board(
    tmp_path,
    toolchain: str,
    cases: list,
    draw=None,
    subgraphs=None,
    board: str = "stm32h743",
    reference: str = "litert",
) -> CompiledModel:
    """The cases packed in one model (with `subgraphs` after the first, for IF and WHILE), built
    for the board, run on three random inputs (drawn by `draw`, as the host tests draw them, if
    given) as one stream (a stateful operator's state carried from each to the next, as the
    reference's interpreter carries it) and compared with `reference` bit for bit; the build."""
    tensors, ops, inputs, outputs, label = pack(cases)
    path = tmp_path / "ops.tflite"
    path.write_bytes(build_model(tensors, ops, inputs, outputs, subgraphs=subgraphs))
    compiled = compile_model(load_and_check(path), load_platform(board), toolchain)
    if draw is None:
        batch = [random_inputs(compiled.graph, s) for s in range(3)]
    else:
        rng = np.random.default_rng(len(cases))
        batch = [[draw(rng, tensors[i]) for i in inputs] for _ in range(3)]
    compared, state = 0, None
    for values, gold in zip(batch, run_golden_batch(path, batch, reference=reference), strict=True):
        run = simulate(compiled, values, memory_model=False, state=state)
        got, state = run.outputs, run.state or None
        written = reference_writes(compiled.graph, gold.outputs)  # all, but what LiteRT leaves unwritten
        for k, (g, w, m) in enumerate(zip(got, gold.outputs, written, strict=True)):
            assert g.shape == w.shape, f"output {k} shape {g.shape}, {reference} {w.shape} ({label})"
            assert same_bits(g, w)[True if m is None else m].all(), f"output {k} differs ({label})"
            compared += g.size if m is None else int(m.sum())
    assert compared > 0
    return compiled


@pytest.mark.sim
def test_movement_and_reduction_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(77)
    cases = [random_split(rng) for _ in range(6)]
    cases += [extremum_case(rng, op, *random_shapes(rng)) for op in ("MAXIMUM", "MINIMUM") for _ in range(3)]
    cases += [minmax_case(rng) for _ in range(4)] + [arg_case(rng) for _ in range(3)]
    cases += [random_pack(rng) for _ in range(4)] + [random_gather(rng) for _ in range(3)]
    cases += [random_bilinear(rng) for _ in range(3)] + [log_softmax_case(rng) for _ in range(3)]
    cases += [slice_case(rng) for _ in range(2)] + [depth_case(rng, op) for op in ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH")]
    cases += [mirror_pad_case(rng) for _ in range(3)] + [broadcast_to_case(rng), reverse_case(rng)]
    cases += [batch_space_case(rng, op) for op in ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND") for _ in range(2)]
    cases += [gather_nd_case(rng) for _ in range(2)]
    cases += [
        cast_case(rng, source, target)
        for source, target in (("int8", "int32"), ("int32", "int8"), ("int16", "float32"))
    ]
    compiled = on_the_board(tmp_path, toolchain, cases)
    ops = {"SPLIT", "SPLIT_V", "PACK", "UNPACK", "GATHER", "RESIZE_BILINEAR", "MAXIMUM", "MINIMUM"}
    ops |= {"REDUCE_MAX", "REDUCE_MIN", "ARG_MAX", "ARG_MIN", "LOG_SOFTMAX", "CAST"}
    ops |= {"SLICE", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "MIRROR_PAD", "BROADCAST_TO", "REVERSE_V2"}
    ops |= {"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "GATHER_ND"}
    assert {op.opcode for op in compiled.graph.operators} == ops


@pytest.mark.sim
def test_16x8_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(78)
    cases = [make(rng) for make in SIXTEEN.values() for _ in range(3)] + [pool_case(rng, "int16") for _ in range(4)]
    cases += [sigmoid16_case(rng, opcode) for opcode in ("LOGISTIC", "TANH") for _ in range(2)] + int16_edges(rng)
    cases += [rescale_case(rng, opcode) for opcode in ("RELU", "RELU6", "LEAKY_RELU", "ABS")]
    compiled = on_the_board(tmp_path, toolchain, cases)
    kernels = {"conv2d_s16x8", "depthwise_conv2d_s16x8", "fully_connected_s16x8", "softmax_s16", "add_s16", "pool_s16"}
    kernels |= {"mul_s16", "logistic_s16", "tanh_s16", "quantize_s8", "dequantize_s8", "requantize_s16_s8"}
    kernels |= {"rescale_s16", "transpose_conv_s16x8", "maximum_minimum_s8", "compare", "reduce_minmax_s8"}
    kernels |= {"batch_matmul_s16"}
    assert kernels <= set(compiled.generated.kernels)


@pytest.mark.sim
def test_lstm_cases_on_the_board(tmp_path, toolchain):
    """Six LSTMs and three layer-norm LSTMs, their states carried over three invocations."""
    cases = [lstm_case(np.random.default_rng(79 + k), layer_norm=k >= 6) for k in range(9)]
    compiled = on_the_board(tmp_path, toolchain, cases)
    assert "lstm_s8" in compiled.generated.kernels


@pytest.mark.sim
def test_lstm16_cases_on_the_board(tmp_path, toolchain):
    """Four 16x8 LSTMs against TF-Lite Micro (LiteRT has none), their states carried over three
    invocations."""
    rng = np.random.default_rng(84)
    cases = [lstm16_case(rng, log2) for log2 in (-15, -12, -11, -4)]
    compiled = on_the_board(tmp_path, toolchain, cases, reference="tflm")
    assert {"lstm_s16", "logistic_s16", "tanh_s16"} <= set(compiled.generated.kernels)


@pytest.mark.sim
def test_tflm_reference_cases_on_the_board(tmp_path, toolchain):
    """SUM int8 and int16, SQUARED_DIFFERENCE int16 and ELU int8 against TF-Lite Micro (LiteRT
    2.3's SUM casts unclamped sums; it has no int16 SQUARED_DIFFERENCE and no ELU)."""
    rng = np.random.default_rng(85)
    cases = [sum_case(rng, dtype) for dtype in ("int8", "int8", "int16", "int16")]
    cases += [squared_difference16_case(rng) for _ in range(3)]
    elu = [TensorSpec(n, (2, 40), "int8", scale=[s], zero_point=[z]) for n, s, z in (("x", 0.04, 5), ("y", 0.03, -70))]
    cases.append(Case("ELU int8", elu, OpSpec("ELU", [0], [1])))
    compiled = on_the_board(tmp_path, toolchain, cases, reference="tflm")
    assert {"mean_s8", "squared_difference", "lut_s8"} <= set(compiled.generated.kernels)


@pytest.mark.sim
def test_ceil_and_round_on_the_board(tmp_path, toolchain):
    """CEIL (VRINTP) and ROUND (ties to even from the floor) against TF-Lite Micro, ties and
    zeros' signs among the values."""
    cases = [float_case(opcode, 64) for opcode in ("CEIL", "ROUND")]
    # an int8 operator beside them: simtiny refuses a model that is float32 throughout
    cases.append(extremum_case(np.random.default_rng(86), "MAXIMUM", (3, 4), (3, 4)))
    compiled = on_the_board(tmp_path, toolchain, cases, draw=draw_halves, reference="tflm")
    assert "unary_f32" in compiled.generated.kernels


@pytest.mark.sim
def test_div_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(80)
    cases = [div_case(rng, "int8", const=2) for _ in range(4)] + [div_case(rng, "float32") for _ in range(4)]
    compiled = on_the_board(tmp_path, toolchain, cases)
    assert "div" in compiled.generated.kernels


@pytest.mark.sim
def test_unary_and_squared_difference_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(81)
    cases = [float_case(opcode, 37) for opcode in ("NEG", "ABS", "SQRT", "RSQRT", "FLOOR", "SQUARE")]
    cases += [int8_case(rng, "ABS")]
    cases += [squared_difference_case(rng, dtype) for dtype in ("int8", "int8", "float32")]
    compiled = on_the_board(tmp_path, toolchain, cases)
    assert {"unary_f32", "lut_s8", "squared_difference"} <= set(compiled.generated.kernels)


@pytest.mark.sim
def test_batch_matmul_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(82)
    cases = [matmul_case(rng) for _ in range(8)]
    while len({(c.op.options["adj_x"], c.op.options["adj_y"]) for c in cases}) < 4:  # every layout
        cases.append(matmul_case(rng))
    compiled = on_the_board(tmp_path, toolchain, cases)
    assert "batch_matmul_s8" in compiled.generated.kernels


@pytest.mark.sim
def test_transpose_conv_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(83)
    compiled = on_the_board(tmp_path, toolchain, [transpose_conv_case(rng) for _ in range(6)])
    assert "transpose_conv_s8" in compiled.generated.kernels


@pytest.mark.sim
def test_prelu_and_l2_normalization_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(84)
    compiled = on_the_board(tmp_path, toolchain, [prelu_case(rng) for _ in range(5)] + [l2_case(rng) for _ in range(4)])
    assert {"prelu_s8", "l2_normalization_s8"} <= set(compiled.generated.kernels)


@pytest.mark.sim
def test_comparison_logical_and_select_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(85)
    cases = (
        [compare_case(rng) for _ in range(6)]
        + [logical_case(rng) for _ in range(3)]
        + [select_case(rng) for _ in range(3)]
    )
    compiled = on_the_board(tmp_path, toolchain, cases)
    assert {"compare", "select_v2"} <= set(compiled.generated.kernels)


@pytest.mark.sim
def test_floor_cumsum_l2_pool_and_update_cases_on_the_board(tmp_path, toolchain):
    """DYNAMIC_UPDATE_SLICE's starts come from random inputs: mostly far out of range, so clamped."""
    rng = np.random.default_rng(86)
    cases = [floor_case(rng, const=True) for _ in range(6)] + [cumsum_case(rng) for _ in range(4)]
    cases += [l2_pool_case(rng) for _ in range(3)] + [dynamic_update_case(rng) for _ in range(3)]
    compiled = on_the_board(tmp_path, toolchain, cases)
    assert {"floor_div", "cumsum", "l2_pool_f32", "dynamic_update_slice"} <= set(compiled.generated.kernels)


@pytest.mark.sim
def test_broadcast_args_cases_on_the_board(tmp_path, toolchain):
    rng = np.random.default_rng(87)
    compiled = on_the_board(tmp_path, toolchain, [broadcast_args_case(rng) for _ in range(6)], draw=draw_shapes)
    assert "broadcast_args" in compiled.generated.kernels


@pytest.mark.sim
def test_float_and_bool_casts_on_the_board(tmp_path, toolchain):
    """Floats of every magnitude, NaN and infinities cast as LiteRT casts them: the Cortex-M7's
    own conversion saturates too, but NaN to 0, and C leaves the rest undefined."""
    rng = np.random.default_rng(88)
    pairs = [("float32", t) for t in ("int8", "uint8", "int16", "int32", "bool")]
    pairs += [("int16", "bool"), ("bool", "float32"), ("bool", "int8")]
    cases = [cast_case(rng, source, target) for source, target in pairs]
    compiled = on_the_board(tmp_path, toolchain, cases, draw=draw_casts)
    assert "cast" in compiled.generated.kernels


@pytest.mark.sim
def test_detection_postprocess_on_the_board(tmp_path, toolchain):
    """SSD decoding in double (e^x computed by the kernel, no C library) and both suppressions,
    tied scores among them, as LiteRT computes them."""
    rng = np.random.default_rng(89)
    types = [("float32", "float32"), ("uint8", "uint8"), ("uint8", "float32")]
    cases = [detection_case(rng, *t, regular) for t in types for regular in (False, True)]
    compiled = on_the_board(tmp_path, toolchain, cases, draw=draw_detections)
    assert "detection_postprocess" in compiled.generated.kernels


@pytest.mark.sim
def test_double_arithmetic_on_a_single_precision_fpu(tmp_path, toolchain):
    """The STM32F746's FPU has no double precision: the detection kernel's double decoding (its
    e^x included) goes through the compiler's run-time library (libgcc, or zig's compiler-rt,
    which zig failed to link before), bit-exact all the same."""
    rng = np.random.default_rng(92)
    cases = [detection_case(rng, "float32", "float32", regular) for regular in (False, True)]
    on_the_board(tmp_path, toolchain, cases, draw=draw_detections, board="stm32f746g-disco")


@pytest.mark.sim
def test_if_and_while_on_the_board(tmp_path, toolchain):
    """An IF whose else branch is itself an IF, and a loop that swaps its variables each turn."""
    options = {"then_subgraph_index": 1, "else_subgraph_index": 3}
    branch = Case("IF", [TensorSpec("c", (1,), "bool"), x8("x"), x8("y")], OpSpec("IF", [0, 1], [2], options), [0, 1])
    on_the_board(tmp_path, toolchain, [branch], draw=draw_if, subgraphs=[doubled(), passed(), nested_if("nested")])
    main, (op,), subgraphs = counted_loop(swap=True)
    loop = Case("WHILE", main, op, [0, 1, 2])
    on_the_board(tmp_path, toolchain, [loop], draw=draw_counter, subgraphs=subgraphs)


@pytest.mark.sim
def test_int32_and_float32_arithmetic_on_the_board(tmp_path, toolchain):
    """Wrapping int32 sums and products; float32 with infinities, NaN and overflow to FLT_MAX."""
    rng = np.random.default_rng(91)
    cases = [arith_case(rng, op, dtype) for op in ("ADD", "SUB", "MUL") for dtype in ("int32", "float32")]
    compiled = on_the_board(tmp_path, toolchain, cases, draw=draw_arith)
    assert "arith" in compiled.generated.kernels
