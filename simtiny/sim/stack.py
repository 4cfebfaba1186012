"""Stack and RAM painting, engine-neutral: paint before the run, find what the run wrote after.

The firmware contract (simtiny.contract): every byte of the stack holds the paint byte at reset,
so the lowest changed address below the initial stack pointer is the stack's high-water mark.
"""

from __future__ import annotations

from simtiny.contract import STACK_LIMIT_SYMBOLS, STACK_PAINT_BYTE, STACK_SECTIONS
from simtiny.elf.image import ElfImage
from simtiny.platform import Platform, Region
from simtiny.sim.result import StackUse
from simtiny.sim.target import Memory


def stack_limit(image: ElfImage, platform: Platform, sp: int) -> int | None:
    """The lowest address of the stack below `sp`, or None when the ELF gives no believable one.

    A linker symbol naming it counts only inside the stack's region, below `sp`, with no data
    section between it and `sp` (a garbled symbol table must not shrink the stack to nothing or
    put it over .bss); else the end of the highest data section below `sp` in that region.
    Stack reservations (contract.STACK_SECTIONS) are not data.
    """
    region = platform.region_at(sp - 4)
    if region is None:
        return None
    data = [
        s
        for s in image.sections
        if s.alloc and s.size and s.name not in STACK_SECTIONS and s.address < region.end and s.end > region.base
    ]
    for name in STACK_LIMIT_SYMBOLS:
        address = image.addresses.get(name)
        if address is None or not region.base <= address < sp:
            continue
        if not any(s.address < sp and s.end > address for s in data):
            return address
    limit = region.base
    for sec in data:
        if sec.address < sp:
            limit = max(limit, min(sec.end, sp))
    limit = (limit + 7) & ~7
    return limit if limit < sp else None


def paint_stack(memory: Memory, limit: int, sp: int) -> None:
    if sp > limit:
        memory.write(limit, bytes([STACK_PAINT_BYTE]) * (sp - limit))


def stack_use(memory: Memory, sp: int, limit: int) -> StackUse:
    if sp <= limit:
        return StackUse(sp, limit, 0)
    data = memory.read(limit, sp - limit)
    untouched = len(data) - len(data.lstrip(bytes([STACK_PAINT_BYTE])))
    untouched &= ~3  # the stack is written in words
    return StackUse(sp, limit, sp - limit - untouched)


def writable_ram(platform: Platform) -> list[Region]:
    return [r for r in platform.regions if "w" in r.access and r.kind not in ("flash", "rom")]


def paint_ram(memory: Memory, platform: Platform) -> None:
    """Fill all RAM with the paint byte (the caller puts its own writes back on top)."""
    for region in writable_ram(platform):
        memory.write(region.base, bytes([STACK_PAINT_BYTE]) * region.size)


def touched_ram(memory: Memory, platform: Platform) -> dict[str, tuple[int, int]]:
    """Per painted region: the lowest and highest address holding something else now."""
    out = {}
    paint = bytes([STACK_PAINT_BYTE])
    for region in writable_ram(platform):
        data = memory.read(region.base, region.size)
        low = len(data) - len(data.lstrip(paint))
        if low == len(data):
            continue
        high = len(data.rstrip(paint)) - 1
        out[region.name] = (region.base + low, region.base + high)
    return out
