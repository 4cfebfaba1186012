"""The `simtiny` command: a thin front over the flow (simtiny.flow.run) and the reports.

Errors are one line and an exit code; `--verbose` adds the whole story (a compiler's messages).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simtiny import __version__
from simtiny.bench.published import SUITES
from simtiny.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_MISMATCH,
    EXIT_OK,
    EXIT_SIM_BUDGET,
    EXIT_SIM_FAULT,
    EXIT_SIM_NO_EXIT,
    EXIT_USAGE,
    InputError,
    SimtinyError,
)
from simtiny.flow.image_modes import IMAGE_MODES
from simtiny.outputs import check_output, check_output_folder, is_stdout, write_output, write_text_output
from simtiny.progress import StageProgress
from simtiny.sim import DEFAULT_ENGINE, DEFAULT_MAX_INSTRUCTIONS, ENGINES
from simtiny.units import parse_count, parse_duration_ms, parse_size

EXIT_CODES_HELP = f"""exit codes of 'simtiny sim':
  N     the firmware's own exit status (semihosting SYS_EXIT / SYS_EXIT_EXTENDED), modulo 256
        (a nonzero status that would be 0 modulo 256 gives 1)
  {EXIT_USAGE}     bad input (not an ELF, wrong architecture, nothing in flash, bad option)
  {EXIT_SIM_BUDGET}   the instruction budget ran out (the firmware never ended)
  {EXIT_SIM_FAULT}   the firmware faulted (unmapped or read-only access, undefined instruction, ...)
  {EXIT_SIM_NO_EXIT}   the core stopped without exiting (WFI/WFE with no interrupt modelled)
  70    a bug in simtiny (please report it; SIMTINY_DEBUG=1 shows the traceback)
  130   interrupted
