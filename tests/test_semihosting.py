"""Semihosting operations against a fake memory: the console, files in the run's directory, the
clocks and the exit, as newlib's rdimon and picolibc's semihost library call them."""

from __future__ import annotations

import errno as host_errno
import os
import struct
from pathlib import Path

import pytest

from simtiny.errors import InputError
from simtiny.sim import sandbox as sb
from simtiny.sim import semihosting as sh


class FakeMemory:
    def __init__(self) -> None:
        self.data = bytearray(0x1000)

    def memory(self) -> sh.Memory:
        return sh.Memory(read=lambda a, n: bytes(self.data[a : a + n]), write=self.write)

    def write(self, address: int, data: bytes) -> None:
        self.data[address : address + len(data)] = data


def make() -> tuple[sh.Semihost, FakeMemory, list[bytes]]:
    out: list[bytes] = []
    host = sh.Semihost(cycles=lambda: 4_800_000, clock_hz=480_000_000, on_output=out.append)
    return host, FakeMemory(), out


def test_write0_writec_and_write():
    host, mem, out = make()
    mem.write(0x100, b"hello\0junk")
    assert host.handle(sh.SYS_WRITE0, 0x100, mem.memory()) == 0
    mem.write(0x200, b"!")
    host.handle(sh.SYS_WRITEC, 0x200, mem.memory())
    mem.write(0x300, struct.pack("<3I", 1, 0x100, 3))
    assert host.handle(sh.SYS_WRITE, 0x300, mem.memory()) == 0
    assert b"".join(out) == b"hello!hel"


def test_exit_with_reason_code_and_extended_status():
    host, mem, _ = make()
    host.handle(sh.SYS_EXIT, sh.ADP_STOPPED_APPLICATION_EXIT, mem.memory())
    assert host.exited and host.exit_status == 0
    host, mem, _ = make()
    mem.write(0x40, struct.pack("<Ii", sh.ADP_STOPPED_APPLICATION_EXIT, -3))
    host.handle(sh.SYS_EXIT_EXTENDED, 0x40, mem.memory())
    assert host.exit_status == -3
    host, mem, _ = make()
    host.handle(sh.SYS_EXIT, 0x20023, mem.memory())  # ADP_Stopped_RunTimeError
    assert host.exit_status == 1


def test_clock_and_tickfreq_come_from_the_cycle_count():
    host, mem, _ = make()
    assert host.handle(sh.SYS_CLOCK, 0, mem.memory()) == 1  # 10 ms = 1 centisecond
    assert host.handle(sh.SYS_TICKFREQ, 0, mem.memory()) == 480_000_000
    host.handle(sh.SYS_ELAPSED, 0x80, mem.memory())
    assert struct.unpack("<Q", bytes(mem.data[0x80:0x88]))[0] == 4_800_000


def test_console_open_and_unknown_operations():
    host, mem, _ = make()
    mem.write(0x100, b":tt\0")
    mem.write(0x200, struct.pack("<3I", 0x100, 4, 3))
    assert host.handle(sh.SYS_OPEN, 0x200, mem.memory()) == sh.STDOUT_HANDLE
    assert host.handle(0x99, 0, mem.memory()) == 0xFFFFFFFF
    assert host.unsupported == {0x99: 1}


# ----- files, the console and the C libraries' conventions ----------------------------------------
BLOCK, NAME, BUF = 0x40, 0x100, 0x400  # where the tests put argument blocks, names and buffers


class Firmware:
    """Calls as a C library makes them, on a fake memory, against one Semihost."""

    def __init__(self, files: Path | None = None, stdin: bytes = b"", **limits: int) -> None:
        self.out: list[bytes] = []
        self.fake = FakeMemory()
        self.host = sh.Semihost(
            cycles=lambda: 0,
            clock_hz=1_000_000,
            on_output=self.out.append,
            stdin=stdin,
            sandbox=sb.Sandbox(files, **limits),
        )

    def call(self, op: int, *words: int) -> int:
        self.fake.write(BLOCK, struct.pack(f"<{len(words)}I", *words))
        return self.host.handle(op, BLOCK, self.fake.memory())

    def signed(self, op: int, *words: int) -> int:
        value = self.call(op, *words)
        return value - (1 << 32) if value & 0x8000_0000 else value

    def open(self, name: bytes, mode: int) -> int:
        self.fake.write(NAME, name + b"\0")
        return self.signed(sh.SYS_OPEN, NAME, mode, len(name))

    def write(self, handle: int, data: bytes) -> int:
        self.fake.write(BUF, data)
        return self.call(sh.SYS_WRITE, handle, BUF, len(data))

    def read(self, handle: int, length: int) -> tuple[int, bytes]:
        """(bytes not read, the bytes read)."""
        left = self.call(sh.SYS_READ, handle, BUF, length)
        return left, bytes(self.fake.data[BUF : BUF + length - left])

    def names(self, op: int, *names: bytes) -> int:
        words, at = [], NAME
        for name in names:
            self.fake.write(at, name + b"\0")
            words += [at, len(name)]
            at += 0x100
        return self.signed(op, *words)

    @property
    def errno(self) -> int:
        return self.call(sh.SYS_ERRNO)


