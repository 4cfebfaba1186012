"""Errors a user can cause or meet, each with the exit code the command line gives it."""

from __future__ import annotations

# Exit codes shared by every command (documented in the README).
EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_FAULT = 3
EXIT_INTERNAL = 70  # a bug in simtiny (sysexits' EX_SOFTWARE); nothing a user does should cause it
EXIT_INTERRUPTED = 130
# `simtiny sim` passes the firmware's own exit status through, so its failures use codes
# a firmware is unlikely to choose (the GNU timeout convention for the budget).
EXIT_SIM_BUDGET = 124
EXIT_SIM_FAULT = 125
EXIT_SIM_NO_EXIT = 126


PRINTABLE_LIMIT = 60


def printable(text: str, limit: int = PRINTABLE_LIMIT) -> str:
    """Text from a file (a name, a library's message), safe to print in a one-line message:
    control characters become '?', and it is cut to `limit` characters."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


class SimtinyError(Exception):
    """A problem to report to the user in one line, with an exit code; never a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None, details: str = "") -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        self.details = details  # the whole story (a compiler's messages), shown under --verbose


class InputError(SimtinyError):
    """The user's input (a path, a file, an option) cannot be used."""


class ToolchainError(SimtinyError):
    """No usable compiler, or the compiler failed."""


class PlatformError(SimtinyError):
    """A platform description is missing or malformed."""


class DoesNotFit(SimtinyError):
    """The model or firmware needs more flash or SRAM than the board (or a 32-bit address space) has."""

    exit_code = EXIT_FAULT
