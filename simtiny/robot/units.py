"""Limits as people write them in test data ("512 KB", "30 ms", "100_000") and figures as
failure messages print them. Shared by the Robot library and the pytest plugin."""

from __future__ import annotations

import re

from simtiny.errors import InputError

_SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "KIB": 1024, "M": 1024**2, "MB": 1024**2, "MIB": 1024**2}
_TIME_UNITS = {
    "us": 1e-3, "µs": 1e-3, "microsecond": 1e-3, "microseconds": 1e-3,
    "ms": 1.0, "millisecond": 1.0, "milliseconds": 1.0,
    "s": 1e3, "sec": 1e3, "second": 1e3, "seconds": 1e3,
}  # fmt: skip
_COUNT_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}
_NUMBER = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([A-Za-zµ]*)\s*$")


def _split(text: object, what: str, example: str) -> tuple[float, str]:
    match = _NUMBER.match(str(text))
    if not match:
        raise InputError(f"not {what}: '{text}' (e.g. {example})")
    return float(match.group(1).replace("_", "").replace(",", "")), match.group(2)


def parse_size(text: object) -> int:
    """Bytes from '512 KB', '2 MB', '64KB', '512K' or a plain byte count (K = 1024)."""
    value, unit = _split(text, "a size", "512 KB, 2 MB, 65536")
    factor = _SIZE_UNITS.get(unit.upper())
    if factor is None:
        raise InputError(f"not a size: '{text}' (units: bytes, KB, MB; e.g. 512 KB)")
    return int(value * factor)


def parse_duration_ms(text: object) -> float:
    """Milliseconds from '30 ms', '0.5 s' or '500 us'; a unit is required (Robot reads a bare
    number as seconds, simtiny's CLI as milliseconds: refusing it avoids the confusion)."""
    value, unit = _split(text, "a duration", "30 ms, 0.5 s")
    factor = _TIME_UNITS.get(unit.lower() if unit != "µs" else unit)
    if factor is None:
        raise InputError(f"not a duration: '{text}' (give a unit: 30 ms, 0.5 s, 500 us)")
    return value * factor


def parse_count(text: object) -> int:
    """A whole number from '100000', '100_000', '100,000' or '1.5M' (K, M, G are powers of ten)."""
    value, unit = _split(text, "a number", "100000, 100_000, 2M")
    factor = _COUNT_UNITS.get(unit.upper())
    if factor is None:
        raise InputError(f"not a number: '{text}' (e.g. 100000, 100_000, 2M)")
    return int(value * factor)


def format_size(n: int) -> str:
    """'300.2 KB (307,400 bytes)': readable, and exact for whoever compares with a map file."""
    if n >= 1024**2:
        return f"{n / 1024**2:,.2f} MB ({n:,} bytes)"
    if n >= 1024:
        return f"{n / 1024:,.1f} KB ({n:,} bytes)"
    return f"{n:,} bytes"


def format_ms(ms: float) -> str:
    return f"{ms:,.3f} ms" if ms < 10 else f"{ms:,.2f} ms"
