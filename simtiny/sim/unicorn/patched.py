"""Unicorn with simtiny's patch: memory hooks without the per-access PC sync, and Armv7-M alignment faults.

Unicorn 2.1.4 rebuilds the guest PC (cpu_restore_state: a search of the translation block and a
decode of its instruction-start table) before every UC_HOOK_MEM_READ/WRITE callback, so that a
hook may read PC. simtiny's memory-model hooks (native/blockhook.c) never read CPU state, yet
that sync costs 70% of the time of a simulation with the memory model on, and it is the cause of
Unicorn's IT-block corruption (see st_it_repair). The patch adds an exported function,
`uc_simtiny_mem_hooks_nosync(uc, on)`, that turns the sync off for plain read and write hooks
of one engine; every other hook (unmapped, protection, code) still syncs, and nothing changes
for an engine that does not call it.

It also makes the core fault on misaligned accesses as an Armv7-M core does (QEMU 5, under
Unicorn 2.1, checks nothing on Armv7-M; later QEMU does): LDRD, STRD, LDM, STM, VLDR, VSTR,
VLDM and VSTM at an address that is not word-aligned always fault, and with
`uc_simtiny_unaligned_trap(uc, 1)` (CCR.UNALIGN_TRP) every misaligned halfword or word access
does. The fault reaches the engine as EXCP_DATA_ABORT; the engine raises UsageFault
UNALIGNED. And VCVT from fixed point to floating point rounds to nearest, as the Armv7-M ARM
says, where QEMU 5 rounded by FPSCR.RMode.

`python -m simtiny.sim.unicorn.build_patched` builds and installs the patched library
(scripts/setup.sh does); without it simtiny runs on stock Unicorn, slower, without alignment
faults and with that rounding (each run says so).
"""

from __future__ import annotations

import ctypes

from unicorn.unicorn_py3.unicorn import uclib

NOSYNC_SYMBOL = "uc_simtiny_mem_hooks_nosync"
UNALIGNED_TRAP_SYMBOL = "uc_simtiny_unaligned_trap"


def _function(name: str) -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    try:
        fn = getattr(uclib, name)
    except AttributeError:
        return None
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return fn


def nosync_function() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """`(uc, on)`: the memory hooks of engine `uc` skip the PC sync (None on stock Unicorn)."""
    return _function(NOSYNC_SYMBOL)


def unaligned_trap_function() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """`(uc, on)`: CCR.UNALIGN_TRP for engine `uc`, between runs (None on stock Unicorn)."""
    return _function(UNALIGNED_TRAP_SYMBOL)


def is_patched() -> bool:
    return nosync_function() is not None and unaligned_trap_function() is not None
