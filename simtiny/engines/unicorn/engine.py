"""The default engine: Unicorn's Cortex-M7 core with simtiny's STM32H743 around it.

simtiny supplies what Unicorn lacks: the board's memory map with access rights, the
peripheral and system-space registers (USART3 console, RCC/PWR ready bits, SCB, DWT CYCCNT,
SysTick), Arm semihosting, the double-precision FPU instructions Unicorn's M7 rejects, a C
block counter for exact instruction counts and cycles, stack painting, and fault reports.
"""

from __future__ import annotations

import struct
import time
from collections import defaultdict
from dataclasses import dataclass, field

import unicorn
from unicorn import arm_const as arm
from unicorn import unicorn_const as ucc

from simtiny import thumb
from simtiny.contract import STACK_LIMIT_SYMBOLS, STACK_PAINT_BYTE
from simtiny.cyclemodel import CycleModel, default_cycle_model
from simtiny.elfinfo import ElfImage, check_flash_image, load_elf
from simtiny.engines.peripherals import PeripheralBus
from simtiny.engines.result import Fault, FunctionCycles, RunRequest, RunResult, StackUse
from simtiny.engines.semihosting import Memory, Semihost
from simtiny.engines.unicorn import vfp_double
from simtiny.engines.unicorn.native import (
    STOP_BUDGET,
    STOP_MEMORY,
    STOP_PRICING,
    BlockCounter,
    MemoryRegionTiming,
)
from simtiny.errors import InputError, SimtinyError
from simtiny.platform import Platform

# QEMU exception numbers as Unicorn passes them to interrupt hooks (target/arm/cpu.h).
EXCP_UDEF, EXCP_SWI, EXCP_PREFETCH_ABORT, EXCP_DATA_ABORT = 1, 2, 3, 4
EXCP_BKPT, EXCP_EXCEPTION_EXIT = 7, 8
EXCP_NOCP, EXCP_INVSTATE, EXCP_STKOF, EXCP_LAZYFP, EXCP_LSERR, EXCP_UNALIGNED = (
    17,
    18,
    19,
    20,
    21,
    22,
)
EXCP_HLT, EXCP_YIELD = 0x10001, 0x10004

EXCEPTION_NAMES = {
    EXCP_UDEF: "undefined instruction (UsageFault UNDEFINSTR)",
    EXCP_SWI: "supervisor call (SVC): exception handlers are not modelled",
    EXCP_PREFETCH_ABORT: "bus fault on instruction fetch",
    EXCP_DATA_ABORT: "bus fault on data access",
    EXCP_EXCEPTION_EXIT: "exception return: exception handlers are not modelled",
    EXCP_NOCP: "coprocessor access while disabled (UsageFault NOCP): enable the FPU in CPACR",
    EXCP_INVSTATE: "invalid state (UsageFault INVSTATE): branch to an address without the Thumb bit",
    EXCP_STKOF: "stack overflow (UsageFault STKOF)",
    EXCP_LAZYFP: "lazy floating-point state preservation fault",
    EXCP_LSERR: "lazy state error",
    EXCP_UNALIGNED: "unaligned access (UsageFault UNALIGNED)",
    EXCP_HLT: "core halted (WFI) with no interrupt modelled",
    EXCP_YIELD: "core halted (WFE) with no event modelled",
}

MEM_FAULTS = {
    ucc.UC_MEM_READ_UNMAPPED: "unmapped read",
    ucc.UC_MEM_WRITE_UNMAPPED: "unmapped write",
    ucc.UC_MEM_FETCH_UNMAPPED: "instruction fetch from unmapped memory",
    ucc.UC_MEM_WRITE_PROT: "write to read-only memory",
    ucc.UC_MEM_READ_PROT: "read from unreadable memory",
    ucc.UC_MEM_FETCH_PROT: "instruction fetch from non-executable memory",
}

SEMIHOSTING_BKPT = 0xBEAB
UNTIL = 0xFFFFFFFF  # never a Thumb PC: run until something stops the engine


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
    mem_access: tuple[int, int, int] | None = None  # (unicorn access type, address, size)
    stopped_by_hook: bool = False
    warnings: list[str] = field(default_factory=list)


