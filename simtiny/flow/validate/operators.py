"""Rules on each operator that hold whatever the kernel: how many inputs and outputs it takes,
which of them may be omitted, option values that exist in the schema, shapes an elementwise
operator keeps, and tensors whose sizes fit a 32-bit microcontroller.

The rules that depend on the kernel (shapes of convolutions, pools, broadcasts; requantisation
ranges) live with each operator's lowering (simtiny.lower), as LiteRT keeps them in each
kernel's Prepare.
"""

from __future__ import annotations

from simtiny.errors import DoesNotFit
from simtiny.flow.validate.rules import InvalidModel, operator_ref, tensor_ref
from simtiny.model import Graph, Operator
from simtiny.model.tflite import ACTIVATIONS, PADDINGS

# opcode -> (fewest inputs, most inputs, positions that may be -1 (omitted), outputs)
ARITY: dict[str, tuple[int, int, tuple[int, ...], int]] = {
    "CONV_2D": (2, 3, (2,), 1),
    "DEPTHWISE_CONV_2D": (2, 3, (2,), 1),
    "FULLY_CONNECTED": (2, 3, (2,), 1),
    "ADD": (2, 2, (), 1),
    "SUB": (2, 2, (), 1),
    "MUL": (2, 2, (), 1),
    "DIV": (2, 2, (), 1),
    "FLOOR_DIV": (2, 2, (), 1),
    "FLOOR_MOD": (2, 2, (), 1),
    "CUMSUM": (2, 2, (), 1),
    "NEG": (1, 1, (), 1),
    "ABS": (1, 1, (), 1),
    "SQRT": (1, 1, (), 1),
    "RSQRT": (1, 1, (), 1),
    "FLOOR": (1, 1, (), 1),
    "CEIL": (1, 1, (), 1),
    "ELU": (1, 1, (), 1),
    "ROUND": (1, 1, (), 1),
    "SQUARE": (1, 1, (), 1),
    "EXP": (1, 1, (), 1),
    "LOG": (1, 1, (), 1),
    "SQUARED_DIFFERENCE": (2, 2, (), 1),
    "BATCH_MATMUL": (2, 2, (), 1),
    "PRELU": (2, 2, (), 1),
    "L2_NORMALIZATION": (1, 1, (), 1),
    "SLICE": (3, 3, (), 1),
    "MIRROR_PAD": (2, 2, (), 1),
    "BROADCAST_TO": (2, 2, (), 1),
    "BROADCAST_ARGS": (2, 2, (), 1),
    "REVERSE_V2": (2, 2, (), 1),
    "BATCH_TO_SPACE_ND": (3, 3, (), 1),
    "SPACE_TO_BATCH_ND": (3, 3, (), 1),
    "EQUAL": (2, 2, (), 1),
    "NOT_EQUAL": (2, 2, (), 1),
    "LESS": (2, 2, (), 1),
    "LESS_EQUAL": (2, 2, (), 1),
    "GREATER": (2, 2, (), 1),
    "GREATER_EQUAL": (2, 2, (), 1),
    "LOGICAL_AND": (2, 2, (), 1),
    "LOGICAL_OR": (2, 2, (), 1),
    "LOGICAL_NOT": (1, 1, (), 1),
    "SELECT_V2": (3, 3, (), 1),
    "FILL": (2, 2, (), 1),
    "ZEROS_LIKE": (1, 1, (), 1),
    "ADD_N": (2, 1 << 16, (), 1),
    "DEPTH_TO_SPACE": (1, 1, (), 1),
    "SPACE_TO_DEPTH": (1, 1, (), 1),
    "TRANSPOSE_CONV": (3, 4, (3,), 1),
    "MAXIMUM": (2, 2, (), 1),
    "MINIMUM": (2, 2, (), 1),
    "AVERAGE_POOL_2D": (1, 1, (), 1),
    "MAX_POOL_2D": (1, 1, (), 1),
    "L2_POOL_2D": (1, 1, (), 1),
    "CONCATENATION": (1, 1 << 16, (), 1),
    "QUANTIZE": (1, 1, (), 1),
    "DEQUANTIZE": (1, 1, (), 1),
    "RESHAPE": (1, 2, (1,), 1),
    "SQUEEZE": (1, 1, (), 1),
    "EXPAND_DIMS": (2, 2, (), 1),
    "HARD_SWISH": (1, 1, (), 1),
    "LEAKY_RELU": (1, 1, (), 1),
    "LOGISTIC": (1, 1, (), 1),
    "RELU": (1, 1, (), 1),
    "RELU6": (1, 1, (), 1),
    "RELU_0_TO_1": (1, 1, (), 1),
    "RELU_N1_TO_1": (1, 1, (), 1),
    "TANH": (1, 1, (), 1),
    "SOFTMAX": (1, 1, (), 1),
    "LOG_SOFTMAX": (1, 1, (), 1),
    "MEAN": (2, 2, (), 1),
    "REDUCE_MAX": (2, 2, (), 1),
    "REDUCE_MIN": (2, 2, (), 1),
    "REDUCE_ALL": (2, 2, (), 1),
    "ARG_MAX": (2, 2, (), 1),
    "ARG_MIN": (2, 2, (), 1),
    "PAD": (2, 2, (), 1),
    "PADV2": (2, 3, (2,), 1),
    "RESIZE_NEAREST_NEIGHBOR": (2, 2, (), 1),
    "RESIZE_BILINEAR": (2, 2, (), 1),
    "STRIDED_SLICE": (4, 4, (), 1),
    "TRANSPOSE": (2, 2, (), 1),
    "READ_VARIABLE": (1, 1, (), 1),  # as simtiny.model.variables rewrites them: state in, or out
    "ASSIGN_VARIABLE": (1, 1, (), 1),
    "SPLIT": (2, 2, (), -1),  # -1: as many outputs as the split makes (the lowering checks)
    "SPLIT_V": (3, 3, (), -1),
    "PACK": (1, 1 << 16, (), 1),
    "UNPACK": (1, 1, (), -1),
    "GATHER": (2, 2, (), 1),
    "EMBEDDING_LOOKUP": (2, 2, (), 1),
    "GATHER_ND": (2, 2, (), 1),
    "DYNAMIC_UPDATE_SLICE": (3, 3, (), 1),
    "CAST": (1, 1, (), 1),
    "SVDF": (5, 5, (3,), 1),
    "UNIDIRECTIONAL_SEQUENCE_LSTM": (20, 24, (1, 5, 9, 10, 11, 12, 16, 17, 20, 21, 22, 23), 1),
}
SAME_SHAPE = (
    "QUANTIZE",
    "DEQUANTIZE",
    "HARD_SWISH",
    "LEAKY_RELU",
    "LOGISTIC",
    "RELU",
    "RELU6",
    "RELU_0_TO_1",
    "RELU_N1_TO_1",
    "TANH",
    "SOFTMAX",
    "LOG_SOFTMAX",
)
ENUM_OPTIONS = {"fused_activation_function": ACTIVATIONS, "padding": PADDINGS}
MAX_TENSOR_BYTES = 1 << 31  # a tensor, like any object on a 32-bit microcontroller, below 2 GB


