"""The `unicorn` engine: Unicorn's Cortex-M core (QEMU's, from PyPI) driving simtiny's board.

What is Unicorn's alone lives here: mapping the platform's regions with their rights, routing
the peripheral windows and `bkpt 0xAB` to the board services (simtiny.sim.board), translating
QEMU's exception numbers and Unicorn's memory errors into simtiny's fault words, executing the
double-precision FPU instructions Unicorn's M7 lacks (vfp_double.py), the C block counter
(native.py) that counts instructions and hosts the timing model, and exception delivery between
blocks (interrupts.py).

Engine options (`RunRequest.options`): `count_check=True` also counts every instruction with a
per-instruction hook (slow) and reports it as `extras["exact_instructions"]`; with the memory
model, `observe_stores=True` also hooks every data write (not priced) and reports the data
accesses the hooks saw as `extras["data_reads"]` and `extras["data_writes"]`. Every run with the
memory model reports the unaligned LDR/LDRH/LDRSH it priced as `extras["unaligned_reads"]`.
"""

from __future__ import annotations

import dataclasses
import struct
import time
from dataclasses import dataclass, field

import unicorn
from unicorn import arm_const as arm
from unicorn import unicorn_const as ucc

from simtiny.elf.image import load_elf
from simtiny.errors import InputError, SimtinyError
from simtiny.sim import exceptions as ex
from simtiny.sim import faults, thumb
from simtiny.sim.board import SEMIHOSTING_BKPT, Board, Ending
from simtiny.sim.profile import flat_profile
from simtiny.sim.result import Fault, RunRequest, RunResult, Timing
from simtiny.sim.target import Memory
from simtiny.sim.timing import BlockCost, CycleModel, get_cycle_model
from simtiny.sim.timing.m7model import falls_through, straight_run
from simtiny.sim.unicorn import vfp_double
from simtiny.sim.unicorn.interrupts import Delivery, DeliveryError, FaultVector
from simtiny.sim.unicorn.native import (
    STOP_BUDGET,
    STOP_EVENT,
    STOP_IDLE,
    STOP_MEMORY,
    STOP_PRICING,
    BlockCounter,
    MemoryRegionTiming,
    it_flags,
    timing_flags,
)
from simtiny.sim.unicorn.patched import unaligned_trap_function

# Unicorn's CPU models for the CPUs simtiny describes (cpus/<name>.toml).
CPU_MODELS = {"cortex-m7": arm.UC_CPU_ARM_CORTEX_M7}

# QEMU exception numbers as Unicorn passes them to interrupt hooks (target/arm/cpu.h).
EXCP_UDEF, EXCP_SWI, EXCP_PREFETCH_ABORT, EXCP_DATA_ABORT = 1, 2, 3, 4
EXCP_BKPT, EXCP_EXCEPTION_EXIT = 7, 8
EXCP_NOCP, EXCP_INVSTATE, EXCP_STKOF, EXCP_LAZYFP, EXCP_LSERR, EXCP_UNALIGNED = 17, 18, 19, 20, 21, 22
EXCP_HLT, EXCP_YIELD = 0x10001, 0x10004

EXCEPTIONS = {
    EXCP_UDEF: faults.UNDEFINED_INSTRUCTION,
    EXCP_SWI: faults.SUPERVISOR_CALL,
    EXCP_PREFETCH_ABORT: faults.FETCH_BUS_FAULT,
    EXCP_DATA_ABORT: faults.DATA_BUS_FAULT,
    EXCP_EXCEPTION_EXIT: faults.EXCEPTION_RETURN,
    EXCP_NOCP: faults.COPROCESSOR_DISABLED,
    EXCP_INVSTATE: faults.INVALID_STATE,
    EXCP_STKOF: faults.STACK_OVERFLOW,
    EXCP_LAZYFP: faults.LAZY_FP,
    EXCP_LSERR: faults.LAZY_STATE,
    EXCP_UNALIGNED: faults.UNALIGNED,
    EXCP_HLT: faults.WAIT_FOR_INTERRUPT,
    EXCP_YIELD: faults.WAIT_FOR_EVENT,
}

