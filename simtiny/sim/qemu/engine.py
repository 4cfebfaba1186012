"""The `qemu` engine: `qemu-system-arm` from Debian runs the ELF on a machine QEMU models (the
board's `[qemu] machine`, today mps2-an500), as an independent second engine.

What it reports, and how:
- exit status: QEMU's own semihosting (`-semihosting-config enable=on,target=native`) ends QEMU
  with the firmware's SYS_EXIT status;
- console text: the console UART (QEMU's first serial port) and semihosting, each into a file,
  handed to `on_console` while QEMU writes it, and kept up to `console_limit` bytes;
- instructions: simtiny's TCG plugin (native/insn_counter.c) counts every instruction QEMU
  executes and stops the run at the instruction budget;
- memory: with writes or reads, QEMU starts halted with its gdbstub on a Unix socket
  (gdbstub.py); the writes go in before the first instruction, and the reads are taken when the
  firmware asks semihosting to exit: a breakpoint on every `bkpt 0xab` of its code stops it
  there, and the call is let through once the memory is read;
- time: `-icount` ties QEMU's virtual clock to instructions (2^shift ns each, shift from the
  board's clock: 32 ns at 25 MHz), and an idle core skips ahead to the next timer, so SysTick
  and the other timers tick at the same instruction on every run, whatever the host's speed;
- no cycles: QEMU has no cycle model, and the report says so rather than print a figure.
Not: stack use (no RAM painting), profiles, and fault details beyond QEMU's own message. QEMU's
semihosting gives the firmware the host's files relative to a fresh folder (the run's `files`
folder when given): run only firmware you trust.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from simtiny.elf.image import ElfImage, load_elf
from simtiny.errors import InputError, SimtinyError
from simtiny.hostcc import cached_shared_library
from simtiny.sim.qemu.gdbstub import GdbClient, GdbError
from simtiny.sim.result import Console, ConsoleCallback, Fault, RunRequest, RunResult

QEMU = "qemu-system-arm"
PLUGIN_SOURCE = Path(__file__).resolve().parent / "native" / "insn_counter.c"
HOST_SPEED = 20e6  # instructions per host second QEMU beats with room to spare: the wall-clock limit
SEMIHOSTING_CALL = b"\xab\xbe"  # bkpt 0xab, the Thumb semihosting call
SYS_EXIT, SYS_EXIT_EXTENDED = 0x18, 0x20


def _opt(path: Path) -> str:
    """A path inside a QEMU option list, where a comma separates options unless doubled."""
    return str(path).replace(",", ",,")


SOCKET_PATH_MAX = 100  # bytes of a Unix socket's path (sun_path holds 108 with its NUL, on Linux)


@contextlib.contextmanager
def _socket_folder(work: Path):  # type: ignore[no-untyped-def]
    """Where the gdbstub's socket goes: the run's folder, or a short one under /tmp when that
    folder's path (TMPDIR) is too long for a Unix socket."""
    if len(str(work / "gdb.sock").encode()) <= SOCKET_PATH_MAX:
        yield work
        return
    with tempfile.TemporaryDirectory(prefix="st-", dir="/tmp") as short:
        yield Path(short)


def icount_shift(clock_hz: int) -> int:
    """QEMU's -icount shift for a core clock: each instruction takes 2^shift ns of virtual time,
    the power of two nearest one clock period."""
    return max(0, min(10, round(math.log2(1e9 / clock_hz))))


def plugin_path() -> Path:
    """The instruction-counting plugin, compiled once per source version into simtiny's cache."""
    return cached_shared_library(PLUGIN_SOURCE, "QEMU instruction counter")


