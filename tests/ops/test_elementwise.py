"""ADD, SUB, MUL, MAXIMUM and MINIMUM int8 against LiteRT's reference kernels, bit for bit.

Random broadcasts of ranks 0 to 6 from fixed seeds (several independent operators share one
model, to compile fewer libraries), constant operands, extreme scales, the operators'
refusals, and the kernels compiled for the Cortex-M7.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from support import opcheck
from support.opcheck import run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.elementwise import add_sub_multipliers, broadcast_loops, broadcast_shape
from simtiny.lower.quant import activation_range, f32, quantize_multiplier
from simtiny.model import parse_model

KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"
ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
OPCODES = ("ADD", "SUB", "MUL")


@dataclass
class Case(opcheck.Case):
    """A two-input case: inputs 0 and 1 are model inputs unless the case says otherwise."""

    inputs: list[int] = field(default_factory=lambda: [0, 1])


def scale(rng: np.random.Generator, extreme: bool) -> float:
    return f32(10 ** rng.uniform(-6, 1)) if extreme else f32(rng.uniform(0.002, 0.2))


def tensor(name: str, shape: tuple[int, ...], rng: np.random.Generator, s: float, constant: bool = False) -> TensorSpec:
    data = rng.integers(-128, 128, size=shape, dtype=np.int8) if constant else None
    return TensorSpec(name, shape, "int8", scale=[s], zero_point=[int(rng.integers(-128, 128))], data=data)


def random_shapes(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two broadcast-compatible shapes, ranks 0..6 (mostly up to 4), small extents."""
    rank = int(rng.choice([0, 1, 2, 3, 4, 4, 4, 5, 6]))
    full = [int(rng.integers(1, 6)) for _ in range(rank)]
    shapes = []
    for _ in range(2):
        kind = rng.integers(4)
        if kind == 0:  # the full shape
            shapes.append(tuple(full))
            continue
        keep = int(rng.integers(0, rank + 1))  # a suffix of the full shape ...
        shape = [d if rng.random() < 0.6 else 1 for d in full[rank - keep :]]  # ... with some 1s
        shapes.append(tuple(shape))
    if rng.random() < 0.5:
        shapes.reverse()
    return shapes[0], shapes[1]


def output_scale(rng: np.random.Generator, opcode: str, s1: float, s2: float, extreme: bool) -> float:
    """A random output scale LiteRT accepts (ADD and SUB abort on multipliers >= 1)."""
    while True:
        so = scale(rng, extreme)
        if opcode == "MUL":
            return so
        real = add_sub_multipliers(s1, s2, so)[2]
        if real < 1.0 and quantize_multiplier(real)[1] <= 0:
            return so


def random_case(rng: np.random.Generator, index: int, opcode: str | None = None) -> Case:
    opcode = opcode or str(rng.choice(OPCODES))
    a, b = random_shapes(rng)
    out = broadcast_shape(a, b)
    assert out is not None
    extreme = rng.random() < 0.25
    s1, s2 = scale(rng, extreme), scale(rng, extreme)
    so = output_scale(rng, opcode, s1, s2, extreme)
    const = int(rng.choice([0, 0, 0, 1, 2, 3])) if index else int(rng.choice([0, 1]))  # bit 0: a, bit 1: b
    tensors = [
        tensor("a", a, rng, s1, bool(const & 1)),
        tensor("b", b, rng, s2, bool(const & 2)),
        tensor("y", out, rng, so),
    ]
    activation = str(rng.choice(ACTIVATIONS))
    inputs = [i for i in (0, 1) if not const & (1 << i)]
    label = f"{opcode} {list(a)} {list(b)} scales {s1:g} {s2:g} {so:g} {activation} const={const}"
    return Case(label, tensors, OpSpec(opcode, [0, 1], [2], {"fused_activation_function": activation}), inputs)


MODELS, CASES_PER_MODEL, SAMPLES = 90, 8, 6


