"""Resource variables (streaming models' state) turned into state tensors the graph owns.

A streaming model (microWakeWord, Keras's stream layers) keeps ring buffers between invocations
in resource variables: VAR_HANDLE names one (by container and shared name), READ_VARIABLE and
ASSIGN_VARIABLE move its value, and CALL_ONCE runs an init subgraph on the first invocation,
which assigns each variable its initial value. Here each variable becomes one tensor of
subgraph 0 marked `variable` (live from before the first operator to after the last, and from
one invocation to the next), READ_VARIABLE reads it and ASSIGN_VARIABLE writes it, with the
handles and CALL_ONCE gone; `Graph.initial` holds the init subgraph's values, which the
firmware copies in on its first invocation (a flag tensor, `Graph.state_flag`, says whether it
has). Anything else in an init subgraph, a variable with no initial value or one that changes
shape or type, is refused in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from simtiny.errors import InputError
from simtiny.model.graph import NUMPY_DTYPES, Graph, Operator, Quantization, Tensor

STATE_OPS = ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "CALL_ONCE")


@dataclass(frozen=True)
class InitAssignment:
    """One ASSIGN_VARIABLE of an init subgraph: which variable, and its constant value."""

    key: tuple[str, str]  # (container, shared name)
    value: np.ndarray
    quant: Quantization | None


def variable_key(options: dict[str, Any]) -> tuple[str, str]:
    """A VAR_HANDLE's identity: its container and shared name, as text."""

    def text(value: Any) -> str:
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value or "")

    return text(options.get("container")), text(options.get("shared_name"))


def has_state(operators: list[Operator]) -> bool:
    return any(op.opcode in STATE_OPS for op in operators)


def zero_state(graph: Graph) -> Graph:
    """The graph with its variable tensors (SVDF's and LSTM's state, marked so in the file) kept
    between invocations like resource variables, starting as LiteRT resets them: zeros, or an
    int8 tensor's zero point (ResetVariableTensor)."""
    read = {t for op in graph.operators for t in op.inputs if t >= 0}
    found = [
        t.index for t in graph.tensors if t.variable and t.data is None and t.index in read and t.dtype != "resource"
    ]
    fresh = [t for t in found if t not in graph.initial]
    if not fresh:
        return graph
    tensors, flag = list(graph.tensors), graph.state_flag
    if flag is None:
        flag = len(tensors)
        tensors.append(Tensor(flag, "simtiny state flag", (1,), "int32", variable=True))
    initial = dict(graph.initial)
    for t in fresh:
        tensor = graph.tensor(t)
        start = tensor.zero_point() if tensor.dtype == "int8" and tensor.quant is not None else 0
        initial[t] = np.full(tensor.shape, start, dtype=NUMPY_DTYPES[tensor.dtype])
    note = f"{len(fresh)} variable tensor(s) kept as state between invocations, from zeros (or int8 zero points)"
    return replace(graph, tensors=tensors, initial=initial, state_flag=flag, notes=[*graph.notes, note])


def resolve(graph: Graph, init: dict[int, list[InitAssignment]], where: str) -> Graph:
    """The graph with its resource variables as state tensors (see the module's docstring).
    `init`: per init subgraph index, what it assigns (read by simtiny.model.tflite)."""
    handles: dict[int, tuple[str, str]] = {}  # resource tensor -> variable key
    initial: dict[tuple[str, str], InitAssignment] = {}
    kept: list[Operator] = []
    for op in graph.operators:
        if op.opcode == "VAR_HANDLE":
            if len(op.outputs) != 1:
                raise InputError(f"{where}: operator {op.index} (VAR_HANDLE) has {len(op.outputs)} outputs")
            handles[op.outputs[0]] = variable_key(op.options)
        elif op.opcode == "CALL_ONCE":
            index = int(op.options.get("init_subgraph_index", -1))
            if index not in init:
                raise InputError(f"{where}: operator {op.index} (CALL_ONCE) calls subgraph {index}, which is not there")
            for a in init[index]:
                initial[a.key] = a
        else:
            kept.append(op)
    tensors = list(graph.tensors)
    state: dict[tuple[str, str], int] = {}  # variable key -> its state tensor
    operators: list[Operator] = []
    for op in kept:
        if op.opcode not in ("READ_VARIABLE", "ASSIGN_VARIABLE"):
            operators.append(replace(op, index=len(operators)))
            continue
        handle = op.inputs[0] if op.inputs else -1
        if handle not in handles:
            raise InputError(f"{where}: operator {op.index} ({op.opcode}) reads no VAR_HANDLE's resource")
        key = handles[handle]
        value = op.outputs[0] if op.opcode == "READ_VARIABLE" else (op.inputs[1] if len(op.inputs) > 1 else -1)
        if value < 0:
            raise InputError(f"{where}: operator {op.index} ({op.opcode}) has no value tensor")
        if key not in state:
            state[key] = _state_tensor(tensors, key, initial.get(key), graph.tensor(value), where)
        var = tensors[state[key]]
        seen = graph.tensor(value)
        if (seen.dtype, seen.shape) != (var.dtype, var.shape):
            raise InputError(
                f"{where}: variable '{key[1]}' is {var.dtype} {list(var.shape)}, operator {op.index} "
                f"({op.opcode}) moves {seen.dtype} {list(seen.shape)}"
            )
        io = ((state[key],), (value,)) if op.opcode == "READ_VARIABLE" else ((value,), (state[key],))
        operators.append(replace(op, index=len(operators), inputs=io[0], outputs=io[1]))
    flag = len(tensors)
    tensors.append(Tensor(flag, "simtiny state flag", (1,), "int32", variable=True))
    values = {state[k]: initial[k].value for k in state}
    note = (
        f"{len(state)} resource variable(s) kept as state between invocations "
        f"({sum(tensors[t].nbytes for t in values):,} bytes), set on the first invocation from the "
        "init subgraph; VAR_HANDLE and CALL_ONCE removed (operators renumbered)"
    )
    return replace(
        graph, tensors=tensors, operators=operators, initial=values, state_flag=flag, notes=[*graph.notes, note]
    )


def _state_tensor(
    tensors: list[Tensor], key: tuple[str, str], init: InitAssignment | None, seen: Tensor, where: str
) -> int:
    """A new tensor for variable `key`, shaped and typed as its initial value."""
    if init is None:
        raise InputError(f"{where}: variable '{key[1]}' is never given an initial value (no CALL_ONCE assigns it)")
    index = len(tensors)
    if init.value.dtype != np.dtype(NUMPY_DTYPES.get(seen.dtype, np.void)) or tuple(init.value.shape) != seen.shape:
        raise InputError(
            f"{where}: variable '{key[1]}' starts as {init.value.dtype} {list(init.value.shape)} and is used as "
            f"{seen.dtype} {list(seen.shape)}"
        )
    tensors.append(Tensor(index, f"variable {key[1]}", seen.shape, seen.dtype, seen.quant or init.quant, variable=True))
    return index
