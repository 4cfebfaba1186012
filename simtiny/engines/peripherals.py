"""Register models of the STM32H743 peripherals and Cortex-M7 system space simtiny provides.

Each model answers reads and writes at an offset inside its window. Models are selected by the
`kind` of a `[[peripheral]]` entry in platform.toml; registers no model knows read as zero and
are collected for a warning, so unfamiliar firmware runs on instead of crashing.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from simtiny.platform import Peripheral, Platform

Clock = Callable[[], int]  # current cycle count of the core


class RegisterFile:
    """Plain read/write registers: what is written reads back. The base of the other models."""

    def __init__(self, peripheral: Peripheral, clock: Clock) -> None:
        self.peripheral = peripheral
        self.clock = clock
        self.regs: dict[int, int] = {}

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


class Usart(RegisterFile):
    """STM32H7 USART: transmit data register captured as console text; always ready."""

    ISR, TDR, CR1 = 0x1C, 0x28, 0x00
    TXE, TC, TEACK, REACK = 1 << 7, 1 << 6, 1 << 21, 1 << 22

    def __init__(self, peripheral: Peripheral, clock: Clock) -> None:
        super().__init__(peripheral, clock)
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


class Rcc(RegisterFile):
    """STM32H7 RCC: oscillators and PLLs report ready as soon as they are switched on."""

    CR, CFGR = 0x00, 0x10
    # (enable bit, ready bit) pairs of RCC_CR: HSI, CSI, HSI48, HSE, PLL1, PLL2, PLL3
    READY = ((0, 2), (7, 8), (12, 13), (16, 17), (24, 25), (26, 27), (28, 29))

    def __init__(self, peripheral: Peripheral, clock: Clock) -> None:
        super().__init__(peripheral, clock)
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


class Pwr(RegisterFile):
    """STM32H7 PWR: supply and voltage-scaling changes are ready at once."""

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


class Syscfg(RegisterFile):
    """STM32H7 SYSCFG: the overdrive (VOS0) enable for 480 MHz is stored; nothing waits on it."""


class Dwt(RegisterFile):
    """Cortex-M7 DWT: CYCCNT follows the engine's cycle count while CYCCNTENA is set."""

    CTRL, CYCCNT = 0x000, 0x004
    NUMCOMP = 4 << 28

    MAX_READS = 100_000  # CYCCNT reads remembered (a delay loop may read it millions of times)

    def __init__(self, peripheral: Peripheral, clock: Clock, trace_enabled: Callable[[], bool]):
        super().__init__(peripheral, clock)
        self.trace_enabled = trace_enabled
        self.frozen = 0  # CYCCNT while stopped
        self.origin: int | None = None  # clock() minus CYCCNT while counting
        self.memory_clock: Clock = lambda: 0  # cycles spent on memory so far (memory model)
        self.reads: list[tuple[int, int]] = []  # (clock, memory clock) at each CYCCNT read

    def counting(self) -> bool:
        return self.origin is not None

    def cyccnt(self) -> int:
        if self.origin is None:
            return self.frozen
        return (self.clock() - self.origin) & 0xFFFFFFFF

    def load(self, offset: int) -> int:
        if offset == self.CTRL:
            return (super().load(offset) & 0x0FFFFFFF) | self.NUMCOMP
        if offset == self.CYCCNT:
            if len(self.reads) < self.MAX_READS:
                self.reads.append((self.clock(), self.memory_clock()))
            return self.cyccnt()
        return super().load(offset)

    def store(self, offset: int, value: int) -> None:
        if offset == self.CYCCNT:
            if self.origin is None:
                self.frozen = value & 0xFFFFFFFF
            else:
                self.origin = self.clock() - (value & 0xFFFFFFFF)
            return
        super().store(offset, value)
        if offset == self.CTRL:
            self.update()

    def update(self) -> None:
        """Start or stop counting after CTRL.CYCCNTENA or DEMCR.TRCENA changed."""
        enabled = bool(super().load(self.CTRL) & 1) and self.trace_enabled()
        if enabled and self.origin is None:
            self.origin = self.clock() - self.frozen
        elif not enabled and self.origin is not None:
            self.frozen = self.cyccnt()
            self.origin = None


