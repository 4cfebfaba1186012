"""Fit: measured peak SRAM and flash, the planner, `simtiny check` (issue 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.reports import read_junit, read_report

from simtiny.cli import main
from simtiny.contract import STACK_SECTIONS
from simtiny.errors import InputError
from simtiny.flow.inputs import random_inputs
from simtiny.flow.measure import model_figures
from simtiny.flow.plan import STACK_RESERVE, plan_for, plan_memory
from simtiny.flow.run import RunOptions, compile_model, run_model
from simtiny.flow.simulate import simulate
from simtiny.flow.validate import load_and_check
from simtiny.platform import load_platform
from simtiny.resources import MLPERF_MODELS_DIR, PAPER_MODELS_DIR

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "data" / "models"
PAPER = PAPER_MODELS_DIR


@pytest.fixture(scope="module")
def board():
    return load_platform("stm32h743")


@pytest.mark.sim
@pytest.mark.parametrize(
    "model", [PAPER / "mbv2-w0.3-r64.tflite", MODELS / "person_detect.tflite"], ids=lambda p: p.stem
)
def test_reported_peak_is_what_the_run_touched(model, board):
    """All RAM painted before the run: the written extent of each region is the reported use.
    These arenas fit the DTCM, so the build puts them there, below the stack."""
    compiled = compile_model(load_and_check(model), board, "gcc")
    run = simulate(compiled, random_inputs(compiled.graph, 0), memory_model=False, paint_ram=True)
    touched = run.result.touched
    assert set(touched) == {"AXI_SRAM", "DTCM"}, touched  # nothing else is used
    regions = {r.name: r for r in compiled.platform.regions}
    dtcm, arena = regions["DTCM"], compiled.image.symbol("st_arena")
    assert dtcm.contains(arena) and arena == dtcm.base  # platform.toml's arena_tcm

    def static_end(region) -> int:  # the end of what the image reserves there (not the stack)
        ends = [
            s.address + s.size
            for s in compiled.image.sections
            if s.alloc and s.size and s.name not in STACK_SECTIONS and region.contains(s.address)
        ]
        return max(ends, default=region.base)

    axi = regions["AXI_SRAM"]
    low, high = touched["AXI_SRAM"]
    assert low >= axi.base and high < static_end(axi)  # .data and .bss: nothing written beyond them
    stack = run.result.stack
    low, high = touched["DTCM"]
    assert low == arena and high < stack.initial_sp  # from the arena's first byte to the stack
    assert compiled.plan.arena_size <= static_end(dtcm) - dtcm.base < compiled.plan.arena_size + 64
    assert stack.initial_sp - stack.used >= static_end(dtcm)  # the stack stayed above the arena
    used = (static_end(axi) - axi.base) + (static_end(dtcm) - dtcm.base) + stack.used
    assert abs(model_figures(compiled, [run], []).peak_sram - used) <= 64


def test_arena_goes_to_the_tcm_where_it_fits(board):
    """The DTCM takes an arena that leaves arena_tcm_reserve bytes free; a larger one stays in
    the AXI SRAM, and boards without an arena TCM keep theirs where their linker script says."""
    dtcm = next(r for r in board.regions if r.name == board.arena_tcm)
    room = dtcm.size - board.arena_tcm_reserve
    assert board.arena_in_tcm(room) and not board.arena_in_tcm(room + 1)
    assert not load_platform("stm32f746g-disco").arena_in_tcm(16)


def test_planner_runs_operators_in_place_and_beats_the_baseline():
    graph = load_and_check(PAPER / "mbv2-w0.3-r64.tflite")
    plan = plan_memory(graph)
    assert plan.in_place  # ADDs of the residual blocks at least
    for i in plan.in_place:
        op = graph.operators[i]
        assert plan.offsets[op.outputs[0]] == plan.offsets[op.inputs[0]]
    # Without reuse every tensor has its own bytes: the plan must be far smaller.
    assert plan.arena_size < plan_memory(graph, reuse=False).arena_size / 4


def test_optimization_for_time_spends_sram_within_the_budget():
    """--optimization time keeps the fast kernels the "ram" plan steps down from, within the
    board's SRAM less the stack reserve, and never plans an arena smaller than "ram"'s; with no
    room to spare it is the "ram" plan."""
    graph = load_and_check(MLPERF_MODELS_DIR / "mlperf_kws_ref_model.tflite")
    budget = load_platform("stm32f746g-disco").sram_budget
    ram, time = plan_for(graph, budget, "ram"), plan_for(graph, budget, "time")
    assert ram.arena_size == plan_memory(graph).arena_size
    assert ram.arena_size < time.arena_size <= budget - STACK_RESERVE
    assert len(time.levels) < len(ram.levels)  # fewer operators stepped down to slower kernels
    tight = plan_for(graph, ram.arena_size + STACK_RESERVE, "time")
    assert tight.arena_size == ram.arena_size
    with pytest.raises(InputError, match="optimization must be one of ram, time"):
        plan_for(graph, budget, "fast")


def test_optimization_for_time_stays_in_the_arena_tcm():
    """Where the "ram" arena fits the board's zero-wait arena TCM, "time" keeps its arena there
    too (Platform.arena_tcm_bytes: the STM32H743's DTCM less its reserve), stepping down the
    kernels that would push it out; where even the "ram" arena does not fit, or the board has no
    arena TCM, the TCM sets no limit."""
    graph = load_and_check(PAPER_MODELS_DIR / "mbv2-w0.3-r64.tflite")
    board = load_platform("stm32h743")
    tcm = board.arena_tcm_bytes()
    assert tcm == 128 * 1024 - board.arena_tcm_reserve
    assert load_platform("stm32f746g-disco").arena_tcm_bytes() is None
    ram = plan_for(graph, board.sram_budget, "ram", tcm)
    free = plan_for(graph, board.sram_budget, "time")
    capped = plan_for(graph, board.sram_budget, "time", tcm)
    assert ram.arena_size <= tcm < free.arena_size  # the uncapped "time" arena would leave the TCM
    assert ram.arena_size < capped.arena_size <= tcm and board.arena_in_tcm(capped.arena_size)
    assert plan_for(graph, board.sram_budget, "time", ram.arena_size - 1).arena_size == free.arena_size


@pytest.mark.sim
def test_optimization_for_time_is_bit_exact_and_faster():
    """The same model built both ways: both bit-exact against LiteRT, the "time" build faster
    and larger in SRAM, each within the board's budgets."""
    model = MLPERF_MODELS_DIR / "mlperf_kws_ref_model.tflite"
    reports = {
        goal: run_model(RunOptions(model, platform="stm32f746g-disco", optimization=goal, memory_model=False))
        for goal in ("ram", "time")
    }
    assert all(r.exact for r in reports.values())
    ram, time = reports["ram"].figures, reports["time"].figures
    assert time.cycles < ram.cycles and time.peak_sram > ram.peak_sram
    assert time.fits and ram.fits


@pytest.mark.sim
def test_check_built_for_time(capsys):
    """`simtiny check --optimization time` gates the build for speed, and says so."""
    model = str(MLPERF_MODELS_DIR / "mlperf_kws_ref_model.tflite")
    assert main(["check", model, "--platform", "stm32f746g-disco", "--optimization", "time", "--ideal-memory"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS ") and "bit-exact, built for speed (--optimization time)" in out


@pytest.mark.sim
def test_memory_timeline_and_plot(tmp_path, capsys):
    plot = tmp_path / "memory.png"
    code = main(["run", str(PAPER / "mbv2-w0.3-r64.tflite"), "--ideal-memory", "--memory", "--memory-plot", str(plot)])
    out = capsys.readouterr().out
    assert code == 0
    assert "peak" in out and "made of:" in out and "in place" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.sim
def test_check_passes_and_fails_with_reasons(tmp_path, capsys):
    model = str(MODELS / "hello_world_int8.tflite")
    assert main(["check", model, "--latency-budget", "10ms"]) == 0
    assert "PASS" in capsys.readouterr().out
    out_json = tmp_path / "verdict.json"
    junit = tmp_path / "verdict.xml"
    code = main(["check", model, str(tmp_path / "missing.tflite"), "--sram-budget", "64", "--flash-budget", "1K",
                 "--latency-budget", "1us", "--json", str(out_json), "--junit", str(junit)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 2  # the missing model's error is the most serious
    assert "FAIL" in out
    assert "flash: needs" in out and "SRAM: needs" in out and "latency:" in out
    data = read_report(out_json)
    assert data["passed"] is False and len(data["models"][0]["problems"]) == 3
    suite = read_junit(junit)
    assert suite.attrib["tests"] == "2" and suite.attrib["failures"] == "1" and suite.attrib["errors"] == "1"
    failed, missing = suite.findall("testcase")
    assert failed.find("failure").text.splitlines() == data["models"][0]["problems"]
    assert "no such" in missing.find("error").attrib["message"] and missing.find("failure") is None


@pytest.mark.sim
def test_check_says_mobilenet_v2_does_not_fit(capsys):
    code = main(["check", str(MODELS / "mobilenet_v2_quantized_1x3x224x224.tflite"), "--ideal-memory"])
    out = capsys.readouterr().out
    assert code == 1
    assert "flash: needs" in out and "budget is 2,048.0 KB" in out
    assert "SRAM: needs" in out and "budget is 512.0 KB" in out
    assert "bit-exact" in out  # verified all the same, limits lifted


def test_check_usage_errors_exit_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing.tflite")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["check", "x.tflite", "--sram-budget", "lots"])
    assert exc.value.code == 2
    for command in ("check", "run", "bench"):
        with pytest.raises(SystemExit) as exc:
            main([command, *(["x.tflite"] if command != "bench" else []), "--optimization", "fast"])
        assert exc.value.code == 2
    from simtiny import api

    with pytest.raises(InputError, match="optimization must be one of ram, time, not 'fast'"):
        api.compile_model(PAPER / "mbv2-w0.3-r64.tflite", optimization="fast")
    with pytest.raises(InputError, match="optimization must be one of"):
        run_model(RunOptions(PAPER / "mbv2-w0.3-r64.tflite", optimization="fast"))


def test_pre_commit_hook_declares_simtiny_check():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "id: simtiny-check" in text and "entry: simtiny check" in text and "files: \\.tflite$" in text
