"""Samples per second of `simtiny validate` on person_detect: in one process, on a local pool of
two processes, and on a Dask cluster of two workers started here with Dask's own commands
(`dask scheduler`, `dask worker`), the scaling from one worker to two beside each figure.

Each configuration validates the same seeded random images from scratch (a fresh results file),
start-up (spawning the workers, their first pricing of the firmware's blocks) included, and every
run must be bit-exact. Run from the repository's root:

    python benchmarks/validate_scaling.py [--samples 96]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "tests" / "data" / "models" / "person_detect.tflite"


def validate(data: Path, folder: Path, name: str, extra: list[str]) -> tuple[float, dict]:
    out = folder / f"{name}.json"
    command = [sys.executable, "-m", "simtiny", "validate", str(MODEL), "--data", str(data), "--results",
               str(folder / f"{name}.jsonl"), "--json", str(out), "--force", *extra]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    report = json.loads(out.read_text())
    if not report["bit_exact"]:
        raise SystemExit(f"{name}: not bit-exact")
    return seconds, report


def start_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    """A scheduler on a free local port and `workers` single-threaded worker processes, started
    with Dask's own commands as a user would (`dask scheduler`, `dask worker`); their logs in
    `folder`."""
    scheduler_file = folder / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    log = (folder / "dask-scheduler.log").open("wb")
    scheduler = [*dask, "scheduler", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1", "--port", "0",
                 "--no-dashboard"]  # fmt: skip
    processes = [subprocess.Popen(scheduler, stdout=log, stderr=log)]
    deadline = time.monotonic() + 60
    while not scheduler_file.is_file():
        if time.monotonic() > deadline or processes[0].poll() is not None:
            for p in processes:
                p.kill()
            raise RuntimeError("the Dask scheduler did not start: " + (folder / "dask-scheduler.log").read_text())
        time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    worker = [*dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"]
    for k in range(workers):
        out = (folder / f"dask-worker-{k}.log").open("wb")
        processes.append(subprocess.Popen(worker, stdout=out, stderr=out))
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(workers, timeout=60)
    return address, processes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=96, help="images to validate in each configuration")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "images.npz"
        np.savez(data, rng.integers(-128, 128, (args.samples, 96, 96, 1), dtype=np.int8))
        validate(data, folder, "warm-up", ["--workers", "1", "--chunk", str(args.samples)])  # builds, caches
        rows = []
        for name, extra in (("1 local worker", ["--workers", "1"]), ("2 local workers", ["--workers", "2"])):
            seconds, _ = validate(data, folder, name.replace(" ", "-"), extra)
            rows.append((name, seconds))
        address, processes = start_cluster(folder, 2)
        try:
            seconds, report = validate(data, folder, "dask", ["--cluster", address])
            rows.append((f"Dask cluster, {report['workers']} workers", seconds))
        finally:
            for p in processes:
                p.terminate()
            for p in processes:
                p.wait(30)
    base = args.samples / rows[0][1]
    print(f"simtiny validate person_detect.tflite, {args.samples} samples, bit-exact in every configuration")
    print(f"{'configuration':<26} {'seconds':>8} {'samples/s':>10} {'scaling':>8}")
    for name, seconds in rows:
        rate = args.samples / seconds
        print(f"{name:<26} {seconds:8.1f} {rate:10.2f} {rate / base:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