@pytest.mark.parametrize("seed", range(MODELS))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(5000 + seed)
    assert run_packed([random_case(rng, i) for i in range(CASES_PER_MODEL)], seed, SAMPLES) > 0


def extremum_case(rng: np.random.Generator, opcode: str, a: tuple[int, ...], b: tuple[int, ...]) -> Case:
    """MAXIMUM or MINIMUM: LiteRT compares stored values, so the scales are anything (and unequal)."""
    out = broadcast_shape(a, b)
    assert out is not None
    const = int(rng.choice([0, 0, 1, 2]))
    tensors = [
        tensor("a", a, rng, scale(rng, False), bool(const & 1)),
        tensor("b", b, rng, scale(rng, False), bool(const & 2)),
        tensor("y", out, rng, scale(rng, False)),
    ]
    inputs = [i for i in (0, 1) if not const & (1 << i)]
    return Case(f"{opcode} {list(a)} {list(b)} const={const}", tensors, OpSpec(opcode, [0, 1], [2]), inputs)


@pytest.mark.parametrize("seed", range(12))
def test_maximum_minimum_random(seed: int) -> None:
    rng = np.random.default_rng(9000 + seed)
    cases = [extremum_case(rng, str(rng.choice(["MAXIMUM", "MINIMUM"])), *random_shapes(rng)) for _ in range(8)]
    assert run_packed(cases, seed, SAMPLES) > 0


def test_maximum_minimum_edges() -> None:
    """Scalars, rank 6, a long row, the same tensor twice, and the refusals."""
    rng = np.random.default_rng(13)
    pairs = [((), ()), ((2, 1, 3, 1, 2, 1), (1, 2, 1, 3, 1, 2)), ((300,), (300,)), ((1, 1, 1, 97), (5, 1, 1))]
    cases = [extremum_case(rng, op, a, b) for op in ("MAXIMUM", "MINIMUM") for a, b in pairs]
    x = tensor("x", (3, 4), rng, 0.05)
    cases.append(Case("MAXIMUM x x", [x, tensor("y", (3, 4), rng, 0.1)], OpSpec("MAXIMUM", [0, 0], [1]), [0]))
    assert run_packed(cases, 14, 8) > 0
    bad = [tensor("a", (2, 3), rng, 0.1), tensor("b", (4, 3), rng, 0.1), tensor("y", (4, 3), rng, 0.1)]
    graph = parse_model(build_model(bad, [OpSpec("MINIMUM", [0, 1], [2])], [0, 1], [2]))
    assert lower.unsupported(graph) == ["MINIMUM (shapes [2, 3] and [4, 3] do not broadcast) x1 (operator 0)"]


@pytest.mark.parametrize("opcode", OPCODES)
def test_edge_shapes(opcode: str) -> None:
    """Scalars, 1x1, same shapes, a long inner row, rank 6, the same tensor as both operands."""
    rng = np.random.default_rng(11)
    pairs = [
        ((), ()),
        ((1,), ()),
        ((1, 1, 1, 1), (1,)),
        ((2, 3, 4, 5), (2, 3, 4, 5)),
        ((300,), (300,)),
        ((1, 1, 1, 97), (5, 1, 1)),
        ((2, 1, 3, 1, 2, 1), (1, 2, 1, 3, 1, 2)),
        ((4, 1), (1, 4)),
        ((3, 1, 5), (1, 7, 1)),
    ]
    cases = []
    for a, b in pairs:
        out = broadcast_shape(a, b)
        assert out is not None
        s1, s2 = scale(rng, False), scale(rng, False)
        so = output_scale(rng, opcode, s1, s2, False)
        tensors = [tensor("a", a, rng, s1), tensor("b", b, rng, s2), tensor("y", out, rng, so)]
        cases.append(Case(f"{opcode} {list(a)} {list(b)}", tensors, OpSpec(opcode, [0, 1], [2])))
    x = tensor("x", (3, 4), rng, 0.05)
    so = output_scale(rng, opcode, 0.05, 0.05, False)
    cases.append(Case(f"{opcode} x x", [x, tensor("y", (3, 4), rng, so)], OpSpec(opcode, [0, 0], [1]), [0]))
    assert run_packed(cases, 12, 8) > 0


