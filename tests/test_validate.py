"""Crafted bad models, one per rule of the validate stage: each is refused before anything is
built, with exit code 2 (3 for sizes) and one line naming the operator or tensor and the rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.reports import read_report
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.cli import main
from simtiny.errors import EXIT_FAULT, EXIT_USAGE
from simtiny.flow.golden import ReferenceRefused, run_golden

MODELS = Path(__file__).parent / "data" / "models"


def tensors(**change: dict) -> list[TensorSpec]:
    """x [1,4] -> FULLY_CONNECTED (w, b) -> y [1,3] -> RELU -> z [1,3]; `change` edits tensors by name."""
    rng = np.random.default_rng(0)
    specs = {
        "x": TensorSpec("x", (1, 4), "int8", [0.05], [-3]),
        "w": TensorSpec("w", (3, 4), "int8", [0.02], [0], data=rng.integers(-127, 128, (3, 4), dtype=np.int8)),
        "b": TensorSpec("b", (3,), "int32", [0.001], [0], data=np.array([5, -7, 11], dtype=np.int32)),
        "y": TensorSpec("y", (1, 3), "int8", [0.1], [2]),
        "z": TensorSpec("z", (1, 3), "int8", [0.1], [2]),
    }
    for name, fields in change.items():
        for key, value in fields.items():
            setattr(specs[name], key, value)
    return list(specs.values())


X, W, B, Y, Z = range(5)
FC = OpSpec("FULLY_CONNECTED", [X, W, B], [Y])
RELU = OpSpec("RELU", [Y], [Z])


def model(path: Path, specs=None, ops=None, inputs=(X,), outputs=(Z,), checked: bool = True) -> Path:
    data = build_model(specs or tensors(), ops or [FC, RELU], list(inputs), list(outputs), checked=checked)
    path.write_bytes(data)
    return path


@pytest.fixture
def refuse(tmp_path, monkeypatch, capsys):
    """Run `simtiny run` on a crafted model; nothing may be built. Returns (exit code, stderr)."""
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path / "cache"))

    def never(*_args, **_kwargs):
        raise AssertionError("the model was built")

    monkeypatch.setattr("simtiny.flow.run.build_model", never)

    def run(**kwargs) -> tuple[int, str]:
        path = model(tmp_path / "bad.tflite", **kwargs)
        code = main(["run", str(path), "--ideal-memory"])
        captured = capsys.readouterr()
        assert captured.out == "", "a refused model prints no report"
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err
        return code, lines[0]

    return run


def test_the_base_model_is_valid_and_bit_exact(tmp_path, monkeypatch, capsys):
    """The crafted models below differ from this one, which runs bit-exact, in one rule each."""
    path = model(tmp_path / "good.tflite")
    out = tmp_path / "report.json"
    assert main(["run", str(path), "--ideal-memory", "--json", str(out)]) == 0, capsys.readouterr().err
    report = read_report(out)
    assert report["bit_exact"] and report["compared"] == {
        "samples": 1,
        "outputs": 1,
        "model_outputs": 1,
        "elements": 3,
    }


@pytest.mark.parametrize(
    ("kwargs", "needles"),
    [
        ({"outputs": ()}, ["the graph lists no outputs"]),
        ({"ops": [RELU, FC]}, ["operator 0 (RELU) reads tensor 3 ('y') before operator 1", "out of order"]),
        (
            {"ops": [OpSpec("RELU", [Z], [Y]), OpSpec("RELU", [Y], [Z])], "outputs": (Z,)},
            ["operator 0 (RELU) reads tensor 4 ('z') before operator 1 (RELU) writes it", "cycle"],
        ),
        ({"ops": [FC, OpSpec("RELU", [Y], [])]}, ["operator 1 (RELU) has no outputs"]),
        ({"ops": [FC, OpSpec("RELU", [Y], [Y])]}, ["operator 1 (RELU) writes tensor 3 ('y'), which it also reads"]),
        ({"ops": [FC, OpSpec("RELU", [Y], [W])]}, ["writes tensor 1 ('w'), a constant"]),
        ({"ops": [FC, OpSpec("RELU", [Y], [Y + 0]), RELU]}, ["which it also reads"]),
        ({"ops": [FC, OpSpec("RELU", [Y], [Z]), OpSpec("RELU", [Y], [Z])]}, ["tensor 4 ('z') is written twice"]),
        ({"outputs": (W,)}, ["graph output tensor 1 ('w') is a constant"]),
        ({"ops": [FC]}, ["graph output tensor 4 ('z') is never written by any operator"]),
        ({"ops": [OpSpec("FULLY_CONNECTED", [X], [Y]), RELU]}, ["operator 0 (FULLY_CONNECTED) has 1 inputs, needs 2"]),
        ({"ops": [OpSpec("FULLY_CONNECTED", [X, -1, B], [Y]), RELU]}, ["omits input 1, which it needs"]),
    ],
    ids=[
        "no-outputs",
        "out-of-order",
        "cycle",
        "no-op-outputs",
        "writes-own-input",
        "writes-constant",
        "writes-own-input-mid",
        "written-twice",
        "constant-output",
        "output-never-written",
        "too-few-inputs",
        "required-input-omitted",
    ],
)
def test_graph_structure(refuse, kwargs, needles):
    code, line = refuse(**kwargs)
    assert code == EXIT_USAGE
    assert all(n in line for n in needles), line


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        ({"z": {"scale": [-0.1]}}, ["tensor 4 ('z') has scale -0.1: scales must be above zero"]),
        ({"y": {"scale": [0.0]}}, ["tensor 3 ('y') has scale 0: scales must be above zero"]),
        ({"x": {"scale": [float("nan")]}}, ["tensor 0 ('x') has scale nan: scales must be finite"]),
        ({"x": {"scale": [float("inf")]}}, ["tensor 0 ('x') has scale inf: scales must be finite"]),
        ({"y": {"zero_point": [2**40]}}, ["tensor 3 ('y') has zero point 1099511627776, outside int8's [-128, 127]"]),
        ({"y": {"zero_point": [-(2**40)]}}, ["outside int8's [-128, 127]"]),
        ({"y": {"scale": None, "zero_point": None}}, ["tensor 3 ('y') is int8 without quantization parameters"]),
        (
            {"w": {"scale": [0.02, 0.03], "zero_point": [0]}, "__unchecked__": {}},
            ["tensor 1 ('w') has 2 scales and 1 zero points"],
        ),
        ({"w": {"scale": [0.02, 0.03], "zero_point": [0, 0]}}, ["tensor 1 ('w') has 2 per-channel scales for the 3"]),
        (
            {"w": {"scale": [0.02] * 3, "zero_point": [0] * 3, "quantized_dimension": 2}},
            ["quantised per channel on axis 2, but has 2 dimensions"],
        ),
    ],
    ids=[
        "negative-scale",
        "zero-scale",
        "nan-scale",
        "inf-scale",
        "huge-zero-point",
        "huge-negative-zero-point",
        "int8-unquantised",
        "zero-point-count",
        "per-channel-count",
        "per-channel-axis",
    ],
)
def test_quantisation(refuse, change, needles):
    change = dict(change)
    unchecked = change.pop("__unchecked__", None) is not None
    specs = tensors(**change)
    if unchecked:
        for spec in specs:
            spec.checked = False
    code, line = refuse(specs=specs)
    assert code == EXIT_USAGE
    assert all(n in line for n in needles), line


@pytest.mark.parametrize(
    ("specs", "ops", "needles"),
    [
        (tensors(y={"shape": (1, 5)}, z={"shape": (1, 5)}), None, ["output shape [1, 5], LiteRT computes [1, 3]"]),
        (tensors(x={"shape": (1, 5)}), None, ["input of 5 values is not whole rows of the filter's depth 4"]),
        (
            tensors(b={"shape": (2,), "data": np.array([1, 2], dtype=np.int32)}),
            None,
            ["bias of 2 values for 3 units", "(operator 0)"],
        ),
        (tensors(z={"shape": (1, 2)}), None, ["operator 1 (RELU) has input shape [1, 3] and output shape [1, 2]"]),
        (None, [OpSpec("FULLY_CONNECTED", [X, W, B], [Y], {"fused_activation_function": 17}), RELU],
         ["operator 0 (FULLY_CONNECTED) has an unknown fused activation function (17)"]),
    ],
    ids=["fc-output-shape", "fc-input-depth", "fc-bias-length", "relu-shape", "unknown-activation"],
)
def test_operator_rules(refuse, specs, ops, needles):
    code, line = refuse(specs=specs, ops=ops)
    assert code == EXIT_USAGE
    assert all(n in line for n in needles), line


def test_a_tensor_beyond_32_bit_addresses_does_not_fit(refuse):
    big = (1, 50_000, 50_000, 1)  # 2.5 GB of int8
    specs = [TensorSpec("a", big, "int8", [0.1], [0]), TensorSpec("b", big, "int8", [0.1], [0])]
    code, line = refuse(specs=specs, ops=[OpSpec("RELU", [0], [1])], inputs=(0,), outputs=(1,))
    assert code == EXIT_FAULT
    assert "tensor 0 ('a') of shape [1, 50000, 50000, 1] needs 2,500,000,000 bytes" in line


def test_an_arena_over_the_budget_is_refused_before_building(refuse):
    shape = (1, 1024, 1024, 1)  # 1 MB (RELU runs in place): over the H743's 512 KB budget
    specs = [TensorSpec("a", shape, "int8", [0.1], [0]), TensorSpec("b", shape, "int8", [0.1], [0])]
    code, line = refuse(specs=specs, ops=[OpSpec("RELU", [0], [1])], inputs=(0,), outputs=(1,))
    assert code == EXIT_FAULT
    assert "does not fit stm32h743: SRAM: needs 1,024.0 KB for the tensor arena alone" in line
    assert "computed before building" in line


def test_litert_refusals_are_usage_errors(tmp_path):
    """What LiteRT itself refuses while loading or preparing is an invalid model (exit 2)."""
    path = model(tmp_path / "m.tflite", specs=tensors(b={"shape": (2,), "data": np.array([1, 2], dtype=np.int32)}))
    with pytest.raises(ReferenceRefused) as excinfo:
        run_golden(path, [np.zeros((1, 4), np.int8)])
    assert excinfo.value.exit_code == EXIT_USAGE
    assert "the reference refuses the model: LiteRT failed while allocating tensors" in str(excinfo.value)


def test_check_gives_a_verdict_for_every_model_and_writes_its_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path / "cache"))
    bad = model(tmp_path / "bad.tflite", outputs=())
    good = model(tmp_path / "good.tflite")
    out = tmp_path / "verdicts.json"
    code = main(["check", str(bad), str(good), "--ideal-memory", "--json", str(out)])
    text = capsys.readouterr().out
    assert code == EXIT_USAGE  # the most serious of the models' codes: one model is invalid
    assert f"ERROR {bad}: bad.tflite: the graph lists no outputs" in text
    assert f"PASS {good}:" in text
    data = read_report(out)
    assert [m["exit_code"] for m in data["models"]] == [EXIT_USAGE, 0]
    assert data["models"][0]["report"] is None and data["models"][1]["report"]["bit_exact"]
    assert not data["passed"]


def test_bit_exact_needs_grounds():
    """ModelReport.exact: at least one sample, the reference, and every output compared."""
    from types import SimpleNamespace

    from simtiny.flow.run import ModelReport, SampleReport
    from simtiny.flow.verify import compare

    same = compare(0, np.zeros(3, np.int8), np.zeros(3, np.int8))
    graph = SimpleNamespace(outputs=[7, 8])
    compiled = SimpleNamespace(graph=graph)

    def report(comparisons_per_sample, runtime="LiteRT"):
        samples = [SampleReport("s", [], None, [], list(c)) for c in comparisons_per_sample]  # type: ignore[arg-type]
        return ModelReport(None, compiled, samples, None, runtime, {})  # type: ignore[arg-type]

    assert report([[same, same]]).exact
    assert not report([]).exact  # no sample
    assert not report([[same]]).exact  # one of two outputs compared
    assert not report([[same, same], []]).exact  # a sample with nothing compared
    assert not report([[same, same]], runtime="").exact  # no reference
    assert report([[same]]).compared.outputs == 1 and report([[same]]).compared.model_outputs == 2
    other = compare(0, np.zeros(3, np.int8), np.zeros(4, np.int8))
    assert not other.exact and "simtiny gives int8 [3], LiteRT int8 [4]" in other.note


@pytest.mark.parametrize(
    ("opcode", "options", "in_scale", "out_scale"),
    [("RELU", {}, 1e30, 1e-30), ("HARD_SWISH", {}, 1e30, 1e-30), ("LEAKY_RELU", {"alpha": float("inf")}, 0.1, 0.1)],
)
def test_scales_beyond_float32_are_a_reason_not_a_crash(refuse, opcode, options, in_scale, out_scale):
    specs = [TensorSpec("a", (1, 4), "int8", [in_scale], [0]), TensorSpec("b", (1, 4), "int8", [out_scale], [0])]
    code, line = refuse(specs=specs, ops=[OpSpec(opcode, [0], [1], options)], inputs=(0,), outputs=(1,))
    assert code == EXIT_USAGE
    assert f"{opcode} (quantisation parameters out of range: requantisation scale inf is not finite)" in line


def test_a_model_of_views_only_runs(tmp_path, monkeypatch, capsys):
    """RESHAPE alone: no code touches the arena, which must still be there for the host."""
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path / "cache"))
    specs = [
        TensorSpec("x", (1, 4), "int8", [0.1], [0]),
        TensorSpec("shape", (2,), "int32", data=np.array([2, 2], np.int32)),
        TensorSpec("y", (2, 2), "int8", [0.1], [0]),
    ]
    path = model(tmp_path / "view.tflite", specs=specs, ops=[OpSpec("RESHAPE", [0, 1], [2])], inputs=(0,), outputs=(2,))
    assert main(["run", str(path), "--ideal-memory", "-q"]) == 0, capsys.readouterr().err
    assert "BIT-EXACT: 1 output(s) of 1 sample(s), 4 values" in capsys.readouterr().out


def test_mul_scales_beyond_float32_are_a_reason(refuse):
    specs = [TensorSpec(n, (1, 4), "int8", [s], [0]) for n, s in (("a", 1e20), ("b", 1e20), ("c", 1e-20))]
    code, line = refuse(specs=specs, ops=[OpSpec("MUL", [0, 1], [2])], inputs=(0, 1), outputs=(2,))
    assert code == EXIT_USAGE and "MUL (quantisation parameters out of range" in line


@pytest.mark.parametrize(
    ("opcode", "options", "operand", "declared", "computed"),
    [
        ("RESHAPE", {}, np.array([3, 2], np.int32), (2, 3), "[3, 2]"),
        ("RESHAPE", {"new_shape": [3, 2]}, None, (2, 3), "[3, 2]"),
        ("SQUEEZE", {"squeeze_dims": [0]}, None, (1, 6), "[6, 1]"),
        ("EXPAND_DIMS", {}, np.array([2], np.int32), (1, 1, 6), "[1, 6, 1]"),
    ],
)
def test_views_whose_declared_shape_disagrees_with_liteRT_are_refused(refuse, opcode, options, operand, declared,
                                                                       computed):
    x = TensorSpec("x", (1, 6) if opcode != "SQUEEZE" else (1, 6, 1), "int8", [0.1], [0])
    specs = [x, TensorSpec("y", declared, "int8", [0.1], [0])]
    inputs = [0]
    if operand is not None:
        specs.append(TensorSpec("operand", operand.shape, "int32", data=operand))
        inputs.append(2)
    code, line = refuse(specs=specs, ops=[OpSpec(opcode, inputs, [1], options)], inputs=(0,), outputs=(1,))
    assert code == EXIT_USAGE and f"output shape {list(declared)}, LiteRT computes {computed}" in line, line


def test_activations_quantised_per_channel_are_refused(refuse):
    code, line = refuse(specs=tensors(x={"shape": (1, 4), "scale": [0.05] * 4, "zero_point": [0] * 4,
                                          "quantized_dimension": 1}))
    assert code == EXIT_USAGE and "tensor 0 ('x') is a computed tensor quantised per channel (4 scales)" in line