"""
BUG_HELP = "70 a bug in simtiny (please report it; SIMTINY_DEBUG=1 shows the traceback), 130 interrupted"
MODEL_HELP = (
    "a .tflite file, or the name of a model that ships with simtiny (the paper's networks and MLPerf Tiny's: {names})"
)


def _parsed(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse type from a simtiny.units parser: its one-line message on bad input."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


_count = _parsed(parse_count)
_bytes = _parsed(parse_size)
_milliseconds = _parsed(parse_duration_ms)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line with simtiny's usage exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="simtiny",
        description="Simulate and verify int8 neural-network firmware on Cortex-M7 boards.",
    )
    parser.add_argument("--version", action="version", version=f"simtiny {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    models_help = MODEL_HELP.format(names=", ".join(_bundled_names()))

    sim = sub.add_parser(
        "sim",
        help="run a Cortex-M7 ELF on the simulated board",
        description="Run FIRMWARE.elf from reset on the simulated board and report its console, "
        "exit status, instructions, cycles, time and stack use.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("firmware", type=Path, metavar="FIRMWARE.elf")
    _common(sim, toolchain=False)
    _budget_option(sim)
    _memory_option(sim)
    sim.add_argument("--profile", action="store_true", help="print a flat profile per function")
    _json_option(sim, "the results")
    sim.add_argument("--quiet", "-q", action="store_true", help="print only the console text")
    sim.add_argument(
        "--console-log",
        type=Path,
        metavar="FILE",
        help="also write all of the console output to FILE (the report keeps the first 1 MiB of each stream)",
    )
    sim.add_argument(
        "--files",
        type=Path,
        metavar="DIR",
        help="the folder the firmware's semihosting files live in (SYS_OPEN names are confined to it; "
        "default: a temporary folder, removed after the run)",
    )
    sim.add_argument("--stdin", type=Path, metavar="FILE", help="console input the firmware reads (then end of input)")
    _force_option(sim)
    sim.set_defaults(func=_cmd_sim)

    size = sub.add_parser(
        "size",
        help="flash and RAM use of an ELF against the board's budgets",
        description="Flash and RAM per memory region from the ELF, as bytes and as shares of the "
        "budgets; the largest symbols; with a GNU or LLD map file, the bytes of each object file.",
    )
    size.add_argument("firmware", type=Path, metavar="FIRMWARE.elf")
    size.add_argument("--map", type=Path, metavar="FILE.map", help="linker map (GNU ld or LLD)")
    _platform_option(size)
    size.add_argument("--top", type=int, default=10, metavar="N", help="largest symbols to list")
    _json_option(size, "the results")
    _force_option(size)
    size.set_defaults(func=_cmd_size)

    renode = sub.add_parser(
        "renode",
        help="write a Renode script (.resc) that runs an ELF on Renode's model of the board",
        description="Write a Renode script that loads FIRMWARE.elf on Renode's own model of the "
        "board's part (for the STM32H743: platforms/cpus/stm32h743.repl) with the console UART "
        "shown, so that the same firmware can be run in Renode where it is installed.",
        epilog="exit codes: 0 written, 2 bad input (not an ELF, a board with no Renode platform, an "
        "output that exists without --force); " + BUG_HELP,
    )
    renode.add_argument("firmware", type=Path, metavar="FIRMWARE.elf")
    _platform_option(renode)
    renode.add_argument(
        "-o", "--output", type=Path, metavar="OUT.resc", help="where to write it (default: FIRMWARE.resc; '-': stdout)"
    )
    _force_option(renode)
    renode.set_defaults(func=_cmd_renode)

    run = sub.add_parser(
        "run",
        help="build a .tflite model into firmware, simulate it, compare with LiteRT",
        description="Compile an int8 .tflite model with simtiny's kernels, run it on the simulated "
        "board and compare every output bit for bit with LiteRT's reference kernels (or TF-Lite Micro's: "
        "--reference); report flash, SRAM and cycles per operator.",
        epilog="exit codes: 0 bit-exact (with every reference compared), 1 outputs differ (or, with "
        "--cross-check, the two engines disagree), 2 usage error or a model simtiny or the reference refuses, "
        "3 the model does not fit the board, the firmware faulted or ran out of instructions, or the reference "
        "crashed; " + BUG_HELP,
    )
    run.add_argument("model", type=Path, metavar="MODEL", help=models_help)
    _input_option(run)
    run.add_argument(
        "--image-mode",
        choices=IMAGE_MODES,
        default="pixels",
        help="BMP/PNG inputs: 'pixels' maps pixel p to p-128 (int8), p (uint8), p/255 (float32); 'raw' "
        "takes the image bytes as the int8/uint8 input, as TF-Lite Micro's test images are made",
    )
    run.add_argument("--seed", type=_seed, default=0, help="seed of the first random input (default 0)")
    run.add_argument("--samples", type=_positive, default=1, metavar="K", help="random inputs to run")
    _common(run)
    _budget_option(run, scaled=True)
    _memory_option(run)
    run.add_argument(
        "--cross-check",
        action="store_true",
        help="also run every sample on the other engine (unicorn and qemu) and compare outputs, exit "
        "status, console text and instruction counts, naming the first difference (a board both run: "
        "--platform mps2-an500)",
    )
    run.add_argument(
        "--no-memory-limits",
        action="store_true",
        help="simulate a model that does not fit the board's flash or SRAM anyway (the verdict stays)",
    )
    run.add_argument(
        "--debug-layers",
        action="store_true",
        help="when outputs differ, compare every operator's output and name the first that differs",
    )
    run.add_argument("--save-outputs", type=Path, metavar="DIR", help="write the firmware's outputs as .npy")
    run.add_argument("--memory", action="store_true", help="print live arena memory per operator and the peak")
    run.add_argument("--memory-plot", type=Path, metavar="FILE.png", help="plot live memory per operator")
    _budget_overrides(run)
    _optimization_option(run)
    _reference_option(run)
    _json_option(run, "the report")
    _junit_option(run, "one test case per sample, and one for the board's budgets")
    _html_option(run)
    run.add_argument("--quiet", "-q", action="store_true", help="only the verdict line")
    _force_option(run)
    run.set_defaults(func=_cmd_run)

    check = sub.add_parser(
        "check",
        help="pre-flash gate: fits every budget, fast enough, bit-exact",
        description="Build, simulate and verify each model; pass only if it fits the flash and SRAM "
        "budgets (measured: static RAM plus the stack high-water), meets --latency-budget, and its "
        "outputs are bit-exact against LiteRT (or TF-Lite Micro, or both: --reference).",
        epilog="exit codes: 0 every model passes, 1 a model fails the gate (reasons one per line), "
        "2 usage error or a model simtiny or the reference refuses, 3 a model's firmware faulted; each model gets "
        "its verdict and the most serious code wins; " + BUG_HELP,
    )
    check.add_argument("models", type=Path, nargs="+", metavar="MODEL", help=models_help)
    _common(check)
    _budget_overrides(check)
    _optimization_option(check)
    _reference_option(check)
    check.add_argument("--latency-budget", type=_milliseconds, metavar="TIME", help="e.g. 50ms, 0.5s")
    check.add_argument("--samples", type=_positive, default=1, metavar="K", help="random inputs to verify")
    _memory_option(check)
    check.add_argument("--seed", type=_seed, default=0, help="seed of the first random input (default 0)")
    _json_option(check, "the verdicts")
    _junit_option(check, "one test case per model")
    _html_option(check)
    _force_option(check)
    check.set_defaults(func=_cmd_check)

    bench = sub.add_parser(
        "bench",
        help="reproduce published silicon results (the survey's Table 3, MLPerf Tiny) in simulation",
        description="Build, verify bit-exact and measure a suite's networks (shipped with simtiny) or the "
        "models given, on the suite's board: latency at the board's clock (with the memory system and "
        "zero-wait), peak SRAM, flash, MACs, MAC/cycle and MAC/cycle per operator kind; print a table and "
        "write SUITE.md, SUITE.json and SUITE.png with the published figures beside simtiny's. Suites: "
        "table3 (the survey's Table 3 on the STM32H743: CMSIS-NN, X-Cube-AI, TinyEngine, TF-Lite Micro) and "
        "mlperf-tiny (MLPerf Tiny's four benchmarks on the STM32F746G-DISCO: Plumerai, Bosch).",
        epilog="exit codes: 0 every network bit-exact, 1 a network's outputs differ, 2 model or usage error, "
        "3 firmware fault; " + BUG_HELP,
    )
    bench.add_argument(
        "--models",
        type=Path,
        nargs="+",
        metavar="MODEL",
        help="models to run instead of the suite's (a .tflite path, or a network name of the suite such as "
        "proxyless-w0.3-r64)",
    )
    bench.add_argument(
        "--suite",
        choices=SUITES,
        default="table3",
        help="the published results to reproduce (default table3)",
    )
    bench.add_argument("--out", type=Path, metavar="DIR", help="folder for the SUITE.* files (default build/bench)")
    _junit_option(bench, "one test case per network")
    _html_option(bench)
    _optimization_option(bench, None, "default: the suite's, table3 ram, mlperf-tiny time")
    _force_option(bench)
    _engine_option(bench)
    _verbose_option(bench)
    bench.set_defaults(func=_cmd_bench)

    build = sub.add_parser(
        "build",
        help="compile C sources into firmware for the board",
        description="Compile C sources with the board's start-up code and HAL (console, cycle counter, "
        "clock set-up, semihosting exit: the functions of simtiny_hal.h).",
    )
    build.add_argument("sources", type=Path, nargs="+", metavar="SOURCE.c")
    build.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.elf")
    build.add_argument("-I", dest="include", type=Path, action="append", default=[], metavar="DIR")
    build.add_argument("-D", dest="define", action="append", default=[], metavar="NAME[=VALUE]")
    build.add_argument("-O", dest="optimize", default="2", choices=["0", "1", "2", "3", "s"])
    _platform_option(build)
    _toolchain_option(build)
    _verbose_option(build)
    build.add_argument("--force", action="store_true", help="overwrite OUT.elf if it exists")
    build.set_defaults(func=_cmd_build)

    verify = sub.add_parser(
        "verify",
        help="check a firmware simtiny did not write against LiteRT, bit for bit",
        description="Run FIRMWARE.elf (any firmware following the verify contract of simtiny_verify.h: it reads "
        "input<k>.bin, writes output<k>.bin through semihosting and brackets its inference with "
        "st_verify_begin/st_verify_end) once per sample, run LiteRT on the same inputs, compare every output "
        "bit for bit; report flash, SRAM, stack and inference cycles.",
        epilog="exit codes: 0 bit-exact, 1 outputs differ, 2 usage error or a model LiteRT refuses, 3 the firmware "
        "faulted, ran out of instructions, exited with a nonzero status or wrote no (or a wrongly sized) output "
        "file, or LiteRT crashed; " + BUG_HELP,
    )
    verify.add_argument("firmware", type=Path, metavar="FIRMWARE.elf")
    verify.add_argument("model", type=Path, metavar="MODEL", help=models_help)
    _input_option(verify)
    verify.add_argument("--image-mode", choices=IMAGE_MODES, default="pixels", help="BMP/PNG inputs, as for 'run'")
    verify.add_argument("--seed", type=_seed, default=0, help="seed of the first random input (default 0)")
    verify.add_argument("--samples", type=_positive, default=1, metavar="K", help="random inputs: K runs")
    _common(verify, toolchain=False)
    _budget_option(verify, scaled=True)
    _memory_option(verify)
    _reference_option(verify, both=False)
    _json_option(verify, "the report")
    verify.add_argument("--quiet", "-q", action="store_true", help="only the verdict line")
    _force_option(verify)
    verify.set_defaults(func=_cmd_verify)

    validate = sub.add_parser(
        "validate",
        help="run a data set through the firmware and the references: bit-exact count, accuracy, errors",
        description="Build the model once, run every sample of a data set on the simulated board and on "
        "LiteRT's reference kernels, and report how many are bit-exact, the top-1 agreement with the int8 "
        "reference and with the float model, the accuracy against labels, the error metrics of ST's validate "
        "(RMSE, MAE, L2R, MEAN, STD, COS) and the per-sample latency spread. Each sample's result is appended "
        "to a results file at once: run the same command again to resume an interrupted validation (or to "
        "report a finished one without simulating anything).",
        epilog="exit codes: 0 every sample bit-exact, 1 a sample's outputs differ, 2 usage error or a model "
        "simtiny or the reference refuses, 3 the firmware faulted or ran out of instructions, or the reference "
        "crashed; " + BUG_HELP,
    )
    validate.add_argument("model", type=Path, metavar="MODEL", help=models_help)
    validate.add_argument(
        "--data",
        type=Path,
        required=True,
        metavar="PATH",
        help="the samples: a .npz file (an array per input, samples along the first axis), a folder of .npy, "
        ".bmp or .png files (one sample each), or a .npy stack of samples; float values for a quantized input "
        "are quantized with its scale and zero point",
    )
    validate.add_argument(
        "--labels", type=Path, metavar="FILE", help="the true class of each sample: .npy of integers, or one a line"
    )
    validate.add_argument(
        "--float-model",
        type=Path,
        metavar="FLOAT.tflite",
        help="the float model the int8 one was converted from: top-1 agreement and errors against it",
    )
    validate.add_argument("--image-mode", choices=IMAGE_MODES, default="pixels", help="BMP/PNG inputs, as for 'run'")
    validate.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="local processes that simulate samples in parallel (default: one per core)",
    )
    validate.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run the samples on a Dask distributed cluster instead, its scheduler at ADDRESS "
        "(for example tcp://10.0.0.5:8786; start one with 'dask scheduler' and 'dask worker ADDRESS')",
    )
    validate.add_argument(
        "--results",
        type=Path,
        metavar="FILE.jsonl",
        help="where each sample's result is appended, and read back to resume (default MODEL.validate.jsonl here)",
    )
    validate.add_argument("--chunk", type=_positive, metavar="K", help="samples per task (default: chosen)")
    _common(validate)
    _budget_option(validate, scaled=True)
    _memory_option(validate)
    _budget_overrides(validate)
    _optimization_option(validate)
    _json_option(validate, "the report")
    _junit_option(validate, "one test case per sample")
    _html_option(validate)
    validate.add_argument("--force", action="store_true", help="start the results file over; overwrite outputs")
    validate.set_defaults(func=_cmd_validate)
    return parser


def _input_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--input",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="an input (.npy, or .bmp/.png for image models), once per model input in order; or one data set: "
        "a .npz file (an array per input, named after the input tensor, input_K or arr_K) or a folder of .npy, "
        ".bmp or .png files (one sample each). An array may stack samples along a first axis; float values for "
        "a quantized input are quantized with its scale and zero point",
    )


def _json_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--json", type=Path, metavar="OUT", help=f"also write {what} as JSON to OUT ('-': standard output only)"
    )


def _junit_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--junit", type=Path, metavar="FILE.xml", help=f"also write a JUnit XML test report: {what}")


def _html_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--html",
        type=Path,
        metavar="FILE.html",
        help="also write a self-contained HTML report (verdict, per-layer table, latency and memory charts "
        "with the budget, flash breakdown, console text)",
    )


def _force_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--force",
        action="store_true",
        help="overwrite output files that exist (never the command's own input files)",
    )


def _at_least(minimum: int, words: str) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum` (`words` says so in the message)."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: '{text}'") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {words}: '{text}'")
        return value

    return convert


_seed = _at_least(0, "0 or more")
_positive = _at_least(1, "at least 1")


def _common(p: argparse.ArgumentParser, toolchain: bool = True) -> None:
    """The board, the engine, the compiler and --verbose: every command that builds or runs."""
    _platform_option(p)
    _engine_option(p)
    if toolchain:
        _toolchain_option(p)
    _verbose_option(p)


def _budget_option(p: argparse.ArgumentParser, scaled: bool = False) -> None:
    default = "64 per MAC of the model, at least 2G" if scaled else f"{DEFAULT_MAX_INSTRUCTIONS:,}"
    p.add_argument(
        "--max-instructions",
        type=_count,
        default=None if scaled else DEFAULT_MAX_INSTRUCTIONS,
        metavar="N",
        help=f"stop a firmware that never ends after N instructions (default {default}; suffixes K, M, G)",
    )


def _budget_overrides(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sram-budget", type=_bytes, metavar="SIZE", help="SRAM budget, e.g. 256K (default: the board's)")
    p.add_argument("--flash-budget", type=_bytes, metavar="SIZE", help="flash budget, e.g. 1M (default: the board's)")


def _reference_option(p: argparse.ArgumentParser, both: bool = True) -> None:
    from simtiny.flow.golden import REFERENCE_CHOICES, REFERENCES

    p.add_argument(
        "--reference",
        choices=REFERENCE_CHOICES if both else tuple(REFERENCES),
        default="litert",
        help="what computes the expected outputs: 'litert', LiteRT's reference kernels (default); "
        "'tflm', TF-Lite Micro's own interpreter (PyPI's tflite-micro)"
        + (
            "; 'both': bit-exact only if equal to both, and every output where the two references "
            "disagree is named, with the one simtiny matches"
            if both
            else ""
        ),
    )


def _optimization_option(p: argparse.ArgumentParser, default: str | None = "ram", what: str = "default ram") -> None:
    from simtiny.flow.plan import OPTIMIZATIONS

    p.add_argument(
        "--optimization",
        choices=OPTIMIZATIONS,
        default=default,
        help="what the memory planner favours where a faster kernel needs more scratch: 'ram', the "
        "smallest peak SRAM (speed never costs any); 'time', the fastest kernels within the board's SRAM "
        "budget less 16 KB for the stack, and within its zero-wait arena TCM where the 'ram' arena fits "
        f"there ({what})",
    )


def _memory_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ideal-memory",
        action="store_true",
        help="price zero-wait memory instead of the caches and flash wait states (about 5x faster)",
    )


def _platform_option(p: argparse.ArgumentParser) -> None:
    from simtiny.platform import available_platforms

    p.add_argument(
        "--platform",
        default="stm32h743",
        metavar="BOARD",
        help=f"a board that ships with simtiny ({', '.join(available_platforms())}), or the path of a "
        "board folder (platform.toml, linker script, start-up and HAL); default stm32h743",
    )


def _engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine", choices=list(ENGINES), default=DEFAULT_ENGINE, help=f"simulator engine (default {DEFAULT_ENGINE})"
    )


def _toolchain_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--toolchain",
        choices=["gcc", "zig"],
        help="compiler: arm-none-eabi-gcc or zig cc (default: gcc if installed, else zig)",
    )


def _verbose_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verbose", "-v", action="store_true", help="on an error, also print the full compiler output")


def _bundled() -> dict[str, Path]:
    """The models that ship with simtiny, by name: the paper's networks and MLPerf Tiny's."""
    from simtiny.resources import MLPERF_MODELS_DIR, PAPER_MODELS_DIR

    return {p.stem: p for d in (PAPER_MODELS_DIR, MLPERF_MODELS_DIR) for p in sorted(d.glob("*.tflite"))}


def _bundled_names() -> list[str]:
    return sorted(_bundled())


def _model_path(given: Path) -> Path:
    """A model file, or the name of a model that ships with simtiny (when no such file exists)."""
    if not given.exists() and str(given) in _bundled():
        return _bundled()[str(given)]
    return given


def _check_reports(args: argparse.Namespace, inputs: Sequence[Path]) -> None:
    """Before any work: the report files asked for (--json, --junit, --html) may be written."""
    for option in ("json", "junit", "html"):
        path = getattr(args, option, None)
        if path:
            check_output(path, f"--{option}", inputs, args.force)


def _write_json(path: Path, data: dict, inputs: Sequence[Path], force: bool = False) -> None:
    """JSON to a file (checked again: never an input, never an existing file without --force),
    or to standard output for "-"."""
    check_output(path, "--json", inputs, force)
    write_text_output(path, json.dumps(data, indent=2) + "\n", "--json")


def _text_out(args: argparse.Namespace) -> Any:
    """Where the human-readable report goes: standard output, unless the JSON goes there."""
    return sys.stderr if is_stdout(getattr(args, "json", None)) else sys.stdout


def _cmd_sim(args: argparse.Namespace) -> int:
    import contextlib

    from simtiny.flow.run_elf import run_firmware
    from simtiny.platform import load_platform
    from simtiny.report.sim import ConsoleEcho, exit_code_of, format_run, run_to_json

    inputs = [args.firmware]
    if args.json:
        check_output(args.json, "--json", inputs, args.force)
    if args.console_log:
        check_output(args.console_log, "--console-log", inputs, args.force)
    if args.files is not None and not args.files.is_dir():
        raise InputError(f"--files {args.files}: no such folder")
    stdin = b""
    if args.stdin is not None:
        try:
            stdin = args.stdin.read_bytes()
        except OSError as exc:
            raise InputError(f"--stdin {args.stdin}: cannot read it: {exc.strerror}") from None
    board = load_platform(args.platform)
    log = None
    if args.console_log:
        try:
            log = args.console_log.open("wb")
        except OSError as exc:
            raise InputError(f"--console-log {args.console_log}: cannot write it: {exc.strerror}") from None
    # Console text is shown as the firmware writes it (and kept in memory only up to a limit),
    # on standard output unless the JSON goes there ("--json -").
    out = _text_out(args)
    echo = ConsoleEcho(out, log)
    try:
        report = run_firmware(
            args.firmware,
            board,
            args.engine,
            args.max_instructions,
            not args.ideal_memory,
            args.profile,
            on_console=echo,
            files=args.files,
            stdin=stdin,
        )
        echo.finish()
    except BaseException:
        if log is not None and log.tell() == 0:  # the run never started: leave no empty log behind
            log.close()
            args.console_log.unlink(missing_ok=True)
        raise
    finally:
        if log is not None:
            log.close()
    result, request = report.result, report.request
    if not args.quiet:
        echo.show(("" if echo.ends_line else "\n") + format_run(result, request, console=False))
    if echo.broken:  # the reader went away (a closed pipe): no error when Python flushes at exit
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    for warning in result.warnings:
        print(f"simtiny: warning: {warning}", file=sys.stderr)
    if args.json:
        _write_json(args.json, run_to_json(result, request), inputs, args.force)
    return exit_code_of(result)


def _run_options(args: argparse.Namespace, model: Path, **extra: Any) -> Any:
    from simtiny.flow.run import RunOptions

    return RunOptions(
        model=_model_path(model),
        platform=args.platform,
        engine=args.engine,
        toolchain=args.toolchain,
        seed=args.seed,
        samples=args.samples,
        memory_model=not args.ideal_memory,
        sram_budget=args.sram_budget,
        flash_budget=args.flash_budget,
        optimization=args.optimization,
        reference=args.reference,
        **extra,
    )


def _cmd_run(args: argparse.Namespace) -> int:
    from simtiny.flow.run import run_model
    from simtiny.report.run import format_report, report_json

    options = _run_options(
        args,
        args.model,
        inputs=tuple(args.input),
        max_instructions=args.max_instructions,
        lift_limits=args.no_memory_limits,
        debug_layers=args.debug_layers,
        image_mode=args.image_mode,
        cross_check=args.cross_check,
    )
    inputs = [options.model, *args.input]
    _check_reports(args, inputs)
    if args.memory_plot:
        check_output(args.memory_plot, "--memory-plot", inputs, args.force)
    if args.save_outputs:
        _check_save_outputs(args.save_outputs, inputs, args.force)
    with StageProgress() as progress:
        report = run_model(options, progress)
    out = _text_out(args)
    text = format_report(report)
    out.write(text.splitlines()[-1] + "\n" if args.quiet else text)
    if args.memory or args.memory_plot:
        from simtiny.report.memory import format_timeline, plot_timeline

        if args.memory:
            out.write("\n" + format_timeline(report.graph, report.compiled.plan))
        if args.memory_plot:
            plot = args.memory_plot
            write_output(
                plot,
                lambda tmp: plot_timeline(
                    report.graph, report.compiled.plan, tmp, options.model.name, report.figures.sram_budget
                ),
                "--memory-plot",
            )
    if args.json:
        _write_json(args.json, report_json(report), inputs, args.force)
    if args.junit:
        from simtiny.report.junit import run_cases, write_junit

        check_output(args.junit, "--junit", inputs, args.force)
        write_junit(args.junit, f"simtiny run {options.model.name}", run_cases(report))
    if args.html:
        from simtiny.report.html import run_page, write_html

        check_output(args.html, "--html", inputs, args.force)
        write_html(args.html, run_page(report, text))
    if args.save_outputs:
        _save_outputs(args.save_outputs, report, inputs, args.force)
    return report.exit_code


def _cmd_check(args: argparse.Namespace) -> int:
    from simtiny.check import check_json, check_model, check_status, format_verdict

    models = [_model_path(m) for m in args.models]
    _check_reports(args, models)
    out = _text_out(args)
    verdicts = []
    for model in args.models:  # a verdict for every model, also when one cannot be checked
        with StageProgress() as progress:
            verdict = check_model(_run_options(args, model), args.latency_budget, progress)
        out.write(format_verdict(verdict))
        out.flush()
        verdicts.append(verdict)
    if args.json:
        _write_json(args.json, check_json(verdicts), models, args.force)
    if args.junit:
        from simtiny.report.junit import check_cases, write_junit

        check_output(args.junit, "--junit", models, args.force)
        write_junit(args.junit, "simtiny check", check_cases(verdicts))
    if args.html:
        from simtiny.report.html import check_page, write_html
        from simtiny.report.run import format_report

        consoles = [format_verdict(v) + (format_report(v.report) if v.report else "") for v in verdicts]
        check_output(args.html, "--html", models, args.force)
        write_html(args.html, check_page(verdicts, consoles))
    return check_status(verdicts)


def _cmd_bench(args: argparse.Namespace) -> int:
    from simtiny.bench import bench_command

    return bench_command(
        args.models, args.out, args.engine, args.force, args.suite, args.optimization, args.junit, args.html
    )


OUTPUT_FILES = ("output*.npy", "sample*_output*.npy")


def _check_save_outputs(folder: Path, inputs: Sequence[Path], force: bool) -> None:
    """Before the run: the folder can be made, and holds no outputs of an earlier run (unless
    --force), nor, even with --force, a file that is one of the run's inputs."""
    check_output_folder(folder, "--save-outputs", (), force)
    if folder.is_dir():
        for pattern in OUTPUT_FILES:
            for existing in sorted(folder.glob(pattern)):
                check_output(existing, "--save-outputs", inputs, force)


