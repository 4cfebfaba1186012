"""`simtiny run` end to end: build, simulate, compare with LiteRT; and its errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.reports import read_report
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.cli import main
from simtiny.errors import EXIT_MISMATCH, EXIT_USAGE

MODELS = Path(__file__).parent / "data" / "models"


def _simtiny(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simtiny.cli", *args], capture_output=True, text=True, timeout=600)


def _one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == EXIT_USAGE, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.sim
def test_hello_world_bit_exact_on_three_seeds(toolchain, tmp_path, capsys):
    out = tmp_path / "report.json"
    saved = tmp_path / "outputs"
    code = main(
        [
            "run",
            str(MODELS / "hello_world_int8.tflite"),
            "--samples",
            "3",
            "--seed",
            "5",
            "--toolchain",
            toolchain,
            "--json",
            str(out),
            "--save-outputs",
            str(saved),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert "BIT-EXACT: 1 output(s) of 3 sample(s)" in text
    report = read_report(out)
    assert report["bit_exact"] and report["toolchain"] == toolchain
    assert [s["label"] for s in report["samples"]] == ["seed 5", "seed 6", "seed 7"]
    assert all(s["inference_cycles"] > 0 and len(s["op_cycles"]) == 3 for s in report["samples"])
    assert all(
        abs(sum(s["op_cycles"]) - s["inference_cycles"]) <= 0.05 * s["inference_cycles"] for s in report["samples"]
    )
    # The figures are the slowest sample's, its operators included.
    figures = report["figures"]
    slowest = max(report["samples"], key=lambda s: s["inference_cycles"])
    assert figures["inference_cycles"] == slowest["inference_cycles"]
    assert [o["cycles"] for o in figures["operators"]] == slowest["op_cycles"]
    assert figures["stack_bytes"] == max(s["stack_bytes"] for s in report["samples"])
    assert figures["sram_bytes"] == figures["static_ram_bytes"] + figures["stack_bytes"]
    # What the firmware produced, as .npy, equals what the report says it produced.
    for k, sample in enumerate(report["samples"]):
        saved_value = np.load(saved / f"sample{k}_output0.npy")
        assert saved_value.dtype == np.int8
        assert saved_value.reshape(-1).tolist() == sample["outputs"][0]["values"]


@pytest.mark.sim
def test_npy_input_and_no_overwrite(tmp_path, capsys):
    x = np.array([[17]], dtype=np.int8)
    np.save(tmp_path / "x.npy", x)
    saved = tmp_path / "out"
    args = ["run", str(MODELS / "hello_world_int8.tflite"), "--input", str(tmp_path / "x.npy"),
            "--save-outputs", str(saved)]  # fmt: skip
    assert main(args) == 0
    first = np.load(saved / "output0.npy")
    assert first.shape == (1, 1)
    # A second run must not overwrite what the first wrote.
    code = main(args)
    assert code == EXIT_USAGE
    assert "exists; pass --force to overwrite it" in capsys.readouterr().err
    assert np.array_equal(np.load(saved / "output0.npy"), first)


@pytest.mark.sim
def test_debug_layers_names_the_first_wrong_operator(monkeypatch, capsys):
    """Sabotage FULLY_CONNECTED #1 (output zero point off by one): the run must say so."""
    from simtiny.lower import fully_connected

    original = fully_connected.FullyConnected.lower

    def wrong(self, op, graph, ctx):
        call = original(self, op, graph, ctx)
        if op.index != 1:
            return call
        out_zp = graph.tensor(op.outputs[0]).zero_point()
        decls = tuple(d.replace(f", {out_zp}, ", f", {out_zp + 1}, ", 1) for d in call.declarations)
        return type(call)(call.statement, call.kernels, decls)

    monkeypatch.setattr(fully_connected.FullyConnected, "lower", wrong)
    code = main(["run", str(MODELS / "hello_world_int8.tflite"), "--samples", "2", "--debug-layers"])
    text = capsys.readouterr().out
    assert code == EXIT_MISMATCH
    assert "MISMATCH" in text
    assert "first differing operator: #1 FULLY_CONNECTED" in text


