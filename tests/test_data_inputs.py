"""Data sets as inputs: .npz files with named arrays, folders of samples, stacks of samples, and
float values quantized for the model as LiteRT's QUANTIZE does; a classifier's top classes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from support.opcheck import reference_interpreter
from support.reports import read_report
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.cli import main
from simtiny.errors import InputError
from simtiny.flow.classify import is_classifier, top_classes
from simtiny.flow.inputs import quantize_for
from simtiny.flow.run import RunOptions, sample_inputs
from simtiny.model import load_model, parse_model
from simtiny.resources import MLPERF_MODELS_DIR

KWS = MLPERF_MODELS_DIR / "mlperf_kws_ref_model.tflite"


def _two_input_model(tmp_path):
    """ADD of two int8 inputs named 'left' and 'right' (the names a .npz file can use)."""
    q = {"scale": [0.05], "zero_point": [3]}
    tensors = [
        TensorSpec("left", (1, 4, 4, 2), "int8", **q),
        TensorSpec("right", (1, 4, 4, 2), "int8", **q),
        TensorSpec("sum", (1, 4, 4, 2), "int8", scale=[0.1], zero_point=[-2]),
    ]
    path = tmp_path / "add.tflite"
    path.write_bytes(build_model(tensors, [OpSpec("ADD", [0, 1], [2], {}, 1)], [0, 1], [2]))
    return path, load_model(path)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
def test_float_inputs_are_quantized_as_litert_quantize_does(dtype):
    """quantize_for against LiteRT's reference QUANTIZE on exact halves, signs, out-of-range
    values and random floats, for several scales and zero points."""
    rng = np.random.default_rng({"int8": 1, "uint8": 2, "int16": 3}[dtype])
    info = np.iinfo(dtype)
    for scale in (0.5, 1 / 3, 0.0078125, float(np.float32(0.0123))):
        zp = 0 if dtype == "int16" else int(rng.integers(info.min, info.max))
        halves = np.arange(-700, 700, dtype=np.float32) * np.float32(scale / 2)
        values = np.concatenate([halves, rng.normal(0, scale * 200, 2000).astype(np.float32)])
        spec_in = TensorSpec("x", values.shape, "float32")
        spec_out = TensorSpec("q", values.shape, dtype, scale=[scale], zero_point=[zp])
        model = build_model([spec_in, spec_out], [OpSpec("QUANTIZE", [0], [1], {}, 1)], [0], [1])
        interpreter = reference_interpreter(model)
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], values)
        interpreter.invoke()
        want = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        graph = parse_model(model)
        got = quantize_for(values, graph.tensor(graph.outputs[0]), "test")
        assert got.dtype == want.dtype and np.array_equal(got, want), (scale, zp, np.flatnonzero(got != want)[:5])


def test_npz_arrays_by_tensor_name_position_and_stacks(tmp_path):
    path, graph = _two_input_model(tmp_path)
    rng = np.random.default_rng(0)
    left = rng.integers(-128, 128, (5, 4, 4, 2), dtype=np.int8)
    right = rng.normal(0, 1, (5, 1, 4, 4, 2)).astype(np.float32)  # floats: quantized for the input
    data = tmp_path / "d.npz"
    np.savez(data, left=left, right=right)
    samples = sample_inputs(RunOptions(path, inputs=(data,)), graph)
    assert [label for label, _ in samples] == [f"d.npz sample {k}" for k in range(5)]
    q = quantize_for(right, graph.tensor(graph.inputs[1]), "t")
    for k, (_, (a, b)) in enumerate(samples):
        assert a.shape == (1, 4, 4, 2) and np.array_equal(a[0], left[k]) and np.array_equal(b, q[k])
    np.savez(tmp_path / "pos.npz", left[0], right[0, 0])  # arr_0, arr_1; one sample each
    ((_, (a, b)),) = sample_inputs(RunOptions(path, inputs=(tmp_path / "pos.npz",)), graph)
    assert np.array_equal(a[0], left[0]) and b.dtype == np.int8
    np.savez(tmp_path / "named.npz", input_0=left[:2], input_1=left[2:4])
    assert len(sample_inputs(RunOptions(path, inputs=(tmp_path / "named.npz",)), graph)) == 2


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"left": np.zeros((2, 4, 4, 2), np.int8), "right": np.zeros((3, 4, 4, 2), np.int8)}, "different numbers"),
        ({"left": np.zeros((4, 4, 2), np.int8)}, "no array for input 1: name it 'right'"),
        ({"left": np.zeros((2, 4, 4, 3), np.int8), "right": np.zeros((2, 4, 4, 3), np.int8)}, "takes shape [1, 4"),
        ({"left": np.zeros((4, 4, 2), np.int32), "right": np.zeros((4, 4, 2), np.int8)}, "must be int8 (or float"),
        ({"left": np.full((4, 4, 2), np.nan, np.float32), "right": np.zeros((4, 4, 2), np.int8)}, "finite"),
    ],
)
def test_npz_errors_are_one_line(tmp_path, arrays, message):
    path, graph = _two_input_model(tmp_path)
    data = tmp_path / "bad.npz"
    np.savez(data, **arrays)
    with pytest.raises(InputError) as exc:
        sample_inputs(RunOptions(path, inputs=(data,)), graph)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_npz_too_large_is_refused_from_its_header(tmp_path):
    path, graph = _two_input_model(tmp_path)
    data = tmp_path / "huge.npz"
    big = np.lib.format.open_memmap(tmp_path / "big.npy", mode="w+", dtype=np.int8, shape=(20_000, 4, 4, 2))
    del big
    np.savez(data, left=np.load(tmp_path / "big.npy"), right=np.load(tmp_path / "big.npy"))
    with pytest.raises(InputError, match="more than 10,000 in one run"):
        sample_inputs(RunOptions(path, inputs=(data,)), graph)
    (tmp_path / "junk.npz").write_bytes(b"PK not really")
    with pytest.raises(InputError, match=r"not a readable \.npz"):
        sample_inputs(RunOptions(path, inputs=(tmp_path / "junk.npz",)), graph)


def test_a_folder_of_samples_in_natural_order(tmp_path):
    graph = load_model(KWS)
    shape = graph.tensor(graph.inputs[0]).shape
    folder = tmp_path / "frames"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for k in (10, 2, 1):
        np.save(folder / f"s{k}.npy", rng.integers(-128, 128, shape, dtype=np.int8))
    (folder / "labels.txt").write_text("ignored\n")
    samples = sample_inputs(RunOptions(KWS, inputs=(folder,)), graph)
    assert [label for label, _ in samples] == ["s1.npy", "s2.npy", "s10.npy"]
    assert np.array_equal(samples[2][1][0], np.load(folder / "s10.npy"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no \.npy, \.bmp or \.png files"):
        sample_inputs(RunOptions(KWS, inputs=(empty,)), graph)
    two, two_graph = _two_input_model(tmp_path)
    with pytest.raises(InputError, match="feeds a model with one input"):
        sample_inputs(RunOptions(two, inputs=(folder,)), two_graph)


def test_images_in_a_folder(tmp_path):
    model = tmp_path / "img.tflite"
    tensors = [
        TensorSpec("img", (1, 8, 8, 3), "int8", scale=[1.0], zero_point=[0]),
        TensorSpec("out", (1, 8, 8, 3), "int8", scale=[1.0], zero_point=[0]),
    ]
    model.write_bytes(build_model(tensors, [OpSpec("RELU", [0], [1], {}, 1)], [0], [1]))
    folder = tmp_path / "pics"
    folder.mkdir()
    pixels = np.arange(8 * 8 * 3, dtype=np.uint8).reshape(8, 8, 3)
    Image.fromarray(pixels).save(folder / "a.png")
    ((label, (value,)),) = sample_inputs(RunOptions(model, inputs=(folder,)), load_model(model))
    assert label == "a.png" and np.array_equal(value[0], (pixels.astype(np.int16) - 128).astype(np.int8))


def test_a_stack_of_samples_in_one_npy_or_array(tmp_path):
    path, graph = _two_input_model(tmp_path)
    stack = np.random.default_rng(2).integers(-128, 128, (3, 4, 4, 2), dtype=np.int8)
    np.save(tmp_path / "a.npy", stack)
    samples = sample_inputs(RunOptions(path, inputs=(tmp_path / "a.npy", stack[::-1].copy())), graph)
    assert [label for label, _ in samples] == [f"a.npy, array 1 sample {k}" for k in range(3)]
    assert np.array_equal(samples[0][1][1][0], stack[2])
    one = sample_inputs(RunOptions(path, inputs=(stack[0], stack[1])), graph)  # one sample: unchanged
    assert len(one) == 1 and one[0][0] == "array 0, array 1"


def test_top_classes_dequantized_best_first_ties_by_class():
    graph = load_model(KWS)
    assert is_classifier(graph)
    out = graph.tensor(graph.outputs[0])
    values = np.full(out.shape, -128, np.int8)
    values[0, 7], values[0, 3], values[0, 9] = 100, 100, 50
    best = top_classes(graph, [values])
    scale, zp = out.scale(), out.zero_point()
    assert best == [(3, (100 - zp) * scale), (7, (100 - zp) * scale), (9, (50 - zp) * scale)]
    assert not is_classifier(load_model(MLPERF_MODELS_DIR / "mlperf_ad01_int8.tflite"))


@pytest.mark.sim
def test_run_a_folder_end_to_end_with_top_classes(tmp_path, capsys):
    graph = load_model(KWS)
    tensor = graph.tensor(graph.inputs[0])
    folder = tmp_path / "data"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for k in range(3):  # float features, quantized by simtiny with the input's parameters
        np.save(folder / f"f{k}.npy", rng.normal(0, 20 * tensor.scale(), tensor.shape[1:]).astype(np.float32))
    out = tmp_path / "r.json"
    assert main(["run", str(KWS), "--input", str(folder), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    data = read_report(out)
    assert data["compared"]["samples"] == 3 and data["bit_exact"]
    for k, s in enumerate(data["samples"]):
        values = np.array(s["outputs"][0]["values"])
        assert s["label"] == f"f{k}.npy"
        assert s["top_classes"][0]["class"] == int(np.argmax(values))
        best = ", ".join(f"{c['class']} ({c['score']:.4g})" for c in s["top_classes"])
        assert f"f{k}.npy  top classes: {best}" in printed
