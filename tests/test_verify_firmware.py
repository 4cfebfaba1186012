"""`simtiny verify`: a firmware simtiny did not write -- a hand-written main around simtiny's kernels,
linked with newlib (tests/firmware/verify/main.c) -- checked against LiteRT through the verify
contract of simtiny_verify.h: bit-exact on hello_world and person_detect, a sabotaged build caught,
broken contracts reported as firmware failures (exit 3)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.libc_firmware import CPU, missing
from support.reports import read_report
from support.verify_firmware import build

from simtiny.cli import main
from simtiny.errors import EXIT_USAGE
from simtiny.flow.verify_firmware import VerifyOptions, _inference_cycles, verify_firmware
from simtiny.resources import HAL_INCLUDE_DIR

MODELS = Path(__file__).resolve().parent / "data" / "models"
HELLO, PERSON = MODELS / "hello_world_int8.tflite", MODELS / "person_detect.tflite"


@pytest.fixture(scope="session")
def verify_elf(tmp_path_factory):
    """main.c around a model, built with newlib once per session (sabotaged on request)."""
    out = tmp_path_factory.mktemp("verify-firmware")
    built: dict[tuple[Path, bool], Path] = {}

    def get(model: Path, sabotage: bool = False) -> Path:
        reason = missing("newlib")
        if reason:
            pytest.skip(reason)
        if (model, sabotage) not in built:
            built[(model, sabotage)] = build(model, out, sabotage)
        return built[(model, sabotage)]

    return get


@pytest.mark.sim
def test_hello_world_is_bit_exact_with_figures(verify_elf):
    report = verify_firmware(VerifyOptions(verify_elf(HELLO), HELLO, samples=3, seed=5))
    assert report.exact and report.exit_code == 0
    assert [s.label for s in report.samples] == ["seed 5", "seed 6", "seed 7"]
    assert all(len(s.comparisons) == 1 and s.comparisons[0].elements == 1 for s in report.samples)
    f = report.figures
    assert f.flash > 10_000 and f.static_ram > 0 and f.stack > 0
    # the markers' cycles: inside the HAL timer's (which brackets them) and inside the whole run
    for s in report.samples:
        hal = int(re.search(r"inference: (\d+) cycles \(HAL timer\)", s.run.result.console.text).group(1))
        assert s.inference_cycles is not None and 0 < s.inference_cycles <= hal < s.run.result.cycles
        ms = int(re.search(r"inference: (\d+) ms \(SysTick\)", s.run.result.console.text).group(1))
        assert abs(ms - hal / 480_000) <= 1  # the SysTick-driven millisecond timer agrees with DWT
    assert f.cycles == max(s.inference_cycles for s in report.samples)
    assert report.notes == []


@pytest.mark.sim
def test_tflm_as_the_reference_of_a_firmware(verify_elf, capsys):
    code = main(["verify", str(verify_elf(PERSON)), str(PERSON), "--reference", "tflm", "--samples", "2"])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "reference tflite-micro " in text
    assert text.rstrip().splitlines()[-1] == "BIT-EXACT: 2 output(s) of 2 sample(s) compared with TF-Lite Micro"
    with pytest.raises(SystemExit) as excinfo:  # one reference at a time here: no "both"
        main(["verify", str(verify_elf(HELLO)), str(HELLO), "--reference", "both"])
    assert excinfo.value.code == EXIT_USAGE


@pytest.mark.sim
def test_person_detect_is_bit_exact_on_the_person_image(verify_elf, capsys, tmp_path):
    out = tmp_path / "report.json"
    code = main(
        [
            "verify",
            str(verify_elf(PERSON)),
            str(PERSON),
            "--input",
            str(MODELS / "person.bmp"),
            "--image-mode",
            "raw",
            "--json",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert "person.bmp  output 0 [1x2] int8: bit-exact" in text
    assert text.splitlines()[-1] == "BIT-EXACT: 1 output(s) of 1 sample(s) compared with LiteRT"
    data = read_report(out)
    assert data["exact"] is True and data["samples"][0]["outputs"][0]["mismatches"] == 0
    assert data["figures"]["inference_cycles"] > 1_000_000 and data["figures"]["flash"] > 200_000


@pytest.mark.sim
def test_a_systick_millisecond_timer_measures_the_inference(verify_elf):
    """The firmware's own 1 kHz SysTick tick (HAL_GetTick style) agrees with the DWT cycles."""
    report = verify_firmware(VerifyOptions(verify_elf(PERSON), PERSON, samples=1))
    text = report.samples[0].run.result.console.text
    hal = int(re.search(r"inference: (\d+) cycles \(HAL timer\)", text).group(1))
    ms = int(re.search(r"inference: (\d+) ms \(SysTick\)", text).group(1))
    # ten ticks at least, so that agreeing within one tick means something (faster kernels
    # brought person_detect from over 50 ms to about 45, then to about 20)
    assert report.exact and ms >= 10 and abs(ms - hal / 480_000) <= 1, (ms, hal)


