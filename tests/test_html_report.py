"""The HTML report, rendered by a real browser (Chromium from Debian, headless): what it shows,
that it is self-contained, and that text from a model never becomes markup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.browser import Shown, not_blank, render
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.cli import main

MODELS = Path(__file__).parent / "data" / "models"
PERSON = MODELS / "person_detect.tflite"


@pytest.mark.sim
def test_run_report_in_a_browser(tmp_path):
    page = tmp_path / "person.html"
    assert main(["run", str(PERSON), "--input", str(MODELS / "person.bmp"), "--image-mode", "raw", "--html",
                 str(page), "-q"]) == 0  # fmt: skip
    html = page.read_text()
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # self-contained
    dom, shot = render(page, tmp_path)
    shown = Shown(dom)
    text = shown.all_text
    assert "BIT-EXACT" in text and "fits stm32h743" in text
    assert shown.rows["layers"] == 31 + 1  # a row per operator, and the head
    assert "MobilenetV1/Predictions/Reshape_1" in text and "1x48x48x8" in text  # tensor names and shapes
    assert shown.svg["latency"]["bar"] == 31 and shown.svg["memory"]["bar"] == 31
    assert shown.svg["memory"]["limit"] == 2 and "SRAM budget 512 KB" in text
    assert shown.rows["flash"] == 5 + 1 and "model code" in text
    assert "top classes: 1 (0.9414)" in text  # the console text
    assert not_blank(shot)


@pytest.mark.sim
def test_text_from_the_model_is_never_markup(tmp_path):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    tensors = [
        TensorSpec(evil, (1, 4), "int8", scale=[0.1], zero_point=[0]),
        TensorSpec("out & </td>", (1, 4), "int8", scale=[0.1], zero_point=[0]),
    ]
    model = tmp_path / "evil.tflite"
    model.write_bytes(build_model(tensors, [OpSpec("RELU", [0], [1], {}, 1)], [0], [1]))
    page = tmp_path / "evil.html"
    assert main(["run", str(model), "--html", str(page), "-q"]) == 0
    dom, _ = render(page, tmp_path)
    shown = Shown(dom)
    assert "script" not in shown.tags and "img" not in shown.tags
    assert evil in shown.all_text and "out & </td>" in shown.all_text


@pytest.mark.sim
def test_check_and_validate_reports_in_a_browser(tmp_path):
    hello = MODELS / "hello_world_int8.tflite"
    page = tmp_path / "check.html"
    assert main(["check", str(hello), str(tmp_path / "missing.tflite"), "--html", str(page)]) == 2
    shown = Shown(render(page, tmp_path)[0])
    assert shown.rows["verdicts"] == 2 + 1 and "PASS" in shown.all_text and "ERROR" in shown.all_text
    assert shown.rows["layers"] == 3 + 1  # the checked model's own report

    digits = MODELS / "digits_int8.tflite"
    data = tmp_path / "d.npz"
    np.savez(data, np.random.default_rng(0).random((6, 8, 8, 1), dtype=np.float32))
    labels = tmp_path / "labels.txt"
    labels.write_text("0\n1\n2\n3\n4\n5\n")
    page = tmp_path / "validate.html"
    assert main(["validate", str(digits), "--data", str(data), "--labels", str(labels), "--workers", "1",
                 "--results", str(tmp_path / "r.jsonl"), "--html", str(page)]) == 0  # fmt: skip
    shown = Shown(render(page, tmp_path)[0])
    assert "BIT-EXACT" in shown.all_text and shown.svg["latency"]["bar"] == 6
    assert shown.rows["confusion"] == 10 + 1
