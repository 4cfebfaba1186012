"""The console USART's receiver (RDR, RXNE, ORE, the RXNE interrupt) and the Robot keywords that
drive it: Write Line To Uart, Wait For Line On Uart as a stream with a simulated-time timeout,
Reset Emulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from simtiny.platform import load_platform
from simtiny.sim.exceptions import IRQ0, Exceptions
from simtiny.sim.peripherals.stm32 import Usart

FIRMWARE = Path(__file__).parent / "firmware" / "exceptions" / "uart_echo.c"


class _Clock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


def _usart(clock: _Clock) -> tuple[Usart, Exceptions]:
    platform = load_platform("stm32h743")
    peripheral = next(p for p in platform.peripherals if p.name == "USART3")
    usart = Usart(peripheral, clock, platform)
    usart.exceptions = Exceptions()
    return usart, usart.exceptions


def test_received_bytes_set_rxne_raise_line_39_and_overrun_when_unread():
    clock = _Clock()
    usart, exc = _usart(clock)
    usart.receive([(0, b"ab")])
    per_byte = round(480_000_000 * 10 / 115_200)
    assert usart.next_event() == per_byte
    usart.store(Usart.CR1, Usart.UE | Usart.RE | Usart.TE | Usart.RXNEIE)
    clock.now = per_byte - 1
    assert not usart.load(Usart.ISR) & Usart.RXNE
    clock.now = per_byte
    assert usart.load(Usart.ISR) & Usart.RXNE
    assert exc.pending == {IRQ0 + 39}
    clock.now = 2 * per_byte  # "b" arrives with "a" unread: overrun, "b" is lost
    assert usart.load(Usart.ISR) & Usart.ORE
    assert usart.load(Usart.RDR) == ord("a")
    assert not usart.load(Usart.ISR) & Usart.RXNE
    usart.store(Usart.ICR, Usart.ORE)
    assert not usart.load(Usart.ISR) & Usart.ORE
    assert usart.next_event() is None


def test_bytes_are_lost_while_the_receiver_is_off_and_no_line_without_rxneie():
    clock = _Clock()
    usart, exc = _usart(clock)
    usart.receive([(0, b"x"), (10**6, b"y")])
    clock.now = 10**5
    usart.due()
    assert usart.lost == 1 and not exc.pending
    usart.store(Usart.CR1, Usart.UE | Usart.RE)
    clock.now = 2 * 10**6
    usart.due()
    assert usart.rxne and usart.rdr == ord("y") and not exc.pending
    usart.store(Usart.CR1, Usart.UE | Usart.RE | Usart.RXNEIE)  # enabling with RXNE set raises it
    assert exc.pending == {IRQ0 + 39}


@pytest.fixture(scope="module")
def echo_elf() -> str:
    from simtiny.robot import SimtinyLibrary

    return SimtinyLibrary(memory_model="False").build_firmware(str(FIRMWARE))


@pytest.mark.sim
def test_echo_firmware_through_the_robot_library(echo_elf):
    from simtiny.robot import SimtinyLibrary

    lib = SimtinyLibrary(memory_model="False")
    lib.load_firmware(echo_elf)
    assert lib.wait_for_line_on_uart("ready", timeout="1 ms") == "ready"
    lib.write_line_to_uart("hello")
    assert lib.wait_for_line_on_uart("echo:", timeout="5 ms") == "echo: hello"
    lib.write_line_to_uart("second line")
    lib.write_line_to_uart("quit")
    assert lib.wait_for_line_on_uart("echo: second") == "echo: second line"
    with pytest.raises(AssertionError, match=r"^no UART line contains 'echo: hello': .* since the last match"):
        lib.wait_for_line_on_uart("echo: hello")  # consumed: the stream goes on in order
    assert lib.wait_for_line_on_uart("echo: quit") == "echo: quit"
    lib.firmware_should_exit_with(3)
    # Six bytes at 115200 baud take 0.52 ms: a shorter timeout fails with what it measured.
    lib.reset_emulation()
    lib.wait_for_line_on_uart("ready")
    lib.write_line_to_uart("hello")
    with pytest.raises(AssertionError, match=r"^UART line 'echo: hello' came after 0\.5\d* ms .*timeout is 0\.2"):
        lib.wait_for_line_on_uart("echo: hello", timeout="0.2 ms")


@pytest.mark.sim
def test_without_input_the_echo_firmware_sleeps_and_the_wait_says_so(echo_elf):
    from simtiny.robot import SimtinyLibrary

    lib = SimtinyLibrary(memory_model="False")
    lib.load_firmware(echo_elf)
    lib.wait_for_line_on_uart("ready")
    with pytest.raises(AssertionError, match=r"^no UART line contains 'echo': the firmware printed nothing since"):
        lib.wait_for_line_on_uart("echo")
    lib.reset_emulation()
    assert lib.wait_for_line_on_uart("ready") == "ready"  # the stream starts again


def test_write_line_needs_a_firmware():
    from simtiny.robot import SimtinyLibrary

    with pytest.raises(AssertionError, match=r"^no firmware loaded"):
        SimtinyLibrary().write_line_to_uart("x")
