"""Build the verify contract's test firmware: simtiny's generated model.c and kernels for a model,
around the hand-written main of tests/firmware/verify/main.c, linked with newlib's rdimon
(tests/firmware/newlib's vectors; its layout plus the arena, tests/firmware/verify/stm32h743.ld) with arm-none-eabi-gcc
directly -- a firmware simtiny's own build did not make."""

from __future__ import annotations

from pathlib import Path

from simtiny.flow.build import COMMON_FLAGS
from simtiny.flow.codegen import generate
from simtiny.flow.plan import plan_memory
from simtiny.flow.validate import load_and_check
from simtiny.platform import load_platform
from simtiny.resources import HAL_INCLUDE_DIR, KERNELS_DIR, RUNTIME_DIR
from support.libc_firmware import CPU, FIRMWARE, run_compiler

VERIFY = FIRMWARE / "verify"


def build(model: Path, out_dir: Path, sabotage: bool = False) -> Path:
    """The ELF of main.c around `model` (one input, one output), with -DSABOTAGE if asked."""
    graph = load_and_check(model)
    generated = generate(graph, plan_memory(graph))
    if len(generated.inputs) != 1 or len(generated.outputs) != 1:
        raise ValueError(f"{model.name}: main.c handles one input and one output")
    name = model.stem + ("-sabotaged" if sabotage else "")
    work = out_dir / name
    work.mkdir(parents=True, exist_ok=True)
    source = work / "model.c"
    source.write_text(generated.source)
    board = load_platform("stm32h743")
    hal = [p for p in board.hal_sources if p.name in ("cycles.c", "caches.c")]  # the DWT timer, the caches
    elf = work / f"{name}.elf"
    command = [
        "arm-none-eabi-gcc",
        *CPU,
        *(f for f in COMMON_FLAGS if f != "-ffreestanding"),
        "-O2",
        f"-DINPUT_SIZE={generated.inputs[0].size}",
        f"-DOUTPUT_SIZE={generated.outputs[0].size}",
        *(["-DSABOTAGE"] if sabotage else []),
        *(f"-D{d}" for d in board.defines),
        *(f"-I{d}" for d in (HAL_INCLUDE_DIR, RUNTIME_DIR, KERNELS_DIR)),
        "--specs=rdimon.specs",
        "-T",
        str(VERIFY / "stm32h743.ld"),
        "-Wl,--gc-sections",
        str(FIRMWARE / "newlib" / "vectors.c"),
        str(VERIFY / "main.c"),
        str(source),
        *(str(KERNELS_DIR / f"{k}.c") for k in generated.kernels),
        *(str(p) for p in hal),
        "-lm",
        "-o",
        str(elf),
    ]
    return run_compiler(command, elf)
