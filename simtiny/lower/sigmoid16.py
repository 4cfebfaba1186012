"""LOGISTIC and TANH on int16 (the converter's 16x8 mode), as LiteRT's and TF-Lite Micro's
reference kernels compute them: the input rescaled to 1/(3 * 4096) (input_multiplier and
input_left_shift from Prepare), then one 256-entry table of sigmoid in Q0.16, sampled every 1/24,
interpolated linearly on the absolute value and mirrored for negative inputs. TANH reads the same
table through tanh(x) = 2 sigmoid(2x) - 1, at twice the resolution.

The table is computed here, not copied: sigmoid(i / 24) for i = 0 .. 254, each sample lowered by
half the error that linear interpolation makes at its segment's midpoint (in exact arithmetic,
then rounded to Q0.16), and 1.0 saturated to 65535 in the last entry. Those are the values the
references hold: tests/ops/test_sigmoid16.py compares every one of the 65,536 int16 inputs with
LiteRT at scales on both of Prepare's paths.
"""

from __future__ import annotations

import math

import numpy as np

from simtiny.lower import KernelCall
from simtiny.lower.activations import memo_table
from simtiny.lower.sixteen import int16_unary_reason, log2_if_pot
from simtiny.model import Graph, Operator

INPUT_INTEGER_BITS = 3  # Prepare's kInputIntegerBits: Q3.12 is the power-of-two input
OUTPUT_LOG2_SCALE = -15  # Q0.15 out, the only output scale Prepare takes
MAX_MULTIPLIER = 32767  # the reference's int32 product of an int16 input stays in range below it


@memo_table
def sigmoid_table() -> np.ndarray:
    """sigmoid(i / 24) in Q0.16 for i = 0 .. 255, each sample less half its segment's midpoint
    error (so that the interpolated curve straddles sigmoid), the last entry 1.0 saturated."""

    def sigmoid(x: float) -> float:
        return 1.0 / (1.0 + math.exp(-x / 24.0))

    entries = []
    for i in range(255):
        midpoint_error = (sigmoid(i) + sigmoid(i + 1)) / 2 - sigmoid(i + 0.5)
        entries.append(round(65536 * (sigmoid(i) - midpoint_error / 2)))
    entries.append(65535)
    return np.array(entries, dtype=np.uint16)


def input_scaling(scale: float, opcode: str) -> tuple[int, int]:
    """Prepare's (input_multiplier, input_left_shift), already resolved as Eval resolves the
    power-of-two case: a Q3.12 input (Q4.11 too for TANH, by CheckedLog2) takes 3 << shift with
    no shift; any other scale is brought to 1/(3 * 4096) by a multiplier doubled, in double, up
    past 16383.5 and truncated."""
    log2 = log2_if_pot(scale)
    pot_shift = None if log2 is None else (15 - INPUT_INTEGER_BITS) + log2
    if pot_shift is not None and pot_shift in ((0, 1) if opcode == "TANH" else (0,)):
        return 3 << pot_shift, 0
    multiplier, shift = scale * 4096.0 * 3.0, 0
    while multiplier <= 32767.0 / 2.0 and shift <= 30:
        shift += 1
        multiplier *= 2.0
    return int(multiplier), shift


class Sigmoid16:
    """LOGISTIC or TANH with int16 input and output (reached through the int8 lowering's variant)."""

    opcodes: tuple[str, ...] = ()

    def __init__(self, opcode: str) -> None:
        self.opcode = opcode

    def in_place(self, op: Operator, graph: Graph) -> bool:
        """Element k is written after it is read."""
        return True

    def check(self, op: Operator, graph: Graph) -> str | None:
        reason = int16_unary_reason(op, graph)
        if reason:
            return reason
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        if log2_if_pot(y.scale()) != OUTPUT_LOG2_SCALE or (self.opcode == "LOGISTIC" and y.scale() != 1.0 / 32768):
            return f"output scale {y.scale():g} (LiteRT requires 1/32768)"
        multiplier, _ = input_scaling(x.scale(), self.opcode)
        if not 0 < multiplier <= MAX_MULTIPLIER:
            return f"input scale {x.scale():g} outside the range LiteRT's int16 {self.opcode} computes in int32"
        return None

    def lower(self, op: Operator, graph: Graph, ctx) -> KernelCall:
        x = graph.tensor(op.inputs[0])
        multiplier, shift = input_scaling(x.scale(), self.opcode)
        table = ctx.const("st_sigmoid16_table", sigmoid_table())
        name = self.opcode.lower()
        p = ctx.ident(f"op{op.index}_{name}16")
        decl = f"static const st_sigmoid16_params {p} = {{{x.size}, {multiplier}, {shift}, {table}}};"
        call = f"st_{name}_s16(&{p}, {ctx.tensor(op.inputs[0])}, {ctx.tensor(op.outputs[0])});"
        return KernelCall(call, (f"{name}_s16",), (decl,))


LOGISTIC_16 = Sigmoid16("LOGISTIC")
TANH_16 = Sigmoid16("TANH")
