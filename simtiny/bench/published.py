"""The published figures that `simtiny bench` sets beside its own, one suite per file
(table3.toml: the survey's Table 3 on the STM32H743; mlperf-tiny.toml: MLPerf Tiny on the
DISCO-F746NG) as plain dataclasses: data measured on silicon by others, read from the files
that ship with simtiny, never results of this project."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from simtiny.resources import package_path

SUITES = ("table3", "mlperf-tiny")


@dataclass(frozen=True)
class Published:
    """One framework's cell: latency, and peak SRAM and flash where the source gives them."""

    latency_ms: float
    peak_sram_kb: float | None = None
    flash_kb: float | None = None


@dataclass(frozen=True)
class Network:
    """A row: the model file's stem in the suite's model folder and the published figures per
    framework (None where the source says OOM)."""

    name: str
    label: str
    published: dict[str, Published | None]


@dataclass(frozen=True)
class Table:
    """A suite: its name (its files are NAME.md, NAME.json and NAME.png), the board it was
    measured on, the published columns and the networks."""

    name: str
    title: str
    source: str
    note: str
    board: str
    frameworks: tuple[str, ...]
    sram_budget: int
    flash_budget: int
    models_dir: Path
    networks: tuple[Network, ...]
    optimization: str = "ram"  # the planner's goal for this suite (simtiny.flow.plan.plan_for)

    def network(self, name: str) -> Network | None:
        """The row for a model file stem, or None for a network the source did not measure."""
        return next((n for n in self.networks if n.name == name), None)

    @property
    def outputs(self) -> tuple[str, str, str]:
        return (f"{self.name}.md", f"{self.name}.json", f"{self.name}.png")


@cache
def suite(name: str) -> Table:
    """The suite `name` (one of SUITES), from its file in simtiny/bench."""
    data = tomllib.loads(package_path("bench", f"{name}.toml").read_text())
    frameworks = tuple(data["frameworks"])
    return Table(
        name=name,
        title=data["title"],
        source=data["source"],
        note=data.get("note", ""),
        board=data["board"],
        frameworks=frameworks,
        sram_budget=int(data["budgets"]["sram"]),
        flash_budget=int(data["budgets"]["flash"]),
        models_dir=package_path("bench", data["models"]),
        networks=tuple(
            Network(n["name"], n["label"], {fw: _cell(n[fw]) for fw in frameworks}) for n in data["network"]
        ),
        optimization=data.get("optimization", "ram"),
    )


def table3() -> Table:
    return suite("table3")


def _cell(value: Any) -> Published | None:
    return None if value == "OOM" else Published(*value)
