"""Build and load the C block counter (native/blockhook.c) and attach it to a Unicorn engine.

The hook is compiled once per source version with the host C compiler (cc, gcc, clang, or
zig's clang from the PyPI package) into simtiny's cache folder, then loaded with ctypes.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import unicorn
from unicorn import arm_const as arm
from unicorn import unicorn_const as ucc
from unicorn.unicorn_py3.unicorn import uclib

from simtiny.hostcc import cached_shared_library
from simtiny.sim import thumb
from simtiny.sim.result import BlockCount
from simtiny.sim.unicorn.patched import nosync_function

SOURCE = Path(__file__).resolve().parent / "native" / "blockhook.c"

STOP_NONE, STOP_BUDGET, STOP_PRICING, STOP_MEMORY, STOP_EVENT, STOP_IDLE = 0, 1, 2, 3, 4, 5

PriceFn = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_uint64,
    ctypes.c_uint32,
    ctypes.POINTER(ctypes.c_uint32),
    ctypes.POINTER(ctypes.c_uint64),
    ctypes.POINTER(ctypes.c_uint64),
    ctypes.POINTER(ctypes.c_uint32),
    ctypes.POINTER(ctypes.c_uint64),
    ctypes.POINTER(ctypes.c_uint32),
)
StopFn = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class BlockEntry(ctypes.Structure):
    """Mirror of st_block."""

    _fields_ = [
        ("addr", ctypes.c_uint64),
        ("size", ctypes.c_uint32),
        ("ninsn", ctypes.c_uint32),
        ("cycles", ctypes.c_uint64),
        ("count", ctypes.c_uint64),
        ("target", ctypes.c_uint64),
        ("extra", ctypes.c_uint64),
        ("branch", ctypes.c_uint32),
        ("counter", ctypes.c_uint32),
        ("it", ctypes.c_uint32),
        ("pad", ctypes.c_uint32),
        ("mispredicted", ctypes.c_uint64),
        ("fetch", ctypes.c_uint64),
        ("load", ctypes.c_uint64),
        ("cycles_shifted", ctypes.c_uint64),
        ("pipeline", ctypes.c_uint64),
    ]


class CacheState(ctypes.Structure):
    """Mirror of st_cache."""

    _fields_ = [
        ("tags", ctypes.POINTER(ctypes.c_uint64)),
        ("sets", ctypes.c_uint32),
        ("ways", ctypes.c_uint32),
        ("enabled", ctypes.c_uint32),
        ("pow2", ctypes.c_uint32),
        ("hits", ctypes.c_uint64),
        ("misses", ctypes.c_uint64),
        ("mru", ctypes.c_uint64),
    ]


class RegionTiming(ctypes.Structure):
    """Mirror of st_region."""

    _fields_ = [
        ("base", ctypes.c_uint64),
        ("end", ctypes.c_uint64),
        ("cacheable", ctypes.c_uint32),
        ("line_fill", ctypes.c_uint32),
        ("uncached", ctypes.c_uint32),
        ("pad", ctypes.c_uint32),
    ]


MAX_REGIONS = 16


class CounterState(ctypes.Structure):
    """Mirror of st_counter."""

    _fields_ = [
        ("table", ctypes.POINTER(BlockEntry)),
        ("capacity", ctypes.c_uint64),
        ("used", ctypes.c_uint64),
        ("insns", ctypes.c_uint64),
        ("cycles", ctypes.c_uint64),
        ("budget", ctypes.c_uint64),
        ("last", ctypes.c_int64),
        ("stop_reason", ctypes.c_int32),
        ("early_flags_penalty", ctypes.c_uint32),
        ("mispredict_penalty", ctypes.c_uint64),
        ("mispredicts", ctypes.c_uint64),
        ("memory_cycles", ctypes.c_uint64),
        ("icache", CacheState),
        ("dcache", CacheState),
        ("regions", RegionTiming * MAX_REGIONS),
        ("nregions", ctypes.c_uint32),
        ("memory_model", ctypes.c_uint32),
        ("last_region", ctypes.c_void_p),
        ("price", ctypes.c_void_p),
        ("stop", ctypes.c_void_p),
        ("reg_write", ctypes.c_void_p),
        ("epsr_reg", ctypes.c_int32),
        ("epsr_thumb", ctypes.c_uint32),
        ("data_reads", ctypes.c_uint64),
        ("data_writes", ctypes.c_uint64),
        ("it_repair", ctypes.c_uint32),
        ("it_open", ctypes.c_uint32),
        ("event_at", ctypes.c_uint64),
        ("unmask_watch", ctypes.c_uint32),
        ("unaligned_penalty", ctypes.c_uint32),
        ("unaligned_reads", ctypes.c_uint64),
        ("fold", ctypes.c_uint32),
        ("prev_narrow", ctypes.c_uint32),
        ("last_shifted", ctypes.c_uint32),
        ("pad4", ctypes.c_uint32),
    ]


EPSR_THUMB = 1 << 24  # EPSR with the T bit set and no IT state
IT_HAS, IT_OPEN = 1, 2  # st_block.it: the block holds an IT instruction; it ends inside an IT block
SELF_LOOP = 4  # st_block.it: the block is `b .` (a branch to itself)
SELF_LOOPS = (b"\xfe\xe7", b"\xff\xf7\xfe\xbf")  # b . (T2), b.w . (T4)
UNMASK = 8  # st_block.it: the block may lower PRIMASK, FAULTMASK or BASEPRI
# st_block.it: the block ends with a branch alone in its last cycle, when entered fresh / when
# entered shifted (after such a branch); bits 8-9 and 10-11: its 16-bit instructions before that
# branch and in all, at most 2 (see ST_LONE_* and ST_NARROW_* in native/blockhook.c)
LONE_FRESH, LONE_SHIFTED = 16, 32
EARLY_FLAGS = 64  # st_block.it: its closing branch's flags were set 3 cycles or more before it


def timing_flags(lone: bool, lone_shifted: bool, narrow_before: int, narrow: int, early_flags: bool) -> int:
    """st_block.it bits for branch folding and the misprediction penalty, from a BlockCost."""
    return (
        (EARLY_FLAGS if early_flags else 0)
        | (LONE_FRESH if lone else 0)
        | (LONE_SHIFTED if lone_shifted else 0)
        | min(narrow_before, 2) << 8
        | min(narrow, 2) << 10
    )


def it_flags(code: bytes) -> int:
    """IT_HAS and IT_OPEN for a block's code (see st_it_repair in native/blockhook.c)."""
    flags = 0
    open_slots = 0
    for offset in thumb.boundaries(code, 0):
        if open_slots:
            open_slots -= 1  # an instruction of the IT block (no IT can be one)
            continue
        halfword = code[offset] | code[offset + 1] << 8
        if halfword & 0xFF00 == 0xBF00 and halfword & 0xF:
            flags |= IT_HAS
            mask = halfword & 0xF
            open_slots = 4 - ((mask & -mask).bit_length() - 1)
    if code in SELF_LOOPS:
        flags |= SELF_LOOP
    if _may_unmask(code):
        flags |= UNMASK
    return flags | (IT_OPEN if open_slots else 0)


