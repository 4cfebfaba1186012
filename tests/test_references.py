"""--reference: LiteRT's reference kernels, TF-Lite Micro's interpreter, or both, and where the two
disagree by design."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ops.test_control_flow import counted_loop
from ops.test_detection_postprocess import ssd_head
from ops.test_fully_connected import _case as fully_connected_case
from support.reports import read_report
from support.tflite_writer import build_model

from simtiny import api
from simtiny.cli import main
from simtiny.errors import EXIT_MISMATCH, EXIT_USAGE, InputError
from simtiny.flow.golden import run_golden
from simtiny.flow.inputs import random_inputs
from simtiny.lower.activations import mul_by_quantized_multiplier_double
from simtiny.lower.quant import quantize_multiplier

MODELS = Path(__file__).parent / "data" / "models"
AD = "mlperf_ad01_int8"  # ten FULLY_CONNECTED layers, where the two references round differently


@pytest.mark.sim
def test_tflm_reference_run_is_bit_exact_and_says_so(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(
        ["run", str(MODELS / "hello_world_int8.tflite"), "--reference", "tflm", "--samples", "3", "--json", str(out)]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert "reference tflite-micro " in text and "ai-edge-litert" not in text
    assert "BIT-EXACT: 1 output(s) of 3 sample(s), 3 values, compared with tflite-micro " in text
    report = read_report(out)
    assert report["bit_exact"] and len(report["references"]) == 1
    assert report["references"][0].startswith("tflite-micro ")
    assert all(s["second_reference"] is None for s in report["samples"])


@pytest.mark.sim
def test_both_references_name_where_they_disagree_and_whom_simtiny_matches(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["run", AD, "--reference", "both", "--samples", "2", "--quiet", "--json", str(out)])
    text = capsys.readouterr().out
    assert code == EXIT_MISMATCH, text
    assert text.startswith("MISMATCH: 1 output(s) of 2 sample(s)") and " and tflite-micro " in text
    report = read_report(out)
    graph = api.load_model(report["model"])
    for k, sample in enumerate(report["samples"]):
        # what the two references give on this sample, computed here, not taken from the report
        values = random_inputs(graph, k)
        litert = run_golden(graph.model_bytes, values).outputs[0].reshape(-1)
        tflm = run_golden(graph.model_bytes, values, reference="tflm").outputs[0].reshape(-1)
        differ = int(np.count_nonzero(litert != tflm))
        assert differ > 0  # FULLY_CONNECTED rounds once in LiteRT, twice in TF-Lite Micro
        assert sample["outputs"][0]["mismatches"] == 0  # simtiny is LiteRT's, bit for bit
        second = sample["second_reference"]
        assert not second["bit_exact"] and second["outputs"][0]["mismatches"] == differ
        assert second["disagreements"] == [
            {
                "output": 0,
                "values": differ,
                "elements": litert.size,
                "simtiny_matches_first": differ,
                "simtiny_matches_second": 0,
            }
        ]
    assert not report["bit_exact"] and report["exit_code"] == EXIT_MISMATCH


@pytest.mark.sim
def test_both_references_text_and_check_gate(capsys):
    code = main(["run", AD, "--reference", "both"])
    text = capsys.readouterr().out
    assert code == EXIT_MISMATCH
    assert "seed 0  output 0 [1x640] int8 against LiteRT: bit-exact" in text
    assert "seed 0  output 0 [1x640] int8 against TF-Lite Micro: MISMATCH:" in text
    line = next(x for x in text.splitlines() if x.startswith("references disagree: "))
    assert "LiteRT and TF-Lite Micro differ on" in line and "there simtiny matches LiteRT on" in line
    assert line.endswith("TF-Lite Micro on 0")
    code = main(["check", AD, "--reference", "both"])
    text = capsys.readouterr().out
    assert code == EXIT_MISMATCH and text.startswith("FAIL ")
    assert "output 0 differs from TF-Lite Micro on seed 0" in text and "differs from LiteRT" not in text


@pytest.mark.sim
def test_both_references_agreeing_give_bit_exact(capsys):
    code = main(["run", str(MODELS / "hello_world_int8.tflite"), "--reference", "both", "--samples", "2"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "references agree: LiteRT and TF-Lite Micro give the same values on every output of every sample" in text
    assert "BIT-EXACT: 1 output(s) of 2 sample(s), 2 values, compared with ai-edge-litert " in text
    assert " and tflite-micro " in text


def test_an_unknown_reference_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["run", AD, "--reference", "tflite"])
    assert excinfo.value.code == EXIT_USAGE
    assert "invalid choice: 'tflite'" in capsys.readouterr().err
    with pytest.raises(InputError, match="reference must be one of"):
        api.run_model(MODELS / "hello_world_int8.tflite", reference="tflite")


def _single_rounding(acc: int, multiplier: int, shift: int) -> int:
    """TFLite's MultiplyByQuantizedMultiplier with TFLITE_SINGLE_ROUNDING: one rounding, halves up."""
    total = 31 - shift
    return (acc * multiplier + (1 << (total - 1))) >> total


