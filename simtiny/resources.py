"""Where simtiny's package data lives: firmware sources, boards, CPUs and the paper's models.

Found through importlib.resources, so that an installed wheel finds them as a checkout does.
The compilers need real files, so a package that is not unpacked on disk is refused.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from simtiny.errors import SimtinyError


def package_path(*parts: str) -> Path:
    """A folder or file shipped inside the simtiny package, as a path on disk."""
    root = resources.files("simtiny")
    if not isinstance(root, Path):
        raise SimtinyError(f"simtiny is installed in a form with no files on disk ({root}): reinstall it with pip")
    return root.joinpath(*parts)


FIRMWARE_DIR = package_path("firmware")
KERNELS_DIR = FIRMWARE_DIR / "kernels"
RUNTIME_DIR = FIRMWARE_DIR / "runtime"
HAL_INCLUDE_DIR = FIRMWARE_DIR / "hal"  # simtiny_hal.h: the interface every board's HAL implements
PLATFORMS_DIR = package_path("platforms")
CPUS_DIR = package_path("cpus")
PAPER_MODELS_DIR = package_path("bench", "models")
MLPERF_MODELS_DIR = package_path("bench", "mlperf")