class QemuEngine:
    """Runs one request in a `qemu-system-arm` process."""

    name = "qemu"

    def run(self, request: RunRequest) -> RunResult:
        board = request.platform
        if board.qemu_machine is None:
            raise InputError(f"the qemu engine has no machine for board {board.name} (boards QEMU models: mps2-an500)")
        if request.paint_ram or request.profile:
            raise InputError("the qemu engine measures no stack use and profiles nothing: use --engine unicorn")
        binary = shutil.which(QEMU)
        if binary is None:
            raise InputError(f"the qemu engine needs {QEMU} (Debian: apt install qemu-system-arm)")
        # one-line errors for what is not a firmware ELF, before QEMU sees it
        image = request.image if request.image is not None else load_elf(request.elf)
        plugin = plugin_path()
        with tempfile.TemporaryDirectory(prefix="simtiny-qemu-") as scratch, _socket_folder(Path(scratch)) as sockets:
            work = Path(scratch)
            files = request.files if request.files is not None else work / "files"
            files.mkdir(exist_ok=True)
            uart, semihosting, count = work / "uart.txt", work / "semihosting.txt", work / "count.txt"
            debug = bool(request.reads or request.writes)
            socket_path = sockets / "gdb.sock"
            command = [
                binary,
                "-M", board.qemu_machine,
                "-display", "none",
                "-monitor", "none",
                "-chardev", f"file,id=uart,path={_opt(uart)}",
                "-serial", "chardev:uart",
                "-chardev", f"file,id=semihosting,path={_opt(semihosting)}",
                # arg=: an empty command line (SYS_GET_CMDLINE), as simtiny's semihosting gives,
                # not the kernel's path, so that C libraries parse the same text on both engines
                "-semihosting-config", "enable=on,target=native,chardev=semihosting,arg=",
                "-icount", f"shift={icount_shift(board.clock_hz)},sleep=off",
                "-kernel", str(Path(request.elf).resolve()),
                "-plugin", f"{_opt(plugin)},out={_opt(count)},budget={request.max_instructions}",
            ]
            if debug:  # halted at reset, until the gdbstub client lets it run
                command += ["-S", "-gdb", f"unix:{_opt(socket_path)},server=on,wait=off"]
            limit = 30 + request.max_instructions / HOST_SPEED
            (work / "stdin").write_bytes(request.stdin)
            start = time.perf_counter()
            memory: dict[str, bytes] = {}
            streams = [("uart", uart), ("semihosting", semihosting), ("semihosting", work / "stdout")]
            with (work / "stdin").open("rb") as stdin, (work / "stdout").open("wb") as stdout, (
                work / "stderr"
            ).open("wb") as stderr_file, _ConsoleTail(request.on_console, streams):
                process = subprocess.Popen(command, cwd=files, stdin=stdin, stdout=stdout, stderr=stderr_file)
                try:
                    if debug:
                        memory = self._drive(process, socket_path, request, image, time.monotonic() + limit)
                    process.wait(timeout=max(1.0, limit - (time.perf_counter() - start)))
                except (subprocess.TimeoutExpired, TimeoutError):
                    process.kill()
                    process.wait()
                    fault = Fault(f"QEMU did not end within {limit:.0f} s", 0, None)
                    seconds = time.perf_counter() - start
                    return self._result(request, "stopped", None, uart, semihosting, [], seconds, fault)
                finally:
                    if process.poll() is None:
                        process.kill()
                        process.wait()
            seconds = time.perf_counter() - start
            counted = count.read_text().split() if count.exists() else []
            stderr = (work / "stderr").read_bytes().decode(errors="replace")
            if "budget" in counted:
                return self._result(request, "budget", None, uart, semihosting, counted, seconds, None)
            if not counted:  # QEMU itself failed: the plugin never reached its exit
                first = (stderr.strip().splitlines() or [""])[0]
                raise SimtinyError(f"qemu-system-arm failed (exit {process.returncode}): {first}")
            if "qemu: fatal:" in stderr:  # a lockup: a fault QEMU could not take
                line = next(text for text in stderr.splitlines() if "qemu: fatal:" in text)
                fault = Fault(line.removeprefix("qemu: fatal: "), 0, None)
                return self._result(request, "fault", None, uart, semihosting, counted, seconds, fault)
            # what the firmware wrote to its :tt handles (SYS_WRITE) reached QEMU's stdout
            with (work / "stdout").open("rb") as written, semihosting.open("ab") as text:
                shutil.copyfileobj(written, text)
            result = self._result(request, "exit", process.returncode, uart, semihosting, counted, seconds, None)
            if request.reads and not memory:
                raise SimtinyError(
                    "the qemu engine could not read memory back: QEMU exited without stopping at a "
                    "semihosting call (bkpt 0xab) in the firmware's code"
                )
            result.memory = memory
            return result

    @staticmethod
    def _drive(
        process: subprocess.Popen, socket_path: Path, request: RunRequest, image: ElfImage, deadline: float
    ) -> dict[str, bytes]:
        """Through the gdbstub: write the request's memory, run, and take its reads when the
        firmware calls semihosting's exit. Returns the reads ({} if it never got there)."""
        gdb = GdbClient.connect(socket_path, deadline, alive=lambda: process.poll() is None)
        try:
            for address, data in request.writes.items():
                gdb.write_memory(address, data)
            calls = semihosting_calls(image) if request.reads else []
            for address in calls:
                gdb.set_breakpoint(address)
            while True:
                try:
                    reply = gdb.resume()
                except EOFError:
                    return {}  # QEMU ended (the budget, or an exit the breakpoints did not see)
                if not reply.startswith(("T", "S")):
                    return {}
                registers = gdb.core_registers()
                pc = registers[15]
                if pc in calls and registers[0] in (SYS_EXIT, SYS_EXIT_EXTENDED):
                    memory = {r.name: gdb.read_memory(r.address, r.size) for r in request.reads}
                    with contextlib.suppress(EOFError):
                        for address in calls:
                            gdb.clear_breakpoint(address)
                        gdb.resume()
                    return memory
                if pc in calls:  # another semihosting call: step over its breakpoint
                    gdb.clear_breakpoint(pc)
                    gdb.resume(step=True)
                    gdb.set_breakpoint(pc)
        except GdbError as exc:
            raise SimtinyError(f"the qemu engine could not drive QEMU: {exc}") from None
        finally:
            gdb.close()

    @staticmethod
    def _result(request, status, code, uart, semihosting, counted, seconds, fault) -> RunResult:  # type: ignore[no-untyped-def]
        """The run's result; `counted` is the plugin's file, split into words ([] if none)."""
        limit = max(0, request.console_limit)
        texts = {}
        for name, path in (("uart", uart), ("semihosting", semihosting)):  # the first `limit` bytes only
            data, size = b"", 0
            if path.exists():
                with path.open("rb") as text:
                    data, size = text.read(limit), path.stat().st_size
            texts[name] = (data.decode("latin-1"), max(0, size - limit))
        instructions = int(counted[1]) if len(counted) >= 2 and counted[0] == "instructions" else 0
        return RunResult(
            engine=QemuEngine.name,
            status=status,
            exit_code=code,
            console=Console(texts["uart"][0], texts["semihosting"][0], texts["uart"][1], texts["semihosting"][1]),
            instructions=instructions,
            cycles=None,
            clock_hz=request.platform.clock_hz,
            stack=None,
            fault=fault,
            host_seconds=seconds,
        )