@pytest.mark.parametrize(
    "model, needles",
    [
        ("sine_int8.tflite", ["unsupported", "SIN x1"]),
    ],
)
def test_unsupported_operators_are_named(model, needles):
    _one_line_error(_simtiny("run", str(MODELS / model)), *needles)


def test_bad_model_files(tmp_path):
    data = (MODELS / "hello_world_int8.tflite").read_bytes()
    cases = {
        "empty.tflite": (b"", "empty"),
        "text.tflite": (b"hello, I am not a model\n" * 4, "not a TensorFlow Lite model"),
        "truncated.tflite": (data[: len(data) // 2], "truncated"),
        "cut.tflite": (data[:40], "truncated"),
    }
    for name, (content, needle) in cases.items():
        (tmp_path / name).write_bytes(content)
        _one_line_error(_simtiny("run", str(tmp_path / name)), needle)
    _one_line_error(_simtiny("run", str(tmp_path / "missing.tflite")), "no such file")


def test_corrupted_model_is_one_line(tmp_path):
    data = bytearray((MODELS / "hello_world_int8.tflite").read_bytes())
    rng = np.random.default_rng(1)
    for trial in range(5):
        corrupt = bytearray(data)
        for pos in rng.integers(8, len(data), size=40):
            corrupt[pos] ^= 0xFF
        path = tmp_path / f"corrupt{trial}.tflite"
        path.write_bytes(bytes(corrupt))
        proc = _simtiny("run", str(path))
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode in (EXIT_USAGE, 0, 1, 3), proc.stderr
        if proc.returncode == EXIT_USAGE:
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_float_model_is_refused(tmp_path):
    tensors = [
        TensorSpec("a", (1, 4), "float32"),
        TensorSpec("b", (1, 4), "float32"),
        TensorSpec("sum", (1, 4), "float32"),
    ]
    model = build_model(tensors, [OpSpec("ADD", [0, 1], [2])], [0, 1], [2])
    path = tmp_path / "float.tflite"
    path.write_bytes(model)
    _one_line_error(_simtiny("run", str(path)), "float32 model", "int8")


def test_uint8_model_is_refused_as_tflm_refuses_it(tmp_path):
    """A TF1-era uint8 model (per-tensor uint8 activations and weights): LiteRT runs it, TF-Lite
    Micro refuses it (checked here with the tflite-micro package), and so does simtiny, saying
    how to convert it to int8 instead."""
    from tflite_micro.python.tflite_micro import runtime

    rng = np.random.default_rng(0)
    weights = rng.integers(0, 256, (4, 8)).astype(np.uint8)
    tensors = [
        TensorSpec("x", (1, 8), "uint8", scale=[0.02], zero_point=[128]),
        TensorSpec("w", (4, 8), "uint8", scale=[0.01], zero_point=[120], data=weights),
        TensorSpec("b", (4,), "int32", scale=[0.0002], zero_point=[0], data=np.arange(4, dtype=np.int32)),
        TensorSpec("y", (1, 4), "uint8", scale=[0.1], zero_point=[100]),
    ]
    model = build_model(tensors, [OpSpec("FULLY_CONNECTED", [0, 1, 2], [3])], [0], [3])
    interpreter = runtime.Interpreter.from_bytes(model)
    interpreter.set_input(np.zeros((1, 8), np.uint8), 0)
    with pytest.raises(RuntimeError):
        interpreter.invoke()
    path = tmp_path / "uint8.tflite"
    path.write_bytes(model)
    _one_line_error(_simtiny("run", str(path)), "uint8-quantized model", "FULLY_CONNECTED x1", "TFLITE_BUILTINS_INT8")


def test_wrong_input_file(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((1, 1), dtype=np.int32))  # floats would be quantized for it
    _one_line_error(
        _simtiny("run", str(MODELS / "hello_world_int8.tflite"), "--input", str(tmp_path / "x.npy")),
        "must be int8 (or float values, quantized with its scale and zero point), the file holds int32",
    )