# The firmware's handler for a core exception, with its fault status bits (ARMv7-M B3.2.15).
VECTORS = {
    EXCP_UDEF: FaultVector(ex.USAGEFAULT, ex.UNDEFINSTR),
    EXCP_NOCP: FaultVector(ex.USAGEFAULT, ex.NOCP),
    EXCP_INVSTATE: FaultVector(ex.USAGEFAULT, ex.INVSTATE),
    EXCP_UNALIGNED: FaultVector(ex.USAGEFAULT, ex.UNALIGNED),
}

MEMORY_ERRORS = {
    ucc.UC_MEM_READ_UNMAPPED: ("read", "unmapped"),
    ucc.UC_MEM_WRITE_UNMAPPED: ("write", "unmapped"),
    ucc.UC_MEM_FETCH_UNMAPPED: ("fetch", "unmapped"),
    ucc.UC_MEM_WRITE_PROT: ("write", "protected"),
    ucc.UC_MEM_READ_PROT: ("read", "protected"),
    ucc.UC_MEM_FETCH_PROT: ("fetch", "protected"),
}

CCR_UNALIGN_TRP, CCR_DIV_0_TRP = 1 << 3, 1 << 4
CORE_REGISTERS = [getattr(arm, f"UC_ARM_REG_R{i}") for i in range(16)]
UNTIL = 0xFFFFFFFF  # never a Thumb PC: run until something stops the engine
PAGE = 4096  # Unicorn maps memory in whole pages
JOIN_BYTES = 1024  # how far past a block Unicorn cut in straight-line code _joined looks for the rest
STOCK_UNICORN = (
    "stock Unicorn: unaligned LDRD/STRD/LDM/STM/VLDR/VSTR and CCR.UNALIGN_TRP do not fault as on the chip,"
    " and VCVT fixed-to-float rounds by FPSCR; python -m simtiny.sim.unicorn.build_patched builds"
    " simtiny's patched Unicorn"
)


def _perms(access: str) -> int:
    perms = 0
    if "r" in access:
        perms |= ucc.UC_PROT_READ
    if "w" in access:
        perms |= ucc.UC_PROT_WRITE
    if "x" in access:
        perms |= ucc.UC_PROT_EXEC
    return perms


@dataclass
class _Outcome:
    """What ended the run, filled in by the hooks."""

    fault: Fault | None = None
    vector: FaultVector | None = None  # the exception the fault raises, when the firmware may handle it
    mem_access: tuple[int, int, int] | None = None  # (unicorn access type, address, size)
    reset: bool = False  # AIRCR.SYSRESETREQ written
    retired: bool = False  # the partial block of the current fault is already taken back
    warnings: list[str] = field(default_factory=list)


class UnicornEngine:
    """Run ELFs on Unicorn's Cortex-M7 inside simtiny's board model."""

    name = "unicorn"

    def run(self, request: RunRequest) -> RunResult:
        machine = _Machine(request)
        try:
            return machine.run()
        finally:
            machine.close()


