"""The simulate and measure stages for an ELF simtiny did not write (`simtiny sim`).

Kept apart from run.py, whose model stages need numpy and the TF-Lite parser: `simtiny sim`
starts without importing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simtiny.elf.image import ElfImage, load_elf
from simtiny.elf.size import analyze
from simtiny.flow.measure import Figures, firmware_figures
from simtiny.platform import Platform
from simtiny.sim import DEFAULT_ENGINE, DEFAULT_MAX_INSTRUCTIONS, RunRequest, RunResult, get_engine
from simtiny.sim.result import ConsoleCallback


@dataclass
class FirmwareReport:
    """A firmware run from reset to its end: what happened, and the figures."""

    elf: Path
    image: ElfImage
    request: RunRequest
    result: RunResult
    figures: Figures


def run_firmware(
    elf: str | Path,
    board: Platform,
    engine: str = DEFAULT_ENGINE,
    max_instructions: int = DEFAULT_MAX_INSTRUCTIONS,
    memory_model: bool = True,
    profile: bool = False,
    on_console: ConsoleCallback | None = None,
    files: Path | None = None,
    stdin: bytes = b"",
    uart_input: tuple[tuple[int, bytes], ...] = (),
) -> FirmwareReport:
    """Run an ELF from reset to its exit, a fault or the instruction budget, and measure it;
    `on_console` sees the console text as the firmware writes it (the result keeps a capped copy);
    the firmware's semihosting files live in `files` (None: a temporary folder), `stdin` is what
    it reads from the console, `uart_input` what the host sends the console UART ((cycle, bytes))."""
    path = Path(elf)
    image = load_elf(path)
    request = RunRequest(
        path,
        board,
        max_instructions,
        profile=profile,
        memory_model=memory_model,
        on_console=on_console,
        files=files,
        stdin=stdin,
        image=image,
        options={"uart_input": uart_input} if uart_input else {},
    )
    result = get_engine(engine).run(request)
    figures = firmware_figures(image, analyze(image, board), board, result)
    return FirmwareReport(path, image, request, result, figures)
