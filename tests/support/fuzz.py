"""Byte-mutation fuzzing of `simtiny run`: seeded copies of real models with a few bytes changed,
each run in its own process, each outcome held against what simtiny promises.

A mutant may be refused (exit 2), fail to run (exit 3) or give a verdict (0 or 1), but never a
traceback, never exit 70, and never BIT-EXACT unless the JSON report shows the reference ran and
every output of every sample was compared. Run as a script for longer campaigns:

    python tests/support/fuzz.py --mutants 1000 --seed 7 MODEL.tflite ...
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DOCUMENTED_EXITS = (0, 1, 2, 3)
TIMEOUT = 300.0


@dataclass
class Outcome:
    """One mutant's run: what was changed, how simtiny ended, and any broken promise."""

    model: str
    seed: int
    changes: list[tuple[int, int]]  # (offset, new byte)
    exit_code: int
    stderr: str
    problem: str | None  # None: every promise held

    def describe(self) -> str:
        changed = ", ".join(f"@{o}={v:#04x}" for o, v in self.changes)
        return f"{self.model} seed {self.seed} [{changed}]: exit {self.exit_code}: {self.problem}: {self.stderr}"


def mutate(data: bytes, rng: np.random.Generator) -> tuple[bytes, list[tuple[int, int]]]:
    """Change 1 to 4 bytes: a random value, or one flipped bit (small offsets and counts matter)."""
    out = bytearray(data)
    changes = []
    for _ in range(int(rng.integers(1, 5))):
        offset = int(rng.integers(0, len(out)))
        value = int(rng.integers(0, 256)) if rng.random() < 0.5 else out[offset] ^ (1 << int(rng.integers(0, 8)))
        out[offset] = value
        changes.append((offset, value))
    return bytes(out), changes


def judge(exit_code: int, stderr: str, report: dict | None) -> str | None:
    """The promise a run broke, or None."""
    if "Traceback" in stderr:
        return "traceback"
    if exit_code not in DOCUMENTED_EXITS:
        return f"undocumented exit code {exit_code}"
    if "internal error" in stderr:
        return "internal error"
    if exit_code in (0, 1):
        if report is None:
            return "a verdict without its JSON report"
        compared = report.get("compared", {})
        if compared.get("samples", 0) < 1 or compared.get("outputs", 0) < 1:
            return f"a verdict on nothing compared: {compared}"
        if compared.get("outputs") != compared.get("model_outputs"):
            return f"not every output compared: {compared}"
        if not report.get("reference"):
            return "a verdict without the reference's name"
    if exit_code == 0 and report is not None and not report.get("bit_exact"):
        return "exit 0 without an exact verdict"
    return None


def run_mutant(model: Path, seed: int, workdir: Path, extra: tuple[str, ...] = ()) -> Outcome:
    rng = np.random.default_rng(seed)
    data, changes = mutate(model.read_bytes(), rng)
    folder = workdir / f"{model.stem}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / model.name
    path.write_bytes(data)
    report_path = folder / "report.json"
    command = [sys.executable, "-m", "simtiny.cli", "run", str(path), "--ideal-memory", "-q"]
    command += ["--json", str(report_path)]
    try:
        done = subprocess.run(
            [*command, *extra], capture_output=True, text=True, timeout=TIMEOUT, env=dict(os.environ)
        )
        exit_code, stderr = done.returncode, done.stderr.strip()
    except subprocess.TimeoutExpired:
        exit_code, stderr = -1, f"no end within {TIMEOUT:g} s"
    report = json.loads(report_path.read_text()) if report_path.is_file() else None
    problem = judge(exit_code, stderr, report) if exit_code != -1 else "timeout"
    last = stderr.splitlines()[-1] if stderr else ""
    return Outcome(model.name, seed, changes, exit_code, last, problem)


def campaign(models: list[Path], mutants: int, seed: int, workers: int = 2) -> list[Outcome]:
    """`mutants` mutants spread over the models, run `workers` at a time."""
    jobs = [(models[k % len(models)], seed * 100_000 + k) for k in range(mutants)]
    with tempfile.TemporaryDirectory(prefix="simtiny-fuzz-") as tmp, ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda job: run_mutant(job[0], job[1], Path(tmp)), jobs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--mutants", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--messages", action="store_true", help="also count the error messages")
    args = parser.parse_args()
    outcomes = campaign(args.models, args.mutants, args.seed, args.workers)
    print("exit codes:", dict(sorted(Counter(o.exit_code for o in outcomes).items())))
    if args.messages:
        shapes = Counter(f"{o.exit_code} " + re.sub(r"\S*simtiny-fuzz-\S*|\d+", "#", o.stderr) for o in outcomes)
        for text, n in shapes.most_common():
            print(f"{n:5d}  {text[:200]}")
    bad = [o for o in outcomes if o.problem]
    for o in bad:
        print(o.describe())
    print(f"{len(bad)} of {len(outcomes)} mutants broke a promise")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
