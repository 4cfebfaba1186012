"""The Python API: the flow with numpy arrays in and out, the same figures as the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.reports import read_report

import simtiny
from simtiny.errors import InputError

MODELS = Path(__file__).resolve().parent / "data" / "models"
HELLO = MODELS / "hello_world_int8.tflite"

pytestmark = pytest.mark.sim


def test_run_model_with_arrays_matches_the_command_line(tmp_path):
    from simtiny.cli import main

    x = np.array([[17]], dtype=np.int8)
    report = simtiny.run_model(HELLO, inputs=[x], memory_model=False)
    assert report.exact and report.samples[0].label == "array 0"
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "r.json"
    assert main(["run", str(HELLO), "--input", str(tmp_path / "x.npy"), "--ideal-memory", "--json", str(out)]) == 0
    cli = read_report(out)["figures"]
    f = report.figures
    assert (cli["inference_cycles"], cli["flash_bytes"], cli["sram_bytes"]) == (f.cycles, f.flash, f.peak_sram)
    values = read_report(out)["samples"][0]["outputs"][0]["values"]
    assert report.samples[0].outputs[0].reshape(-1).tolist() == values


def test_compile_once_simulate_many():
    from simtiny.flow.golden import run_golden_batch

    compiled = simtiny.compile_model(HELLO, "stm32h743")
    inputs = [[np.array([[v]], dtype=np.int8)] for v in (-128, -1, 0, 90, 127)]
    runs = [simtiny.simulate(compiled, x, memory_model=False) for x in inputs]
    golden = run_golden_batch(compiled.graph.model_bytes, inputs)
    assert [r.outputs[0].tolist() for r in runs] == [g.outputs[0].tolist() for g in golden]
    assert all(r.inference_cycles > 0 and len(r.op_cycles) == 3 for r in runs)
    with pytest.raises(InputError, match="must be int8"):
        simtiny.simulate(compiled, [np.zeros((1, 1), dtype=np.int32)])
    t = compiled.graph.tensor(compiled.graph.inputs[0])
    real = np.array([[(90 - t.zero_point()) * t.scale()]], dtype=np.float32)  # floats: quantized for the input
    assert simtiny.simulate(compiled, [real], memory_model=False).outputs[0].tolist() == runs[3].outputs[0].tolist()


def test_run_firmware_on_either_board():
    elf = simtiny.build_firmware([Path(__file__).parent / "firmware" / "hello.c"], "stm32f746g-disco")
    fw = simtiny.run_firmware(elf, "stm32f746g-disco", memory_model=False)
    assert fw.result.status == "exit" and fw.result.exit_code == 7
    assert fw.result.console.uart == "hello from USART3\r\n"
    assert fw.figures.board == "stm32f746g-disco" and fw.figures.clock_hz == 216_000_000
    assert fw.figures.cycles == fw.result.cycles and fw.figures.stack == fw.result.stack.used


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: simtiny.run_model(HELLO, samples=0), "samples must be"),
        (lambda: simtiny.run_model(HELLO, seed=-1), "seed must be"),
        (lambda: simtiny.run_model(HELLO, seeds=3), "'seeds'"),
        (lambda: simtiny.run_model(HELLO, engine="qemu2"), "engine"),
        (lambda: simtiny.run_model(5), "model must be the path"),
        (lambda: simtiny.run_firmware("x.elf", max_instructions=0), "max_instructions"),
    ],
)
def test_bad_arguments_are_one_line_input_errors(call, needle):
    with pytest.raises(InputError) as excinfo:
        call()
    assert needle in str(excinfo.value) and "\n" not in str(excinfo.value)
