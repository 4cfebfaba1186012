"""Arm semihosting (the `bkpt 0xAB` interface): console output, exit status, clock.

Operation numbers and argument blocks follow Arm's "Semihosting for AArch32 and AArch64"
specification; the engine calls `handle` with r0/r1 and a memory accessor.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from simtiny.sim.target import Memory

SYS_OPEN, SYS_CLOSE, SYS_WRITEC, SYS_WRITE0, SYS_WRITE, SYS_READ = (
    0x01,
    0x02,
    0x03,
    0x04,
    0x05,
    0x06,
)
SYS_ISTTY, SYS_SEEK, SYS_FLEN, SYS_CLOCK, SYS_TIME, SYS_ERRNO = 0x09, 0x0A, 0x0C, 0x10, 0x11, 0x13
SYS_GET_CMDLINE, SYS_HEAPINFO, SYS_EXIT, SYS_EXIT_EXTENDED = 0x15, 0x16, 0x18, 0x20
SYS_ELAPSED, SYS_TICKFREQ = 0x30, 0x31

ADP_STOPPED_APPLICATION_EXIT = 0x20026
REASON_CODES = range(0x20000, 0x20032)  # ADP_Stopped_* reason codes

NAMES = {
    SYS_OPEN: "SYS_OPEN",
    SYS_CLOSE: "SYS_CLOSE",
    SYS_WRITEC: "SYS_WRITEC",
    SYS_WRITE0: "SYS_WRITE0",
    SYS_WRITE: "SYS_WRITE",
    SYS_READ: "SYS_READ",
    SYS_ISTTY: "SYS_ISTTY",
    SYS_SEEK: "SYS_SEEK",
    SYS_FLEN: "SYS_FLEN",
    SYS_CLOCK: "SYS_CLOCK",
    SYS_TIME: "SYS_TIME",
    SYS_ERRNO: "SYS_ERRNO",
    SYS_GET_CMDLINE: "SYS_GET_CMDLINE",
    SYS_HEAPINFO: "SYS_HEAPINFO",
    SYS_EXIT: "SYS_EXIT",
    SYS_EXIT_EXTENDED: "SYS_EXIT_EXTENDED",
    SYS_ELAPSED: "SYS_ELAPSED",
    SYS_TICKFREQ: "SYS_TICKFREQ",
}

STDOUT_HANDLE, STDERR_HANDLE = 1, 2


@dataclass
class Semihost:
    """Host side of semihosting: collects console output and the exit request."""

    cycles: Callable[[], int]
    clock_hz: int
    on_output: Callable[[bytes], None]
    exit_status: int | None = None
    exit_reason: int | None = None
    unsupported: dict[int, int] = field(default_factory=dict)

    @property
    def exited(self) -> bool:
        return self.exit_status is not None

    def handle(self, op: int, arg: int, mem: Memory) -> int:
        """Carry out one call; return the value for r0."""
        words = lambda n: struct.unpack(f"<{n}I", mem.read(arg, 4 * n))  # noqa: E731
        if op == SYS_WRITEC:
            self.on_output(mem.read(arg, 1))
            return 0
        if op == SYS_WRITE0:
            self.on_output(self._cstring(arg, mem))
            return 0
        if op == SYS_WRITE:
            handle, buf, length = words(3)
            if handle in (STDOUT_HANDLE, STDERR_HANDLE):
                self.on_output(mem.read(buf, length) if length else b"")
                return 0
            return length  # nothing written to an unknown handle
        if op == SYS_OPEN:
            name_ptr, mode, _length = words(3)
            name = self._cstring(name_ptr, mem)
            if name == b":tt":
                return STDERR_HANDLE if mode >= 8 else STDOUT_HANDLE
            return 0xFFFFFFFF
        if op == SYS_CLOSE:
            return 0
        if op == SYS_READ:
            _handle, _buf, length = words(3)
            return length  # end of input: no console input is modelled
        if op == SYS_ISTTY:
            (handle,) = words(1)
            return 1 if handle in (STDOUT_HANDLE, STDERR_HANDLE) else 0
        if op in (SYS_SEEK, SYS_FLEN):
            return 0xFFFFFFFF
        if op == SYS_CLOCK:
            return (self.cycles() * 100 // self.clock_hz) & 0xFFFFFFFF
        if op == SYS_TIME:
            return self.cycles() // self.clock_hz
        if op == SYS_ERRNO:
            return 0
        if op == SYS_GET_CMDLINE:
            buf, length = words(2)
            if length:
                mem.write(buf, b"\0")
            mem.write(arg + 4, struct.pack("<I", 0))
            return 0
        if op == SYS_HEAPINFO:
            (block,) = words(1)
            mem.write(block, bytes(16))  # zeros: the C library uses its linker symbols
            return 0
        if op == SYS_ELAPSED:
            ticks = self.cycles()
            mem.write(arg, struct.pack("<Q", ticks))
            return 0
        if op == SYS_TICKFREQ:
            return self.clock_hz
        if op == SYS_EXIT:
            if arg in REASON_CODES:
                self._exit(arg, 0 if arg == ADP_STOPPED_APPLICATION_EXIT else 1)
            else:  # some C libraries pass a pointer to [reason, status] here too
                reason, status = words(2)
                self._exit(reason, status if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
            return 0
        if op == SYS_EXIT_EXTENDED:
            reason, status = words(2)
            self._exit(reason, status if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
            return 0
        self.unsupported[op] = self.unsupported.get(op, 0) + 1
        return 0xFFFFFFFF

    def _exit(self, reason: int, status: int) -> None:
        self.exit_reason = reason
        status &= 0xFFFFFFFF
        self.exit_status = status - (1 << 32) if status & 0x8000_0000 else status

    @staticmethod
    def _cstring(address: int, mem: Memory, limit: int = 4096) -> bytes:
        out = bytearray()
        while len(out) < limit:
            byte = mem.read(address + len(out), 1)
            if byte == b"\0":
                break
            out += byte
        return bytes(out)
