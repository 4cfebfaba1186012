"""STM32H7 reset and clock control, power and system configuration (RM0433): everything the
firmware waits for is ready as soon as it is asked for."""

from __future__ import annotations

from simtiny.sim.peripherals.generic import RegisterFile
from simtiny.sim.peripherals.registry import register


@register("stm32h7-rcc")
class Rcc(RegisterFile):
    """Oscillators and PLLs report ready as soon as they are switched on."""

    CR, CFGR = 0x00, 0x10
    # (enable bit, ready bit) pairs of RCC_CR: HSI, CSI, HSI48, HSE, PLL1, PLL2, PLL3
    READY = ((0, 2), (7, 8), (12, 13), (16, 17), (24, 25), (26, 27), (28, 29))

    def __init__(self, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args)
        self.regs[self.CR] = 0x0000_0025  # HSION, HSIRDY, HSIDIV reset value (RM0433)

    def load(self, offset: int) -> int:
        value = super().load(offset)
        if offset == self.CR:
            for on, ready in self.READY:
                value = value | (1 << ready) if value & (1 << on) else value & ~(1 << ready)
            return value | (1 << 14) | (1 << 15)  # D1CKRDY, D2CKRDY
        if offset == self.CFGR:
            sw = value & 0x7
            return (value & ~(0x7 << 3)) | (sw << 3)  # SWS follows SW
        return value


@register("stm32h7-pwr")
class Pwr(RegisterFile):
    """Supply and voltage-scaling changes are ready at once."""

    CSR1, D3CR = 0x04, 0x18
    ACTVOSRDY = VOSRDY = 1 << 13

    def load(self, offset: int) -> int:
        value = super().load(offset)
        if offset == self.CSR1:
            vos = (self.regs.get(self.D3CR, 0) >> 14) & 3
            return value | self.ACTVOSRDY | (vos << 14)
        if offset == self.D3CR:
            return value | self.VOSRDY
        return value


@register("stm32h7-syscfg")
class Syscfg(RegisterFile):
    """The overdrive (VOS0) enable for 480 MHz is stored; nothing waits on it."""