class SystemControlSpace(RegisterFile):
    """Cortex-M7 SCS: SCB (CPUID, VTOR, CCR, CPACR, cache identification), DEMCR, SysTick."""

    SYST_CSR, SYST_RVR, SYST_CVR, SYST_CALIB = 0x010, 0x014, 0x018, 0x01C
    CPUID, AIRCR, CCR, CLIDR, CTR, CCSIDR, CSSELR, CPACR, DEMCR = (
        0xD00,
        0xD0C,
        0xD14,
        0xD78,
        0xD7C,
        0xD80,
        0xD84,
        0xD88,
        0xDFC,
    )
    MVFR0, MVFR1, MVFR2 = 0xF40, 0xF44, 0xF48
    # Identification values of a Cortex-M7 r1p1 with FPv5-D16 and 16 KB + 16 KB caches
    # (ARM DDI 0489 "Cortex-M7 Technical Reference Manual", sections 3.4 and 4.1).
    FIXED: ClassVar[dict[int, int]] = {
        CPUID: 0x411FC271,
        CLIDR: 0x09000003,
        CTR: 0x8303C003,
        MVFR0: 0x10110221,
        MVFR1: 0x12000011,
        MVFR2: 0x00000040,
    }
    CCSIDR_DATA = 0xF00FE019  # 16 KB, 4 ways, 128 sets, 32-byte lines
    CCSIDR_INSN = 0xF01FE009  # 16 KB, 2 ways, 256 sets, 32-byte lines

    def __init__(self, peripheral: Peripheral, clock: Clock) -> None:
        super().__init__(peripheral, clock)
        self.regs[self.CCR] = 0x00000200  # STKALIGN
        self.systick_origin: int | None = None
        self.systick_value = 0
        self.countflag = False
        self.zeroes_seen = 0
        self.reset_requested = False
        self.on_demcr: Callable[[], None] = lambda: None
        self.on_ccr: Callable[[bool, bool], None] = lambda icache, dcache: None

    # SysTick counts down from RVR at the core clock (CLKSOURCE=1) while enabled; COUNTFLAG
    # marks a 1 -> 0 transition since CSR was last read (ARMv7-M ARM B3.3).
    def _systick_ticks(self) -> int:
        return 0 if self.systick_origin is None else self.clock() - self.systick_origin

    def _systick_now(self) -> int:
        ticks, start = self._systick_ticks(), self.systick_value
        if ticks <= start:
            return start - ticks
        reload = self.regs.get(self.SYST_RVR, 0) & 0xFFFFFF
        return reload - ((ticks - start - 1) % (reload + 1))

    def _systick_zeroes(self) -> int:
        """1 -> 0 transitions since the counter was (re)started."""
        ticks, start = self._systick_ticks(), self.systick_value
        reload = self.regs.get(self.SYST_RVR, 0) & 0xFFFFFF
        first = start if start > 0 else reload + 1
        if reload == 0 and start == 0:
            return 0
        return 0 if ticks < first else 1 + (ticks - first) // (reload + 1)

    def _systick_restart(self, value: int) -> None:
        """Freeze the count at `value` and, if running, restart the timeline from now."""
        self.countflag = self.countflag or self._systick_zeroes() > self.zeroes_seen
        self.systick_value = value
        self.zeroes_seen = 0
        if self.systick_origin is not None:
            self.systick_origin = self.clock()

    def load(self, offset: int) -> int:
        if offset in self.FIXED:
            return self.FIXED[offset]
        if offset == self.CCSIDR:
            return self.CCSIDR_INSN if self.regs.get(self.CSSELR, 0) & 1 else self.CCSIDR_DATA
        if offset == self.SYST_CVR:
            return self._systick_now()
        if offset == self.SYST_CSR:
            zeroes = self._systick_zeroes()
            flag = self.countflag or zeroes > self.zeroes_seen
            self.countflag, self.zeroes_seen = False, zeroes  # COUNTFLAG clears on read
            return super().load(offset) | (1 << 16 if flag else 0)
        if offset == self.SYST_CALIB:
            return 0x4000_0000  # no reference clock (NOREF clear would need one), SKEW set
        return super().load(offset)

    def store(self, offset: int, value: int) -> None:
        if offset in self.FIXED:
            return
        if offset == self.SYST_CVR:  # any write clears the counter and COUNTFLAG
            self._systick_restart(0)
            self.countflag = False
            return
        if offset == self.SYST_CSR:
            was = self.systick_origin is not None
            self._systick_restart(self._systick_now())
            super().store(offset, value)
            if value & 1 and not was:
                self.systick_origin = self.clock()
            elif not value & 1 and was:
                self.systick_origin = None
            return
        if offset == self.AIRCR:
            if (value >> 16) == 0x05FA and value & (1 << 2):
                self.reset_requested = True
            return super().store(offset, value & 0x0000FFFF)
        if offset == self.SYST_RVR:
            self._systick_restart(self._systick_now())
        super().store(offset, value)
        if offset == self.DEMCR:
            self.on_demcr()
        elif offset == self.CCR:
            self.on_ccr(*self.caches_enabled)

    @property
    def trace_enabled(self) -> bool:
        return bool(self.regs.get(self.DEMCR, 0) & (1 << 24))

    @property
    def fpu_enabled(self) -> bool:
        return (self.regs.get(self.CPACR, 0) >> 20) & 0xF == 0xF

    @property
    def caches_enabled(self) -> tuple[bool, bool]:
        """(I-cache, D-cache) enable bits of CCR."""
        ccr = self.regs.get(self.CCR, 0)
        return bool(ccr & (1 << 17)), bool(ccr & (1 << 16))


