"""Every kernel in simtiny/firmware/kernels/ builds for the Cortex-M7 with both toolchains, warning-free."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simtiny.resources import KERNELS_DIR

KERNELS = KERNELS_DIR
SOURCES = sorted(p.name for p in KERNELS.glob("*.c"))
FLAGS = ["-std=c99", "-ffreestanding", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{KERNELS}", "-c"]


def _compiler(name: str) -> list[str]:
    if name == "gcc":
        if shutil.which("arm-none-eabi-gcc") is None:
            pytest.skip("arm-none-eabi-gcc not installed: apt-get install gcc-arm-none-eabi")
        return ["arm-none-eabi-gcc", "-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"]
    try:
        import ziglang  # noqa: F401
    except ImportError:
        pytest.skip("ziglang not installed: pip install ziglang")
    return [
        sys.executable,
        "-m",
        "ziglang",
        "cc",
        "-target",
        "thumb-freestanding-eabihf",
        "-mcpu=cortex_m7+fp_armv8d16",
    ]


def test_every_kernel_is_listed():
    assert len(SOURCES) >= 15 and "conv2d_s8.c" in SOURCES and "softmax_s8.c" in SOURCES


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("compiler", ["gcc", "zig"])
def test_kernel_builds_for_cortex_m7(compiler: str, source: str, tmp_path: Path) -> None:
    cmd = [*_compiler(compiler), *FLAGS, str(KERNELS / source), "-o", str(tmp_path / "k.o")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
