"""The `qemu` engine: `qemu-system-arm` from Debian runs the ELF on a machine QEMU models (the
board's `[qemu] machine`, today mps2-an500), as an independent second engine.

What it reports, and how:
- exit status: QEMU's own semihosting (`-semihosting-config enable=on,target=native`) ends QEMU
  with the firmware's SYS_EXIT status;
- console text: the console UART (QEMU's first serial port) and semihosting, each into a file;
- instructions: simtiny's TCG plugin (native/insn_counter.c) counts every instruction QEMU
  executes and stops the run at the instruction budget;
- no cycles: QEMU has no cycle model, and the report says so rather than print a figure.
Not (yet): memory read back after the run (a request with reads is refused), stack use, and
fault details beyond QEMU's own message. QEMU's semihosting gives the firmware the host's files
relative to a fresh folder (the run's `files` folder when given): run only firmware you trust.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from simtiny.elf.image import load_elf
from simtiny.errors import InputError, SimtinyError
from simtiny.hostcc import cached_shared_library
from simtiny.sim.result import Console, Fault, RunRequest, RunResult

QEMU = "qemu-system-arm"
PLUGIN_SOURCE = Path(__file__).resolve().parent / "native" / "insn_counter.c"
HOST_SPEED = 20e6  # instructions per host second QEMU beats with room to spare: the wall-clock limit


def _opt(path: Path) -> str:
    """A path inside a QEMU option list, where a comma separates options unless doubled."""
    return str(path).replace(",", ",,")


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
        if request.reads or request.writes or request.paint_ram or request.profile:
            raise InputError("the qemu engine reads no memory back and profiles nothing yet: use --engine unicorn")
        binary = shutil.which(QEMU)
        if binary is None:
            raise InputError(f"the qemu engine needs {QEMU} (Debian: apt install qemu-system-arm)")
        if request.image is None:
            load_elf(request.elf)  # one-line errors for what is not a firmware ELF, before QEMU sees it
        plugin = plugin_path()
        with tempfile.TemporaryDirectory(prefix="simtiny-qemu-") as scratch:
            work = Path(scratch)
            files = request.files if request.files is not None else work / "files"
            files.mkdir(exist_ok=True)
            uart, semihosting, count = work / "uart.txt", work / "semihosting.txt", work / "count.txt"
            command = [
                binary,
                "-M", board.qemu_machine,
                "-display", "none",
                "-monitor", "none",
                "-chardev", f"file,id=uart,path={_opt(uart)}",
                "-serial", "chardev:uart",
                "-chardev", f"file,id=semihosting,path={_opt(semihosting)}",
                "-semihosting-config", "enable=on,target=native,chardev=semihosting",
                "-kernel", str(request.elf.resolve()),
                "-plugin", f"{_opt(plugin)},out={_opt(count)},budget={request.max_instructions}",
            ]
            limit = 30 + request.max_instructions / HOST_SPEED
            start = time.perf_counter()
            try:
                done = subprocess.run(
                    command, cwd=files, input=request.stdin, capture_output=True, timeout=limit
                )
            except subprocess.TimeoutExpired:
                fault = Fault(f"QEMU did not end within {limit:.0f} s", 0, None)
                return self._result(request, "stopped", None, uart, semihosting, [], time.perf_counter() - start, fault)
            seconds = time.perf_counter() - start
            counted = count.read_text().split() if count.exists() else []
            if "budget" in counted:
                return self._result(request, "budget", None, uart, semihosting, counted, seconds, None)
            if not counted:  # QEMU itself failed: the plugin never reached its exit
                message = done.stderr.decode(errors="replace").strip().splitlines()
                raise SimtinyError(f"qemu-system-arm failed (exit {done.returncode}): {message[0] if message else ''}")
            stderr = done.stderr.decode(errors="replace")
            if "qemu: fatal:" in stderr:  # a lockup: a fault QEMU could not take
                line = next(text for text in stderr.splitlines() if "qemu: fatal:" in text)
                fault = Fault(line.removeprefix("qemu: fatal: "), 0, None)
                return self._result(request, "fault", None, uart, semihosting, counted, seconds, fault)
            if done.stdout:  # what the firmware wrote to its :tt handles (SYS_WRITE) reached QEMU's stdout
                with semihosting.open("ab") as text:
                    text.write(done.stdout)
            return self._result(request, "exit", done.returncode, uart, semihosting, counted, seconds, None)

    @staticmethod
    def _result(request, status, code, uart, semihosting, counted, seconds, fault) -> RunResult:  # type: ignore[no-untyped-def]
        """The run's result; `counted` is the plugin's file, split into words ([] if none)."""
        limit = max(0, request.console_limit)
        texts = {}
        for name, path in (("uart", uart), ("semihosting", semihosting)):
            data = path.read_bytes() if path.exists() else b""
            if request.on_console is not None and data:
                request.on_console(name, data)
            texts[name] = (data[:limit].decode("latin-1"), max(0, len(data) - limit))
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
