"""Stack, heap and RAM painting, engine-neutral: paint before the run, find what the run wrote after.

The firmware contract (simtiny.contract): every byte of the stack holds the paint byte at reset,
so the lowest changed address below the initial stack pointer is the stack's high-water mark.
A C library's heap (from its linker symbols) is painted too and measured apart from the stack.
"""

from __future__ import annotations

import re

from simtiny.contract import STACK_LIMIT_SYMBOLS, STACK_PAINT_BYTE, STACK_SECTIONS
from simtiny.elf.image import ElfImage
from simtiny.platform import Platform, Region
from simtiny.sim.result import HeapUse, StackUse
from simtiny.sim.target import Memory

# Where a C library's heap starts (sbrk's first break) and where it must stop, by linker symbol,
# most specific first: newlib's sbrk starts at `end`, picolibc's at `__heap_start`.
HEAP_BASE_SYMBOLS = ("__heap_start__", "__heap_start", "__HeapBase", "_heap_start", "__end__", "_end", "end", "__end")
HEAP_LIMIT_SYMBOLS = ("__HeapLimit", "__heap_end__", "__heap_end", "_heap_end", "_eheap")
HEAP_SECTIONS = (".heap", *STACK_SECTIONS)  # reservations the heap lies in (CMSIS's .heap), not data below it


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


def heap_range(image: ElfImage, platform: Platform, sp: int, limit: int | None) -> tuple[int, int] | None:
    """The heap's base and limit below `sp` (the stack's region), or None when the ELF names no heap.

    The base comes from a linker symbol that lies below `sp` and above every data section there;
    the limit from a heap-end symbol above the base, else the stack's painted limit when that is
    above the base, else `sp` itself (the heap and the stack share the range between).
    """
    region = platform.region_at(sp - 4)
    if region is None:
        return None
    data = [s for s in image.sections if s.alloc and s.size and s.name not in HEAP_SECTIONS]
    data_end = max((s.end for s in data if region.base <= s.address < sp), default=region.base)
    base = next(
        (a for n in HEAP_BASE_SYMBOLS if (a := image.addresses.get(n)) is not None and data_end <= a < sp),
        None,
    )
    if base is None:
        return None
    end = next((a for n in HEAP_LIMIT_SYMBOLS if (a := image.addresses.get(n)) is not None and base < a <= sp), None)
    if end is None:
        end = limit if limit is not None and limit > base else sp
    return base, end


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


def measure(memory: Memory, sp: int, limit: int, heap: tuple[int, int] | None) -> tuple[StackUse, HeapUse | None]:
    """The stack's and the heap's high-water marks, apart.

    A heap below the stack's painted limit is measured alone: the bytes from its base to the
    highest one written. A heap sharing the stack's range (no symbol between them) is split at the
    longest painted gap: what lies below it is the heap, what lies above it the stack.
    """
    if heap is None:
        return stack_use(memory, sp, limit), None
    base, end = heap
    if end <= limit or base >= sp:
        return stack_use(memory, sp, limit), _heap_use(memory, base, min(end, sp))
    first = min(16, sp - base)
    if memory.read(base, first) == bytes([STACK_PAINT_BYTE]) * first:  # malloc never ran: its first chunk starts here
        return stack_use(memory, sp, limit), HeapUse(base, end, 0)
    low = min(base, limit)
    data = memory.read(low, sp - low)
    gap_start, gap_end = _longest_gap(data, base - low)
    heap_top = low + gap_start
    used = sp - (low + gap_end)
    stack = StackUse(sp, limit, used, heap_top=max(heap_top, base))
    return stack, HeapUse(base, end, max(0, heap_top - base))


def _longest_gap(data: bytes, start: int) -> tuple[int, int]:
    """The longest run of whole painted words in data[start:] (offsets into data); (n, n) if none."""
    best = (len(data), len(data))
    for run in re.finditer(re.escape(bytes([STACK_PAINT_BYTE])) + b"{4,}", data[start:]):
        low, high = (start + run.start() + 3) & ~3, (start + run.end()) & ~3
        if high - low > best[1] - best[0]:
            best = (low, high)
    return best


def _heap_use(memory: Memory, base: int, end: int) -> HeapUse:
    if end <= base:
        return HeapUse(base, end, 0)
    data = memory.read(base, end - base)
    written = len(data.rstrip(bytes([STACK_PAINT_BYTE])))
    return HeapUse(base, end, (written + 3) & ~3 if written else 0)


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
