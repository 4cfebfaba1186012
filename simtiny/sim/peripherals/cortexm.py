"""The Cortex-M system space every Cortex-M7 part has: the DWT cycle counter and the system
control space (SCB identification and control, NVIC, DEMCR, SysTick).

The exception state behind the NVIC and SCB exception registers is simtiny.sim.exceptions;
SysTick pends its exception through it at the cycle its counter reaches zero."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from simtiny.sim.exceptions import SYSTICK, Exceptions
from simtiny.sim.peripherals.generic import RegisterFile
from simtiny.sim.peripherals.registry import Clock, register

CACHE_FLAGS = 0xF000_0000  # CCSIDR WT, WB, RA, WA: the write policies a Cortex-M7 cache supports


def ccsidr(size: int, ways: int, line: int) -> int:
    """CCSIDR of a cache: sets - 1, ways - 1 and log2(words per line) - 2 in their fields."""
    sets = size // (ways * line)
    line_field = (line // 4).bit_length() - 1 - 2
    return CACHE_FLAGS | (sets - 1) << 13 | (ways - 1) << 3 | line_field


@register("cortexm-dwt")
class Dwt(RegisterFile):
    """Cortex-M7 DWT: CYCCNT follows the engine's cycle count while CYCCNTENA is set."""

    CTRL, CYCCNT = 0x000, 0x004
    NUMCOMP = 4 << 28

    MAX_READS = 100_000  # CYCCNT reads remembered (a delay loop may read it millions of times)

    def __init__(self, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args)
        self.trace_enabled: Callable[[], bool] = lambda: True  # DEMCR.TRCENA, once connected
        self.frozen = 0  # CYCCNT while stopped
        self.origin: int | None = None  # clock() minus CYCCNT while counting
        self.memory_clock: Clock = lambda: 0  # cycles spent on memory so far (memory model)
        self.reads: list[tuple[int, int]] = []  # (clock, memory clock) at each CYCCNT read

    def connect(self, bus) -> None:  # type: ignore[no-untyped-def]
        scs = bus.find(SystemControlSpace)
        if scs is not None:
            self.trace_enabled = lambda: scs.trace_enabled

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


