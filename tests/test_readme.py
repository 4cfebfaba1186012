"""README's operator table against the compiler: every operator simtiny compiles is listed as such,
and every operator the table calls compiled, a view or folded is one simtiny handles (and none it
says is refused, or not compiled yet, is)."""

from __future__ import annotations

import re
from pathlib import Path

from simtiny import lower
from simtiny.model.normalize import FOLDABLE
from simtiny.model.variables import STATE_OPS

README = Path(__file__).resolve().parents[1] / "README.md"


def table_rows() -> list[tuple[set[str], str]]:
    text = README.read_text()
    block = text[text.index("<!-- operators: begin -->") : text.index("<!-- operators: end -->")]
    rows = []
    for line in block.splitlines()[3:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        names = set(re.findall(r"CUSTOM:\w+|\b[A-Z][A-Z0-9_]+\b", cells[0]))  # builtins and custom ops
        rows.append((names, cells[-1]))
    return rows


def test_the_operator_table_matches_the_registry():
    rows = table_rows()
    refusals = ("not yet", "refused")  # not compiled yet, or refused by design
    handled = {n for names, status in rows if not status.startswith(refusals) for n in names}
    refused = {n for names, status in rows if status.startswith(refusals) for n in names}
    compiled = set(lower.registry())
    assert compiled <= handled, f"compiled but not in README's table: {sorted(compiled - handled)}"
    assert handled <= compiled | set(STATE_OPS) | set(FOLDABLE), sorted(handled - compiled)
    assert not refused & compiled, f"README says 'not yet' of compiled operators: {sorted(refused & compiled)}"