def semihosting_calls(image: ElfImage) -> list[int]:
    """Addresses of every `bkpt 0xab` in the firmware's executable sections (halfword aligned; a
    constant that happens to look like one costs a breakpoint that never hits)."""
    calls = []
    for section in image.sections:
        if not (section.exec and section.alloc) or section.nobits:
            continue
        for segment in image.segments:
            start = max(section.address, segment.vaddr)
            end = min(section.end, segment.vaddr + segment.filesz)
            data = segment.data[start - segment.vaddr : end - segment.vaddr]
            first = start + (start & 1)  # Thumb instructions are halfword aligned
            calls += [a for a in range(first, end - 1, 2) if data[a - start : a - start + 2] == SEMIHOSTING_CALL]
    return sorted(set(calls))


class _ConsoleTail:
    """Hands QEMU's console files to `on_console` while QEMU writes them: a thread reads what is
    new every 50 ms, and the rest once QEMU has ended (the context's exit)."""

    def __init__(self, on_console: ConsoleCallback | None, files: list[tuple[str, Path]]) -> None:
        self._on_console = on_console
        self._files = files
        self._offsets = [0] * len(files)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="qemu-console", daemon=True)
        self._error: BaseException | None = None

    def __enter__(self) -> _ConsoleTail:
        if self._on_console is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._on_console is None:
            return
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        self._drain()

    def _poll(self) -> None:
        try:
            while not self._stop.wait(0.05):
                self._drain()
        except BaseException as error:  # raised in the caller's thread at the end
            self._error = error

    def _drain(self) -> None:
        assert self._on_console is not None
        for k, (name, path) in enumerate(self._files):
            try:
                text = path.open("rb")
            except FileNotFoundError:
                continue
            with text:
                text.seek(self._offsets[k])
                while chunk := text.read(65536):
                    self._offsets[k] += len(chunk)
                    self._on_console(name, chunk)
