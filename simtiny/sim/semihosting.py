"""Arm semihosting (the `bkpt 0xAB` interface): the console, files in a per-run directory, the
clocks and the exit status, so that firmware built with newlib's rdimon or picolibc's semihost
library runs as it would under a debugger.

Operation numbers and argument blocks follow Arm's "Semihosting for AArch32 and AArch64"
specification; the engine calls `handle` with r0/r1 and a memory accessor. Arguments outside
the board's memory raise `SemihostingError`, which ends the run with a fault; a call the host
refuses or fails (a missing file, a name leaving the directory) returns the specification's
error value and sets the errno that SYS_ERRNO reports.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simtiny.platform import Region
from simtiny.sim import sandbox as sb
from simtiny.sim.sandbox import FileError, Sandbox
from simtiny.sim.target import Memory

SYS_OPEN, SYS_CLOSE, SYS_WRITEC, SYS_WRITE0, SYS_WRITE, SYS_READ = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
SYS_READC, SYS_ISERROR, SYS_ISTTY, SYS_SEEK, SYS_FLEN, SYS_TMPNAM = 0x07, 0x08, 0x09, 0x0A, 0x0C, 0x0D
SYS_REMOVE, SYS_RENAME, SYS_CLOCK, SYS_TIME, SYS_SYSTEM, SYS_ERRNO = 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13
SYS_GET_CMDLINE, SYS_HEAPINFO, SYS_EXIT, SYS_EXIT_EXTENDED = 0x15, 0x16, 0x18, 0x20
SYS_ELAPSED, SYS_TICKFREQ = 0x30, 0x31

ADP_STOPPED_APPLICATION_EXIT = 0x20026
REASON_CODES = range(0x20000, 0x20032)  # ADP_Stopped_* reason codes
REASON_NAMES = {
    0x20000: "ADP_Stopped_BranchThroughZero",
    0x20001: "ADP_Stopped_UndefinedInstr",
    0x20002: "ADP_Stopped_SoftwareInterrupt",
    0x20003: "ADP_Stopped_PrefetchAbort",
    0x20004: "ADP_Stopped_DataAbort",
    0x20005: "ADP_Stopped_AddressException",
    0x20006: "ADP_Stopped_IRQ",
    0x20007: "ADP_Stopped_FIQ",
    0x20020: "ADP_Stopped_BreakPoint",
    0x20021: "ADP_Stopped_WatchPoint",
    0x20022: "ADP_Stopped_StepComplete",
    0x20023: "ADP_Stopped_RunTimeErrorUnknown",
    0x20024: "ADP_Stopped_InternalError",
    0x20025: "ADP_Stopped_UserInterruption",
    0x20026: "ADP_Stopped_ApplicationExit",
    0x20027: "ADP_Stopped_StackOverflow",
    0x20028: "ADP_Stopped_DivisionByZero",
    0x20029: "ADP_Stopped_OSSpecific",
}

# The `:semihosting-features` file: the magic, then one byte of extension bits.
SH_EXT_EXIT_EXTENDED, SH_EXT_STDOUT_STDERR = 0x01, 0x02
FEATURES = b"SHFB" + bytes([SH_EXT_EXIT_EXTENDED | SH_EXT_STDOUT_STDERR])

NAMES = {
    SYS_OPEN: "SYS_OPEN",
    SYS_CLOSE: "SYS_CLOSE",
    SYS_WRITEC: "SYS_WRITEC",
    SYS_WRITE0: "SYS_WRITE0",
    SYS_WRITE: "SYS_WRITE",
    SYS_READ: "SYS_READ",
    SYS_READC: "SYS_READC",
    SYS_ISERROR: "SYS_ISERROR",
    SYS_ISTTY: "SYS_ISTTY",
    SYS_SEEK: "SYS_SEEK",
    SYS_FLEN: "SYS_FLEN",
    SYS_TMPNAM: "SYS_TMPNAM",
    SYS_REMOVE: "SYS_REMOVE",
    SYS_RENAME: "SYS_RENAME",
    SYS_CLOCK: "SYS_CLOCK",
    SYS_TIME: "SYS_TIME",
    SYS_SYSTEM: "SYS_SYSTEM",
    SYS_ERRNO: "SYS_ERRNO",
    SYS_GET_CMDLINE: "SYS_GET_CMDLINE",
    SYS_HEAPINFO: "SYS_HEAPINFO",
    SYS_EXIT: "SYS_EXIT",
    SYS_EXIT_EXTENDED: "SYS_EXIT_EXTENDED",
    SYS_ELAPSED: "SYS_ELAPSED",
    SYS_TICKFREQ: "SYS_TICKFREQ",
}

# The console's handles, open from reset (simtiny's own runtime writes to 1 without opening);
# `:tt` gives them too. Files get handles from sandbox.FIRST_HANDLE on.
STDOUT_HANDLE, STDERR_HANDLE, STDIN_HANDLE = 1, 2, 3
CONSOLE_HANDLES = (STDOUT_HANDLE, STDERR_HANDLE, STDIN_HANDLE)
FAIL = 0xFFFFFFFF  # -1 in r0
CHUNK = 64 * 1024  # bytes moved between target and host at a time: host memory never follows a firmware's length
WRITE0_LIMIT = 1 << 20  # longest SYS_WRITE0 string; a longer scan means a missing terminator
NAME_LIMIT = sb.NAME_LIMIT  # longest file name a call may give (a longer length is a firmware fault)


class SemihostingError(Exception):
    """A call whose arguments lie outside the board's memory: a firmware fault, not a host error."""

    def __init__(self, op: int, address: int, message: str) -> None:
        super().__init__(message)
        self.op = op
        self.address = address


