"""What the engine-neutral board services need of an engine: access to the target's memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Memory:
    """Read and write the simulated target's memory (an engine supplies the two functions)."""

    read: Callable[[int, int], bytes]
    write: Callable[[int, bytes], None]
