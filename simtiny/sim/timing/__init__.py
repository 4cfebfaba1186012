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
    # Entered right after a branch alone in its cycle that pairs with the block's first
    # instruction: that instruction may issue in the branch's cycle (None: as `cycles`).
    cycles_shifted: int | None = None
    lone_branch: bool = False  # ends with a branch alone in its last cycle (entered fresh)
    lone_branch_shifted: bool = False  # the same, entered shifted
    narrow_before: int = 0  # 16-bit instructions before that branch (the fold needs two [J])
    narrow: int = 0  # 16-bit instructions in the block
    early_flags: bool = False  # its closing branch's flags were set long enough before it

    def price(self, shifted: bool) -> int:
        """Cycles of one execution, entered fresh or shifted."""
        return self.cycles_shifted if shifted and self.cycles_shifted is not None else self.cycles


@dataclass(frozen=True)
class Accuracy:
    """How a cycle model's figures compared with silicon: the lowest and highest ratio of the
    model's cycles to silicon's seen in its evidence (with caches and wait states modelled)."""

    low: float
    high: float
    basis: str  # where the ratios come from, in a line

    def silicon_range(self, cycles: int) -> tuple[int, int]:
        """The cycles silicon would take, given the model's: from cycles / high to cycles / low."""
        return round(cycles / self.high), round(cycles / self.low)

    def silicon_ms(self, cycles: int, clock_hz: int) -> tuple[float, float]:
        """silicon_range in milliseconds at `clock_hz`."""
        low, high = self.silicon_range(cycles)
        return low * 1000.0 / clock_hz, high * 1000.0 / clock_hz


# The evidence behind each model that has any (docs/cycle-model.md, "Accuracy"). cortex-m7: 31
# micro-benchmark loops within 0.97-1.06 of jnk0le's STM32H743 measurements
# (docs/cycle-model-calibration.md); TF-Lite Micro + CMSIS-NN running proxyless-w0.3 64x64
# at 0.82 of the survey's silicon figure (21.22 M against 25.92 M cycles around Invoke;
# benchmarks/whole_network.py). Whole networks are the worse case, and the one that matters.
# Update both whenever the model changes.
ACCURACY = {
    "cortex-m7": Accuracy(
        0.81,
        1.06,
        "0.97-1.06x silicon on 31 micro-benchmarks, 0.82x on a whole TF-Lite Micro + CMSIS-NN network",
    ),
}


def accuracy_of(model: str) -> Accuracy | None:
    """The evidence for a cycle model by name; None where there is none (1-cpi claims nothing)."""
    return ACCURACY.get(model)


class CycleModel(Protocol):
    name: str
    mispredict_penalty: int  # cycles per mispredicted conditional branch (0: no predictor)
    early_flags_penalty: int  # the same when the block's BlockCost.early_flags is set
    unaligned_load_penalty: int  # cycles an unaligned LDR/LDRH/LDRSH adds (memory model only)

    def cost(self, code: bytes, address: int) -> BlockCost: ...


class OneCyclePerInstruction:
    """Every instruction costs one cycle: Renode's view of time, kept as a baseline."""

    name = "1-cpi"
    mispredict_penalty = 0
    early_flags_penalty = 0
    unaligned_load_penalty = 0

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
