"""Cycle-model calibration: benchmarks/firmware/cycles_bench.c against published Cortex-M7 figures.

The firmware runs each loop of benchmarks/cyclecal.py's table and stores its cycles; the table
must match the code (checked with a one-cycle-per-instruction model, where cycles are
instructions), and the cycle model must land within each row's tolerance of the silicon figure.
"""

from __future__ import annotations

import pytest
from cyclecal import (
    BENCHMARKS,
    ITERATIONS,
    SOURCES,
    TOLERANCE,
    build_firmware,
    firmware_benchmark_names,
    format_table,
    measure,
    run_calibration,
)

from simtiny.flow.build import available_toolchains


@pytest.fixture
def calibration_elf(toolchain, platform):
    if toolchain not in available_toolchains():
        pytest.skip(f"toolchain {toolchain} not installed (see README: .ci/run installs both)")
    return build_firmware(platform, toolchain).elf


def test_table_is_consistent_and_in_firmware_order():
    names = [b.name for b in BENCHMARKS]
    assert len(set(names)) == len(names)
    assert names == firmware_benchmark_names()
    for b in BENCHMARKS:
        assert b.instructions > 0 and b.description and b.derivation, b.name
        assert b.tolerance == TOLERANCE, b.name
        assert b.source and all(key in SOURCES for key in b.source.split()), b.name
        if b.published is None:
            assert b.basis == "not found", b.name
        else:
            assert b.published > 0 and b.basis in ("measured", "derived"), b.name


@pytest.mark.sim
def test_firmware_runs_and_each_loop_has_the_table_s_instruction_count(calibration_elf, platform):
    """With one cycle per instruction CYCCNT counts instructions: the table cannot drift from the code."""
    totals = measure(calibration_elf, platform, "1-cpi")  # raises unless it exits 0
    counted = {b.name: total for b, total in zip(BENCHMARKS, totals, strict=True)}
    expected = {b.name: ITERATIONS * b.instructions for b in BENCHMARKS}
    assert counted == expected


@pytest.mark.sim
def test_cycle_model_within_tolerance_of_published_figures(calibration_elf, toolchain, platform):
    calibration = run_calibration(calibration_elf, platform, toolchain=toolchain)
    assert not calibration.off, "\n" + format_table(calibration)
