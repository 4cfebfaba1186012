"""Differential ISA checking against QEMU (issue 15): the seeded random Thumb-2 programs of
tests/support/thumbgen.py, built for mps2-an500 and run on the Unicorn engine and on QEMU, must
have the same registers, flags and FP state halfway through every case and at its end, the same
memory at its end, all printed by the program itself through semihosting (one text to compare,
whatever the engine), and the same instruction count. A longer run: benchmarks/qemu_differential.py."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from simtiny.flow.build import FirmwareSpec, build, find_toolchain
from simtiny.platform import load_platform
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest
from tests.support.thumbgen import generate

pytestmark = pytest.mark.sim

SEEDS = range(100, 132)  # fixed: 32 programs of 64 cases, 2,048 random sequences in CI
CASES = 64
ROOT = Path(__file__).resolve().parent.parent


def run_both(seed: int, folder: Path | None = None):
    """Seed `seed`'s program built for mps2-an500 and run on Unicorn and on QEMU."""
    board = load_platform("mps2-an500")
    folder = folder or Path(tempfile.mkdtemp(prefix="simtiny-diff-"))
    source = folder / f"thumb2_qemu_{seed}.c"
    source.write_text(generate(seed, CASES, print_state=True, checkpoints=True).source)
    elf = build(FirmwareSpec(source.stem, (source,)), board, find_toolchain("gcc")).elf
    runs = [get_engine(e).run(RunRequest(elf, board, memory_model=False)) for e in ("unicorn", "qemu")]
    return tuple((r.status, r.exit_code, r.console.semihosting, r.instructions) for r in runs)


def _first_difference(a: str, b: str) -> str:
    for line_a, line_b in zip(a.splitlines(), b.splitlines(), strict=False):
        if line_a != line_b:
            words = [(i, x, y) for i, (x, y) in enumerate(zip(line_a.split(), line_b.split(), strict=False)) if x != y]
            return f"case {line_a[:3]}: word {words[0][0] - 1}: unicorn {words[0][1]}, qemu {words[0][2]}"
    return f"{len(a.splitlines())} lines against {len(b.splitlines())}"


@pytest.mark.parametrize("seed", SEEDS)
def test_random_thumb2_programs_end_alike_on_unicorn_and_qemu(seed, tmp_path):
    unicorn, qemu = run_both(seed, tmp_path)
    assert unicorn[:2] == ("exit", 0) and qemu[:2] == ("exit", 0)
    assert unicorn[2].count("\n") == 2 * CASES  # halfway through each case, and at its end
    assert unicorn[2] == qemu[2], _first_difference(unicorn[2], qemu[2])
    assert unicorn[3] == qemu[3]


def test_the_comparison_fails_on_a_planted_difference():
    """Stock Unicorn rounds VCVT fixed-to-float by FPSCR.RMode, as QEMU 7.2 and the Arm ARM do
    not: seed 102 has such a conversion under round-towards-zero, and the check finds it."""
    script = (
        "import sys; sys.path.insert(0, '.'); from tests.test_qemu_differential import run_both; "
        "u, q = run_both(102); print('same' if u == q else 'differ')"
    )
    env = {**os.environ, "SIMTINY_UNICORN": "stock"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "differ", done.stderr
