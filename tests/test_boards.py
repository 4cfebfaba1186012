"""Boards as data: the second board (STM32F746G-DISCO) and boards in the user's own folders run
models and firmware, HAL included, and report against their own budgets and clock."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simtiny.cli import main
from simtiny.resources import PLATFORMS_DIR

MODELS = Path(__file__).resolve().parent / "data" / "models"
FIRMWARE = Path(__file__).resolve().parent / "firmware"
PERSON = MODELS / "person_detect.tflite"

pytestmark = pytest.mark.sim


@pytest.fixture
def my_board(tmp_path) -> Path:
    """A copy of the F746 board folder outside simtiny, with a console of its own."""
    board = tmp_path / "boards" / "my f746"
    shutil.copytree(PLATFORMS_DIR / "stm32f746g-disco", board)
    console = board / "hal" / "console.c"
    text = console.read_text()
    marked = text.replace(
        "void simtiny_console_puts(const char *text) {\n",
        'void simtiny_console_puts(const char *text) {\n    simtiny_console_write("mine: ", 6);\n',
    )
    assert marked != text
    console.write_text(marked)
    return board


@pytest.mark.parametrize("where", ["name", "copy"])
def test_person_detect_on_the_f746_is_bit_exact_against_its_budgets(where, my_board, tmp_path, monkeypatch, capsys):
    platform = "stm32f746g-disco" if where == "name" else str(my_board)
    monkeypatch.chdir(tmp_path)  # a folder outside the checkout
    args = ["run", str(PERSON), "--platform", platform, "--input", str(MODELS / "person.bmp"), "--image-mode", "raw"]
    assert main([*args, "--toolchain", "gcc"]) == 0
    out = capsys.readouterr().out
    assert "person.bmp  output 0 [1x2] int8: bit-exact" in out and "BIT-EXACT: 1 output(s) of 1 sample(s)" in out
    assert "of 1,024.0 KB" in out and "of 320.0 KB" in out and "at 216 MHz" in out


def test_check_holds_the_f746_budgets(capsys):
    assert main(["check", str(PERSON), "--platform", "stm32f746g-disco", "--ideal-memory"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS") and "of 1,024 KB" in out and "of 320 KB" in out and "216 MHz" in out
    mobilenet = MODELS / "mobilenet_v2_quantized_1x3x224x224.tflite"
    assert main(["check", str(mobilenet), "--platform", "stm32f746g-disco", "--ideal-memory"]) == 1
    out = capsys.readouterr().out
    assert "the stm32f746g-disco budget is 1,024.0 KB" in out and "the stm32f746g-disco budget is 320.0 KB" in out
    assert "bit-exact" in out  # measured and verified all the same, on grown memory


def test_firmware_built_for_a_board_folder_uses_its_hal(my_board, tmp_path, capsys):
    elf = tmp_path / "hello.elf"
    assert main(["build", str(FIRMWARE / "hello.c"), "-o", str(elf), "--platform", str(my_board)]) == 0
    capsys.readouterr()
    assert main(["sim", str(elf), "--platform", str(my_board), "--ideal-memory"]) == 7
    out = capsys.readouterr().out
    assert "mine: hello from USART3" in out  # the copy's console.c, on the board's USART1
    assert "at 216 MHz" in out


def test_double_precision_runs_on_the_h743_and_faults_on_the_f746(tmp_path, capsys):
    for board, code in (("stm32h743", 3), ("stm32f746g-disco", 125)):
        elf = tmp_path / f"{board}.elf"
        assert main(["build", str(FIRMWARE / "double_insn.c"), "-o", str(elf), "--platform", board]) == 0
        capsys.readouterr()
        assert main(["sim", str(elf), "--platform", board, "--ideal-memory"]) == code, board
        out = capsys.readouterr().out
        if code == 125:
            assert "undefined instruction" in out and "vadd.f64" in out


def test_a_board_whose_hal_is_incomplete_names_the_missing_functions(my_board, tmp_path, capsys):
    (my_board / "hal" / "console.c").unlink()
    elf = tmp_path / "hello.elf"
    code = main(["build", str(FIRMWARE / "hello.c"), "-o", str(elf), "--platform", str(my_board)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "undefined symbols: simtiny_console_init, simtiny_console_puts" in err
    code = main(["build", str(FIRMWARE / "hello.c"), "-o", str(elf), "--platform", str(my_board), "--verbose"])
    err = capsys.readouterr().err
    assert code == 2 and "undefined reference to `simtiny_console_init'" in err  # the linker's own lines
    assert not elf.exists()


def test_the_mps2_an500_runs_firmware_and_models_under_unicorn(tmp_path, capsys):
    """QEMU's Cortex-M7 machine as a board of its own: its UART0 (CMSDK) console, its 25 MHz
    clock, double precision, and a bundled model bit-exact against its budgets."""
    elf = tmp_path / "hello.elf"
    assert main(["build", str(FIRMWARE / "hello.c"), "-o", str(elf), "--platform", "mps2-an500"]) == 0
    capsys.readouterr()
    assert main(["sim", str(elf), "--platform", "mps2-an500", "--ideal-memory"]) == 7  # hello.c exits 7
    out = capsys.readouterr().out
    assert "hello from USART3\r\n" in out  # what hello.c writes to the board's console UART
    assert "at 25 MHz" in out
    double = tmp_path / "double.elf"
    assert main(["build", str(FIRMWARE / "double_insn.c"), "-o", str(double), "--platform", "mps2-an500"]) == 0
    assert main(["sim", str(double), "--platform", "mps2-an500", "--ideal-memory"]) == 3
    capsys.readouterr()
    model = MODELS / "hello_world_int8.tflite"
    assert main(["run", str(model), "--platform", "mps2-an500", "--samples", "2", "--ideal-memory"]) == 0
    out = capsys.readouterr().out
    assert "BIT-EXACT" in out and "of 4,096.0 KB" in out