class UnicornEngine:
    """Run ELFs on Unicorn's Cortex-M7 with simtiny's platform model."""

    name = "unicorn"

    def __init__(self, cycle_model: CycleModel | None = None) -> None:
        self.cycle_model = cycle_model or default_cycle_model()

    def run(self, request: RunRequest) -> RunResult:
        image = load_elf(request.elf)
        check_flash_image(image, request.platform)
        machine = _Machine(image, request, self.cycle_model)
        try:
            return machine.run()
        finally:
            machine.close()


class _Machine:
    """One simulated board for one run."""

    def __init__(self, image: ElfImage, request: RunRequest, cycle_model: CycleModel) -> None:
        self.image = image
        self.request = request
        self.platform: Platform = request.platform
        self.cycle_model = cycle_model
        self.uc = unicorn.Uc(ucc.UC_ARCH_ARM, ucc.UC_MODE_THUMB | ucc.UC_MODE_MCLASS)
        self.uc.ctl_set_cpu_model(arm.UC_CPU_ARM_CORTEX_M7)
        self.outcome = _Outcome()
        self.counter = BlockCounter(self.uc, self._price, cycle_model.mispredict_penalty)
        self.bus = PeripheralBus(self.platform, lambda: self.counter.cycles)
        self.uart = bytearray()
        self.semihosting_out = bytearray()
        self.console = bytearray()
        self.semihost = Semihost(
            cycles=lambda: self.counter.cycles,
            clock_hz=self.platform.clock_hz,
            on_output=self._semihosting_output,
        )
        self._map_memory()
        self._load_image()
        self._install_hooks()
        if request.memory_model:
            self._enable_memory_model()
        self.trace: list[int] = []

    # ----- set-up -------------------------------------------------------------------------
    def _map_memory(self) -> None:
        for region in self.platform.regions:
            self.uc.mem_map(region.base, region.size, _perms(region.access))
        for window in self.platform.windows:
            self.uc.mmio_map(
                window.base,
                window.size,
                lambda uc, off, size, ud, base=window.base: self.bus.read(base + off, size),
                None,
                lambda uc, off, size, value, ud, base=window.base: self.bus.write(base + off, size, value),
                None,
            )

    def _load_image(self) -> None:
        for seg in self.image.segments:
            if not seg.data:
                continue
            region = self.platform.region_at(seg.paddr)
            if region is None or not region.contains(seg.paddr, len(seg.data)):
                raise InputError(
                    f"{self.request.elf}: a loadable segment at 0x{seg.paddr:08X} "
                    f"({len(seg.data)} bytes) lies outside the memory of {self.platform.name}"
                )
            self.uc.mem_write(seg.paddr, seg.data)
        for address, data in self.request.writes.items():
            try:
                self.uc.mem_write(address, bytes(data))
            except unicorn.UcError as exc:
                raise InputError(f"cannot write {len(data)} bytes at 0x{address:08X}: {exc}") from exc

    def _install_hooks(self) -> None:
        self.uc.hook_add(ucc.UC_HOOK_INTR, self._on_exception)
        self.uc.hook_add(ucc.UC_HOOK_INSN_INVALID, self._on_invalid)
        self.uc.hook_add(ucc.UC_HOOK_MEM_INVALID, self._on_bad_access)
        if self.request.count_check:
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
        self.counter.enable_memory_model(regions, (isets, c.icache_ways), (dsets, c.dcache_ways))
        if self.bus.scs is not None:
            self.bus.scs.on_ccr = self.counter.set_caches_enabled
        if self.bus.dwt is not None:
            self.bus.dwt.memory_clock = lambda: self.counter.memory_cycles

    def _reset_vector(self) -> tuple[int, int]:
        boot = self.platform.boot_address
        sp, pc = struct.unpack("<II", self.uc.mem_read(boot, 8))
        region = self.platform.region_at(pc & ~1)
        if not pc & 1 or region is None or "x" not in region.access:
            raise InputError(
                f"{self.request.elf}: no vector table at 0x{boot:08X} (reset vector 0x{pc:08X} "
                "is not a Thumb address in executable memory)"
            )
        sp_region = self.platform.region_at(sp - 4)
        if sp_region is None or "w" not in sp_region.access:
            raise InputError(f"{self.request.elf}: initial stack pointer 0x{sp:08X} is not in writable RAM")
        return sp, pc

    def _stack_limit(self, sp: int) -> int:
        region = self.platform.region_at(sp - 4)
        assert region is not None
        for name in STACK_LIMIT_SYMBOLS:
            address = self.image.addresses.get(name)
            if address is not None and region.base <= address < sp:
                return address
        limit = region.base
        for sec in self.image.sections:
            if sec.alloc and sec.size and region.base <= sec.address < sp:
                limit = max(limit, min(sec.address + sec.size, sp))
        return (limit + 7) & ~7

    # ----- hooks ----------------------------------------------------------------------------
    def _price(self, address: int, size: int) -> tuple[int, int, int, int]:
        code = bytes(self.uc.mem_read(address, size))
        c = self.cycle_model.cost(code, address)
        return c.instructions, c.cycles, c.branch, c.target

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

    def _semihosting_output(self, data: bytes) -> None:
        self.semihosting_out += data
        self.console += data

    def _memory(self) -> Memory:
        return Memory(
            read=lambda a, n: bytes(self.uc.mem_read(a, n)),
            write=lambda a, data: self.uc.mem_write(a, data),
        )

    def _stop_with(self, fault: Fault) -> None:
        if self.outcome.fault is None:
            self.outcome.fault = fault
        self.outcome.stopped_by_hook = True
        self.uc.emu_stop()

    def _fault(self, kind: str, pc: int, address: int | None = None, detail: str = "") -> Fault:
        return Fault(kind, pc, self._symbol(pc), address, detail)

    def _on_exception(self, uc, intno, ud) -> None:
        pc = uc.reg_read(arm.UC_ARM_REG_PC) & ~1
        if intno == EXCP_BKPT:
            insn = struct.unpack("<H", uc.mem_read(pc, 2))[0]
            if insn == SEMIHOSTING_BKPT:
                op = uc.reg_read(arm.UC_ARM_REG_R0)
                arg = uc.reg_read(arm.UC_ARM_REG_R1)
                try:
                    result = self.semihost.handle(op, arg, self._memory())
                except unicorn.UcError as exc:
                    self._stop_with(self._fault("bad semihosting argument", pc, arg, f"op 0x{op:02X}: {exc}"))
                    return
                if self.semihost.exited:
                    self.outcome.stopped_by_hook = True
                    uc.emu_stop()
                    return
                uc.reg_write(arm.UC_ARM_REG_R0, result & 0xFFFFFFFF)
                uc.reg_write(arm.UC_ARM_REG_PC, (pc + 2) | 1)
                return
            self._stop_with(self._fault(f"breakpoint (bkpt #{insn & 0xFF})", pc))
            return
        kind = EXCEPTION_NAMES.get(intno, f"exception {intno}")
        lr = uc.reg_read(arm.UC_ARM_REG_LR)
        detail = f"LR 0x{lr:08X}" + (f" in {self._symbol(lr & ~1)}" if self._symbol(lr & ~1) else "")
        self._stop_with(self._fault(f"hard fault: {kind}", pc, detail=detail))

    def _on_invalid(self, uc, ud) -> bool:
        if vfp_double.handle_invalid_instruction(uc):
            return True  # a double-precision FPU instruction, executed by simtiny
        pc = uc.reg_read(arm.UC_ARM_REG_PC) & ~1
        raw = bytes(uc.mem_read(pc, 4))
        hw1 = raw[0] | raw[1] << 8
        text = _disassemble(raw if thumb.is_wide(hw1) else raw[:2], pc)
        self._stop_with(
            self._fault("hard fault: undefined instruction (UsageFault UNDEFINSTR)", pc, detail=text)
        )
        return False

    def _on_bad_access(self, uc, access, address, size, value, ud) -> bool:
        self.outcome.mem_access = (access, address, size)
        return False

    # ----- running ---------------------------------------------------------------------------
    def _writable_regions(self):
        return [r for r in self.platform.regions if "w" in r.access and r.kind not in ("flash", "rom")]

    def _paint_ram(self) -> None:
        """Fill all RAM with the paint byte (then the host's own writes go back on top)."""
        for region in self._writable_regions():
            self.uc.mem_write(region.base, bytes([STACK_PAINT_BYTE]) * region.size)
        for address, data in self.request.writes.items():
            self.uc.mem_write(address, bytes(data))

    def _touched(self) -> dict[str, tuple[int, int]]:
        """Per painted region: the lowest and highest address holding something else now."""
        out = {}
        paint = bytes([STACK_PAINT_BYTE])
        for region in self._writable_regions():
            data = bytes(self.uc.mem_read(region.base, region.size))
            low = len(data) - len(data.lstrip(paint))
            if low == len(data):
                continue
            high = len(data.rstrip(paint)) - 1
            out[region.name] = (region.base + low, region.base + high)
        return out

    def run(self) -> RunResult:
        sp, pc = self._reset_vector()
        if self.request.paint_ram:
            self._paint_ram()
        limit = self._stack_limit(sp)
        if sp > limit:
            self.uc.mem_write(limit, bytes([STACK_PAINT_BYTE]) * (sp - limit))
        self.uc.reg_write(arm.UC_ARM_REG_SP, sp)
        self.counter.set_budget(self.request.max_instructions)
        start = time.perf_counter()
        error: unicorn.UcError | None = None
        try:
            self.uc.emu_start(pc | 1, UNTIL)
        except unicorn.UcError as exc:
            error = exc
        seconds = time.perf_counter() - start
        if self.counter.pricing_error is not None:
            raise SimtinyError(f"cycle model failed: {self.counter.pricing_error}")
        return self._result(sp, limit, error, seconds)

    def _result(self, sp: int, limit: int, error: unicorn.UcError | None, seconds: float) -> RunResult:
        pc = self.uc.reg_read(arm.UC_ARM_REG_PC) & ~1
        fault = self.outcome.fault
        status = "stopped"
        if self.semihost.exited:
            status = "exit"
            self._retire_partial(pc, inclusive=True)
        elif self.counter.stop_reason == STOP_BUDGET:
            status = "budget"
            self._retire_partial(pc, inclusive=False)
        elif self.counter.stop_reason in (STOP_PRICING, STOP_MEMORY):
            raise SimtinyError("the simulator ran out of memory for its block table")
        elif fault is not None or error is not None:
            status = "fault"
            if fault is None:
                fault = self._fault_from_error(error, pc)
            self._retire_partial(fault.pc, inclusive=False)
        elif self.bus.scs is not None and self.bus.scs.reset_requested:
            fault = self._fault("system reset requested (AIRCR.SYSRESETREQ)", pc)
            status = "fault"
        stack = self._stack_use(sp, limit)
        warnings = list(self.outcome.warnings)
        if self.bus.unmodelled:
            warnings.append("registers with no model read as zero: " + self.bus.unmodelled.summary())
        for op, n in sorted(self.semihost.unsupported.items()):
            warnings.append(f"unsupported semihosting operation 0x{op:02X} called {n}x")
        if stack.overflowed:
            warnings.append(
                f"the stack used all {stack.size} bytes painted below 0x{sp:08X}: it may have overflowed"
            )
        icache, dcache = self.counter.cache_stats()
        memory = {}
        for read in self.request.reads:
            try:
                memory[read.name] = bytes(self.uc.mem_read(read.address, read.size))
            except unicorn.UcError as exc:
                raise InputError(f"cannot read '{read.name}' at 0x{read.address:08X}: {exc}") from exc
        uart = (
            bytes(self.bus.consoles[self.platform.console].sent)
            if self.platform.console in self.bus.consoles
            else b""
        )
        console = uart + bytes(self.semihosting_out)
        return RunResult(
            status=status,
            exit_code=self.semihost.exit_status,
            console=_text(console),
            uart_text=_text(uart),
            semihosting_text=_text(bytes(self.semihosting_out)),
            instructions=self.counter.instructions,
            cycles=self.counter.cycles,
            clock_hz=self.platform.clock_hz,
            stack=stack,
            fault=fault,
            stop_pc=pc,
            stop_symbol=self._symbol(pc),
            memory=memory,
            warnings=warnings,
            profile=self._profile() if self.request.profile else [],
            host_seconds=seconds,
            exact_instructions=self._exact_count() if self.request.count_check else None,
            memory_cycles=self.counter.memory_cycles,
            memory_model=self.request.memory_model,
            mispredicts=self.counter.mispredicts,
            cyccnt_reads=list(self.bus.dwt.reads) if self.bus.dwt is not None else [],
            touched=self._touched() if self.request.paint_ram else {},
            icache=(icache.hits, icache.misses) if self.request.memory_model else None,
            dcache=(dcache.hits, dcache.misses) if self.request.memory_model else None,
            blocks=[b for b in self.counter.blocks() if b.count] if self.request.profile else [],
        )

    def _fault_from_error(self, error: unicorn.UcError | None, pc: int) -> Fault:
        access = self.outcome.mem_access
        if access is not None:
            kind, address, size = access
            text = MEM_FAULTS.get(kind, f"memory fault {kind}")
            region = self.platform.region_at(address)
            detail = f"{size}-byte access"
            if region is not None:
                detail += f" to {region.name} ({region.access})"
            if kind in (ucc.UC_MEM_FETCH_UNMAPPED, ucc.UC_MEM_FETCH_PROT):
                lr = self.uc.reg_read(arm.UC_ARM_REG_LR) & ~1
                detail += f"; LR 0x{lr:08X}" + (f" in {self._symbol(lr)}" if self._symbol(lr) else "")
            return self._fault(text, pc, address, detail)
        return self._fault(f"emulation error: {error}", pc)

    def _retire_partial(self, pc: int, inclusive: bool) -> None:
        """Take back the part of the last block that did not run (the run stopped inside it).

        The counter adds a whole block when the block starts; a run that ends at a fault or at
        the budget stops before the instruction at `pc`, one that exits stops after it.
        """
        last = self.counter.last_block()
        if last is None or not last.address <= pc < last.address + last.size:
            return
        code = bytes(self.uc.mem_read(last.address, last.size))
        starts = thumb.boundaries(code, last.address)
        ran = sum(1 for a in starts if a < pc or (inclusive and a == pc))
        if ran == len(starts):
            return
        if ran == 0:
            self.counter.take_back(last.instructions, last.cycles, whole_block=True)
            return
        end = starts[ran] - last.address
        ran = self.cycle_model.cost(code[:end], last.address)
        ran_insns, ran_cycles = ran.instructions, ran.cycles
        self.counter.take_back(last.instructions - ran_insns, last.cycles - ran_cycles, whole_block=False)

    def _stack_use(self, sp: int, limit: int) -> StackUse:
        if sp <= limit:
            return StackUse(sp, limit, 0)
        data = bytes(self.uc.mem_read(limit, sp - limit))
        untouched = len(data) - len(data.lstrip(bytes([STACK_PAINT_BYTE])))
        untouched &= ~3  # the stack is written in words
        return StackUse(sp, limit, sp - limit - untouched)

    def _symbol(self, address: int) -> str | None:
        hit = self.image.symbol_at(address)
        if hit is None:
            return None
        name, offset = hit
        return f"{name}+0x{offset:x}" if offset else name

    def _profile(self) -> list[FunctionCycles]:
        insns: dict[str, int] = defaultdict(int)
        cycles: dict[str, int] = defaultdict(int)
        for block in self.counter.blocks():
            if not block.count:
                continue
            hit = self.image.symbol_at(block.address)
            name = hit[0] if hit else f"0x{block.address:08X}"
            insns[name] += block.count * block.instructions
            cycles[name] += block.total_cycles
        rows = [FunctionCycles(n, insns[n], cycles[n]) for n in insns]
        return sorted(rows, key=lambda r: (-r.cycles, r.name))

    def close(self) -> None:
        self.counter.close()


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _disassemble(code: bytes, address: int) -> str:
    import capstone

    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    halfwords = " ".join(f"{code[i] | code[i + 1] << 8:04x}" for i in range(0, len(code) - 1, 2))
    for insn in md.disasm(code, address):
        return f"{halfwords} ({insn.mnemonic} {insn.op_str})".replace(" )", ")")
    return f"{halfwords} (not a valid Thumb-2 instruction)"
