"""The Cortex-M system space every Cortex-M7 part has: the DWT cycle counter and the system
control space (SCB identification and control, DEMCR, SysTick)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

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
        self.ccsidr_data = ccsidr(c.dcache_bytes, c.dcache_ways, c.line_bytes)
        self.ccsidr_insn = ccsidr(c.icache_bytes, c.icache_ways, c.line_bytes)
        self.regs[self.CCR] = 0x00000200  # STKALIGN
        self.systick_origin: int | None = None
        self.systick_value = 0
        self.countflag = False
        self.zeroes_seen = 0
        self.reset_requested = False
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
        self.countflag = self.countflag or self._systick_zeroes() > self.zeroes_seen
        self.systick_value = value
        self.zeroes_seen = 0
        if self.systick_origin is not None:
            self.systick_origin = self.clock()

    def load(self, offset: int) -> int:
        if offset in self.fixed:
            return self.fixed[offset]
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



#####REST
