"""The stack and the heap measured apart (issue 13): a firmware using malloc must not have its
heap counted as stack, whether or not a linker symbol separates them, and SYS_HEAPINFO tells a C
library's start-up where the board's heap and stack are."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest
from support.libc_firmware import CPU, FIRMWARE, LIBCS, flags, missing

from simtiny.contract import STACK_PAINT_BYTE
from simtiny.elf.image import ElfImage, Section, load_elf
from simtiny.report.sim import format_run, run_to_json
from simtiny.sim import get_engine
from simtiny.sim.result import MemoryRead, RunRequest, RunResult
from simtiny.sim.semihosting import SYS_HEAPINFO, Semihost
from simtiny.sim.stack import heap_range, measure, stack_limit
from simtiny.sim.target import Memory

HEAP_BYTES = 100 * 1024
PROGRAM = FIRMWARE / "heap" / "bigheap.c"


def _build(libc: str, out: Path, stack_symbol: bool) -> Path:
    """bigheap.c linked with `libc`; without `stack_symbol` no __StackLimit separates heap and stack."""
    reason = missing(libc)
    if reason:
        pytest.skip(reason)
    link = flags(libc)
    if not stack_symbol:
        if libc == "newlib":
            script = (FIRMWARE / "newlib" / "stm32h743.ld").read_text()
            assert "__StackLimit = __stack - 32K;" in script
            plain = out / "stm32h743-no-limit.ld"
            plain.write_text(script.replace("__StackLimit = __stack - 32K;", ""))
            link = [str(plain) if a.endswith("stm32h743.ld") else a for a in link]
        else:
            link = [a for a in link if "__StackLimit" not in a]
    sources = [str(PROGRAM)]
    if libc == "newlib":
        sources.insert(0, str(FIRMWARE / "newlib" / "vectors.c"))
    elf = out / f"bigheap-{libc}-{'limit' if stack_symbol else 'shared'}.elf"
    command = ["arm-none-eabi-gcc", *CPU, "-O2", "-Wall", "-Werror", f"-DHEAP_BYTES={HEAP_BYTES}u", *link, *sources]
    proc = subprocess.run([*command, "-o", str(elf)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return elf


@pytest.fixture(scope="module")
def bigheap(tmp_path_factory):
    out = tmp_path_factory.mktemp("heap-firmware")
    built: dict[tuple[str, bool], Path] = {}

    def get(libc: str, stack_symbol: bool) -> Path:
        if (libc, stack_symbol) not in built:
            built[libc, stack_symbol] = _build(libc, out, stack_symbol)
        return built[libc, stack_symbol]

    return get


def _run(platform, elf: Path, **kwargs) -> tuple[RunRequest, RunResult]:
    request = RunRequest(elf, platform, max_instructions=50_000_000, **kwargs)
    result = get_engine("unicorn").run(request)
    assert result.status == "exit" and result.exit_code == 0, (result.status, result.console.text)
    return request, result


# ----- firmware with a C library's malloc -------------------------------------------------------
@pytest.mark.sim
@pytest.mark.parametrize("stack_symbol", [True, False], ids=["stack-limit-symbol", "heap-and-stack-shared"])
@pytest.mark.parametrize("libc", LIBCS)
def test_the_heap_is_not_counted_as_stack(bigheap, platform, libc, stack_symbol):
    request, result = _run(platform, bigheap(libc, stack_symbol))
    assert f"heap ok: {HEAP_BYTES} bytes" in result.console.text
    assert result.stack is not None and result.heap is not None
    assert 0 < result.stack.used < 4096, result.stack
    assert not result.stack.overflowed
    assert HEAP_BYTES <= result.heap.used <= HEAP_BYTES + 4096, result.heap
    assert not any("overflow" in w for w in result.warnings), result.warnings
    text = format_run(result, request)
    assert f"stack used    {result.stack.used:,} bytes of" in text
    assert f"heap used     {result.heap.used:,} bytes high-water" in text
    doc = run_to_json(result, request)
    assert doc["stack_bytes"] == result.stack.used and doc["heap_bytes"] == result.heap.used


@pytest.mark.sim
def test_heapinfo_gives_rdimon_the_heap_limit(bigheap, platform):
    """rdimon's crt0 stores SYS_HEAPINFO's heap limit in __heap_limit, which its sbrk honours."""
    elf = bigheap("newlib", True)
    symbols = load_elf(elf).addresses
    _, result = _run(platform, elf, reads=[MemoryRead("limit", symbols["__heap_limit"], 4)])
    assert struct.unpack("<I", result.memory["limit"])[0] == symbols["__StackLimit"]
    assert result.heap.limit == symbols["__StackLimit"] and result.heap.base == symbols["end"]


@pytest.mark.sim
def test_firmware_without_a_heap_reports_its_stack_as_before(firmware_builder, toolchain, run_firmware):
    result = run_firmware(firmware_builder("stack_depth", toolchain).elf)
    assert result.status == "exit"
    assert 16 * 256 <= result.stack.used <= 16 * 256 + 2048
    assert result.heap is None or result.heap.used == 0
    assert result.stack.heap_top is None


# ----- the measurement alone, on memory made in a bytearray -------------------------------------
BASE = 0x2400_0000


def _memory(size: int) -> tuple[bytearray, Memory]:
    ram = bytearray([STACK_PAINT_BYTE]) * size

    def read(address: int, n: int) -> bytes:
        return bytes(ram[address - BASE : address - BASE + n])

    def write(address: int, data: bytes) -> None:
        ram[address - BASE : address - BASE + len(data)] = data

    return ram, Memory(read, write)


def test_a_heap_below_the_stack_limit_is_measured_alone():
    ram, memory = _memory(0x1000)
    ram[0x100:0x400] = bytes(0x300)  # heap from 0x100
    ram[0xF00:0x1000] = bytes(0x100)  # stack below 0x1000
    stack, heap = measure(memory, BASE + 0x1000, BASE + 0xC00, (BASE + 0x100, BASE + 0xC00))
    assert (stack.used, stack.size, stack.heap_top) == (0x100, 0x400, None)
    assert (heap.used, heap.size) == (0x300, 0xB00)


def test_a_heap_sharing_the_stack_range_is_split_at_the_free_gap():
    ram, memory = _memory(0x1000)
    ram[0x100:0x500] = bytes(0x400)  # heap
    ram[0x200:0x300] = bytes([STACK_PAINT_BYTE]) * 0x100  # a malloc'd block never written
    ram[0xE00:0x1000] = bytes(0x200)  # stack
    ram[0xE80:0xF00] = bytes([STACK_PAINT_BYTE]) * 0x80  # a stack array never written
    stack, heap = measure(memory, BASE + 0x1000, BASE + 0x100, (BASE + 0x100, BASE + 0x1000))
    assert (stack.used, stack.heap_top) == (0x200, BASE + 0x500)
    assert heap.used == 0x400
    assert not stack.overflowed


def test_a_stack_that_meets_the_heap_has_overflowed():
    ram, memory = _memory(0x1000)
    ram[0x100:0x1000] = bytes(0xF00)  # heap and stack written all the way
    stack, _ = measure(memory, BASE + 0x1000, BASE + 0x100, (BASE + 0x100, BASE + 0x1000))
    assert stack.overflowed


def test_an_unused_heap_leaves_the_stack_figure_alone():
    ram, memory = _memory(0x1000)
    ram[0x300:0x340] = bytes(0x40)  # deep stack use with a painted hole above it
    ram[0xF00:0x1000] = bytes(0x100)
    stack, heap = measure(memory, BASE + 0x1000, BASE + 0x100, (BASE + 0x100, BASE + 0x1000))
    assert stack.used == 0xD00 and heap.used == 0 and stack.heap_top is None


# ----- SYS_HEAPINFO -----------------------------------------------------------------------------
def _heapinfo(info: tuple[int, int, int, int] | None) -> tuple[int, ...]:
    _ram, memory = _memory(0x100)
    memory.write(BASE, struct.pack("<I", BASE + 0x10))  # r1 points at a word holding the block's address
    host = Semihost(cycles=lambda: 0, clock_hz=1, on_output=lambda data: None)
    if info is not None:
        host.heap_info = info
    assert host.handle(SYS_HEAPINFO, BASE, memory) == 0
    return struct.unpack("<4I", memory.read(BASE + 0x10, 16))


def test_heapinfo_answers_what_the_board_found():
    info = (0x2400_0BD8, 0x2407_8000, 0x2408_0000, 0x2407_8000)
    assert _heapinfo(info) == info


def test_heapinfo_without_a_layout_answers_zeros():
    assert _heapinfo(None) == (0, 0, 0, 0)


# ----- the heap range from symbols and sections -------------------------------------------------
def _image(sections: tuple[Section, ...], addresses: dict[str, int]) -> ElfImage:
    return ElfImage(Path("fw.elf"), "ET_EXEC", 0x0800_0001, sections, (), (), addresses)


def _section(name: str, address: int, size: int) -> Section:
    return Section(name, "SHT_NOBITS", 3, address, size, address, True, True, False, True)


def test_a_cmsis_heap_section_holds_the_heap(platform):
    bss, heap = _section(".bss", BASE, 0x1000), _section(".heap", BASE + 0x1000, 0x4000)
    symbols = {"__HeapBase": BASE + 0x1000, "__HeapLimit": BASE + 0x5000, "__StackLimit": BASE + 0x7_8000}
    image = _image((bss, heap), symbols)
    sp = BASE + 0x8_0000
    assert heap_range(image, platform, sp, stack_limit(image, platform, sp)) == (BASE + 0x1000, BASE + 0x5000)


def test_a_heap_symbol_inside_data_is_not_believed(platform):
    image = _image((_section(".bss", BASE, 0x1000),), {"end": BASE + 0x800})
    assert heap_range(image, platform, BASE + 0x8_0000, BASE + 0x1000) is None


def test_no_heap_limit_symbol_shares_the_range_up_to_the_stack(platform):
    image = _image((_section(".bss", BASE, 0x1000),), {"end": BASE + 0x1000})
    assert heap_range(image, platform, BASE + 0x8_0000, BASE + 0x1000) == (BASE + 0x1000, BASE + 0x8_0000)