@pytest.mark.sim
def test_person_detect_is_bit_exact_on_random_inputs(verify_elf, capsys):
    assert main(["verify", str(verify_elf(PERSON)), str(PERSON), "--samples", "2", "-q"]) == 0
    assert capsys.readouterr().out == "BIT-EXACT: 2 output(s) of 2 sample(s) compared with LiteRT\n"


@pytest.mark.sim
@pytest.mark.parametrize("model", [HELLO, PERSON], ids=["hello_world", "person_detect"])
def test_a_sabotaged_build_is_caught(verify_elf, model, capsys):
    assert main(["verify", str(verify_elf(model, sabotage=True)), str(model)]) == 1
    out = capsys.readouterr().out
    assert "output 0" in out and "MISMATCH: 1 of" in out and out.splitlines()[-1].startswith("MISMATCH")


@pytest.mark.sim
def test_a_firmware_for_another_model_fails_with_its_console_line(verify_elf, capsys):
    """person_detect's firmware given hello_world's 1-byte input: it refuses it and exits 10."""
    assert main(["verify", str(verify_elf(PERSON)), str(HELLO)]) == 3
    err = capsys.readouterr().err
    assert "exited with status 10" in err and "cannot read input0.bin (-2)" in err


@pytest.mark.sim
def test_a_firmware_that_writes_no_output_gets_no_verdict(firmware_builder, capsys):
    elf = firmware_builder("compute", "gcc").elf  # exits 0, knows nothing of the contract
    assert main(["verify", str(elf), str(HELLO)]) == 3
    assert "the firmware wrote no output0.bin on sample seed 0" in capsys.readouterr().err


def test_bad_input_is_one_line_exit_2(tmp_path, capsys):
    assert main(["verify", str(tmp_path / "none.elf"), str(HELLO)]) == 2
    assert capsys.readouterr().err.strip().endswith("none.elf: no such firmware file")
    not_elf = tmp_path / "x.elf"
    not_elf.write_bytes(b"not an elf")
    assert main(["verify", str(not_elf), str(tmp_path / "none.tflite")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


class _Timing:
    def __init__(self, reads):
        self.counter_reads = reads


class _Result:
    def __init__(self, reads):
        self.timing = _Timing(reads)


class _Run:
    def __init__(self, reads):
        self.result = _Result(reads)


def test_marker_cycles_wrap_and_find_their_memory_share():
    assert _inference_cycles(None, _Run([])) == (None, None)
    assert _inference_cycles((0xFFFFFF00, 0x100), _Run([])) == (0x200, None)
    reads = [(10, 1), (50, 3), (1050, 403), (1100, 410)]
    assert _inference_cycles((40, 1040), _Run(reads)) == (1000, 400)


def test_the_header_is_freestanding_c99(tmp_path):
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        pytest.skip("arm-none-eabi-gcc not installed")
    src = tmp_path / "use.c"
    src.write_text(
        '#include "simtiny_verify.h"\n'
        "static unsigned char in[4], out[4];\n"
        "void run(void) {\n"
        "    if (st_verify_read_input(0, in, sizeof in) != ST_VERIFY_OK) st_verify_exit(1);\n"
        "    st_verify_begin();\n    out[0] = in[0];\n    st_verify_end();\n"
        "    st_verify_exit(st_verify_write_output(0, out, sizeof out));\n}\n"
    )
    command = [
        gcc,
        *CPU,
        "-std=c99",
        "-pedantic",
        "-ffreestanding",
        "-nostdlib",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-O2",
        f"-I{HAL_INCLUDE_DIR}",
        "-c",
        str(src),
        "-o",
        str(tmp_path / "use.o"),
    ]
    proc = subprocess.run(command, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
