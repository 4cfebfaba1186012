"""Platform descriptions load from TOML and reject malformed input in one line."""

from __future__ import annotations

import pytest

from simtiny.errors import PlatformError
from simtiny.platform import load_platform
from simtiny.sim.thumb import boundaries, is_wide


def test_stm32h743_memory_map(platform):
    assert platform.clock_hz == 480_000_000
    assert platform.flash_budget == 2 * 1024 * 1024 and platform.sram_budget == 512 * 1024
    flash = platform.region_at(0x08100000)
    assert flash.name == "FLASH" and flash.access == "rx"
    assert platform.region_at(0x24000000 + 512 * 1024 - 1).name == "AXI_SRAM"
    assert platform.region_at(0x60000000) is None
    assert {p.name for p in platform.peripherals} >= {"USART3", "RCC", "PWR", "DWT", "SCS"}


def test_unknown_platform_names_the_known_ones():
    with pytest.raises(PlatformError, match=r"known: .*stm32h743"):
        load_platform("nosuchboard")


def test_malformed_platform_file(tmp_path):
    bad = tmp_path / "platform.toml"
    bad.write_text("[platform]\nname = 'x'\n")
    with pytest.raises(PlatformError, match="malformed"):
        load_platform(bad)


def test_thumb_instruction_boundaries():
    # movs r0,#1 (2 bytes); ldr.w r1,[r2] (4 bytes); bx lr (2 bytes)
    code = bytes.fromhex("0120" "d2f80010" "7047")
    assert boundaries(code, 0x100) == [0x100, 0x102, 0x106]
    assert is_wide(0xF8D2) and not is_wide(0x2001)


def test_boards_extend_their_family_and_name_their_cpu():
    h7 = load_platform("stm32h743")
    assert [f.name for f in h7.files] == ["platform.toml", "family.toml"]
    assert h7.cpu.name == "cortex-m7" and h7.cpu.double_precision and h7.cpu.fpu == "fpv5-d16"
    assert h7.region_at(0x2400_0000).name == "AXI_SRAM"  # from the family file
    assert h7.region_at(0x0800_0000).name == "FLASH"  # from the board file
    assert [p.name for p in h7.hal_sources] == ["caches.c", "clock.c", "console.c", "cycles.c", "semihost.c"]
    assert h7.startup.name == "startup.c" and h7.startup.parent.name == "cortex-m7"  # the CPU's


def test_stm32f746g_disco_is_described_from_its_documents():
    f7 = load_platform("stm32f746g-disco")
    assert f7.clock_hz == 216_000_000
    assert f7.flash_budget == 1024 * 1024 and f7.sram_budget == 320 * 1024
    assert not f7.cpu.double_precision and "-mfpu=fpv5-sp-d16" in f7.gcc_cpu_flags
    assert f7.cpu.id_registers["CPUID"] == 0x410F_C271  # r0p1 (stm32f746xx.h __CM7_REV)
    assert f7.caches.icache_bytes == f7.caches.dcache_bytes == 4096
    assert f7.console == "usart1" and any(p.name == "USART1" and p.base == 0x4001_1000 for p in f7.peripherals)
    # DTCM, SRAM1 and SRAM2 are contiguous: one 320 KB RAM for the linker, as in ST's scripts
    assert f7.link_regions()[-1] == ("RAM", "rw", 0x2000_0000, 320 * 1024)
    assert "__simtiny_RAM_end = 0x20050000;" in f7.memory_script()
    lifted = f7.lifted()
    assert lifted.region_at(0x2100_0000).name == "SRAM2"  # the last RAM region grows
    assert "__simtiny_RAM_end = 0x20050000;" in lifted.memory_script()  # the real end stays


def test_cache_identification_follows_the_board(platform):
    """CCSIDR comes from the board's [caches]: 16 KB on the H743, 4 KB on the F746 (the F746
    values are those other emulators of the part use)."""
    from simtiny.sim.peripherals import PeripheralBus

    csselr, ccsidr = 0xE000ED84, 0xE000ED80
    for name, data, insn in (("stm32h743", 0xF00F_E019, 0xF01F_E009), ("stm32f746g-disco", 0xF003_E019, 0xF007_E009)):
        bus = PeripheralBus(load_platform(name), lambda: 0)
        bus.write(csselr, 4, 0)
        assert bus.read(ccsidr, 4) == data, name
        bus.write(csselr, 4, 1)
        assert bus.read(ccsidr, 4) == insn, name


def test_a_board_folder_anywhere_is_a_platform(tmp_path):
    import shutil

    from simtiny.resources import PLATFORMS_DIR

    mine = tmp_path / "my board"
    shutil.copytree(PLATFORMS_DIR / "stm32f746g-disco", mine)
    board = load_platform(mine)  # the folder, or its platform.toml
    assert board == load_platform(mine / "platform.toml")
    assert board.directory == mine.resolve() and board.linker_script == (mine / "linker.ld").resolve()
    assert {p.parent for p in board.hal_sources if p.name in ("clock.c", "console.c")} == {(mine / "hal").resolve()}
    assert board.name == "stm32f746g-disco" and board.sram_budget == 320 * 1024


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('extends = "nosuchfamily"\n[platform]\nname = "x"\n', "nosuchfamily"),
        ('extends = "platform.toml"\n', "loops back"),
        ('extends = "stm32h7"\n[platform]\nname = "x"\ncpu = "cortex-m99"\n', "unknown cpu 'cortex-m99'"),
        ('extends = "stm32h7"\n[platform]\nname = "x"\nfpu = "fpv9"\n', "no FPU 'fpv9'"),
        (
            'extends = "stm32h7"\n[platform]\nname = "x"\nclock_hz = 1\nconsole = "usart3"\nlinker_script = "l.ld"\n'
            '[budgets]\nflash = 1\nsram = 1\n'
            '[[peripheral]]\nname = "USART3"\nkind = "uart-from-mars"\nbase = 0\nsize = 4\n',
            "unknown kind 'uart-from-mars'",
        ),
        ('[platform]\nname = "x"\n[[region]]\nbase = 0\n', "has no name"),
    ],
)
def test_bad_board_files_are_one_line(tmp_path, text, error):
    (tmp_path / "platform.toml").write_text(text)
    with pytest.raises(PlatformError, match="malformed") as exc:
        load_platform(tmp_path)
    assert error in str(exc.value) and "\n" not in str(exc.value)


def test_a_path_with_no_board_is_named():
    with pytest.raises(PlatformError, match="no platform description at"):
        load_platform("/nonexistent/board/")
