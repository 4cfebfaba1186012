"""Real models end to end in the simulator, bit-exact against LiteRT (issue 3 acceptance).

Every model is built with both toolchains and run on three seeded random inputs; the outputs
must equal LiteRT's reference kernels bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simtiny.flow.golden import run_golden_batch
from simtiny.flow.inputs import random_inputs
from simtiny.flow.measure import model_figures
from simtiny.flow.run import compile_model
from simtiny.flow.simulate import simulate
from simtiny.flow.validate import load_and_check
from simtiny.platform import load_platform
from simtiny.resources import PAPER_MODELS_DIR

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parent.parent
THIRD_PARTY = ROOT / "tests" / "data" / "models"
PAPER = PAPER_MODELS_DIR

MODELS = [
    THIRD_PARTY / "hello_world_int8.tflite",
    THIRD_PARTY / "micro_speech_quantized.tflite",
    THIRD_PARTY / "person_detect.tflite",
    THIRD_PARTY / "mcunet-320kb-1mb_imagenet.tflite",
    THIRD_PARTY / "mcunet-vww1.tflite",
    PAPER / "mcunet-in4-r160.tflite",
    PAPER / "proxyless-w0.3-r64.tflite",
    PAPER / "proxyless-w0.3-r176.tflite",
    PAPER / "mbv2-w0.3-r64.tflite",
]


@pytest.fixture(scope="module")
def board():
    return load_platform("stm32h743")


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_bit_exact_on_three_seeds(model, toolchain, board):
    graph = load_and_check(model)
    compiled = compile_model(graph, board, toolchain)
    static = model_figures(compiled, [], [])
    assert static.fits, static.fit_problems
    batch = [random_inputs(graph, seed) for seed in (0, 1, 2)]
    golden = run_golden_batch(graph.model_bytes, batch)
    for seed, (inputs, gold) in enumerate(zip(batch, golden, strict=True)):
        run = simulate(compiled, inputs, memory_model=False)  # outputs do not depend on it; 5x faster
        assert len(run.op_cycles) == len(graph.operators)
        for k, (got, want) in enumerate(zip(run.outputs, gold.outputs, strict=True)):
            assert got.shape == want.shape
            same = got.tobytes() == want.tobytes()
            assert same, f"{model.name} seed {seed} output {k}: {np.sum(got != want)} elements differ"


def test_person_detect_scores_the_person_image_higher(board, capsys):
    from simtiny.cli import main
    from simtiny.flow.run import RunOptions, run_model

    for mode in ("raw", "pixels"):
        scores = {}
        for image in ("person.bmp", "no_person.bmp"):
            report = run_model(
                RunOptions(THIRD_PARTY / "person_detect.tflite", inputs=[THIRD_PARTY / image], image_mode=mode)
            )
            assert report.exact
            scores[image] = report.samples[0].outputs[0].reshape(-1)  # index 1 = person
        assert scores["person.bmp"][1] > scores["no_person.bmp"][1], (mode, scores)
        if mode == "raw":  # the files hold int8 data (TF-Lite Micro's generate_cc_arrays.py)
            assert scores["person.bmp"].argmax() == 1 and scores["no_person.bmp"].argmax() == 0, scores
    # and through the command line, which must say bit-exact
    args = ["run", str(THIRD_PARTY / "person_detect.tflite"), "--input", str(THIRD_PARTY / "person.bmp")]
    assert main([*args, "--image-mode", "raw"]) == 0
    assert "BIT-EXACT" in capsys.readouterr().out


def test_mobilenet_v2_does_not_fit_and_says_by_how_much(capsys):
    from simtiny.cli import main
    from simtiny.errors import EXIT_FAULT

    model = THIRD_PARTY / "mobilenet_v2_quantized_1x3x224x224.tflite"
    code = main(["run", str(model)])
    err = capsys.readouterr().err
    assert code == EXIT_FAULT
    assert "does not fit stm32h743" in err
    assert "flash: needs" in err and "budget is 2,048.0 KB" in err
    assert "SRAM: needs" in err and "budget is 512.0 KB" in err


def test_mobilenet_v2_bit_exact_with_memory_limits_lifted(capsys):
    from simtiny.cli import main

    model = THIRD_PARTY / "mobilenet_v2_quantized_1x3x224x224.tflite"
    code = main(["run", str(model), "--no-memory-limits"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "BIT-EXACT" in out and "DOES NOT FIT stm32h743" in out
