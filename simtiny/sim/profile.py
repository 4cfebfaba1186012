"""Flat profile: cycles and instructions per function, from the engine's block counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from simtiny.elf.image import ElfImage
from simtiny.sim.result import BlockCount, FunctionCycles


def flat_profile(blocks: Iterable[BlockCount], image: ElfImage) -> list[FunctionCycles]:
    """One line per function (by the ELF's symbols), most cycles first."""
    insns: dict[str, int] = defaultdict(int)
    cycles: dict[str, int] = defaultdict(int)
    for block in blocks:
        if not block.count:
            continue
        hit = image.symbol_at(block.address)
        name = hit[0] if hit else f"0x{block.address:08X}"
        insns[name] += block.count * block.instructions
        cycles[name] += block.total_cycles
    rows = [FunctionCycles(n, insns[n], cycles[n]) for n in insns]
    return sorted(rows, key=lambda r: (-r.cycles, r.name))


def symbol_name(image: ElfImage, address: int) -> str | None:
    """'function+0x1c' for an address inside a function, or None."""
    hit = image.symbol_at(address)
    if hit is None:
        return None
    name, offset = hit
    return f"{name}+0x{offset:x}" if offset else name
