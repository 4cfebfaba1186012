"""Cycle models price one straight run of Thumb code (a basic block) once; the engine sums
count x price. The default until the Cortex-M7 pipeline model lands: one cycle per instruction.
"""

from __future__ import annotations

from typing import Protocol

from simtiny import thumb


class CycleModel(Protocol):
    """Prices a block: returns (instructions, cycles) for one execution of `code` at `address`."""

    name: str

    def price(self, code: bytes, address: int) -> tuple[int, int]: ...


class OneCyclePerInstruction:
    """Every instruction costs one cycle: Renode's view of time, kept as a baseline."""

    name = "1-cpi"

    def price(self, code: bytes, address: int) -> tuple[int, int]:
        n = thumb.count(code)
        return n, n


def default_cycle_model() -> CycleModel:
    return OneCyclePerInstruction()
