"""The `qemu` engine (engine.py): QEMU's own system emulation of a board QEMU models, as an
independent check of the Unicorn engine."""

from simtiny.sim.qemu.engine import QemuEngine as Engine

__all__ = ["Engine"]