def check_operators(graph: Graph, name: str) -> None:
    """Raise InvalidModel for the first operator, or tensor, that breaks a rule."""
    used = {t for op in graph.operators if op.opcode in ARITY for t in (*op.inputs, *op.outputs) if t >= 0}
    for t in (graph.tensor(k) for k in sorted(used)):
        if any(d == 0 for d in t.shape):
            raise InvalidModel(f"{name}: {tensor_ref(t)} has shape {list(t.shape)}: a dimension of 0 holds nothing")
        if all(d > 0 for d in t.shape) and t.nbytes >= MAX_TENSOR_BYTES:
            raise DoesNotFit(
                f"{name}: {tensor_ref(t)} of shape {list(t.shape)} needs {t.nbytes:,} bytes: more than a "
                "32-bit microcontroller can address"
            )
    for op in graph.operators:
        _check_arity(op, name)
        _check_options(op, name)
        if op.opcode in SAME_SHAPE:
            x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
            if x.shape != y.shape:
                raise InvalidModel(
                    f"{name}: {operator_ref(op)} has input shape {list(x.shape)} and output shape {list(y.shape)}: "
                    "they must be the same"
                )


def _check_arity(op: Operator, name: str) -> None:
    rule = ARITY.get(op.opcode)
    if rule is None:
        return  # not an operator simtiny compiles: the support check names it
    fewest, most, optional, outputs = rule
    if not fewest <= len(op.inputs) <= most:
        wanted = f"{fewest}" if fewest == most else f"{fewest} to {most}" if most < 1 << 16 else f"at least {fewest}"
        raise InvalidModel(f"{name}: {operator_ref(op)} has {len(op.inputs)} inputs, needs {wanted}")
    for k, t in enumerate(op.inputs):
        if t < 0 and k not in optional:
            raise InvalidModel(f"{name}: {operator_ref(op)} omits input {k}, which it needs")
    if (outputs >= 0 and len(op.outputs) != outputs) or not op.outputs:
        raise InvalidModel(f"{name}: {operator_ref(op)} has {len(op.outputs)} outputs, needs {outputs}")


def _check_options(op: Operator, name: str) -> None:
    for key, names in ENUM_OPTIONS.items():
        value = op.options.get(key)
        if value is not None and value not in names.values():
            raise InvalidModel(f"{name}: {operator_ref(op)} has an unknown {key.replace('_', ' ')} ({value})")
