"""The simulator: engines run an ELF on a board and fill one `RunResult`.

Like cocotb's simulator interface, one small protocol stands between simtiny and its engines:
`Engine.run(RunRequest) -> RunResult`. Each engine lives in a folder of its own (`unicorn/`) and
only translates; what is the same whichever engine runs (the board's memory map and register
models, semihosting, stack painting, faults, profiles, the timing models) lives beside them here.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from simtiny.errors import InputError
from simtiny.sim.result import (
    DEFAULT_CONSOLE_LIMIT,
    DEFAULT_MAX_INSTRUCTIONS,
    ConsoleCallback,
    MemoryRead,
    RunRequest,
    RunResult,
)

# Engines by name: the module whose `Engine` class runs requests (imported on first use, so that
# an engine's own dependencies load only when it is chosen).
ENGINES = {"unicorn": "simtiny.sim.unicorn", "qemu": "simtiny.sim.qemu"}
DEFAULT_ENGINE = "unicorn"

__all__ = [
    "DEFAULT_CONSOLE_LIMIT",
    "DEFAULT_ENGINE",
    "DEFAULT_MAX_INSTRUCTIONS",
    "ENGINES",
    "ConsoleCallback",
    "Engine",
    "MemoryRead",
    "RunRequest",
    "RunResult",
    "get_engine",
]


class Engine(Protocol):
    """Runs one request to completion and returns what happened."""

    name: str  # RunResult.cycles is None when the engine has no cycle model; reports say so

    def run(self, request: RunRequest) -> RunResult: ...


def get_engine(name: str = DEFAULT_ENGINE) -> Engine:
    if name not in ENGINES:
        raise InputError(f"unknown engine '{name}' (available: {', '.join(ENGINES)})")
    module = importlib.import_module(ENGINES[name])
    return module.Engine()
