"""The Cortex-M7 cycle model end to end: per-operator cycles, determinism, the memory system."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest

from simtiny.flow.build import FirmwareSpec, build, find_toolchain
from simtiny.flow.inputs import random_inputs
from simtiny.flow.run import compile_model
from simtiny.flow.simulate import simulate
from simtiny.flow.validate import load_and_check
from simtiny.platform import load_platform
from simtiny.resources import PAPER_MODELS_DIR
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest
from simtiny.sim.timing import get_cycle_model
from simtiny.sim.timing.m7model import falls_through, price_block, straight_run
from simtiny.sim.unicorn.engine import _Machine

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parent.parent
TEST_FIRMWARE = ROOT / "tests" / "firmware"
MODEL = PAPER_MODELS_DIR / "proxyless-w0.3-r64.tflite"


@pytest.fixture(scope="module")
def board():
    return load_platform("stm32h743")


@pytest.fixture(scope="module")
def compiled(board):
    return compile_model(load_and_check(MODEL), board, "gcc")


def test_operator_cycles_add_up_to_the_inference(compiled):
    run = simulate(compiled, random_inputs(compiled.graph, 0))
    total = run.inference_cycles
    assert total > 0
    assert abs(sum(run.op_cycles) - total) <= 0.01 * total
    assert len(run.op_memory_cycles) == len(compiled.graph.operators)
    assert 0 < run.inference_memory_cycles < total


def test_same_firmware_and_input_give_the_same_cycles(compiled):
    inputs = random_inputs(compiled.graph, 3)
    a = simulate(compiled, inputs)
    b = simulate(compiled, inputs)
    assert a.op_cycles == b.op_cycles and a.result.cycles == b.result.cycles
    assert a.result.memory_cycles == b.result.memory_cycles
    assert a.result.timing.dcache == b.result.timing.dcache and a.result.timing.icache == b.result.timing.icache


def test_ideal_memory_figure_equals_a_run_without_the_memory_model(compiled):
    inputs = random_inputs(compiled.graph, 1)
    with_memory = simulate(compiled, inputs)
    ideal = simulate(compiled, inputs, memory_model=False)
    assert with_memory.outputs[0].tobytes() == ideal.outputs[0].tobytes()
    assert with_memory.op_ideal_cycles == ideal.op_cycles
    assert with_memory.inference_cycles - with_memory.inference_memory_cycles == ideal.inference_cycles
    assert with_memory.inference_cycles > ideal.inference_cycles


def test_caches_make_flash_and_sram_cheaper(board, tmp_path):
    """compute.c enables the caches; the same code with caches off pays every access."""
    source = (TEST_FIRMWARE / "compute.c").read_text()
    no_cache = tmp_path / "compute_nocache.c"
    no_cache.write_text(source.replace("    simtiny_caches_enable();\n", ""))
    tc = find_toolchain("gcc")
    cached = build(FirmwareSpec("compute", (TEST_FIRMWARE / "compute.c",)), board, tc)
    uncached = build(FirmwareSpec("compute_nocache", (no_cache,)), board, tc)
    on = get_engine("unicorn").run(RunRequest(cached.elf, board))
    off = get_engine("unicorn").run(RunRequest(uncached.elf, board))
    assert on.console == off.console and on.status == off.status == "exit"
    assert on.ideal_cycles == pytest.approx(off.ideal_cycles, rel=0.01)
    assert on.timing.dcache[0] > 19 * on.timing.dcache[1]  # a hit rate above 95%: only the streamed weights miss
    assert off.timing.dcache == (0, 0) and off.memory_cycles > 5 * on.memory_cycles


def test_block_prices_follow_the_pairing_rules():
    # two independent ADDs per cycle; a dependent chain one per cycle
    independent = bytes.fromhex("00f1010001f1010102f1010203f10103") * 2  # add.w r0..r3, #1
    dependent = bytes.fromhex("00f10100") * 8
    assert price_block(independent, 0x1000).cycles == 4
    assert price_block(dependent, 0x1000).cycles == 8


def test_straight_runs_end_at_the_first_flow_change():
    add, branch = bytes.fromhex("00f10100"), bytes.fromhex("fee7")  # add.w r0, r0, #1; b .
    assert straight_run(add * 3 + branch + add, 0x1000) == 14
    assert straight_run(add * 2, 0x1000) == 8
    assert falls_through(add * 2, 0x1000) and not falls_through(add + branch, 0x1000)


def test_a_straight_run_cut_into_blocks_costs_what_the_run_costs():
    """Unicorn ends a block before an instruction that crosses a 4 KB page (which gets a block
    of its own), in the middle of straight-line code; the core knows no pages. The engine
    prices such a block joined with the run that follows it (to the next branch), less that
    run's own price: the blocks of the run then cost together what the whole run costs, where
    priced apart they lose the pairs across the cuts."""
    model = get_cycle_model("cortex-m7")
    # smlabb r4, r5, r6, r4 beside add.w r0..r3, #1: a multiply and an add a cycle, then b .
    mac, adds = bytes.fromhex("15fb0644"), [bytes.fromhex(h) for h in ("00f10100", "01f10101", "02f10102", "03f10103")]
    run = b"".join(mac + add for add in adds * 3) + bytes.fromhex("fee7")
    base = 0x08000FF0
    memory = {base + k: b for k, b in enumerate(run)}

    class Uc:
        def mem_read(self, address: int, size: int) -> bytes:
            return bytes(memory.get(address + k, 0) for k in range(size))

    machine = SimpleNamespace(uc=Uc(), cycle_model=model)
    whole = model.cost(run, base).cycles
    costlier = 0
    for cuts in ((4,), (8,), (12,), (4, 8), (20, 44), (4, 12, 28)):
        edges = [0, *cuts, len(run)]
        blocks = [(base + a, run[a:b]) for a, b in itertools.pairwise(edges)]
        apart = sum(model.cost(code, address).cycles for address, code in blocks)
        joined = sum(
            _Machine._joined(machine, code, address, model.cost(code, address)).cycles
            for address, code in blocks[:-1]
        ) + model.cost(blocks[-1][1], blocks[-1][0]).cycles
        assert joined == whole <= apart, (cuts, joined, whole, apart)
        costlier += apart > whole
    assert costlier, "no cut lost a pair: the check would not see a missing join"


@pytest.mark.parametrize("memory_model", [False, True])
def test_the_profile_says_where_every_cycle_went(board, memory_model):
    """Per function: the pipeline's price, then wrong predictions, fetch and loads; together
    they are the run's cycles, and the memory share is the memory system's."""
    elf = build(FirmwareSpec("compute", (TEST_FIRMWARE / "compute.c",)), board, find_toolchain("gcc")).elf
    request = RunRequest(elf, board, 5_000_000, profile=True, memory_model=memory_model)
    result = get_engine("unicorn").run(request)
    profile = result.profile
    assert sum(f.cycles for f in profile) == result.cycles
    assert all(f.cycles == f.pipeline + f.mispredicted + f.fetch + f.loads for f in profile)
    assert sum(f.fetch + f.loads for f in profile) == result.timing.memory_cycles
    assert sum(f.mispredicted for f in profile) > 0
    assert (sum(f.fetch for f in profile) > 0) == memory_model
    assert (sum(f.loads for f in profile) > 0) == memory_model


def test_simtiny_sim_prints_the_profile_with_its_breakdown(board, capsys):
    from simtiny.cli import main

    elf = build(FirmwareSpec("hello", (TEST_FIRMWARE / "hello.c",)), board, find_toolchain("gcc")).elf
    assert main(["sim", "--profile", "--quiet", str(elf)]) == 7  # hello.c exits with 7
    assert main(["sim", "--profile", str(elf)]) == 7
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.split()[:1] == ["function"])
    assert header.split() == ["function", "cycles", "share", "pipeline", "branches", "fetch", "loads", "instructions"]
    assert "main" in out


def test_every_latency_comes_with_the_range_silicon_would_likely_show(board, capsys):
    """The range is the model's cycles over its worst and best ratio to silicon; ideal memory
    and the 1-cpi model make no claim."""
    from simtiny.cli import main
    from simtiny.report.text import silicon_note
    from simtiny.sim.timing import Accuracy, accuracy_of

    assert Accuracy(0.8, 1.25, "x").silicon_range(1000) == (800, 1250)
    assert accuracy_of("1-cpi") is None
    accuracy = accuracy_of("cortex-m7")
    assert accuracy is not None and accuracy.low < 1 < accuracy.high
    elf = build(FirmwareSpec("hello", (TEST_FIRMWARE / "hello.c",)), board, find_toolchain("gcc")).elf
    result = get_engine("unicorn").run(RunRequest(elf, board))
    low_ms, high_ms = result.silicon_milliseconds
    ms = result.milliseconds
    assert low_ms == pytest.approx(ms / accuracy.high, rel=1e-3)
    assert high_ms == pytest.approx(ms / accuracy.low, rel=1e-3)
    assert get_engine("unicorn").run(RunRequest(elf, board, memory_model=False)).silicon_milliseconds is None
    main(["sim", str(elf)])
    assert silicon_note((low_ms, high_ms), accuracy.basis) in capsys.readouterr().out
    main(["sim", "--ideal-memory", str(elf)])
    assert "on silicon" not in capsys.readouterr().out
