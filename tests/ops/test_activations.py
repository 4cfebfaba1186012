"""LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU*, EXP and LOG int8 against LiteRT's reference
kernels, bit for bit.

Every table simtiny computes is compared with LiteRT on all 256 int8 inputs, for many random
quantizations (plausible and extreme); compiled models with several operators each check the
kernel and the code generation; then the refusals and the Cortex-M7 build of the kernel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.opcheck import check_model, reference_interpreter
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower import activations as act
from simtiny.lower.quant import f32
from simtiny.model import parse_model

KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"
ALL_INT8 = np.arange(-128, 128, dtype=np.int8)
OPCODES = (
    "LOGISTIC",
    "TANH",
    "HARD_SWISH",
    "LEAKY_RELU",
    "RELU",
    "RELU6",
    "RELU_N1_TO_1",
    "RELU_0_TO_1",
    "EXP",
    "LOG",
)
VERSIONS = {"LOGISTIC": 2, "TANH": 2, "LEAKY_RELU": 2, "RELU": 2, "RELU6": 2}
ALPHAS = (0.0, 0.01, 0.1, 0.2, 0.3, 0.5, 1.0, 1.5, -0.25, -0.5, -0.375, -2.0)
# Ratios of output to input scale that make exact halves (ties) frequent in the fixed-point steps.
TIE_RATIOS = (1.0, 2.0, 0.5, 4.0, 1 / 0.75, 1 / 1.5, 1 / 3, 8 / 3, 1 / 0.375)


def random_scale(rng: np.random.Generator, extreme: bool) -> float:
    """A float32 scale: plausible, or (extreme) anywhere between 2^-36 and 2^24."""
    return f32(2.0 ** rng.uniform(-36, 24) if extreme else 10 ** rng.uniform(-3, 0))


def random_quant(opcode: str, rng: np.random.Generator, extreme: bool) -> tuple[float, int, float, int, dict]:
    """(input scale, zero point, output scale, zero point, options) for one operator."""
    in_scale, out_scale = random_scale(rng, extreme), random_scale(rng, extreme)
    in_zp, out_zp = (int(v) for v in rng.integers(-128, 128, size=2))
    if rng.random() < 0.1:
        in_zp = int(rng.choice([-128, 127, 0]))
    if rng.random() < 0.3:
        out_scale = f32(in_scale * rng.choice(TIE_RATIOS))  # same scale (common for RELU), or ties
    if opcode == "LOGISTIC":
        out_scale = act.LOGISTIC_OUTPUT_SCALE
        if rng.random() < 0.5:
            out_zp = -128  # what converters emit
    if opcode == "TANH" and rng.random() < 0.5:
        out_scale, out_zp = 1.0 / 128, 0  # what converters emit
    options = {}
    if opcode == "LEAKY_RELU":
        options["alpha"] = f32(rng.choice(ALPHAS) if rng.random() < 0.6 else rng.uniform(-3, 3))
    return in_scale, in_zp, out_scale, out_zp, options


def table_of(opcode: str, in_scale: float, in_zp: int, out_scale: float, out_zp: int, options: dict) -> np.ndarray:
    if opcode == "LOGISTIC":
        return act.logistic_table(in_scale, in_zp, out_scale, out_zp)
    if opcode == "TANH":
        return act.tanh_table(in_scale, in_zp, out_scale, out_zp)
    if opcode == "HARD_SWISH":
        return act.hard_swish_table(in_scale, in_zp, out_scale, out_zp)
    if opcode == "LEAKY_RELU":
        return act.leaky_relu_table(in_scale, in_zp, out_scale, out_zp, options["alpha"])
    if opcode in ("EXP", "LOG"):
        low = f32(f32(-128 - out_zp) * f32(out_scale))
        fn = act.exp_value if opcode == "EXP" else act.log_value(low)
        return act.float_lut(fn, in_scale, in_zp, out_scale, out_zp)
    return act.relu_table(opcode, in_scale, in_zp, out_scale, out_zp)


def unary_model(
    opcode: str, shape: tuple[int, ...], in_scale: float, in_zp: int, out_scale: float, out_zp: int, options: dict
) -> bytes:
    tensors = [
        TensorSpec("x", shape, "int8", scale=[in_scale], zero_point=[in_zp]),
        TensorSpec("y", shape, "int8", scale=[out_scale], zero_point=[out_zp]),
    ]
    return build_model(tensors, [OpSpec(opcode, [0], [1], options, VERSIONS.get(opcode, 1))], [0], [1])


def refusal(
    opcode: str,
    in_scale: float,
    out_scale: float,
    options: dict | None = None,
    dtype: str = "int8",
    zero_points: tuple[int, int] = (0, 0),
) -> str | None:
    model = unary_model(opcode, (1, 4), in_scale, zero_points[0], out_scale, zero_points[1], options or {})
    graph = parse_model(model)
    graph.tensor(0).dtype = dtype
    return lower.registry()[opcode].check(graph.operators[0], graph)


def litert_on_all_inputs(model: bytes) -> np.ndarray:
    interpreter = reference_interpreter(model)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], ALL_INT8)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


# ---- every table against LiteRT on all 256 inputs ---------------------------------------------


@pytest.mark.parametrize("opcode", OPCODES)
def test_table_matches_litert(opcode: str) -> None:
    rng = np.random.default_rng(OPCODES.index(opcode) + 100)
    compared = 0
    for case in range(400):
        quant = random_quant(opcode, rng, extreme=case % 3 == 2)
        if refusal(opcode, quant[0], quant[2], quant[4], zero_points=(quant[1], quant[3])):
            continue
        want = litert_on_all_inputs(unary_model(opcode, (256,), *quant))
        got = table_of(opcode, *quant)[ALL_INT8.view(np.uint8)].view(np.int8)
        diff = np.flatnonzero(want != got)
        assert diff.size == 0, (
            f"{opcode} {quant}: {diff.size} of 256 differ, first input {ALL_INT8[diff[0]]}: "
            f"simtiny {got[diff[0]]}, LiteRT {want[diff[0]]}"
        )
        compared += 1
    assert compared >= 250, f"only {compared} of 400 quantizations accepted"


def test_logistic_tanh_need_the_c_library() -> None:
    """numpy's float32 exp differs from the C library's; the tables must use the latter."""
    x = np.float32(2.0**-24)
    assert act.expf(x) == np.float32(1.0) + np.float32(2.0**-23)  # exp(2^-24) rounds up, correctly
    assert act.sigmoid(np.float32(0.0)) == np.float32(0.5)
    assert act.tanhf(np.float32(0.0)) == np.float32(0.0)


# ---- compiled models ---------------------------------------------------------------------------

SHAPES = [(1,), (3,), (4,), (5,), (7,), (1, 8), (2, 9), (1, 4, 4, 3), (1, 5, 3, 7), (1, 16, 16, 8), (2, 3, 1, 11)]


@pytest.mark.parametrize("seed", range(20))
def test_compiled_models(seed: int) -> None:
    """Twelve independent operators per model, each with its own input and output."""
    rng = np.random.default_rng(seed)
    tensors: list[TensorSpec] = []
    op_specs, inputs, outputs, labels = [], [], [], []
    while len(op_specs) < 12:
        opcode = OPCODES[(seed + len(op_specs)) % len(OPCODES)]
        quant = random_quant(opcode, rng, extreme=rng.random() < 0.2)
        if refusal(opcode, quant[0], quant[2], quant[4], zero_points=(quant[1], quant[3])):
            continue
        in_scale, in_zp, out_scale, out_zp, options = quant
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        base = len(tensors)
        tensors += [
            TensorSpec(f"x{base}", shape, "int8", scale=[in_scale], zero_point=[in_zp]),
            TensorSpec(f"y{base}", shape, "int8", scale=[out_scale], zero_point=[out_zp]),
        ]
        op_specs.append(OpSpec(opcode, [base], [base + 1], options, VERSIONS.get(opcode, 1)))
        inputs.append(base)
        outputs.append(base + 1)
        labels.append(f"output {len(labels)}: {opcode} {shape} {quant}")
    check_model(tensors, op_specs, inputs, outputs, rng, samples=6, label="; ".join(labels))


def test_chain_of_activations() -> None:
    """Operators feeding each other, so tables run on intermediate tensors in the arena."""
    rng = np.random.default_rng(77)
    shape = (1, 6, 6, 5)
    q = [(f32(0.05), 3), (f32(0.04), -10), (act.LOGISTIC_OUTPUT_SCALE, -128), (f32(1 / 128), 0), (f32(0.02), -128)]
    tensors = [TensorSpec(f"t{i}", shape, "int8", scale=[s], zero_point=[z]) for i, (s, z) in enumerate(q)]
    op_specs = [
        OpSpec("HARD_SWISH", [0], [1]),
        OpSpec("LOGISTIC", [1], [2], {}, 2),
        OpSpec("TANH", [2], [3], {}, 2),
        OpSpec("RELU6", [3], [4], {}, 2),
    ]
    check_model(tensors, op_specs, [0], [4], rng, samples=8, label="HARD_SWISH-LOGISTIC-TANH-RELU6")


# ---- refusals ----------------------------------------------------------------------------------


def test_refusals() -> None:
    assert refusal("LOGISTIC", 0.1, act.LOGISTIC_OUTPUT_SCALE) is None
    assert refusal("LOGISTIC", 0.1, 0.01) == "output scale 0.01, LiteRT requires 1/256"
    assert refusal("TANH", 0.1, f32(2.0**-32)) == "output scale 2.32831e-10 below 2^-30 (int32 overflow in LiteRT)"
    assert refusal("HARD_SWISH", 0.1, 0.0001) == "output scale 0.0001 below input scale / 128 (LiteRT refuses it)"
    assert refusal("HARD_SWISH", 2000.0, 2000.0) == "input scale 2000 too large (int32 overflow in LiteRT's left shift)"
    assert refusal("RELU", 1.0, f32(2.0**-24)) == "input/output scale ratio beyond 2^23 (int32 overflow in LiteRT)"
    assert refusal("LEAKY_RELU", 1.0, 1.0, {"alpha": f32(2.0**25)}) == (
        "input/output scale ratio beyond 2^23 (int32 overflow in LiteRT)"
    )
    assert refusal("RELU6", 1e-3, 4e-9) == "output scale 4e-09 too small for the clamp (int32 overflow in LiteRT)"
    assert refusal("RELU", 0.1, 0.1, dtype="int16") == "int16 input"
    assert refusal("TANH", 0.1, 0.1, dtype="uint8") == "uint8 input"
    model = unary_model("RELU", (1, 2), 0.1, 0, 0.1, 0, {})
    graph = parse_model(model)
    graph.tensor(0).quant = None
    assert lower.registry()["RELU"].check(graph.operators[0], graph) == "unquantized input"


def test_litert_refuses_what_simtiny_refuses() -> None:
    """The refusals that mirror a failing Prepare in LiteRT: LiteRT must fail on them too."""
    for opcode, in_scale, out_scale in (("LOGISTIC", 0.1, 0.01), ("HARD_SWISH", 0.1, 0.0001)):
        with pytest.raises(RuntimeError):
            reference_interpreter(unary_model(opcode, (4,), in_scale, 0, out_scale, 0, {}))


# ---- the kernel builds for the Cortex-M7 -------------------------------------------------------

ZIG_TARGET = ["-target", "thumb-freestanding-eabihf", "-mcpu=cortex_m7+fp_armv8d16"]


@pytest.mark.parametrize("seed", range(3))
def test_elu_against_tf_lite_micro(seed: int) -> None:
    """ELU int8: LiteRT's reference kernels have none; TF-Lite Micro tabulates exp(x) - 1 below 0
    with the C library's expf, as simtiny's table does. Every input byte, twelve quantizations a
    model (output scales finer and coarser than the input's, zero points anywhere)."""
    from support.opcheck import Case, run_packed

    rng = np.random.default_rng(8800 + seed)
    cases = []
    for _ in range(12):
        in_scale = f32(10 ** rng.uniform(-2.5, -0.5))
        out_scale = f32(in_scale * 10 ** rng.uniform(-0.7, 0.7))
        zps = [int(rng.integers(-128, 128)) for _ in range(2)]
        tensors = [
            TensorSpec("x", (256,), "int8", scale=[in_scale], zero_point=[zps[0]]),
            TensorSpec("y", (256,), "int8", scale=[out_scale], zero_point=[zps[1]]),
        ]
        cases.append(
            Case(f"ELU int8 {in_scale:g} {zps[0]} -> {out_scale:g} {zps[1]}", tensors, OpSpec("ELU", [0], [1]))
        )

    def every_byte(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
        return ALL_INT8.copy()

    assert run_packed(cases, seed, 1, draw=every_byte, reference="tflm") == 12 * 256
