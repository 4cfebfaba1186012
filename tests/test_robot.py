"""The Robot Framework library: the repository's suites pass (the negative cases failing as
stated), a new suite written from the keyword documentation passes, and failures say what
differs in one line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.errors import InputError
from simtiny.units import format_size, parse_count, parse_duration_ms, parse_size

ROOT = Path(__file__).parent.parent
SUITES = ROOT / "robot"
MODELS = ROOT / "tests" / "data" / "models"


def _robot(tmp_path: Path, *args: str, cwd: Path | None = None):
    """Run `python -m robot` into tmp_path; the parsed result (robot.api.ExecutionResult)."""
    from robot.api import ExecutionResult

    out = tmp_path / "robot-out"
    cmd = [sys.executable, "-m", "robot", "--outputdir", str(out), "--loglevel", "INFO", "--console", "quiet", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd or tmp_path)
    return proc, ExecutionResult(str(out / "output.xml"))


def _failures(result) -> dict[str, str]:
    return {t.name: t.message for t in _tests(result.suite) if t.status == "FAIL"}


def _tests(suite):
    yield from suite.tests
    for child in suite.suites:
        yield from _tests(child)


def _expected_errors(test) -> list[tuple[str, str]]:
    """(keyword, its failure message) for every keyword run inside Run Keyword And Expect Error."""
    found = []
    for step in test.body:
        if getattr(step, "name", "") == "Run Keyword And Expect Error":
            assert step.status == "PASS", (test.name, step.message)
            inner = [k for k in step.body if getattr(k, "type", "") == "KEYWORD"]
            assert len(inner) == 1 and inner[0].status == "FAIL", (test.name, step.args)
            found.append((inner[0].name, inner[0].message))
    return found


@pytest.mark.sim
def test_negative_suite_fails_each_case_for_its_stated_reason(tmp_path):
    proc, result = _robot(tmp_path, str(SUITES / "negative.robot"))
    assert proc.returncode == 0, _failures(result)
    stats = result.statistics.total
    assert (stats.passed, stats.failed) == (12, 0)
    failures: list[tuple[str, str]] = []
    for test in _tests(result.suite):
        assert "expected-failure" in test.tags
        checks = _expected_errors(test)
        assert checks, f"{test.name}: nothing is expected to fail"
        failures.extend(checks)
    # Some of the reasons, word for word (the suite's own patterns match the rest).
    assert ("Load Model", "sine_int8.tflite: unsupported: SIN x1") in failures
    assert ("Set Reference", "reference must be one of litert, tflm, both, not 'tflite'") in failures
    assert ("Cycles Of Operator Should Be Below", "the model has 4 operators (0 to 3), not 9") in failures
    assert (
        "Firmware Should Exit With",
        "the firmware did not exit within 5,000,000 instructions (spinning in spin_forever), expected an exit with 0",
    ) in failures or any("spin_forever+" in m for _, m in failures)
    assert any(k == "Firmware Should Exit With" and m.startswith("the firmware faulted: unmapped read at 0x60000000")
               and " in f)" in m for k, m in failures)  # fmt: skip
    for _, message in failures:
        assert "\n" not in message and "Traceback" not in message


@pytest.mark.sim
def test_small_suites_pass(tmp_path):
    proc, result = _robot(tmp_path, str(SUITES / "models" / "hello_world.robot"), str(SUITES / "firmware.robot"))
    assert proc.returncode == 0, _failures(result)
    assert (result.statistics.total.passed, result.statistics.total.failed) == (7, 0)
    assert (tmp_path / "robot-out" / "log.html").is_file() and (tmp_path / "robot-out" / "report.html").is_file()


def _classifier(path: Path) -> None:
    """A model no suite uses: int8 FULLY_CONNECTED [1,16] -> [1,10], then SOFTMAX."""
    rng = np.random.default_rng(20240917)
    w = rng.integers(-127, 128, (10, 16)).astype(np.int8)
    bias = rng.integers(-300, 300, 10).astype(np.int32)
    tensors = [
        TensorSpec("x", (1, 16), "int8", [0.05], [-3]),
        TensorSpec("w", (10, 16), "int8", [0.01], [0], data=w),
        TensorSpec("bias", (10,), "int32", [0.0005], [0], data=bias),
        TensorSpec("logits", (1, 10), "int8", [0.08], [2]),
        TensorSpec("probs", (1, 10), "int8", [1 / 256], [-128]),
    ]
    ops = [OpSpec("FULLY_CONNECTED", [0, 1, 2], [3]), OpSpec("SOFTMAX", [3], [4], {"beta": 1.0})]
    path.write_bytes(build_model(tensors, ops, inputs=[0], outputs=[4]))


NEW_SUITE = """\
*** Settings ***
Documentation     Written from docs/simtiny-robot-keywords.html alone, for a model no suite uses.
Library           simtiny.robot    memory_model=False