def _save_outputs(folder: Path, report: Any, inputs: Sequence[Path], force: bool) -> None:
    import numpy as np

    def saver(value: Any) -> Callable[[Path], None]:
        def save(tmp: Path) -> None:
            with tmp.open("wb") as f:
                np.save(f, value, allow_pickle=False)

        return save

    several = len(report.samples) > 1
    for k, sample in enumerate(report.samples):
        for i, value in enumerate(sample.outputs):
            path = folder / (f"sample{k}_output{i}.npy" if several else f"output{i}.npy")
            if path.exists():
                check_output(path, "--save-outputs", inputs, force)
            write_output(path, saver(value), "--save-outputs")


def _cmd_renode(args: argparse.Namespace) -> int:
    from simtiny.elf.image import load_elf
    from simtiny.platform import load_platform
    from simtiny.report.renode import renode_script

    out = args.output if args.output is not None else args.firmware.with_suffix(".resc")
    check_output(out, "--output", [args.firmware], args.force)
    load_elf(args.firmware)  # an ELF, readable: Renode would refuse anything else later
    text = renode_script(args.firmware, load_platform(args.platform), __version__)
    write_text_output(out, text, "--output")
    if not is_stdout(out):
        print(f"wrote {out}: renode {out} runs {args.firmware.name} on Renode")
    return 0


