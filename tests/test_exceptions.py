"""The ARMv7-M exception model on the simulated board (issue 13): SysTick, SVC, PendSV, fault
handlers, VTOR, AIRCR, WFI and `b .` hangs, with firmware built from tests/firmware/exc_*.c and
tests/firmware/exceptions/*.c (the timing-dependent ones, kept out of test_differential.py)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from simtiny.cli import main
from simtiny.elf.image import load_elf
from simtiny.errors import EXIT_SIM_FAULT
from simtiny.flow.build import FirmwareSpec, available_toolchains, build, find_toolchain
from simtiny.platform import load_platform
from simtiny.sim import exceptions as ex
from simtiny.sim import faults, get_engine
from simtiny.sim.peripherals import PeripheralBus
from simtiny.sim.peripherals.cortexm import SystemControlSpace
from simtiny.sim.result import MemoryRead, RunRequest, RunResult

TIMED = Path(__file__).resolve().parent / "firmware" / "exceptions"
CLOCK_HZ = 480_000_000


def _results(result: RunResult, count: int = 8) -> tuple[int, ...]:
    return struct.unpack(f"<{count}I", result.memory["results"][: 4 * count])


def _reads(elf: Path, *names: str, size: int = 32) -> tuple[MemoryRead, ...]:
    image = load_elf(elf)
    return tuple(MemoryRead(n, image.symbol(n), size) for n in names)


@pytest.fixture(scope="module")
def timed_builder():
    """Build tests/firmware/exceptions/<name>.c once per toolchain."""
    built = {}

    def get(name: str, toolchain: str) -> Path:
        if toolchain not in available_toolchains():
            pytest.skip(f"toolchain {toolchain} not installed")
        if (name, toolchain) not in built:
            spec = FirmwareSpec(f"exc_{name}", (TIMED / f"{name}.c",))
            built[name, toolchain] = build(spec, load_platform("stm32h743"), find_toolchain(toolchain)).elf
        return built[name, toolchain]

    return get


# ----- the model alone ----------------------------------------------------------------------------
def test_priorities_pick_the_most_urgent_and_mask_with_primask_and_basepri():
    e = ex.Exceptions()
    e.set_priority(ex.PENDSV, 0xF0)
    e.set_priority(ex.SYSTICK, 0x40)
    e.set_priority(ex.IRQ0, 0x80)
    e.enabled.add(ex.IRQ0)
    e.pending |= {ex.PENDSV, ex.SYSTICK, ex.IRQ0}
    assert e.ready() == [ex.SYSTICK, ex.IRQ0, ex.PENDSV]
    assert e.takeable(0, 0, 0) == ex.SYSTICK
    assert e.takeable(1, 0, 0) is None  # PRIMASK
    assert e.takeable(0, 0x40, 0) is None  # BASEPRI at SysTick's level masks all three
    e.active.append(ex.IRQ0)  # inside the 0x80 handler only SysTick pre-empts
    e.pending.discard(ex.SYSTICK)
    assert e.takeable(0, 0, 0) is None


def test_a_disabled_or_masked_fault_escalates_to_hardfault_and_hardfault_in_hardfault_locks_up():
    e = ex.Exceptions()
    assert e.fault_target(ex.USAGEFAULT, 0, 0, 0) == ex.HARDFAULT
    assert e.hfsr & ex.HFSR_FORCED
    e.shcsr = ex.FAULT_ENABLE[ex.USAGEFAULT]
    assert e.fault_target(ex.USAGEFAULT, 0, 0, 0) == ex.USAGEFAULT
    assert e.fault_target(ex.SVCALL, 1, 0, 0) == ex.HARDFAULT  # SVC with PRIMASK set
    e.active.append(ex.HARDFAULT)
    assert e.fault_target(ex.USAGEFAULT, 0, 0, 0) is None


def test_scs_registers_reach_the_exception_state():
    platform = load_platform("stm32h743")
    now = [0]
    bus = PeripheralBus(platform, lambda: now[0])
    scs = bus.find(SystemControlSpace)
    e = scs.exceptions
    assert e.vtor == platform.boot_address
    bus.write(0xE000ED20, 1, 0)  # byte write into SHPR3 keeps the other bytes
    bus.write(0xE000ED22, 1, 0xF0)  # PendSV
    bus.write(0xE000E404, 1, 0x50)  # IPR of line 4
    assert e.priority_of(ex.PENDSV) == 0xF0 and e.priority_of(ex.IRQ0 + 4) == 0x50
    assert bus.read(0xE000ED20, 4) == 0xF0 << 16
    bus.write(0xE000E100, 4, 1 << 4)
    bus.write(0xE000EF00, 4, 4)  # STIR
    assert bus.read(0xE000E200, 4) == 1 << 4 and ex.IRQ0 + 4 in e.ready()
    bus.write(0xE000ED04, 4, 1 << 28)
    assert bus.read(0xE000ED04, 4) >> 28 & 1
    bus.write(0xE000ED08, 4, 0x2000_0400)
    assert e.vtor == 0x2000_0400
    bus.write(0xE000ED0C, 4, 0x05FA_0300)
    assert e.prigroup == 3 and bus.read(0xE000ED0C, 4) == 0xFA05_0300
    # SysTick: LOAD 999, started at cycle 0: zero at 1000, 2000, ...; pends once TICKINT is set
    bus.write(0xE000E014, 4, 999)
    bus.write(0xE000E018, 4, 0)
    bus.write(0xE000E010, 4, 7)
    assert scs.systick_next_event() == 1000
    now[0] = 2500  # two zeroes missed pend the exception once
    assert scs.systick_due() and ex.SYSTICK in e.pending
    assert scs.systick_next_event() == 3000


def test_sysresetreq_asks_the_engine_to_stop():
    bus = PeripheralBus(load_platform("stm32h743"), lambda: 0)
    scs = bus.find(SystemControlSpace)
    called = []
    scs.on_reset = lambda: called.append(True)
    bus.write(0xE000ED0C, 4, 0x0000_0004)  # no VECTKEY: ignored
    assert not called
    bus.write(0xE000ED0C, 4, 0x05FA_0004)
    assert called and scs.reset_requested


def test_fpccr_reads_its_reset_value():
    """ASPEN and LSPEN set at reset (Armv7-M ARM B3.2.2), as an RTOS port reads them."""
    bus = PeripheralBus(load_platform("stm32h743"), lambda: 0)
    assert bus.read(0xE000EF34, 4) == 0xC000_0000


# ----- firmware -----------------------------------------------------------------------------------
@pytest.mark.sim
def test_b_dot_with_no_interrupt_is_reported_at_once_as_a_hang(firmware_builder, toolchain, capsys, run_firmware):
    fw = firmware_builder("exc_hang", toolchain)
    result = run_firmware(fw.elf)
    assert result.status == "fault" and result.fault.kind == faults.HANG
    assert result.fault.symbol.startswith("stuck_here")
    assert result.host_seconds < 1.0 and result.instructions < 1_000_000
    code = main(["sim", str(fw.elf)])
    out = capsys.readouterr().out
    assert code == EXIT_SIM_FAULT and "hang" in out and "stuck_here" in out


@pytest.mark.sim
def test_wfi_with_nothing_to_wake_the_core_ends_the_run(firmware_builder, toolchain, run_firmware):
    result = run_firmware(firmware_builder("exc_sleep", toolchain).elf)
    assert result.status == "fault" and result.fault.kind == faults.WAIT_FOR_INTERRUPT
    assert result.fault.symbol.startswith("sleep_forever")


@pytest.mark.sim
def test_sysresetreq_ends_the_run_with_reset_requested(firmware_builder, toolchain, run_firmware):
    result = run_firmware(firmware_builder("exc_reset", toolchain).elf)
    assert result.status == "fault" and result.fault.kind == faults.RESET_REQUEST
    assert result.fault.symbol.startswith("request_reset")


@pytest.mark.sim
@pytest.mark.parametrize("memory_model", [False, True])
def test_systick_interrupt_wakes_wfi_and_counts_milliseconds(timed_builder, toolchain, run_firmware, memory_model):
    elf = timed_builder("systick", toolchain)
    result = run_firmware(elf, reads=_reads(elf, "results"), memory_model=memory_model)
    assert result.status == "exit" and result.exit_code == 0
    ticks, wakes, five_ms, two_ms = _results(result)[:4]
    assert ticks == 7 and wakes == 5
    assert five_ms == pytest.approx(5 * CLOCK_HZ // 1000, rel=0.01)
    assert two_ms == pytest.approx(2 * CLOCK_HZ // 1000, rel=0.01)
    assert result.host_seconds < 2.0  # WFI skips the sleeping time


@pytest.mark.sim
def test_hal_delay_of_50_ms_takes_24_million_cycles(timed_builder, toolchain, run_firmware):
    elf = timed_builder("delay", toolchain)
    result = run_firmware(elf, reads=_reads(elf, "results"))
    assert result.status == "exit" and result.exit_code == 0
    cycles, ticks = _results(result)[:2]
    assert cycles == pytest.approx(24_000_000, rel=0.01)
    assert ticks == 51


@pytest.mark.sim
def test_svc_and_pendsv_run_in_priority_order_through_a_moved_vtor(firmware_builder, toolchain, run_firmware):
    elf = firmware_builder("exc_svc", toolchain).elf
    result = run_firmware(elf, reads=_reads(elf, "results", "order"))
    assert result.status == "exit" and result.exit_code == 0
    number, icsr, doubled, steps = _results(result)[:4]
    assert number == 42 and doubled == 42  # svc #42, r0 = 21 * 2
    assert result.memory["order"][:steps] == b"SIPM"  # SVC, line 0 (0x80), PendSV (0xF0), main
    assert icsr & 0x1FF == ex.SVCALL and (icsr >> 12) & 0x1FF == ex.IRQ0 and icsr & (1 << 28)


@pytest.mark.sim
def test_two_tasks_switch_on_psp_through_pendsv(firmware_builder, toolchain, run_firmware):
    elf = firmware_builder("exc_tasks", toolchain).elf
    result = run_firmware(elf, reads=_reads(elf, "results", "log_text", size=16))
    assert result.status == "exit" and result.exit_code == 0
    assert result.memory["log_text"][:8] == b"ABABABAB"
    control, count_a, count_b = _results(result, 4)[:3]
    assert control & 2  # the tasks run on the PSP
    assert (count_a, count_b) == (4, 104)


@pytest.mark.sim
def test_fault_handlers_see_cfsr_hfsr_and_bfar(firmware_builder, toolchain, run_firmware):
    elf = firmware_builder("exc_fault", toolchain).elf
    result = run_firmware(elf, reads=_reads(elf, "results"))
    assert result.status == "exit" and result.exit_code == 0x42
    cfsr_usage, fault_pc, cleared, cfsr, hfsr, bfar, ran_on = _results(result)[:7]
    assert cfsr_usage == ex.UNDEFINSTR and cleared == 0 and ran_on == 1
    assert load_elf(elf).symbol_at(fault_pc)[0] == "main"
    assert cfsr == ex.PRECISERR | ex.BFARVALID and hfsr == ex.HFSR_FORCED and bfar == 0x6000_0000
    assert "CFSR=00008200" in result.console.uart and "BFAR=60000000" in result.console.uart


@pytest.mark.sim
def test_divide_by_zero_traps_only_with_div_0_trp(firmware_builder, toolchain, run_firmware):
    elf = firmware_builder("exc_divide", toolchain).elf
    result = run_firmware(elf, reads=_reads(elf, "results", size=16))
    assert result.status == "exit" and result.exit_code == 0x43
    before, cfsr, after = _results(result, 4)[:3]
    assert before == 1 and cfsr == ex.DIVBYZERO and after == 0


@pytest.mark.sim
def test_nmi_preempts_through_primask_and_faultmask(firmware_builder, toolchain, run_firmware):
    """NMIPENDSET enters NMI_Handler (IPSR 2) at once under PRIMASK and FAULTMASK; a PendSV pended
    under them waits for cpsie (tests/firmware/exc_nmi.c)."""
    elf = firmware_builder("exc_nmi", toolchain).elf
    result = run_firmware(elf, reads=_reads(elf, "results"))
    assert (result.status, result.exit_code) == ("exit", 0), result.fault
    nmi_ipsr, nmi_still_pending, pendsv_ipsr, order, count = _results(result)[:5]
    assert (nmi_ipsr, nmi_still_pending, pendsv_ipsr) == (ex.NMI, 0, ex.PENDSV)
    assert order.to_bytes(3, "little") == b"NmP" and count == 3


@pytest.mark.sim
@pytest.mark.parametrize("memory_model", [False, True])
def test_misaligned_accesses_fault_as_on_the_chip(firmware_builder, toolchain, run_firmware, memory_model):
    """LDRD, LDM and VLDR need word alignment always, LDRH only under CCR.UNALIGN_TRP, LDR and
    LDRB never (Armv7-M ARM A3.2.1); each fault is UsageFault UNALIGNED (tests/firmware/exc_unaligned.c)."""
    elf = firmware_builder("exc_unaligned", toolchain).elf
    result = run_firmware(elf, memory_model=memory_model, reads=_reads(elf, "results"))
    assert (result.status, result.exit_code) == ("exit", 0), result.fault
    assert result.warnings == []
    unaligned_ldr, always, with_trap, aligned_ldrh, ldrb_and_count, after_trap, cfsr, total = _results(result)
    assert unaligned_ldr == 0x14131211  # bytes 0x11..0x14, little-endian
    assert always == 3  # LDRD, LDM, VLDR
    assert with_trap == 4 and aligned_ldrh == 0x1312 and ldrb_and_count == 0x11 | 4 << 8
    assert after_trap == 0x15141312 and total == 4
    assert cfsr == ex.UNALIGNED


@pytest.mark.sim
@pytest.mark.parametrize("name", ["exc_unaligned", "exc_divide"])
def test_handled_faults_count_the_instructions_the_core_started(name, firmware_builder, toolchain, run_firmware):
    """A fault taken by a handler ends its block early: the rest of the block is taken back (the
    faulting instruction counts, as started), so the count equals the per-instruction trace."""
    result = run_firmware(firmware_builder(name, toolchain).elf, options={"count_check": True})
    assert (result.status, result.exit_code) in (("exit", 0), ("exit", 0x43))
    assert result.instructions == result.extras["exact_instructions"]


@pytest.mark.sim
def test_an_unhandled_misaligned_ldrd_names_the_instruction(toolchain, platform):
    source = Path(__file__).resolve().parent / "firmware" / "exc_unaligned.c"
    if toolchain not in available_toolchains():
        pytest.skip(f"toolchain {toolchain} not installed")
    spec = FirmwareSpec("exc_unaligned_unhandled", (source,), defines=("NO_HANDLER",))
    elf = build(spec, platform, find_toolchain(toolchain)).elf
    result = get_engine("unicorn").run(RunRequest(elf, platform))
    assert result.status == "fault" and result.fault.symbol.startswith("main+")
    assert faults.UNALIGNED in result.fault.kind and "ldrd r2, r3" in result.fault.detail


@pytest.mark.sim
def test_stock_unicorn_says_it_does_not_check_alignment(firmware_builder):
    """With SIMTINY_UNICORN=stock the run goes on without the faults, and says so."""
    elf = firmware_builder("exc_unaligned", "gcc").elf
    env = {**os.environ, "SIMTINY_UNICORN": "stock"}
    command = [sys.executable, "-m", "simtiny.cli", "sim", str(elf)]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0
    assert "stock Unicorn: unaligned LDRD/STRD/LDM/STM/VLDR/VSTR" in done.stderr


@pytest.mark.sim
def test_an_unhandled_fault_is_still_reported_by_symbol(firmware_builder, toolchain, run_firmware):
    result = run_firmware(firmware_builder("fault_read", toolchain).elf)
    assert result.status == "fault" and result.fault.kind == "unmapped read"
    assert result.fault.symbol.startswith("f")
    assert result.fault.address == 0x6000_0000


@pytest.mark.sim
def test_an_exception_pended_under_primask_runs_right_after_cpsie(firmware_builder, toolchain, run_firmware):
    elf = firmware_builder("exc_mask", toolchain).elf
    result = run_firmware(elf, reads=_reads(elf, "results", size=16))
    assert result.status == "exit" and result.exit_code == 0
    assert _results(result, 4)[:2] == (0, 1)


@pytest.mark.sim
def test_exception_entry_and_return_are_priced_and_keep_the_fpu_registers(firmware_builder, toolchain, run_firmware):
    elf = firmware_builder("exc_latency", toolchain).elf
    result = run_firmware(elf, reads=_reads(elf, "results", size=16), memory_model=False)  # no bus costs
    assert result.status == "exit" and result.exit_code == 0
    round_trip, baseline, kept = _results(result, 4)[:3]
    extra = round_trip - baseline  # svc, entry, an empty handler, return
    assert ex.ENTRY_CYCLES + ex.RETURN_CYCLES <= extra <= ex.ENTRY_CYCLES + ex.RETURN_CYCLES + 8
    assert kept == 30  # s0 = 3.0 survives the handler's vmov (extended frame)


@pytest.mark.sim
def test_a_b_dot_main_loop_skips_time_to_each_systick(timed_builder, toolchain, run_firmware):
    result = run_firmware(timed_builder("idle_loop", toolchain), memory_model=False)
    assert result.status == "exit" and result.exit_code == 0
    assert result.cycles == pytest.approx(100 * CLOCK_HZ // 1000, rel=0.01)
    assert result.host_seconds < 1.0
