"""A Renode script (.resc) that runs a firmware on Renode's own model of the same part, with the
board's console UART shown: for users who have Renode, which no registry simtiny installs from
carries, so it is not an engine here.

The syntax is the one Renode documents (renode.readthedocs.io: "Working with machines", "Monitor
and script syntax") and its own scripts use (scripts/single-node/*.resc): `:name:` and
`:description:` headers, `$var?=` defaults, `@` file paths, `using sysbus`, `mach create`,
`machine LoadPlatformDescription`, `showAnalyzer`, and a `reset` macro run by `runMacro $reset`.
Nothing taken from a file reaches the script unchecked: the ELF path must be a plain path, and
the machine's name is made of safe characters.
"""

from __future__ import annotations

import re
from pathlib import Path

from simtiny.errors import InputError
from simtiny.platform import Platform

PLAIN_PATH = re.compile(r"[A-Za-z0-9_./+-]+")  # what Renode's @path syntax takes without quoting


def renode_script(elf: Path, board: Platform, version: str) -> str:
    """The .resc text that loads `elf` on Renode's model of `board`'s part."""
    target = board.renode
    if target is None:
        raise InputError(f"board {board.name} names no Renode platform ([renode] in its platform.toml)")
    path = str(elf.resolve())
    if not PLAIN_PATH.fullmatch(path):
        raise InputError(
            f"{elf}: Renode's @path syntax cannot hold this path (only letters, digits and _ . / + -); "
            "copy the ELF to a plain path"
        )
    name = re.sub(r"[^A-Za-z0-9_-]", "_", elf.stem)[:40] or "firmware"
    return "\n".join(
        [
            f":name: {name} on {board.name} (written by simtiny {version})",
            f":description: runs {name} on Renode's {target.platform} with {target.console} shown",
            "",
            f'$name?="{name}"',
            f"$bin?=@{path}",
            "",
            "using sysbus",
            "mach create $name",
            f"machine LoadPlatformDescription @{target.platform}",
            "",
            f"showAnalyzer {target.console}",
            *(f'sysbus Tag <0x{addr:08X} {size}> "{name}" 0x{value:X}' for addr, size, name, value in target.tags),
            "",
            "macro reset",
            '"""',
            f"    cpu VectorTableOffset 0x{board.boot_address:08X}",
            "    sysbus LoadELF $bin",
            '"""',
            "runMacro $reset",
            "",
        ]
    )
