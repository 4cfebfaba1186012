"""Plain-text layout shared by the terminal reports."""

from __future__ import annotations

from collections.abc import Sequence

from simtiny.flow.verify import OutputComparison


def output_verdict(c: OutputComparison, ours: str, theirs: str) -> str:
    """One output's verdict: bit-exact, or how it differs (`ours`: what computed the values,
    "simtiny" or "firmware"; `theirs`: the reference)."""
    if c.exact:
        unwritten = f" ({c.unwritten} elements {theirs} left unwritten, not compared)" if c.unwritten else ""
        return f"bit-exact{unwritten}"
    if c.note:
        return f"MISMATCH: {c.note}"
    return (
        f"MISMATCH: {c.mismatches} of {c.elements} elements differ, largest difference {c.max_abs_diff:g}; "
        f"first at {c.first_mismatch}: {ours} {c.got}, {theirs} {c.want}"
    )


def silicon_note(span_ms: tuple[float, float], basis: str) -> str:
    """What the cycle model's evidence says silicon would take, in a line."""
    low, high = span_ms
    return f"on silicon likely {_ms(low)}-{_ms(high)} ms (the cycle model: {basis})"


def _ms(value: float) -> str:
    """Three significant digits, without an exponent."""
    digits = 0 if value >= 100 else 1 if value >= 10 else 2 if value >= 1 else 3
    return f"{value:.{digits}f}"


def table(rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Columns padded to their widest cell; `right` lists right-aligned column indexes."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return lines
