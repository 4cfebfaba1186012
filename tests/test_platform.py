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