def test_semihosting_features_says_exit_extended_and_stdout_stderr():
    fw = Firmware()
    handle = fw.open(b":semihosting-features", 0)
    assert handle >= sb.FIRST_HANDLE and fw.call(sh.SYS_FLEN, handle) == 5
    assert fw.read(handle, 4) == (0, b"SHFB")
    assert fw.read(handle, 1) == (0, bytes([sh.SH_EXT_EXIT_EXTENDED | sh.SH_EXT_STDOUT_STDERR])) == (0, b"\x03")
    assert fw.read(handle, 8) == (8, b"")  # end of file
    assert fw.call(sh.SYS_SEEK, handle, 4) == 0 and fw.read(handle, 8) == (7, b"\x03")
    assert fw.call(sh.SYS_CLOSE, handle) == 0
    assert fw.signed(sh.SYS_CLOSE, handle) == -1 and fw.errno == sb.EBADF
    assert fw.open(b":semihosting-features", 4) == -1 and fw.errno == sb.EACCES  # not for writing
    assert fw.open(b":no-such-device", 0) == -1 and fw.errno == sb.ENOENT


def test_tt_is_stdin_stdout_or_stderr_by_mode():
    fw = Firmware()
    opened = [fw.open(b":tt", mode) for mode in range(12)]
    assert opened == [sh.STDIN_HANDLE] * 4 + [sh.STDOUT_HANDLE] * 4 + [sh.STDERR_HANDLE] * 4
    assert fw.open(b":tt", 12) == -1 and fw.errno == sb.EINVAL
    for handle in sh.CONSOLE_HANDLES:
        assert fw.call(sh.SYS_ISTTY, handle) == 1 and fw.call(sh.SYS_FLEN, handle) == 0
        assert fw.signed(sh.SYS_SEEK, handle, 0) == -1 and fw.errno == sb.ESPIPE
    assert fw.write(sh.STDERR_HANDLE, b"err ") == 0 and fw.write(sh.STDOUT_HANDLE, b"out") == 0
    assert b"".join(fw.out) == b"err out"
    assert fw.write(sh.STDIN_HANDLE, b"x") == 1 and fw.errno == sb.EBADF
    assert fw.call(sh.SYS_CLOSE, sh.STDOUT_HANDLE) == 0 and fw.write(sh.STDOUT_HANDLE, b"!") == 0  # stays open
    assert fw.signed(sh.SYS_ISTTY, 77) == -1 and fw.errno == sb.EBADF


def test_the_console_input_is_the_requests_stdin_then_end_of_input():
    fw = Firmware(stdin=b"abc\ndef")
    assert fw.read(sh.STDIN_HANDLE, 4) == (0, b"abc\n")
    assert fw.call(sh.SYS_READC) == ord("d")
    assert fw.read(sh.STDIN_HANDLE, 10) == (8, b"ef")
    assert fw.read(sh.STDIN_HANDLE, 10) == (10, b"")
    assert fw.signed(sh.SYS_READC) == -1
    assert fw.read(sh.STDOUT_HANDLE, 3) == (3, b"") and fw.errno == sb.EBADF


