"""Shared fixtures: the platform, the toolchains, and the test firmware built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from simtiny.flow.build import (
    Firmware,
    FirmwareSpec,
    available_toolchains,
    build,
    find_toolchain,
)
from simtiny.platform import Platform, load_platform
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest, RunResult

TOOLCHAINS = ["gcc", "zig"]
TEST_FIRMWARE = Path(__file__).resolve().parent / "firmware"  # small firmwares the tests build


@pytest.fixture(scope="session")
def platform() -> Platform:
    return load_platform("stm32h743")


@pytest.fixture(scope="session")
def firmware_builder(platform):
    """Build tests/firmware/<name>.c with a toolchain, once per session."""
    built: dict[tuple[str, str], Firmware] = {}

    def get(name: str, toolchain: str) -> Firmware:
        if toolchain not in available_toolchains():
            pytest.skip(f"toolchain {toolchain} not installed (see README: .ci/run installs both)")
        key = (name, toolchain)
        if key not in built:
            spec = FirmwareSpec(name, (TEST_FIRMWARE / f"{name}.c",))
            built[key] = build(spec, platform, find_toolchain(toolchain))
        return built[key]

    return get


@pytest.fixture(params=TOOLCHAINS)
def toolchain(request) -> str:
    return request.param


@pytest.fixture
def run_firmware(platform):
    def run(elf: Path, **kwargs) -> RunResult:
        return get_engine("unicorn").run(RunRequest(elf, platform, **kwargs))

    return run
