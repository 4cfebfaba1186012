"""Seeded byte-mutation fuzzing of `simtiny run` over real models (tests/support/fuzz.py): every
mutant ends with a documented exit code, one error line and no traceback, and no verdict is given
without the reference's outputs compared on every output."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from support.fuzz import campaign, judge

MODELS = Path(__file__).parent / "data" / "models"
# Small models: most mutants that pass validation are built and simulated in about a second.
FUZZED = [MODELS / "hello_world_int8.tflite", MODELS / "micro_speech_quantized.tflite"]
MUTANTS = 240


@pytest.mark.sim
def test_mutated_models_get_documented_outcomes_only(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path / "cache"))
    outcomes = campaign(FUZZED, MUTANTS, seed=2026, workers=2)
    broken = [o.describe() for o in outcomes if o.problem]
    assert not broken, "\n".join(broken)
    codes = Counter(o.exit_code for o in outcomes)
    # The campaign must exercise both sides: refusals, and mutants that still run to a verdict.
    assert codes[2] > MUTANTS // 10 and codes[0] + codes[1] > MUTANTS // 10, codes


@pytest.mark.parametrize(
    ("code", "report", "problem"),
    [
        (70, None, "undocumented exit code 70"),
        (0, None, "a verdict without its JSON report"),
        (0, {"compared": {"samples": 0, "outputs": 1, "model_outputs": 1}, "reference": "x"}, "nothing compared"),
        (0, {"compared": {"samples": 1, "outputs": 1, "model_outputs": 2}, "reference": "x"}, "not every output"),
        (0, {"compared": {"samples": 1, "outputs": 1, "model_outputs": 1}, "reference": ""}, "reference"),
        (1, {"compared": {"samples": 1, "outputs": 1, "model_outputs": 1}, "reference": "x"}, None),
    ],
)
def test_the_judge_catches_each_broken_promise(code, report, problem):
    found = judge(code, "", report)
    assert (found is None) if problem is None else (problem in found), found