def test_a_file_round_trip_in_the_callers_directory(tmp_path):
    fw = Firmware(tmp_path)
    h = fw.open(b"data.bin", 5)  # "wb"
    assert h >= sb.FIRST_HANDLE and fw.write(h, b"hello world") == 0
    assert fw.call(sh.SYS_ISTTY, h) == 0 and fw.call(sh.SYS_FLEN, h) == 11
    assert fw.read(h, 4) == (4, b"") and fw.errno == sb.EBADF  # opened for writing only
    assert fw.call(sh.SYS_CLOSE, h) == 0
    assert (tmp_path / "data.bin").read_bytes() == b"hello world"
    h = fw.open(b"data.bin", 2)  # "r+"
    assert fw.call(sh.SYS_SEEK, h, 6) == 0 and fw.write(h, b"WORLD") == 0
    assert fw.call(sh.SYS_SEEK, h, 0) == 0 and fw.read(h, 20) == (9, b"hello WORLD")
    assert fw.call(sh.SYS_CLOSE, h) == 0
    h = fw.open(b"data.bin", 8)  # "a": writes go to the end
    assert fw.call(sh.SYS_SEEK, h, 0) == 0 and fw.write(h, b"!") == 0 and fw.call(sh.SYS_CLOSE, h) == 0
    assert (tmp_path / "data.bin").read_bytes() == b"hello WORLD!"
    assert fw.names(sh.SYS_RENAME, b"data.bin", b"moved.bin") == 0
    assert fw.open(b"data.bin", 0) == -1 and fw.errno == sb.ENOENT
    assert fw.names(sh.SYS_REMOVE, b"moved.bin") == 0
    assert fw.names(sh.SYS_REMOVE, b"moved.bin") == -1 and fw.errno == sb.ENOENT  # newlib tests for -1
    assert list(tmp_path.iterdir()) == []


def test_names_that_would_leave_the_directory_are_refused(tmp_path):
    root, outside = tmp_path / "files", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret").write_text("secret")
    os.symlink(outside, root / "link")
    os.symlink(outside / "secret", root / "secret-link")
    (root / "sub").mkdir()
    fw = Firmware(root)
    for name in (b"../x", b"/etc/passwd", b"sub/../../x", b"link/secret", b"link/new", b"secret-link", b"a\\..\\x"):
        for mode in (0, 4):
            assert fw.open(name, mode) == -1 and fw.errno == sb.EACCES, name
    assert fw.names(sh.SYS_REMOVE, b"link/secret") == -1 and fw.errno == sb.EACCES
    assert fw.names(sh.SYS_RENAME, b"sub", b"../sub") == -1 and fw.errno == sb.EACCES
    assert fw.names(sh.SYS_RENAME, b"link/secret", b"mine") == -1 and fw.errno == sb.EACCES
    assert sorted(p.name for p in outside.iterdir()) == ["secret"] and (outside / "secret").read_text() == "secret"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files", "outside"]
    assert fw.open(b"", 0) == -1 and fw.errno == sb.ENOENT
    assert fw.open(b".", 0) == -1 and fw.errno == sb.EISDIR
    assert fw.open(b"sub", 0) == -1 and fw.errno == sb.EISDIR
    h = fw.open(b"sub/inner.txt", 4)  # a subdirectory that exists is fine
    assert h > 0 and fw.call(sh.SYS_CLOSE, h) == 0 and (root / "sub" / "inner.txt").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_a_fifo_in_the_directory_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    fw = Firmware(tmp_path)
    assert fw.open(b"pipe", 0) == -1 and fw.errno == sb.EACCES


def test_open_handles_are_bounded(tmp_path):
    fw = Firmware(tmp_path, max_open=5)
    handles = [fw.open(f"f{i}".encode(), 4) for i in range(5)]
    assert handles == list(range(sb.FIRST_HANDLE, sb.FIRST_HANDLE + 5))
    assert fw.open(b"one-too-many", 4) == -1 and fw.errno == sb.EMFILE
    assert fw.open(b":semihosting-features", 0) == -1 and fw.errno == sb.EMFILE
    assert fw.call(sh.SYS_CLOSE, handles[2]) == 0
    assert fw.open(b"again", 4) == handles[2]  # the lowest free handle
    assert sb.MAX_OPEN == 64


def test_what_a_run_adds_to_its_files_is_bounded(tmp_path):
    fw = Firmware(tmp_path, write_limit=100)
    h = fw.open(b"big", 6)  # "w+"
    assert fw.write(h, b"x" * 60) == 0
    assert fw.write(h, b"y" * 60) == 60 and fw.errno == sb.ENOSPC  # refused whole: nothing written
    assert fw.call(sh.SYS_SEEK, h, 0) == 0 and fw.write(h, b"z" * 60) == 0  # overwriting adds nothing
    assert fw.write(h, b"w" * 40) == 0  # up to 100 bytes in all
    assert fw.write(h, b"v") == 1 and fw.errno == sb.ENOSPC
    assert fw.call(sh.SYS_SEEK, h, 1000) == 0 and fw.write(h, b"") == 0
    assert fw.write(h, b"u") == 1  # a write past the end would grow the file by the gap too
    assert fw.call(sh.SYS_CLOSE, h) == 0
    assert (tmp_path / "big").read_bytes() == b"z" * 60 + b"w" * 40
    assert sb.WRITE_LIMIT == 256 << 20