@register("cortexm-scs")
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
    FPCCR = 0xF34  # reads its reset value; the FP frame is always stacked in full (not lazily)
    ICSR, VTOR, SHPR1, SHPR3, SHCSR, CFSR, HFSR, MMFAR, BFAR, STIR = (
        0xD04, 0xD08, 0xD18, 0xD20, 0xD24, 0xD28, 0xD2C, 0xD34, 0xD38, 0xF00
    )
    ISER, ICER, ISPR, ICPR, IABR, IPR, IPR_END = 0x100, 0x180, 0x200, 0x280, 0x300, 0x400, 0x5F0
    TICKINT = 1 << 1
    ID_REGISTERS: ClassVar[dict[str, int]] = {
        "CPUID": CPUID, "CLIDR": CLIDR, "CTR": CTR, "MVFR0": MVFR0, "MVFR1": MVFR1, "MVFR2": MVFR2
    }
    def __init__(self, *args) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args)
        # Identification registers from the CPU description (cpus/<cpu>.toml); cache geometry
        # (CCSIDR) from the board's [caches] (ARMv7-M ARM B4.8.3).
        ids = self.platform.cpu.id_registers
        self.fixed = {offset: ids[name] for name, offset in self.ID_REGISTERS.items() if name in ids}
        c = self.platform.caches
        self.ccsidr_data = ccsidr(c.dcache_bytes, c.dcache_ways, c.line_bytes) if c.present else 0
        self.ccsidr_insn = ccsidr(c.icache_bytes, c.icache_ways, c.line_bytes) if c.present else 0
        self.regs[self.CCR] = 0x00000200  # STKALIGN
        self.regs[self.FPCCR] = 0xC0000000  # ASPEN, LSPEN (Armv7-M ARM B3.2.2)
        self.systick_origin: int | None = None
        self.systick_value = 0
        self.countflag = False
        self.zeroes_seen = 0
        self.reset_requested = False
        # VTOR resets to the boot address (STM32: BOOT_ADD0, the vector table in flash)
        self.exceptions = Exceptions(irq_lines=_irq_lines(self.platform.defines), vtor=self.platform.boot_address)
        self.systick_delivered = 0  # SysTick 1 -> 0 transitions since the counter (re)started, pended
        self.on_reset: Callable[[], None] = lambda: None  # AIRCR.SYSRESETREQ: the engine stops
        self.on_traps: Callable[[int], None] = lambda ccr: None  # CCR written (DIV_0_TRP, UNALIGN_TRP)
        self.on_demcr: Callable[[], None] = lambda: None
        self.on_ccr: Callable[[bool, bool], None] = lambda icache, dcache: None

    def connect(self, bus) -> None:  # type: ignore[no-untyped-def]
        dwt = bus.find(Dwt)
        if dwt is not None:
            self.on_demcr = dwt.update

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
        self.systick_due()
        self.countflag = self.countflag or self._systick_zeroes() > self.zeroes_seen
        self.systick_value = value
        self.zeroes_seen = 0
        self.systick_delivered = 0
        if self.systick_origin is not None:
            self.systick_origin = self.clock()

    def _systick_zero_tick(self, n: int) -> int | None:
        """Ticks after the (re)start at which the counter reaches 0 for the n-th time (n >= 1)."""
        start = self.systick_value
        reload = self.regs.get(self.SYST_RVR, 0) & 0xFFFFFF
        if reload == 0:
            return start if n == 1 and start > 0 else None
        first = start if start > 0 else reload + 1
        return first + (n - 1) * (reload + 1)

    def systick_next_event(self) -> int | None:
        """The clock at which SysTick next pends its exception; None when it will not."""
        if self.systick_origin is None or not self.regs.get(self.SYST_CSR, 0) & self.TICKINT:
            return None
        tick = self._systick_zero_tick(self.systick_delivered + 1)
        return None if tick is None else self.systick_origin + tick

    def systick_due(self) -> bool:
        """Pend the SysTick exception if the counter reached 0 since the last call (TICKINT set);
        several missed transitions pend it once, as on the chip."""
        if self.systick_origin is None:
            return False
        zeroes = self._systick_zeroes()
        if zeroes <= self.systick_delivered:
            return False
        self.systick_delivered = zeroes
        if not self.regs.get(self.SYST_CSR, 0) & self.TICKINT:
            return False
        self.exceptions.pending.add(SYSTICK)
        return True

    def _load_exceptions(self, offset: int) -> int | None:
        """NVIC and SCB exception registers; None for other offsets."""
        e = self.exceptions
        if self.ISER <= offset < self.IABR + 0x40:
            word = (offset & 0x3F) // 4
            if offset < self.ISPR:  # ISER and ICER read the enables
                return e.irq_bits(e.enabled, word)
            if offset < self.IABR:  # ISPR and ICPR read the pending bits
                return e.irq_bits(e.pending, word)
            return e.active_bits(word)
        if self.IPR <= offset < self.IPR_END:
            return _pack_priorities(e, IRQ0_NUMBER + offset - self.IPR)
        if self.SHPR1 <= offset <= self.SHPR3:
            return _pack_priorities(e, 4 + offset - self.SHPR1)
        if offset == self.ICSR:
            self.systick_due()
            return e.icsr(False)
        values = {
            self.VTOR: e.vtor,
            self.AIRCR: 0xFA05_0000 | e.prigroup << 8,
            self.SHCSR: e.shcsr_value(),
            self.CFSR: e.cfsr,
            self.HFSR: e.hfsr,
            self.MMFAR: e.mmfar,
            self.BFAR: e.bfar,
        }
        return values.get(offset)

    def _store_exceptions(self, offset: int, value: int) -> bool:
        """NVIC and SCB exception registers; False for other offsets."""
        e = self.exceptions
        if self.ISER <= offset < self.IABR:
            word = (offset & 0x3F) // 4
            if offset < self.ISER + 0x40:
                e.set_irq_bits(e.enabled, word, value, True)
            elif self.ICER <= offset < self.ICER + 0x40:
                e.set_irq_bits(e.enabled, word, value, False)
            elif self.ISPR <= offset < self.ISPR + 0x40:
                e.set_irq_bits(e.pending, word, value, True)
            elif self.ICPR <= offset < self.ICPR + 0x40:
                e.set_irq_bits(e.pending, word, value, False)
            return True
        if self.IPR <= offset < self.IPR_END or self.SHPR1 <= offset <= self.SHPR3:
            first = 4 + offset - self.SHPR1 if offset >= self.SHPR1 else IRQ0_NUMBER + offset - self.IPR
            for i in range(4):
                e.set_priority(first + i, value >> (8 * i))
            self.regs[offset] = _pack_priorities(e, first)  # what a byte write merges with
            e.on_change()
            return True
        if offset == self.ICSR:
            e.write_icsr(value)
        elif offset == self.VTOR:
            e.vtor = value & 0xFFFFFF80
        elif offset == self.SHCSR:
            e.shcsr = value & 0x70000
            e.on_change()
        elif offset in (self.CFSR, self.HFSR):  # write one to clear
            if offset == self.CFSR:
                e.cfsr &= ~value
            else:
                e.hfsr &= ~value
        elif offset == self.MMFAR:
            e.mmfar = value & 0xFFFFFFFF
        elif offset == self.BFAR:
            e.bfar = value & 0xFFFFFFFF
        elif offset == self.STIR:
            if (value & 0x1FF) < e.irq_lines:
                e.pend(IRQ0_NUMBER + (value & 0x1FF))
        else:
            return False
        return True

    def load(self, offset: int) -> int:
        if offset in self.fixed:
            return self.fixed[offset]
        value = self._load_exceptions(offset)
        if value is not None:
            return value
        if offset == self.CCSIDR:
            return self.ccsidr_insn if self.regs.get(self.CSSELR, 0) & 1 else self.ccsidr_data
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
        if offset in self.fixed:
            return
        if self._store_exceptions(offset, value):
            return
        if offset == self.SYST_CVR:  # any write clears the counter and COUNTFLAG
            self._systick_restart(0)
            self.countflag = False
            self.exceptions.on_change()
            return
        if offset == self.SYST_CSR:
            was = self.systick_origin is not None
            self._systick_restart(self._systick_now())
            super().store(offset, value)
            if value & 1 and not was:
                self.systick_origin = self.clock()
            elif not value & 1 and was:
                self.systick_origin = None
            self.exceptions.on_change()
            return
        if offset == self.AIRCR:
            if (value >> 16) == 0x05FA:
                self.exceptions.prigroup = (value >> 8) & 7
                if value & (1 << 1):  # VECTCLRACTIVE
                    self.exceptions.active.clear()
                if value & (1 << 2):
                    self.reset_requested = True
                    self.on_reset()
            return super().store(offset, value & 0x0000FFFF)
        if offset == self.SYST_RVR:
            self._systick_restart(self._systick_now())
            super().store(offset, value)
            self.exceptions.on_change()
            return
        super().store(offset, value)
        if offset == self.DEMCR:
            self.on_demcr()
        elif offset == self.CCR:
            self.on_ccr(*self.caches_enabled)
            self.on_traps(value)

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


IRQ0_NUMBER = 16  # exception number of interrupt line 0


def _pack_priorities(e: Exceptions, first: int) -> int:
    """Four priority bytes (exceptions first..first+3) as a register word."""
    return sum(e.priority_of(first + i) << (8 * i) for i in range(4) if first + i > 3)


def _irq_lines(defines: tuple[str, ...]) -> int:
    """The part's interrupt lines, from the SIMTINY_IRQ_LINES define of the platform."""
    for d in defines:
        name, _, value = d.partition("=")
        if name == "SIMTINY_IRQ_LINES" and value.isdigit():
            return int(value)
    return 240