@pytest.mark.parametrize("opcode", OPCODES)
def test_quantization_corners(opcode: str) -> None:
    """Zero points at both ends, equal and very unequal input scales, large MUL multipliers."""
    cases = []
    for s1, s2, so, z1, z2, zo in [
        (0.1, 0.1, 0.2, -128, 127, 0),
        (0.1, 0.1, 0.1, 127, -128, -128),
        (1e-5, 0.5, 1.0, 0, 0, 127),
        (0.5, 1e-5, 1.0, -5, 3, -128),
        (0.02, 0.03, 1e-3, 10, -10, 5),
        (2.0, 3.0, 0.01, 0, 0, 0),
        (1e-6, 1e-6, 2e-5, -128, -128, 0),
        (1.0, 1.0, 1e-5, 0, 0, 0),
        (0.5, 0.25, 3e-7, 7, -9, 2),
    ]:
        s1, s2, so = f32(s1), f32(s2), f32(so)
        if opcode != "MUL" and add_sub_multipliers(s1, s2, so)[2] >= 1.0:
            continue
        tensors = [
            TensorSpec("a", (4, 16), "int8", [s1], [z1]),
            TensorSpec("b", (16,), "int8", [s2], [z2]),
            TensorSpec("y", (4, 16), "int8", [so], [zo]),
        ]
        for activation in ACTIVATIONS:
            cases.append(
                Case(
                    f"{opcode} {s1:g} {s2:g} {so:g} {z1} {z2} {zo} {activation}",
                    tensors,
                    OpSpec(opcode, [0, 1], [2], {"fused_activation_function": activation}),
                )
            )
    assert run_packed(cases, 22, 8) > 0


def test_broadcast_loops_merge() -> None:
    assert broadcast_loops((2, 3, 4), (2, 3, 4), (2, 3, 4)) == ([24], [1], [1])
    assert broadcast_loops((2, 3, 4), (4,), (2, 3, 4)) == ([6, 4], [4, 1], [0, 1])
    assert broadcast_loops((2, 1, 4), (3, 1), (2, 3, 4)) == ([2, 3, 4], [4, 0, 1], [0, 1, 0])
    assert broadcast_loops((), (), ()) == ([1], [0], [0])
    assert broadcast_loops((1, 5), (1, 1), (1, 5)) == ([5], [1], [0])


# ---- refusals -----------------------------------------------------------------------------------


def checked(opcode: str, tensors: list[TensorSpec], options: dict | None = None) -> str | None:
    model = build_model(tensors, [OpSpec(opcode, [0, 1], [2], options or {})], [0, 1], [2])
    graph = parse_model(model)
    return lower.registry()[opcode].check(graph.operators[0], graph)


def three(a=(2, 3), b=(2, 3), y=(2, 3), s=(0.1, 0.1, 0.1), dtype="int8") -> list[TensorSpec]:
    return [
        TensorSpec("a", a, dtype, [s[0]], [0]),
        TensorSpec("b", b, dtype, [s[1]], [0]),
        TensorSpec("y", y, dtype, [s[2]], [0]),
    ]


