"""Linker map files (GNU ld `-Map` and LLD `-Map`) read into input-section entries.

The map is the only place that says which object file or archive member each byte of the
image came from; `size` uses it to attribute flash and RAM to objects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from simtiny.errors import InputError

FILL = "*fill*"  # object and input-section name of padding (alignment gaps, `. = . + N`)

_GNU_MARKER = "Linker script and memory map"
_GNU_END_MARKERS = ("Cross Reference Table",)
_LLD_HEADER = re.compile(r"^\s*(?:VMA\s+LMA|Address)\s+Size\s+Align\s+Out\s+In\s+Symbol\s*$")

_HEX = r"0x([0-9a-fA-F]+)"
# Output section at column 0: `.text  0x08000000  0x2a8 [load address 0x...]`.
_GNU_OUT = re.compile(rf"^(\S+)\s+{_HEX}\s+{_HEX}(?:\s+load address {_HEX})?\s*$")
# Address and size of a name that was too long and wrapped onto the next line.
_GNU_OUT_WRAPPED = re.compile(rf"^\s+{_HEX}\s+{_HEX}(?:\s+load address {_HEX})?\s*$")
# Input section, one space in: ` .text.main  0x08000130  0x24 build/main.o`.
_GNU_IN = re.compile(rf"^ (\S+)\s+{_HEX}\s+{_HEX}\s*(.*?)\s*$")
_GNU_IN_WRAPPED = re.compile(rf"^\s+{_HEX}\s+{_HEX}\s*(.*?)\s*$")
_GNU_NAME_ONLY = re.compile(r"^ ?(\S+)\s*$")


@dataclass(frozen=True)
class MapEntry:
    """One input section (or padding) placed in an output section."""

    output_section: str
    input_section: str  # e.g. .text.main, COMMON, *fill*
    address: int  # run address (VMA)
    size: int
    object: str  # as the map spells it: build/main.o, /x/libc_nano.a(lib_a-memcpy.o), *fill*


@dataclass(frozen=True)
class OutputSection:
    """An output section as the map lists it (address None when the linker emitted nothing)."""

    name: str
    address: int | None
    size: int
    load_address: int | None


@dataclass(frozen=True)
class LinkMap:
    """A parsed map file: which linker wrote it, its output sections and input entries."""

    path: Path
    format: str  # "gnu" or "lld"
    output_sections: tuple[OutputSection, ...]
    entries: tuple[MapEntry, ...]

    def output_section(self, name: str) -> OutputSection | None:
        """The output section called `name`, or None."""
        return next((o for o in self.output_sections if o.name == name), None)


def parse_map(path: str | Path) -> LinkMap:
    """Read a GNU ld or LLD map file, detecting which; `InputError` if it is neither."""
    path = Path(path)
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        raise InputError(f"{path}: no such map file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read map file: {exc.strerror or exc}") from None
    return parse_map_text(text, path)


def parse_map_text(text: str, path: str | Path = "<map>") -> LinkMap:
    """Parse map text already in memory (see `parse_map`)."""
    path = Path(path)
    lines = text.splitlines()
    if any(line.strip() == _GNU_MARKER for line in lines):
        outputs, entries = _parse_gnu(lines)
        fmt = "gnu"
    elif (header := next((ln for ln in lines if ln.strip()), "")) and _LLD_HEADER.match(header):
        outputs, entries = _parse_lld(lines)
        fmt = "lld"
    else:
        raise InputError(f"{path}: not a linker map (no GNU ld '{_GNU_MARKER}' section, no LLD header)")
    return LinkMap(path, fmt, tuple(outputs), tuple(entries))


def _parse_gnu(lines: list[str]) -> tuple[list[OutputSection], list[MapEntry]]:
    """GNU ld: only the memory map part; discarded sections and common-symbol lists come first."""
    start = next(i for i, ln in enumerate(lines) if ln.strip() == _GNU_MARKER) + 1
    outputs: list[OutputSection] = []
    entries: list[MapEntry] = []
    current: str | None = None  # output section the input lines belong to
    pending: tuple[str, str] | None = None  # ("out" | "in", name) awaiting its wrapped line
    for line in lines[start:]:
        if line.strip() in _GNU_END_MARKERS:
            break
        if pending is not None:
            kind, name = pending
            pending = None
            if kind == "out" and (m := _GNU_OUT_WRAPPED.match(line)):
                current = _gnu_output(outputs, name, m.group(1), m.group(2), m.group(3))
                continue
            if kind == "in" and (m := _GNU_IN_WRAPPED.match(line)):
                _gnu_input(entries, current, name, m.group(1), m.group(2), m.group(3))
                continue
            if kind == "out":  # an output section the linker left empty: no address line
                outputs.append(OutputSection(name, None, 0, None))
        if not line.strip():
            continue
        if not line[0].isspace():
            if line.startswith("/DISCARD/"):
                current = None
            elif m := _GNU_OUT.match(line):
                current = _gnu_output(outputs, m.group(1), m.group(2), m.group(3), m.group(4))
            elif (m := _GNU_NAME_ONLY.match(line)) and "(" not in m.group(1):
                pending = ("out", m.group(1))
                current = m.group(1)
            # Anything else at column 0 is LOAD x.o, OUTPUT(...), START GROUP and the like.
        elif line[1:2].strip():  # exactly one space in: an input section or a pattern
            if m := _GNU_IN.match(line):
                _gnu_input(entries, current, m.group(1), m.group(2), m.group(3), m.group(4))
            elif (m := _GNU_NAME_ONLY.match(line)) and not m.group(1).startswith("*"):
                pending = ("in", m.group(1))
        # Deeper lines are symbols, assignments, data statements, "(size before relaxing)".
    if pending is not None and pending[0] == "out":
        outputs.append(OutputSection(pending[1], None, 0, None))
    return outputs, entries


def _gnu_output(
    outputs: list[OutputSection], name: str, addr: str, size: str, load: str | None
) -> str | None:
    if name == "/DISCARD/":
        return None
    outputs.append(OutputSection(name, int(addr, 16), int(size, 16), _hex_or_none(load)))
    return name


def _gnu_input(
    entries: list[MapEntry], output: str | None, name: str, addr: str, size: str, obj: str
) -> None:
    if output is None:
        return
    if name == FILL:
        obj = FILL
    entries.append(MapEntry(output, name, int(addr, 16), int(size, 16), obj))


def _parse_lld(lines: list[str]) -> tuple[list[OutputSection], list[MapEntry]]:
    """LLD: fixed columns; the indent of the last column says output / input / symbol."""
    header_index = next(i for i, ln in enumerate(lines) if ln.strip())
    header = lines[header_index]
    numeric = 4 if "LMA" in header else 3  # LLD before 9 had no LMA column
    in_col = header.index(" In ") + 1
    symbol_col = header.index("Symbol")
    outputs: list[OutputSection] = []
    entries: list[MapEntry] = []
    current: str | None = None
    for line in lines[header_index + 1 :]:
        fields = line.split(None, numeric)
        if len(fields) <= numeric:
            continue
        try:
            values = [int(f, 16) for f in fields[:numeric]]
        except ValueError:
            continue
        text = fields[numeric]
        column = line.index(text, _numeric_end(line, numeric))
        vma, size = values[0], values[-2]
        lma = values[1] if numeric == 4 else vma
        if column < in_col:
            if "=" in text:  # an assignment such as `_sidata = LOADADDR(.data)`
                continue
            current = None if text == "/DISCARD/" else text
            if current is not None:
                outputs.append(OutputSection(text, vma, size, lma))
        elif column < symbol_col and current is not None:
            obj, sep, rest = text.rpartition(":(")
            if sep and rest.endswith(")"):
                entries.append(MapEntry(current, rest[:-1], vma, size, obj))
    return outputs, entries


def _numeric_end(line: str, count: int) -> int:
    """Index just past the first `count` whitespace-separated fields of `line`."""
    index = 0
    for _ in range(count):
        while line[index].isspace():
            index += 1
        while not line[index].isspace():
            index += 1
    return index


def _hex_or_none(value: str | None) -> int | None:
    return None if value is None else int(value, 16)


def short_object(name: str) -> str:
    """`/usr/lib/.../libc_nano.a(lib_a-memcpy.o)` -> `libc_nano.a(lib_a-memcpy.o)`."""
    if name.endswith(")") and "(" in name:
        archive, _, member = name[:-1].partition("(")
        return f"{PurePath(archive).name}({member})"
    return name


def filled_entries(link_map: LinkMap) -> list[MapEntry]:
    """Entries that tile each output section exactly: clipped, with gaps as `*fill*`.

    Linkers list merged input sections (strings, .ARM.attributes) at their size before
    merging and LLD omits alignment padding, so the raw entries do not sum to the section
    size; after this pass they do, for every output section with an address.
    """
    by_output: dict[str, list[MapEntry]] = defaultdict(list)
    for entry in link_map.entries:
        by_output[entry.output_section].append(entry)
    result: list[MapEntry] = []
    for out in link_map.output_sections:
        if out.address is None or out.size == 0:
            continue
        cursor, end = out.address, out.address + out.size
        for entry in sorted(by_output.pop(out.name, []), key=lambda e: e.address):
            start = min(max(entry.address, cursor), end)
            stop = min(entry.address + entry.size, end)
            if start > cursor:
                result.append(MapEntry(out.name, FILL, cursor, start - cursor, FILL))
            if stop > start:
                result.append(replace(entry, address=start, size=stop - start))
            cursor = max(cursor, stop)
        if cursor < end:
            result.append(MapEntry(out.name, FILL, cursor, end - cursor, FILL))
    return result


def bytes_per_object(entries: Iterable[MapEntry]) -> dict[str, int]:
    """Total bytes per object (short names), largest first."""
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        totals[short_object(entry.object)] += entry.size
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