@dataclass
class UnmodelledAccess:
    """Accesses to a register no model covers."""

    reads: Counter = field(default_factory=Counter)
    writes: Counter = field(default_factory=Counter)

    def summary(self, limit: int = 8) -> str:
        addresses = sorted(set(self.reads) | set(self.writes))
        parts = []
        for address in addresses[:limit]:
            what = []
            if self.reads[address]:
                what.append(f"read {self.reads[address]}x")
            if self.writes[address]:
                what.append(f"written {self.writes[address]}x")
            parts.append(f"0x{address:08X} ({', '.join(what)})")
        more = len(addresses) - limit
        return ", ".join(parts) + (f", and {more} more" if more > 0 else "")

    def __bool__(self) -> bool:
        return bool(self.reads or self.writes)


class PeripheralBus:
    """Routes accesses inside the peripheral windows to the register models of a platform."""

    def __init__(self, platform: Platform, clock: Clock) -> None:
        self.models: list[RegisterFile] = []
        self.scs: SystemControlSpace | None = None
        self.dwt: Dwt | None = None
        self.consoles: dict[str, Usart] = {}
        for p in sorted(platform.peripherals, key=lambda q: q.base):
            self.models.append(self._make(p, clock))
        if self.scs and self.dwt:
            self.scs.on_demcr = self.dwt.update
        self._bases = [m.peripheral.base for m in self.models]
        self.unmodelled = UnmodelledAccess()

    def _make(self, p: Peripheral, clock: Clock) -> RegisterFile:
        if p.kind == "stm32h7-usart":
            model = Usart(p, clock)
            self.consoles[p.name.lower()] = model
            return model
        if p.kind == "stm32h7-rcc":
            return Rcc(p, clock)
        if p.kind == "stm32h7-pwr":
            return Pwr(p, clock)
        if p.kind == "stm32h7-syscfg":
            return Syscfg(p, clock)
        if p.kind == "cortexm-scs":
            self.scs = SystemControlSpace(p, clock)
            return self.scs
        if p.kind == "cortexm-dwt":
            self.dwt = Dwt(p, clock, lambda: self.scs.trace_enabled if self.scs else True)
            return self.dwt
        if p.kind == "register-file":
            return RegisterFile(p, clock)
        raise ValueError(f"peripheral {p.name}: unknown kind '{p.kind}'")

    def _model(self, address: int) -> RegisterFile | None:
        i = bisect.bisect_right(self._bases, address) - 1
        if i >= 0:
            model = self.models[i]
            if address < model.peripheral.base + model.peripheral.size:
                return model
        return None

    def read(self, address: int, size: int) -> int:
        model = self._model(address)
        if model is None:
            self.unmodelled.reads[address] += 1
            return 0
        return model.read(address - model.peripheral.base, size)

    def write(self, address: int, size: int, value: int) -> None:
        model = self._model(address)
        if model is None:
            self.unmodelled.writes[address] += 1
            return
        model.write(address - model.peripheral.base, size, value)
