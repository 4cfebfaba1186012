"""Bad input gets one line on stderr and a non-zero exit code, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simtiny.errors import EXIT_USAGE

ARM_GCC = shutil.which("arm-none-eabi-gcc")


def _simtiny(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simtiny.cli", *args], capture_output=True, text=True, timeout=120
    )


def _assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == EXIT_USAGE, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines[0].startswith("simtiny: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def ram_only_elf(tmp_path_factory) -> Path:
    """A valid Cortex-M7 ELF whose code and data all sit in RAM: nothing in flash."""
    if not ARM_GCC:
        pytest.skip("arm-none-eabi-gcc not installed: apt-get install gcc-arm-none-eabi")
    tmp = tmp_path_factory.mktemp("ramonly")
    (tmp / "ram.ld").write_text(
        "MEMORY { RAM (rwx) : ORIGIN = 0x24000000, LENGTH = 512K }\n"
        "SECTIONS { .text : { *(.text*) } > RAM  .data : { *(.data*) } > RAM }\n"
    )
    (tmp / "main.c").write_text("int x = 3; int _start(void) { return x; }\n")
    subprocess.run(
        [ARM_GCC, "-mcpu=cortex-m7", "-mthumb", "-nostdlib", "-T", str(tmp / "ram.ld"),
         "-o", str(tmp / "ram.elf"), str(tmp / "main.c")],
        check=True,
    )
    return tmp / "ram.elf"


@pytest.mark.parametrize("command", ["sim", "size"])
def test_missing_file(command, tmp_path):
    _assert_one_line_error(_simtiny(command, str(tmp_path / "nope.elf")), "no such file")


@pytest.mark.parametrize("command", ["sim", "size"])
def test_not_an_elf(command, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("this is not firmware\n")
    _assert_one_line_error(_simtiny(command, str(path)), "not an ELF")


@pytest.mark.parametrize("command", ["sim", "size"])
def test_empty_file(command, tmp_path):
    path = tmp_path / "empty.elf"
    path.write_bytes(b"")
    _assert_one_line_error(_simtiny(command, str(path)), "empty")


@pytest.mark.sim
@pytest.mark.parametrize("command", ["sim", "size"])
@pytest.mark.parametrize("keep", [60, 200, "half"])
def test_truncated_elf(command, keep, firmware_builder, tmp_path):
    data = firmware_builder("hello", "gcc").elf.read_bytes()
    n = len(data) // 2 if keep == "half" else keep
    path = tmp_path / "truncated.elf"
    path.write_bytes(data[:n])
    _assert_one_line_error(_simtiny(command, str(path)), "truncated")


@pytest.mark.parametrize("command", ["sim", "size"])
def test_elf_for_another_architecture(command):
    host_binary = shutil.which("true") or "/bin/true"
    _assert_one_line_error(_simtiny(command, host_binary), "not ARM")


def test_elf_with_nothing_in_flash(ram_only_elf):
    _assert_one_line_error(_simtiny("sim", str(ram_only_elf)), "nothing in flash")


def test_unknown_platform(tmp_path):
    path = tmp_path / "x.elf"
    path.write_bytes(b"\x7fELF")
    _assert_one_line_error(_simtiny("sim", str(path), "--platform", "nosuchboard"), "unknown platform")


def test_bad_budget_option():
    proc = _simtiny("sim", "x.elf", "--max-instructions", "lots")
    assert proc.returncode == EXIT_USAGE
    assert "Traceback" not in proc.stderr and "not a whole number" in proc.stderr


@pytest.mark.sim
def test_json_never_overwrites_the_input(firmware_builder, tmp_path):
    elf = tmp_path / "hello.elf"
    shutil.copyfile(firmware_builder("hello", "gcc").elf, elf)
    before = elf.read_bytes()
    _assert_one_line_error(_simtiny("sim", str(elf), "--json", str(elf)), "overwrite")
    assert elf.read_bytes() == before


def test_build_refuses_to_overwrite(tmp_path):
    out = tmp_path / "mine.elf"
    out.write_text("precious")
    src = tmp_path / "a.c"
    src.write_text("int main(void) { return 0; }\n")
    _assert_one_line_error(_simtiny("build", str(src), "-o", str(out)), "exists")
    assert out.read_text() == "precious"


def test_build_reports_compile_errors_in_one_line(tmp_path):
    src = tmp_path / "broken.c"
    src.write_text("int main(void) { return undeclared; }\n")
    proc = _simtiny("build", str(src), "-o", str(tmp_path / "out.elf"))
    assert proc.returncode == EXIT_USAGE
    assert "Traceback" not in proc.stderr
    assert "undeclared" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
