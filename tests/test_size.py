"""ELF reading, size accounting and maps, checked against real arm-none-eabi and zig builds."""

from __future__ import annotations

import importlib.util
import json
import platform as host
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.reports import parse_report

from simtiny.elf.image import check_flash_image, load_elf
from simtiny.elf.mapfile import FILL, filled_entries, parse_map, parse_map_text, short_object
from simtiny.elf.size import analyze, berkeley
from simtiny.errors import InputError
from simtiny.platform import Platform, load_platform
from simtiny.report.size import format_text, to_json

GCC_FLAGS = ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard", "-O2"]
GCC_HINT = "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
ZIG_HINT = "pip install ziglang"

LINKER_SCRIPT = """
MEMORY {
  FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 2M
  RAM (rwx)  : ORIGIN = 0x24000000, LENGTH = 512K
}
ENTRY(Reset_Handler)
SECTIONS {
  .isr_vector : { KEEP(*(.isr_vector)) } > FLASH
  .text : { *(.text*) *(.rodata*) } > FLASH
  .ARM.exidx : { *(.ARM.exidx*) } > FLASH
  .data : { _sdata = .; *(.data*) _edata = .; } > RAM AT > FLASH
  _sidata = LOADADDR(.data);
  .bss : { *(.bss*) *(COMMON) } > RAM
  .stack (NOLOAD) : { . = ALIGN(8); . = . + 0x1000; _estack = .; } > RAM
}
"""

RAM_ONLY_SCRIPT = """
MEMORY { RAM (rwx) : ORIGIN = 0x24000000, LENGTH = 512K }
ENTRY(Reset_Handler)
SECTIONS {
  .text : { *(.isr_vector) *(.text*) *(.rodata*) } > RAM
  .data : { *(.data*) } > RAM
  .bss : { *(.bss*) *(COMMON) } > RAM
}
"""

MAIN_C = r"""
#include <string.h>
extern char buffer[];
int counter = 5;
int table[4] = {1, 2, 3, 4};
static char scratch[256];
int shared_common;
const char message[] = "hello, cortex-m7";
void a_helper_function_with_a_long_name(char *d, const char *s, int n);
void Reset_Handler(void) {
  memcpy(scratch, message, (unsigned)counter);
  a_helper_function_with_a_long_name(buffer, message, (int)strlen(scratch) + table[2]);
  for (;;) {}
}
__attribute__((section(".isr_vector"), used)) void (*const vectors[])(void) = {
  (void (*)(void))0x24080000, Reset_Handler,
};
"""

HELPER_C = r"""
char buffer[64];
double scale = 1.5;
void a_helper_function_with_a_long_name(char *d, const char *s, int n) {
  for (int i = 0; i < n; i++) d[i] = (char)(s[i] * scale);
}
"""

# zig has no newlib: the same firmware without library calls.
ZIG_MAIN_C = r"""
extern char buffer[];
int counter = 5;
int table[4] = {1, 2, 3, 4};
static char scratch[256];
const char message[] = "hello, cortex-m7";
void a_helper_function_with_a_long_name(char *d, const char *s, int n);
void Reset_Handler(void) {
  for (int i = 0; i < counter; i++) scratch[i] = message[i];
  a_helper_function_with_a_long_name(buffer, scratch, counter + table[2]);
  for (;;) {}
}
__attribute__((section(".isr_vector"), used)) void (*const vectors[])(void) = {
  (void (*)(void))0x24080000, Reset_Handler,
};
"""

ZIG_HELPER_C = r"""
char buffer[64];
int scale = 3;
void a_helper_function_with_a_long_name(char *d, const char *s, int n) {
  for (int i = 0; i < n; i++) d[i] = (char)(s[i] * scale);
}
"""


@dataclass(frozen=True)
class Build:
    elf: Path
    map: Path


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stderr}"
    return result


