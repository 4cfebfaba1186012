"""The differential ISA check against QEMU, run long: many seeds of tests/support/thumbgen.py's
random Thumb-2 programs, each built for mps2-an500 and run on the Unicorn engine and on QEMU, with
every case's registers, flags and FP state compared halfway through and at its end, its 2 KB of
memory at its end, and the instruction counts. CI runs 32 seeds (tests/test_qemu_differential.py);
this runs as many as asked and prints the figures and every difference found:

    python benchmarks/qemu_differential.py --seeds 200          # seeds 1000-1199
    python benchmarks/qemu_differential.py --first 5000 --seeds 50
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the generator lives with the tests

from simtiny.flow.build import FirmwareSpec, build, find_toolchain  # noqa: E402
from simtiny.platform import load_platform  # noqa: E402
from simtiny.sim import get_engine  # noqa: E402
from simtiny.sim.result import RunRequest  # noqa: E402
from tests.support.thumbgen import generate  # noqa: E402


def first_difference(a: str, b: str) -> str:
    """'case 012> word 5: unicorn 0000abcd, qemu 0000abce' for the first line that differs."""
    for line_a, line_b in zip(a.splitlines(), b.splitlines(), strict=False):
        if line_a != line_b:
            pairs = list(zip(line_a.split(), line_b.split(), strict=False))
            word = next(i for i, (x, y) in enumerate(pairs) if x != y)
            return f"case {line_a[:4]} word {word - 1}: unicorn {pairs[word][0]}, qemu {pairs[word][1]}"
    return f"{len(a.splitlines())} lines against {len(b.splitlines())}"


def check(seed: int, cases: int, folder: Path) -> str | None:
    """None if both engines agree on seed `seed`'s program; else the first difference."""
    board = load_platform("mps2-an500")
    source = folder / f"thumb2_qemu_{seed}.c"
    source.write_text(generate(seed, cases, print_state=True, checkpoints=True).source)
    elf = build(FirmwareSpec(source.stem, (source,)), board, find_toolchain("gcc")).elf
    u, q = (get_engine(e).run(RunRequest(elf, board, memory_model=False)) for e in ("unicorn", "qemu"))
    if (u.status, u.exit_code) != ("exit", 0) or (q.status, q.exit_code) != ("exit", 0):
        return f"ended differently: unicorn {u.status} {u.exit_code}, qemu {q.status} {q.exit_code}"
    if u.console.semihosting != q.console.semihosting:
        return first_difference(u.console.semihosting, q.console.semihosting)
    if u.instructions != q.instructions:
        return f"instructions: unicorn {u.instructions:,}, qemu {q.instructions:,}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=int, default=1000, help="first seed (default 1000; CI uses 100-131)")
    parser.add_argument("--seeds", type=int, default=100, help="programs to run (default 100)")
    parser.add_argument("--cases", type=int, default=64, help="random sequences per program (default 64)")
    args = parser.parse_args(argv)
    differences: list[tuple[int, str]] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="simtiny-diff-") as scratch:
        for n, seed in enumerate(range(args.first, args.first + args.seeds), 1):
            found = check(seed, args.cases, Path(scratch))
            if found:
                differences.append((seed, found))
                print(f"seed {seed}: {found}", flush=True)
            if n % 10 == 0 or n == args.seeds:
                print(f"{n}/{args.seeds} programs, {n * args.cases:,} sequences, "
                      f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    sequences = args.seeds * args.cases
    print(
        f"seeds {args.first}-{args.first + args.seeds - 1}: {sequences:,} random Thumb-2 sequences "
        f"({args.seeds} programs x {args.cases}), each compared halfway and at its end: "
        f"{len(differences)} program(s) differ; {seconds:.0f} s ({sequences / seconds:.0f} sequences/s)"
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
