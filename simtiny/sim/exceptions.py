"""The ARMv7-M exception model, engine-neutral (ARMv7-M ARM B1.5): NVIC and SCB exception state,
priorities, pending and active exceptions, and exception entry and return on the MSP or PSP.

The system control space model (peripherals/cortexm.py) keeps an `Exceptions` and routes the
NVIC and SCB registers to it; an engine calls `enter` and `leave` between its blocks with a
`Core` that reads and writes the core's registers and memory. Cortex-M7 timing of entry and
return is in ENTRY_CYCLES, RETURN_CYCLES, TAIL_CHAIN_CYCLES.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

# Exception numbers (ARMv7-M ARM B1.5.2).
RESET, NMI, HARDFAULT, MEMMANAGE, BUSFAULT, USAGEFAULT = 1, 2, 3, 4, 5, 6
SVCALL, DEBUGMON, PENDSV, SYSTICK, IRQ0 = 11, 12, 14, 15, 16
NAMES = {
    NMI: "NMI",
    HARDFAULT: "HardFault",
    MEMMANAGE: "MemManage",
    BUSFAULT: "BusFault",
    USAGEFAULT: "UsageFault",
    SVCALL: "SVCall",
    DEBUGMON: "DebugMonitor",
    PENDSV: "PendSV",
    SYSTICK: "SysTick",
}

# Cycles (Cortex-M7): 12 for entry is Arm's published Cortex-M7 interrupt latency; return and
# tail-chaining are Arm's Cortex-M3/M4 figures (10 and 6), assumed for the M7.
ENTRY_CYCLES, RETURN_CYCLES, TAIL_CHAIN_CYCLES = 12, 10, 6

# CFSR (MMFSR, BFSR, UFSR) and HFSR bits (ARMv7-M ARM B3.2.15, B3.2.16).
IACCVIOL, DACCVIOL, MMARVALID = 1 << 0, 1 << 1, 1 << 7
IBUSERR, PRECISERR, BFARVALID = 1 << 8, 1 << 9, 1 << 15
UNDEFINSTR, INVSTATE, INVPC, NOCP = 1 << 16, 1 << 17, 1 << 18, 1 << 19
UNALIGNED, DIVBYZERO = 1 << 24, 1 << 25
HFSR_FORCED = 1 << 30

# SHCSR enable bits of the configurable faults.
FAULT_ENABLE = {MEMMANAGE: 1 << 16, BUSFAULT: 1 << 17, USAGEFAULT: 1 << 18}

THREAD_PRIORITY = 256  # execution priority with nothing active and no mask
XPSR_T, XPSR_ALIGN, XPSR_IT = 1 << 24, 1 << 9, 0x0600FC00
BASIC_FRAME, FP_FRAME = 0x20, 0x68  # bytes: r0-r3, r12, lr, pc, xpsr; plus s0-s15, fpscr, reserved


class Core(Protocol):
    """The engine's core as exception entry and return need it.

    Register names: r0-r3, r12, lr, pc, sp, msp, psp, xpsr, control, primask, basepri,
    faultmask, s0-s15, fpscr.
    """

    def reg(self, name: str) -> int: ...

    def set_reg(self, name: str, value: int) -> None: ...

    def read(self, address: int, size: int) -> bytes: ...

    def write(self, address: int, data: bytes) -> None: ...


class InterruptSource(Protocol):
    """A peripheral that requests interrupts at cycle counts it knows ahead (a UART receiving)."""

    def next_event(self) -> int | None: ...  # the cycle of its next request, None: none coming

    def due(self) -> None: ...  # pend what has become due by now


class ExceptionReturnError(Exception):
    """An exception return the architecture faults (bad EXC_RETURN, nothing active)."""


@dataclass
class Exceptions:
    """NVIC and SCB exception state of one core."""

    irq_lines: int = 240
    priority_bits: int = 4  # implemented priority bits (STM32: 4, the upper nibble)
    enabled: set[int] = field(default_factory=set)  # exception numbers of enabled IRQs
    pending: set[int] = field(default_factory=set)
    active: list[int] = field(default_factory=list)  # in the order taken; the last is running
    priority: dict[int, int] = field(default_factory=dict)  # configurable priorities, 8-bit field
    vtor: int = 0
    prigroup: int = 0
    shcsr: int = 0
    cfsr: int = 0
    hfsr: int = 0
    mmfar: int = 0
    bfar: int = 0
    # Called when something may have become pending or takeable (the engine re-checks).
    on_change: Callable[[], None] = lambda: None
    sources: list[InterruptSource] = field(default_factory=list)  # peripherals that pend IRQ lines

    # ----- peripheral interrupt sources ---------------------------------------------------------
    def sources_due(self) -> None:
        """Let every peripheral pend what has become due (the engine calls this at its checks)."""
        for source in self.sources:
            source.due()

    def next_source_event(self) -> int | None:
        """The earliest cycle at which a peripheral will request an interrupt, if any."""
        times = [t for t in (s.next_event() for s in self.sources) if t is not None]
        return min(times, default=None)

    # ----- priorities ---------------------------------------------------------------------------
    def set_priority(self, number: int, value: int) -> None:
        mask = (0xFF << (8 - self.priority_bits)) & 0xFF
        self.priority[number] = value & mask

    def priority_of(self, number: int) -> int:
        if number == RESET:
            return -3
        if number == NMI:
            return -2
        if number == HARDFAULT:
            return -1
        return self.priority.get(number, 0)

    def group(self, priority: int) -> int:
        """The group (pre-emption) priority of a priority value (AIRCR.PRIGROUP)."""
        if priority < 0:
            return priority
        shift = self.prigroup + 1
        return priority >> shift << shift

    def execution_priority(self, primask: int, basepri: int, faultmask: int) -> int:
        current = THREAD_PRIORITY
        for number in self.active:
            current = min(current, self.group(self.priority_of(number)))
        if basepri & 0xFF:
            current = min(current, self.group(basepri & 0xFF))
        if primask & 1:
            current = min(current, 0)
        if faultmask & 1:
            current = min(current, -1)
        return current

    # ----- pending ------------------------------------------------------------------------------
    def pend(self, number: int) -> None:
        self.pending.add(number)
        self.on_change()

    def unpend(self, number: int) -> None:
        self.pending.discard(number)

    def ready(self) -> list[int]:
        """Pending exceptions that may run at all (IRQs need their enable), best first."""
        out = [n for n in self.pending if n < IRQ0 or n in self.enabled]
        return sorted(out, key=lambda n: (self.priority_of(n), n))

    def takeable(self, primask: int, basepri: int, faultmask: int) -> int | None:
        """The pending exception that pre-empts now, if any."""
        ready = self.ready()
        if not ready:
            return None
        best = ready[0]
        if self.group(self.priority_of(best)) < self.execution_priority(primask, basepri, faultmask):
            return best
        return None

    def fault_target(self, number: int, primask: int, basepri: int, faultmask: int) -> int | None:
        """Where a synchronous fault (or SVC) goes: itself, HardFault when disabled or not allowed
        to pre-empt (escalation, HFSR.FORCED), None when even HardFault cannot run (lockup)."""
        current = self.execution_priority(primask, basepri, faultmask)
        if number != HARDFAULT:
            enabled = number == SVCALL or self.shcsr & FAULT_ENABLE.get(number, 0)
            if enabled and self.group(self.priority_of(number)) < current:
                return number
            self.hfsr |= HFSR_FORCED
        return HARDFAULT if current > -1 else None

    # ----- entry and return ---------------------------------------------------------------------
    def vector(self, number: int, read_word: Callable[[int], int]) -> int:
        return read_word((self.vtor & 0xFFFFFF80) + 4 * number)

    def enter(self, core: Core, number: int, return_address: int, handler: int) -> int:
        """Exception entry: push the frame, select MSP and Handler mode, LR = EXC_RETURN, jump to
        `handler`. Returns the EXC_RETURN value."""
        xpsr = core.reg("xpsr")
        control = core.reg("control")
        handler_mode = bool(xpsr & 0x1FF)
        on_psp = not handler_mode and bool(control & 2)
        fp = bool(control & 4)
        sp = core.reg("sp")
        frame = sp - (FP_FRAME if fp else BASIC_FRAME)
        aligned = frame & 4
        frame &= ~7
        stacked = (xpsr & ~XPSR_ALIGN) | (XPSR_ALIGN if aligned else 0) | XPSR_T
        words = [core.reg(r) for r in ("r0", "r1", "r2", "r3", "r12", "lr")]
        data = struct.pack("<8I", *words, return_address & ~1, stacked)
        if fp:
            data += struct.pack("<18I", *(core.reg(f"s{i}") for i in range(16)), core.reg("fpscr"), 0)
        core.write(frame, data)
        core.set_reg("psp" if on_psp else "msp", frame)
        core.set_reg("control", control & ~6)  # MSP, FPCA clear
        core.set_reg("xpsr", (xpsr & 0xF80F0000) | XPSR_T | number)
        exc_return = 0xFFFFFFF1 if handler_mode else (0xFFFFFFFD if on_psp else 0xFFFFFFF9)
        if fp:
            exc_return &= ~0x10
        core.set_reg("lr", exc_return)
        core.set_reg("pc", handler | 1)
        self.pending.discard(number)
        self.active.append(number)
        return exc_return

    def chain(self, core: Core, number: int, handler: int, exc_return: int) -> None:
        """Tail-chain: the frame stays on the stack, the next handler runs at once."""
        xpsr = core.reg("xpsr")
        core.set_reg("xpsr", (xpsr & 0xF80F0000) | XPSR_T | number)
        core.set_reg("lr", exc_return)
        core.set_reg("pc", handler | 1)
        self.pending.discard(number)
        self.active.append(number)

    def finish(self, exc_return: int) -> None:
        """The running handler ends (the first half of a return; `leave` pops the frame)."""
        if not self.active:
            raise ExceptionReturnError("exception return with no exception active")
        if exc_return & 0xFFFFFFE0 != 0xFFFFFFE0 or exc_return & 0xF not in (0x1, 0x9, 0xD):
            raise ExceptionReturnError(f"invalid EXC_RETURN 0x{exc_return:08X}")
        to_thread = bool(exc_return & 8)
        if to_thread != (len(self.active) == 1):
            raise ExceptionReturnError(
                f"EXC_RETURN 0x{exc_return:08X} returns to "
                f"{'Thread' if to_thread else 'Handler'} mode with {len(self.active)} exception(s) active"
            )
        self.active.pop()

    def leave(self, core: Core, exc_return: int) -> None:
        """Pop the frame EXC_RETURN names and resume where the exception was taken."""
        to_thread = bool(exc_return & 8)
        on_psp = bool(exc_return & 4)
        fp = not exc_return & 0x10
        sp = core.reg("psp" if on_psp else "msp")
        size = FP_FRAME if fp else BASIC_FRAME
        words = struct.unpack("<8I", core.read(sp, BASIC_FRAME))
        xpsr = words[7]
        new_sp = sp + size + (4 if xpsr & XPSR_ALIGN else 0)
        core.set_reg("xpsr", (xpsr & ~XPSR_ALIGN) | XPSR_T)
        control = core.reg("control") & ~6
        core.set_reg("control", control | (2 if to_thread and on_psp else 0) | (4 if fp else 0))
        core.set_reg("psp" if on_psp else "msp", new_sp)
        for name, value in zip(("r0", "r1", "r2", "r3", "r12", "lr"), words[:6], strict=True):
            core.set_reg(name, value)
        if fp:
            extra = struct.unpack("<17I", core.read(sp + BASIC_FRAME, 17 * 4))
            for i in range(16):
                core.set_reg(f"s{i}", extra[i])
            core.set_reg("fpscr", extra[16])
        core.set_reg("pc", words[6] | 1)

    # ----- registers (NVIC and SCB, offsets in the system control space) ----------------------
    def icsr(self, systick_pending: bool) -> int:
        value = self.active[-1] if self.active else 0
        if len(self.active) <= 1:
            value |= 1 << 11  # RETTOBASE
        ready = self.ready()
        if ready:
            value |= (ready[0] & 0x1FF) << 12
        if any(n >= IRQ0 for n in ready):
            value |= 1 << 22  # ISRPENDING
        if systick_pending or SYSTICK in self.pending:
            value |= 1 << 26
        if PENDSV in self.pending:
            value |= 1 << 28
        if NMI in self.pending:
            value |= 1 << 31
        return value

    def write_icsr(self, value: int) -> None:
        if value & (1 << 27):
            self.unpend(PENDSV)
        if value & (1 << 25):
            self.unpend(SYSTICK)
        if value & (1 << 28):
            self.pend(PENDSV)
        if value & (1 << 26):
            self.pend(SYSTICK)
        if value & (1 << 31):
            self.pend(NMI)

    def irq_bits(self, which: set[int], word: int) -> int:
        """32 IRQ lines of word `word` of an ISER/ISPR-style register, as a bit mask."""
        base = IRQ0 + 32 * word
        return sum(1 << i for i in range(32) if base + i in which)

    def set_irq_bits(self, which: set[int], word: int, value: int, on: bool) -> None:
        base = IRQ0 + 32 * word
        for i in range(32):
            if value >> i & 1 and 32 * word + i < self.irq_lines:
                (which.add if on else which.discard)(base + i)
        if on:
            self.on_change()

    def active_bits(self, word: int) -> int:
        return self.irq_bits(set(self.active), word)

    def shcsr_value(self) -> int:
        bits = {MEMMANAGE: 0, BUSFAULT: 1, USAGEFAULT: 3, SVCALL: 7, DEBUGMON: 8, PENDSV: 10, SYSTICK: 11}
        value = self.shcsr & 0x70000
        for number, bit in bits.items():
            if number in self.active:
                value |= 1 << bit
        pended = {USAGEFAULT: 12, MEMMANAGE: 13, BUSFAULT: 14, SVCALL: 15}
        for number, bit in pended.items():
            if number in self.pending:
                value |= 1 << bit
        return value