def test_refusals() -> None:
    assert checked("ADD", three()) is None
    assert checked("ADD", three(dtype="int16")) == "int16 input"
    assert checked("MUL", three(b=(3, 2), y=(2, 3))) == "shapes [2, 3] and [3, 2] do not broadcast"
    assert checked("SUB", three(b=(3,), y=(3, 3))) == "output shape [3, 3], broadcast gives [2, 3]"
    assert checked("ADD", three(a=(1,) * 7, b=(1,) * 7, y=(1,) * 7)) == "rank 7 > 6"
    assert checked("MUL", three(), {"fused_activation_function": "TANH"}) == "fused activation TANH"
    assert checked("ADD", three(s=(0.5, 0.5, 1e-7))) == ("output scale too small (LiteRT ADD: output multiplier >= 1)")
    assert checked("SUB", three(s=(0.5, 0.5, 1e-7))) == ("output scale too small (LiteRT SUB: output multiplier >= 1)")
    assert checked("MUL", three(s=(0.5, 0.5, 1e-7))) is None
    tensors = three()
    tensors[1].scale, tensors[1].zero_point = [0.1, 0.2], [0, 0]
    assert checked("ADD", tensors) == "per-channel quantized input1"
    tensors = three()
    tensors[2].scale = tensors[2].zero_point = None
    assert checked("MUL", tensors) == "unquantized output"


# ---- the kernels build for the Cortex-M7 -------------------------------------------------------


def test_add_sub_tables_on_large_outputs() -> None:
    """ADD and SUB with at least ADD_TABLE_ELEMENTS outputs tabulate their inputs in scratch
    (512 int32), same shapes and broadcast, every activation; smaller ones take none."""
    from simtiny.flow.plan import plan_memory
    from simtiny.lower.elementwise import ADD_TABLE_ELEMENTS

    rng = np.random.default_rng(77)
    cases = []
    for i, (a, b) in enumerate((((1, 16, 16, 8), (1, 16, 16, 8)), ((1, 32, 40), (40,)), ((2, 9, 64), (2, 1, 64)))):
        for opcode in ("ADD", "SUB"):
            s1, s2 = scale(rng, False), scale(rng, False)
            out = broadcast_shape(a, b)
            assert out is not None and int(np.prod(out)) >= ADD_TABLE_ELEMENTS
            tensors = [
                tensor("a", a, rng, s1),
                tensor("b", b, rng, s2),
                tensor("y", out, rng, output_scale(rng, opcode, s1, s2, False)),
            ]
            options = {"fused_activation_function": ACTIVATIONS[(i + len(cases)) % len(ACTIVATIONS)]}
            cases.append(Case(f"{opcode} {a} {b}", tensors, OpSpec(opcode, [0, 1], [2], options)))
    small = [tensor("a", (4, 8), rng, 0.1), tensor("b", (4, 8), rng, 0.1), tensor("y", (4, 8), rng, 0.3)]
    graph = parse_model(build_model(small, [OpSpec("ADD", [0, 1], [2], {})], [0, 1], [2]))
    assert lower.scratch_bytes(graph.operators[0], graph, False) == 0
    tensors, op_specs, inputs, outputs, _ = opcheck.pack(cases)
    graph = parse_model(build_model(tensors, op_specs, inputs, outputs))
    assert all(lower.scratch_bytes(op, graph, False) == 4 * 512 for op in graph.operators)
    assert len(plan_memory(graph).scratch) >= len(cases) - 1  # the planner may keep one lean
    # both table paths: add_row_fast (the output shifts right by 1 to 22 bits, the activation
    # spans int8: st_requantize_fast) and add_row_tables (the others)
    fast = []
    for op in graph.operators:
        y = graph.tensor(op.outputs[0])
        reals = add_sub_multipliers(graph.tensor(op.inputs[0]).scale(), graph.tensor(op.inputs[1]).scale(), y.scale())
        shift = quantize_multiplier(reals[2])[1]
        full = activation_range(op.options.get("fused_activation_function", "NONE"), y.scale(), y.zero_point())
        fast.append(-22 <= shift <= -1 and full == (-128, 127))
    assert any(fast) and not all(fast), fast
    # the code generator calls st_add_s8_fast for those with tables, st_add_s8 for the rest
    from simtiny.flow.codegen import generate

    plan = plan_memory(graph)
    calls = re.findall(r"(st_add_s8(?:_fast)?)\(&", generate(graph, plan).source)
    assert [c == "st_add_s8_fast" for c in calls] == [f and i in plan.scratch for i, f in enumerate(fast)], calls
    assert run_packed(cases, 77, 4) > 0
