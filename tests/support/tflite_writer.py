"""Build small .tflite models from numpy arrays, to test single operators against LiteRT.

Uses the flatbuffer builders generated from TFLite's schema (the `tflite` package); options are
given by their schema field names and mapped to the generated `<Options>Add<Field>` functions.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import flatbuffers
import numpy as np
import tflite
from flatbuffers import flexbuffers

SCHEMA_VERSION = 3
FILE_IDENTIFIER = b"TFL3"
CUSTOM = "CUSTOM:"  # prefix of a custom operator's OpSpec.opcode
BUFFER_ALIGNMENT = 16  # as the converter does, so kernels may read constants in place
PLACEHOLDER_FOR_GREATER_OP_CODES = 127  # deprecated_builtin_code is an int8

# Operators whose options table is not named after them (the rest are `<CamelCaseName>Options`).
OPTIONS_OF = {
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "L2_POOL_2D": "Pool2DOptions",
    "L2_NORMALIZATION": "L2NormOptions",
    "MEAN": "ReducerOptions",
    "SUM": "ReducerOptions",
    "REDUCE_PROD": "ReducerOptions",
    "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions",
    "REDUCE_ANY": "ReducerOptions",
    "REDUCE_ALL": "ReducerOptions",
    "MAXIMUM": "MaximumMinimumOptions",
    "MINIMUM": "MaximumMinimumOptions",
    "UNIDIRECTIONAL_SEQUENCE_RNN": "SequenceRNNOptions",
    "CONV_3D_TRANSPOSE": "Conv3DOptions",
    "RANDOM_STANDARD_NORMAL": "RandomOptions",
    "RANDOM_UNIFORM": "RandomOptions",
    "MULTINOMIAL": "RandomOptions",
}

# Enum-valued option fields (bytes in the schema) and their enum, by generated field name.
ENUM_OF_FIELD = {
    "Padding": tflite.Padding,
    "FusedActivationFunction": tflite.ActivationFunctionType,
    "WeightsFormat": tflite.FullyConnectedOptionsWeightsFormat,
    "KernelType": tflite.LSTMKernelType,
    "Combiner": tflite.CombinerType,
    "Mode": tflite.MirrorPadMode,
    "Type": tflite.LSHProjectionType,
    "QuantizedBiasType": tflite.TensorType,
    "InDataType": tflite.TensorType,
    "OutDataType": tflite.TensorType,
    "OutputType": tflite.TensorType,
    "OutType": tflite.TensorType,
    "IdxOutType": tflite.TensorType,
    "KeyDtype": tflite.TensorType,
    "ValueDtype": tflite.TensorType,
}

# Vector option fields hold int32 except these (schema: BucketizeOptions.boundaries:[float]).
FLOAT_VECTOR_FIELDS = {("BucketizeOptions", "Boundaries")}


@dataclass
class TensorSpec:
    """One tensor of the subgraph; a constant (stored in its own buffer) when data is given."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # "int8", "int16", "int32", "float32", "uint8", "int64", ...
    scale: list[float] | None = None
    zero_point: list[int] | None = None
    quantized_dimension: int = 0
    data: np.ndarray | None = None
    checked: bool = True  # False: write inconsistent quantisation as given (to test refusals)
    variable: bool = False  # a variable tensor (SVDF's, LSTM's state): kept between invocations


@dataclass
class OpSpec:
    """One operator: tensor indices (-1 for an omitted optional input) and its options; a custom
    operator is named "CUSTOM:<its custom code>" and its options are written as a flexbuffer map."""

    opcode: str  # a tflite.BuiltinOperator name, e.g. "CONV_2D", or "CUSTOM:TFLite_Detection_PostProcess"
    inputs: list[int]
    outputs: list[int]
    options: dict[str, Any] = field(default_factory=dict)  # schema field names, e.g. {"stride_w": 2}
    version: int = 1
    intermediates: list[int] = field(default_factory=list)  # e.g. the integer LSTM's five


@dataclass
class SubgraphSpec:
    """A subgraph after the first (IF's branches, WHILE's condition and body, CALL_ONCE's init)."""

    tensors: list[TensorSpec]
    ops: list[OpSpec]
    inputs: list[int]
    outputs: list[int]
    name: str = "subgraph"


