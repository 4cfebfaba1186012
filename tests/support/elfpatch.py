"""Crafted ELFs for tests: a copy of a built firmware with one program header, symbol or section
name changed in place (32-bit little-endian ARM ELFs; offsets found with pyelftools)."""

from __future__ import annotations

import struct
from pathlib import Path

from elftools.elf.elffile import ELFFile

# Elf32_Phdr fields: p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align.
PHDR_FIELDS = ("p_type", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_flags", "p_align")


def patch_segment(src: Path, dst: Path, index: int, **fields: int) -> Path:
    """Copy `src` to `dst` with fields of program header `index` set (p_vaddr=..., p_paddr=...)."""
    raw = bytearray(src.read_bytes())
    with src.open("rb") as f:
        elf = ELFFile(f)
        base = elf["e_phoff"] + index * elf["e_phentsize"]
    for name, value in fields.items():
        struct.pack_into("<I", raw, base + 4 * PHDR_FIELDS.index(name), value)
    dst.write_bytes(raw)
    return dst


def patch_symbol(src: Path, dst: Path, name: str, value: int) -> Path:
    """Copy `src` to `dst` with every symbol called `name` given the value `value`."""
    raw = bytearray(src.read_bytes())
    found = 0
    with src.open("rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        assert symtab is not None, f"{src} has no symbol table"
        for i, sym in enumerate(symtab.iter_symbols()):
            if sym.name == name:
                struct.pack_into("<I", raw, symtab["sh_offset"] + i * symtab["sh_entsize"] + 4, value)
                found += 1
    assert found, f"{src} has no symbol {name}"
    dst.write_bytes(raw)
    return dst


def rename_section(src: Path, dst: Path, old: str, new: str) -> Path:
    """Copy `src` to `dst` with section `old` renamed `new` (same length) in the name table."""
    assert len(old) == len(new)
    raw = bytearray(src.read_bytes())
    with src.open("rb") as f:
        elf = ELFFile(f)
        names = elf.get_section(elf["e_shstrndx"])
        section = elf.get_section_by_name(old)
        assert section is not None, f"{src} has no section {old}"
        at = names["sh_offset"] + section["sh_name"]
    assert raw[at : at + len(old)] == old.encode()
    raw[at : at + len(new)] = new.encode()
    dst.write_bytes(raw)
    return dst