def test_a_directory_simtiny_makes_exists_only_from_the_first_file_call_to_close(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fw = Firmware()
    assert fw.write(sh.STDOUT_HANDLE, b"console only") == 0 and list(tmp_path.iterdir()) == []
    h = fw.open(b"log.txt", 4)
    assert fw.write(h, b"kept open") == 0
    (made,) = tmp_path.iterdir()
    assert made.name.startswith("simtiny-files-") and (made / "log.txt").exists()
    fw.host.close()
    assert list(tmp_path.iterdir()) == []
    fw.host.close()  # twice is fine
    assert fw.open(b"late.txt", 4) == -1 and fw.errno == sb.EBADF and list(tmp_path.iterdir()) == []


def test_a_missing_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="is not an existing directory"):
        sb.Sandbox(tmp_path / "missing")
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="is not an existing directory"):
        sb.Sandbox(tmp_path / "file")


def test_errno_uses_the_c_librarys_numbers_not_the_hosts():
    assert sb.target_errno(OSError(host_errno.ENAMETOOLONG, "x")) == sb.ENAMETOOLONG == 91
    assert sb.target_errno(OSError(host_errno.ENOENT, "x")) == sb.ENOENT == 2
    assert sb.target_errno(OSError(host_errno.EHOSTDOWN, "x")) == sb.EIO
    fw = Firmware()
    assert fw.errno == 0
    assert fw.open(b"missing", 0) == -1 and fw.errno == sb.ENOENT
    assert fw.write(sh.STDOUT_HANDLE, b".") == 0 and fw.errno == sb.ENOENT  # the last error stays
    fw.host.close()


def test_sys_system_is_refused():
    fw = Firmware()
    fw.fake.write(NAME, b"rm -rf /\0")
    assert fw.signed(sh.SYS_SYSTEM, NAME, 8) == -1 and fw.errno == sb.ENOSYS
    assert fw.host.refused == {sh.SYS_SYSTEM: 1} and fw.host.unsupported == {}


def test_sys_exit_takes_the_reason_itself_and_exit_extended_a_block():
    fw = Firmware()
    assert fw.host.handle(sh.SYS_EXIT, 0x20023, fw.fake.memory()) == 0  # ADP_Stopped_RunTimeErrorUnknown
    assert (fw.host.exit_status, fw.host.exit_reason, fw.host.notes) == (1, 0x20023, [])
    fw = Firmware()
    fw.fake.write(0x80, struct.pack("<2I", sh.ADP_STOPPED_APPLICATION_EXIT, 3))
    fw.host.handle(sh.SYS_EXIT, 0x80, fw.fake.memory())  # a block: the AArch64 convention
    assert fw.host.exit_status == 1 and "is no ADP_Stopped_* reason code" in fw.host.notes[0]
    fw = Firmware()
    assert fw.call(sh.SYS_EXIT_EXTENDED, sh.ADP_STOPPED_APPLICATION_EXIT, 3) == 0 and fw.host.exit_status == 3
    fw = Firmware()
    fw.call(sh.SYS_EXIT_EXTENDED, 0x20023, 3)
    assert (fw.host.exit_status, fw.host.exit_reason) == (1, 0x20023)
    assert sh.reason_name(0x20023) == "ADP_Stopped_RunTimeErrorUnknown"


def test_small_calls_iserror_tmpnam_heapinfo_cmdline():
    fw = Firmware()
    assert fw.call(sh.SYS_ISERROR, 0xFFFFFFFF) == 1 and fw.call(sh.SYS_ISERROR, 5) == 0
    assert fw.call(sh.SYS_TMPNAM, BUF, 7, 64) == 0
    assert bytes(fw.fake.data[BUF : BUF + 17]) == b"simtiny-tmp-007\0\0"
    assert fw.signed(sh.SYS_TMPNAM, BUF, 7, 4) == -1 and fw.errno == sb.EINVAL
    fw.fake.write(0x200, b"\xff" * 16)
    assert fw.call(sh.SYS_HEAPINFO, 0x200) == 0 and bytes(fw.fake.data[0x200:0x210]) == bytes(16)
    assert fw.call(sh.SYS_GET_CMDLINE, BUF, 16) == 0 and fw.fake.data[BUF] == 0
    assert struct.unpack("<2I", bytes(fw.fake.data[BLOCK : BLOCK + 8])) == (BUF, 0)
    assert fw.signed(sh.SYS_GET_CMDLINE, BUF, 0) == -1
