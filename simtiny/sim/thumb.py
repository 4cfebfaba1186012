"""Thumb-2 instruction boundaries: every instruction is one or two halfwords, told by its first."""

from __future__ import annotations


def is_wide(halfword: int) -> bool:
    """True when the halfword starts a 32-bit instruction (top five bits 0b11101/0b11110/0b11111)."""
    return (halfword >> 11) in (0b11101, 0b11110, 0b11111)


def boundaries(code: bytes, address: int) -> list[int]:
    """Addresses of the instructions in a straight run of Thumb code starting at `address`."""
    out = []
    i = 0
    while i + 1 < len(code):
        out.append(address + i)
        i += 4 if is_wide(code[i] | (code[i + 1] << 8)) else 2
    return out


def count(code: bytes) -> int:
    """Number of instructions in a straight run of Thumb code."""
    return len(boundaries(code, 0))
