"""`simtiny bench`: published silicon results reproduced in simulation, one suite at a time
(Table 3 of the TinyML survey on the STM32H743; MLPerf Tiny on the DISCO-F746NG). Each network
is built, verified bit-exact against LiteRT and measured through the flow on the suite's board;
the published columns (silicon, SUITE.toml) are set beside simtiny's in a terminal table,
SUITE.md, SUITE.json and SUITE.png (simtiny.report.table3 writes them)."""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from simtiny import __version__
from simtiny.bench.kinds import KindFigures, by_kind
from simtiny.bench.published import Network, Published, Table, suite
from simtiny.errors import EXIT_MISMATCH, EXIT_OK, InputError
from simtiny.flow.measure import Figures
from simtiny.outputs import check_output, check_output_folder
from simtiny.sim import DEFAULT_ENGINE

DEFAULT_OUT = Path("build/bench")
DEFAULT_SUITE = "table3"
OURS = "simtiny"
METRICS = ("latency", "SRAM", "flash")  # the order of the ratios, as the table prints them


@dataclass(frozen=True)
class Row:
    """One network: its model file, the paper's row (None if the paper did not measure it), and
    simtiny's figures from one run with the memory model on."""

    model: Path
    paper: Network | None
    figures: Figures
    exact: bool
    toolchain: str
    seconds: float
    kinds: tuple[KindFigures, ...] = ()  # cycles and MACs per operator kind (simtiny.bench.kinds)

    @property
    def name(self) -> str:
        return self.model.stem

    @property
    def label(self) -> str:
        return self.paper.label if self.paper else self.model.name

    @property
    def oom(self) -> bool:
        return not self.figures.fits

    def ours(self) -> dict[str, float]:
        """Latency in ms, SRAM and flash in KB: the units of the published table (no latency when
        the engine has no cycle model: nothing is compared that was not measured)."""
        f = self.figures
        out = {"SRAM": f.peak_sram / 1024, "flash": f.flash / 1024}
        if f.latency_ms is not None:
            out["latency"] = f.latency_ms
        return out

    def best_published(self) -> dict[str, tuple[float, str]]:
        """Per metric, the best (lowest) published figure of the row and its framework; OOM cells
        do not count. Empty when the paper has no figures for this network."""
        cells = [(fw, p) for fw, p in (self.paper.published.items() if self.paper else []) if p]
        best: dict[str, tuple[float, str]] = {}
        for metric in METRICS:
            values = [(v, fw) for fw, p in cells if (v := published_figures(p)[metric]) is not None]
            if values:
                best[metric] = min(values, key=lambda v: v[0])
        return best

    def ratios(self) -> dict[str, float]:
        """Ours over the best published figure, per metric (< 1: simtiny does better)."""
        ours = self.ours()
        return {m: ours[m] / value for m, (value, _) in self.best_published().items() if m in ours}


@dataclass(frozen=True)
class Bench:
    rows: list[Row]
    command: str
    date: str
    machine: str
    seconds: float
    board: str
    clock_hz: int
    engine: str = DEFAULT_ENGINE
    version: str = __version__
    suite: str = DEFAULT_SUITE
    optimization: str = "ram"  # the planner's goal the networks were built for

    @property
    def exact(self) -> bool:
        return all(r.exact for r in self.rows)

    @property
    def table(self) -> Table:
        return suite(self.suite)


def published_figures(p: Published) -> dict[str, float | None]:
    return {"latency": p.latency_ms, "SRAM": p.peak_sram_kb, "flash": p.flash_kb}


def measure(
    model: Path,
    engine: str = DEFAULT_ENGINE,
    progress: Callable[[str], None] = lambda _: None,
    suite_name: str = DEFAULT_SUITE,
    optimization: str | None = None,
) -> Row:
    """Build (for `optimization`, default the suite's), simulate with the memory model and verify
    one network on the suite's board; the limits are lifted so that a network over budget is
    still measured, then held against the real budgets."""
    from simtiny.flow.build import find_toolchain
    from simtiny.flow.run import RunOptions, run_model

    start = time.perf_counter()
    table = suite(suite_name)
    options = RunOptions(
        model,
        platform=table.board,
        engine=engine,
        samples=1,
        memory_model=True,
        lift_limits=True,
        optimization=optimization or table.optimization,
    )
    report = run_model(options, progress)
    tool = report.compiled.firmware.toolchain
    return Row(
        model,
        table.network(model.stem),
        report.figures,
        report.exact,
        f"{tool} ({find_toolchain(tool).version})",
        time.perf_counter() - start,
        by_kind(report.graph, report.figures.operators),
    )


def resolve_models(given: list[Path] | None, suite_name: str = DEFAULT_SUITE) -> list[Path]:
    """The models to run: the suite's networks (shipped with simtiny) by default, else those given
    (a path, or the name of one of the suite's networks). Every one is loaded and checked first,
    so that a bad model fails in a second rather than after minutes of simulation."""
    from simtiny.flow.validate import load_and_check

    table = suite(suite_name)
    if given is None:
        models = [table.models_dir / f"{n.name}.tflite" for n in table.networks]
        missing = [m for m in models if not m.is_file()]
        if missing:
            raise InputError(f"{missing[0]}: the suite's networks are not there (pass --models MODEL.tflite ...)")
    else:
        models = []
        for m in given:
            if not m.exists() and table.network(str(m)):
                m = table.models_dir / f"{m}.tflite"
            if not m.is_file():
                raise InputError(f"--models {m}: no such model file")
            if m.resolve() not in [x.resolve() for x in models]:
                models.append(m)
    for m in models:
        load_and_check(m)
    return models


