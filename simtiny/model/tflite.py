"""Read a .tflite flatbuffer (with the `tflite` bindings) into a simtiny.model.graph.Graph.

Validation happens here: anything that is not a readable TensorFlow Lite model becomes a
one-line InputError. Normalisation of what real converters emit lives in simtiny.model.normalize.
"""

from __future__ import annotations

import re
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import tflite
from flatbuffers import flexbuffers

from simtiny.errors import InputError
from simtiny.model import variables
from simtiny.model.graph import CONTROL_FLOW, NUMPY_DTYPES, Graph, Operator, Quantization, Subgraph, Tensor

DTYPES = {getattr(tflite.TensorType, name): name.lower() for name in dir(tflite.TensorType) if name.isupper()}
OPTION_TYPES = {
    getattr(tflite.BuiltinOptions, name): name
    for name in dir(tflite.BuiltinOptions)
    if not name.startswith("_") and name != "NONE"
}
ACTIVATIONS = {getattr(tflite.ActivationFunctionType, n): n for n in dir(tflite.ActivationFunctionType) if n.isupper()}
PADDINGS = {getattr(tflite.Padding, n): n for n in dir(tflite.Padding) if n.isupper()}
ENUM_FIELDS = {"fused_activation_function": ACTIVATIONS, "padding": PADDINGS}


def load_model(path: str | Path) -> Graph:
    """Read and validate a .tflite file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    data = path.read_bytes()
    return parse_model(data, path)


def parse_model(data: bytes, path: Path | None = None) -> Graph:
    where = str(path) if path else "model"
    if not data:
        raise InputError(f"{where}: empty file, not a .tflite model")
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise InputError(f"{where}: not a TensorFlow Lite model (no TFL3 file identifier)")
    try:
        graph = _read(data, path)
    except InputError:
        raise
    except Exception as exc:  # flatbuffers reads past the end of truncated or corrupt data
        raise InputError(
            f"{where}: truncated or corrupt .tflite: a table or vector lies outside the file ({type(exc).__name__})"
        ) from None
    return graph


def _read(data: bytes, path: Path | None) -> Graph:
    where = str(path) if path else "model"
    model = tflite.Model.GetRootAsModel(data, 0)
    if model.SubgraphsLength() < 1:
        raise InputError(f"{where}: the model has no subgraph")
    codes = []
    for i in range(model.OperatorCodesLength()):
        oc = model.OperatorCodes(i)
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        if code == tflite.BuiltinOperator.CUSTOM:
            custom = oc.CustomCode()
            codes.append((f"CUSTOM:{_printable(custom.decode('utf-8', 'replace') if custom else '?')}", oc.Version()))
        else:
            try:
                codes.append((tflite.opcode2name(code), oc.Version()))
            except KeyError:
                codes.append((f"BUILTIN#{code}", oc.Version()))
    buffers = [_buffer_bytes(model.Buffers(i), data) for i in range(model.BuffersLength())]
    sg = model.Subgraphs(0)
    tensors, operators = _subgraph(sg, codes, buffers, where)
    inputs, outputs = (list(ids) for ids in _inputs_outputs(sg, len(tensors), f"{where}: corrupt model: graph"))
    description = model.Description().decode("utf-8", "replace") if model.Description() else ""
    subgraphs = _control_flow_subgraphs(model, operators, tensors, codes, buffers, where)
    graph = Graph(path, description, tensors, operators, inputs, outputs, bytes(data), subgraphs=subgraphs)
    if not variables.has_state(operators):
        return variables.zero_state(graph)
    init = {}
    for op in operators:
        index = int(op.options.get("init_subgraph_index", 0)) if op.opcode == "CALL_ONCE" else 0
        if 0 < index < model.SubgraphsLength():
            init[index] = _init_assignments(*_subgraph(model.Subgraphs(index), codes, buffers, where), index, where)
    return variables.zero_state(variables.resolve(graph, init, where))


def _subgraph(
    sg: Any, codes: list[tuple[str, int]], buffers: list[bytes], where: str
) -> tuple[list[Tensor], list[Operator]]:
    """A subgraph's tensors and operators, every index checked."""
    tensors = [_tensor(sg.Tensors(i), i, buffers, where) for i in range(sg.TensorsLength())]
    operators = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        index = op.OpcodeIndex()
        if index >= len(codes):
            raise InputError(f"{where}: corrupt model: operator {i} has opcode index {index}")
        name, version = codes[index]
        inputs = tuple(int(x) for x in (op.InputsAsNumpy() if op.InputsLength() else []))
        outputs = tuple(int(x) for x in (op.OutputsAsNumpy() if op.OutputsLength() else []))
        between = tuple(int(x) for x in (op.IntermediatesAsNumpy() if op.IntermediatesLength() else []))
        for t in (*inputs, *outputs, *between):
            if t >= len(tensors) or t < -1:
                raise InputError(f"{where}: corrupt model: operator {i} refers to tensor {t}")
        options = _custom_options(op, f"{where}: operator {i} ({name})") if name.startswith("CUSTOM:") else _options(op)
        operators.append(Operator(i, name, inputs, outputs, options, version, between))
    return tensors, operators