def _need_gcc() -> None:
    if shutil.which("arm-none-eabi-gcc") is None or shutil.which("arm-none-eabi-size") is None:
        pytest.skip(f"arm-none-eabi-gcc/arm-none-eabi-size not found: {GCC_HINT}")
    probe = subprocess.run(
        ["arm-none-eabi-gcc", *GCC_FLAGS, "--specs=nano.specs", "-print-file-name=libc_nano.a"],
        capture_output=True,
        text=True,
        check=False,
    )
    if not Path(probe.stdout.strip()).is_absolute():
        pytest.skip(f"newlib-nano for arm-none-eabi not found: {GCC_HINT}")


def _gcc_link(directory: Path, name: str, script: str) -> Build:
    (directory / "main.c").write_text(MAIN_C)
    (directory / "helper.c").write_text(HELPER_C)
    (directory / f"{name}.ld").write_text(script)
    elf, map_path = directory / f"{name}.elf", directory / f"{name}.map"
    gcc = ["arm-none-eabi-gcc", *GCC_FLAGS, "-fcommon"]
    # Separate sections give long input names, which wrap onto a second line in the map.
    gcc += ["-ffunction-sections", "-fdata-sections"]
    for source in ("main.c", "helper.c"):
        _run([*gcc, "-c", source], directory)
    link = [*gcc, "-nostartfiles", "--specs=nano.specs"]
    link += ["-T", f"{name}.ld", "main.o", "helper.o", "-o", elf.name]
    _run([*link, f"-Wl,-Map={map_path.name}"], directory)
    return Build(elf, map_path)


@pytest.fixture(scope="module")
def stm32() -> Platform:
    return load_platform("stm32h743")


@pytest.fixture(scope="module")
def gcc_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    _need_gcc()
    return _gcc_link(tmp_path_factory.mktemp("gcc"), "fw", LINKER_SCRIPT)


@pytest.fixture(scope="module")
def zig_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    if importlib.util.find_spec("ziglang") is None:
        pytest.skip(f"zig not installed: {ZIG_HINT}")
    directory = tmp_path_factory.mktemp("zig")
    (directory / "main.c").write_text(ZIG_MAIN_C)
    (directory / "helper.c").write_text(ZIG_HELPER_C)
    (directory / "fw.ld").write_text(LINKER_SCRIPT)
    elf, map_path = directory / "fw.elf", directory / "fw.map"
    cmd = [sys.executable, "-m", "ziglang", "cc", "-target", "thumb-freestanding-eabihf"]
    cmd += ["-mcpu=cortex_m7", "-O2", "-nostdlib", "-T", "fw.ld", "main.c", "helper.c"]
    cmd += ["-o", elf.name]
    result = subprocess.run(
        [*cmd, f"-Wl,-Map={map_path.name}"], cwd=directory, capture_output=True, text=True
    )
    if result.returncode != 0 and "unsupported linker arg" in result.stderr:
        # Newer zig cc refuses -Map; --print-map makes LLD write the same map to stdout.
        result = _run([*cmd, "-Wl,--print-map"], directory)
        map_path.write_text(result.stdout)
    assert result.returncode == 0, result.stderr
    return Build(elf, map_path)


def _size_reference(elf: Path) -> tuple[int, int, int]:
    """text, data, bss as arm-none-eabi-size prints them (Berkeley format)."""
    out = _run(["arm-none-eabi-size", str(elf)], elf.parent).stdout.splitlines()
    assert out[0].split()[:3] == ["text", "data", "bss"]
    text, data, bss = (int(v) for v in out[1].split()[:3])
    return text, data, bss


def _one_line_error(excinfo: pytest.ExceptionInfo[InputError]) -> str:
    message = str(excinfo.value)
    assert message and "\n" not in message
    return message


# --- real firmware, GNU toolchain -------------------------------------------------------


