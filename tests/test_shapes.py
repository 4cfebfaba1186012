"""Placeholder shapes (a Keras model exported with a dynamic batch) resolved from the reference's
run, and shapes that depend on data refused (simtiny.flow.validate.shapes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import api
from simtiny.errors import EXIT_USAGE, SimtinyError
from simtiny.flow.validate import check
from simtiny.model import load_model
from simtiny.model.normalize import normalize

MODELS = Path(__file__).parent / "data" / "models"
DYNAMIC = MODELS / "dynamic_batch_reshape_int8.tflite"


def test_placeholder_shapes_come_from_litert():
    graph = api.load_model(DYNAMIC)
    assert any("taken from LiteRT's run" in note for note in graph.notes)
    assert any("operators on constants (shape computations, views) folded" in note for note in graph.notes)
    reshapes = [op for op in graph.operators if op.opcode == "RESHAPE"]
    assert [graph.tensor(op.outputs[0]).shape for op in reshapes] == [(16, 15), (1, 16, 8), (1, 128)]
    fc = next(op for op in graph.operators if op.opcode == "FULLY_CONNECTED")
    assert graph.tensor(fc.outputs[0]).shape == (16, 8)
    # the file's own shapes, without the resolution, are what LiteRT would not run: refused
    with pytest.raises(SimtinyError, match=r"RESHAPE \(240 bytes in, 1 out\)"):
        check(normalize(load_model(DYNAMIC)), DYNAMIC.name)


@pytest.mark.sim
def test_a_dynamic_batch_model_runs_bit_exact(toolchain):
    report = api.run_model(DYNAMIC, samples=3, toolchain=toolchain, memory_model=False)
    assert report.exact and report.compared.samples == 3 and report.compared.elements == 12


def test_a_shape_that_depends_on_data_is_refused(tmp_path):
    tensors = [
        TensorSpec("x", (2, 6), "int8", scale=[0.1], zero_point=[0]),
        TensorSpec("shape", (2,), "int32"),
        TensorSpec("y", (3, 4), "int8", scale=[0.1], zero_point=[0]),
    ]
    path = tmp_path / "data_shape.tflite"
    path.write_bytes(build_model(tensors, [OpSpec("RESHAPE", [0, 1], [2])], [0, 1], [2]))
    with pytest.raises(SimtinyError) as excinfo:
        api.load_model(path)
    message = str(excinfo.value)
    assert "\n" not in message and "depends on the input's values" in message, message
    assert excinfo.value.exit_code == EXIT_USAGE


@pytest.mark.sim
def test_the_converters_int16x8_residual_block_runs_bit_exact(toolchain):
    """A MobileNet-style block in the converter's 16x8 mode: CONV_2D, DEPTHWISE_CONV_2D, ADD and
    MEAN with int16 activations, then FULLY_CONNECTED and SOFTMAX."""
    report = api.run_model(MODELS / "int16x8_residual.tflite", samples=4, toolchain=toolchain)
    assert report.exact and report.compared.elements == 20
    kernels = set(report.compiled.generated.kernels)
    assert {"conv2d_s16x8", "depthwise_conv2d_s16x8", "add_s16", "mean_s8", "softmax_s16"} <= kernels
    assert "st_mean_s16(" in report.compiled.generated.source


@pytest.mark.sim
def test_the_converters_int16x8_gates_run_bit_exact(toolchain):
    """A gated unit in the converter's 16x8 mode: LOGISTIC and TANH int16 (simtiny.lower.sigmoid16)
    between FULLY_CONNECTED 16x8 layers, their product a MUL int16."""
    report = api.run_model(MODELS / "int16x8_gates.tflite", samples=8, toolchain=toolchain)
    assert report.exact and report.compared.elements == 32
    assert {"logistic_s16", "tanh_s16", "mul_s16", "fully_connected_s16x8"} <= set(report.compiled.generated.kernels)


@pytest.mark.sim
def test_the_converters_int16x8_model_with_float_edges_runs_bit_exact(toolchain):
    """The converter's 16x8 mode with its default float32 input and output: QUANTIZE float32 ->
    int16 in, DEQUANTIZE int16 -> float32 out, around CONV_2D and FULLY_CONNECTED 16x8."""
    report = api.run_model(MODELS / "int16x8_float_io.tflite", samples=6, toolchain=toolchain)
    assert report.exact and report.compared.elements == 18
    assert {"quantize_s8", "dequantize_s8", "conv2d_s16x8"} <= set(report.compiled.generated.kernels)
    source = report.compiled.generated.source
    assert "st_quantize_f32_s16(" in source and "st_dequantize_s16_f32(" in source


@pytest.mark.sim
def test_the_converters_int16x8_model_runs_bit_exact(toolchain):
    """CONV_2D, FULLY_CONNECTED and SOFTMAX with int16 activations (simtiny.lower.sixteen), as the
    TFLite converter's 16x8 mode exports them; its Flatten a dynamic-batch RESHAPE, resolved."""
    report = api.run_model(MODELS / "int16x8_conv_fc_softmax.tflite", samples=4, toolchain=toolchain)
    assert report.exact and report.compared.elements == 40
    kernels = set(report.compiled.generated.kernels)
    assert {"conv2d_s16x8", "fully_connected_s16x8", "softmax_s16"} <= kernels


def test_a_view_of_a_constant_is_folded_and_bit_exact(tmp_path):
    """RESHAPE of a constant: views emit no code, so left in the graph its output would be memory
    nothing wrote (simtiny gave -33 where LiteRT gives -32 before the fold). Folded, the ADD
    reads the constant's bytes, as LiteRT's reshape copies them."""
    q = {"scale": [0.1], "zero_point": [0]}
    tensors = [
        TensorSpec("x", (1, 4), "int8", **q),
        TensorSpec("c", (4,), "int8", data=np.array([1, -2, 3, 40], np.int8), **q),
        TensorSpec("shape", (2,), "int32", data=np.array([1, 4], np.int32)),
        TensorSpec("c_row", (1, 4), "int8", **q),
        TensorSpec("y", (1, 4), "int8", **q),
    ]
    path = tmp_path / "view.tflite"
    path.write_bytes(build_model(tensors, [OpSpec("RESHAPE", [1, 2], [3]), OpSpec("ADD", [0, 3], [4])], [0], [4]))
    graph = api.load_model(path)
    assert [op.opcode for op in graph.operators] == ["ADD"]
    assert graph.tensor(3).data.tolist() == [[1, -2, 3, 40]]
    assert api.run_model(path, samples=3).exact


def test_detection_outputs_take_the_shapes_litert_gives_them():
    """The converter declares TFLite_Detection_PostProcess's outputs []: the shapes come from its
    options, as LiteRT's Prepare sets them, for `run` (load_and_check) and `verify` alike."""
    from simtiny.flow.validate.shapes import detection_output_shapes

    raw = normalize(load_model(Path(__file__).parent / "data" / "models" / "ssd_head_int8.tflite"))
    post = raw.operators[-1]
    assert [raw.tensor(t).shape for t in post.outputs] == [(), (), (), ()]
    graph = detection_output_shapes(raw)
    assert [graph.tensor(t).shape for t in post.outputs] == [(1, 10, 4), (1, 10), (1, 10), (1,)]
    assert graph.notes[-1] == "4 TFLite_Detection_PostProcess output shape(s) set as LiteRT's Prepare sets them"
    assert detection_output_shapes(graph) is graph  # nothing left to set
