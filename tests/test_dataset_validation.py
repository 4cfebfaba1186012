"""`simtiny validate`: a data set through the firmware and the references. The digits classifier
(trained here on scikit-learn's bundled digits) over all 1,797 samples, resuming an interrupted
validation, a Dask cluster started with Dask's own commands, and the errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from support.opcheck import reference_interpreter
from support.reports import read_junit, read_report
from validate_scaling import start_cluster

from simtiny.cli import main
from simtiny.flow.inputs import quantize_for
from simtiny.flow.metrics import ErrorSums, confusion_matrix
from simtiny.model import load_model
from simtiny.resources import MLPERF_MODELS_DIR

MODELS = Path(__file__).parent / "data" / "models"
KWS = MLPERF_MODELS_DIR / "mlperf_kws_ref_model.tflite"
DIGITS = MODELS / "digits_int8.tflite"
DIGITS_FLOAT = MODELS / "digits_float.tflite"


def test_error_sums_are_the_metrics_of_the_whole_set():
    rng = np.random.default_rng(0)
    p, r = rng.normal(0, 1, 1000), rng.normal(0, 1, 1000)
    whole = ErrorSums.of(p, r).metrics()
    parts = ErrorSums()
    for k in range(0, 1000, 100):
        parts = parts + ErrorSums.of(p[k : k + 100], r[k : k + 100])
    e = r - p
    want = {
        "rmse": math.sqrt(np.mean(e * e)),
        "mae": np.mean(np.abs(e)),
        "l2r": np.linalg.norm(e) / np.linalg.norm(r),
        "mean": np.mean(e),
        "std": np.std(e),
        "cos": np.dot(p, r) / (np.linalg.norm(p) * np.linalg.norm(r)),
    }
    for name, value in want.items():
        assert whole[name] == pytest.approx(value, rel=1e-9) and parts.metrics()[name] == pytest.approx(value, rel=1e-9)
    assert ErrorSums.of(np.zeros(3), np.zeros(3)).metrics()["l2r"] is None
    assert confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], 3) == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """scikit-learn's digits as the model takes them (pixels over 16, floats: simtiny quantizes them)."""
    from sklearn.datasets import load_digits

    folder = tmp_path_factory.mktemp("digits")
    d = load_digits()
    images = (d.images / 16.0).astype(np.float32)[..., None]
    np.savez(folder / "digits.npz", images)
    np.save(folder / "labels.npy", d.target.astype(np.int64))
    return folder, images, d.target


def _litert_classes(model, inputs):
    interpreter = reference_interpreter(model.read_bytes())
    i, o = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    classes = []
    for x in inputs:
        interpreter.set_tensor(i, x[None])
        interpreter.invoke()
        classes.append(int(np.argmax(interpreter.get_tensor(o))))
    return np.array(classes)


