"""The base of every register model: plain registers, where what is written reads back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simtiny.sim.peripherals.registry import Clock, register

if TYPE_CHECKING:
    from simtiny.platform import Peripheral, Platform
    from simtiny.sim.peripherals import PeripheralBus


@register("register-file")
class RegisterFile:
    """Plain read/write registers: what is written reads back. The base of the other models."""

    def __init__(self, peripheral: Peripheral, clock: Clock, platform: Platform) -> None:
        self.peripheral = peripheral
        self.clock = clock
        self.platform = platform
        self.regs: dict[int, int] = {}

    def connect(self, bus: PeripheralBus) -> None:
        """Called once every model of the board exists: find the models this one works with."""

    def load(self, offset: int) -> int:
        return self.regs.get(offset & ~3, 0)

    def store(self, offset: int, value: int) -> None:
        self.regs[offset & ~3] = value & 0xFFFFFFFF

    def read(self, offset: int, size: int) -> int:
        word = self.load(offset & ~3)
        shift = (offset & 3) * 8
        return (word >> shift) & ((1 << (8 * size)) - 1)

    def write(self, offset: int, size: int, value: int) -> None:
        if size == 4 and offset & 3 == 0:
            self.store(offset, value)
            return
        shift = (offset & 3) * 8
        mask = ((1 << (8 * size)) - 1) << shift
        old = self.regs.get(offset & ~3, 0)
        self.store(offset & ~3, (old & ~mask) | ((value << shift) & mask))
