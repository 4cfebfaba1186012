"""Quantities as people write them ("512 KB", "30 ms", "2M") and as simtiny prints them.

One set of rules for every front: the command line, the Robot Framework library and the pytest
plugin parse with these functions, and every report formats sizes and times with them.
- sizes: a number with B, K/KB/KiB, M/MB/MiB or G/GB/GiB (all powers of 1024), or a byte count;
- durations: a number with a unit (us, ms, s); a bare number is refused, because Robot reads it
  as seconds and a shell user may mean milliseconds;
- counts: a whole number, with _ or , between digits, or a K, M or G suffix (powers of ten),
  or an exponent (2e9).
Every quantity must be positive.
"""

from __future__ import annotations

import re

from simtiny.errors import InputError

KB = 1024
_SIZE_UNITS = {
    "": 1, "B": 1,
    "K": KB, "KB": KB, "KIB": KB,
    "M": KB**2, "MB": KB**2, "MIB": KB**2,
    "G": KB**3, "GB": KB**3, "GIB": KB**3,
}  # fmt: skip
_TIME_UNITS = {
    "us": 1e-3, "µs": 1e-3, "microsecond": 1e-3, "microseconds": 1e-3,
    "ms": 1.0, "millisecond": 1.0, "milliseconds": 1.0,
    "s": 1e3, "sec": 1e3, "second": 1e3, "seconds": 1e3,
}  # fmt: skip
_COUNT_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}
_NUMBER = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([A-Za-zµ]*)\s*$")


def _split(text: object, what: str, example: str) -> tuple[float, str]:
    match = _NUMBER.match(str(text))
    if not match:
        raise InputError(f"not {what}: '{text}' (e.g. {example})")
    value = float(match.group(1).replace("_", "").replace(",", ""))
    if value <= 0:
        raise InputError(f"must be positive: '{text}'")
    return value, match.group(2)


def parse_size(text: object) -> int:
    """Bytes from '512 KB', '2 MB', '64KB', '512K', '1.5M' or a plain byte count (K = 1024)."""
    value, unit = _split(text, "a size", "512 KB, 2 MB, 65536")
    factor = _SIZE_UNITS.get(unit.upper())
    if factor is None:
        raise InputError(f"not a size: '{text}' (units: bytes, KB, MB, GB; e.g. 512 KB)")
    return int(value * factor)


def parse_duration_ms(text: object) -> float:
    """Milliseconds from '30 ms', '0.5 s' or '500 us'; a unit is required."""
    value, unit = _split(text, "a duration", "30 ms, 0.5 s")
    factor = _TIME_UNITS.get(unit if unit.startswith("µ") else unit.lower())
    if factor is None:
        raise InputError(f"not a duration: '{text}' (give a unit: 30 ms, 0.5 s, 500 us)")
    return value * factor


def parse_count(text: object) -> int:
    """A whole number from '100000', '100_000', '100,000', '1.5M' or '2e9' (K, M, G: powers of ten)."""
    value, unit = _split(text, "a whole number", "100000, 100_000, 2M")
    factor = _COUNT_UNITS.get(unit.upper())
    if factor is None:
        raise InputError(f"not a whole number: '{text}' (e.g. 100000, 100_000, 2M)")
    return int(value * factor)


def format_kb(n: float, digits: int = 1) -> str:
    """'1,751.4 KB' (KB = 1024 bytes): sizes in every report and table."""
    return f"{n / KB:,.{digits}f} KB"


def format_size(n: int) -> str:
    """'300.2 KB (307,400 bytes)': readable, and exact for whoever compares with a map file."""
    if n >= KB**2:
        return f"{n / KB**2:,.2f} MB ({n:,} bytes)"
    if n >= KB:
        return f"{format_kb(n)} ({n:,} bytes)"
    return f"{n:,} bytes"


def format_ms(ms: float) -> str:
    return f"{ms:,.3f} ms" if ms < 10 else f"{ms:,.2f} ms"
