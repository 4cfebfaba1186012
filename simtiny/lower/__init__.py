"""Operator lowerings: one module per operator family turns a graph operator into a kernel call.

Each module in this package defines `LOWERINGS`, a list of objects with:
  opcodes: tuple[str, ...]                 builtin operator names handled
  check(op, graph) -> str | None           None if supported, else a short reason ("int16 input")
  lower(op, graph, ctx) -> KernelCall      the C to emit for this operator
and optionally:
  aliases_input: bool                      True if the output is the input re-viewed (RESHAPE)
  in_place(op, graph) -> bool              the kernel can write its output over input 0's
                                           buffer (output at the same offset), if the planner
                                           finds that input 0 dies at this operator
  scratch_bytes(op, graph, in_place) -> int  temporary memory the kernel needs
  variant(op, graph) -> Lowering           the lowering for this operator's types, where one
                                           opcode has several (CONV_2D: int8 or 16x8): the
                                           dispatcher per operator; the rest of this list is
                                           then asked of the variant
  overlap_gap(op, graph) -> int | None     the kernel writes its output in order while reading
                                           input 0 forward: how far before input 0 the output
                                           must start to overwrite it safely (the planner may
                                           place it so where input 0 dies)
When the planner runs an operator in place, the code generator's context says so
(`ctx.in_place`), and the lowering must emit the in-place form of its kernel.
The registry is built by importing every module here; nothing else needs editing to add one.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import numpy as np

from simtiny.model import Graph, Operator


@dataclass(frozen=True)
class KernelCall:
    """The C for one operator: declarations at file scope and the statement in st_model_run."""

    statement: str
    kernels: tuple[str, ...] = ()  # firmware/kernels/<name>.c needed, e.g. ("fully_connected_s8",)
    declarations: tuple[str, ...] = ()


class Context(Protocol):
    """What a lowering may ask of the code generator."""

    graph: Graph
    scratch: str  # C expression of this operator's scratch buffer (uint8_t *), if it asked for one
    in_place: bool  # the planner put the output over input 0 (same offset)

    def tensor(self, index: int) -> str:
        """C expression pointing at the tensor's data, typed by its dtype (const for constants)."""
        ...

    def const(self, hint: str, values: np.ndarray, aligned: bool = True) -> str:
        """Emit `values` as a const array in flash (word-aligned unless `aligned` is False);
        return its identifier."""
        ...

    def ident(self, hint: str) -> str:
        """A fresh C identifier."""
        ...


class Lowering(Protocol):
    opcodes: tuple[str, ...]

    def check(self, op: Operator, graph: Graph) -> str | None: ...

    def lower(self, op: Operator, graph: Graph, ctx: Context) -> KernelCall: ...


@cache
def registry() -> dict[str, Lowering]:
    """opcode -> lowering, from every module of this package."""
    table: dict[str, Lowering] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for lowering in getattr(module, "LOWERINGS", []):
            for opcode in lowering.opcodes:
                if opcode in table:
                    raise RuntimeError(f"two lowerings for {opcode}: {info.name} and another")
                table[opcode] = lowering
    return table


def lowering_for(op: Operator, graph: Graph) -> Lowering | None:
    """The lowering that compiles this operator: its opcode's, or the variant that opcode's
    lowering names for the operator's types."""
    lowering = registry().get(op.opcode)
    pick = getattr(lowering, "variant", None)
    return pick(op, graph) if pick else lowering


def int16_variant(
    op: Operator, graph: Graph, int8_lowering: Lowering, name: str, module: str = "sixteen", position: int = 0
) -> Lowering:
    """The `variant` of the operators with a 16x8 kernel: for an int16 activation input (input
    `position`), the lowering `name` of simtiny.lower.<module> (imported then: those modules import
    the int8 ones); else the int8 one."""
    if len(op.inputs) > position and op.inputs[position] >= 0 and graph.tensor(op.inputs[position]).dtype == "int16":
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return int8_lowering


def aliases_input(op: Operator) -> bool:
    lowering = registry().get(op.opcode)
    return bool(getattr(lowering, "aliases_input", False))


