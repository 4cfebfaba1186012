"""Host memory stays bounded whatever the firmware does: semihosting arguments are checked against
the board's memory map before anything is read, and console output streams out as it comes
while the result keeps only the first part of it."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.reports import read_report

from simtiny.cli import main
from simtiny.errors import EXIT_SIM_FAULT, EXIT_USAGE
from simtiny.flow.build import FirmwareSpec, available_toolchains, build, find_toolchain
from simtiny.platform import Region
from simtiny.sim import semihosting as sh
from simtiny.sim.board import ConsoleStream

TEST_FIRMWARE = Path(__file__).resolve().parent / "firmware"
FLOOD_DEFAULT = 3 << 20  # tests/firmware/flood.c without -DFLOOD_BYTES

# A small memory map: 64 KB of RAM at 0x1000, 4 KB of read-only memory at 0x20000 and 4 KB of RAM
# adjacent to the first region's end (0x11000).
REGIONS = (
    Region("RAM", 0x1000, 0x10000, "rw", "sram"),
    Region("RAM2", 0x11000, 0x1000, "rw", "sram"),
    Region("ROM", 0x20000, 0x1000, "r", "flash"),
)


class MappedMemory:
    """Target memory behind REGIONS that records the largest single read asked of it."""

    def __init__(self) -> None:
        self.data = bytearray(0x21000)
        self.largest_read = 0

    def memory(self) -> sh.Memory:
        return sh.Memory(read=self.read, write=self.write)

    def read(self, address: int, length: int) -> bytes:
        self.largest_read = max(self.largest_read, length)
        assert address >= 0 and address + length <= len(self.data), "read outside the fake memory"
        return bytes(self.data[address : address + length])

    def write(self, address: int, data: bytes) -> None:
        self.data[address : address + len(data)] = data


def _host() -> tuple[sh.Semihost, MappedMemory, list[bytes]]:
    out: list[bytes] = []
    host = sh.Semihost(cycles=lambda: 1000, clock_hz=1_000_000, on_output=out.append, regions=REGIONS)
    return host, MappedMemory(), out


def _refused(host: sh.Semihost, mem: MappedMemory, op: int, arg: int) -> str:
    with pytest.raises(sh.SemihostingError) as excinfo:
        host.handle(op, arg, mem.memory())
    assert excinfo.value.op == op
    return str(excinfo.value)


# ----- semihosting arguments ---------------------------------------------------------------------
def test_sys_write_of_a_huge_length_is_refused_before_any_read():
    host, mem, out = _host()
    mem.write(0x100 + 0x1000, struct.pack("<3I", 1, 0x2000, 0xFFFF_FFF0))
    message = _refused(host, mem, sh.SYS_WRITE, 0x1100)
    assert message.startswith(
        "SYS_WRITE buffer 0x00002000-0x100001FEF (4,294,967,280 bytes) is outside readable memory"
    )
    assert "unmapped memory at 0x00012000" in message
    assert mem.largest_read == 12 and out == []  # only the argument block was read


def test_sys_write_reads_a_long_buffer_in_pieces():
    host, mem, out = _host()
    mem.write(0x1000, bytes(range(256)) * 256)  # 64 KB, then RAM2 adjacent: 68 KB readable in all
    mem.write(0x11F00, struct.pack("<3I", 2, 0x1000, 0x11000))
    assert host.handle(sh.SYS_WRITE, 0x11F00, mem.memory()) == 0
    assert sum(map(len, out)) == 0x11000 and all(len(piece) <= sh.CHUNK for piece in out)
    assert out[0][:4] == bytes([0, 1, 2, 3]) and mem.largest_read == sh.CHUNK


def test_an_unmapped_argument_block_is_refused():
    host, mem, _ = _host()
    for op in (sh.SYS_WRITE, sh.SYS_READ, sh.SYS_OPEN, sh.SYS_ISTTY, sh.SYS_EXIT_EXTENDED, sh.SYS_GET_CMDLINE):
        message = _refused(host, mem, op, 0xFFFF_FFF8)
        assert message.startswith(f"{sh.NAMES[op]} argument block 0xFFFFFFF8-"), message


def test_sys_read_into_read_only_memory_is_refused():
    host, mem, _ = _host()
    mem.write(0x1000, struct.pack("<3I", 1, 0x20000, 16))
    message = _refused(host, mem, sh.SYS_READ, 0x1000)
    assert "SYS_READ buffer 0x00020000-0x0002000F (16 bytes) is outside writable memory" in message
    assert "ROM (r, not writable)" in message
    mem.write(0x1000, struct.pack("<3I", 1, 0x2000, 16))
    assert host.handle(sh.SYS_READ, 0x1000, mem.memory()) == 16  # into RAM: end of input


def test_sys_write0_scans_only_readable_memory_and_only_so_far():
    host, mem, out = _host()
    mem.write(0x11FF0, b"A" * 16)  # no NUL before the end of RAM2
    message = _refused(host, mem, sh.SYS_WRITE0, 0x11FF0)
    assert message == "SYS_WRITE0 string at 0x00011FF0 runs into unmapped memory at 0x00012000 before its NUL"
    assert b"".join(out) == b"A" * 16
    assert "unmapped memory at 0x00000010" in _refused(host, mem, sh.SYS_WRITE0, 0x10)
    big = sh.Semihost(lambda: 0, 1, out.append, regions=(Region("RAM", 0, 4 << 20, "rw", "sram"),))
    zeros_free = sh.Memory(read=lambda a, n: b"x" * n, write=lambda a, d: None)
    with pytest.raises(sh.SemihostingError, match=r"has no NUL within 1,048,576 bytes"):
        big.handle(sh.SYS_WRITE0, 0, zeros_free)


def test_sys_write0_prints_a_string_that_crosses_adjacent_regions():
    host, mem, out = _host()
    mem.write(0x10FFE, b"hello\0")
    assert host.handle(sh.SYS_WRITE0, 0x10FFE, mem.memory()) == 0
    assert b"".join(out) == b"hello"


def test_sys_open_checks_its_name_and_length():
    host, mem, _ = _host()
    mem.write(0x1000, struct.pack("<3I", 0x2000, 0, 10_000))
    assert "file name length 10,000 is longer than 4,096 bytes" in _refused(host, mem, sh.SYS_OPEN, 0x1000)
    mem.write(0x1000, struct.pack("<3I", 0x1_0000_000 - 0x10, 0, 3))
    assert "SYS_OPEN file name 0x0FFFFFF0-" in _refused(host, mem, sh.SYS_OPEN, 0x1000)
    mem.write(0x2000, b":tt\0")
    mem.write(0x1000, struct.pack("<3I", 0x2000, 4, 3))
    assert host.handle(sh.SYS_OPEN, 0x1000, mem.memory()) == sh.STDOUT_HANDLE


def test_buffers_the_host_writes_must_be_writable():
    host, mem, _ = _host()
    mem.write(0x1000, struct.pack("<2I", 0x11FF0, 0x100))  # runs off the end of RAM2
    assert "SYS_GET_CMDLINE buffer 0x00011FF0-0x000120EF (256 bytes)" in _refused(host, mem, sh.SYS_GET_CMDLINE, 0x1000)
    mem.write(0x1000, struct.pack("<I", 0x20000))
    assert "SYS_HEAPINFO heap information block 0x00020000" in _refused(host, mem, sh.SYS_HEAPINFO, 0x1000)
    assert "SYS_ELAPSED tick count 0x00020000" in _refused(host, mem, sh.SYS_ELAPSED, 0x20000)
    mem.write(0x1000, struct.pack("<2I", 0x3000, 0x10))
    assert host.handle(sh.SYS_GET_CMDLINE, 0x1000, mem.memory()) == 0 and mem.data[0x3000] == 0


# ----- console streams ---------------------------------------------------------------------------
def test_console_stream_keeps_a_bounded_prefix_and_passes_everything_on():
    seen: list[tuple[str, bytes]] = []
    stream = ConsoleStream("semihosting", 10, lambda name, data: seen.append((name, data)))
    stream.extend(b"0123456")
    stream.extend(b"789abcdef")
    for byte in b"gh":
        stream.append(byte)
    assert stream.text() == "0123456789" and stream.dropped == 8
    assert b"".join(d for _, d in seen) == b"0123456789abcdefgh" and {n for n, _ in seen} == {"semihosting"}


def test_uart_bytes_are_passed_on_a_line_at_a_time():
    seen: list[bytes] = []
    stream = ConsoleStream("uart", 100, lambda name, data: seen.append(data))
    for byte in b"ab\ncd":
        stream.append(byte)
    assert seen == [b"ab\n"]
    stream.extend(b"!")  # other output first passes on what is pending
    assert seen == [b"ab\n", b"cd", b"!"]
    for byte in bytes(ConsoleStream.LINE):
        stream.append(byte)
    assert len(seen) == 4 and len(seen[-1]) == ConsoleStream.LINE  # a long line does not wait for its end


# ----- on the simulated board --------------------------------------------------------------------
def _gcc() -> None:
    if "gcc" not in available_toolchains():
        pytest.skip("arm-none-eabi-gcc not installed")


@pytest.fixture(scope="module")
def flood_builds(platform):
    """flood.c built per amount of output (a -D define), once per module."""
    built: dict[int, Path] = {}

    def get(nbytes: int) -> Path:
        _gcc()
        if nbytes not in built:
            spec = FirmwareSpec(f"flood{nbytes}", (TEST_FIRMWARE / "flood.c",), defines=(f"FLOOD_BYTES={nbytes}u",))
            built[nbytes] = build(spec, platform, find_toolchain("gcc")).elf
        return built[nbytes]

    return get


def _bad_call_address(elf: Path) -> int:
    from simtiny.elf.image import load_elf

    return load_elf(elf).symbol("bad_call")


@pytest.mark.sim
@pytest.mark.parametrize(
    "call, needle",
    [
        (0, "SYS_WRITE buffer 0x24"),
        (1, "SYS_WRITE0 string at 0x60000000 runs into unmapped memory at 0x60000000"),
        (2, "SYS_READ buffer 0x08000000-0x0800000F (16 bytes) is outside writable memory: FLASH (rx, not writable)"),
        (3, "SYS_OPEN argument block 0xFFFFFFF8-"),
        (4, "SYS_GET_CMDLINE buffer 0x2001FFF0-0x200200EF (256 bytes) is outside writable memory"),
        (5, "SYS_HEAPINFO heap information block 0x40004800-"),
        (6, "SYS_WRITE0 string at 0x2407FFC0 runs into unmapped memory at 0x24080000 before its NUL"),
    ],
)
def test_bad_semihosting_arguments_end_the_run_with_a_fault(firmware_builder, run_firmware, call, needle):
    elf = firmware_builder("bad_semihost", "gcc").elf
    result = run_firmware(elf, writes={_bad_call_address(elf): struct.pack("<I", call)})
    assert result.status == "fault", (result.status, result.console)
    assert result.fault.kind == "bad semihosting argument" and result.fault.symbol.startswith("main")
    assert needle in result.fault.detail, result.fault.detail
    assert "survived" not in result.console.semihosting


def _max_rss_kb(*args: str) -> tuple[int, subprocess.CompletedProcess]:
    """Run `simtiny ARGS` in a fresh Python and return its peak resident memory (KB) and the process.

    The peak is the process's own (VmHWM): getrusage's ru_maxrss would carry over the parent's
    size from before the exec (Linux keeps the larger of the two).
    """
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux /proc to read the peak resident memory")
    code = (
        "import sys\n"
        "from simtiny.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "sys.stdout.flush()\n"
        "peak = next(x for x in open('/proc/self/status') if x.startswith('VmHWM:'))\n"
        "print('MAXRSS', peak.split()[1], file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MAXRSS "))
    return int(line.split()[1]), proc


@pytest.mark.sim
def test_a_huge_sys_write_costs_no_host_memory(firmware_builder):
    """The firmware asks for 4 GB: before the check, simtiny allocated it (4.2 GB peak)."""
    elf = firmware_builder("bad_semihost", "gcc").elf
    rss, proc = _max_rss_kb("sim", str(elf))
    assert proc.returncode == EXIT_SIM_FAULT, proc.stderr
    assert rss < 400 * 1024, f"{rss} KB"


@pytest.mark.sim
def test_cli_reports_the_bad_call_and_exits_125(firmware_builder, capsys):
    elf = firmware_builder("bad_semihost", "gcc").elf
    assert main(["sim", str(elf)]) == EXIT_SIM_FAULT == 125
    out = capsys.readouterr().out
    assert "FAULT: bad semihosting argument at 0x24" in out
    assert "SYS_WRITE buffer" in out and "(4,294,967,280 bytes) is outside readable memory" in out


@pytest.mark.sim
def test_console_output_beyond_the_limit_is_counted_not_kept(flood_builds, run_firmware):
    pieces: list[tuple[str, bytes]] = []
    elf = flood_builds(FLOOD_DEFAULT)
    result = run_firmware(elf, console_limit=100_000, on_console=lambda s, d: pieces.append((s, d)))
    assert result.status == "exit" and result.exit_code == 0
    console = result.console
    assert len(console.semihosting) == 100_000 and console.semihosting_dropped == FLOOD_DEFAULT - 100_000
    assert console.uart == "flood done\r\n" and console.uart_dropped == 0
    streamed = b"".join(d for s, d in pieces if s == "semihosting")
    assert len(streamed) == FLOOD_DEFAULT and streamed[:100_000].decode() == console.semihosting
    assert pieces[-1] == ("uart", b"flood done\r\n")  # a line at a time, after the semihosting text


@pytest.mark.sim
def test_host_memory_does_not_grow_with_console_output(flood_builds):
    """32 MB of output costs what 1 MB costs (before: about 6.5 bytes of host memory per byte)."""
    small, proc = _max_rss_kb("sim", str(flood_builds(1 << 20)))
    assert proc.returncode == 0, proc.stderr
    large, proc = _max_rss_kb("sim", str(flood_builds(32 << 20)))
    assert proc.returncode == 0, proc.stderr
    assert large - small < 16 * 1024, (small, large)


@pytest.mark.sim
def test_sim_prints_the_console_first_then_the_summary_and_logs_it_all(flood_builds, tmp_path, capsys):
    elf = flood_builds(FLOOD_DEFAULT)
    log, report = tmp_path / "console.log", tmp_path / "run.json"
    assert main(["sim", str(elf), "--console-log", str(log), "--json", str(report)]) == 0
    out = capsys.readouterr().out
    head, _, summary = out.partition("flood done\r\n")
    assert len(head) == FLOOD_DEFAULT and head.startswith("abcdefghij")
    assert summary.startswith("result        exited with status 0")
    assert f"{FLOOD_DEFAULT - (1 << 20):,} bytes past the first 1,048,576 of a stream were not kept" in summary
    logged = log.read_bytes()
    assert len(logged) == FLOOD_DEFAULT + len("flood done\r\n") and logged.endswith(b"flood done\r\n")
    data = read_report(report)
    assert data["console_dropped"] == {"uart": 0, "semihosting": FLOOD_DEFAULT - (1 << 20)}
    assert len(data["semihosting"]) == 1 << 20


@pytest.mark.sim
def test_console_callback_sees_both_streams_in_order(firmware_builder, run_firmware):
    pieces: list[tuple[str, bytes]] = []
    result = run_firmware(firmware_builder("hello", "gcc").elf, on_console=lambda s, d: pieces.append((s, d)))
    assert result.exit_code == 7
    assert pieces == [("uart", b"hello from USART3\r\n"), ("semihosting", b"hello from semihosting\n")]


@pytest.mark.sim
def test_quiet_prints_only_the_console(firmware_builder, capsys):
    assert main(["sim", str(firmware_builder("hello", "gcc").elf), "-q"]) == 7
    assert capsys.readouterr().out == "hello from USART3\r\nhello from semihosting\n"


@pytest.mark.sim
def test_console_log_never_overwrites(firmware_builder, tmp_path):
    elf = firmware_builder("hello", "gcc").elf
    existing = tmp_path / "old.log"
    existing.write_text("keep me")
    for target, needle in ((existing, "exists"), (elf, "input")):
        proc = subprocess.run(
            [sys.executable, "-m", "simtiny.cli", "sim", str(elf), "--console-log", str(target)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == EXIT_USAGE and needle in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""
    assert existing.read_text() == "keep me" and elf.read_bytes()[:4] == b"\x7fELF"
    assert main(["sim", str(elf), "--console-log", str(elf), "--force"]) == EXIT_USAGE  # never the firmware
    assert main(["sim", str(elf), "--console-log", str(existing), "--force"]) == 7
    assert existing.read_bytes() == b"hello from USART3\r\nhello from semihosting\n"


@pytest.mark.sim
def test_no_console_log_is_left_when_the_run_cannot_start(tmp_path):
    not_elf = tmp_path / "x.elf"
    not_elf.write_text("text")
    log = tmp_path / "out.log"
    assert main(["sim", str(not_elf), "--console-log", str(log)]) == EXIT_USAGE
    assert not log.exists()


@pytest.mark.sim
def test_console_text_appears_while_the_firmware_still_runs(firmware_builder):
    """spin.c prints a line, then spins: the line must reach the reader long before the run ends."""
    elf = firmware_builder("spin", "gcc").elf
    proc = subprocess.Popen(
        [sys.executable, "-m", "simtiny.cli", "sim", str(elf), "--max-instructions", "1000000000000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        start = time.monotonic()
        line = proc.stdout.readline()
        assert line == b"spinning\r\n"
        assert proc.poll() is None and time.monotonic() - start < 60
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.sim
def test_a_closed_pipe_ends_output_quietly(flood_builds):
    """`simtiny sim FW | head -1`: no traceback, no internal error."""
    elf = flood_builds(FLOOD_DEFAULT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "simtiny.cli", "sim", str(elf)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout.readline().startswith(b"abcdef")
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and b"internal error" not in err and b"Exception" not in err
    assert os.path.exists(elf)
