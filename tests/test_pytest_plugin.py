"""The pytest plugin: the `simtiny` fixture as users write it, and the plugin alone (pytester)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

MODELS = Path(__file__).parent / "data" / "models"
FIRMWARE = Path(__file__).parent / "firmware"


@pytest.mark.sim
def test_kws(simtiny):
    r = simtiny.run("data/models/micro_speech_quantized.tflite")  # found beside this file
    assert r.bit_exact and r.peak_sram < 64 * 1024


@pytest.mark.sim
def test_model_figures(simtiny):
    r = simtiny.run(MODELS / "hello_world_int8.tflite", seed=3, samples=2, memory_model=False)
    assert r.bit_exact and r.mismatch is None and r.fits
    assert len(r.report.samples) == 2 and len(r.op_cycles) == 3
    assert 0 < r.op_cycles[1] < r.cycles and r.latency_ms == pytest.approx(r.cycles / 480e3)
    assert 0 < r.stack < r.peak_sram and 1024 < r.flash < 16 * 1024
    assert r.outputs[0].tobytes() == r.golden[0].tobytes()
    assert r.top_class() == 0  # one output value: class 0 is the only class
    assert repr(r).startswith("<ModelResult hello_world_int8.tflite: bit-exact; flash ")


@pytest.mark.sim
def test_model_built_for_time(simtiny):
    """optimization="time" reaches the planner: MLPerf Tiny's KWS runs faster, in more SRAM, bit-exact."""
    from simtiny.resources import MLPERF_MODELS_DIR

    model = MLPERF_MODELS_DIR / "mlperf_kws_ref_model.tflite"
    ram, time = (simtiny.run(model, memory_model=False, optimization=goal) for goal in ("ram", "time"))
    assert ram.bit_exact and time.bit_exact and ram.fits and time.fits
    assert time.cycles < ram.cycles and time.peak_sram > ram.peak_sram


@pytest.mark.sim
def test_model_against_tflm_and_both_references(simtiny):
    """reference= reaches the run: bit-exact against TF-Lite Micro on hello_world, and on MLPerf
    AD (FULLY_CONNECTED, rounded differently by the two) the mismatch names TF-Lite Micro."""
    from simtiny.errors import InputError
    from simtiny.resources import MLPERF_MODELS_DIR

    r = simtiny.run(MODELS / "hello_world_int8.tflite", reference="tflm", memory_model=False)
    assert r.bit_exact and r.report.runtimes[0].startswith("tflite-micro ")
    ad = simtiny.run(MLPERF_MODELS_DIR / "mlperf_ad01_int8.tflite", reference="both", memory_model=False)
    assert not ad.bit_exact and ad.mismatch is not None and "differs from TF-Lite Micro" in ad.mismatch
    with pytest.raises(InputError, match="reference must be one of litert, tflm, both"):
        simtiny.run(MODELS / "hello_world_int8.tflite", reference="tflite")


@pytest.mark.sim
def test_image_mode_and_arrays(simtiny):
    """image_mode="raw" feeds a BMP's bytes as TF-Lite Micro's person_detection test does: the same
    outputs as the array made that way; a bad mode is a one-line error."""
    import numpy as np
    from PIL import Image

    from simtiny.errors import InputError

    model = MODELS / "person_detect.tflite"
    raw = simtiny.run(model, MODELS / "person.bmp", image_mode="raw", memory_model=False)
    pixels = np.asarray(Image.open(MODELS / "person.bmp").convert("L"), dtype=np.uint8)
    array = simtiny.run(model, pixels.view(np.int8).reshape(1, 96, 96, 1), memory_model=False)
    assert raw.bit_exact and array.bit_exact and raw.top_class() == 1
    assert raw.outputs[0].tobytes() == array.outputs[0].tobytes()
    with pytest.raises(InputError, match="image_mode must be one of pixels, raw"):
        simtiny.run(model, MODELS / "person.bmp", image_mode="bytes")


@pytest.mark.sim
def test_model_over_a_budget_is_measured_and_reported(simtiny):
    r = simtiny.run(MODELS / "hello_world_int8.tflite", memory_model=False, sram_budget="64", flash_budget=512)
    assert r.bit_exact and not r.fits
    assert [p.split(":")[0] for p in r.fit_problems] == ["flash", "SRAM"]
    assert "does NOT fit" in repr(r)


@pytest.mark.sim
def test_firmware_from_c_and_from_elf(simtiny):
    r = simtiny.run(FIRMWARE / "hello.c", memory_model=False)
    assert r.exit_code == 7 and r.status == "exit" and r.fault is None
    assert "hello from USART3" in r.uart_lines and "hello from semihosting" in r.console
    assert r.cycles > 0 and 0 < r.stack < 1024 and r.peak_sram > r.stack and r.flash > 1024
    again = simtiny.run(r.elf)
    assert again.exit_code == 7 and again.result.timing.memory_model  # the fixture's default: memory model


@pytest.mark.sim
def test_firmware_fault_and_budget(simtiny):
    elf = simtiny.build(FIRMWARE / "fault_read.c")
    r = simtiny.run(elf)
    assert r.exit_code is None and r.status == "fault"
    assert r.fault is not None and r.fault.startswith("unmapped read at 0x60000000") and " in f)" in r.fault
    spin = simtiny.run(FIRMWARE / "spin.c", max_instructions=1_000_000)
    assert spin.status == "budget" and spin.outcome.startswith("did not exit within 1,000,000 instructions")


def test_missing_file_is_a_one_line_error(simtiny):
    from simtiny.errors import InputError

    with pytest.raises(InputError, match=r"^no_such\.tflite: no such file \(looked in "):
        simtiny.run("no_such.tflite")


@pytest.mark.sim
def test_plugin_alone_with_pytester(pytester):
    """A user's project: no conftest, the fixture comes from the entry point alone."""
    model = MODELS / "hello_world_int8.tflite"
    pytester.makepyfile(
        f"""
        def test_fits(simtiny):
            r = simtiny.run({str(model)!r})
            assert r.bit_exact and r.peak_sram < 64 * 1024
            assert not r.figures.memory_model  # --simtiny-ideal-memory

        def test_too_small(simtiny):
            r = simtiny.run({str(model)!r})
            assert r.peak_sram < 16
        """
    )
    result = pytester.runpytest("--simtiny-ideal-memory", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*<ModelResult hello_world_int8.tflite: bit-exact; flash *, peak SRAM * B, *"])


def test_plugin_options_are_registered(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--simtiny-platform*", "*--simtiny-toolchain*", "*--simtiny-ideal-memory*"])
