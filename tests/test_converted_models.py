"""Models simtiny converts itself with TensorFlow (tests/data/convert_models.py) that exercise
operators no third-party model here has: every operator output of every sample bit-exact
against LiteRT on the simulated board, with both toolchains."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.layers import every_operator_bit_exact

from simtiny import api
from simtiny.flow.golden import run_golden
from simtiny.flow.inputs import random_inputs

MODELS = Path(__file__).parent / "data" / "models"


@pytest.mark.sim
def test_layer_normalisation_runs_bit_exact_at_every_operator(toolchain):
    """Keras LayerNormalization as the converter writes it: MEAN, SQUARED_DIFFERENCE, RSQRT, MUL,
    ADD in int8, and a NEG left in float32 between DEQUANTIZE and QUANTIZE."""
    graph = api.load_model(MODELS / "layer_norm_int8.tflite")
    opcodes = {op.opcode for op in graph.operators}
    assert {"SQUARED_DIFFERENCE", "RSQRT", "NEG", "DEQUANTIZE", "QUANTIZE", "MEAN"} <= opcodes
    every_operator_bit_exact(graph, toolchain, 4)


@pytest.mark.sim
def test_multi_head_attention_runs_bit_exact_at_every_operator(toolchain):
    """Keras MultiHeadAttention: its two BATCH_MATMUL (Q.K^T with the keys read transposed, then
    the weights times V) between FULLY_CONNECTED, RESHAPE, TRANSPOSE and SOFTMAX."""
    graph = api.load_model(MODELS / "attention_int8.tflite")
    matmuls = [op for op in graph.operators if op.opcode == "BATCH_MATMUL"]
    assert len(matmuls) == 2
    every_operator_bit_exact(graph, toolchain, 4)


@pytest.mark.sim
def test_transposed_convolution_runs_bit_exact_at_every_operator(toolchain):
    """Keras Conv2DTranspose (stride 2, SAME) as a decoder upsamples, then a Conv2D."""
    graph = api.load_model(MODELS / "upsample_int8.tflite")
    assert [op.opcode for op in graph.operators] == ["TRANSPOSE_CONV", "RELU", "CONV_2D"]
    every_operator_bit_exact(graph, toolchain, 3)


@pytest.mark.sim
@pytest.mark.parametrize("name", ["if_int8", "while_int8"])
def test_control_flow_from_the_converter_runs_bit_exact(name, toolchain):
    """tf.cond and tf.while_loop as TensorFlow's converter writes them: IF with branches that
    quantize inside, WHILE whose body counts with an int32 ADD; the IF's or WHILE's outputs (and
    every other operator's) bit-exact on six random inputs, both branches taken among them."""
    graph = api.load_model(MODELS / f"{name}.tflite")
    (op,) = [op for op in graph.operators if op.opcode in ("IF", "WHILE")]
    assert len(graph.nested(op)) >= 1
    if op.opcode == "IF":  # LiteRT's own condition on the six samples: both branches run
        conditions = {
            bool(
                run_golden(graph.model_bytes, random_inputs(graph, k), preserve_all_tensors=True)
                .intermediates[op.inputs[0]]
                .reshape(-1)[0]
            )
            for k in range(6)
        }
        assert conditions == {False, True}
    every_operator_bit_exact(graph, toolchain, 6)


@pytest.mark.sim
def test_an_ssd_head_from_the_converter_runs_bit_exact(toolchain):
    """TFLite_Detection_PostProcess as TensorFlow's object-detection export writes it (fused from
    a tf.function that implements it): its outputs declared [] in the file take the shapes
    LiteRT's Prepare gives them, and every operator output is bit-exact."""
    graph = api.load_model(MODELS / "ssd_head_int8.tflite")
    post = graph.operators[-1]
    assert post.opcode == "CUSTOM:TFLite_Detection_PostProcess"
    assert [graph.tensor(t).shape for t in post.outputs] == [(1, 10, 4), (1, 10), (1, 10), (1,)]
    assert any("TFLite_Detection_PostProcess output shape" in note for note in graph.notes)
    every_operator_bit_exact(graph, toolchain, 4)