@pytest.mark.sim
def test_digits_accuracy_of_the_firmware_equals_the_references(digits, tmp_path, capsys):
    """All 1,797 samples: every one bit-exact, and the accuracy the report gives for the firmware,
    the int8 reference and the float model equals what LiteRT computes here on its own."""
    folder, images, labels = digits
    out, junit = tmp_path / "v.json", tmp_path / "v.xml"
    code = main(["validate", str(DIGITS), "--data", str(folder / "digits.npz"), "--labels", str(folder / "labels.npy"),
                 "--float-model", str(DIGITS_FLOAT), "--workers", "2", "--results", str(tmp_path / "r.jsonl"),
                 "--json", str(out), "--junit", str(junit)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    report = read_report(out)
    graph = load_model(DIGITS)
    quantized = quantize_for(images, graph.tensor(graph.inputs[0]), "digits")
    int8_classes = _litert_classes(DIGITS, quantized)
    float_classes = _litert_classes(DIGITS_FLOAT, images)
    assert report["samples"] == 1797 and report["bit_exact_samples"] == 1797 and report["bit_exact"]
    firmware = np.array([r["firmware_class"] for r in report["records"]])
    assert np.array_equal(firmware, int8_classes)
    assert report["accuracy"]["firmware"] == report["accuracy"]["reference"] == int((int8_classes == labels).sum())
    assert report["accuracy"]["float"] == int((float_classes == labels).sum())
    assert report["accuracy"]["firmware"] > 0.9 * 1797  # a real classifier, not chance
    assert report["top1_agreement"]["float"] == int((float_classes == int8_classes).sum())
    assert report["confusion_matrix"] == confusion_matrix(list(labels), list(firmware), 10)
    (ref_metrics,) = report["metrics"]["reference"]
    assert ref_metrics["rmse"] == 0 and ref_metrics["cos"] == pytest.approx(1.0)
    (float_metrics,) = report["metrics"]["float"]
    assert 0 < float_metrics["rmse"] < 0.05 and float_metrics["cos"] > 0.99
    assert report["cycles"]["min"] <= report["cycles"]["median"] <= report["cycles"]["max"]
    suite = read_junit(junit)
    assert suite.attrib["tests"] == "1797" and suite.attrib["failures"] == "0"
    accuracy = report["accuracy"]["firmware"]
    assert f"accuracy  firmware {accuracy:,} of 1,797" in printed and "BIT-EXACT: 1,797 of 1,797" in printed


def _subset(tmp_path, digits, count: int):
    images = digits[1]
    data = tmp_path / "few.npz"
    np.savez(data, images[:count])
    return data


def _records(path):
    lines = path.read_text().splitlines()
    return sorted((json.loads(line) for line in lines[1:]), key=lambda r: r["index"])


@pytest.mark.sim
def test_an_interrupted_validation_resumes_where_it_stopped(digits, tmp_path, capsys):
    data = _subset(tmp_path, digits, 30)
    straight, resumed = tmp_path / "straight.jsonl", tmp_path / "resumed.jsonl"
    base = ["validate", str(DIGITS), "--data", str(data), "--workers", "1", "--chunk", "5"]
    assert main([*base, "--results", str(straight)]) == 0
    assert main([*base, "--results", str(resumed)]) == 0
    lines = resumed.read_text().splitlines(keepends=True)
    resumed.write_text("".join(lines[:13]) + lines[13][:25])  # header, 12 records, half a line: a kill
    capsys.readouterr()
    assert main([*base, "--results", str(resumed)]) == 0
    assert "(18 run now on this process, 12 from earlier runs)" in capsys.readouterr().out
    assert _records(resumed) == _records(straight)
    assert main([*base, "--results", str(resumed)]) == 0  # finished: reported again, nothing run
    assert "(0 run now on this process, 30 from earlier runs)" in capsys.readouterr().out
    assert _records(resumed) == _records(straight)


@pytest.mark.sim
def test_results_of_another_validation_are_kept_unless_forced(digits, tmp_path, capsys):
    data = _subset(tmp_path, digits, 4)
    results = tmp_path / "r.jsonl"
    assert main(["validate", str(DIGITS), "--data", str(data), "--workers", "1", "--results", str(results)]) == 0
    before = results.read_bytes()
    np.savez(data, digits[1][4:8])  # other samples: another validation
    assert main(["validate", str(DIGITS), "--data", str(data), "--workers", "1", "--results", str(results)]) == 2
    err = capsys.readouterr().err
    assert "holds the results of another validation (different data_sha256); --force starts it over" in err
    assert results.read_bytes() == before
    assert main(["validate", str(DIGITS), "--data", str(data), "--workers", "1", "--results", str(results),
                 "--force"]) == 0  # fmt: skip
    assert results.read_bytes() != before and len(_records(results)) == 4


@pytest.mark.sim
def test_a_local_pool_and_a_dask_cluster_give_the_records_of_one_process(digits, tmp_path, capsys):
    """The cluster is started as a user would: `dask scheduler` and two `dask worker` processes."""
    data = _subset(tmp_path, digits, 24)
    one, pool, cluster = (tmp_path / f"{n}.jsonl" for n in ("one", "pool", "cluster"))
    base = ["validate", str(DIGITS), "--data", str(data), "--chunk", "4"]
    assert main([*base, "--workers", "1", "--results", str(one)]) == 0
    assert main([*base, "--workers", "2", "--results", str(pool)]) == 0
    address, processes = start_cluster(tmp_path, 2)
    try:
        capsys.readouterr()
        assert main([*base, "--cluster", address, "--results", str(cluster)]) == 0
        assert f"on a Dask cluster of 2 worker(s) at {address}" in capsys.readouterr().out
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(30)
    assert _records(one) == _records(pool) == _records(cluster)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--labels", "LABELS3"], "--labels LABELS3: 3 labels for 4 samples"),
        (["--float-model", str(KWS)], "input 0 has shape [1, 49, 10, 1], the model's [1, 8, 8, 1]"),
        (["--workers", "0"], "argument --workers: must be at least 1"),
        (["--cluster", "tcp://127.0.0.1:9"], "--cluster tcp://127.0.0.1:9: cannot reach a Dask scheduler there"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(digits, tmp_path, capsys, extra, message):
    data = _subset(tmp_path, digits, 4)
    labels = tmp_path / "labels.txt"
    labels.write_text("1\n2\n3\n")
    extra = [str(labels) if e == "LABELS3" else e for e in extra]
    message = message.replace("LABELS3", str(labels))
    argv = ["validate", str(DIGITS), "--data", str(data), "--results", str(tmp_path / "r.jsonl"), *extra]
    if "--workers" in extra:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    else:
        assert main(argv) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and message in errors[0] and err.endswith(errors[0] + "\n"), err


def test_a_stateful_model_is_refused(tmp_path, capsys):
    stream = MODELS / "okay_nabu.tflite"
    graph = load_model(stream)
    t = graph.tensor(graph.inputs[0])
    np.save(tmp_path / "x.npy", np.zeros((2, *t.shape), dtype=np.dtype(t.dtype)))
    assert main(["validate", str(stream), "--data", str(tmp_path / "x.npy"), "--results",
                 str(tmp_path / "r.jsonl")]) == 2  # fmt: skip
    assert "keeps state between invocations" in capsys.readouterr().err



@pytest.mark.sim
def test_the_python_api(digits, tmp_path):
    import simtiny
    from simtiny.errors import InputError

    data = _subset(tmp_path, digits, 5)
    v = simtiny.validate(DIGITS, data, workers=1, results=tmp_path / "r.jsonl")
    assert v.samples == 5 and v.exact == 5 and v.metrics("reference")[0]["rmse"] == 0
    with pytest.raises(InputError, match="unknown argument 'worker' for validate"):
        simtiny.validate(DIGITS, data, worker=1)