def test_fully_connected_rounds_once_in_litert_and_twice_in_tflm():
    """What README's table says of FULLY_CONNECTED: LiteRT 2.3 requantises with one rounding,
    TF-Lite Micro with gemmlowp's two (as both do for CONV_2D); every value of either reference
    is that computation, and over these cases they differ on some values."""
    rng = np.random.default_rng(7)
    differ = 0
    for k in range(24):
        tensors, ops, inputs, outputs = fully_connected_case(rng, k % 2 == 0, (3,), 40, 16, True, "NONE")
        x, w, b, y = tensors
        model = build_model(tensors, ops, inputs=inputs, outputs=outputs)
        value = rng.integers(-128, 128, (3, 40), dtype=np.int8)
        litert = run_golden(model, [value]).outputs[0]
        tflm = run_golden(model, [value], reference="tflm").outputs[0]
        acc = (value.astype(np.int64) - x.zero_point[0]) @ w.data.astype(np.int64).T + b.data
        for (r, u), a in np.ndenumerate(acc):
            scale = w.scale[u] if len(w.scale) > 1 else w.scale[0]
            mult, shift = quantize_multiplier(
                float(np.float64(x.scale[0]) * np.float64(scale) / np.float64(y.scale[0]))
            )
            once = min(127, max(-128, _single_rounding(int(a), mult, shift) + y.zero_point[0]))
            twice = min(127, max(-128, mul_by_quantized_multiplier_double(int(a), mult, shift) + y.zero_point[0]))
            assert (int(litert[r, u]), int(tflm[r, u])) == (once, twice), (k, r, u)
        differ += int(np.count_nonzero(litert != tflm))
    assert differ > 0