@pytest.mark.sim
def test_berkeley_matches_arm_none_eabi_size(gcc_build: Build) -> None:
    b = berkeley(load_elf(gcc_build.elf))
    assert (b.text, b.data, b.bss) == _size_reference(gcc_build.elf)
    # The NOLOAD stack is counted as bss, exactly as GNU size does.
    assert b.bss >= 0x1000


@pytest.mark.sim
def test_elf_sections_segments_symbols(gcc_build: Build, stm32: Platform) -> None:
    image = load_elf(gcc_build.elf)
    data = image.section(".data")
    assert data is not None and data.alloc and data.write and not data.nobits
    assert data.address == 0x24000000
    assert data.load_address == image.symbol("_sidata")
    assert stm32.region_at(data.load_address).kind == "flash"
    bss = image.section(".bss")
    assert bss is not None and bss.nobits and bss.write
    text = image.section(".text")
    assert text is not None and text.exec and not text.write
    assert all(len(seg.data) == seg.filesz <= seg.memsz for seg in image.segments)
    assert any(seg.vaddr != seg.paddr for seg in image.segments)  # .data's segment

    reset = image.symbol("Reset_Handler")
    assert reset % 2 == 0 and image.entry == reset | 1
    assert image.symbol_at(reset) == ("Reset_Handler", 0)
    assert image.symbol_at(reset + 6) == ("Reset_Handler", 6)
    assert image.symbol_at((reset + 6) | 1) == ("Reset_Handler", 6)  # an LR value
    assert image.symbol_at(image.symbol("memcpy") + 2) == ("memcpy", 2)
    assert image.symbol_at(0x24000000) is None
    kinds = {s.name: s.type for s in image.symbols}
    assert kinds["memcpy"] == "func" and kinds["table"] == "object"
    assert kinds["scratch"] == "object"  # statics are kept
    assert not any(name.startswith("$") for name in kinds)
    with pytest.raises(InputError, match="no symbol 'nonexistent'"):
        image.symbol("nonexistent")
    check_flash_image(image, stm32)


@pytest.mark.sim
def test_flash_counts_data_load_image(gcc_build: Build, stm32: Platform) -> None:
    image = load_elf(gcc_build.elf)
    report = analyze(image, stm32)
    text, data, bss = _size_reference(gcc_build.elf)
    data_section = image.section(".data")
    assert data_section is not None and data_section.size == data > 0
    # Every text section sits in flash here, plus .data's initial values.
    assert report.flash.used == text + data
    assert report.flash.budget == stm32.flash_budget == 2 * 1024 * 1024
    assert report.sram.used == data + bss
    assert report.sram.budget == stm32.sram_budget
    used = {r.name: r.used for r in report.regions}
    assert used["FLASH"] == report.flash.used
    assert used["AXI_SRAM"] == report.sram.used
    assert sum(used.values()) == text + 2 * data + bss
    assert report.unplaced == ()
    assert report.objects == ()
    largest = [s.name for s in report.largest]
    assert largest[0] == "memcpy" and "scratch" in largest
    assert {s.region for s in report.largest} <= {"FLASH", "AXI_SRAM"}
    assert [s.size for s in report.largest] == sorted((s.size for s in report.largest), reverse=True)