class _Machine:
    """One Unicorn instance for one run."""

    def __init__(self, request: RunRequest) -> None:
        self.request = request
        self.platform = request.platform
        cpu = self.platform.cpu
        if cpu.name not in CPU_MODELS:
            raise InputError(f"the unicorn engine has no model of CPU '{cpu.name}' (it has: {', '.join(CPU_MODELS)})")
        image = request.image if request.image is not None else load_elf(request.elf)
        self.cycle_model: CycleModel = get_cycle_model(request.timing or cpu.timing_model)
        self.uc = unicorn.Uc(ucc.UC_ARCH_ARM, ucc.UC_MODE_THUMB | ucc.UC_MODE_MCLASS)
        self.uc.ctl_set_cpu_model(CPU_MODELS[cpu.name])
        self.outcome = _Outcome()
        self.counter = BlockCounter(
            self.uc, self._price, self.cycle_model.mispredict_penalty, self.cycle_model.early_flags_penalty
        )
        self.board = Board(request, image, lambda: self.counter.cycles)
        self.memory = Memory(read=lambda a, n: bytes(self.uc.mem_read(a, n)), write=self.uc.mem_write)
        self.trace: list[int] = []
        self._map_memory()
        self.code: list[tuple[int, bytes]] = []  # executable loaded bytes (divides are looked up there)
        for address, data in self.board.load_image():
            self.uc.mem_write(address, data)
            region = self.platform.region_at(address)
            if region is not None and "x" in region.access:
                self.code.append((address, data))
        self.divide_trap = False  # CCR.DIV_0_TRP seen: hooks on every divide are wanted
        # alignment faults come from simtiny's patched Unicorn; stock Unicorn runs on without them
        self.alignment = unaligned_trap_function()
        self.unaligned_trap = False  # CCR.UNALIGN_TRP as the firmware last wrote it
        self.unaligned_applied = False  # as the translated code checks it
        if self.alignment is None:
            self.outcome.warnings.append(STOCK_UNICORN)
        self.divide_hooks: list[int] = []
        self._install_hooks()
        if request.memory_model:
            self._enable_memory_model()
        self.delivery: Delivery | None = None
        if self.board.scs is not None:
            default = image.addresses.get("Default_Handler")
            self.delivery = Delivery(self.uc, self.counter, self.board.scs, default)
            self.board.scs.exceptions.on_change = self.delivery.changed
            self.board.scs.on_reset = self._on_reset
            self.board.scs.on_traps = self._on_traps

    # ----- set-up -------------------------------------------------------------------------
    def _map_memory(self) -> None:
        bus = self.board.bus
        for region in [*self.platform.regions, *self.platform.windows]:
            if region.base % PAGE or region.size % PAGE:
                raise InputError(
                    f"{self.platform.name}: {region.name} (0x{region.base:08X}, {region.size:#x} bytes) is not "
                    f"aligned to the unicorn engine's {PAGE // 1024} KB pages"
                )
        for region in self.platform.regions:
            self.uc.mem_map(region.base, region.size, _perms(region.access))
        for window in self.platform.windows:
            self.uc.mmio_map(
                window.base,
                window.size,
                lambda uc, off, size, ud, base=window.base: bus.read(base + off, size),
                None,
                lambda uc, off, size, value, ud, base=window.base: bus.write(base + off, size, value),
                None,
            )

    def _install_hooks(self) -> None:
        self.uc.hook_add(ucc.UC_HOOK_INTR, self._on_exception)
        self.uc.hook_add(ucc.UC_HOOK_INSN_INVALID, self._on_invalid)
        self.uc.hook_add(ucc.UC_HOOK_MEM_INVALID, self._on_bad_access)
        if self.request.options.get("count_check"):
            self.uc.hook_add(ucc.UC_HOOK_CODE, self._on_step)

    def _enable_memory_model(self) -> None:
        """Caches and wait states from platform.toml; the firmware turns the caches on (CCR)."""
        regions = []
        for r in self.platform.regions:
            timing = self.platform.memory_timing.get(r.kind)
            if timing is not None:
                regions.append(MemoryRegionTiming(r.base, r.end, True, timing.line_fill, timing.uncached))
        c = self.platform.caches
        isets = c.icache_bytes // (c.line_bytes * c.icache_ways)
        dsets = c.dcache_bytes // (c.line_bytes * c.dcache_ways)
        options = self.request.options
        self.counter.enable_memory_model(
            regions,
            (isets, c.icache_ways),
            (dsets, c.dcache_ways),
            observe_stores=bool(options.get("observe_stores")),
            accelerate=not options.get("stock_hooks"),
            unaligned_penalty=self.cycle_model.unaligned_load_penalty,
        )
        if self.board.scs is not None:
            self.board.scs.on_ccr = self.counter.set_caches_enabled
        if self.board.dwt is not None:
            self.board.dwt.memory_clock = lambda: self.counter.memory_cycles

    # ----- hooks ----------------------------------------------------------------------------
    def _price(self, address: int, size: int) -> tuple[int, int, int, int, int, int]:
        code = bytes(self.uc.mem_read(address, size))
        c = self.cycle_model.cost(code, address)
        if c.branch == 0 and falls_through(code, address):
            c = self._joined(code, address, c)
        flags = it_flags(code) | timing_flags(
            c.lone_branch, c.lone_branch_shifted, c.narrow_before, c.narrow, c.early_flags
        )
        return c.instructions, c.cycles, c.price(shifted=True), c.branch, c.target, flags

    def _joined(self, code: bytes, address: int, alone: BlockCost) -> BlockCost:
        """A block that Unicorn ended in straight-line code (before an instruction that crosses a
        page boundary, which gets a block of its own; the core knows no pages and runs on),
        priced with the run that follows it to the next branch, less that run's own price: the
        blocks of one straight run cost together what the run would, the pairs and latencies
        across the cuts the core's."""
        end = address + len(code)
        try:
            ahead = bytes(self.uc.mem_read(end, JOIN_BYTES))
        except unicorn.UcError:  # the code ends at the end of a mapped region
            return alone
        follow = ahead[: straight_run(ahead, end)]
        if not follow:
            return alone
        joint, rest = self.cycle_model.cost(code + follow, address), self.cycle_model.cost(follow, end)
        return dataclasses.replace(
            alone, cycles=max(joint.cycles - rest.cycles, 0),
            cycles_shifted=max(joint.price(shifted=True) - rest.cycles, 0),
        )

    def _on_step(self, uc, address, size, ud) -> None:
        self.trace.append(address)

    def _exact_count(self) -> int:
        """Instructions retired according to the per-instruction trace.

        QEMU does not call the per-instruction hook for an IT-block instruction whose condition
        fails, but the core retires it (as a NOP), so those are added back: after each IT in
        the trace, the instructions of its block that the trace skips.
        """
        total = len(self.trace)
        for i, address in enumerate(self.trace):
            hw = struct.unpack("<H", self.uc.mem_read(address, 2))[0]
            if hw & 0xFF00 != 0xBF00 or hw & 0xF == 0:
                continue
            mask = hw & 0xF
            length = 4 - ((mask & -mask).bit_length() - 1)
            code = bytes(self.uc.mem_read(address + 2, 16))
            block = thumb.boundaries(code, address + 2)[:length]
            seen = set(self.trace[i + 1 : i + 1 + length])
            total += sum(1 for a in block if a not in seen)
        return total

    def _stop_with(self, fault: Fault, vector: FaultVector | None = None) -> None:
        if self.outcome.fault is None:
            self.outcome.fault = fault
            self.outcome.vector = vector
        self.uc.emu_stop()

    def _on_traps(self, ccr: int) -> None:
        if ccr & CCR_DIV_0_TRP and not self.divide_trap and self.delivery is not None:
            self.divide_trap = True
            self.delivery.changed()  # the hooks go in between two runs of the core
        if bool(ccr & CCR_UNALIGN_TRP) != self.unaligned_trap and self.delivery is not None:
            self.unaligned_trap = not self.unaligned_trap
            self.delivery.changed()  # the code is translated again between two runs of the core

    def _apply_unaligned_trap(self) -> None:
        """Have the core check every halfword and word access for alignment, or stop checking
        (CCR.UNALIGN_TRP); LDRD, LDM, VLDR and the like are always checked."""
        self.unaligned_applied = self.unaligned_trap
        if self.alignment is not None:
            self.alignment(self.uc._uch, int(self.unaligned_trap))

    def _hook_divides(self) -> None:
        """A code hook on every SDIV/UDIV of the image: with CCR.DIV_0_TRP a zero divisor faults
        (QEMU's own trap reads a CCR Unicorn cannot set). Costs nothing until the firmware asks."""
        for base, data in self.code:
            for offset in range(0, len(data) - 3, 2):
                hw1, hw2 = struct.unpack_from("<HH", data, offset)
                if _is_divide(hw1, hw2):
                    a = base + offset
                    self.divide_hooks.append(self.uc.hook_add(ucc.UC_HOOK_CODE, self._on_divide, begin=a, end=a))
        for base, data in self.code:
            self.uc.ctl_remove_cache(base, base + len(data))

    def _on_divide(self, uc, address, size, ud) -> None:
        hw1, hw2 = struct.unpack("<HH", uc.mem_read(address, 4))
        if size != 4 or not _is_divide(hw1, hw2):
            return
        if uc.reg_read(CORE_REGISTERS[hw2 & 0xF]) != 0:
            return
        fault = self.board.fault(faults.hard_fault(faults.DIVIDE_BY_ZERO), address)
        self._stop_with(fault, FaultVector(ex.USAGEFAULT, ex.DIVBYZERO))

    def _on_reset(self) -> None:
        self.outcome.reset = True
        self.uc.emu_stop()

    def _on_exception(self, uc, intno, ud) -> None:
        pc = uc.reg_read(arm.UC_ARM_REG_PC) & ~1
        if intno == EXCP_BKPT:
            insn = struct.unpack("<H", uc.mem_read(pc, 2))[0]
            if insn == SEMIHOSTING_BKPT:
                self._semihosting(uc, pc)
                return
            self._stop_with(self.board.fault(faults.breakpoint_fault(insn & 0xFF), pc))
            return
        delivery = self.delivery
        try:
            if delivery is not None and intno == EXCP_SWI and delivery.synchronous(ex.SVCALL, pc):
                return
            if delivery is not None and intno == EXCP_EXCEPTION_EXIT and self.board.scs.exceptions.active:
                delivery.exception_return(pc | 1)
                return
        except DeliveryError as exc:
            self._stop_with(self.board.fault(faults.hard_fault(str(exc)), pc))
            return
        if intno == EXCP_DATA_ABORT and self.outcome.mem_access is None and self.alignment is not None:
            # the patched core's only data abort that is not a refused access: an alignment fault
            raw = bytes(uc.mem_read(pc, 4))
            text = _disassemble(raw if thumb.is_wide(raw[0] | raw[1] << 8) else raw[:2], pc)
            fault = self.board.fault(faults.hard_fault(faults.UNALIGNED), pc, detail=text)
            self._stop_with(fault, VECTORS[EXCP_UNALIGNED])
            return
        kind = EXCEPTIONS.get(intno, f"exception {intno}")
        lr = uc.reg_read(arm.UC_ARM_REG_LR)
        fault = self.board.fault(faults.hard_fault(kind), pc, detail=self.board.where("LR", lr))
        self._stop_with(fault, VECTORS.get(intno))

    def _semihosting(self, uc: unicorn.Uc, pc: int) -> None:
        op = uc.reg_read(arm.UC_ARM_REG_R0)
        arg = uc.reg_read(arm.UC_ARM_REG_R1)
        try:
            result = self.board.semihosting(op, arg, self.memory, pc)
        except unicorn.UcError as exc:
            self._stop_with(self.board.fault("bad semihosting argument", pc, arg, f"op 0x{op:02X}: {exc}"))
            return
        if isinstance(result, Fault):  # an argument outside the board's memory
            self._stop_with(result)
            return
        if self.board.exited:
            uc.emu_stop()
            return
        uc.reg_write(arm.UC_ARM_REG_R0, result & 0xFFFFFFFF)
        uc.reg_write(arm.UC_ARM_REG_PC, (pc + 2) | 1)

    def _on_invalid(self, uc, ud) -> bool:
        if self.platform.cpu.double_precision and vfp_double.handle_invalid_instruction(uc):
            return True  # a double-precision FPU instruction, executed by simtiny
        pc = uc.reg_read(arm.UC_ARM_REG_PC) & ~1
        raw = bytes(uc.mem_read(pc, 4))
        hw1 = raw[0] | raw[1] << 8
        text = _disassemble(raw if thumb.is_wide(hw1) else raw[:2], pc)
        fault = self.board.fault(faults.hard_fault(faults.UNDEFINED_INSTRUCTION), pc, detail=text)
        self._stop_with(fault, VECTORS[EXCP_UDEF])
        return False

    def _on_bad_access(self, uc, access, address, size, value, ud) -> bool:
        self.outcome.mem_access = (access, address, size)
        return False

    # ----- running ---------------------------------------------------------------------------
    def run(self) -> RunResult:
        reset = self.board.reset(self.memory)
        self.uc.reg_write(arm.UC_ARM_REG_SP, reset.sp)
        self.counter.set_budget(self.request.max_instructions)
        start = time.perf_counter()
        error = self._execute(reset.pc)
        seconds = time.perf_counter() - start
        if self.counter.pricing_error is not None:
            raise SimtinyError(f"cycle model failed: {self.counter.pricing_error}")
        ending = self._ending(error)
        result = self.board.finish(
            UnicornEngine.name,
            self.memory,
            reset,
            ending,
            self.counter.instructions,
            self.counter.cycles,
            seconds,
            self._timing(),
        )
        if self.request.profile:
            result.blocks = [b for b in self.counter.blocks() if b.count]
            result.profile = flat_profile(result.blocks, self.board.image)
        if self.request.options.get("count_check"):
            result.extras["exact_instructions"] = self._exact_count()
        if self.request.memory_model:  # which Unicorn ran the memory hooks (simtiny.sim.unicorn.patched)
            result.extras["memory_hooks"] = "patched" if self.counter.accelerated else "stock"
            result.extras["unaligned_reads"] = self.counter.unaligned_reads
        if self.request.memory_model and self.request.options.get("observe_stores"):
            result.extras["data_reads"], result.extras["data_writes"] = self.counter.data_accesses
        return result

    def _execute(self, pc: int) -> unicorn.UcError | None:
        """Run from `pc`, taking exceptions between runs of the core until the run ends."""
        while True:
            error: unicorn.UcError | None = None
            self.counter.clear_stop()
            if self.divide_trap and not self.divide_hooks:
                self._hook_divides()
            if self.unaligned_trap != self.unaligned_applied:
                self._apply_unaligned_trap()
            if self.delivery is not None:
                self.delivery.schedule()
            try:
                self.uc.emu_start(pc | 1, UNTIL)
            except unicorn.UcError as exc:
                error = exc
            if self.delivery is None or self.board.exited or self.outcome.reset:
                return error
            pc = self.uc.reg_read(arm.UC_ARM_REG_PC) & ~1
            try:
                if not self._deliver(pc, error):
                    return error
            except DeliveryError as exc:
                where = self.outcome.fault.pc if self.outcome.fault is not None else pc
                self.outcome.fault = self.board.fault(faults.hard_fault(str(exc)), where)
                return error
            pc = self.uc.reg_read(arm.UC_ARM_REG_PC) & ~1

    def _deliver(self, pc: int, error: unicorn.UcError | None) -> bool:
        """Act on why the core stopped; True to run on (an exception was taken or time skipped)."""
        delivery = self.delivery
        assert delivery is not None
        reason = self.counter.stop_reason
        if error is not None or self.outcome.fault is not None:
            return self._vector_fault(error, pc)
        if reason == STOP_EVENT:
            delivery.take_pending(pc)
            return True
        if reason == STOP_IDLE:
            last = self.counter.last_block()
            cycles = last.cycles if last is not None else 1
            state = delivery.scs.exceptions
            if not state.ready() and delivery.scs.systick_next_event() is None and state.next_source_event() is None:
                self.outcome.fault = self.board.fault(faults.HANG, pc, detail="no interrupt source is enabled")
                return False
            self._retire_partial(pc, inclusive=False)
            if delivery.idle(pc, cycles):
                return True
            self.counter.add(1, cycles, repeats=1)  # the loop block stays counted, as at a fault
            self.outcome.fault = self.board.fault(faults.HANG, pc, detail="interrupts are masked")
            return False
        if reason == 0 and delivery.waiting(pc):
            if delivery.idle(pc, None):
                return True
            self.outcome.fault = self.board.fault(faults.WAIT_FOR_INTERRUPT, pc)
            return False
        return False

    def _vector_fault(self, error: unicorn.UcError | None, pc: int) -> bool:
        """Enter the firmware's fault handler for the fault that stopped the core, if it has one."""
        delivery = self.delivery
        assert delivery is not None
        fault, vector = self.outcome.fault, self.outcome.vector
        if fault is None:
            fault = self._fault_from_error(error, pc)
            vector = self._memory_vector()
        if vector is None:
            self.outcome.fault = fault
            return False
        # the rest of the block after the faulting instruction did not run: take it back before
        # the exception entry makes the handler's block the last one. The faulting instruction
        # counts, as started (so QEMU's count and the per-instruction trace have it)
        self._retire_partial(fault.pc, inclusive=True)
        self.outcome.retired = True
        if not delivery.synchronous(vector.number, fault.pc, vector):
            self.outcome.fault = fault
            return False
        self.outcome.retired = False
        self.counter.forget_last()
        self.outcome.fault, self.outcome.vector, self.outcome.mem_access = None, None, None
        return True

    def _memory_vector(self) -> FaultVector | None:
        """The fault a refused memory access raises: MemManage for a fetch from non-executable
        memory, BusFault otherwise (BFAR holds a data address)."""
        access = self.outcome.mem_access
        if access is None:
            return None
        kind, address, _ = access
        if kind == ucc.UC_MEM_FETCH_PROT:
            return FaultVector(ex.MEMMANAGE, ex.IACCVIOL)
        if kind == ucc.UC_MEM_FETCH_UNMAPPED:
            return FaultVector(ex.BUSFAULT, ex.IBUSERR)
        return FaultVector(ex.BUSFAULT, ex.PRECISERR | ex.BFARVALID, address)

    def _ending(self, error: unicorn.UcError | None) -> Ending:
        """How the core stopped; the counter takes back what the last block did not run."""
        pc = self.uc.reg_read(arm.UC_ARM_REG_PC) & ~1
        ending = Ending(pc, self.outcome.fault, warnings=list(self.outcome.warnings))
        if self.board.exited:
            self._retire_partial(pc, inclusive=True)
        elif self.counter.stop_reason == STOP_BUDGET:
            ending.budget_exhausted = True
            self._retire_partial(pc, inclusive=False)
        elif self.counter.stop_reason in (STOP_PRICING, STOP_MEMORY):
            raise SimtinyError("the simulator ran out of memory for its block table")
        elif ending.fault is not None or error is not None:
            if ending.fault is None:
                ending.fault = self._fault_from_error(error, pc)
            if not self.outcome.retired:
                self._retire_partial(ending.fault.pc, inclusive=False)
        return ending

    def _timing(self) -> Timing:
        icache, dcache = self.counter.cache_stats()
        on = self.request.memory_model
        return Timing(
            model=self.cycle_model.name,
            memory_model=on,
            memory_cycles=self.counter.memory_cycles,
            mispredicts=self.counter.mispredicts,
            icache=(icache.hits, icache.misses) if on else None,
            dcache=(dcache.hits, dcache.misses) if on else None,
        )

    def _fault_from_error(self, error: unicorn.UcError | None, pc: int) -> Fault:
        access = self.outcome.mem_access
        if access is not None:
            kind, address, size = access
            what, why = MEMORY_ERRORS.get(kind, (f"access {kind}", "refused"))
            lr = self.uc.reg_read(arm.UC_ARM_REG_LR) & ~1 if what == "fetch" else None
            return self.board.memory_fault(what, why, pc, address, size, lr)
        return self.board.fault(f"emulation error: {error}", pc)

    def _retire_partial(self, pc: int, inclusive: bool) -> None:
        """Take back the part of the last block that did not run (the run stopped inside it).

        The counter adds a whole block when the block starts; a run that ends at the budget, or
        at a fault with no exception to raise, stops before the instruction at `pc`; one that
        exits stops after it. A fault raised through the exception model (`_vector_fault`)
        counts the faulting instruction as started, as QEMU and the per-instruction trace do.
        """
        last = self.counter.last_block()
        if last is None or not last.address <= pc < last.address + last.size:
            return
        code = bytes(self.uc.mem_read(last.address, last.size))
        starts = thumb.boundaries(code, last.address)
        ran = sum(1 for a in starts if a < pc or (inclusive and a == pc))
        if ran == len(starts):
            return
        charged, shifted = self.counter.last_entry
        if ran == 0:
            self.counter.take_back(last.instructions, charged, whole_block=True)
            return
        end = starts[ran] - last.address
        cost = self.cycle_model.cost(code[:end], last.address)
        self.counter.take_back(
            last.instructions - cost.instructions, max(charged - cost.price(shifted), 0), whole_block=False
        )

    def close(self) -> None:
        self.counter.close()
        self.board.close()  # the run's semihosting files and folder, also when the run raised


def _is_divide(hw1: int, hw2: int) -> bool:
    """SDIV or UDIV (Thumb-2 T1 encodings)."""
    return hw1 & 0xFFF0 in (0xFB90, 0xFBB0) and hw2 & 0xF0F0 == 0xF0F0


def _disassemble(code: bytes, address: int) -> str:
    import capstone

    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    halfwords = " ".join(f"{code[i] | code[i + 1] << 8:04x}" for i in range(0, len(code) - 1, 2))
    for insn in md.disasm(code, address):
        return f"{halfwords} ({insn.mnemonic} {insn.op_str})".replace(" )", ")")
    return f"{halfwords} (not a valid Thumb-2 instruction)"