SUBGRAPH_OPERATORS = 1_000_000  # operator i of subgraph k is numbered k * this + i: no clash with subgraph 0's


def _control_flow_subgraphs(
    model: Any,
    operators: list[Operator],
    tensors: list[Tensor],
    codes: list[tuple[str, int]],
    buffers: list[bytes],
    where: str,
) -> dict[int, Subgraph]:
    """The subgraphs IF and WHILE operators run, at any depth, each read once: its tensors appended
    to `tensors` (indices shifted), its operators numbered apart. A subgraph that runs itself
    (directly or not), or runs subgraph 0, is a one-line error, as is an index out of range."""
    found: dict[int, Subgraph] = {}

    def visit(ops: list[Operator] | tuple[Operator, ...], running: tuple[int, ...]) -> None:
        for op in ops:
            for key in CONTROL_FLOW.get(op.opcode, ()):
                index = op.options.get(key)
                if not isinstance(index, int) or not 0 < index < model.SubgraphsLength():
                    raise InputError(
                        f"{where}: operator {op.index} ({op.opcode}) names subgraph {index}, "
                        f"of {model.SubgraphsLength()}"
                    )
                if index in running:
                    raise InputError(f"{where}: subgraph {index} runs itself through {op.opcode}: recursion")
                if index not in found:
                    found[index] = _read_subgraph(model, index, tensors, codes, buffers, where)
                visit(found[index].operators, (*running, index))

    visit(operators, (0,))
    return found


