"""ADD, SUB and MUL on int32 and float32 values against LiteRT, bit for bit: broadcasting to 6-D,
every fused activation, int32 sums and products that wrap, floats of every magnitude with
infinities and NaN among them (an overflow comes out FLT_MAX, as LiteRT's clamp gives it)."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.lower import lowering_for
from simtiny.lower.arith import ARITH
from simtiny.model import parse_model
from tests.ops.test_elementwise import random_shapes

ACTIVATIONS = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")
SPECIAL = np.array([np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 0.0, -0.0, 1e-45, 6.0, -1.0], np.float32)


def arith_case(rng: np.random.Generator, opcode: str, dtype: str) -> Case:
    a, b = random_shapes(rng)
    out = tuple(np.broadcast_shapes(a, b))
    activation = ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))]
    tensors = [TensorSpec("x", a, dtype), TensorSpec("y", b, dtype), TensorSpec("z", out, dtype)]
    op = OpSpec(opcode, [0, 1], [2], {"fused_activation_function": activation})
    return Case(f"{opcode} {dtype} {list(a)} {list(b)} {activation}", tensors, op, inputs=[0, 1])


def draw(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """int32: small values or any (so that sums and products wrap); float32: 2^-30 to 2^120 in
    magnitude, both signs, SPECIAL's values mixed in."""
    if spec.dtype == "int32":
        bound = int(rng.choice([8, 2**31]))
        return np.asarray(rng.integers(-bound, bound, spec.shape, dtype=np.int64)).astype(np.int32)
    x = np.asarray(rng.choice([-1.0, 1.0], spec.shape) * 2.0 ** rng.uniform(-30, 120, spec.shape), np.float32)
    pick = np.asarray(rng.random(spec.shape) < 0.2)
    x[pick] = rng.choice(SPECIAL, int(pick.sum()))
    return x.reshape(spec.shape)


@pytest.mark.parametrize("dtype", ["int32", "float32"])
@pytest.mark.parametrize("opcode", ["ADD", "SUB", "MUL"])
def test_arith(opcode: str, dtype: str) -> None:
    rng = np.random.default_rng(["ADD", "SUB", "MUL"].index(opcode) * 2 + (dtype == "float32"))
    cases = [arith_case(rng, opcode, dtype) for _ in range(10)]
    assert run_packed(cases, 3, 6, draw=draw) > 0


def test_int8_and_int16_keep_their_own_kernels() -> None:
    """The variant picks the plain arithmetic for int32 and float32 only."""
    for dtype, plain in (("int32", True), ("float32", True), ("int8", False), ("int16", False)):
        q = {} if plain else {"scale": [0.1], "zero_point": [0]}
        tensors = [TensorSpec(n, (2, 3), dtype, **q) for n in "xyz"]
        graph = parse_model(build_model(tensors, [OpSpec("ADD", [0, 1], [2])], [0, 1], [2]))
        assert (lowering_for(graph.operators[0], graph) is ARITH) == plain, dtype