def _may_unmask(code: bytes) -> bool:
    """Does the code hold a CPSIE or an MSR to PRIMASK, BASEPRI, BASEPRI_MAX or FAULTMASK?
    (Looked for at every halfword: a false match only costs one stop of the core.)"""
    for offset in range(0, len(code) - 1, 2):
        hw = code[offset] | code[offset + 1] << 8
        if hw & 0xFFF8 == 0xB660:  # cpsie
            return True
        if hw & 0xFFF0 == 0xF380 and offset + 3 < len(code):
            hw2 = code[offset + 2] | code[offset + 3] << 8
            if hw2 & 0xF0FC == 0x8010:
                return True
    return False


def library_path() -> Path:
    """Return the compiled hook library, building it on first use (again if damaged)."""
    return cached_shared_library(SOURCE, "native block counter")


def _load() -> ctypes.CDLL:
    lib = ctypes.CDLL(str(library_path()))
    lib.st_counter_new.restype = ctypes.POINTER(CounterState)
    lib.st_counter_new.argtypes = [ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p]
    lib.st_counter_free.restype = None
    lib.st_counter_free.argtypes = [ctypes.POINTER(CounterState)]
    lib.st_counter_configure_caches.restype = ctypes.c_int
    lib.st_counter_configure_caches.argtypes = [ctypes.POINTER(CounterState)] + [ctypes.c_uint32] * 4
    lib.st_counter_set_it_repair.restype = ctypes.c_int
    repair_args = [ctypes.POINTER(CounterState), ctypes.c_void_p, ctypes.c_int32, ctypes.c_uint32]
    lib.st_counter_set_it_repair.argtypes = repair_args
    return lib


@dataclass(frozen=True)
class MemoryRegionTiming:
    """An address range and what an access to it costs (see st_region)."""

    base: int
    end: int
    cacheable: bool
    line_fill: int
    uncached: int


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int