def build_model(
    tensors: list[TensorSpec],
    ops: list[OpSpec],
    inputs: list[int],
    outputs: list[int],
    description: str = "simtiny test model",
    checked: bool = True,
    subgraphs: list[SubgraphSpec] | None = None,
) -> bytes:
    """A .tflite model (schema version 3, identifier TFL3) as bytes: subgraph 0 from `tensors`,
    `ops`, `inputs` and `outputs`, then `subgraphs` (numbered 1, 2, ... as options refer to
    them); `checked=False` writes out-of-range tensor indices as given (to test that readers
    refuse them)."""
    graphs = [SubgraphSpec(tensors, ops, inputs, outputs, "main"), *(subgraphs or [])]
    for g in graphs:
        for index in [*g.inputs, *g.outputs, *(i for op in g.ops for i in (*op.inputs, *op.outputs) if i != -1)]:
            if checked and not 0 <= index < len(g.tensors):
                raise ValueError(f"tensor index {index} out of range (the subgraph has {len(g.tensors)} tensors)")
    builder = flatbuffers.Builder(1024)

    # Buffer 0 is the empty buffer (schema convention); each constant gets the next one.
    buffer_data: list[bytes | None] = [None]
    buffer_of: list[list[int]] = []
    for g in graphs:
        buffer_of.append([])
        for spec in g.tensors:
            if spec.data is None:
                buffer_of[-1].append(0)
            else:
                buffer_of[-1].append(len(buffer_data))
                buffer_data.append(_constant_bytes(spec))
    buffers = [_buffer(builder, data) for data in buffer_data]

    codes: list[tuple[str, int]] = []
    for g in graphs:
        for op in g.ops:
            if (op.opcode, op.version) not in codes:
                codes.append((op.opcode, op.version))
    code_offsets = [_operator_code(builder, opcode, version) for opcode, version in codes]
    subgraph_offsets = [_subgraph(builder, g, b, codes) for g, b in zip(graphs, buffer_of, strict=True)]

    desc = builder.CreateString(description)
    code_vector = _offset_vector(builder, tflite.ModelStartOperatorCodesVector, code_offsets)
    subgraph_vector = _offset_vector(builder, tflite.ModelStartSubgraphsVector, subgraph_offsets)
    buffer_vector = _offset_vector(builder, tflite.ModelStartBuffersVector, buffers)
    tflite.ModelStart(builder)
    tflite.ModelAddVersion(builder, SCHEMA_VERSION)
    tflite.ModelAddOperatorCodes(builder, code_vector)
    tflite.ModelAddSubgraphs(builder, subgraph_vector)
    tflite.ModelAddDescription(builder, desc)
    tflite.ModelAddBuffers(builder, buffer_vector)
    builder.Finish(tflite.ModelEnd(builder), file_identifier=FILE_IDENTIFIER)
    return bytes(builder.Output())


def _subgraph(builder: flatbuffers.Builder, g: SubgraphSpec, buffer_of: list[int], codes: list[tuple[str, int]]) -> int:
    tensor_offsets = [_tensor(builder, spec, buffer) for spec, buffer in zip(g.tensors, buffer_of, strict=True)]
    op_offsets = [_operator(builder, op, codes.index((op.opcode, op.version))) for op in g.ops]
    name = builder.CreateString(g.name)
    tensor_vector = _offset_vector(builder, tflite.SubGraphStartTensorsVector, tensor_offsets)
    input_vector = _int32_vector(builder, tflite.SubGraphStartInputsVector, g.inputs)
    output_vector = _int32_vector(builder, tflite.SubGraphStartOutputsVector, g.outputs)
    op_vector = _offset_vector(builder, tflite.SubGraphStartOperatorsVector, op_offsets)
    tflite.SubGraphStart(builder)
    tflite.SubGraphAddTensors(builder, tensor_vector)
    tflite.SubGraphAddInputs(builder, input_vector)
    tflite.SubGraphAddOutputs(builder, output_vector)
    tflite.SubGraphAddOperators(builder, op_vector)
    tflite.SubGraphAddName(builder, name)
    return tflite.SubGraphEnd(builder)


