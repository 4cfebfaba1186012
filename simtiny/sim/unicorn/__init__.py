"""The `unicorn` engine (engine.py): Unicorn's Cortex-M core with simtiny's board around it."""

from simtiny.sim.unicorn.engine import UnicornEngine as Engine

__all__ = ["Engine"]