*** Variables ***
${MODEL}          ${CURDIR}/classifier.tflite
${EXPECTED}       ${CURDIR}/expected.npy

*** Test Cases ***
Classifier Is Bit-Exact On Random Inputs
    Create Machine    stm32h743    memory_model=False
    Load Model    ${MODEL}
    Random Input    seed=0    samples=3
    Outputs Should Match Golden

Classifier Is Bit-Exact On A File Input And Keeps Its Answer
    Load Model    ${MODEL}
    ${outputs}=    Run Inference    ${CURDIR}/input.npy
    Outputs Should Match Golden
    ${class}=    Get Top Class
    Output Should Be Top Class    ${class}
    ${scores}=    Get Output
    Length Should Be    ${scores}    10
    Evaluate    numpy.save($EXPECTED, numpy.array($scores, dtype=numpy.int8))    modules=numpy
    Output Should Match File    ${EXPECTED}

Classifier Fits A Tiny Board And Is Fast
    Load Model    ${MODEL}
    Model Should Fit
    Random Input    seed=7
    Flash Usage Should Be Below    16 KB
    Peak SRAM Should Be Below    2KB
    Stack Usage Should Be Below    1 KB
    Cycles Of Operator Should Be Below    0    100_000
    Cycles Should Be Below    1M
    Use Memory Model
    Random Input    seed=7
    Latency Should Be Below    1 ms
    ${ms}=    Get Latency
    Should Be True    0 < ${ms} < 1

Classifier Does Not Fit 32 Bytes Of SRAM
    Create Machine    stm32h743    memory_model=False
    Set SRAM Budget    32
    Load Model    ${MODEL}
    Model Should Not Fit    SRAM
    Run Keyword And Expect Error    *does not fit stm32h743: SRAM: needs *    Run Inference
    Ignore Memory Limits
    Random Input    seed=1
    Outputs Should Match Golden
    Run Keyword And Expect Error    peak SRAM is *, the limit is 32 bytes    Peak SRAM Should Be Below    32
"""


@pytest.mark.sim
def test_new_suite_written_from_the_documentation(tmp_path):
    _classifier(tmp_path / "classifier.tflite")
    np.save(tmp_path / "input.npy", np.arange(-8, 8, dtype=np.int8).reshape(1, 16) * 9)
    (tmp_path / "classifier.robot").write_text(NEW_SUITE)
    proc, result = _robot(tmp_path, "classifier.robot")
    assert proc.returncode == 0, _failures(result)
    assert (result.statistics.total.passed, result.statistics.total.failed) == (4, 0)


@pytest.mark.sim
def test_documented_examples_pass(tmp_path):
    """The suite in docs/robot-and-pytest.md and the library's own example, run from the repository."""
    from simtiny.robot import SimtinyLibrary

    page = (ROOT / "docs" / "robot-and-pytest.md").read_text()
    suite = re.search(r"```robotframework\n(.*?)```", page, re.S)
    assert suite
    np.save(tmp_path / "kws_input.npy", np.random.default_rng(3).integers(-128, 128, (1, 1960), dtype=np.int8))
    (tmp_path / "page.robot").write_text(suite.group(1).replace("my_input.npy", str(tmp_path / "kws_input.npy")))
    doc = SimtinyLibrary.__doc__ or ""
    steps = [line.strip()[2:] for line in doc[doc.index("= Example =") :].splitlines() if line.strip().startswith("| ")]
    header = "*** Settings ***\nLibrary    simtiny.robot\n\n*** Test Cases ***\n"
    (tmp_path / "intro.robot").write_text(header + "\n".join(steps) + "\n")
    proc, result = _robot(tmp_path, str(tmp_path / "page.robot"), str(tmp_path / "intro.robot"), cwd=ROOT)
    assert proc.returncode == 0, _failures(result)
    assert (result.statistics.total.passed, result.statistics.total.failed) == (5, 0)