def _cmd_size(args: argparse.Namespace) -> int:
    from simtiny.elf.image import load_elf
    from simtiny.elf.size import analyze
    from simtiny.platform import load_platform
    from simtiny.report.size import format_text, to_json

    inputs = [args.firmware] + ([args.map] if args.map else [])
    if args.json:
        check_output(args.json, "--json", inputs, args.force)
    platform = load_platform(args.platform)
    image = load_elf(args.firmware)
    if args.map is not None and not args.map.is_file():
        raise InputError(f"{args.map}: no such map file")
    report = analyze(image, platform, args.map, top=args.top)
    _text_out(args).write(format_text(report))
    if args.json:
        _write_json(args.json, to_json(report), inputs, args.force)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    import shutil

    from simtiny.flow.build import find_toolchain
    from simtiny.flow.run import build_firmware
    from simtiny.platform import load_platform

    for source in args.sources:
        if not source.is_file():
            raise InputError(f"{source}: no such source file")
    if args.output.exists() and not args.force:
        raise InputError(f"{args.output} exists; pass --force to overwrite it")
    headers = [h for d in args.include if d.is_dir() for h in d.iterdir() if h.is_file()]
    check_output(args.output, "output", [*args.sources, *headers], force=True)  # nothing the build reads
    board = load_platform(args.platform)
    toolchain = find_toolchain(args.toolchain)
    firmware = build_firmware(
        args.sources, board, args.toolchain, args.optimize, args.define, args.include, name=args.output.stem
    )
    shutil.copyfile(firmware.elf, args.output)
    map_out = args.output.with_suffix(".map")
    if firmware.map is not None and (args.force or not map_out.exists()):
        shutil.copyfile(firmware.map, map_out)
    state = "cached" if firmware.cached else "built"
    print(f"{state} {args.output} ({toolchain.name}: {toolchain.version}); map {map_out}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from simtiny.flow.verify_firmware import VerifyOptions, verify_firmware
    from simtiny.report.verify_firmware import format_verify, verify_json

    options = VerifyOptions(
        firmware=args.firmware,
        model=_model_path(args.model),
        platform=args.platform,
        engine=args.engine,
        inputs=tuple(args.input),
        seed=args.seed,
        samples=args.samples,
        max_instructions=args.max_instructions,
        memory_model=not args.ideal_memory,
        image_mode=args.image_mode,
        reference=args.reference,
    )
    inputs = [args.firmware, options.model, *args.input]
    if args.json:
        check_output(args.json, "--json", inputs, args.force)
    with StageProgress() as progress:
        report = verify_firmware(options, progress)
    text = format_verify(report)
    _text_out(args).write(text.splitlines()[-1] + "\n" if args.quiet else text)
    if args.json:
        _write_json(args.json, verify_json(report), inputs, args.force)
    return report.exit_code


def _cmd_validate(args: argparse.Namespace) -> int:
    from simtiny.flow.dataset import ValidateOptions, validate_data_set
    from simtiny.progress import SampleProgress
    from simtiny.report.junit import write_junit
    from simtiny.report.validate import format_validation, validation_cases, validation_json

    options = ValidateOptions(
        model=_model_path(args.model),
        data=args.data,
        labels=args.labels,
        float_model=args.float_model,
        platform=args.platform,
        engine=args.engine,
        toolchain=args.toolchain,
        memory_model=not args.ideal_memory,
        optimization=args.optimization,
        sram_budget=args.sram_budget,
        flash_budget=args.flash_budget,
        image_mode=args.image_mode,
        max_instructions=args.max_instructions,
        workers=args.workers,
        cluster=args.cluster,
        results=args.results,
        restart=args.force,
        chunk=args.chunk,
    )
    inputs = [options.model, args.data, *(p for p in (args.labels, args.float_model) if p is not None)]
    _check_reports(args, inputs)
    bar = SampleProgress("validate")
    try:
        with StageProgress() as stage:
            validation, compiled = validate_data_set(options, stage, bar)
    finally:
        bar.close()
    out = _text_out(args)
    text = format_validation(validation, compiled, options)
    out.write(text)
    if args.html:
        from simtiny.report.html import validate_page, write_html

        check_output(args.html, "--html", inputs, args.force)
        write_html(args.html, validate_page(validation, compiled, options, text))
    if args.json:
        _write_json(args.json, validation_json(validation, compiled, options), inputs, args.force)
    if args.junit:
        check_output(args.junit, "--junit", inputs, args.force)
        write_junit(args.junit, f"simtiny validate {options.model.name}", validation_cases(validation, options))
    return EXIT_OK if validation.exact == validation.samples else EXIT_MISMATCH


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except SimtinyError as exc:
        print(f"simtiny: error: {exc}", file=sys.stderr)
        if exc.details and getattr(args, "verbose", False):
            print(exc.details, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("simtiny: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug in simtiny: still one line, unless asked for more
        if os.environ.get("SIMTINY_DEBUG"):
            raise
        print(
            f"simtiny: internal error: {type(exc).__name__}: {exc} "
            "(set SIMTINY_DEBUG=1 for a traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
