"""A long chain of small int8 operators (.tflite bytes), to test how the flow scales with the
number of operators: table operators (LOGISTIC, TANH, HARD_SWISH, RELU, LEAKY_RELU) and cheap
ones (ADD of a constant, MUL by a constant) repeating on a small tensor, so that every period of
the chain has the same quantization and hence the same tables and parameters."""

from __future__ import annotations

import numpy as np

from support.tflite_writer import OpSpec, TensorSpec, build_model

# (opcode, options, output scale, output zero point, constant second input or None)
_ADD_CONST = np.array([[3, -5, 7, 0, -1, 2, 9, -4]], dtype=np.int8)
_MUL_CONST = np.array([[40, 50, 60, 70, 80, 90, 100, 110]], dtype=np.int8)
PERIOD: list[tuple[str, dict, float, int, np.ndarray | None]] = [
    ("LOGISTIC", {}, 1.0 / 256, -128, None),
    ("TANH", {}, 1.0 / 128, 0, None),
    ("ADD", {"fused_activation_function": "NONE"}, 1.0 / 64, 0, _ADD_CONST),
    ("HARD_SWISH", {}, 1.0 / 64, -10, None),
    ("RELU", {}, 1.0 / 64, -128, None),
    ("LEAKY_RELU", {"alpha": 0.125}, 1.0 / 64, 0, None),
    ("MUL", {"fused_activation_function": "NONE"}, 1.0 / 32, 0, _MUL_CONST),
]
CONST_SCALE = 1.0 / 128


def chain_model(n_ops: int, width: int = 8, shared_constants: bool = False) -> bytes:
    """`n_ops` operators in a chain on a (1, width) int8 tensor (width must be 8 with ADD/MUL
    constants). With shared_constants the ADD/MUL constants are one tensor each; otherwise each
    operator has its own copy, as converters write them."""
    tensors = [TensorSpec("input", (1, width), "int8", scale=[1.0 / 16], zero_point=[0])]
    ops: list[OpSpec] = []
    shared: dict[str, int] = {}
    current = 0
    for i in range(n_ops):
        opcode, options, scale, zp, const = PERIOD[i % len(PERIOD)]
        inputs = [current]
        if const is not None:
            if shared_constants and opcode in shared:
                inputs.append(shared[opcode])
            else:
                tensors.append(
                    TensorSpec(f"c{i}", const.shape, "int8", scale=[CONST_SCALE], zero_point=[0], data=const.copy())
                )
                shared[opcode] = len(tensors) - 1
                inputs.append(len(tensors) - 1)
        tensors.append(TensorSpec(f"t{i}", (1, width), "int8", scale=[scale], zero_point=[zp]))
        current = len(tensors) - 1
        ops.append(OpSpec(opcode, inputs, [current], dict(options)))
    return build_model(tensors, ops, [0], [current], description=f"chain of {n_ops} int8 operators")