def test_every_keyword_is_documented_with_an_example():
    from robot.libdocpkg import LibraryDocumentation

    lib = LibraryDocumentation("simtiny.robot")
    names = [kw.name for kw in lib.keywords]
    for wanted in (
        "Create Machine", "Load Model", "Load Firmware", "Run Inference", "Random Input", "Wait For Line On Uart",
        "Outputs Should Match Golden", "Output Should Be Top Class", "Peak SRAM Should Be Below",
        "Flash Usage Should Be Below", "Latency Should Be Below", "Cycles Of Operator Should Be Below",
        "Firmware Should Exit With", "Build Firmware", "Use Ideal Memory",
    ):  # fmt: skip
        assert wanted in names
    for kw in lib.keywords:
        assert kw.doc and "\n| " in "\n" + kw.doc, f"{kw.name}: no example in its documentation"
    html = (ROOT / "docs" / "simtiny-robot-keywords.html").read_text()
    missing = [n for n in names if n not in html]
    assert not missing, f"regenerate docs/simtiny-robot-keywords.html (libdoc): {missing} missing"


@pytest.mark.sim
def test_failures_name_the_first_mismatch_and_simtiny_errors_are_one_line():
    from simtiny.robot import SimtinyLibrary

    lib = SimtinyLibrary(memory_model=False)
    with pytest.raises(AssertionError, match=r"^no model loaded: use Load Model first$"):
        lib.outputs_should_match_golden()
    refused = r"^sine_int8\.tflite: unsupported: SIN x1$"
    with pytest.raises(AssertionError, match=refused):
        lib.load_model(str(MODELS / "sine_int8.tflite"))
    lib.load_model(str(MODELS / "micro_speech_quantized.tflite"))
    lib.random_input(seed=2)
    lib.outputs_should_match_golden()
    sample = lib.machine.report.samples[0]
    got = sample.outputs[0]
    got[0, 2] = np.int8(sample.golden[0][0, 2] ^ 5)
    want = sample.golden[0][0, 2].item()
    with pytest.raises(AssertionError) as info:
        lib.outputs_should_match_golden()
    assert str(info.value) == (
        f"output 0 (seed 2) differs from LiteRT at index 2 [0, 2]: firmware {want ^ 5}, LiteRT {want} "
        f"(1 of 4 elements differ, largest difference {abs((want ^ 5) - want)})"
    )


def test_units():
    assert parse_size("512 KB") == parse_size("512KB") == parse_size("512K") == 524288
    assert parse_size("2 MB") == 2 * 1024 * 1024 and parse_size("64KB") == 65536 and parse_size("1,000") == 1000
    assert parse_duration_ms("30 ms") == 30 and parse_duration_ms("0.5 s") == 500 and parse_duration_ms("500 us") == 0.5
    assert parse_count("100_000") == parse_count("100,000") == parse_count("0.1M") == 100_000
    assert format_size(307_400) == "300.2 KB (307,400 bytes)" and format_size(100) == "100 bytes"
    for bad, call in (("30", parse_duration_ms), ("2 parsecs", parse_size), ("many", parse_count)):
        with pytest.raises(InputError):
            call(bad)


def test_ci_examples_use_only_commands_that_exist():
    """The example CI files run simtiny check, robot and pytest with options that exist."""
    from simtiny.cli import build_parser

    texts = [p.read_text() for p in sorted((ROOT / "examples" / "ci").glob("*.yml"))]
    assert len(texts) >= 2
    joined = "\n".join(texts)
    for needed in ("scripts/setup.sh", "simtiny check", "python3 -m robot", "python3 -m pytest"):
        assert needed in joined
    checks = re.findall(r"simtiny check (\S.*)", joined)
    assert checks
    for args in checks:
        build_parser().parse_args(["check", *args.split()])  # exits on an unknown option
    yaml = pytest.importorskip("yaml")
    for text in texts:
        assert isinstance(yaml.safe_load(text), dict)