@pytest.mark.sim
def test_gnu_map_objects_cover_sections(gcc_build: Build, stm32: Platform) -> None:
    image = load_elf(gcc_build.elf)
    link_map = parse_map(gcc_build.map)
    assert link_map.format == "gnu"
    # A long input section name wraps onto the next line; it is still read.
    names = {e.input_section for e in link_map.entries}
    assert ".text.a_helper_function_with_a_long_name" in names
    assert "COMMON" in names and FILL in names
    memcpy = [e for e in link_map.entries if e.object.endswith("libc_nano.a(lib_a-memcpy.o)")]
    assert any(e.output_section == ".text" and e.size > 0 for e in memcpy)

    sums = Counter()
    for entry in filled_entries(link_map):
        sums[entry.output_section] += entry.size
    for sec in image.alloc_sections:
        if sec.size:
            assert sums[sec.name] == sec.size, sec.name

    report = analyze(image, stm32, gcc_build.map)
    b = report.berkeley
    by_name = {u.object: u for u in report.objects}
    assert sum(u.total for u in report.objects) == b.total
    assert sum(u.code + u.rodata for u in report.objects) == b.text
    assert sum(u.data for u in report.objects) == b.data
    assert sum(u.bss for u in report.objects) == b.bss
    lib = by_name["libc_nano.a(lib_a-memcpy.o)"]
    memcpy_size = next(s.size for s in image.symbols if s.name == "memcpy")
    assert lib.code >= memcpy_size > 0
    assert lib.data == lib.bss == 0
    assert "libc_nano.a(lib_a-strlen.o)" in by_name
    assert by_name[f"{FILL} .stack"].bss >= 0x1000
    main = by_name["main.o"]
    assert main.rodata >= len("hello, cortex-m7") + 1  # message[], kept apart from code
    assert main.data == 20 and main.bss >= 256 + 4  # counter + table; scratch + shared_common
    totals = [u.total for u in report.objects]
    assert totals == sorted(totals, reverse=True)


@pytest.mark.sim
def test_report_text_and_json(gcc_build: Build, stm32: Platform) -> None:
    report = analyze(load_elf(gcc_build.elf), stm32, gcc_build.map)
    text = format_text(report)
    b = report.berkeley
    assert f"text {b.text}  data {b.data}  bss {b.bss}" in text
    assert f"{report.flash.used / 1024:.1f} KB" in text and "2,048.0 KB" in text
    assert f"{100 * report.sram.share:.1f}%" in text
    assert "libc_nano.a(lib_a-memcpy.o)" in text
    encoded = parse_report(json.dumps(to_json(report)))
    assert encoded["berkeley"]["dec"] == b.total
    assert encoded["budgets"]["flash"]["used"] == report.flash.used
    assert encoded["map"]["format"] == "gnu"
    assert {o["object"] for o in encoded["objects"]} >= {"libc_nano.a(lib_a-strlen.o)"}


# --- real firmware, zig cc (LLD) --------------------------------------------------------


@pytest.mark.sim
def test_zig_build_has_lld_map(zig_build: Build, stm32: Platform) -> None:
    image = load_elf(zig_build.elf)
    link_map = parse_map(zig_build.map)
    assert link_map.format == "lld"
    objects = {short_object(e.object) for e in link_map.entries}
    assert any(o.endswith("main.o") for o in objects)
    assert any(o.endswith("helper.o") for o in objects)
    sums = Counter()
    for entry in filled_entries(link_map):
        sums[entry.output_section] += entry.size
    for sec in image.alloc_sections:
        if sec.size:
            assert sums[sec.name] == sec.size, sec.name
    data = image.section(".data")
    assert data is not None and link_map.output_section(".data").load_address == data.load_address
    report = analyze(image, stm32, zig_build.map)
    assert report.map_format == "lld"
    assert sum(u.total for u in report.objects) == report.berkeley.total
    assert report.flash.used == report.berkeley.text + report.berkeley.data
    if shutil.which("arm-none-eabi-size"):
        b = report.berkeley
        assert (b.text, b.data, b.bss) == _size_reference(zig_build.elf)


# --- map parsing without a toolchain ----------------------------------------------------

