"""Stack and RAM painting, engine-neutral: paint before the run, find what the run wrote after.

The firmware contract (simtiny.contract): every byte of the stack holds the paint byte at reset,
so the lowest changed address below the initial stack pointer is the stack's high-water mark.
"""

from __future__ import annotations

from simtiny.contract import STACK_LIMIT_SYMBOLS, STACK_PAINT_BYTE
from simtiny.elf.image import ElfImage
from simtiny.platform import Platform, Region
from simtiny.sim.result import StackUse
from simtiny.sim.target import Memory


def stack_limit(image: ElfImage, platform: Platform, sp: int) -> int:
    """The lowest address of the stack below `sp`: a linker symbol naming it, else the end of
    the highest section below `sp` in the stack's region."""
    region = platform.region_at(sp - 4)
    assert region is not None
    for name in STACK_LIMIT_SYMBOLS:
        address = image.addresses.get(name)
        if address is not None and region.base <= address < sp:
            return address
    limit = region.base
    for sec in image.sections:
        if sec.alloc and sec.size and region.base <= sec.address < sp:
            limit = max(limit, min(sec.address + sec.size, sp))
    return (limit + 7) & ~7


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
