"""Engines run an ELF on a platform. Each lives in its own module behind one small protocol."""

from __future__ import annotations

from typing import Protocol

from simtiny.engines.result import RunRequest, RunResult
from simtiny.errors import InputError

ENGINES = ("unicorn",)


class Engine(Protocol):
    """Runs one request to completion and returns what happened."""

    name: str

    def run(self, request: RunRequest) -> RunResult: ...


def get_engine(name: str = "unicorn") -> Engine:
    if name == "unicorn":
        from simtiny.engines.unicorn.engine import UnicornEngine

        return UnicornEngine()
    raise InputError(f"unknown engine '{name}' (available: {', '.join(ENGINES)})")