def options_type(opcode: str) -> str | None:
    """Name of the BuiltinOptions table an operator takes, or None when it takes none."""
    _builtin_code(opcode)
    if opcode in OPTIONS_OF:
        return OPTIONS_OF[opcode]
    wanted = opcode.replace("_", "").lower() + "options"
    for name in vars(tflite.BuiltinOptions):
        if name.lower() == wanted:
            return name
    return None


def _builtin_code(opcode: str) -> int:
    code = getattr(tflite.BuiltinOperator, opcode, None)
    if not isinstance(code, int) or opcode.startswith("_"):
        raise ValueError(f"unknown builtin operator {opcode!r} (see tflite.BuiltinOperator)")
    return code


def _tensor_type(dtype: str) -> int:
    code = getattr(tflite.TensorType, dtype.upper(), None)
    if not isinstance(code, int):
        raise ValueError(f"unknown tensor type {dtype!r} (see tflite.TensorType)")
    return code


def _constant_bytes(spec: TensorSpec) -> bytes:
    assert spec.data is not None
    data = np.asarray(spec.data)
    if data.dtype != np.dtype(spec.dtype) or data.shape != tuple(spec.shape):
        raise ValueError(
            f"tensor {spec.name!r}: data is {data.dtype} {list(data.shape)}, "
            f"the spec says {spec.dtype} {list(spec.shape)}"
        )
    return data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes(order="C")


def _buffer(builder: flatbuffers.Builder, data: bytes | None) -> int:
    vector = None
    if data:
        builder.Prep(BUFFER_ALIGNMENT, len(data))  # the data (not its length prefix) lands aligned
        vector = builder.CreateNumpyVector(np.frombuffer(data, dtype=np.uint8))
    tflite.BufferStart(builder)
    if vector is not None:
        tflite.BufferAddData(builder, vector)
    return tflite.BufferEnd(builder)


def _tensor(builder: flatbuffers.Builder, spec: TensorSpec, buffer: int) -> int:
    name = builder.CreateString(spec.name)
    shape = _int32_vector(builder, tflite.TensorStartShapeVector, list(spec.shape))
    quantization = _quantization(builder, spec)
    tflite.TensorStart(builder)
    tflite.TensorAddShape(builder, shape)
    tflite.TensorAddType(builder, _tensor_type(spec.dtype))
    tflite.TensorAddBuffer(builder, buffer)
    tflite.TensorAddName(builder, name)
    if spec.variable:
        tflite.TensorAddIsVariable(builder, True)
    if quantization is not None:
        tflite.TensorAddQuantization(builder, quantization)
    return tflite.TensorEnd(builder)


def _quantization(builder: flatbuffers.Builder, spec: TensorSpec) -> int | None:
    if spec.scale is None:
        if spec.zero_point is not None:
            raise ValueError(f"tensor {spec.name!r}: a zero_point needs a scale")
        return None
    zero_point = spec.zero_point if spec.zero_point is not None else [0] * len(spec.scale)
    if len(zero_point) != len(spec.scale) and spec.checked:
        raise ValueError(f"tensor {spec.name!r}: {len(spec.scale)} scale(s) but {len(zero_point)} zero point(s)")
    scale = builder.CreateNumpyVector(np.asarray(spec.scale, dtype=np.float32))
    zp = builder.CreateNumpyVector(np.asarray(zero_point, dtype=np.int64))
    tflite.QuantizationParametersStart(builder)
    tflite.QuantizationParametersAddScale(builder, scale)
    tflite.QuantizationParametersAddZeroPoint(builder, zp)
    tflite.QuantizationParametersAddQuantizedDimension(builder, spec.quantized_dimension)
    return tflite.QuantizationParametersEnd(builder)


def _operator_code(builder: flatbuffers.Builder, opcode: str, version: int) -> int:
    custom = builder.CreateString(opcode[len(CUSTOM) :]) if opcode.startswith(CUSTOM) else None
    code = tflite.BuiltinOperator.CUSTOM if custom is not None else _builtin_code(opcode)
    tflite.OperatorCodeStart(builder)
    if custom is not None:
        tflite.OperatorCodeAddCustomCode(builder, custom)
    tflite.OperatorCodeAddDeprecatedBuiltinCode(builder, min(code, PLACEHOLDER_FOR_GREATER_OP_CODES))
    tflite.OperatorCodeAddBuiltinCode(builder, code)
    tflite.OperatorCodeAddVersion(builder, version)
    return tflite.OperatorCodeEnd(builder)