def can_run_in_place(op: Operator, graph: Graph) -> bool:
    lowering = lowering_for(op, graph)
    fn = getattr(lowering, "in_place", None)
    return bool(fn(op, graph)) if fn else False


def overlap_gap(op: Operator, graph: Graph) -> int | None:
    """Bytes by which the operator's output may start before input 0 and overwrite it as the
    kernel goes (simtiny.flow.plan), or None where the kernel cannot write over its input."""
    lowering = lowering_for(op, graph)
    fn = getattr(lowering, "overlap_gap", None)
    return fn(op, graph) if fn else None


def scratch_bytes(op: Operator, graph: Graph, in_place: bool = False, lean: bool = False) -> int:
    """Scratch bytes of the operator's kernel; lean: of the kernel with the least scratch, where
    the lowering offers a faster one that needs more (see simtiny.flow.plan)."""
    lowering = lowering_for(op, graph)
    fn = getattr(lowering, "scratch_bytes", None)
    if not fn:
        return 0
    if getattr(lowering, "has_lean", False):
        return int(fn(op, graph, in_place, lean=lean))
    return int(fn(op, graph, in_place))


def scratch_levels(op: Operator, graph: Graph, in_place: bool = False) -> list[int]:
    """Scratch bytes of the operator's kernels by level, fastest first, each smaller than the
    one before; the last is scratch_bytes(lean=True). One level where there is no choice."""
    lowering = lowering_for(op, graph)
    fn = getattr(lowering, "scratch_levels", None)
    if fn:
        return [int(b) for b in fn(op, graph, in_place)]
    return fast_and_lean(op, graph, in_place)


def fast_and_lean(op: Operator, graph: Graph, in_place: bool = False) -> list[int]:
    """scratch_levels of an operator with at most two kernels: the fast one's scratch, then the
    lean one's where it differs."""
    fast, least = scratch_bytes(op, graph, in_place), scratch_bytes(op, graph, in_place, lean=True)
    return [fast, least] if least != fast else [fast]


def unsupported(graph: Graph) -> list[str]:
    """Every operator (with reason) the project cannot compile, counted: ['SVDF x7', ...]."""
    found: Counter[str] = Counter()
    first: dict[str, int] = {}
    for op in graph.operators:
        lowering = lowering_for(op, graph)
        reason = None if lowering is None else _checked(lowering, op, graph)
        if lowering is None or reason:
            key = op.opcode if lowering is None else f"{op.opcode} ({reason})"
            found[key] += 1
            first.setdefault(key, op.index)
    # Operators the project knows of are named by their first index: the rule is the model's to fix.
    return [f"{name} x{n}" + (f" (operator {first[name]})" if "(" in name else "") for name, n in sorted(found.items())]


def _checked(lowering: Lowering, op: Operator, graph: Graph) -> str | None:
    """The lowering's reason, if any. Scales far out of float32's range overflow its arithmetic:
    that is the model's fault, said as a reason (and quietly: no numpy warnings on stderr)."""
    with np.errstate(all="ignore"):
        try:
            return lowering.check(op, graph)
        except ArithmeticError as exc:
            return f"quantisation parameters out of range: {exc}"


def dtype_reason(graph: Graph, op: Operator, allowed: dict[str, tuple[str, ...]]) -> str | None:
    """Check tensor dtypes by role: allowed = {"input": ("int8",), "output": ("int8",), ...}.

    Roles are "input" (inputs[0]), "input1" (inputs[1]), ..., "output" (outputs[0]).
    """
    for role, dtypes in allowed.items():
        if role == "output":
            index = op.outputs[0]
        else:
            position = 0 if role == "input" else int(role.removeprefix("input"))
            if position >= len(op.inputs) or op.inputs[position] < 0:
                continue
            index = op.inputs[position]
        dtype = graph.tensor(index).dtype
        if dtype not in dtypes:
            return f"{dtype} {role}"
    return None


def c_int_list(values: Any) -> str:
    return ", ".join(str(int(v)) for v in values)
