"""Flat profile: cycles and instructions per function, from the engine's block counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from simtiny.elf.image import ElfImage
from simtiny.sim.result import BlockCount, FunctionCycles


def flat_profile(blocks: Iterable[BlockCount], image: ElfImage) -> list[FunctionCycles]:
    """One line per function (by the ELF's symbols), most cycles first."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for block in blocks:
        if not block.count:
            continue
        hit = image.symbol_at(block.address)
        name = hit[0] if hit else f"0x{block.address:08X}"
        s = sums[name]
        s[0] += block.count * block.instructions
        s[1] += block.total_cycles
        s[2] += block.pipeline
        s[3] += block.mispredicted_cycles
        s[4] += block.fetch_cycles
        s[5] += block.load_cycles
    rows = [FunctionCycles(n, *s) for n, s in sums.items()]
    return sorted(rows, key=lambda r: (-r.cycles, r.name))


def symbol_name(image: ElfImage, address: int) -> str | None:
    """'function+0x1c' for an address inside a function, or None."""
    hit = image.symbol_at(address)
    if hit is None:
        return None
    name, offset = hit
    return f"{name}+0x{offset:x}" if offset else name
