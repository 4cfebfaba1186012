"""Build test firmware with a C library's own semihosting -- newlib's rdimon or picolibc's semihost
library -- for the simulated STM32H743, with arm-none-eabi-gcc directly (simtiny's runtime has no
libc): tests/firmware/libc/program.c, one -DSCENARIO at a time.

newlib: --specs=rdimon.specs, the vector table and .data copy of tests/firmware/newlib/vectors.c
and the layout of tests/firmware/newlib/stm32h743.ld. picolibc (Debian's picolibc-arm-none-eabi):
--specs=picolibc.specs with its semihost crt0 and library, and picolibc.ld placed on the board's
flash and AXI SRAM with --defsym.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
PROGRAM = FIRMWARE / "libc" / "program.c"
LIBCS = ("newlib", "picolibc")
CPU = ("-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16")
FLASH, FLASH_SIZE = 0x0800_0000, 2 << 20
RAM, RAM_SIZE = 0x2400_0000, 512 << 10  # the AXI SRAM
STACK_SIZE = 32 << 10
# picolibc's memory per board: (flash, flash size, RAM, RAM size); newlib's linker script is the H743's
MEMORY = {
    "stm32h743": (FLASH, FLASH_SIZE, RAM, RAM_SIZE),
    "mps2-an500": (0x0000_0000, 4 << 20, 0x2000_0000, 4 << 20),  # SSRAM1, SSRAM2/3
}
INSTALL = {
    "newlib": "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi (scripts/setup.sh)",
    "picolibc": "apt-get install picolibc-arm-none-eabi (scripts/setup.sh)",
}
SPECS = {"newlib": "rdimon.specs", "picolibc": "picolibc.specs"}


def missing(libc: str) -> str | None:
    """Why firmware with `libc` cannot be built here (a reason to skip), or None."""
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        return f"arm-none-eabi-gcc not installed: {INSTALL['newlib']}"
    found = subprocess.run([gcc, f"-print-file-name={SPECS[libc]}"], capture_output=True, text=True).stdout.strip()
    if not Path(found).is_absolute():
        return f"{libc} not installed ({SPECS[libc]} not found): {INSTALL[libc]}"
    return None


def flags(libc: str, board: str = "stm32h743") -> list[str]:
    """What links a program with `libc` for the board (everything but the sources)."""
    if libc == "newlib":
        if board != "stm32h743":
            raise ValueError("the newlib build has a linker script for the stm32h743 only")
        return ["--specs=rdimon.specs", "-T", str(FIRMWARE / "newlib" / "stm32h743.ld"), "-Wl,--gc-sections"]
    flash, flash_size, ram, ram_size = MEMORY[board]
    return [
        "--specs=picolibc.specs",
        "--oslib=semihost",
        "--crt0=semihost",
        f"-Wl,--defsym=__flash=0x{flash:08X}",
        f"-Wl,--defsym=__flash_size=0x{flash_size:X}",
        f"-Wl,--defsym=__ram=0x{ram:08X}",
        f"-Wl,--defsym=__ram_size=0x{ram_size:X}",
        f"-Wl,--defsym=__stack_size=0x{STACK_SIZE:X}",
        f"-Wl,--defsym=__StackLimit=0x{ram + ram_size - STACK_SIZE:08X}",  # where simtiny's stack paint ends
    ]


def build(
    libc: str, out_dir: Path, scenario: int, status: int = 3, board: str = "stm32h743", confined: bool = True
) -> Path:
    """tests/firmware/libc/program.c built with `libc` for one scenario; the ELF's path.
    confined=False leaves out the checks that file names cannot leave the run's directory."""
    if libc not in LIBCS:
        raise ValueError(f"unknown C library {libc!r}")
    elf = out_dir / f"{libc}-{scenario}-{status}-{board}{'' if confined else '-open'}.elf"
    sources = [str(PROGRAM)]
    if libc == "newlib":
        sources.insert(0, str(FIRMWARE / "newlib" / "vectors.c"))
    command = [
        "arm-none-eabi-gcc",
        *CPU,
        "-O2",
        "-g",
        "-Wall",
        "-Werror",
        f"-DSCENARIO={scenario}",
        f"-DSTATUS={status}",
        f'-DLIBC="{libc}"',
        f"-DCONFINED={int(confined)}",
        *flags(libc, board),
        *sources,
        "-o",
        str(elf),
    ]
    return run_compiler(command, elf)


def run_compiler(command: list[str], elf: Path) -> Path:
    """Run a compiler command that writes `elf`; its messages in the error if it fails."""
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building {elf.name} failed:\n{' '.join(command)}\n{proc.stderr}")
    return elf
