"""The published Table 3 figures (table3.toml) as plain dataclasses: data measured on silicon by
others, read from the file that ships with simtiny, never results of this project."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from simtiny.resources import package_path


@dataclass(frozen=True)
class Published:
    """One framework's cell of the table: latency, peak SRAM and flash as printed."""

    latency_ms: float
    peak_sram_kb: float
    flash_kb: float


@dataclass(frozen=True)
class Network:
    """A row of the table: the model file's stem in simtiny/bench/models/ and the paper's
    figures per framework (None where the paper says OOM)."""

    name: str
    label: str
    published: dict[str, Published | None]


@dataclass(frozen=True)
class Table:
    source: str
    board: str
    frameworks: tuple[str, ...]
    sram_budget: int
    flash_budget: int
    networks: tuple[Network, ...]

    def network(self, name: str) -> Network | None:
        """The paper's row for a model file stem, or None for a network the paper did not measure."""
        return next((n for n in self.networks if n.name == name), None)


@cache
def table3() -> Table:
    data = tomllib.loads(package_path("bench", "table3.toml").read_text())
    frameworks = tuple(data["frameworks"])
    return Table(
        source=data["source"],
        board=data["board"],
        frameworks=frameworks,
        sram_budget=int(data["budgets"]["sram"]),
        flash_budget=int(data["budgets"]["flash"]),
        networks=tuple(
            Network(n["name"], n["label"], {fw: _cell(n[fw]) for fw in frameworks}) for n in data["network"]
        ),
    )


def _cell(value: Any) -> Published | None:
    return None if value == "OOM" else Published(*value)
