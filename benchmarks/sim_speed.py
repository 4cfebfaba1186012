"""Simulation speed: simulated instructions per host second, with the cycle model on.

Builds tests/firmware/compute.c (int8 matrix-vector products, ~260-400 M instructions) with
each available toolchain and runs it on the simulated STM32H743, with the Cortex-M7 pipeline
model alone (ideal memory), with the memory system too (caches, wait states), and with the
memory system and a 1 kHz SysTick interrupt, a few times each; prints the best and median
rates, and what the interrupts cost. First, the start-up: the wall time of `simtiny sim` on a
small firmware (tests/firmware/hello.c), beside that of a bare Python.
Run: python benchmarks/sim_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import platform as host
import statistics
import subprocess
import sys
import time
from pathlib import Path

from simtiny.flow.build import FirmwareSpec, available_toolchains, build, find_toolchain
from simtiny.platform import load_platform
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest

FIRMWARE = Path(__file__).resolve().parent.parent / "tests" / "firmware"
COMPUTE = FIRMWARE / "compute.c"
MODES = (  # label, memory model, SysTick rate (Hz, 0 for none)
    ("ideal", False, 0),
    ("caches", True, 0),
    ("caches+1kHz", True, 1000),
)


def _wall(command: list[str], repeat: int) -> float:
    """Best wall time of a command, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def startup(board, repeat: int) -> None:
    hello = build(FirmwareSpec("hello", (FIRMWARE / "hello.c",)), board, find_toolchain()).elf
    sim = _wall([sys.executable, "-m", "simtiny.cli", "sim", str(hello)], repeat)
    bare = _wall([sys.executable, "-c", "pass"], repeat)
    print(f"start-up: simtiny sim hello.elf {sim:.3f} s wall, best of {repeat} (a bare Python: {bare:.3f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    board = load_platform("stm32h743")
    engine = get_engine("unicorn")
    from simtiny.sim.unicorn.patched import is_patched  # after get_engine: it loads Unicorn

    unicorn = "simtiny's patched build" if is_patched() else "stock (run scripts/setup.sh for the patched build)"
    print(f"host: {host.processor() or host.machine()}, Python {host.python_version()}, Unicorn: {unicorn}")
    startup(board, max(5, args.repeat))
    print(
        f"{'toolchain':<10} {'memory':<12} {'instructions':>14} {'cycles':>14} {'CPI':>5} "
        f"{'best M insn/s':>14} {'median':>8} {'vs caches':>10}"
    )
    for name in available_toolchains():
        caches_rate = None
        for label, memory_model, hz in MODES:
            defines = (f"COMPUTE_SYSTICK_HZ={hz}",) if hz else ()
            firmware = build(FirmwareSpec("compute", (COMPUTE,), defines=defines), board, find_toolchain(name))
            rates = []
            result = None
            for _ in range(args.repeat):
                result = engine.run(RunRequest(firmware.elf, board, memory_model=memory_model))
                if result.status != "exit" or result.exit_code != 0:
                    raise SystemExit(f"compute firmware did not finish: {result.status} {result.fault}")
                rates.append(result.instructions / result.host_seconds / 1e6)
            best = max(rates)
            if label == "caches":
                caches_rate = best
            versus = f"{best / caches_rate:>9.0%}" if hz and caches_rate else ""
            cpi = result.cycles / result.instructions
            print(
                f"{name:<10} {label:<12} {result.instructions:>14,} {result.cycles:>14,} {cpi:>5.2f} "
                f"{best:>14.1f} {statistics.median(rates):>8.1f} {versus:>10}"
            )


if __name__ == "__main__":
    main()
