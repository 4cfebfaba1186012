"""STM32F7 reset and clock control and power control (RM0385 5 and 4): oscillators, PLLs,
over-drive and voltage scaling are ready as soon as the firmware asks for them."""

from __future__ import annotations

from simtiny.sim.peripherals.generic import RegisterFile
from simtiny.sim.peripherals.registry import register


@register("stm32f7-rcc")
class Rcc(RegisterFile):
    """RCC_CR ready bits follow their enable bits; RCC_CFGR.SWS follows SW."""

    CR, CFGR = 0x00, 0x08
    # (enable bit, ready bit) pairs of RCC_CR: HSI, HSE, PLL, PLLI2S, PLLSAI
    READY = ((0, 1), (16, 17), (24, 25), (26, 27), (28, 29))

    def __init__(self, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args)
        self.regs[self.CR] = 0x0000_0083  # HSION, HSIRDY, HSITRIM = 16 (reset value)

    def load(self, offset: int) -> int:
        value = super().load(offset)
        if offset == self.CR:
            for on, ready in self.READY:
                value = value | (1 << ready) if value & (1 << on) else value & ~(1 << ready)
            return value
        if offset == self.CFGR:
            return (value & ~(0x3 << 2)) | ((value & 0x3) << 2)  # SWS follows SW
        return value


@register("stm32f7-pwr")
class Pwr(RegisterFile):
    """PWR_CSR1: over-drive ready and over-drive switch ready follow PWR_CR1's enables; the
    voltage scaling is always ready."""

    CR1, CSR1 = 0x00, 0x04
    ODEN, ODSWEN = 1 << 16, 1 << 17
    VOSRDY, ODRDY, ODSWRDY = 1 << 14, 1 << 16, 1 << 17

    def load(self, offset: int) -> int:
        value = super().load(offset)
        if offset == self.CSR1:
            cr1 = self.regs.get(self.CR1, 0)
            value |= self.VOSRDY
            value |= self.ODRDY if cr1 & self.ODEN else 0
            value |= self.ODSWRDY if cr1 & self.ODSWEN else 0
        return value