GNU_MAP = """\
Archive member included to satisfy reference by file (symbol)

/x/libc_nano.a(lib_a-memcpy.o)
                              build/main.o (memcpy)

Discarded input sections

 .text          0x00000000        0x0 build/main.o
 .text.unused_function_with_a_long_name
                0x00000000       0x40 build/main.o

Memory Configuration

Name             Origin             Length             Attributes
FLASH            0x08000000         0x00200000         xr

Linker script and memory map

LOAD build/main.o
START GROUP
LOAD /x/libc_nano.a
END GROUP

.text           0x08000000       0x64
 *(.text*)
 .text.a_function_with_a_long_name
                0x08000000       0x24 build/main.o
                0x08000000                a_function_with_a_long_name
 .text.memcpy   0x08000024       0x30 /x/libc_nano.a(lib_a-memcpy.o)
                0x08000024                memcpy
 *fill*         0x08000054        0x4
                0x08000058        0x4 LONG 0x12345678
 .rodata        0x0800005c        0x8 build/main.o
                                  0xa (size before relaxing)

.ARM.exidx
 *(.ARM.exidx*)

.data           0x24000000        0x8 load address 0x08000064
 .data.x        0x24000000        0x8 build/main.o

.bss            0x24000008       0x10 load address 0x0800006c
 COMMON         0x24000008       0x10 build/main.o
                0x24000008                shared

/DISCARD/
 *(.ARM.attributes)
OUTPUT(fw.elf elf32-littlearm)
"""

LLD_MAP = """\
     VMA      LMA     Size Align Out     In      Symbol
 8000000  8000000       40     4 .text
 8000000  8000000       24     4         build/main.o:(.text.main)
 8000001  8000001       24     1                 main
 8000028  8000028       14     4         /x/libc.a(memcpy.o):(.text.memcpy)
 8000029  8000029       14     1                 memcpy
24000000  8000040        8     4 .data
24000000  8000040        0     1         _sdata = .
24000000  8000040        8     4         build/main.o:(.data.x)
24000008  8000048        0     1 _sidata = LOADADDR(.data)
"""


def test_gnu_map_parsing() -> None:
    link_map = parse_map_text(GNU_MAP, "fw.map")
    assert link_map.format == "gnu"
    rows = [(e.output_section, e.input_section, e.address, e.size, e.object) for e in link_map.entries]
    assert rows == [
        (".text", ".text.a_function_with_a_long_name", 0x08000000, 0x24, "build/main.o"),
        (".text", ".text.memcpy", 0x08000024, 0x30, "/x/libc_nano.a(lib_a-memcpy.o)"),
        (".text", FILL, 0x08000054, 4, FILL),
        (".text", ".rodata", 0x0800005C, 8, "build/main.o"),
        (".data", ".data.x", 0x24000000, 8, "build/main.o"),
        (".bss", "COMMON", 0x24000008, 0x10, "build/main.o"),
    ]
    data = link_map.output_section(".data")
    assert data is not None and data.load_address == 0x08000064
    exidx = link_map.output_section(".ARM.exidx")
    assert exidx is not None and exidx.address is None
    # The LONG data statement is an unlisted gap: it becomes fill, so the section adds up.
    text = [e for e in filled_entries(link_map) if e.output_section == ".text"]
    assert sum(e.size for e in text) == 0x64
    assert short_object("/x/libc_nano.a(lib_a-memcpy.o)") == "libc_nano.a(lib_a-memcpy.o)"


def test_lld_map_parsing() -> None:
    link_map = parse_map_text(LLD_MAP, "fw.map")
    assert link_map.format == "lld"
    rows = [(e.output_section, e.input_section, e.address, e.size, e.object) for e in link_map.entries]
    assert rows == [
        (".text", ".text.main", 0x08000000, 0x24, "build/main.o"),
        (".text", ".text.memcpy", 0x08000028, 0x14, "/x/libc.a(memcpy.o)"),
        (".data", ".data.x", 0x24000000, 8, "build/main.o"),
    ]
    assert [o.name for o in link_map.output_sections] == [".text", ".data"]
    assert link_map.output_section(".data").load_address == 0x08000040
    filled = filled_entries(link_map)
    assert (".text", FILL, 0x08000024, 4) in [(e.output_section, e.object, e.address, e.size) for e in filled]
    assert sum(e.size for e in filled if e.output_section == ".text") == 0x40


