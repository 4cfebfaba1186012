"""support.tflite_writer: models built from numpy load in LiteRT and compute what numpy says."""

from __future__ import annotations

import numpy as np
import pytest
import tflite
from support.tflite_writer import OpSpec, TensorSpec, build_model, options_type

RNG_SEED = 20240601


def litert(model: bytes, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run with LiteRT's reference kernels, in this process (these small models are safe)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs, strict=True):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(detail["index"]) for detail in interpreter.get_output_details()]


def requantize(
    acc: np.ndarray, multiplier: np.ndarray | float, zero_point: int, low: int = -128, high: int = 127
) -> np.ndarray:
    """int32 accumulators to int8, in float: TFLite does this in fixed point (see the callers)."""
    return np.clip(np.round(acc * multiplier) + zero_point, low, high).astype(np.int8)


def fc_model(rng: np.random.Generator, w_scales: list[float], in_scale=0.05, in_zp=-3, out_zp=2):
    """An int8 FULLY_CONNECTED [1,8] x [4,8]^T + bias, with the output scale fitted to the data."""
    x = rng.integers(-128, 128, (1, 8)).astype(np.int8)
    w = rng.integers(-127, 128, (4, 8)).astype(np.int8)
    bias = rng.integers(-500, 500, 4).astype(np.int32)
    acc = bias + ((x.astype(np.int32) - in_zp) @ w.astype(np.int32).T)  # [1, 4]
    real = acc * in_scale * np.asarray(w_scales)
    out_scale = float(np.abs(real).max()) / 100  # outputs land in about [-98, 102]: no clamping
    tensors = [
        TensorSpec("x", (1, 8), "int8", [in_scale], [in_zp]),
        TensorSpec("w", (4, 8), "int8", w_scales, [0] * len(w_scales), quantized_dimension=0, data=w),
        TensorSpec("bias", (4,), "int32", [in_scale * s for s in w_scales], [0] * len(w_scales), data=bias),
        TensorSpec("y", (1, 4), "int8", [out_scale], [out_zp]),
    ]
    model = build_model(tensors, [OpSpec("FULLY_CONNECTED", [0, 1, 2], [3])], inputs=[0], outputs=[3])
    expected = requantize(acc, in_scale * np.asarray(w_scales) / out_scale, out_zp)
    return model, x, expected


def conv_model(rng: np.random.Generator):
    """An int8 CONV_2D 3x3, SAME padding, stride 2, RELU6, per-channel weights: [1,9,9,3] -> [1,5,5,4]."""
    in_scale, in_zp, out_scale, out_zp = 0.05, -3, 0.06, -128
    w_scales = [0.0030, 0.0045, 0.0060, 0.0075]
    x = rng.integers(-128, 128, (1, 9, 9, 3)).astype(np.int8)
    w = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)  # OHWI
    bias = rng.integers(-2000, 2000, 4).astype(np.int32)
    tensors = [
        TensorSpec("x", x.shape, "int8", [in_scale], [in_zp]),
        TensorSpec("w", w.shape, "int8", w_scales, [0] * 4, quantized_dimension=0, data=w),
        TensorSpec("bias", (4,), "int32", [in_scale * s for s in w_scales], [0] * 4, data=bias),
        TensorSpec("y", (1, 5, 5, 4), "int8", [out_scale], [out_zp]),
    ]
    options = {
        "padding": "SAME",
        "stride_w": 2,
        "stride_h": 2,
        "fused_activation_function": "RELU6",
        "dilation_w_factor": 1,
        "dilation_h_factor": 1,
    }
    op = OpSpec("CONV_2D", [0, 1, 2], [3], options, version=3)
    model = build_model(tensors, [op], inputs=[0], outputs=[3])
    # SAME with stride 2 on 9 -> 5 outputs; padding 2 in total, 1 before; padded cells count as zp.
    padded = np.pad(x[0].astype(np.int32) - in_zp, ((1, 1), (1, 1), (0, 0)))
    acc = np.zeros((5, 5, 4), np.int64)
    for i in range(5):
        for j in range(5):
            window = padded[2 * i : 2 * i + 3, 2 * j : 2 * j + 3, :]
            acc[i, j] = np.tensordot(w.astype(np.int32), window, axes=([1, 2, 3], [0, 1, 2]))
    acc += bias
    relu6 = (out_zp, min(127, out_zp + round(6 / out_scale)))  # 0.0 and 6.0 quantised, within int8
    expected = requantize(acc, in_scale * np.asarray(w_scales) / out_scale, out_zp, *relu6)[None]
    return model, x, expected, w


