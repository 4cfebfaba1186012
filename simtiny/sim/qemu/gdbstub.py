"""A small client of QEMU's gdbstub (GDB's remote serial protocol, "RSP"), for what the qemu engine
needs of a running firmware: memory written before it starts, breakpoints, registers and memory
read while it is stopped. Packets are `$payload#checksum`, each acknowledged with `+` (GDB manual,
"Remote Protocol": Overview, Packets, Stop Reply Packets).
"""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path

from simtiny.errors import SimtinyError

CHUNK = 1024  # bytes of memory per m/M packet (4 KB of hex at most in one packet)


class GdbError(SimtinyError):
    """QEMU's gdbstub refused a request, answered nonsense, or went away."""


def _checksum(payload: bytes) -> bytes:
    return b"%02x" % (sum(payload) & 0xFF)


class GdbClient:
    """One connection to a gdbstub; every call blocks until the answer or the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._buffer = b""

    @classmethod
    def connect(cls, path: Path, deadline: float, alive: object = None) -> GdbClient:
        """Connect to the Unix socket QEMU listens on (`-gdb unix:PATH,server=on,wait=off`),
        retrying while QEMU starts; `alive()` False (QEMU ended) stops the retries."""
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(path))
                return cls(sock, deadline)
            except OSError:
                sock.close()
                if time.monotonic() > deadline or (callable(alive) and not alive()):
                    raise GdbError("QEMU's gdbstub did not answer") from None
                time.sleep(0.01)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()

    # ----- packets ----------------------------------------------------------------------------
    def _recv_some(self) -> bytes:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the run's time limit passed")
        self._sock.settimeout(remaining)
        try:
            data = self._sock.recv(65536)
        except TimeoutError:
            raise TimeoutError("the run's time limit passed") from None
        except OSError as exc:
            raise GdbError(f"QEMU's gdbstub connection failed: {exc.strerror or exc}") from None
        if not data:
            raise EOFError("QEMU closed the gdbstub connection")
        return data

    def _write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            raise EOFError("QEMU closed the gdbstub connection") from None
        except OSError as exc:
            raise GdbError(f"QEMU's gdbstub connection failed: {exc.strerror or exc}") from None

    def _send(self, payload: str) -> None:
        body = payload.encode("ascii")
        frame = b"$" + body + b"#" + _checksum(body)
        for _ in range(3):
            self._write(frame)
            while not self._buffer:
                self._buffer += self._recv_some()
            ack, self._buffer = self._buffer[:1], self._buffer[1:]
            if ack == b"+":
                return
            if ack != b"-":
                raise GdbError(f"QEMU's gdbstub sent {ack!r} where an acknowledgement belongs")
        raise GdbError("QEMU's gdbstub refused a packet three times")

    def _receive(self) -> str:
        while True:
            start = self._buffer.find(b"$")
            end = self._buffer.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self._buffer) >= end + 3:
                body, sent = self._buffer[start + 1 : end], self._buffer[end + 1 : end + 3]
                self._buffer = self._buffer[end + 3 :]
                if _checksum(body) != sent.lower():
                    self._write(b"-")
                    continue
                with contextlib.suppress(EOFError):  # QEMU may close right after its last packet ("W00")
                    self._write(b"+")
                return body.decode("latin-1")
            self._buffer += self._recv_some()

    def request(self, payload: str) -> str:
        """Send one packet and return the answer's payload."""
        self._send(payload)
        return self._receive()

    def _ok(self, payload: str, what: str) -> None:
        answer = self.request(payload)
        if answer != "OK":
            raise GdbError(f"QEMU's gdbstub could not {what} (answer {answer!r})")

    # ----- what the engine uses ----------------------------------------------------------------
    def write_memory(self, address: int, data: bytes) -> None:
        for offset in range(0, len(data), CHUNK):
            part = data[offset : offset + CHUNK]
            self._ok(f"M{address + offset:x},{len(part):x}:{part.hex()}", f"write memory at 0x{address + offset:08X}")

    def read_memory(self, address: int, size: int) -> bytes:
        out = bytearray()
        for offset in range(0, size, CHUNK):
            length = min(CHUNK, size - offset)
            answer = self.request(f"m{address + offset:x},{length:x}")
            if answer.startswith("E") or len(answer) != 2 * length:
                where = f"0x{address + offset:08X}"
                raise GdbError(f"QEMU could not read {length} bytes at {where} (answer {answer[:8]!r})")
            out += bytes.fromhex(answer)
        return bytes(out)

    def core_registers(self) -> list[int]:
        """r0-r15, from the `g` packet (32-bit little-endian values, in GDB's Arm order)."""
        answer = self.request("g")
        if len(answer) < 16 * 8 or answer.startswith("E"):
            raise GdbError(f"QEMU's gdbstub gave no registers (answer {answer[:8]!r})")
        return [int.from_bytes(bytes.fromhex(answer[8 * k : 8 * k + 8]), "little") for k in range(16)]

    def set_breakpoint(self, address: int) -> None:
        self._ok(f"Z0,{address:x},2", f"set a breakpoint at 0x{address:08X}")

    def clear_breakpoint(self, address: int) -> None:
        self._ok(f"z0,{address:x},2", f"clear the breakpoint at 0x{address:08X}")

    def resume(self, step: bool = False) -> str:
        """Continue (or step one instruction) and wait for the stop reply: `T05...` or `S05` at a
        breakpoint or after the step, `W xx`/`X xx` when QEMU ended."""
        return self.request("s" if step else "c")
