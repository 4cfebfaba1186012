"""Where a firmware's bytes go: GNU `size` totals, per-region use, budgets, big symbols, objects.

Flash is charged by load address (so .data's initial values count against flash) and
RAM by run address; a map file, when given, attributes the bytes to object files.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from simtiny.elf.image import ElfImage, Section, check_load_segments
from simtiny.elf.mapfile import FILL, LinkMap, filled_entries, parse_map, short_object
from simtiny.errors import InputError
from simtiny.platform import Platform, Region

CLASSES = ("code", "rodata", "data", "bss")


@dataclass(frozen=True)
class Berkeley:
    """The three numbers `arm-none-eabi-size` prints by default."""

    text: int
    data: int
    bss: int

    @property
    def total(self) -> int:  # the `dec` column
        return self.text + self.data + self.bss


@dataclass(frozen=True)
class RegionUsage:
    """Bytes of one platform memory region taken by the image (run images plus load images)."""

    name: str
    kind: str
    base: int
    size: int
    used: int

    @property
    def share(self) -> float:
        return self.used / self.size if self.size else 0.0


@dataclass(frozen=True)
class BudgetUsage:
    """Bytes charged against one of the platform's budgets (flash, sram)."""

    name: str
    used: int
    budget: int

    @property
    def share(self) -> float:
        return self.used / self.budget if self.budget else 0.0


@dataclass(frozen=True)
class SymbolSize:
    """One function or object among the largest, with the region it runs from."""

    name: str
    address: int
    size: int
    type: str  # "func" or "object"
    region: str | None


@dataclass(frozen=True)
class ObjectUsage:
    """Bytes one object file or archive member contributes, per class of section."""

    object: str  # short name: main.o, libc_nano.a(lib_a-memcpy.o), "*fill* .stack"
    code: int = 0
    rodata: int = 0
    data: int = 0
    bss: int = 0

    @property
    def total(self) -> int:
        return self.code + self.rodata + self.data + self.bss


@dataclass(frozen=True)
class SizeReport:
    """Everything `simtiny size` shows; `objects` is empty without a map file."""

    path: Path
    platform: str
    berkeley: Berkeley
    regions: tuple[RegionUsage, ...]
    flash: BudgetUsage
    sram: BudgetUsage
    largest: tuple[SymbolSize, ...]
    objects: tuple[ObjectUsage, ...] = ()
    map_path: Path | None = None
    map_format: str | None = None  # "gnu" or "lld"
    unplaced: tuple[str, ...] = ()  # alloc sections whose run address is in no region


def berkeley(image: ElfImage) -> Berkeley:
    """GNU size's Berkeley sum: code or read-only is text, else contents is data, else bss."""
    text = data = bss = 0
    for sec in image.alloc_sections:
        if sec.exec or not sec.write:
            text += sec.size
        elif not sec.nobits:
            data += sec.size
        else:
            bss += sec.size
    return Berkeley(text, data, bss)


def analyze(
    image: ElfImage, platform: Platform, map_path: str | Path | None = None, top: int = 10
) -> SizeReport:
    """Size report of a loaded ELF on `platform`, attributing bytes to objects if given a map.

    An ELF whose load segments lie outside the board's memory or overlap is refused (InputError):
    its budget figures would mean nothing."""
    check_load_segments(image, platform)
    sections = [s for s in image.alloc_sections if s.size]
    used: dict[str, int] = defaultdict(int)
    for sec in sections:
        for start, length in _footprints(sec):
            for region in platform.regions:
                used[region.name] += _overlap(region, start, length)
    regions = tuple(RegionUsage(r.name, r.kind, r.base, r.size, used[r.name]) for r in platform.regions)
    flash_regions = platform.regions_of_kind("flash")
    sram_regions = platform.regions_of_kind("sram")
    flash_used = sum(
        _overlap(r, s.load_address, s.size) for s in sections if not s.nobits for r in flash_regions
    )
    sram_used = sum(_overlap(r, s.address, s.size) for s in sections for r in sram_regions)
    unplaced = tuple(s.name for s in sections if platform.region_at(s.address) is None)

    link_map = parse_map(map_path) if map_path is not None else None
    objects = _objects(image, link_map) if link_map is not None else ()
    return SizeReport(
        path=image.path,
        platform=platform.name,
        berkeley=berkeley(image),
        regions=regions,
        flash=BudgetUsage("flash", flash_used, platform.flash_budget),
        sram=BudgetUsage("sram", sram_used, platform.sram_budget),
        largest=_largest(image, platform, top),
        objects=objects,
        map_path=None if link_map is None else link_map.path,
        map_format=None if link_map is None else link_map.format,
        unplaced=unplaced,
    )


def _footprints(sec: Section) -> list[tuple[int, int]]:
    """Address ranges a section occupies: where it runs, and its initial values if elsewhere."""
    spans = [(sec.address, sec.size)]
    if not sec.nobits and sec.load_address != sec.address:
        spans.append((sec.load_address, sec.size))
    return spans


def _overlap(region: Region, start: int, length: int) -> int:
    return max(0, min(region.end, start + length) - max(region.base, start))


def _largest(image: ElfImage, platform: Platform, top: int) -> tuple[SymbolSize, ...]:
    """The `top` biggest symbols; aliases (same address and size) are listed once."""
    seen: set[tuple[int, int]] = set()
    result: list[SymbolSize] = []
    ordered = sorted(image.symbols, key=lambda s: (-s.size, not s.is_global, s.name))
    for sym in ordered:
        if sym.size == 0 or (sym.address, sym.size) in seen:
            continue
        seen.add((sym.address, sym.size))
        region = platform.region_at(sym.address)
        name = region.name if region is not None else None
        result.append(SymbolSize(sym.name, sym.address, sym.size, sym.type, name))
        if len(result) == top:
            break
    return tuple(result)


def _objects(image: ElfImage, link_map: LinkMap) -> tuple[ObjectUsage, ...]:
    """Per-object bytes by class, over the ELF's allocated sections only (not debug info)."""
    sections = {s.name: s for s in image.alloc_sections if s.size}
    _check_map_matches(image, link_map, sections)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CLASSES, 0))
    for entry in filled_entries(link_map):
        sec = sections.get(entry.output_section)
        if sec is None:
            continue
        # Padding is named by its section: a `. = . + SIZE` stack reservation shows as such.
        name = f"{FILL} {entry.output_section}" if entry.object == FILL else short_object(entry.object)
        totals[name][_section_class(sec, entry.input_section)] += entry.size
    usages = [ObjectUsage(name, **by_class) for name, by_class in totals.items()]
    return tuple(sorted(usages, key=lambda u: (-u.total, u.object)))


def _check_map_matches(image: ElfImage, link_map: LinkMap, sections: dict[str, Section]) -> None:
    """A map from another build would attribute bytes wrongly: refuse it."""
    common = 0
    for name, sec in sections.items():
        out = link_map.output_section(name)
        if out is None or out.address is None:
            continue
        if (out.address, out.size) != (sec.address, sec.size):
            raise InputError(
                f"{link_map.path} does not match {image.path}: {name} is {out.size} bytes at "
                f"0x{out.address:08x} in the map, {sec.size} at 0x{sec.address:08x} in the ELF"
            )
        common += 1
    if sections and not common:
        raise InputError(f"{link_map.path} does not match {image.path}: no section in common")


def _section_class(sec: Section, input_section: str) -> str:
    """code / rodata / data / bss from the output section's flags (rodata inside .text too)."""
    if sec.nobits:
        return "bss"
    if sec.write:
        return "data"
    if sec.exec and not input_section.startswith(".rodata"):
        return "code"
    return "rodata"
