"""Semihosting operations against a fake memory."""

from __future__ import annotations

import struct

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