def _inputs_outputs(sg: Any, n_tensors: int, where: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A subgraph's input and output tensor indices, each checked against its `n_tensors`."""
    inputs = tuple(int(x) for x in sg.InputsAsNumpy()) if sg.InputsLength() else ()
    outputs = tuple(int(x) for x in sg.OutputsAsNumpy()) if sg.OutputsLength() else ()
    for t in (*inputs, *outputs):
        if not 0 <= t < n_tensors:
            raise InputError(f"{where} input/output tensor {t} out of range")
    return inputs, outputs


def _read_subgraph(
    model: Any, index: int, tensors: list[Tensor], codes: list[tuple[str, int]], buffers: list[bytes], where: str
) -> Subgraph:
    sg = model.Subgraphs(index)
    local, ops = _subgraph(sg, codes, buffers, where)
    base = len(tensors)
    tensors.extend(replace(t, index=base + t.index) for t in local)

    def shift(ids: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(base + t if t >= 0 else t for t in ids)

    inputs, outputs = _inputs_outputs(sg, len(local), f"{where}: corrupt model: subgraph {index}")
    return Subgraph(
        index,
        _printable(sg.Name().decode("utf-8", "replace")) if sg.Name() else f"subgraph {index}",
        tuple(range(base, base + len(local))),
        shift(inputs),
        shift(outputs),
        tuple(
            replace(
                op,
                index=index * SUBGRAPH_OPERATORS + op.index,
                inputs=shift(op.inputs),
                outputs=shift(op.outputs),
                intermediates=shift(op.intermediates),
            )
            for op in ops
        ),
    )


def _init_assignments(
    tensors: list[Tensor], operators: list[Operator], index: int, where: str
) -> list[variables.InitAssignment]:
    """What an init subgraph (CALL_ONCE's) does: constant values assigned to variables, nothing else."""
    handles = {
        op.outputs[0]: variables.variable_key(op.options)
        for op in operators
        if op.opcode == "VAR_HANDLE" and op.outputs
    }
    found = []
    for op in operators:
        if op.opcode == "VAR_HANDLE":
            continue
        value = tensors[op.inputs[1]] if op.opcode == "ASSIGN_VARIABLE" and len(op.inputs) == 2 else None
        if value is None or op.inputs[0] not in handles or value.data is None:
            raise InputError(
                f"{where}: init subgraph {index}: operator {op.index} ({op.opcode}) is not a constant assigned to a "
                "variable: simtiny runs init subgraphs that only set variables to constants"
            )
        found.append(variables.InitAssignment(handles[op.inputs[0]], value.data, value.quant))
    return found


def _buffer_bytes(buf: Any, data: bytes) -> bytes:
    offset = buf.Offset() if hasattr(buf, "Offset") else 0
    if offset > 1:  # large models keep buffer contents after the flatbuffer
        size = buf.Size()
        if offset + size > len(data):
            raise InputError("truncated .tflite: a buffer lies past the end of the file")
        return data[offset : offset + size]
    if buf.DataLength() == 0:
        return b""
    raw = buf.DataAsNumpy()
    if raw.nbytes != buf.DataLength():
        raise InputError("truncated .tflite: a weight buffer is cut short")
    return raw.tobytes()


def _tensor(t: Any, index: int, buffers: list[bytes], where: str) -> Tensor:
    name = t.Name().decode("utf-8", "replace") if t.Name() else f"tensor{index}"
    shape = tuple(int(x) for x in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    dtype = DTYPES.get(t.Type(), f"type#{t.Type()}")
    quant = None
    q = t.Quantization()
    if q is not None and q.ScaleLength():
        scales = tuple(float(s) for s in q.ScaleAsNumpy())
        zps = tuple(int(z) for z in q.ZeroPointAsNumpy()) if q.ZeroPointLength() else (0,) * len(scales)
        quant = Quantization(scales, zps, int(q.QuantizedDimension()))
    data = None
    b = t.Buffer()
    if b >= len(buffers):
        raise InputError(f"{where}: corrupt model: tensor {index} uses buffer {b} of {len(buffers)}")
    raw = buffers[b] if b > 0 else b""
    if raw:
        if dtype not in NUMPY_DTYPES:
            raise InputError(f"{where}: tensor {index} has constant data of unsupported type {dtype}")
        itemsize = np.dtype(NUMPY_DTYPES[dtype]).itemsize
        expected = int(np.prod(shape, dtype=np.int64)) * itemsize if shape else itemsize
        if len(raw) != expected:
            raise InputError(
                f"{where}: corrupt model: tensor {index} ('{_printable(name)}') needs {expected} "
                f"bytes of data, its buffer holds {len(raw)}"
            )
        data = np.frombuffer(raw, dtype=NUMPY_DTYPES[dtype]).reshape(shape).copy()
    signature = [int(x) for x in t.ShapeSignatureAsNumpy()] if t.ShapeSignatureLength() else []
    return Tensor(index, name, shape, dtype, quant, data, bool(t.IsVariable()), any(d < 0 for d in signature))


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _options(op: Any) -> dict[str, Any]:
    """Builtin options as a dict keyed by schema field names (snake_case)."""
    kind = OPTION_TYPES.get(op.BuiltinOptionsType())
    table = op.BuiltinOptions()
    if kind is None or table is None:
        return {}
    cls = getattr(tflite, kind, None)
    if cls is None:
        return {}
    obj = cls()
    obj.Init(table.Bytes, table.Pos)
    out: dict[str, Any] = {}
    methods = {m for m in dir(obj) if m[:1].isupper()}
    for m in sorted(methods):
        if m.startswith("GetRootAs") or m.endswith(("AsNumpy", "Length", "IsNone")) or m == "Init":
            continue
        fn = getattr(obj, m)
        key = _snake(m)
        if f"{m}Length" in methods:
            out[key] = [int(x) for x in getattr(obj, f"{m}AsNumpy")()] if getattr(obj, f"{m}Length")() else []
            continue
        try:
            value = fn()
        except TypeError:
            continue
        if key in ENUM_FIELDS:
            value = ENUM_FIELDS[key].get(value, value)
        out[key] = value
    return out


def _custom_options(op: Any, where: str) -> dict[str, Any]:
    """A custom operator's options: the flexbuffer map its writer left (as TFLite_Detection_PostProcess
    has), else nothing; an unreadable map is a one-line error."""
    if not op.CustomOptionsLength() or op.CustomOptionsFormat() != tflite.CustomOptionsFormat.FLEXBUFFERS:
        return {}
    try:
        value = flexbuffers.Loads(op.CustomOptionsAsNumpy().tobytes())
    except Exception as exc:  # the flexbuffers reader raises whatever corrupt data makes it raise
        raise InputError(f"{where}: unreadable custom options ({type(exc).__name__})") from None
    return value if isinstance(value, dict) else {}


def _printable(text: str, limit: int = 80) -> str:
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    return cleaned[:limit]


def patch_int32(data: bytearray, position: int, value: int) -> None:
    """Overwrite one int32 scalar of a flatbuffer in place (used to correct a field)."""
    struct.pack_into("<i", data, position, value)
