"""Arm semihosting (the `bkpt 0xAB` interface): console output, exit status, clock.

Operation numbers and argument blocks follow Arm's "Semihosting for AArch32 and AArch64"
specification; the engine calls `handle` with r0/r1 and a memory accessor. Arguments outside
the board's memory raise `SemihostingError`, which ends the run with a fault.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simtiny.platform import Region
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
CHUNK = 64 * 1024  # bytes read from the target at a time: host memory never follows a firmware's length
WRITE0_LIMIT = 1 << 20  # longest SYS_WRITE0 string; a longer scan means a missing terminator
NAME_LIMIT = 4096  # longest SYS_OPEN file name


class SemihostingError(Exception):
    """A call whose arguments lie outside the board's memory: a firmware fault, not a host error."""

    def __init__(self, op: int, address: int, message: str) -> None:
        super().__init__(message)
        self.op = op
        self.address = address


@dataclass
class Semihost:
    """Host side of semihosting: collects console output and the exit request.

    Every buffer, string and argument block is checked against `regions` (the board's memory
    map) before it is read or written, and long buffers are read in `CHUNK`s, so a firmware's
    bad length ends the run with a fault instead of costing host memory. `regions=None` trusts
    the accessor (a test's fake memory).
    """

    cycles: Callable[[], int]
    clock_hz: int
    on_output: Callable[[bytes], None]
    regions: Sequence[Region] | None = None
    exit_status: int | None = None
    exit_reason: int | None = None
    unsupported: dict[int, int] = field(default_factory=dict)

    @property
    def exited(self) -> bool:
        return self.exit_status is not None

    def handle(self, op: int, arg: int, mem: Memory) -> int:
        """Carry out one call; return the value for r0. Raises SemihostingError for a bad argument."""
        call = _Call(self, op, arg, mem)
        if op == SYS_WRITEC:
            self.on_output(call.read("character", arg, 1))
            return 0
        if op == SYS_WRITE0:
            self._write0(call)
            return 0
        if op == SYS_WRITE:
            handle, buf, length = call.words(3)
            call.check("buffer", buf, length)
            if handle not in (STDOUT_HANDLE, STDERR_HANDLE):
                return length  # nothing written to an unknown handle
            for offset in range(0, length, CHUNK):
                self.on_output(mem.read(buf + offset, min(CHUNK, length - offset)))
            return 0
        if op == SYS_OPEN:
            name_ptr, mode, length = call.words(3)
            if length > NAME_LIMIT:
                raise call.error(name_ptr, f"file name length {length:,} is longer than {NAME_LIMIT:,} bytes")
            name = call.read("file name", name_ptr, length)
            if name == b":tt":
                return STDERR_HANDLE if mode >= 8 else STDOUT_HANDLE
            return 0xFFFFFFFF
        if op == SYS_CLOSE:
            return 0
        if op == SYS_READ:
            _handle, buf, length = call.words(3)
            call.check("buffer", buf, length, write=True)
            return length  # end of input: no console input is modelled
        if op == SYS_ISTTY:
            (handle,) = call.words(1)
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
            buf, length = call.words(2)
            call.check("argument block", arg, 8, write=True)
            call.check("buffer", buf, length, write=True)
            if length:
                mem.write(buf, b"\0")
            mem.write(arg + 4, struct.pack("<I", 0))
            return 0
        if op == SYS_HEAPINFO:
            (block,) = call.words(1)
            call.check("heap information block", block, 16, write=True)
            mem.write(block, bytes(16))  # zeros: the C library uses its linker symbols
            return 0
        if op == SYS_ELAPSED:
            call.check("tick count", arg, 8, write=True)
            mem.write(arg, struct.pack("<Q", self.cycles()))
            return 0
        if op == SYS_TICKFREQ:
            return self.clock_hz
        if op == SYS_EXIT:
            if arg in REASON_CODES:
                self._exit(arg, 0 if arg == ADP_STOPPED_APPLICATION_EXIT else 1)
            else:  # some C libraries pass a pointer to [reason, status] here too
                reason, status = call.words(2)
                self._exit(reason, status if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
            return 0
        if op == SYS_EXIT_EXTENDED:
            reason, status = call.words(2)
            self._exit(reason, status if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
            return 0
        self.unsupported[op] = self.unsupported.get(op, 0) + 1
        return 0xFFFFFFFF

    def _exit(self, reason: int, status: int) -> None:
        self.exit_reason = reason
        status &= 0xFFFFFFFF
        self.exit_status = status - (1 << 32) if status & 0x8000_0000 else status

    def _write0(self, call: _Call) -> None:
        """Print a NUL-terminated string, scanned a piece at a time inside readable memory."""
        address = call.arg
        scanned = 0
        while scanned < WRITE0_LIMIT:
            at = address + scanned
            room = call.readable_from(at)
            if room == 0:
                raise call.error(
                    address, f"string at 0x{address:08X} runs into {self.describe(at, False)} before its NUL"
                )
            piece = call.mem.read(at, min(256, room, WRITE0_LIMIT - scanned))
            end = piece.find(b"\0")
            if end >= 0:
                self.on_output(piece[:end])
                return
            self.on_output(piece)
            scanned += len(piece)
        raise call.error(address, f"string at 0x{address:08X} has no NUL within {WRITE0_LIMIT:,} bytes")

    def region_at(self, address: int) -> Region | None:
        if self.regions is None:
            return None
        return next((r for r in self.regions if r.contains(address)), None)

    def describe(self, address: int, write: bool) -> str:
        region = self.region_at(address)
        if region is None:
            return f"unmapped memory at 0x{address:08X}"
        return f"{region.name} ({region.access}, not {'writable' if write else 'readable'}) at 0x{address:08X}"


@dataclass
class _Call:
    """One call being carried out: checks its arguments against the memory map, then reads them."""

    host: Semihost
    op: int
    arg: int
    mem: Memory

    def error(self, address: int, message: str) -> SemihostingError:
        return SemihostingError(self.op, address, f"{NAMES.get(self.op, f'operation 0x{self.op:02X}')} {message}")

    def check(self, what: str, address: int, length: int, write: bool = False) -> None:
        """Refuse a range that is not all in mapped memory the host may read (or write)."""
        if self.host.regions is None or length <= 0:
            return
        need = "w" if write else "r"
        at, end = address, address + length
        while at < end:
            region = self.host.region_at(at)
            if region is None or need not in region.access:
                raise self.error(
                    address,
                    f"{what} 0x{address:08X}-0x{end - 1:08X} ({length:,} bytes) is outside "
                    f"{'writable' if write else 'readable'} memory: {self.host.describe(at, write)}",
                )
            at = region.end

    def readable_from(self, address: int) -> int:
        """Bytes readable from `address` on, through adjacent regions (a large number without a map)."""
        if self.host.regions is None:
            return WRITE0_LIMIT
        at = address
        while (region := self.host.region_at(at)) is not None and "r" in region.access:
            at = region.end
        return at - address

    def read(self, what: str, address: int, length: int) -> bytes:
        self.check(what, address, length)
        return self.mem.read(address, length) if length else b""

    def words(self, n: int) -> tuple[int, ...]:
        return struct.unpack(f"<{n}I", self.read("argument block", self.arg, 4 * n))
