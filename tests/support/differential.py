"""Run one ELF with the memory model off and on and say how the runs differ (tests/test_differential.py).

The memory model only adds cycles: with it on, a program must end the same way, print the
same, leave the same memory, retire the same instructions, and run the same blocks (its
cycles less the memory system's share equal the ideal run's cycles).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simtiny.platform import Platform
from simtiny.sim import get_engine
from simtiny.sim.result import MemoryRead, RunRequest, RunResult
from tests.support.thumbgen import MEM_BYTES, STATE_WORDS


@dataclass(frozen=True)
class Mode:
    """One way to run: the memory model on or off, and the engine options."""

    name: str
    memory_model: bool
    options: tuple[tuple[str, Any], ...] = ()


IDEAL = Mode("ideal memory", False)
STOCK = (("stock_hooks", True),)  # Unicorn's own PC sync before each hook, with simtiny's IT repair
MODES = (
    Mode("memory model", True),
    Mode("memory model, stores hooked", True, (("observe_stores", True),)),
    Mode("memory model, stock hooks", True, STOCK),
    Mode("memory model, stores hooked, stock hooks", True, (("observe_stores", True), *STOCK)),
)


def run(elf: Path, platform: Platform, mode: Mode, **kwargs: Any) -> RunResult:
    request = RunRequest(elf, platform, memory_model=mode.memory_model, options=dict(mode.options), **kwargs)
    return get_engine("unicorn").run(request)


def _fault(r: RunResult) -> tuple | None:
    return None if r.fault is None else (r.fault.kind, r.fault.pc, r.fault.address)


def differences(ideal: RunResult, other: RunResult) -> list[str]:
    """What differs between an ideal-memory run and a memory-model run of the same ELF."""
    out = []
    pairs = {
        "status": (ideal.status, other.status),
        "exit code": (ideal.exit_code, other.exit_code),
        "fault": (_fault(ideal), _fault(other)),
        "UART": (ideal.console.uart, other.console.uart),
        "semihosting": (ideal.console.semihosting, other.console.semihosting),
        "instructions": (ideal.instructions, other.instructions),
        "cycles without the memory system": (ideal.cycles, other.ideal_cycles),
        "stack used": (ideal.stack and ideal.stack.used, other.stack and other.stack.used),
    }
    for what, (a, b) in pairs.items():
        if a != b:
            out.append(f"{what}: {_short(a)} vs {_short(b)}")
    for name, data in ideal.memory.items():
        other_data = other.memory.get(name, b"")
        if data != other_data:
            first = next(i for i, (x, y) in enumerate(zip(data, other_data, strict=False)) if x != y)
            out.append(f"memory {name}: first difference at +{first:#x}")
    return out


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


STATE_NAMES = [*(f"r{i}" for i in range(13)), "APSR", *(f"s{i}" for i in range(16)), "FPSCR", "pad"]


def program_reads(symbol, cases: int) -> list[MemoryRead]:
    """The final states and the buffers of a thumbgen program (symbol: name -> address)."""
    return [
        MemoryRead("diff_out", symbol("diff_out"), cases * STATE_WORDS * 4),
        MemoryRead("diff_mem", symbol("diff_mem"), cases * MEM_BYTES),
    ]


def case_differences(ideal: RunResult, other: RunResult, cases: int, limit: int = 6) -> list[str]:
    """Per case, the registers and buffer bytes that differ (the first few)."""
    out = []
    a = struct.unpack(f"<{cases * STATE_WORDS}I", ideal.memory["diff_out"])
    b = struct.unpack(f"<{cases * STATE_WORDS}I", other.memory["diff_out"])
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            out.append(f"case {i // STATE_WORDS}: {STATE_NAMES[i % STATE_WORDS]} {x:#010x} vs {y:#010x}")
    ma, mb = ideal.memory["diff_mem"], other.memory["diff_mem"]
    for i, (x, y) in enumerate(zip(ma, mb, strict=True)):
        if x != y:
            out.append(f"case {i // MEM_BYTES}: buffer byte +{i % MEM_BYTES:#x} {x:#04x} vs {y:#04x}")
    return out[:limit]
