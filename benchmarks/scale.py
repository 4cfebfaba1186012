"""Scale: how long each stage of the flow takes for a chain of many small int8 operators.

Writes a chain of N operators (LOGISTIC, TANH, ADD, HARD_SWISH, RELU, LEAKY_RELU, MUL on a 1x8
tensor: tests/support/chain_model.py) and times load, validate, plan, codegen, the build with
each available toolchain (in an empty cache, so nothing is reused), the simulation with ideal
memory and LiteRT's reference run, then checks the outputs are bit-exact. Prints one line per
stage and the generated C's size. Run:
    python benchmarks/scale.py [--ops 10000] [--toolchain gcc] [--skip-golden]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.chain_model import chain_model  # noqa: E402

from simtiny.elf.image import load_elf  # noqa: E402
from simtiny.elf.size import analyze  # noqa: E402
from simtiny.flow.build import CompiledModel, available_toolchains, build_model, find_toolchain  # noqa: E402
from simtiny.flow.codegen import generate  # noqa: E402
from simtiny.flow.golden import run_golden_batch  # noqa: E402
from simtiny.flow.inputs import random_inputs  # noqa: E402
from simtiny.flow.plan import plan_memory  # noqa: E402
from simtiny.flow.simulate import instruction_budget, simulate  # noqa: E402
from simtiny.flow.validate import check  # noqa: E402
from simtiny.model import load_model  # noqa: E402
from simtiny.model.normalize import normalize  # noqa: E402
from simtiny.platform import load_platform  # noqa: E402

T = TypeVar("T")


def timed(label: str, fn: Callable[[], T]) -> T:
    """Run one stage and print its wall time."""
    start = time.perf_counter()
    value = fn()
    print(f"{label:<22} {time.perf_counter() - start:9.2f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=10_000, help="operators in the chain")
    parser.add_argument("--toolchain", action="append", choices=("gcc", "zig"), help="default: every one installed")
    parser.add_argument("--skip-golden", action="store_true", help="do not run LiteRT")
    args = parser.parse_args()
    toolchains = args.toolchain or available_toolchains()
    with tempfile.TemporaryDirectory(prefix="simtiny-scale-") as tmp:
        os.environ["SIMTINY_CACHE"] = str(Path(tmp) / "cache")  # empty caches: every build is real
        os.environ["ZIG_GLOBAL_CACHE_DIR"] = os.environ["ZIG_LOCAL_CACHE_DIR"] = str(Path(tmp) / "zig")
        path = Path(tmp) / f"chain{args.ops}.tflite"
        path.write_bytes(timed("write model", lambda: chain_model(args.ops)))
        print(f"model: {args.ops} operators, {path.stat().st_size:,} bytes")
        graph = timed("load", lambda: load_model(path))
        graph = timed("validate", lambda: check(normalize(graph), path.name))
        plan = timed("plan", lambda: plan_memory(graph))
        generated = timed("codegen", lambda: generate(graph, plan))
        print(f"generated C: {len(generated.source):,} bytes, {generated.const_bytes:,} bytes of constants")
        board = load_platform("stm32h743")
        platform = board.lifted()
        compiled = None
        for name in toolchains:
            firmware = timed(f"build ({name})", lambda n=name: build_model(generated, platform, find_toolchain(n)))
            image = load_elf(firmware.elf)
            size = analyze(image, platform, firmware.map)
            print(f"flash ({name}): {size.flash.used:,} bytes")
            if compiled is None:
                compiled = CompiledModel(graph, plan, generated, firmware, image, platform, board, size, 0.0)
        if compiled is None:
            raise SystemExit("no toolchain installed")
        inputs = random_inputs(graph, 0)
        budget = instruction_budget(0)
        run = timed("simulate (ideal)", lambda: simulate(compiled, inputs, budget, memory_model=False))
        print(f"cycles: {run.inference_cycles:,}")
        if not args.skip_golden:
            golden = timed("golden (LiteRT)", lambda: run_golden_batch(graph.model_bytes, [inputs]))[0]
            exact = all(np.array_equal(g, w) for g, w in zip(run.outputs, golden.outputs, strict=True))
            print("BIT-EXACT" if exact else "MISMATCH")


if __name__ == "__main__":
    main()
