"""Arm CMSDK APB peripherals (Arm DDI 0479, Cortex-M System Design Kit), as on the MPS2 boards."""

from __future__ import annotations

from simtiny.sim.peripherals.generic import RegisterFile
from simtiny.sim.peripherals.registry import register


@register("cmsdk-uart")
class CmsdkUart(RegisterFile):
    """The CMSDK APB UART (DDI 0479 4.3): what is written to DATA with CTRL.TXEN set is console
    text; the transmitter is never full. Receiving is not modelled: STATE.RXFULL stays clear."""

    is_console = True
    DATA, STATE, CTRL, INTSTATUS, BAUDDIV = 0x00, 0x04, 0x08, 0x0C, 0x10
    TX_EN = 1 << 0

    def __init__(self, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args)
        self.sent = bytearray()
        self.sent_at: list[int] = []  # the cycle at which each transmitted byte was written

    def load(self, offset: int) -> int:
        if offset in (self.DATA, self.STATE, self.INTSTATUS):
            return 0  # nothing received, the transmitter never full, no interrupt
        return super().load(offset)

    def store(self, offset: int, value: int) -> None:
        if offset == self.DATA:
            if self.regs.get(self.CTRL, 0) & self.TX_EN:  # a disabled transmitter sends nothing
                self.sent.append(value & 0xFF)
                self.sent_at.append(self.clock())
            return
        if offset == self.INTSTATUS:  # write one to clear: nothing is ever pending
            return
        super().store(offset, value)
