"""The `unicorn` engine (engine.py): Unicorn's Cortex-M core with simtiny's board around it."""

from simtiny.sim.unicorn import library

library.load()  # before anything imports unicorn: the patched build when installed

from simtiny.sim.unicorn.engine import UnicornEngine as Engine  # noqa: E402

__all__ = ["Engine"]