def machine() -> str:
    """The host that ran the simulation: CPU, cores, OS and Python."""
    cpu = platform.processor()
    if not cpu and Path("/proc/cpuinfo").is_file():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = names[0] if names else ""
    return (
        f"{cpu or 'unknown CPU'} ({platform.machine()}, {os.cpu_count()} CPUs), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def run_bench(
    models: list[Path],
    command: str,
    bar: ProgressBar | None = None,
    engine: str = DEFAULT_ENGINE,
    suite_name: str = DEFAULT_SUITE,
    optimization: str | None = None,
) -> Bench:
    """Measure every model in turn (the suite's row attached by file name), built for
    `optimization` (None: the suite's)."""
    from simtiny.platform import load_platform

    board = load_platform(suite(suite_name).board)
    optimization = optimization or suite(suite_name).optimization
    start = time.perf_counter()
    rows = []
    for k, model in enumerate(models, 1):
        show = (lambda stage, k=k, model=model: bar.show(k, model.stem, stage)) if bar else (lambda _: None)
        row = measure(model, engine, show, suite_name, optimization)
        rows.append(row)
        if bar:
            bar.finish(k, model.stem, _summary(row))
    return Bench(
        rows=rows,
        command=command,
        date=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        machine=machine(),
        seconds=time.perf_counter() - start,
        board=board.name,
        clock_hz=board.clock_hz,
        engine=engine,
        suite=suite_name,
        optimization=optimization,
    )


class ProgressBar:
    """On a terminal, one self-rewriting line on stderr while a network runs and one kept line
    when it ends; in a log (CI, a pipe), a plain line as each stage starts and when it ends."""

    WIDTH = 20

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.start = time.perf_counter()

    def _elapsed(self) -> str:
        s = int(time.perf_counter() - self.start)
        return f"{s // 60}:{s % 60:02d}"

    def show(self, k: int, name: str, stage: str) -> None:
        if self.tty:
            filled = self.WIDTH * (k - 1) // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r\x1b[K[{k}/{self.total}] {bar} {name}: {stage} ... {self._elapsed()}")
        else:
            self.stream.write(f"[{k}/{self.total}] {name}: {stage} ... {self._elapsed()}\n")
        self.stream.flush()

    def finish(self, k: int, name: str, summary: str) -> None:
        erase = "\r\x1b[K" if self.tty else ""
        self.stream.write(f"{erase}[{k}/{self.total}] {name}: {summary} ({self._elapsed()})\n")
        self.stream.flush()


def _summary(row: Row) -> str:
    f = row.figures
    verdict = "bit-exact" if row.exact else "OUTPUTS DIFFER"
    latency = "no cycle model" if f.latency_ms is None else f"{f.latency_ms:.1f} ms"
    return f"{verdict}, {latency}, {f.peak_sram / 1024:.1f} KB SRAM" + (", OOM" if row.oom else "")


def prepare_out(out: Path, inputs: list[Path], force: bool = False, suite_name: str = DEFAULT_SUITE) -> None:
    """Check and create the output folder before any simulation, so a bad --out fails at once:
    the suite's files there are kept unless --force, and never one of the models is overwritten."""
    outputs = suite(suite_name).outputs
    check_output_folder(out, "--out", outputs, force)
    for name in outputs:
        if (out / name).exists():
            check_output(out / name, "--out", inputs, force=True)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create it: {exc.strerror}") from exc


def bench_command(
    models: list[Path] | None,
    out: Path | None,
    engine: str = DEFAULT_ENGINE,
    force: bool = False,
    suite_name: str = DEFAULT_SUITE,
    optimization: str | None = None,
    junit: Path | None = None,
    html: Path | None = None,
) -> int:
    """`simtiny bench`: measure, print the table, write the files (and a JUnit report with a test
    case per network); exit 1 if a network's outputs differ from LiteRT's (its row is still
    written), 0 otherwise. OOM is a finding, not a failure."""
    import shlex

    from simtiny.report.table3 import format_terminal, write_outputs

    command = "simtiny bench"
    if suite_name != DEFAULT_SUITE:
        command += f" --suite {suite_name}"
    if models:
        command += " --models " + " ".join(shlex.quote(str(m)) for m in models)
    if out is not None:
        command += f" --out {shlex.quote(str(out))}"
    if engine != DEFAULT_ENGINE:
        command += f" --engine {engine}"
    if optimization is not None:
        command += f" --optimization {optimization}"
    folder = out if out is not None else DEFAULT_OUT
    paths = resolve_models(models, suite_name)
    prepare_out(folder, paths, force, suite_name)
    for path, option in ((junit, "--junit"), (html, "--html")):
        if path is not None:
            check_output(path, option, [*paths, *(folder / n for n in suite(suite_name).outputs)], force)
    bench = run_bench(paths, command, ProgressBar(len(paths)), engine, suite_name, optimization)
    written = write_outputs(bench, folder)
    text = format_terminal(bench)
    sys.stdout.write(text)
    if html is not None:
        from simtiny.report.html import bench_page, write_html

        plot = next((p for p in written if p.suffix == ".png"), None)
        write_html(html, bench_page(bench, text, plot))
        written.append(html)
    if junit is not None:
        from simtiny.report.junit import bench_cases, write_junit

        write_junit(junit, f"simtiny bench {suite_name}", bench_cases(bench))
        written.append(junit)
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")
    return EXIT_OK if bench.exact else EXIT_MISMATCH
