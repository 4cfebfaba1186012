"""Simulation speed: simulated instructions per host second, with the cycle model on.

Builds tests/firmware/compute.c (int8 matrix-vector products, ~260-400 M instructions) with
each available toolchain and runs it on the simulated STM32H743, with the Cortex-M7 pipeline
model alone (ideal memory) and with the memory system too (caches, wait states), a few times
each; prints the best and median rates. Run: python benchmarks/sim_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import platform as host
import statistics
from pathlib import Path

from simtiny.flow.build import FirmwareSpec, available_toolchains, build, find_toolchain
from simtiny.platform import load_platform
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest

COMPUTE = Path(__file__).resolve().parent.parent / "tests" / "firmware" / "compute.c"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    board = load_platform("stm32h743")
    print(f"host: {host.processor() or host.machine()}, Python {host.python_version()}")
    print(
        f"{'toolchain':<10} {'memory':<8} {'instructions':>14} {'cycles':>14} {'CPI':>5} "
        f"{'best M insn/s':>14} {'median':>8}"
    )
    for name in available_toolchains():
        spec = FirmwareSpec("compute", (COMPUTE,))
        firmware = build(spec, board, find_toolchain(name))
        for memory_model in (False, True):
            rates = []
            result = None
            for _ in range(args.repeat):
                result = get_engine("unicorn").run(RunRequest(firmware.elf, board, memory_model=memory_model))
                if result.status != "exit" or result.exit_code != 0:
                    raise SystemExit(f"compute firmware did not finish: {result.status} {result.fault}")
                rates.append(result.instructions / result.host_seconds / 1e6)
            label = "caches" if memory_model else "ideal"
            print(
                f"{name:<10} {label:<8} {result.instructions:>14,} {result.cycles:>14,} "
                f"{result.cycles / result.instructions:>5.2f} {max(rates):>14.1f} {statistics.median(rates):>8.1f}"
            )


if __name__ == "__main__":
    main()
