"""Read a firmware ELF into plain dataclasses: sections, load segments, symbols, entry point.

Everything is read eagerly and the file is closed, so later stages never touch pyelftools
and every problem with the file surfaces here as one `InputError` line.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.construct import ConstructError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.descriptions import describe_e_machine
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import Symbol as ElfSymbol
from elftools.elf.sections import SymbolTableSection

from simtiny.errors import InputError
from simtiny.platform import Platform

ELF_MAGIC = b"\x7fELF"
# pyelftools reports a short or inconsistent file through any of these.
_PARSE_ERRORS = (ELFError, ConstructError, struct.error, EOFError, OSError, ValueError)


@dataclass(frozen=True)
class Section:
    """One section header; `load_address` is where its bytes sit in the image (LMA)."""

    name: str
    type: str  # e.g. SHT_PROGBITS, SHT_NOBITS
    flags: int  # raw sh_flags
    address: int  # run address (VMA)
    size: int
    load_address: int
    alloc: bool
    write: bool
    exec: bool
    nobits: bool

    @property
    def end(self) -> int:
        return self.address + self.size


@dataclass(frozen=True)
class Segment:
    """One PT_LOAD program header with its file bytes (`filesz` long; the rest is zeros)."""

    vaddr: int
    paddr: int
    memsz: int
    filesz: int
    data: bytes = field(repr=False)
    index: int = 0  # position among the program headers, as `readelf -l` numbers them

    def describe(self) -> str:
        """'load segment 2 (0x24000000-0x240000FF, 256 bytes, loaded from 0x08000558)' for messages."""
        text = f"load segment {self.index} ({_span(self.vaddr, self.memsz)}"
        if self.filesz and self.paddr != self.vaddr:
            text += f", loaded from 0x{self.paddr:08X}"
        return text + ")"


@dataclass(frozen=True)
class Symbol:
    """A function or data object; function addresses have the Thumb bit cleared."""

    name: str
    address: int
    size: int
    type: str  # "func" or "object"
    is_global: bool


@dataclass(frozen=True)
class ElfImage:
    """A validated 32-bit little-endian ARM ELF, fully read into memory."""

    path: Path
    elf_type: str  # ET_EXEC, ET_REL, ...
    entry: int  # e_entry as stored (bit 0 set for a Thumb entry)
    sections: tuple[Section, ...]
    segments: tuple[Segment, ...]
    symbols: tuple[Symbol, ...]
    # Every named symbol's address (including linker-script symbols such as _estack).
    addresses: dict[str, int] = field(repr=False, default_factory=dict)

    def section(self, name: str) -> Section | None:
        """The first section called `name`, or None."""
        return next((s for s in self.sections if s.name == name), None)

    @property
    def alloc_sections(self) -> list[Section]:
        """Sections that occupy target memory (SHF_ALLOC); debug info and symbols do not."""
        return [s for s in self.sections if s.alloc]

    def symbol(self, name: str) -> int:
        """Address of a named symbol (Thumb bit cleared for functions)."""
        try:
            return self.addresses[name]
        except KeyError:
            raise InputError(f"{self.path}: no symbol '{name}'") from None

    def symbol_at(self, address: int) -> tuple[str, int] | None:
        """The function containing `address` and the offset into it, to name a fault site.

        The innermost (latest-starting) match wins; a size-0 function matches only its
        own address. Bit 0 is ignored because a return address (LR) carries the Thumb bit.
        """
        address &= ~1
        best: Symbol | None = None
        for fn in self.symbols:
            if fn.type != "func" or fn.address > address:
                continue
            inside = address < fn.address + fn.size or fn.address == address
            if inside and (best is None or _rank(fn) > _rank(best)):
                best = fn
        return None if best is None else (best.name, address - best.address)


def _rank(fn: Symbol) -> tuple[int, bool, bool]:
    """Prefer the innermost function, then a sized one, then a global name."""
    return fn.address, fn.size > 0, fn.is_global


def load_elf(path: str | Path) -> ElfImage:
    """Read and validate a firmware ELF; raise `InputError` with one line on any problem."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a regular file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not raw:
        raise InputError(f"{path}: not an ELF file (the file is empty)")
    if raw[:4] != ELF_MAGIC:
        if ELF_MAGIC.startswith(raw[:4]):
            raise InputError(f"{path}: truncated or corrupt ELF ({len(raw)} bytes)")
        raise InputError(f"{path}: not an ELF file (bad magic {raw[:4]!r})")
    try:
        return _read(path, raw)
    except InputError:
        raise
    except _PARSE_ERRORS as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: truncated or corrupt ELF ({detail})") from None


