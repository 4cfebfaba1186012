"""Checks for the options every front passes to the flow (CLI, API, Robot library, pytest plugin):
one function per kind of value, each refusing a bad one with a one-line InputError that names the
argument and what it may be, so no front lets a TypeError or IndexError through."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from simtiny.errors import InputError
from simtiny.flow.build import TOOLCHAINS
from simtiny.flow.golden import REFERENCE_CHOICES
from simtiny.flow.image_modes import IMAGE_MODES
from simtiny.flow.plan import OPTIMIZATIONS
from simtiny.platform import Platform, load_platform
from simtiny.sim import ENGINES
from simtiny.units import parse_size

if TYPE_CHECKING:
    from simtiny.flow.run import RunOptions

OPTIMIZE_LEVELS = ("0", "1", "2", "3", "s")  # -O levels a firmware build takes
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def flag(value: object, name: str) -> bool:
    """A boolean as Robot passes it: True/False, or (any case) true/false, yes/no, on/off, 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise InputError(f"{name} must be true or false (or yes/no, on/off, 1/0), not {value!r}")


def boolean(value: object, name: str) -> bool:
    """A Python caller's boolean: True or False, nothing that merely looks true."""
    if not isinstance(value, bool):
        raise InputError(f"{name} must be True or False, not {value!r}")
    return value


def whole_number(
    value: object,
    name: str,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    text: bool = False,
    note: str = "",
) -> int:
    """An integer within [minimum, maximum]; `text`: also a string of digits (Robot's arguments).
    `note` explains the range in the message, e.g. "the model has 2 outputs"."""
    number: int | None = None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = int(value)
    elif text and isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if minimum is not None and maximum is not None:
            span = f" from {minimum} to {maximum}" if minimum <= maximum else " (there is none)"
        elif minimum is not None:
            span = f" >= {minimum}"
        elif maximum is not None:
            span = f" <= {maximum}"
        else:
            span = ""
        extra = f" ({note})" if note else ""
        raise InputError(f"{name} must be a whole number{span}{extra}, not {value!r}")
    return number


def index(value: object, name: str, count: int, what: str, *, text: bool = False) -> int:
    """A 0-based index into `count` things: "output must be a whole number from 0 to 1 (the model
    has 2 outputs), not 5"."""
    return whole_number(value, name, 0, count - 1, text=text, note=what)


def choice(value: object, name: str, choices: Sequence[str], *, optional: bool = False) -> str | None:
    """One of `choices` (None too when `optional`)."""
    if value is None and optional:
        return None
    if isinstance(value, str) and value in choices:
        return value
    raise InputError(f"{name} must be one of {', '.join(choices)}, not {value!r}")


def check_engine(value: object, name: str = "engine") -> str:
    """A simulator engine simtiny knows (simtiny.sim.ENGINES)."""
    chosen = choice(value, name, list(ENGINES))
    assert chosen is not None
    return chosen


def check_toolchain(value: object, name: str = "toolchain") -> str | None:
    """gcc or zig, or None for the first installed."""
    return choice(value, name, TOOLCHAINS, optional=True)


def check_platform(value: object, name: str = "platform") -> Platform:
    """A board: a name that ships with simtiny, the path of a board folder, or a Platform. Loads
    it (and returns it), so an unknown name or a malformed description fails here with the
    platform's own error."""
    if isinstance(value, Platform):
        return value
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise InputError(f"{name} must be a board name or the path of a board folder, not {value!r}")
    return load_platform(value)


def size(value: object, name: str) -> int:
    """Bytes from an int or from "64 KB" (simtiny.units.parse_size), with the argument named."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, str)):
        raise InputError(f"{name} must be a size in bytes or like '64 KB', not {value!r}")
    try:
        return parse_size(value)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def refuse_unknown(given: Iterable[str], accepted: Sequence[str], where: str = "") -> None:
    """Fail naming the arguments in `given` that are not `accepted`, and listing the accepted ones."""
    unknown = [name for name in given if name not in accepted]
    if unknown:
        names = ", ".join(f"'{n}'" for n in unknown)
        at = f" for {where}" if where else ""
        plural = "s" if len(unknown) > 1 else ""
        raise InputError(f"unknown argument{plural} {names}{at} (accepted: {', '.join(accepted) or 'none'})")


def validate_options(options: RunOptions) -> RunOptions:
    """Check every field of a RunOptions before anything is built; returns it unchanged."""
    if not isinstance(options.model, (str, Path)):
        raise InputError(f"model must be the path of a .tflite file, not {options.model!r}")
    board = check_platform(options.platform)
    if check_engine(options.engine) == "qemu" and board.qemu_machine is None:
        raise InputError(f"engine 'qemu' has no machine for board {board.name} (use --platform mps2-an500)")
    boolean(options.cross_check, "cross_check")
    if options.cross_check and board.qemu_machine is None:
        raise InputError(
            f"cross_check runs the model on both engines, and QEMU has no machine for board {board.name} "
            "(use --platform mps2-an500)"
        )
    check_toolchain(options.toolchain)
    choice(options.image_mode, "image_mode", IMAGE_MODES)
    choice(options.optimization, "optimization", OPTIMIZATIONS)
    choice(options.reference, "reference", REFERENCE_CHOICES)
    whole_number(options.seed, "seed", 0)
    whole_number(options.samples, "samples", 1)
    if options.max_instructions is not None:
        whole_number(options.max_instructions, "max_instructions", 1)
    for budget in ("sram_budget", "flash_budget"):
        if getattr(options, budget) is not None:
            whole_number(getattr(options, budget), budget, 1)
    for switch in ("lift_limits", "debug_layers", "memory_model"):
        boolean(getattr(options, switch), switch)
    if not isinstance(options.inputs, (tuple, list)):
        raise InputError(f"inputs must be a sequence of paths or arrays, not {options.inputs!r}")
    for k, item in enumerate(options.inputs):
        if not isinstance(item, (str, Path, np.ndarray)):
            raise InputError(f"input {k} must be a file path or a numpy array, not {item!r}")
    return options
