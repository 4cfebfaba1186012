"""Peripherals shared by STM32 families: the USART of F0/F3/F7/G4/H7/L4 (ISR at 0x1C, TDR at 0x28)."""

from __future__ import annotations

from simtiny.sim.peripherals.generic import RegisterFile
from simtiny.sim.peripherals.registry import register


@register("stm32-usart")
class Usart(RegisterFile):
    """Transmit data register captured as console text; always ready (RM0433 / RM0385 USART)."""

    is_console = True
    ISR, TDR, CR1 = 0x1C, 0x28, 0x00
    TXE, TC, TEACK, REACK = 1 << 7, 1 << 6, 1 << 21, 1 << 22

    def __init__(self, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args)
        self.sent = bytearray()

    def load(self, offset: int) -> int:
        if offset == self.ISR:
            cr1 = self.regs.get(self.CR1, 0)
            isr = self.TXE | self.TC
            isr |= self.TEACK if cr1 & (1 << 3) else 0
            isr |= self.REACK if cr1 & (1 << 2) else 0
            return isr
        return super().load(offset)

    def store(self, offset: int, value: int) -> None:
        if offset == self.TDR:
            self.sent.append(value & 0xFF)
            return
        super().store(offset, value)
