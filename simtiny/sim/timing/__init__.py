"""Cycle models price one straight run of Thumb code (a basic block) once; the engine sums
count x price and adds the dynamic costs (branch mispredicts) the model asks for.

Models: "cortex-m7" (the default: simtiny.sim.timing.m7model, a dual-issue pipeline model calibrated on
published measurements) and "1-cpi" (one cycle per instruction, Renode's view of time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from simtiny.sim import thumb


@dataclass(frozen=True)
class BlockCost:
    """Static price of one execution of a block, and its closing conditional branch if any."""

    instructions: int
    cycles: int
    branch: int = 0  # 0 none, 1 conditional backward, 2 conditional forward
    target: int = 0  # taken target of that branch


class CycleModel(Protocol):
    name: str
    mispredict_penalty: int  # cycles per mispredicted conditional branch (0: no predictor)

    def cost(self, code: bytes, address: int) -> BlockCost: ...


class OneCyclePerInstruction:
    """Every instruction costs one cycle: Renode's view of time, kept as a baseline."""

    name = "1-cpi"
    mispredict_penalty = 0

    def cost(self, code: bytes, address: int) -> BlockCost:
        n = thumb.count(code)
        return BlockCost(n, n)


MODELS = ("cortex-m7", "1-cpi")


def get_cycle_model(name: str = "cortex-m7") -> CycleModel:
    if name == "1-cpi":
        return OneCyclePerInstruction()
    if name == "cortex-m7":
        from simtiny.sim.timing.m7model import CortexM7

        return CortexM7()
    raise ValueError(f"unknown cycle model '{name}' (choose from {', '.join(MODELS)})")


def default_cycle_model() -> CycleModel:
    return get_cycle_model("cortex-m7")
