"""Register models of the peripherals and system space a board description places, and the bus
that routes accesses to them.

Each model answers reads and writes at an offset inside its window. A `[[peripheral]]` entry's
`kind` selects its model (registry.py; the models are in generic.py, cortexm.py, stm32*.py);
registers no model knows read as zero and are collected for a warning, so unfamiliar firmware
runs on instead of crashing. Nothing here knows any engine.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from simtiny.platform import Platform
from simtiny.sim.peripherals.registry import Clock, known_kinds, model_class

M = TypeVar("M")

__all__ = ["Clock", "PeripheralBus", "UnmodelledAccess", "known_kinds"]


@dataclass
class UnmodelledAccess:
    """Accesses to a register no model covers."""

    reads: Counter = field(default_factory=Counter)
    writes: Counter = field(default_factory=Counter)

    def summary(self, limit: int = 8) -> str:
        addresses = sorted(set(self.reads) | set(self.writes))
        parts = []
        for address in addresses[:limit]:
            what = []
            if self.reads[address]:
                what.append(f"read {self.reads[address]}x")
            if self.writes[address]:
                what.append(f"written {self.writes[address]}x")
            parts.append(f"0x{address:08X} ({', '.join(what)})")
        more = len(addresses) - limit
        return ", ".join(parts) + (f", and {more} more" if more > 0 else "")

    def __bool__(self) -> bool:
        return bool(self.reads or self.writes)


class PeripheralBus:
    """Routes accesses inside the peripheral windows to the register models of a platform."""

    def __init__(self, platform: Platform, clock: Clock) -> None:
        self.models: list[Any] = [
            model_class(p.kind)(p, clock, platform) for p in sorted(platform.peripherals, key=lambda q: q.base)
        ]
        for model in self.models:
            model.connect(self)
        self.consoles = {m.peripheral.name.lower(): m for m in self.models if getattr(m, "is_console", False)}
        self._bases = [m.peripheral.base for m in self.models]
        self.unmodelled = UnmodelledAccess()

    def find(self, cls: type[M]) -> M | None:
        """The first model of a class (the system control space, the cycle counter, ...)."""
        return next((m for m in self.models if isinstance(m, cls)), None)

    def _model(self, address: int) -> Any:
        i = bisect.bisect_right(self._bases, address) - 1
        if i >= 0:
            model = self.models[i]
            if address < model.peripheral.base + model.peripheral.size:
                return model
        return None

    def read(self, address: int, size: int) -> int:
        model = self._model(address)
        if model is None:
            self.unmodelled.reads[address] += 1
            return 0
        return model.read(address - model.peripheral.base, size)

    def write(self, address: int, size: int, value: int) -> None:
        model = self._model(address)
        if model is None:
            self.unmodelled.writes[address] += 1
            return
        model.write(address - model.peripheral.base, size, value)
