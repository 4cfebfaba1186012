"""Cross-engine agreement, without the engines: every kind of difference is found and named, and
QEMU's gdbstub client speaks the remote protocol (against a scripted stub on a socket pair)."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from simtiny.flow.crosscheck import compare_runs, other_engine
from simtiny.sim.qemu.gdbstub import GdbClient, GdbError, _checksum
from simtiny.sim.result import Console, RunResult

ENGINES = ("unicorn", "qemu")


def result(engine="unicorn", status="exit", code=0, uart="ok\n", semihosting="", instructions=1000) -> RunResult:
    return RunResult(engine, status, code, Console(uart, semihosting), instructions, None, 25_000_000, None)


def outputs(*values) -> list[np.ndarray]:
    return [np.array(values, dtype=np.int8).reshape(1, -1)]


def test_the_other_engine_of_each():
    assert other_engine("unicorn") == "qemu" and other_engine("qemu") == "unicorn"


def test_runs_that_agree_say_what_was_compared():
    check = compare_runs(ENGINES, (result(), result("qemu")), (outputs(1, 2, 3), outputs(1, 2, 3)))
    assert check.agrees and (check.outputs, check.elements, check.instructions) == (1, 3, 1000)


@pytest.mark.parametrize(
    ("second", "second_outputs", "named"),
    [
        (result("qemu"), outputs(1, 9, 3), "output 0 at (0, 1): unicorn 2, qemu 9"),
        (result("qemu", code=1), outputs(1, 2, 3), "the run ended differently: unicorn exit 0, qemu exit 1"),
        (result("qemu", uart="oK\n"), outputs(1, 2, 3), "uart console text from character 1"),
        (result("qemu", semihosting="x"), outputs(1, 2, 3), "semihosting console text from character 0"),
        (result("qemu", instructions=1001), outputs(1, 2, 3), "instructions executed: unicorn 1,000, qemu 1,001"),
    ],
)
def test_the_first_difference_is_named(second, second_outputs, named):
    check = compare_runs(ENGINES, (result(), second), (outputs(1, 2, 3), second_outputs))
    assert not check.agrees and check.difference.startswith(named), check.difference


def test_outputs_of_another_shape_are_a_difference():
    check = compare_runs(ENGINES, (result(), result("qemu")), (outputs(1, 2, 3), outputs(1, 2)))
    assert not check.agrees and check.difference == "output 0: unicorn gives int8 [1, 3], qemu int8 [1, 2]"


def _packet(payload: str) -> bytes:
    body = payload.encode()
    return b"$" + body + b"#" + _checksum(body)


def _stub(sock: socket.socket, script: list[tuple[str, str]], seen: list[str]) -> None:
    """A gdbstub that acknowledges every packet and answers each with the next scripted reply."""
    buffer = b""
    for _expected, reply in script:
        while b"#" not in buffer or len(buffer) < buffer.index(b"#") + 3:
            buffer += sock.recv(4096)
        start, end = buffer.index(b"$"), buffer.index(b"#")
        seen.append(buffer[start + 1 : end].decode())
        buffer = buffer[end + 3 :]
        sock.sendall(b"+" + _packet(reply))
        ack = sock.recv(1)  # the client's acknowledgement of the reply
        assert ack == b"+"
    sock.close()


def test_the_gdbstub_client_writes_reads_and_resumes_in_the_remote_protocol():
    ours, theirs = socket.socketpair()
    registers = "".join((k).to_bytes(4, "little").hex() for k in range(16)) + "00" * 8
    script = [
        ("M", "OK"),
        ("m", "0102ff"),
        ("g", registers),
        ("Z0", "OK"),
        ("c", "T05thread:01;"),
    ]
    seen: list[str] = []
    stub = threading.Thread(target=_stub, args=(theirs, script, seen))
    stub.start()
    gdb = GdbClient(ours, time.monotonic() + 10)
    gdb.write_memory(0x2000_0000, b"\xaa\xbb")
    assert gdb.read_memory(0x2000_0010, 3) == b"\x01\x02\xff"
    assert gdb.core_registers() == list(range(16))
    gdb.set_breakpoint(0x23E)
    assert gdb.resume().startswith("T05")
    stub.join()
    gdb.close()
    assert seen == ["M20000000,2:aabb", "m20000010,3", "g", "Z0,23e,2", "c"]


def test_a_refused_request_is_a_one_line_error():
    ours, theirs = socket.socketpair()
    stub = threading.Thread(target=_stub, args=(theirs, [("m", "E14")], []))
    stub.start()
    gdb = GdbClient(ours, time.monotonic() + 10)
    with pytest.raises(GdbError, match="could not read 4 bytes at 0x00000100"):
        gdb.read_memory(0x100, 4)
    stub.join()
    gdb.close()