@dataclass
class Semihost:
    """Host side of semihosting: the console, the run's files, the clocks and the exit request.

    Every buffer, string and argument block is checked against `regions` (the board's memory
    map) before it is read or written, and long buffers move in `CHUNK`s, so a firmware's bad
    length ends the run with a fault instead of costing host memory. `regions=None` trusts the
    accessor (a test's fake memory). Files live in `sandbox`; `close` releases them.
    """

    cycles: Callable[[], int]
    clock_hz: int
    on_output: Callable[[bytes], None]
    regions: Sequence[Region] | None = None
    stdin: bytes = b""  # what the console's input gives, then end of input
    sandbox: Sandbox = field(default_factory=Sandbox)
    exit_status: int | None = None
    exit_reason: int | None = None
    errno: int = 0  # the last failed call's error, for SYS_ERRNO
    unsupported: dict[int, int] = field(default_factory=dict)
    refused: dict[int, int] = field(default_factory=dict)  # calls simtiny declines on principle (SYS_SYSTEM)
    notes: list[str] = field(default_factory=list)  # what the run's warnings should say
    stdin_read: int = 0
    # SYS_HEAPINFO's answer: heap base, heap limit, stack base (initial SP), stack limit; 0 = unknown
    heap_info: tuple[int, int, int, int] = (0, 0, 0, 0)

    @property
    def exited(self) -> bool:
        return self.exit_status is not None

    def close(self) -> None:
        """Close the run's files and remove a directory simtiny made for them."""
        self.sandbox.close()

    def handle(self, op: int, arg: int, mem: Memory) -> int:
        """Carry out one call; return the value for r0. Raises SemihostingError for a bad argument."""
        operation = _OPERATIONS.get(op)
        if operation is None:
            self.unsupported[op] = self.unsupported.get(op, 0) + 1
            return FAIL
        return operation(self, _Call(self, op, arg, mem)) & 0xFFFFFFFF

    def fail(self, code: int, value: int = FAIL) -> int:
        """Record an error for SYS_ERRNO and return the call's error value."""
        self.errno = code
        return value

    # ----- the console --------------------------------------------------------------------------
    def _writec(self, call: _Call) -> int:
        self.on_output(call.read("character", call.arg, 1))
        return 0

    def _write0(self, call: _Call) -> int:
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
                return 0
            self.on_output(piece)
            scanned += len(piece)
        raise call.error(address, f"string at 0x{address:08X} has no NUL within {WRITE0_LIMIT:,} bytes")

    def _readc(self, call: _Call) -> int:
        """One byte of the console's input; -1 at its end (the specification has no end of input)."""
        if self.stdin_read >= len(self.stdin):
            return FAIL
        self.stdin_read += 1
        return self.stdin[self.stdin_read - 1]

    # ----- handles ------------------------------------------------------------------------------
    def _write(self, call: _Call) -> int:
        """Returns the number of bytes not written (0: all of them)."""
        handle, buf, length = call.words(3)
        call.check("buffer", buf, length)
        if handle in (STDOUT_HANDLE, STDERR_HANDLE):
            for offset in range(0, length, CHUNK):
                self.on_output(call.mem.read(buf + offset, min(CHUNK, length - offset)))
            return 0
        if handle == STDIN_HANDLE:
            return self.fail(sb.EBADF, length)
        try:
            f = self.sandbox.reserve(handle, length)
        except FileError as exc:
            return self.fail(exc.code, length)
        for offset in range(0, length, CHUNK):
            try:
                f.write(call.mem.read(buf + offset, min(CHUNK, length - offset)))
            except FileError as exc:
                return self.fail(exc.code, length - offset)
        return 0

    def _read(self, call: _Call) -> int:
        """Returns the number of bytes not read: 0 for all of them, `length` at the end of the file."""
        handle, buf, length = call.words(3)
        call.check("buffer", buf, length, write=True)
        if handle == STDIN_HANDLE:
            data = self.stdin[self.stdin_read : self.stdin_read + length]
            self.stdin_read += len(data)
            for offset in range(0, len(data), CHUNK):
                call.mem.write(buf + offset, data[offset : offset + CHUNK])
            return length - len(data)
        if handle in (STDOUT_HANDLE, STDERR_HANDLE):
            return self.fail(sb.EBADF, length)
        done = 0
        try:
            f = self.sandbox.get(handle)
            while done < length:
                piece = f.read(min(CHUNK, length - done))
                if not piece:
                    break
                call.mem.write(buf + done, piece)
                done += len(piece)
        except FileError as exc:
            return self.fail(exc.code, length - done)
        return length - done

    def _open(self, call: _Call) -> int:
        name_ptr, mode, length = call.words(3)
        name = call.name("file name", name_ptr, length)
        if name.startswith(b":"):
            return self._open_special(name, mode)
        try:
            return self.sandbox.open(name, mode)
        except FileError as exc:
            return self.fail(exc.code)

    def _open_special(self, name: bytes, mode: int) -> int:
        """`:tt` is the console (read: stdin, write: stdout, append: stderr); `:semihosting-features`
        tells which extensions simtiny has; no other name starting with ':' exists."""
        if not 0 <= mode < len(sb.MODES):
            return self.fail(sb.EINVAL)
        if name == b":tt":
            return (STDIN_HANDLE, STDOUT_HANDLE, STDERR_HANDLE)[mode // 4]
        if name == b":semihosting-features":
            if mode >= 2:
                return self.fail(sb.EACCES)
            try:
                return self.sandbox.add_bytes(FEATURES)
            except FileError as exc:
                return self.fail(exc.code)
        return self.fail(sb.ENOENT)

    def _close(self, call: _Call) -> int:
        (handle,) = call.words(1)
        if handle in CONSOLE_HANDLES:
            return 0  # the console stays open: `:tt` opens share its handles
        try:
            self.sandbox.close_handle(handle)
        except FileError as exc:
            return self.fail(exc.code)
        return 0

    def _istty(self, call: _Call) -> int:
        (handle,) = call.words(1)
        if handle in CONSOLE_HANDLES:
            return 1
        return 0 if self.sandbox.is_open(handle) else self.fail(sb.EBADF)

    def _seek(self, call: _Call) -> int:
        handle, position = call.words(2)
        if handle in CONSOLE_HANDLES:
            return self.fail(sb.ESPIPE)
        if position >= 1 << 31:  # a negative position
            return self.fail(sb.EINVAL)
        try:
            self.sandbox.seek(handle, position)
        except FileError as exc:
            return self.fail(exc.code)
        return 0

    def _flen(self, call: _Call) -> int:
        """A file's length; 0 for the console (newlib then takes it for a character device)."""
        (handle,) = call.words(1)
        if handle in CONSOLE_HANDLES:
            return 0
        try:
            return min(self.sandbox.length(handle), 0x7FFFFFFF)
        except FileError as exc:
            return self.fail(exc.code)

    def _iserror(self, call: _Call) -> int:
        (status,) = call.words(1)
        return 1 if status & 0x8000_0000 else 0

    # ----- names --------------------------------------------------------------------------------
    def _tmpnam(self, call: _Call) -> int:
        buf, ident, length = call.words(3)
        call.check("buffer", buf, length, write=True)
        name = f"simtiny-tmp-{ident & 0xFF:03d}".encode() + b"\0"
        if length < len(name):
            return self.fail(sb.EINVAL)
        call.mem.write(buf, name)
        return 0

    def _remove(self, call: _Call) -> int:
        """0, or -1 and the errno (the specification's "nonzero error code": newlib and picolibc test for -1)."""
        name_ptr, length = call.words(2)
        name = call.name("file name", name_ptr, length)
        try:
            self.sandbox.remove(name)
        except FileError as exc:
            return self.fail(exc.code)
        return 0

    def _rename(self, call: _Call) -> int:
        """0, or -1 and the errno, as SYS_REMOVE."""
        old_ptr, old_length, new_ptr, new_length = call.words(4)
        old = call.name("old name", old_ptr, old_length)
        new = call.name("new name", new_ptr, new_length)
        try:
            self.sandbox.rename(old, new)
        except FileError as exc:
            return self.fail(exc.code)
        return 0

    def _system(self, call: _Call) -> int:
        """Refused: firmware does not run commands on the host."""
        _command, _length = call.words(2)
        self.refused[call.op] = self.refused.get(call.op, 0) + 1
        return self.fail(sb.ENOSYS)

    # ----- clocks and the run -------------------------------------------------------------------
    def _clock(self, call: _Call) -> int:
        return self.cycles() * 100 // self.clock_hz

    def _time(self, call: _Call) -> int:
        """Seconds since 1970 with the clock starting at 0 at reset: runs stay reproducible."""
        return self.cycles() // self.clock_hz

    def _errno(self, call: _Call) -> int:
        return self.errno

    def _get_cmdline(self, call: _Call) -> int:
        """An empty command line."""
        buf, length = call.words(2)
        call.check("argument block", call.arg, 8, write=True)
        call.check("buffer", buf, length, write=True)
        if length < 1:
            return self.fail(sb.EINVAL)
        call.mem.write(buf, b"\0")
        call.mem.write(call.arg + 4, struct.pack("<I", 0))
        return 0

    def _heapinfo(self, call: _Call) -> int:
        """The heap and stack the board found in the ELF (`heap_info`), 0 where it found none: the C
        library's start-up (newlib's rdimon crt0) then keeps its own symbol's value."""
        (block,) = call.words(1)
        call.check("heap information block", block, 16, write=True)
        call.mem.write(block, struct.pack("<4I", *(v & 0xFFFFFFFF for v in self.heap_info)))
        return 0

    def _elapsed(self, call: _Call) -> int:
        call.check("tick count", call.arg, 8, write=True)
        call.mem.write(call.arg, struct.pack("<Q", self.cycles()))
        return 0

    def _tickfreq(self, call: _Call) -> int:
        return self.clock_hz

    def _exit(self, call: _Call) -> int:
        """AArch32: r1 is the reason code itself (no status); ApplicationExit is status 0, any other 1."""
        reason = call.arg
        if reason not in REASON_CODES:
            self.notes.append(
                f"SYS_EXIT with r1 = 0x{reason:08X}, which is no ADP_Stopped_* reason code (on AArch32 r1 is "
                "the reason itself, not a pointer): taken as an abnormal exit"
            )
        self._stop(reason, 0 if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
        return 0

    def _exit_extended(self, call: _Call) -> int:
        """r1 points to [reason, subcode]; the subcode is the exit status of ApplicationExit."""
        reason, status = call.words(2)
        self._stop(reason, status if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
        return 0

    def _stop(self, reason: int, status: int) -> None:
        self.exit_reason = reason
        status &= 0xFFFFFFFF
        self.exit_status = status - (1 << 32) if status & 0x8000_0000 else status

    # ----- the memory map -----------------------------------------------------------------------
    def region_at(self, address: int) -> Region | None:
        if self.regions is None:
            return None
        return next((r for r in self.regions if r.contains(address)), None)

    def describe(self, address: int, write: bool) -> str:
        region = self.region_at(address)
        if region is None:
            return f"unmapped memory at 0x{address:08X}"
        return f"{region.name} ({region.access}, not {'writable' if write else 'readable'}) at 0x{address:08X}"


def reason_name(reason: int | None) -> str:
    """The ADP_Stopped_* name of an exit reason code."""
    if reason is None:
        return "no reason"
    return REASON_NAMES.get(reason, f"reason 0x{reason:05X}")


_OPERATIONS: dict[int, Callable[[Semihost, _Call], int]] = {
    SYS_OPEN: Semihost._open,
    SYS_CLOSE: Semihost._close,
    SYS_WRITEC: Semihost._writec,
    SYS_WRITE0: Semihost._write0,
    SYS_WRITE: Semihost._write,
    SYS_READ: Semihost._read,
    SYS_READC: Semihost._readc,
    SYS_ISERROR: Semihost._iserror,
    SYS_ISTTY: Semihost._istty,
    SYS_SEEK: Semihost._seek,
    SYS_FLEN: Semihost._flen,
    SYS_TMPNAM: Semihost._tmpnam,
    SYS_REMOVE: Semihost._remove,
    SYS_RENAME: Semihost._rename,
    SYS_CLOCK: Semihost._clock,
    SYS_TIME: Semihost._time,
    SYS_SYSTEM: Semihost._system,
    SYS_ERRNO: Semihost._errno,
    SYS_GET_CMDLINE: Semihost._get_cmdline,
    SYS_HEAPINFO: Semihost._heapinfo,
    SYS_EXIT: Semihost._exit,
    SYS_EXIT_EXTENDED: Semihost._exit_extended,
    SYS_ELAPSED: Semihost._elapsed,
    SYS_TICKFREQ: Semihost._tickfreq,
}


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

    def name(self, what: str, address: int, length: int) -> bytes:
        """A file name of `length` bytes (its NUL not counted), up to its first NUL."""
        if length > NAME_LIMIT:
            raise self.error(address, f"{what} length {length:,} is longer than {NAME_LIMIT:,} bytes")
        return self.read(what, address, length).split(b"\0", 1)[0]

    def words(self, n: int) -> tuple[int, ...]:
        return struct.unpack(f"<{n}I", self.read("argument block", self.arg, 4 * n))