def _operator(builder: flatbuffers.Builder, op: OpSpec, opcode_index: int) -> int:
    custom = op.opcode.startswith(CUSTOM)
    kind = None if custom else options_type(op.opcode)
    if kind is None and op.options and not custom:
        raise ValueError(f"{op.opcode} takes no builtin options, got {sorted(op.options)}")
    options = _options(builder, kind, op.options) if kind is not None else None
    flex = builder.CreateNumpyVector(np.frombuffer(flexbuffers.Dumps(op.options), np.uint8)) if custom else None
    inputs = _int32_vector(builder, tflite.OperatorStartInputsVector, op.inputs)
    outputs = _int32_vector(builder, tflite.OperatorStartOutputsVector, op.outputs)
    between = (
        _int32_vector(builder, tflite.OperatorStartIntermediatesVector, op.intermediates) if op.intermediates else None
    )
    tflite.OperatorStart(builder)
    tflite.OperatorAddOpcodeIndex(builder, opcode_index)
    tflite.OperatorAddInputs(builder, inputs)
    tflite.OperatorAddOutputs(builder, outputs)
    if between is not None:
        tflite.OperatorAddIntermediates(builder, between)
    if kind is not None:
        tflite.OperatorAddBuiltinOptionsType(builder, getattr(tflite.BuiltinOptions, kind))
        tflite.OperatorAddBuiltinOptions(builder, options)
    if flex is not None:
        tflite.OperatorAddCustomOptions(builder, flex)
    return tflite.OperatorEnd(builder)


def _options(builder: flatbuffers.Builder, kind: str, values: dict[str, Any]) -> int:
    """The `kind` options table with the given schema fields (the rest keep schema defaults)."""
    module = importlib.import_module(f"tflite.{kind}")
    adders = _adders(module, kind)
    scalars: list[tuple[Any, Any]] = []
    vectors: list[tuple[Any, int]] = []
    for name, value in values.items():
        key = name.replace("_", "").lower()
        if key not in adders:
            known = ", ".join(sorted(_snake(f) for f in adders.values()))
            raise ValueError(f"{kind} has no field {name!r} (fields: {known})")
        generated = adders[key]
        add = getattr(module, f"{kind}Add{generated}")
        start_vector = getattr(module, f"{kind}Start{generated}Vector", None)
        if start_vector is not None:  # vectors must be built before the table is started
            as_float = (kind, generated) in FLOAT_VECTOR_FIELDS
            vectors.append((add, _vector(builder, start_vector, list(value), as_float)))
        else:
            scalars.append((add, _scalar(kind, generated, value)))
    getattr(module, f"{kind}Start")(builder)
    for add, offset in vectors:
        add(builder, offset)
    for add, scalar in scalars:
        add(builder, scalar)
    return getattr(module, f"{kind}End")(builder)


def _adders(module: ModuleType, kind: str) -> dict[str, str]:
    """Fields of an options table: normalised schema name ("stridew") -> generated name ("StrideW")."""
    prefix = f"{kind}Add"
    return {name[len(prefix) :].lower(): name[len(prefix) :] for name in vars(module) if name.startswith(prefix)}


def _snake(generated: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in generated).lstrip("_")


def _scalar(kind: str, generated: str, value: Any) -> Any:
    """An option value as the generated adder takes it: enum names become their numbers."""
    if isinstance(value, str):
        enum = ENUM_OF_FIELD.get(generated) or getattr(tflite, generated, None)
        number = getattr(enum, value.upper(), None) if enum is not None else None
        if not isinstance(number, int):
            raise ValueError(f"{kind}.{_snake(generated)}: unknown value {value!r}")
        return number
    return value


def _vector(builder: flatbuffers.Builder, start: Any, values: list[Any], as_float: bool) -> int:
    start(builder, len(values))
    for value in reversed(values):
        if as_float:
            builder.PrependFloat32(float(value))
        else:
            builder.PrependInt32(int(value))
    return builder.EndVector()


def _int32_vector(builder: flatbuffers.Builder, start: Any, values: list[int]) -> int:
    return _vector(builder, start, values, as_float=False)


def _offset_vector(builder: flatbuffers.Builder, start: Any, offsets: list[int]) -> int:
    start(builder, len(offsets))
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    return builder.EndVector()