def test_float_add_with_fused_relu():
    tensors = [TensorSpec(name, (2, 3), "float32") for name in ("a", "b", "sum")]
    op = OpSpec("ADD", [0, 1], [2], {"fused_activation_function": "RELU"})
    model = build_model(tensors, [op], inputs=[0, 1], outputs=[2])
    a = np.array([[1.5, -2.0, 3.25], [0.0, -7.5, 4.0]], np.float32)
    b = np.array([[0.25, 1.0, -5.0], [2.0, 3.5, 0.5]], np.float32)
    (out,) = litert(model, [a, b])
    np.testing.assert_array_equal(out, np.maximum(a + b, 0))


def test_int8_fully_connected_matches_the_formula():
    model, x, expected = fc_model(np.random.default_rng(RNG_SEED), w_scales=[0.02])
    (out,) = litert(model, [x])
    assert out.dtype == np.int8 and out.shape == (1, 4)
    # TFLite requantises with a fixed-point multiplier and shift, not in float: a value that lands
    # near .5 may round the other way, so this independent float check allows one step.
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1, (out, expected)


def test_per_channel_weights_quantized_dimension_0():
    w_scales = [0.004, 0.02, 0.05, 0.011]
    model, x, expected = fc_model(np.random.default_rng(RNG_SEED + 1), w_scales=w_scales)
    (out,) = litert(model, [x])
    # one step of tolerance, as above (fixed-point requantisation); a scale applied to the wrong
    # channel would be off by far more
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1, (out, expected)


def test_int8_conv_2d_same_padding_stride_2():
    model, x, expected, _ = conv_model(np.random.default_rng(RNG_SEED))
    (out,) = litert(model, [x])
    assert out.dtype == np.int8 and out.shape == (1, 5, 5, 4)
    # padding, stride, per-channel scales and RELU6 as given: within one fixed-point rounding step
    assert np.abs(out.astype(int) - expected.astype(int)).max() <= 1


def test_reshape_with_new_shape_option():
    tensors = [TensorSpec("x", (1, 6), "float32"), TensorSpec("y", (2, 3), "float32")]
    model = build_model(tensors, [OpSpec("RESHAPE", [0], [1], {"new_shape": [2, 3]})], [0], [1])
    x = np.arange(6, dtype=np.float32)[None] * 1.5
    (out,) = litert(model, [x])
    np.testing.assert_array_equal(out, x.reshape(2, 3))


def test_operator_code_above_127_uses_the_placeholder_and_still_runs():
    tensors = [
        TensorSpec("x", (1, 3), "float32"),
        TensorSpec("shape", (2,), "int32", data=np.array([2, 3], np.int32)),
        TensorSpec("y", (2, 3), "float32"),
    ]
    model = build_model(tensors, [OpSpec("BROADCAST_TO", [0, 1], [2], version=2)], [0], [2])
    code = tflite.Model.GetRootAsModel(model, 0).OperatorCodes(0)
    assert code.BuiltinCode() == tflite.BuiltinOperator.BROADCAST_TO > 127
    assert code.DeprecatedBuiltinCode() == tflite.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES
    x = np.array([[1.0, -2.0, 3.0]], np.float32)
    (out,) = litert(model, [x])
    np.testing.assert_array_equal(out, np.broadcast_to(x, (2, 3)))


def test_round_trip_through_the_schema_reader():
    model, _, _, weights = conv_model(np.random.default_rng(RNG_SEED))
    assert tflite.Model.ModelBufferHasIdentifier(model, 0)
    root = tflite.Model.GetRootAsModel(model, 0)
    assert root.Version() == 3
    assert root.Description() == b"simtiny test model"
    assert root.Buffers(0).DataLength() == 0  # buffer 0 is the empty buffer

    assert root.OperatorCodesLength() == 1
    code = root.OperatorCodes(0)
    assert code.BuiltinCode() == code.DeprecatedBuiltinCode() == tflite.BuiltinOperator.CONV_2D
    assert code.Version() == 3

    graph = root.Subgraphs(0)
    assert graph.InputsAsNumpy().tolist() == [0] and graph.OutputsAsNumpy().tolist() == [3]
    op = graph.Operators(0)
    assert op.OpcodeIndex() == 0
    assert op.InputsAsNumpy().tolist() == [0, 1, 2] and op.OutputsAsNumpy().tolist() == [3]
    assert op.BuiltinOptionsType() == tflite.BuiltinOptions.Conv2DOptions
    table = op.BuiltinOptions()
    options = tflite.Conv2DOptions()
    options.Init(table.Bytes, table.Pos)
    assert options.Padding() == tflite.Padding.SAME
    assert (options.StrideW(), options.StrideH()) == (2, 2)
    assert options.FusedActivationFunction() == tflite.ActivationFunctionType.RELU6
    assert (options.DilationWFactor(), options.DilationHFactor()) == (1, 1)

    w = graph.Tensors(1)
    assert w.Name() == b"w" and w.Type() == tflite.TensorType.INT8
    assert w.ShapeAsNumpy().tolist() == [4, 3, 3, 3]
    quant = w.Quantization()
    np.testing.assert_array_equal(quant.ScaleAsNumpy(), np.float32([0.0030, 0.0045, 0.0060, 0.0075]))
    assert quant.ZeroPointAsNumpy().tolist() == [0, 0, 0, 0]
    assert quant.QuantizedDimension() == 0
    data = root.Buffers(w.Buffer()).DataAsNumpy()
    assert data.tobytes() == weights.tobytes()
    assert model.find(weights.tobytes()) % 16 == 0  # constants aligned, as the converter does

    x = graph.Tensors(0)
    assert x.Buffer() == 0 and x.Quantization().ZeroPointAsNumpy().tolist() == [-3]


