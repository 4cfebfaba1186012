"""Peripherals shared by STM32 families: the USART of F0/F3/F7/G4/H7/L4 (ISR at 0x1C, TDR at 0x28)."""

from __future__ import annotations

from collections.abc import Iterable

from simtiny.sim.exceptions import IRQ0, Exceptions
from simtiny.sim.peripherals.cortexm import SystemControlSpace
from simtiny.sim.peripherals.generic import RegisterFile
from simtiny.sim.peripherals.registry import register

# NVIC lines of the U(S)ARTs by base address, the same on STM32F7 and STM32H7 (RM0385, RM0433).
IRQ_LINES = {
    0x4001_1000: 37,  # USART1
    0x4000_4400: 38,  # USART2
    0x4000_4800: 39,  # USART3
    0x4000_4C00: 52,  # UART4
    0x4000_5000: 53,  # UART5
    0x4001_1400: 71,  # USART6
}
BAUD = 115_200  # the host side's line rate: 8N1, ten bit times a byte


@register("stm32-usart")
class Usart(RegisterFile):
    """Transmit data captured as console text, always ready; receive from a schedule of bytes the
    host sends (RDR, ISR.RXNE, ISR.ORE, CR1.RXNEIE raising the USART's NVIC line) (RM0433 /
    RM0385 USART, FIFO mode not modelled)."""

    is_console = True
    CR1, ISR, ICR, RDR, TDR = 0x00, 0x1C, 0x20, 0x24, 0x28
    UE, RE, TE, RXNEIE = 1 << 0, 1 << 2, 1 << 3, 1 << 5
    ORE, RXNE, TXE, TC, TEACK, REACK = 1 << 3, 1 << 5, 1 << 7, 1 << 6, 1 << 21, 1 << 22

    def __init__(self, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args)
        self.sent = bytearray()
        self.sent_at: list[int] = []  # the cycle at which each transmitted byte was written
        self.arrivals: list[tuple[int, int]] = []  # (cycle, byte) the host sends, in order
        self.next = 0  # the first arrival not yet received
        self.rdr = 0
        self.rxne = self.ore = False
        self.lost = 0  # bytes sent while the receiver was off
        self.irq = IRQ_LINES.get(self.peripheral.base)
        self.exceptions: Exceptions | None = None

    def connect(self, bus) -> None:  # type: ignore[no-untyped-def]
        scs = bus.find(SystemControlSpace)
        if scs is not None and self.irq is not None:
            self.exceptions = scs.exceptions
            scs.exceptions.sources.append(self)

    # ----- receiving -----------------------------------------------------------------------------
    def receive(self, lines: Iterable[tuple[int, bytes]]) -> None:
        """Schedule what the host sends: each (cycle, data) starts at that cycle (or when the
        previous data is through), one byte every ten bit times at BAUD."""
        per_byte = max(1, round(self.platform.clock_hz * 10 / BAUD))
        free = 0
        for start, data in lines:
            at = max(start, free)
            for byte in data:
                at += per_byte
                self.arrivals.append((at, byte))
            free = at

    def next_event(self) -> int | None:
        return self.arrivals[self.next][0] if self.next < len(self.arrivals) else None

    def due(self) -> None:
        """Receive every byte that has arrived by now: into RDR, or an overrun if RXNE is still set."""
        now = self.clock()
        cr1 = self.regs.get(self.CR1, 0)
        while self.next < len(self.arrivals) and self.arrivals[self.next][0] <= now:
            byte = self.arrivals[self.next][1]
            self.next += 1
            if cr1 & (self.UE | self.RE) != self.UE | self.RE:
                self.lost += 1
            elif self.rxne:
                self.ore = True  # the chip keeps RDR and loses the new byte
            else:
                self.rdr, self.rxne = byte, True
                self._request()

    def _request(self) -> None:
        enabled = self.regs.get(self.CR1, 0) & self.RXNEIE
        if self.exceptions is not None and self.irq is not None and self.rxne and enabled:
            self.exceptions.pend(IRQ0 + self.irq)

    # ----- registers -----------------------------------------------------------------------------
    def load(self, offset: int) -> int:
        if offset == self.ISR:
            self.due()
            cr1 = self.regs.get(self.CR1, 0)
            isr = self.TXE | self.TC
            isr |= self.TEACK if cr1 & self.TE else 0
            isr |= self.REACK if cr1 & self.RE else 0
            isr |= self.RXNE if self.rxne else 0
            isr |= self.ORE if self.ore else 0
            return isr
        if offset == self.RDR:
            self.due()
            self.rxne = False
            return self.rdr
        return super().load(offset)

    def store(self, offset: int, value: int) -> None:
        if offset == self.TDR:
            self.sent.append(value & 0xFF)
            self.sent_at.append(self.clock())
            return
        if offset == self.ICR:
            if value & self.ORE:  # ORECF
                self.ore = False
            return
        super().store(offset, value)
        if offset == self.CR1:
            self._request()  # enabling RXNEIE with RXNE set raises the line at once