def _read(path: Path, raw: bytes) -> ElfImage:
    elf = ELFFile(io.BytesIO(raw))
    machine = elf["e_machine"]
    if machine != "EM_ARM":
        name = describe_e_machine(machine)
        if name == "<unknown>":
            name = f"unknown machine {machine}"
        raise InputError(f"{path}: ELF for {name}, not ARM (Cortex-M)")
    if elf.elfclass != 32 or not elf.little_endian:
        bits = f"{elf.elfclass}-bit {'little' if elf.little_endian else 'big'}-endian"
        raise InputError(f"{path}: {bits} ARM ELF; a Cortex-M firmware is 32-bit little-endian")

    segments: list[Segment] = []
    load_headers = []
    for index, seg in enumerate(elf.iter_segments()):
        if seg["p_type"] != "PT_LOAD":
            continue
        _check_span(path, raw, seg["p_offset"], seg["p_filesz"], "a load segment")
        data = seg.data()
        segments.append(Segment(seg["p_vaddr"], seg["p_paddr"], seg["p_memsz"], seg["p_filesz"], data, index))
        load_headers.append(seg)

    sections: list[Section] = []
    symbols: list[Symbol] = []
    addresses: dict[str, int] = {}
    for sec in elf.iter_sections():
        if sec["sh_type"] == "SHT_NULL":
            continue
        flags = sec["sh_flags"]
        nobits = sec["sh_type"] == "SHT_NOBITS"
        if not nobits:
            _check_span(path, raw, sec["sh_offset"], sec["sh_size"], f"section {sec.name}")
        address = sec["sh_addr"]
        load = address
        alloc = bool(flags & SH_FLAGS.SHF_ALLOC)
        if alloc:
            for seg in load_headers:
                if seg.section_in_segment(sec):
                    load = seg["p_paddr"] + (address - seg["p_vaddr"])
                    break
        sections.append(
            Section(
                name=sec.name,
                type=str(sec["sh_type"]),
                flags=flags,
                address=address,
                size=sec["sh_size"],
                load_address=load,
                alloc=alloc,
                write=bool(flags & SH_FLAGS.SHF_WRITE),
                exec=bool(flags & SH_FLAGS.SHF_EXECINSTR),
                nobits=nobits,
            )
        )
        if isinstance(sec, SymbolTableSection) and sec["sh_type"] == "SHT_SYMTAB":
            for sym in sec.iter_symbols():
                _collect_symbol(sym, symbols, addresses)

    return ElfImage(
        path=path,
        elf_type=str(elf["e_type"]),
        entry=elf["e_entry"],
        sections=tuple(sections),
        segments=tuple(segments),
        symbols=tuple(symbols),
        addresses=addresses,
    )


def _collect_symbol(sym: ElfSymbol, symbols: list[Symbol], addresses: dict[str, int]) -> None:
    """Keep functions and objects; remember every named address, globals winning over locals."""
    kind = sym["st_info"]["type"]
    bind = sym["st_info"]["bind"]
    name = sym.name
    if not name or kind in ("STT_SECTION", "STT_FILE") or sym["st_shndx"] == "SHN_UNDEF":
        return
    if name.startswith("$"):  # ARM mapping symbols ($t, $d, $a) mark code/data, not names
        return
    address = sym["st_value"]
    if kind == "STT_FUNC":
        address &= ~1
    is_global = bind in ("STB_GLOBAL", "STB_WEAK")
    if is_global or name not in addresses:  # a static's name never hides a global's
        addresses[name] = address
    if kind in ("STT_FUNC", "STT_OBJECT"):
        kind_name = "func" if kind == "STT_FUNC" else "object"
        symbols.append(Symbol(name, address, sym["st_size"], kind_name, is_global))


def _check_span(path: Path, raw: bytes, offset: int, size: int, what: str) -> None:
    if offset + size > len(raw):
        raise InputError(
            f"{path}: truncated or corrupt ELF ({what} ends at byte {offset + size}, the file has {len(raw)})"
        )


def check_flash_image(image: ElfImage, platform: Platform) -> None:
    """Refuse an ELF that puts nothing into the board's flash: it could not boot from reset."""
    flash = platform.regions_of_kind("flash")
    for sec in image.alloc_sections:
        if sec.nobits or sec.size == 0:
            continue
        if any(r.contains(sec.load_address) for r in flash):
            return
    where = ", ".join(f"{r.name} 0x{r.base:08x}-0x{r.end:08x}" for r in flash) or "none"
    loadable = [s for s in image.alloc_sections if not s.nobits and s.size]
    found = ", ".join(f"{s.name}@0x{s.load_address:08x}" for s in loadable[:6]) or "none"
    hint = " (a relocatable object: link it first)" if image.elf_type == "ET_REL" else ""
    raise InputError(
        f"nothing in flash: {image.path} has no loadable section in {platform.name} flash "
        f"({where}); loadable sections: {found}{hint}"
    )


def check_load_segments(image: ElfImage, platform: Platform) -> None:
    """Refuse load segments outside the board's memory or overlapping each other (`sim` and `size`).

    A segment's bytes in the image (p_paddr, p_filesz) and its run range (p_vaddr, p_memsz) must
    each lie in the board's memory regions; no two segments may share a load address or a run
    address. Empty segments are ignored.
    """
    segments = [s for s in image.segments if s.filesz or s.memsz]
    for seg in segments:
        for start, length, what in ((seg.paddr, seg.filesz, "its load address"), (seg.vaddr, seg.memsz, "address")):
            gap = _unmapped(platform, start, length)
            if gap is not None:
                raise InputError(
                    f"{image.path}: {seg.describe()} lies outside the memory of {platform.name}: "
                    f"{what} 0x{gap:08X} is in no memory region"
                )
    for i, a in enumerate(segments):
        for b in segments[i + 1 :]:
            for start_a, len_a, start_b, len_b, what in (
                (a.paddr, a.filesz, b.paddr, b.filesz, "load addresses"),
                (a.vaddr, a.memsz, b.vaddr, b.memsz, "addresses"),
            ):
                low, high = max(start_a, start_b), min(start_a + len_a, start_b + len_b)
                if len_a and len_b and low < high:
                    raise InputError(
                        f"{image.path}: {a.describe()} and {b.describe()} overlap at {what} {_span(low, high - low)}"
                    )


def _unmapped(platform: Platform, start: int, length: int) -> int | None:
    """The first address of [start, start+length) in no region (adjacent regions join), or None."""
    at, end = start, start + length
    while at < end:
        region = platform.region_at(at)
        if region is None:
            return at
        at = region.end
    return None


def _span(start: int, length: int) -> str:
    if length == 0:
        return f"0x{start:08X}, 0 bytes"
    return f"0x{start:08X}-0x{start + length - 1:08X}, {length:,} bytes"