def test_round_trip_of_vector_and_enum_options():
    tensors = [TensorSpec("x", (1, 2, 1, 3), "int8"), TensorSpec("y", (1, 2, 3), "int8")]
    ops = [OpSpec("SQUEEZE", [0], [1], {"squeeze_dims": [2]})]
    graph = tflite.Model.GetRootAsModel(build_model(tensors, ops, [0], [1]), 0).Subgraphs(0)
    table = graph.Operators(0).BuiltinOptions()
    squeeze = tflite.SqueezeOptions()
    squeeze.Init(table.Bytes, table.Pos)
    assert squeeze.SqueezeDimsAsNumpy().tolist() == [2]

    tensors = [TensorSpec("x", (2, 3), "float32"), TensorSpec("shape", (2,), "int64")]
    ops = [OpSpec("SHAPE", [0], [1], {"out_type": "INT64"})]
    model = build_model(tensors, ops, [0], [1])
    table = tflite.Model.GetRootAsModel(model, 0).Subgraphs(0).Operators(0).BuiltinOptions()
    shape = tflite.ShapeOptions()
    shape.Init(table.Bytes, table.Pos)
    assert shape.OutType() == tflite.TensorType.INT64
    (out,) = litert(model, [np.zeros((2, 3), np.float32)])
    assert out.dtype == np.int64 and out.tolist() == [2, 3]


@pytest.mark.parametrize(
    ("opcode", "expected"),
    [
        ("CONV_2D", "Conv2DOptions"),
        ("DEPTHWISE_CONV_2D", "DepthwiseConv2DOptions"),
        ("FULLY_CONNECTED", "FullyConnectedOptions"),
        ("AVERAGE_POOL_2D", "Pool2DOptions"),
        ("MAX_POOL_2D", "Pool2DOptions"),
        ("MEAN", "ReducerOptions"),
        ("RESIZE_NEAREST_NEIGHBOR", "ResizeNearestNeighborOptions"),
        ("STRIDED_SLICE", "StridedSliceOptions"),
        ("LEAKY_RELU", "LeakyReluOptions"),
        ("HARD_SWISH", "HardSwishOptions"),
        ("LOGISTIC", None),
        ("RELU6", None),
    ],
)
def test_options_table_of_each_operator(opcode, expected):
    assert options_type(opcode) == expected


@pytest.mark.parametrize(
    ("op", "message"),
    [
        (OpSpec("CONV_2D", [0], [1], {"stride": 2}), "Conv2DOptions has no field 'stride'"),
        (OpSpec("CONV_2D", [0], [1], {"padding": "SOMETIMES"}), "padding: unknown value 'SOMETIMES'"),
        (OpSpec("RELU", [0], [1], {"alpha": 1.0}), "RELU takes no builtin options"),
        (OpSpec("NOT_AN_OP", [0], [1]), "unknown builtin operator 'NOT_AN_OP'"),
        (OpSpec("RELU", [0], [7]), "tensor index 7 out of range"),
    ],
)
def test_bad_specs_are_refused(op, message):
    tensors = [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "float32")]
    with pytest.raises(ValueError, match=message):
        build_model(tensors, [op], [0], [1])


def test_constant_data_must_match_its_spec():
    tensors = [TensorSpec("w", (2, 2), "int8", data=np.zeros((2, 2), np.int64))]
    with pytest.raises(ValueError, match="data is int64 \\[2, 2\\], the spec says int8 \\[2, 2\\]"):
        build_model(tensors, [], [], [0])