@pytest.mark.parametrize("content", ["", "hello\nworld\n", "Memory Configuration\n\n"])
def test_unrecognised_map_is_one_line_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.map"
    path.write_text(content)
    with pytest.raises(InputError) as excinfo:
        parse_map(path)
    assert "not a linker map" in _one_line_error(excinfo)
    with pytest.raises(InputError, match="no such map file"):
        parse_map(tmp_path / "missing.map")


@pytest.mark.sim
def test_map_of_another_build_is_refused(gcc_build: Build, stm32: Platform) -> None:
    other = gcc_build.map.with_name("other.map")
    other.write_text(LLD_MAP)
    with pytest.raises(InputError) as excinfo:
        analyze(load_elf(gcc_build.elf), stm32, other)
    assert "does not match" in _one_line_error(excinfo)


# --- bad inputs -------------------------------------------------------------------------


def test_missing_and_non_elf_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        load_elf(tmp_path / "nope.elf")
    assert "no such file" in _one_line_error(excinfo)
    text = tmp_path / "notes.txt"
    text.write_text("this is not firmware\n")
    with pytest.raises(InputError) as excinfo:
        load_elf(text)
    assert "not an ELF" in _one_line_error(excinfo)
    empty = tmp_path / "empty.elf"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as excinfo:
        load_elf(empty)
    message = _one_line_error(excinfo)
    assert "not an ELF" in message and "empty" in message
    with pytest.raises(InputError) as excinfo:
        load_elf(tmp_path)
    assert "not a regular file" in _one_line_error(excinfo)


@pytest.mark.sim
@pytest.mark.parametrize("cut", ["3", "40", "200", "half", "minus-16"])
def test_truncated_elf(gcc_build: Build, tmp_path: Path, cut: str) -> None:
    raw = gcc_build.elf.read_bytes()
    length = {"half": len(raw) // 2, "minus-16": len(raw) - 16}.get(cut) or int(cut)
    short = tmp_path / f"cut-{cut}.elf"
    short.write_bytes(raw[:length])
    with pytest.raises(InputError) as excinfo:
        load_elf(short)
    assert "truncated or corrupt ELF" in _one_line_error(excinfo)


def test_host_elf_names_its_machine() -> None:
    candidate = next((p for p in (Path("/bin/true"), Path("/usr/bin/true")) if p.is_file()), None)
    if candidate is None or candidate.read_bytes()[:4] != b"\x7fELF":
        pytest.skip("no host ELF executable (/bin/true) on this system")
    with pytest.raises(InputError) as excinfo:
        load_elf(candidate)
    message = _one_line_error(excinfo)
    assert "not ARM" in message
    if host.machine() in ("x86_64", "AMD64"):
        assert "x86-64" in message.lower()


@pytest.mark.sim
def test_big_endian_arm_is_refused(tmp_path: Path) -> None:
    _need_gcc()
    (tmp_path / "f.c").write_text("int f(int x) { return x + 1; }\n")
    _run(["arm-none-eabi-gcc", "-mcpu=cortex-m7", "-mthumb", "-mbig-endian", "-c", "f.c"], tmp_path)
    with pytest.raises(InputError) as excinfo:
        load_elf(tmp_path / "f.o")
    assert "big-endian" in _one_line_error(excinfo)


@pytest.mark.sim
def test_elf_with_nothing_in_flash(tmp_path: Path, stm32: Platform) -> None:
    _need_gcc()
    build = _gcc_link(tmp_path, "ram", RAM_ONLY_SCRIPT)
    image = load_elf(build.elf)
    assert all(not s.alloc or s.address >= 0x24000000 for s in image.sections)
    with pytest.raises(InputError) as excinfo:
        check_flash_image(image, stm32)
    message = _one_line_error(excinfo)
    assert message.startswith("nothing in flash:") and "FLASH 0x08000000" in message
    report = analyze(image, stm32)  # still measurable: everything is charged to the SRAM
    assert report.flash.used == 0 and report.sram.used == report.berkeley.total
