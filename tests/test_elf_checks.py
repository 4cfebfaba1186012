"""Load segments outside the board's memory or overlapping are refused by `sim` and `size`; a
garbled symbol table gives no bogus stack warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.elfpatch import patch_segment, patch_symbol, rename_section

from simtiny.elf.image import ElfImage, Section, Segment, check_load_segments, load_elf
from simtiny.elf.size import analyze
from simtiny.errors import EXIT_USAGE, InputError
from simtiny.platform import Platform, load_platform
from simtiny.sim.stack import stack_limit

FLASH, AXI, DTCM_TOP = 0x0800_0000, 0x2400_0000, 0x2002_0000


@pytest.fixture(scope="module")
def h743() -> Platform:
    return load_platform("stm32h743")


def _segment(index: int, vaddr: int, size: int, paddr: int | None = None, filesz: int | None = None) -> Segment:
    filesz = size if filesz is None else filesz
    return Segment(vaddr, vaddr if paddr is None else paddr, size, filesz, bytes(filesz), index)


def _section(name: str, address: int, size: int, nobits: bool = True) -> Section:
    kind = "SHT_NOBITS" if nobits else "SHT_PROGBITS"
    return Section(name, kind, 3, address, size, address, True, True, False, nobits)


def _image(*segments: Segment, sections: tuple[Section, ...] = (), addresses: dict | None = None) -> ElfImage:
    return ElfImage(Path("fw.elf"), "ET_EXEC", FLASH | 1, sections, segments, (), addresses or {})


def _refused(image: ElfImage, platform: Platform) -> str:
    with pytest.raises(InputError) as excinfo:
        check_load_segments(image, platform)
    message = str(excinfo.value)
    assert "\n" not in message
    return message


# ----- the shared check, on images made in memory ------------------------------------------------
def test_segments_inside_the_memory_map_pass(h743):
    image = _image(
        _segment(0, FLASH, 0x1000),
        _segment(1, AXI, 0x100, paddr=FLASH + 0x1000),  # .data: runs in RAM, loaded from flash
        _segment(2, AXI + 0x100, 0x400, paddr=0x9000_0000, filesz=0),  # .bss: no bytes, load address unused
        _segment(3, 0x3000_0000, 0x30000),  # SRAM1 into SRAM2: adjacent regions join
        _segment(4, 0x9000_0000, 0),  # empty segments are ignored
    )
    check_load_segments(image, h743)


def test_a_segment_outside_every_region_is_named(h743):
    message = _refused(_image(_segment(0, FLASH, 0x100), _segment(3, 0x9000_0000, 0x1000)), h743)
    assert "load segment 3 (0x90000000-0x90000FFF, 4,096 bytes)" in message
    assert "outside the memory of stm32h743" in message and message.startswith("fw.elf: ")


def test_a_segment_running_past_the_end_of_flash_is_refused(h743):
    message = _refused(_image(_segment(0, FLASH + 0x1F_FF00, 0x200)), h743)
    assert "load segment 0" in message and "0x08200000 is in no memory region" in message


def test_initial_values_loaded_from_outside_memory_are_refused(h743):
    message = _refused(_image(_segment(0, FLASH, 0x100), _segment(1, AXI, 0x40, paddr=0xA000_0000)), h743)
    assert "load segment 1" in message and "load address 0xA0000000" in message


def test_overlapping_load_addresses_are_refused(h743):
    image = _image(_segment(0, FLASH, 0x100), _segment(1, AXI, 0x40, paddr=FLASH + 0xF0))
    message = _refused(image, h743)
    assert "load segment 0" in message and "load segment 1" in message
    assert "overlap at load addresses 0x080000F0-0x080000FF" in message


def test_overlapping_run_addresses_are_refused(h743):
    bss, stack = _segment(1, AXI, 0x40, filesz=0), _segment(2, AXI + 0x20, 0x100, filesz=0)
    image = _image(_segment(0, FLASH, 0x100), bss, stack)
    message = _refused(image, h743)
    assert "load segment 1" in message and "load segment 2" in message and "overlap at addresses 0x24000020" in message


def test_size_refuses_what_sim_refuses(h743):
    with pytest.raises(InputError, match="load segment 1"):
        analyze(_image(_segment(0, FLASH, 0x100), _segment(1, 0x9000_0000, 0x100)), h743)


# ----- the stack range from symbols and sections ------------------------------------------------
STACK = _section(".stack", 0x2000_0000, 0x2_0000)


def test_a_believable_stack_symbol_is_used(h743):
    image = _image(sections=(STACK,), addresses={"_stack_bottom": 0x2001_0000})
    assert stack_limit(image, h743, DTCM_TOP) == 0x2001_0000


def test_an_absurd_stack_symbol_falls_back_to_the_sections(h743):
    for absurd in (0xF000_0000, DTCM_TOP + 0x100, 0):
        image = _image(sections=(STACK,), addresses={"_stack_bottom": absurd})
        assert stack_limit(image, h743, DTCM_TOP) == 0x2000_0000  # the .stack reservation is not data


def test_a_stack_symbol_over_data_is_not_believed(h743):
    data = _section(".bss", 0x2000_0000, 0x1000)
    image = _image(sections=(data, STACK), addresses={"_stack_bottom": 0x2000_0800})
    assert stack_limit(image, h743, DTCM_TOP) == 0x2000_1000  # the end of .bss


def test_no_believable_stack_range_gives_none(h743):
    data = _section(".heap", 0x2000_0000, 0x2_0000)  # data right up to the initial SP
    assert stack_limit(_image(sections=(data,), addresses={"_stack_bottom": 0xDEAD_BEEF}), h743, DTCM_TOP) is None


# ----- real firmware, patched -------------------------------------------------------------------
def _simtiny(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simtiny.cli", *args], capture_output=True, text=True, timeout=300)


def _one_line_usage_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == EXIT_USAGE, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("simtiny: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.sim
@pytest.mark.parametrize("name", ["hello", "flood", "bad_semihost", "stack_depth"])
def test_built_firmware_passes_the_segment_check(firmware_builder, toolchain, h743, name):
    image = load_elf(firmware_builder(name, toolchain).elf)
    assert image.segments
    check_load_segments(image, h743)
    assert analyze(image, h743).flash.used > 0


@pytest.mark.sim
@pytest.mark.parametrize("command", ["sim", "size"])
def test_a_flash_segment_moved_to_0x90000000_is_refused(firmware_builder, tmp_path, command):
    elf = firmware_builder("hello", "gcc").elf
    moved = patch_segment(elf, tmp_path / "moved.elf", 0, p_vaddr=0x9000_0000, p_paddr=0x9000_0000)
    _one_line_usage_error(_simtiny(command, str(moved)), "load segment 0 (0x90000000-", "outside the memory")


@pytest.mark.sim
@pytest.mark.parametrize("command", ["sim", "size"])
def test_overlapping_segments_are_refused(firmware_builder, tmp_path, command):
    elf = firmware_builder("hello", "gcc").elf
    segments = load_elf(elf).segments
    last = segments[-1]
    # The last segment (the stack) moved onto the first one's run addresses.
    overlapping = patch_segment(elf, tmp_path / "overlap.elf", last.index, p_vaddr=segments[0].vaddr)
    _one_line_usage_error(_simtiny(command, str(overlapping)), f"load segment {last.index}", "overlap at addresses")


@pytest.mark.sim
def test_a_garbled_stack_symbol_gives_no_bogus_overflow_warning(firmware_builder, run_firmware, tmp_path):
    elf = firmware_builder("hello", "gcc").elf
    garbled = patch_symbol(elf, tmp_path / "garbled.elf", "_stack_bottom", 0xF000_0000)
    result = run_firmware(garbled)
    assert result.status == "exit" and result.exit_code == 7
    assert not any("overflow" in w for w in result.warnings), result.warnings
    assert result.stack is not None and result.stack.limit == 0x2000_0000 and 0 < result.stack.used < 1024


@pytest.mark.sim
def test_no_stack_range_at_all_says_stack_use_unknown(firmware_builder, tmp_path):
    elf = firmware_builder("hello", "gcc").elf
    garbled = patch_symbol(elf, tmp_path / "g1.elf", "_stack_bottom", 0xF000_0000)
    garbled = rename_section(garbled, tmp_path / "g2.elf", ".stack", ".stacc")  # now it looks like data
    proc = _simtiny("sim", str(garbled))
    assert proc.returncode == 7, proc.stderr
    assert "overflow" not in proc.stderr
    assert "simtiny: warning: stack use unknown: " in proc.stderr
    assert "stack used" not in proc.stdout
