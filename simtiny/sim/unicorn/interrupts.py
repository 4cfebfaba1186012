"""Exception delivery on the unicorn engine: simtiny takes exceptions itself, between blocks.

Unicorn runs QEMU's Cortex-M core without its NVIC and calls no exception entry: an SVC, an
exception return (a branch to 0xFFFFFFxx) and a fault reach the engine's hooks instead. Here
they enter and leave the firmware's handlers through simtiny.sim.exceptions. Asynchronous
exceptions (SysTick, PendSV, NVIC lines) are due at a cycle count: the C block counter stops
before the first block that starts at or after it (`event_at`) and the exception is taken at
that block boundary. A `b .` block and WFI/WFE skip time to the next event, or end the run as
a hang when nothing can end them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import unicorn
from unicorn import arm_const as arm

from simtiny.sim import exceptions as ex
from simtiny.sim import faults
from simtiny.sim.peripherals.cortexm import SystemControlSpace
from simtiny.sim.unicorn.native import SELF_LOOPS, BlockCounter

REGISTERS = {
    "r0": arm.UC_ARM_REG_R0,
    "r1": arm.UC_ARM_REG_R1,
    "r2": arm.UC_ARM_REG_R2,
    "r3": arm.UC_ARM_REG_R3,
    "r12": arm.UC_ARM_REG_R12,
    "lr": arm.UC_ARM_REG_LR,
    "pc": arm.UC_ARM_REG_PC,
    "sp": arm.UC_ARM_REG_SP,
    "msp": arm.UC_ARM_REG_MSP,
    "psp": arm.UC_ARM_REG_PSP,
    "xpsr": arm.UC_ARM_REG_XPSR,
    "control": arm.UC_ARM_REG_CONTROL,
    "primask": arm.UC_ARM_REG_PRIMASK,
    "basepri": arm.UC_ARM_REG_BASEPRI,
    "faultmask": arm.UC_ARM_REG_FAULTMASK,
    "fpscr": arm.UC_ARM_REG_FPSCR,
    **{f"s{i}": getattr(arm, f"UC_ARM_REG_S{i}") for i in range(16)},
}

WAITS = (b"\x30\xbf", b"\x20\xbf")  # wfi, wfe (16-bit)
WAITS_WIDE = (b"\xaf\xf3\x03\x80", b"\xaf\xf3\x02\x80")  # wfi.w, wfe.w


class UnicornCore:
    """simtiny.sim.exceptions.Core over a Unicorn instance."""

    def __init__(self, uc: unicorn.Uc) -> None:
        self.uc = uc

    def reg(self, name: str) -> int:
        return int(self.uc.reg_read(REGISTERS[name])) & 0xFFFFFFFF

    def set_reg(self, name: str, value: int) -> None:
        self.uc.reg_write(REGISTERS[name], value & 0xFFFFFFFF)

    def read(self, address: int, size: int) -> bytes:
        return bytes(self.uc.mem_read(address, size))

    def write(self, address: int, data: bytes) -> None:
        self.uc.mem_write(address, data)


@dataclass(frozen=True)
class FaultVector:
    """A fault the firmware may handle: its exception, CFSR bits and faulting address."""

    number: int
    cfsr: int
    address: int | None = None  # BFAR (bus faults) or MMFAR (MemManage)


class DeliveryError(Exception):
    """An exception that cannot be delivered: the run ends with this fault text."""


class Delivery:
    """Takes and returns from exceptions on one Unicorn run."""

    def __init__(self, uc: unicorn.Uc, counter: BlockCounter, scs: SystemControlSpace, default: int | None) -> None:
        self.uc = uc
        self.core = UnicornCore(uc)
        self.counter = counter
        self.scs = scs
        self.state: ex.Exceptions = scs.exceptions
        self.default_handler = default  # Default_Handler's address: an exception nobody handles
        self.taken = 0  # exceptions entered (tail-chains included)

    # ----- state ---------------------------------------------------------------------------------
    def masks(self) -> tuple[int, int, int]:
        return self.core.reg("primask"), self.core.reg("basepri"), self.core.reg("faultmask")

    def handler(self, number: int) -> int:
        try:
            return self.state.vector(number, lambda a: struct.unpack("<I", self.core.read(a, 4))[0])
        except unicorn.UcError as exc:
            where = f"vector {number} at VTOR 0x{self.state.vtor:08X}"
            raise DeliveryError(f"{faults.VECTOR_UNREADABLE}: {where}: {exc}") from None

    def handled(self, handler: int) -> bool:
        """False for a vector to Default_Handler or to a `b .` (the firmware handles nothing)."""
        address = handler & ~1
        if self.default_handler is not None and address == self.default_handler:
            return False
        try:
            code = self.core.read(address, 4)
        except unicorn.UcError:
            return True  # the fetch faults when the handler runs
        return code[:2] != SELF_LOOPS[0] and code != SELF_LOOPS[1]

    def schedule(self) -> None:
        """Set the cycle count at which the block counter stops for the next exception."""
        now = self.counter.cycles
        at: int | None = None
        masked = False
        if self.state.ready():
            if self.state.takeable(*self.masks()) is not None:
                at = now
            else:  # masked: PRIMASK and BASEPRI change without a bus access; the counter watches
                masked = True
        self.counter.watch_unmask(masked)
        for event in (self.scs.systick_next_event(), self.state.next_source_event()):
            if event is not None:
                at = event if at is None else min(at, event)
        self.counter.set_event(at)

    def changed(self) -> None:
        """Something may have become takeable: stop at the next block and look."""
        self.counter.set_event(self.counter.cycles)

    # ----- entry and return --------------------------------------------------------------------
    def _enter(self, number: int, handler: int, return_address: int) -> None:
        try:
            self.state.enter(self.core, number, return_address, handler)
        except unicorn.UcError as exc:
            name = ex.NAMES.get(number, f"IRQ {number - ex.IRQ0}")
            raise DeliveryError(f"{faults.STACKING}: {name}: {exc}") from None
        self.counter.add(0, ex.ENTRY_CYCLES)
        self.counter.forget_last()
        self.taken += 1

    def take_pending(self, return_address: int) -> bool:
        """Take the pending exception that pre-empts now, if any (at a block boundary)."""
        self.scs.systick_due()
        self.state.sources_due()
        number = self.state.takeable(*self.masks())
        if number is None:
            return False
        self._enter(number, self.handler(number), return_address)
        return True

    def synchronous(self, number: int, return_address: int, fault: FaultVector | None = None) -> bool:
        """An SVC or a fault: enter its handler (or HardFault's, by escalation). False when the
        firmware has no handler for it: the run ends with the fault as before."""
        target = self.state.fault_target(number, *self.masks())
        if target is None:
            raise DeliveryError(faults.LOCKUP)
        handler = self.handler(target)
        if not self.handled(handler):
            return False
        if fault is not None:
            self.state.cfsr |= fault.cfsr
            if fault.address is not None and fault.number == ex.BUSFAULT:
                self.state.bfar = fault.address
            elif fault.address is not None and fault.number == ex.MEMMANAGE:
                self.state.mmfar = fault.address
        self._enter(target, handler, return_address)
        return True

    def exception_return(self, exc_return: int) -> None:
        """A branch to EXC_RETURN: tail-chain to a pending exception or pop the frame."""
        try:
            self.state.finish(exc_return)
        except ex.ExceptionReturnError as exc:
            raise DeliveryError(str(exc)) from None
        self.scs.systick_due()
        self.state.sources_due()
        number = self.state.takeable(*self.masks())
        if number is not None:
            self.state.chain(self.core, number, self.handler(number), exc_return)
            self.counter.add(0, ex.TAIL_CHAIN_CYCLES)
            self.taken += 1
        else:
            try:
                self.state.leave(self.core, exc_return)
            except unicorn.UcError as exc:
                raise DeliveryError(f"exception return: {exc}") from None
            self.counter.add(0, ex.RETURN_CYCLES)
        self.counter.forget_last()

    # ----- idling --------------------------------------------------------------------------------
    def waiting(self, pc: int) -> bool:
        """Did the core stop because it executed WFI or WFE just before `pc`?"""
        try:
            return self.core.read(pc - 2, 2) in WAITS or self.core.read(pc - 4, 4) in WAITS_WIDE
        except unicorn.UcError:
            return False

    def idle(self, pc: int, loop_cycles: int | None) -> bool:
        """The core idles at `pc`: in a `b .` costing `loop_cycles` per turn, or after WFI/WFE
        (None). Skip time to the next exception and take it; False when none will ever come."""
        self.scs.systick_due()
        self.state.sources_due()
        masks = self.masks()
        now = self.counter.cycles
        current = self.state.execution_priority(*masks)
        wake: int | None = None
        if (self.state.takeable(*masks) if loop_cycles is not None else self.state.ready()):
            wake = now
        else:
            tick = self.scs.systick_next_event()
            pre_empts = self.state.group(self.state.priority_of(ex.SYSTICK)) < current
            if tick is not None and (pre_empts or loop_cycles is None):
                wake = max(now, tick)
            source = self.state.next_source_event()  # a peripheral's request: wake there and look
            if source is not None and (wake is None or source < wake):
                wake = max(now, source)
        if wake is None:
            return False
        if loop_cycles is not None:
            turns = max(1, -(-(wake - now) // max(1, loop_cycles)))
            self.counter.add(turns, turns * loop_cycles, repeats=turns)
        else:
            self.counter.add(0, wake - now)
        self.take_pending(pc)
        return True
