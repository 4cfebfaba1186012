"""Register models: what firmware reads back after it writes, with the board's ready bits."""

from __future__ import annotations

import pytest

from simtiny.sim.peripherals import PeripheralBus
from simtiny.sim.peripherals.cortexm import SystemControlSpace


class FakeClock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def bus(platform):
    clock = FakeClock()
    b = PeripheralBus(platform, clock)
    b.clock = clock
    return b


RCC_CR, RCC_CFGR = 0x58024400, 0x58024410
PWR_CSR1, PWR_D3CR = 0x58024804, 0x58024818
DEMCR, DWT_CTRL, DWT_CYCCNT = 0xE000EDFC, 0xE0001000, 0xE0001004
SYST_CSR, SYST_RVR, SYST_CVR = 0xE000E010, 0xE000E014, 0xE000E018


def test_rcc_oscillators_and_plls_report_ready_when_switched_on(bus):
    assert not bus.read(RCC_CR, 4) & (1 << 17)  # HSE off: not ready
    bus.write(RCC_CR, 4, bus.read(RCC_CR, 4) | (1 << 16) | (1 << 24))
    cr = bus.read(RCC_CR, 4)
    assert cr & (1 << 17) and cr & (1 << 25)  # HSERDY, PLL1RDY
    bus.write(RCC_CR, 4, cr & ~(1 << 24))
    assert not bus.read(RCC_CR, 4) & (1 << 25)


def test_rcc_switch_status_follows_the_switch(bus):
    bus.write(RCC_CFGR, 4, 3)
    assert (bus.read(RCC_CFGR, 4) >> 3) & 7 == 3


def test_pwr_voltage_scaling_is_ready(bus):
    assert bus.read(PWR_CSR1, 4) & (1 << 13)
    bus.write(PWR_D3CR, 4, 3 << 14)
    assert bus.read(PWR_D3CR, 4) & (1 << 13)
    assert (bus.read(PWR_CSR1, 4) >> 14) & 3 == 3


def test_register_file_reads_back_bytes_and_halfwords(bus):
    flash_acr = 0x52002000
    bus.write(flash_acr, 4, 0x24)
    assert bus.read(flash_acr, 4) == 0x24
    bus.write(flash_acr + 1, 1, 0xAB)
    assert bus.read(flash_acr, 4) == 0xAB24
    assert bus.read(flash_acr, 2) == 0xAB24


def test_usart_captures_transmitted_bytes_and_is_always_ready(bus):
    base = 0x40004800
    bus.write(base, 4, (1 << 3) | 1)  # TE, UE
    isr = bus.read(base + 0x1C, 4)
    assert isr & (1 << 7) and isr & (1 << 21)  # TXE, TEACK
    for ch in b"hi":
        bus.write(base + 0x28, 4, ch)
    assert bytes(bus.consoles["usart3"].sent) == b"hi"


def test_cyccnt_counts_only_while_enabled(bus):
    clock = bus.clock
    clock.now = 1000
    bus.write(DWT_CTRL, 4, 1)
    clock.now = 1500
    assert bus.read(DWT_CYCCNT, 4) == 0  # TRCENA still clear
    bus.write(DEMCR, 4, 1 << 24)
    clock.now = 1600
    assert bus.read(DWT_CYCCNT, 4) == 100
    bus.write(DWT_CYCCNT, 4, 5)
    clock.now = 1610
    assert bus.read(DWT_CYCCNT, 4) == 15
    bus.write(DWT_CTRL, 4, 0)
    clock.now = 5000
    assert bus.read(DWT_CYCCNT, 4) == 15


def test_cyccnt_wraps_at_32_bits(bus):
    bus.write(DEMCR, 4, 1 << 24)
    bus.write(DWT_CTRL, 4, 1)
    bus.write(DWT_CYCCNT, 4, 0xFFFFFFF0)
    bus.clock.now = 0x20
    assert bus.read(DWT_CYCCNT, 4) == 0x10


def test_systick_counts_down_and_reloads(bus):
    bus.write(SYST_RVR, 4, 999)
    bus.write(SYST_CVR, 4, 0)
    bus.write(SYST_CSR, 4, 5)
    bus.clock.now = 0
    # Writing CVR cleared it to 0; the first tick reloads to 999.
    bus.clock.now = 1
    assert bus.read(SYST_CVR, 4) == 999
    bus.clock.now = 11
    assert bus.read(SYST_CVR, 4) == 989
    assert not bus.read(SYST_CSR, 4) & (1 << 16)  # no 1 -> 0 transition yet
    bus.clock.now = 1000
    assert bus.read(SYST_CVR, 4) == 0
    assert bus.read(SYST_CSR, 4) & (1 << 16)  # reached zero: COUNTFLAG
    assert not bus.read(SYST_CSR, 4) & (1 << 16)  # cleared by the read
    bus.clock.now = 1 + 1000 + 5
    assert bus.read(SYST_CVR, 4) == 994
    bus.clock.now = 5000
    assert bus.read(SYST_CSR, 4) & (1 << 16)


def test_cpu_identification(bus):
    assert bus.read(0xE000ED00, 4) == 0x411FC271  # Cortex-M7 r1p1
    mvfr0 = bus.read(0xE000EF40, 4)
    assert (mvfr0 >> 8) & 0xF == 2  # double precision present


def test_unmodelled_registers_read_zero_and_are_listed(bus):
    assert bus.read(0x40010000, 4) == 0
    bus.write(0x40010004, 4, 1)
    bus.read(0x40010000, 4)
    summary = bus.unmodelled.summary()
    assert "0x40010000 (read 2x)" in summary and "0x40010004 (written 1x)" in summary


def test_reset_request_is_recorded(bus):
    bus.write(0xE000ED0C, 4, (0x05FA << 16) | (1 << 2))
    assert bus.find(SystemControlSpace).reset_requested
