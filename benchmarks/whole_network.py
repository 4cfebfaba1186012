"""Whole-network latency against silicon: a firmware that times its own inference, simulated with
simtiny's default options, beside the cycles the same firmware took on a real board.

The firmware prints `invoke_cyccnt N` (DWT CYCCNT around its inference; any other console line
is ignored), as the reference firmware of ../shared/peer does. For each ELF given with its silicon
figure, prints the model's cycles, the ratio model / silicon, whether it is within 10%, and where
the model's cycles of the whole run went per function (pipeline, wrong predictions, fetch, loads).
Run, for the reference firmware (54 ms at 480 MHz on silicon, the survey's Table 3):

    python benchmarks/whole_network.py ../shared/peer/proxyless-w0.3-r64_tflm-cmsis-nn.elf=25920000
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from simtiny.platform import load_platform
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest

MARKER = re.compile(r"invoke_cyccnt (\d+)")
TOLERANCE = 0.10


def parse_case(text: str) -> tuple[Path, int]:
    path, _, cycles = text.rpartition("=")
    if not path or not cycles.isdigit():
        raise argparse.ArgumentTypeError(f"{text}: expected FIRMWARE.elf=SILICON_CYCLES")
    return Path(path), int(cycles)


def check(elf: Path, silicon: int, platform: str, top: int) -> bool:
    board = load_platform(platform)
    result = get_engine("unicorn").run(RunRequest(elf, board, profile=True))
    found = MARKER.findall(result.console.semihosting + result.console.uart)
    if result.status != "exit" or not found:
        print(f"{elf}: no 'invoke_cyccnt N' line (run ended: {result.status})")
        return False
    model = int(found[-1])
    ratio = model / silicon
    within = abs(ratio - 1) <= TOLERANCE
    print(
        f"{elf.name}: model {model:,} cycles around the inference, silicon {silicon:,}: "
        f"{ratio:.3f}x ({'within' if within else 'outside'} {TOLERANCE:.0%})"
    )
    total = max(result.cycles or 1, 1)
    parts = [sum(getattr(f, k) for f in result.profile) for k in ("pipeline", "mispredicted", "fetch", "loads")]
    print(
        "  whole run {:,} cycles: pipeline {:.1%}, wrong predictions {:.1%}, fetch {:.1%}, loads {:.1%}".format(
            total, *(p / total for p in parts)
        )
    )
    for f in result.profile[:top]:
        print(
            f"  {f.name[:48]:<48} {f.cycles:>12,} {f.cycles / total:6.1%}  pipeline {f.pipeline:>11,}"
            f"  branches {f.mispredicted:>9,}  fetch {f.fetch:>8,}  loads {f.loads:>9,}"
        )
    return within


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="+", type=parse_case, metavar="FIRMWARE.elf=SILICON_CYCLES")
    parser.add_argument("--platform", default="stm32h743")
    parser.add_argument("--top", type=int, default=8, help="functions to list per firmware")
    args = parser.parse_args()
    results = [check(elf, cycles, args.platform, args.top) for elf, cycles in args.cases]
    print(f"{sum(results)} of {len(results)} within {TOLERANCE:.0%} of silicon")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