class BlockCounter:
    """Counts blocks, instructions and cycles of a Unicorn run in C; prices new blocks in Python.

    `price(address, size)` gives a new block's instructions, cycles (entered fresh, and entered
    right after a branch that pairs with its first instruction), conditional branch kind and
    target, and its flags (it_flags, timing_flags).
    """

    def __init__(
        self,
        uc: unicorn.Uc,
        price: Callable[[int, int], tuple[int, int, int, int, int, int]],
        mispredict_penalty: int = 0,
        early_flags_penalty: int | None = None,
    ) -> None:
        self._lib = _load()
        self._price_py = price
        self._error: BaseException | None = None
        self._price_c = PriceFn(self._price_cb)
        stop_addr = ctypes.cast(uclib.uc_emu_stop, ctypes.c_void_p).value
        self._state_ptr = self._lib.st_counter_new(
            4096, ctypes.cast(self._price_c, ctypes.c_void_p), stop_addr
        )
        if not self._state_ptr:
            raise MemoryError("block counter")
        self.state = self._state_ptr.contents
        self.state.mispredict_penalty = mispredict_penalty
        self.state.early_flags_penalty = mispredict_penalty if early_flags_penalty is None else early_flags_penalty
        self._hook = ctypes.c_size_t()
        self._mem_hooks: list[ctypes.c_size_t] = []
        self.accelerated = False  # the memory hooks run on simtiny's patched Unicorn (patched.py)
        hook_fn = ctypes.cast(self._lib.st_block_hook, ctypes.c_void_p)
        status = uclib.uc_hook_add(
            uc._uch,
            ctypes.byref(self._hook),
            ucc.UC_HOOK_BLOCK,
            hook_fn,
            ctypes.cast(self._state_ptr, ctypes.c_void_p),
            1,
            0,
        )
        if status != ucc.UC_ERR_OK:
            raise unicorn.UcError(status)
        self._uc = uc

    def _price_cb(self, address, size, ninsn_out, cycles_out, shifted_out, branch_out, target_out, it_out) -> int:
        try:
            ninsn, cycles, shifted, branch, target, it = self._price_py(int(address), int(size))
            ninsn_out[0] = ninsn
            cycles_out[0] = cycles
            shifted_out[0] = shifted
            branch_out[0] = branch
            target_out[0] = target
            it_out[0] = it
            return 0
        except BaseException as exc:  # reported after the run; never unwind through C
            self._error = exc
            return 1

    @property
    def pricing_error(self) -> BaseException | None:
        return self._error

    @property
    def instructions(self) -> int:
        return int(self.state.insns)

    @property
    def cycles(self) -> int:
        return int(self.state.cycles)

    def set_budget(self, instructions: int) -> None:
        self.state.budget = max(0, int(instructions))

    def set_event(self, cycle: int | None) -> None:
        """Stop before the first block that starts at or after `cycle` (None: no event)."""
        self.state.event_at = 0 if cycle is None else max(1, int(cycle))

    def watch_unmask(self, on: bool) -> None:
        """Stop after the next block that may unmask interrupts (a masked exception waits)."""
        self.state.unmask_watch = int(on)

    def clear_stop(self) -> None:
        self.state.stop_reason = STOP_NONE

    def add(self, instructions: int, cycles: int, repeats: int = 0) -> None:
        """Count work the core did outside the blocks: exception entry and return, sleeping,
        or `repeats` more runs of the last block (a `b .` loop skipped ahead)."""
        self.state.insns += instructions
        self.state.cycles += cycles
        if repeats and self.state.last >= 0:
            entry = self.state.table[self.state.last]
            entry.count += repeats
            entry.pipeline += repeats * entry.cycles

    def forget_last(self) -> None:
        """No branch prediction across an exception entry (the next block is the handler's)."""
        self.state.last = -1
        self.state.it_open = 0  # (the C counter also forgets branch folding when `last` is -1)

    def enable_memory_model(
        self,
        regions: list[MemoryRegionTiming],
        icache: tuple[int, int],
        dcache: tuple[int, int],
        observe_stores: bool = False,
        accelerate: bool = True,
        unaligned_penalty: int = 0,
    ) -> None:
        """Price instruction fetches (I-cache) and data reads (D-cache, a C memory hook).

        icache/dcache are (sets, ways). Unicorn takes its slow memory path for every access
        once a memory hook exists: a factor of 3.5-5 in speed on the patched Unicorn, 5-35 on
        stock Unicorn. Stores are not priced (they drain through the Cortex-M7 write buffer);
        with observe_stores a C write hook counts them. On simtiny's patched Unicorn
        (patched.py) the hooks run without Unicorn's PC sync unless `accelerate` is off. Stock
        Unicorn 2.1.4 syncs, and corrupts the Thumb IT state whenever a hook runs inside an IT
        block; the C hooks then repair it (see st_it_repair in native/blockhook.c), so both
        kinds of hooks are safe either way. `unaligned_penalty`: the core's cycles for each
        unaligned LDR/LDRH/LDRSH, which only the read hook sees.
        """
        if len(regions) > MAX_REGIONS:
            raise ValueError(f"at most {MAX_REGIONS} memory regions")
        if self._lib.st_counter_configure_caches(self._state_ptr, *icache, *dcache) != 0:
            raise MemoryError("cache model")
        for i, r in enumerate(regions):
            self.state.regions[i] = RegionTiming(r.base, r.end, int(r.cacheable), r.line_fill, r.uncached, 0)
        self.state.nregions = len(regions)
        self.state.unaligned_penalty = unaligned_penalty
        self.state.memory_model = 1
        nosync = nosync_function() if accelerate else None
        if nosync is not None and nosync(self._uc._uch, 1) == ucc.UC_ERR_OK:
            self.accelerated = True  # no PC sync before the hooks, so no IT state to repair
        else:
            reg_write = ctypes.cast(uclib.uc_reg_write, ctypes.c_void_p).value
            self._lib.st_counter_set_it_repair(self._state_ptr, reg_write, arm.UC_ARM_REG_EPSR, EPSR_THUMB)
        self._mem_hooks.append(self._add_mem_hook(ucc.UC_HOOK_MEM_READ, self._lib.st_read_hook))
        if observe_stores:
            self._mem_hooks.append(self._add_mem_hook(ucc.UC_HOOK_MEM_WRITE, self._lib.st_write_hook))

    def _add_mem_hook(self, kind: int, fn: object) -> ctypes.c_size_t:
        handle = ctypes.c_size_t()
        status = uclib.uc_hook_add(
            self._uc._uch,
            ctypes.byref(handle),
            kind,
            ctypes.cast(fn, ctypes.c_void_p),
            ctypes.cast(self._state_ptr, ctypes.c_void_p),
            1,
            0,
        )
        if status != ucc.UC_ERR_OK:
            raise unicorn.UcError(status)
        return handle

    @property
    def data_accesses(self) -> tuple[int, int]:
        """(reads, writes) the memory hooks saw; writes only with observe_stores."""
        return int(self.state.data_reads), int(self.state.data_writes)

    @property
    def unaligned_reads(self) -> int:
        """Reads the hook saw at an address not a multiple of their size (LDR, LDRH, LDRSH)."""
        return int(self.state.unaligned_reads)

    def set_caches_enabled(self, icache: bool, dcache: bool) -> None:
        self.state.icache.enabled = int(icache)
        self.state.dcache.enabled = int(dcache)

    @property
    def memory_cycles(self) -> int:
        return int(self.state.memory_cycles)

    def cache_stats(self) -> tuple[CacheStats, CacheStats]:
        i, d = self.state.icache, self.state.dcache
        return CacheStats(int(i.hits), int(i.misses)), CacheStats(int(d.hits), int(d.misses))

    @property
    def mispredicts(self) -> int:
        return int(self.state.mispredicts)

    @property
    def stop_reason(self) -> int:
        return int(self.state.stop_reason)

    def last_block(self) -> BlockCount | None:
        if self.state.last < 0:
            return None
        return self._entry(self.state.table[self.state.last])

    @property
    def last_entry(self) -> tuple[int, bool]:
        """The cycles charged for the block entered last, and whether it was entered shifted
        (right after a branch that paired with its first instruction)."""
        entry = self.state.table[self.state.last]
        shifted = bool(self.state.last_shifted)
        return int(entry.cycles_shifted if shifted else entry.cycles), shifted

    def take_back(self, instructions: int, cycles: int, whole_block: bool) -> None:
        """Remove what the last block did not run (the run stopped inside or before it)."""
        self.state.insns -= instructions
        self.state.cycles -= cycles
        if self.state.last >= 0:
            entry = self.state.table[self.state.last]
            entry.pipeline -= cycles
            if whole_block:
                entry.count -= 1

    def blocks(self) -> list[BlockCount]:
        table = self.state.table
        return [self._entry(table[i]) for i in range(self.state.capacity) if table[i].addr != 0]

    @staticmethod
    def _entry(e: BlockEntry) -> BlockCount:
        address = 0 if e.addr == 1 else int(e.addr)
        return BlockCount(
            address,
            int(e.size),
            int(e.ninsn),
            int(e.cycles),
            int(e.count),
            int(e.extra),
            int(e.mispredicted),
            int(e.fetch),
            int(e.load),
            int(e.pipeline),
        )

    def close(self) -> None:
        if self._state_ptr:
            uclib.uc_hook_del(self._uc._uch, self._hook)
            for handle in self._mem_hooks:
                uclib.uc_hook_del(self._uc._uch, handle)
            self._lib.st_counter_free(self._state_ptr)
            self._state_ptr = None
