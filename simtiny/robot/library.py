"""The Robot Framework keywords: a thin front over `Machine`; every failure is one line that says
what differs (first mismatching index and both values, the measured figure against the limit)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from robot.api import logger
from robot.api.deco import keyword, library

from simtiny import __version__
from simtiny.errors import InputError, SimtinyError
from simtiny.flow.options import (
    OPTIMIZE_LEVELS,
    check_engine,
    check_platform,
    check_toolchain,
    choice,
    flag,
    index,
    refuse_unknown,
    whole_number,
)
from simtiny.flow.run import DoesNotFit, ModelReport
from simtiny.flow.verify import output_difference, top_class
from simtiny.report.sim import run_outcome
from simtiny.robot.machine import Machine
from simtiny.sim import DEFAULT_ENGINE
from simtiny.units import format_ms, format_size, parse_count, parse_duration_ms, parse_size

F = TypeVar("F", bound=Callable[..., Any])


def _kw(name: str | None = None) -> Callable[[F], F]:
    """A keyword whose simtiny errors fail it with their one-line message (no class name)."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except SimtinyError as exc:
                raise AssertionError(str(exc)) from None

        return keyword(name)(run)  # type: ignore[return-value]

    return decorate


@library(scope="SUITE", version=__version__, doc_format="ROBOT", auto_keywords=False)
class SimtinyLibrary:
    """Verify int8 neural-network firmware on a simulated STM32H743 (Cortex-M7), without a board.

    The library compiles a ``.tflite`` model into firmware with simtiny's kernels, runs it on the
    simulated microcontroller, runs LiteRT's reference kernels on the same input and compares
    every output bit for bit. It also runs any Cortex-M7 ELF built for the board and reads its
    UART. Keywords are named like Renode's where the idea is the same (`Create Machine`,
    `Wait For Line On Uart`, `Start Emulation`), so a Renode suite reads alike.

    = The machine =

    A suite has one machine (the library's scope is ``SUITE``): a platform, a memory model and
    budgets, and at most one program loaded on it, either a model (`Load Model`) or a firmware
    (`Load Firmware`); loading one unloads the other. Keywords that need a run start one when
    none has run yet: a model runs on one random input (seed 0), a firmware runs from reset to
    its exit, a fault or the instruction budget. `Wait For Line On Uart` reads the UART as a
    stream, line after line, with a timeout in simulated time; `Write Line To Uart` sends the
    firmware input from the point the stream has reached (see its documentation for how).

    = Memory model =

    By default cycles include the Cortex-M7 caches and flash wait states, which is what
    `Latency Should Be Below` and cycle limits need. `Use Ideal Memory` (or
    ``memory_model=False`` on `Create Machine` or on the library import) prices zero-wait
    memory instead: about five times faster to simulate and the same outputs, flash and SRAM,
    so prefer it in suites that assert no timing.

    = Units =

    Sizes: ``512 KB``, ``2 MB``, ``64KB``, ``512K`` or a byte count (K = 1024).
    Durations need a unit: ``30 ms``, ``0.5 s``, ``500 us``.
    Cycle and instruction counts: ``100000``, ``100_000``, ``100,000``, ``2M``.
    Paths are relative to the directory Robot runs in; ``${CURDIR}`` makes them relative to
    the suite file.

    = Failures =

    A failing keyword says what differs in one line: the first mismatching index and both
    values (``output 0 (seed 0) differs from LiteRT at index 3: firmware 12, LiteRT 13 ...``),
    or the measured figure against the limit (``peak SRAM is 100.2 KB (102,600 bytes), the
    limit is 64.0 KB (65,536 bytes)``). simtiny's own errors (unsupported operator, a model
    that does not fit, a firmware fault) fail the keyword with simtiny's one-line message.

    = Example =

    Two test cases of a suite whose settings import the library with
    ``Library    simtiny.robot`` (paths relative to a clone of simtiny):

    | Person Detector Is Bit-Exact And Fits
    |     Create Machine    stm32h743
    |     Load Model    tests/data/models/person_detect.tflite
    |     Run Inference    tests/data/models/no_person.bmp
    |     Outputs Should Match Golden
    |     Output Should Be Top Class    0
    |     Peak SRAM Should Be Below    512 KB
    |     Flash Usage Should Be Below    2 MB
    |     Latency Should Be Below    100 ms
    |     Cycles Of Operator Should Be Below    0    5M
    |
    | Hello Firmware Prints And Exits
    |     Create Machine    stm32h743    memory_model=False
    |     ${elf}=    Build Firmware    tests/firmware/hello.c
    |     Load Firmware    ${elf}
    |     Wait For Line On Uart    hello from USART3
    |     Firmware Should Exit With    7
    """

    def __init__(
        self,
        platform: str = "stm32h743",
        memory_model: bool | str = True,
        toolchain: str | None = None,
        engine: str = DEFAULT_ENGINE,
        **unknown: str,
    ) -> None:
        """Defaults for every `Create Machine` of the suite.

        ``platform`` is the board (a name such as ``stm32h743`` or ``stm32f746g-disco``, or the
        path of a board folder), ``memory_model=False`` prices ideal memory, ``toolchain`` is
        ``gcc`` or ``zig`` (default: gcc if installed, else zig), ``engine`` the simulator
        (``unicorn``). Booleans are ``True``/``False`` (or ``yes``/``no``, ``on``/``off``,
        ``1``/``0``). A bad or unknown argument fails the suite's first keyword with what is wrong.

        | Library    simtiny.robot    memory_model=False
        """
        self._defaults: tuple[str, bool, str | None, str] = ("stm32h743", True, None, DEFAULT_ENGINE)
        self._import_error: str | None = None
        self._machine: Machine | None = None
        try:
            refuse_unknown(unknown, _MACHINE_ARGS)
            check_platform(platform)
            memory = flag(memory_model, "memory_model")
            self._defaults = (platform, memory, check_toolchain(toolchain or None), check_engine(engine))
        except SimtinyError as exc:  # Robot would print a traceback for an import error: fail keywords instead
            self._import_error = f"Library simtiny.robot: {exc}"

    @property
    def machine(self) -> Machine:
        """The suite's machine, created with the import's defaults on first use."""
        if self._machine is None:
            try:
                self._machine = Machine(*self._import_defaults())
            except SimtinyError as exc:
                raise AssertionError(str(exc)) from None
        return self._machine

    def _import_defaults(self) -> tuple[str, bool, str | None, str]:
        if self._import_error:
            raise InputError(self._import_error)
        return self._defaults

    # --- the machine ----------------------------------------------------------------------

    @_kw()
    def create_machine(
        self,
        platform: str | None = None,
        memory_model: bool | str | None = None,
        toolchain: str | None = None,
        engine: str | None = None,
        **unknown: str,
    ) -> None:
        """Creates a fresh machine: nothing loaded, the platform's own budgets.

        Arguments left out take the library import's values (``stm32h743``, memory model on,
        the default toolchain). ``memory_model`` is ``True`` or ``False`` (or ``yes``/``no``,
        ``on``/``off``, ``1``/``0``), ``toolchain`` ``gcc`` or ``zig``, ``engine`` ``unicorn``;
        anything else, or an unknown argument, fails naming it.

        | Create Machine    stm32h743
        | Create Machine    stm32h743    memory_model=False
        | Create Machine    stm32h743    toolchain=zig
        | Create Machine    stm32f746g-disco
        """
        refuse_unknown(unknown, _MACHINE_ARGS, "Create Machine")
        memory = None if memory_model is None else flag(memory_model, "memory_model")
        default_platform, default_memory, default_toolchain, default_engine = self._import_defaults()
        self._machine = Machine(
            platform or default_platform,
            default_memory if memory is None else memory,
            toolchain or default_toolchain,
            engine or default_engine,
        )
        logger.info(f"machine {self._machine.platform.name} ({self._machine.memory_note()})")

    @_kw()
    def use_ideal_memory(self) -> None:
        """Prices zero-wait memory in the runs that follow (about five times faster to simulate).

        Outputs, flash and SRAM are the same; cycles and latency are lower than the board's.

        | Use Ideal Memory
        """
        self.machine.memory_model = False

    @_kw()
    def use_memory_model(self) -> None:
        """Models the Cortex-M7 caches and flash wait states in the runs that follow (the default).

        | Use Memory Model
        """
        self.machine.memory_model = True

    @_kw("Set SRAM Budget")
    def set_sram_budget(self, size: str) -> None:
        """Replaces the platform's SRAM budget (512 KB on the STM32H743), as ``--sram-budget`` does.

        A model whose static RAM plus stack exceeds it no longer fits: `Model Should Fit` and
        `Run Inference` fail, unless `Ignore Memory Limits` was used.

        | Set SRAM Budget    128 KB
        """
        self.machine.set_budgets(sram=parse_size(size))

    @_kw()
    def set_flash_budget(self, size: str) -> None:
        """Replaces the platform's flash budget (2 MB on the STM32H743), as ``--flash-budget`` does.

        | Set Flash Budget    1 MB
        """
        self.machine.set_budgets(flash=parse_size(size))

    @_kw()
    def set_reference(self, reference: str) -> None:
        """Chooses what computes the expected outputs, as ``simtiny run --reference``: ``litert``
        (LiteRT's reference kernels, the default), ``tflm`` (TF-Lite Micro's interpreter) or
        ``both`` (`Outputs Should Match Golden` then holds the outputs against each).

        | Set Reference    tflm
        """
        from simtiny.flow.golden import REFERENCE_CHOICES

        self.machine.reference = choice(reference, "reference", REFERENCE_CHOICES)

    @_kw()
    def set_instruction_budget(self, count: str) -> None:
        """Stops a run that has not ended after ``count`` instructions (a firmware that never exits).

        Default: 2,000,000,000 for firmware, 64 per MAC (at least that) for a model.

        | Set Instruction Budget    10M
        """
        budget = parse_count(count)
        if budget < 1:  # '0.1' parses to 0
            raise InputError(f"count must be a whole number >= 1, not '{count}'")
        self.machine.max_instructions = budget

    @_kw()
    def ignore_memory_limits(self) -> None:
        """Simulates a model that does not fit the board anyway (``--no-memory-limits``).

        `Model Should Fit` still reports the verdict against the real budgets.

        | Ignore Memory Limits
        """
        self.machine.lift_limits = True

    # --- models ---------------------------------------------------------------------------

    @_kw()
    def load_model(self, path: str, optimization: str = "ram") -> None:
        """Loads an int8 ``.tflite`` model and builds its firmware for the machine.

        ``optimization`` is what the memory planner favours: ``ram`` (the default, the smallest
        peak SRAM) or ``time`` (the fastest kernels within the board's SRAM), as
        ``simtiny run --optimization``. Fails with simtiny's message if the model uses an
        operator simtiny cannot compile (naming each one), is a float model or is not a model.
        Building is cached by content, so loading the same model again is quick.

        | Load Model    ${CURDIR}/models/person_detect.tflite
        | Load Model    ${CURDIR}/models/person_detect.tflite    optimization=time
        """
        compiled = self.machine.load_model(path, optimization)
        f = self.machine.figures(run=False)
        logger.info(
            f"{Path(path).name}: {len(compiled.graph.operators)} operators, "
            f"flash {format_size(f.flash)}, static RAM {format_size(f.static_ram)}"
        )

    @_kw()
    def run_inference(self, *inputs: str, image_mode: str = "pixels") -> list:
        """Runs the loaded model on the given inputs and LiteRT's reference kernels on the same.

        One file per model input, in order: ``.npy`` (the input's dtype and shape, the batch
        dimension may be left out; float values for a quantized input are quantized with its
        scale and zero point), or ``.bmp`` or ``.png`` for image models; or one data set: a
        ``.npz`` file (an array per input) or a folder of samples, as ``simtiny run --input``.
        ``image_mode`` is ``pixels`` (pixel p gives p - 128 to an int8 input) or ``raw`` (the
        image's bytes are the input, as TF-Lite Micro's test images are made). Without inputs it
        runs one random input (seed 0), like `Random Input`. Returns the firmware's outputs
        (numpy arrays) of the last sample. Fails if the model does not fit the board (see
        `Ignore Memory Limits`) or the firmware faults.

        | Run Inference    ${CURDIR}/models/person.bmp    image_mode=raw
        | ${outputs}=    Run Inference    input.npy
        | Run Inference    ${CURDIR}/samples/
        """
        report = _robot_hint(self.machine.run_inference, [Path(p) for p in inputs], image_mode=image_mode)
        self._log_run()
        return report.samples[-1].outputs

    @_kw()
    def random_input(self, seed: int | str = 0, samples: int | str = 1, **unknown: str) -> None:
        """Runs the loaded model on ``samples`` seeded random inputs covering each input's range.

        Sample ``k`` uses seed ``seed + k``, so the same seed gives the same input everywhere
        (``simtiny run --seed``). Every later check looks at all the samples. ``seed`` is a whole
        number from 0, ``samples`` from 1.

        | Random Input    seed=1
        | Random Input    seed=0    samples=3
        """
        refuse_unknown(unknown, ("seed", "samples"), "Random Input")
        first = whole_number(seed, "seed", 0, text=True)
        count = whole_number(samples, "samples", 1, text=True)
        _robot_hint(self.machine.run_inference, seed=first, samples=count)
        self._log_run()

    @_kw()
    def outputs_should_match_golden(self) -> None:
        """Fails unless every output of every sample equals the reference's bit for bit (LiteRT's
        unless `Set Reference` chose another; with ``both``, LiteRT's and TF-Lite Micro's).

        The message names the output, the sample, the first mismatching index and both values.

        | Outputs Should Match Golden
        """
        report = self.machine.need_report()
        n = report.compared
        if not n.complete:  # a verdict claims only what was compared
            raise AssertionError(
                f"no verdict: {n.outputs} of {n.model_outputs} outputs of {n.samples} sample(s) compared"
            )
        for sample in report.samples:
            problem = sample.difference()
            if problem:
                raise AssertionError(problem)
        logger.info(
            f"bit-exact against {n.reference}: {n.outputs} output(s) of {n.samples} sample(s), {n.elements:,} values"
        )

    @_kw()
    def output_should_match_file(self, path: str, output: int | str = 0) -> None:
        """Fails unless output ``output`` of the last sample equals the array in a ``.npy`` file.

        | Output Should Match File    ${CURDIR}/expected/output0.npy
        """
        file = Path(path)
        if not file.is_file():
            raise InputError(f"{file}: no such file")
        try:
            want = np.load(file, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise InputError(f"{file}: not a readable .npy file ({exc})") from None
        got = self._output(output, len(self.machine.need_report().samples) - 1)
        if want.shape != got.shape and want.size == got.size:
            want = want.reshape(got.shape)  # a file without the batch dimension
        problem = output_difference(int(output), got, want, file.name)  # int(): checked by _output
        if problem:
            raise AssertionError(problem)

    @_kw()
    def output_should_be_top_class(self, expected: int | str, output: int | str = 0, **unknown: str) -> None:
        """Fails unless class ``expected`` has the highest score in output ``output`` of every sample.

        | Output Should Be Top Class    1
        | Output Should Be Top Class    0    output=1
        """
        refuse_unknown(unknown, ("expected", "output"), "Output Should Be Top Class")
        report = self.machine.need_report()
        for k, sample in enumerate(report.samples):
            values = self._output(output, k).reshape(-1)
            output = int(output)  # checked by _output
            classes = f"output {output} has {values.size} classes"
            wanted = index(expected, "expected", values.size, classes, text=True)
            best = top_class(values)
            if best != wanted:
                raise AssertionError(
                    f"top class of output {output} ({sample.label}) is {best} (score {values[best].item()}), "
                    f"expected {wanted} (score {values[wanted].item()})"
                )

    @_kw()
    def get_output(self, output: int | str = 0, sample: int | str = 0, **unknown: str) -> list:
        """Returns output ``output`` of sample ``sample`` of the last run, flattened to a list.

        | ${scores}=    Get Output
        | Should Be True    ${scores}[1] > ${scores}[0]
        """
        refuse_unknown(unknown, ("output", "sample"), "Get Output")
        return self._output(output, sample).reshape(-1).tolist()

    @_kw()
    def get_top_class(self, output: int | str = 0, sample: int | str = 0, **unknown: str) -> int:
        """Returns the class with the highest score in output ``output`` of sample ``sample``.

        | ${class}=    Get Top Class
        """
        refuse_unknown(unknown, ("output", "sample"), "Get Top Class")
        return top_class(self._output(output, sample))

    @_kw()
    def model_should_fit(self) -> None:
        """Fails unless the model's flash and peak SRAM fit the machine's budgets.

        Peak SRAM is static RAM plus the stack measured in the last run (static RAM alone before
        any run). The message gives what is needed against each budget.

        | Model Should Fit
        """
        problems = self._fit_problems()
        if problems:
            raise AssertionError(
                f"{self.machine.name()} does not fit {self.machine.board.name}: " + "; ".join(problems)
            )

    @_kw()
    def model_should_not_fit(self, reason: str | None = None) -> None:
        """Fails if the model fits the budgets; with ``reason``, also unless a problem mentions it.

        | Model Should Not Fit
        | Model Should Not Fit    flash
        """
        problems = self._fit_problems()
        f = self.machine.figures(run=False)
        if not problems:
            raise AssertionError(
                f"{self.machine.name()} fits {f.board}: flash {format_size(f.flash)} "
                f"of {format_size(f.flash_budget)}, peak SRAM {format_size(f.peak_sram)} "
                f"of {format_size(f.sram_budget)}"
            )
        if reason and not any(reason.lower() in p.lower() for p in problems):
            raise AssertionError(f"{self.machine.name()} does not fit, but not for '{reason}': " + "; ".join(problems))
        logger.info("; ".join(problems))

    @_kw()
    def cycles_of_operator_should_be_below(self, operator: int | str, limit: str) -> None:
        """Fails unless operator ``operator`` (0-based, in model order) took fewer cycles than ``limit``.

        Cycles are what the firmware read from DWT CYCCNT around the kernel; with several
        samples, the slowest sample counts.

        | Cycles Of Operator Should Be Below    3    100000
        | Cycles Of Operator Should Be Below    0    2M
        """
        most = parse_count(limit)
        cycles = self.get_operator_cycles(operator)
        number = int(operator)  # checked by Get Operator Cycles
        opcode = self.machine.need_compiled().graph.operators[number].opcode
        if cycles >= most:
            raise AssertionError(
                f"operator {number} ({opcode}) took {cycles:,} cycles ({self._memory_note()}), the limit is {most:,}"
            )
        logger.info(f"operator {number} ({opcode}) took {cycles:,} cycles ({self._memory_note()}), below {most:,}")

    @_kw()
    def get_operator_cycles(self, operator: int | str) -> int:
        """Returns the cycles of operator ``operator`` (0-based) in the slowest sample of the last run.

        | ${cycles}=    Get Operator Cycles    0
        """
        operator = whole_number(operator, "operator", text=True)
        count = len(self.machine.need_compiled().graph.operators)
        operators = self.machine.figures().operators
        if not 0 <= operator < count:
            raise AssertionError(f"the model has {count} operators (0 to {count - 1}), not {operator}")
        if not operators:
            raise AssertionError(f"not measured: the {self.machine.engine} engine has no cycle model")
        return operators[operator].cycles

    # --- firmware -------------------------------------------------------------------------

    @_kw()
    def build_firmware(self, *sources: str, optimize: str = "2", defines: list[str] | str | None = None) -> str:
        """Compiles C sources for the machine's board and returns the ELF's path.

        The sources are linked with the board's start-up code and HAL (``simtiny_hal.h``: console
        UART, cycle counter, clock set-up, semihosting exit), like ``simtiny build``.
        ``optimize`` is ``0``, ``1``, ``2``, ``3`` or ``s``; ``defines`` a list of ``NAME=VALUE``
        (or one of them).
        Builds are cached by content.

        | ${elf}=    Build Firmware    ${CURDIR}/../tests/firmware/hello.c
        | ${elf}=    Build Firmware    main.c    uart.c    optimize=s
        """
        level = choice(optimize, "optimize", OPTIMIZE_LEVELS) or "2"
        wanted = [defines] if isinstance(defines, str) else list(defines or ())
        for define in wanted:
            if not isinstance(define, str) or not define.strip():
                raise InputError(f"defines must be NAME or NAME=VALUE strings, not {define!r}")
        elf = self.machine.build_firmware(list(sources), level, tuple(wanted))
        logger.info(f"built {elf}")
        return str(elf)

    @_kw()
    def load_firmware(self, path: str) -> None:
        """Loads a Cortex-M7 ELF for the machine's board (unloading any model).

        The ELF runs from reset (vector table at 0x08000000) at the first keyword that needs
        a run, or at `Start Emulation`.

        | Load Firmware    ${elf}
        """
        self.machine.load_firmware(path)

    @_kw()
    def start_emulation(self) -> None:
        """Runs the loaded firmware from reset until it exits, faults or uses up its instruction budget.

        The keywords that need a run start it themselves, so this is optional; it runs the
        firmware again if it has already run.

        | Start Emulation
        """
        result = self.machine.run_firmware()
        cycles = "no cycle model" if result.cycles is None else f"{result.cycles:,} cycles"
        logger.info(
            f"{self.machine.name()} {run_outcome(result, self.machine.firmware_budget())}: "
            f"{result.instructions:,} instructions, {cycles} ({self._memory_note()})"
        )

    @_kw()
    def write_line_to_uart(self, line: str) -> None:
        """Sends ``line`` and a carriage return to the firmware's console UART (USART3) receiver.

        The bytes arrive at 115200 baud (8N1) from where the last `Wait For Line On Uart` matched
        (from reset before any match), after anything written before; each sets RXNE and, with
        RXNEIE, raises the USART's interrupt. A byte that comes while RXNE is still set is lost
        (ORE). The simulation runs from reset to the end in one go, so the firmware runs again
        with all of its input: runs are deterministic and input changes nothing before it arrives,
        so this is the run paused and resumed at the match.

        | Wait For Line On Uart    ready
        | Write Line To Uart    hello
        | Wait For Line On Uart    echo: hello    timeout=50ms
        """
        self.machine.write_uart(line.encode("utf-8") + b"\r")

    @_kw()
    def wait_for_line_on_uart(
        self,
        content: str,
        timeout: str | None = None,
        treatAsRegex: bool | str = False,  # Renode's spelling
    ) -> str:
        """Fails unless a line the firmware prints on its UART (USART3) contains ``content``.

        The UART is read as a stream: the search starts after the line the previous call matched
        (`Reset Emulation` goes back to the start), and the matching line and every line before it
        are consumed. With ``treatAsRegex=True`` the content is a regular expression searched in
        each line. ``timeout`` is in simulated time (``50 ms``, ``2 s``): the line must be
        complete within it of the previous match (of reset). Returns the matching line.

        | Wait For Line On Uart    hello from USART3
        | ${line}=    Wait For Line On Uart    result: \\\\d+    treatAsRegex=True
        | Wait For Line On Uart    echo: hi    timeout=50 ms
        """
        regex = flag(treatAsRegex, "treatAsRegex")
        limit_ms = None if timeout in (None, "") else parse_duration_ms(str(timeout))
        try:
            pattern = re.compile(content) if regex else None
        except re.error as exc:
            raise InputError(f"content is not a regular expression ({exc}): '{content}'") from None
        m = self.machine
        result = m.need_result()
        cycles = result.extras.get("uart_cycles") or []
        hz = m.platform.clock_hz
        lines = _stream_lines(result.console.uart, m.uart_position)
        for line, end in lines:
            if not (pattern.search(line) if pattern else content in line):
                continue
            at = cycles[min(end, len(cycles)) - 1] if cycles else m.uart_cycle
            waited_ms = (at - m.uart_cycle) * 1000 / hz
            if limit_ms is not None and waited_ms > limit_ms:
                raise AssertionError(
                    f"UART line '{line}' came after {format_ms(waited_ms)} of simulated time, "
                    f"the timeout is {format_ms(limit_ms)}"
                )
            m.consume_uart(end, max(at, m.uart_cycle))
            logger.info(f"UART line '{line}' after {format_ms(waited_ms)} (cycle {at:,})")
            return line
        what = "matches" if regex else "contains"
        texts = [line for line, _ in lines]
        shown = "; ".join(repr(line) for line in texts[:5]) + (" ..." if len(texts) > 5 else "")
        since = " since the last match" if m.uart_position else ""
        printed = f"printed {len(texts)} line(s){since} ({shown})" if texts else f"printed nothing{since}"
        outcome = run_outcome(result, m.firmware_budget())
        raise AssertionError(f"no UART line {what} '{content}': the firmware {printed} and {outcome}")

    @_kw()
    def reset_emulation(self) -> None:
        """Restarts the loaded firmware from reset: the UART input is dropped and its output is read
        from the start again; the next keyword that needs a run runs it.

        | Reset Emulation
        """
        self.machine.reset_emulation()

    @_kw()
    def should_not_be_on_uart(self, content: str) -> None:
        """Fails if any line the firmware printed on its UART contains ``content``.

        | Should Not Be On Uart    error
        """
        for line in _lines(self.machine.need_result().console.uart):
            if content in line:
                raise AssertionError(f"the UART printed '{line}', which contains '{content}'")

    @_kw()
    def firmware_should_exit_with(self, code: int | str) -> None:
        """Fails unless the firmware exited (semihosting ``SYS_EXIT``, or returning from ``main``) with ``code``.

        A fault, an exhausted instruction budget or a halted core fail with where it happened.

        | Firmware Should Exit With    0
        """
        code = whole_number(code, "code", text=True)
        result = self.machine.need_result()
        if result.status != "exit" or result.exit_code != code:
            raise AssertionError(
                f"the firmware {run_outcome(result, self.machine.firmware_budget())}, expected an exit with {code}"
            )

    @_kw()
    def firmware_should_fault(self, kind: str | None = None) -> None:
        """Fails unless the firmware faulted; with ``kind``, unless the fault's description contains it.

        Kinds include ``unmapped read``, ``unmapped write``, ``write to read-only memory`` and
        ``undefined instruction``; the description also names the function.

        | Firmware Should Fault
        | Firmware Should Fault    unmapped read
        """
        result = self.machine.need_result()
        outcome = run_outcome(result, self.machine.firmware_budget())
        if result.status != "fault" or result.fault is None:
            raise AssertionError(f"the firmware {outcome}, expected a fault")
        if kind and kind.lower() not in result.fault.describe().lower():
            raise AssertionError(f"the firmware {outcome}, expected a fault with '{kind}'")

    # --- figures, for the loaded model or firmware -----------------------------------------

    @_kw()
    def flash_usage_should_be_below(self, limit: str) -> None:
        """Fails unless the program's flash (code, constants, initial data) is below ``limit``.

        | Flash Usage Should Be Below    2 MB
        """
        self._below("flash usage", self.machine.figures(run=False).flash, parse_size(limit), format_size)

    @_kw("Peak SRAM Should Be Below")
    def peak_sram_should_be_below(self, limit: str) -> None:
        """Fails unless peak SRAM (static RAM plus the measured stack high-water mark) is below ``limit``.

        | Peak SRAM Should Be Below    512 KB
        """
        self._below("peak SRAM", self.machine.figures().peak_sram, parse_size(limit), format_size)

    @_kw()
    def stack_usage_should_be_below(self, limit: str) -> None:
        """Fails unless the stack the last run used (painted before the run) is below ``limit``.

        | Stack Usage Should Be Below    4 KB
        """
        self._below("stack usage", self.machine.figures().stack, parse_size(limit), format_size)

    @_kw()
    def latency_should_be_below(self, limit: str) -> None:
        """Fails unless the latency at the platform clock is below ``limit``.

        For a model, the slowest sample's inference (``st_model_run``, as the firmware's cycle
        counter saw it); for a firmware, the whole run. Use the memory model (the default) for
        figures that match the board.

        | Latency Should Be Below    30 ms
        | Latency Should Be Below    0.5 s
        """
        ms = self._measured(self.machine.figures().latency_ms)
        most = parse_duration_ms(limit)
        if ms >= most:
            mhz = self.machine.platform.clock_hz / 1e6
            raise AssertionError(
                f"latency is {format_ms(ms)} at {mhz:g} MHz ({self._memory_note()}), the limit is {format_ms(most)}"
            )
        logger.info(f"latency is {format_ms(ms)} ({self._memory_note()}), below the limit of {format_ms(most)}")

    @_kw()
    def cycles_should_be_below(self, limit: str) -> None:
        """Fails unless the cycles are below ``limit``: a model's inference, or a firmware's whole run.

        | Cycles Should Be Below    5M
        """
        cycles = self._measured(self.machine.figures().cycles)
        self._below("cycles", cycles, parse_count(limit), lambda n: f"{n:,}", self._memory_note())

    @_kw()
    def get_flash_usage(self) -> int:
        """Returns the program's flash use in bytes.

        | ${flash}=    Get Flash Usage
        """
        return self.machine.figures(run=False).flash

    @_kw("Get Peak SRAM")
    def get_peak_sram(self) -> int:
        """Returns peak SRAM in bytes (static RAM plus the stack of the last run).

        | ${sram}=    Get Peak SRAM
        """
        return self.machine.figures().peak_sram

    @_kw()
    def get_latency(self) -> float:
        """Returns the latency of the last run in milliseconds at the platform clock.

        | ${ms}=    Get Latency
        """
        return self._measured(self.machine.figures().latency_ms)

    @_kw()
    def get_cycles(self) -> int:
        """Returns the cycles of the last run (a model's inference, a firmware's whole run).

        | ${cycles}=    Get Cycles
        """
        return self._measured(self.machine.figures().cycles)

    # --- helpers --------------------------------------------------------------------------

    def _output(self, output: int | str, sample: int | str) -> np.ndarray:
        """Output `output` of sample `sample` of the last run, both checked (0-based)."""
        report = self.machine.need_report()
        count = len(report.samples)
        k = index(sample, "sample", count, f"the last run has {count} sample(s)", text=True)
        outputs = report.samples[k].outputs
        n = len(outputs)
        return outputs[index(output, "output", n, f"the model has {n} output(s)", text=True)]

    def _fit_problems(self) -> list[str]:
        self.machine.need_compiled()
        return self.machine.figures(run=False).fit_problems

    def _measured(self, value: Any) -> Any:
        if value is None:
            raise AssertionError(f"not measured: the {self.machine.engine} engine has no cycle model")
        return value

    def _memory_note(self) -> str:
        """What the last run priced (it may differ from the current setting)."""
        m = self.machine
        ran = m.firmware_report is not None or m.report is not None
        return ("memory model" if m.figures(run=False).memory_model else "ideal memory") if ran else m.memory_note()

    def _below(self, what: str, value: int, limit: int, fmt: Callable[[int], str], note: str = "") -> None:
        extra = f" ({note})" if note else ""
        if value >= limit:
            raise AssertionError(f"{what} is {fmt(value)}{extra}, the limit is {fmt(limit)}")
        logger.info(f"{what} is {fmt(value)}{extra}, below the limit of {fmt(limit)}")

    def _log_run(self) -> None:
        report = self.machine.report
        if report is None:
            return
        verdict = "bit-exact" if report.exact else "outputs DIFFER from LiteRT"
        f = report.figures
        timing = (
            "no cycle model"
            if f.cycles is None
            else f"latency {format_ms(f.latency_ms or 0.0)} ({self._memory_note()}), {f.cycles:,} inference cycles"
        )
        logger.info(
            f"{self.machine.name()}: {verdict} on {len(report.samples)} sample(s); flash "
            f"{format_size(f.flash)}, peak SRAM {format_size(f.peak_sram)}, {timing}"
        )


_MACHINE_ARGS = ("platform", "memory_model", "toolchain", "engine")


def _robot_hint(run: Callable[..., ModelReport], *args: Any, **kwargs: Any) -> ModelReport:
    """Run; a model that does not fit gets the keyword that lifts the limits in its hint."""
    try:
        return run(*args, **kwargs)
    except DoesNotFit as exc:
        raise DoesNotFit(str(exc).replace("--no-memory-limits", "Ignore Memory Limits")) from None


def _lines(text: str) -> list[str]:
    return [line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r")]


def _stream_lines(text: str, start: int) -> list[tuple[str, int]]:
    """The non-empty lines of `text` from offset `start`, each with the offset just past its end
    (past its newline; the unterminated last line ends at the end of the text)."""
    out = []
    at = start
    while at < len(text):
        newline = text.find("\n", at)
        end = len(text) if newline < 0 else newline + 1
        line = text[at:end].rstrip("\n").rstrip("\r")
        if line:
            out.append((line, end))
        at = end
    return out