def test_a_model_tflm_refuses_is_compared_with_litert_and_the_refusal_named(tmp_path, capsys):
    """TF-Lite Micro cannot allocate a model whose shapes a subgraph computes (a dynamic batch);
    with --reference both the outputs are still compared with LiteRT, and the report says
    that TF-Lite Micro refused it and that LiteRT alone was compared."""
    out = tmp_path / "r.json"
    model = MODELS / "dynamic_batch_reshape_int8.tflite"
    code = main(["run", str(model), "--reference", "both", "--samples", "2", "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "TF-Lite Micro refuses the model (TF-Lite Micro failed while allocating tensors" in text
    assert "compared with LiteRT only" in text
    verdict = text.strip().splitlines()[-1]
    assert verdict.startswith("BIT-EXACT") and "tflite-micro" not in verdict, verdict
    report = read_report(out)
    assert report["second_reference_refused"].startswith("TF-Lite Micro refuses the model")
    assert report["references"] == [report["reference"]]
    assert main(["check", str(model), "--reference", "both"]) == 0
    line = capsys.readouterr().out  # the gate says its bit-exact is LiteRT's alone, and why
    assert "bit-exact (against LiteRT alone: TF-Lite Micro refuses the model (" in line


@pytest.mark.sim
@pytest.mark.parametrize("seed", [1, 11])  # 11: LiteRT leaves 9 to 11 slots unwritten
def test_detection_postprocess_against_both_references(tmp_path, seed):
    """An SSD head (int8 layers, DEQUANTIZE, TFLite_Detection_PostProcess with fast NMS): every
    value LiteRT writes compared, the slots it leaves unwritten counted and not compared; where
    TF-Lite Micro orders tied scores its own way (its partial sort breaks ties by index), the
    disagreement is named and simtiny is LiteRT's there."""
    path = tmp_path / "ssd.tflite"
    path.write_bytes(ssd_head(np.random.default_rng(seed), regular=False))
    out = tmp_path / "r.json"
    main(["run", str(path), "--reference", "both", "--samples", "3", "--quiet", "--json", str(out)])
    report = read_report(out)
    graph = api.load_model(path)
    options = graph.operators[-1].options
    slots = graph.tensor(graph.outputs[1]).size
    classes = min(options["max_classes_per_detection"], options["num_classes"])  # each detection's
    for k, sample in enumerate(report["samples"]):
        litert = run_golden(graph.model_bytes, random_inputs(graph, k)).outputs
        found = int(litert[3][0])  # LiteRT's own count of detections, not the report's
        unwritten = slots - found * classes
        assert [o["unwritten"] for o in sample["outputs"]] == [4 * unwritten, unwritten, unwritten, 0]
        assert all(o["mismatches"] == 0 for o in sample["outputs"])  # simtiny is LiteRT's where it wrote
        for d in sample["second_reference"]["disagreements"]:
            assert d["simtiny_matches_first"] == d["values"] and d["simtiny_matches_second"] == 0


@pytest.mark.sim
def test_a_while_loop_against_both_references(tmp_path):
    """A WHILE that counts i up to 5, doubling one int8 vector and swapping it with another each
    turn: LiteRT and TF-Lite Micro agree, and simtiny equals both."""
    main_tensors, ops, subgraphs = counted_loop(swap=True)
    path = tmp_path / "loop.tflite"
    path.write_bytes(build_model(main_tensors, ops, [0, 1, 2], [3, 4, 5], subgraphs=subgraphs))
    inputs = [np.array([1], np.int32), np.array([[1, 5, -7, 3]], np.int8), np.array([[2, -4, 6, 0]], np.int8)]
    args = ["run", str(path), "--reference", "both", "--quiet", "--json", str(tmp_path / "r.json")]
    for k, value in enumerate(inputs):
        np.save(tmp_path / f"in{k}.npy", value)
        args += ["--input", str(tmp_path / f"in{k}.npy")]
    assert main(args) == 0
    report = read_report(tmp_path / "r.json")
    (sample,) = report["samples"]
    assert sample["outputs"][0]["values"] == [5]  # four turns
    assert sample["second_reference"]["bit_exact"] and sample["second_reference"]["disagreements"] == []


@pytest.mark.sim
def test_an_output_tflm_leaves_at_the_file_shape_makes_it_refuse_by_name(tmp_path):
    """TF-Lite Micro does not resize TFLite_Detection_PostProcess's outputs: the converter's []
    stays [], one value where LiteRT gives ten. With --reference both the run is compared with
    LiteRT alone and says why, rather than calling the values different."""
    out = tmp_path / "r.json"
    code = main(["run", str(MODELS / "ssd_head_int8.tflite"), "--reference", "both", "--quiet", "--json", str(out)])
    report = read_report(out)
    assert code == 0 and report["bit_exact"]
    assert report["second_reference_refused"].startswith("TF-Lite Micro refuses the model (TF-Lite Micro gives output")
    assert "float32 [], the model computes float32 [1, 10]" in report["second_reference_refused"]


def _tflm_only_model(kind: str) -> Path:
    """A model only TF-Lite Micro can check: a 16x8 LSTM, a SUM, an int16 SQUARED_DIFFERENCE, an ELU."""
    from ops.test_lstm16 import lstm16_case
    from ops.test_reduce import sum_case
    from ops.test_squared_difference import squared_difference16_case
    from support.opcheck import Case, pack
    from support.tflite_writer import OpSpec, TensorSpec

    rng = np.random.default_rng(31)

    def elu_case(rng: np.random.Generator):
        tensors = [TensorSpec(n, (2, 16), "int8", scale=[0.05], zero_point=[z]) for n, z in (("x", 3), ("y", -60))]
        return Case("ELU", tensors, OpSpec("ELU", [0], [1]))

    makers = {
        "lstm16": lstm16_case,
        "sum": sum_case,
        "squared_difference16": squared_difference16_case,
        "elu": elu_case,
    }
    make = makers[kind]
    tensors, ops, inputs, outputs, _ = pack([make(rng)])
    return build_model(tensors, ops, inputs, outputs)


WHY_NOT_LITERT = {
    "lstm16": "it has no 16x8 LSTM (operator 0)",
    "sum": "its SUM casts unclamped sums (operator 0, measured)",
    "squared_difference16": "it has no int16 SQUARED_DIFFERENCE (operator 0)",
    "elu": "its reference kernels have no ELU (operator 0)",
}


@pytest.mark.sim
@pytest.mark.parametrize("kind", sorted(WHY_NOT_LITERT))
def test_what_only_tf_lite_micro_checks_runs_against_it_and_litert_says_why_not(tmp_path, capsys, kind):
    """With LiteRT (the default, and in `both`) the run stops in one line, before any reference
    runs, naming the operator and the way out; with TF-Lite Micro the samples are bit-exact (a
    16x8 LSTM's states carried over)."""
    path = tmp_path / f"{kind}.tflite"
    path.write_bytes(_tflm_only_model(kind))
    for reference in ("litert", "both"):
        code = main(["run", str(path), "--samples", "2", "--reference", reference])
        err = capsys.readouterr().err
        assert code == EXIT_USAGE and len(err.strip().splitlines()) == 1, err
        assert f"LiteRT cannot check this model: {WHY_NOT_LITERT[kind]}; --reference tflm compares" in err
    code = main(["run", str(path), "--reference", "tflm", "--samples", "4"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "BIT-EXACT: 1 output(s) of 4 sample(s)" in text and "compared with tflite-micro " in text


def test_validate_refuses_what_litert_cannot_check(tmp_path, capsys):
    """validate (which compares with LiteRT) refuses an ELU model before building or running
    anything, in one line."""
    path = tmp_path / "elu.tflite"
    path.write_bytes(_tflm_only_model("elu"))
    data = tmp_path / "x.npy"
    np.save(data, np.zeros((3, 2, 16), dtype=np.int8))
    code = main(["validate", str(path), "--data", str(data), "--results", str(tmp_path / "r.jsonl")])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and len(err.strip().splitlines()) == 1, err
    assert "LiteRT cannot check this model: its reference kernels have no ELU (operator 0)" in err
