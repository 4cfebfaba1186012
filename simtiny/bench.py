"""`simtiny bench`: Table 3 of the TinyML survey reproduced in simulation. Each network is built,
verified bit-exact against LiteRT and measured; the paper's four published columns (silicon) are
set beside simtiny's (this run) in a terminal table, table3.md, table3.json and table3.png."""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from simtiny import __version__
from simtiny.benchdata import FLASH_BUDGET, FRAMEWORKS, NETWORKS, SOURCE, SRAM_BUDGET, Network, Published, network
from simtiny.errors import EXIT_MISMATCH, EXIT_OK, InputError

PAPER_MODELS = Path(__file__).resolve().parent.parent / "benchmarks" / "models"
DEFAULT_OUT = Path("build/bench")
OUTPUTS = ("table3.md", "table3.json", "table3.png")
OURS = "simtiny"
METRICS = ("latency", "SRAM", "flash")  # the order of the ratios, as the table prints them


# --- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """simtiny's figures for one network, all from one run with the memory model on."""

    inference_cycles: int  # with caches and flash wait states
    memory_cycles: int  # of which the memory system; zero-wait = inference - memory
    clock_hz: int
    peak_sram: int  # bytes: static RAM + measured stack
    flash: int  # bytes
    macs: int
    exact: bool
    fit_problems: tuple[str, ...]  # against the real 512 KB / 2 MB budgets
    toolchain: str
    seconds: float

    @property
    def latency_ms(self) -> float:
        return self.inference_cycles * 1000.0 / self.clock_hz

    @property
    def zero_wait_ms(self) -> float:
        return (self.inference_cycles - self.memory_cycles) * 1000.0 / self.clock_hz

    @property
    def mac_per_cycle(self) -> float:
        return self.macs / max(self.inference_cycles, 1)

    @property
    def oom(self) -> bool:
        return bool(self.fit_problems)

    def figures(self) -> dict[str, float]:
        """Latency in ms, SRAM and flash in KB: the units of the published table."""
        return {"latency": self.latency_ms, "SRAM": self.peak_sram / 1024, "flash": self.flash / 1024}


@dataclass(frozen=True)
class Row:
    """One network: its model file, the paper's row (None if the paper did not measure it), ours."""

    model: Path
    paper: Network | None
    ours: Measured

    @property
    def name(self) -> str:
        return self.model.stem

    @property
    def label(self) -> str:
        return self.paper.label if self.paper else self.model.name

    def best_published(self) -> dict[str, tuple[float, str]]:
        """Per metric, the best (lowest) published figure of the row and its framework; OOM cells
        do not count. Empty when the paper has no figures for this network."""
        cells = [(fw, p) for fw, p in (self.paper.published.items() if self.paper else []) if p]
        best: dict[str, tuple[float, str]] = {}
        for metric in METRICS:
            values = [(_published_figures(p)[metric], fw) for fw, p in cells]
            if values:
                best[metric] = min(values, key=lambda v: v[0])
        return best

    def ratios(self) -> dict[str, float]:
        """Ours over the best published figure, per metric (< 1: simtiny does better)."""
        ours = self.ours.figures()
        return {m: ours[m] / value for m, (value, _) in self.best_published().items()}


@dataclass(frozen=True)
class Bench:
    rows: list[Row]
    command: str
    date: str
    machine: str
    seconds: float
    board: str
    clock_hz: int
    version: str = __version__

    @property
    def exact(self) -> bool:
        return all(r.ours.exact for r in self.rows)


def _published_figures(p: Published) -> dict[str, float]:
    return {"latency": p.latency_ms, "SRAM": p.peak_sram_kb, "flash": p.flash_kb}


def measure(model: Path, progress: Any = lambda _: None) -> Measured:
    """Build, simulate with the memory model and verify one network; the limits are lifted so
    that a network over budget is still measured, then held against the real budgets."""
    from simtiny.build import find_toolchain
    from simtiny.modelrun import RunOptions, run_model

    start = time.perf_counter()
    report = run_model(RunOptions(model, samples=1, memory_model=True, lift_limits=True), progress)
    sample = report.samples[0]
    tool = report.compiled.firmware.toolchain
    return Measured(
        inference_cycles=sample.inference_cycles,
        memory_cycles=sample.inference_memory_cycles,
        clock_hz=report.compiled.board.clock_hz,
        peak_sram=report.peak_sram,
        flash=report.compiled.flash_bytes,
        macs=report.total_macs,
        exact=report.exact,
        fit_problems=tuple(report.fit_problems()),
        toolchain=f"{tool} ({find_toolchain(tool).version})",
        seconds=time.perf_counter() - start,
    )


def resolve_models(given: list[Path] | None) -> list[Path]:
    """The models to run: the paper's four from benchmarks/models/ by default, else those given
    (a path, or the name of one of the paper's networks). Every one is loaded and checked first,
    so that a bad model fails in a second rather than after minutes of simulation."""
    from simtiny.pipeline import load_and_check

    if given is None:
        models = [PAPER_MODELS / f"{n.name}.tflite" for n in NETWORKS]
        missing = [m for m in models if not m.is_file()]
        if missing:
            raise InputError(f"{missing[0]}: the paper's networks are not there (pass --models MODEL.tflite ...)")
    else:
        models = []
        for m in given:
            if not m.exists() and network(str(m)):
                m = PAPER_MODELS / f"{m}.tflite"
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


def run_bench(models: list[Path], command: str, bar: ProgressBar | None = None) -> Bench:
    """Measure every model in turn (the paper's row attached by file name)."""
    from simtiny.platform import load_platform

    board = load_platform("stm32h743")
    start = time.perf_counter()
    rows = []
    for k, model in enumerate(models, 1):
        show = (lambda stage, k=k, model=model: bar.show(k, model.stem, stage)) if bar else (lambda _: None)
        ours = measure(model, show)
        rows.append(Row(model, network(model.stem), ours))
        if bar:
            bar.finish(k, model.stem, _summary(ours))
    return Bench(
        rows=rows,
        command=command,
        date=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        machine=machine(),
        seconds=time.perf_counter() - start,
        board=board.name,
        clock_hz=board.clock_hz,
    )


# --- progress ------------------------------------------------------------------------------


class ProgressBar:
    """One self-rewriting line on stderr while a network runs, one kept line when it ends;
    silent when stderr is not a terminal (CI logs, pipes)."""

    WIDTH = 20

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.start = time.perf_counter()

    def _elapsed(self) -> str:
        s = int(time.perf_counter() - self.start)
        return f"{s // 60}:{s % 60:02d}"

    def show(self, k: int, name: str, stage: str) -> None:
        if not self.enabled:
            return
        filled = self.WIDTH * (k - 1) // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r\x1b[K[{k}/{self.total}] {bar} {name}: {stage} ... {self._elapsed()}")
        self.stream.flush()

    def finish(self, k: int, name: str, summary: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[K[{k}/{self.total}] {name}: {summary} ({self._elapsed()})\n")
            self.stream.flush()


def _summary(m: Measured) -> str:
    verdict = "bit-exact" if m.exact else "OUTPUTS DIFFER"
    return f"{verdict}, {m.latency_ms:.1f} ms, {m.peak_sram / 1024:.1f} KB SRAM" + (", OOM" if m.oom else "")


# --- formatting ----------------------------------------------------------------------------


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def published_cell(p: Published | None) -> str:
    """A paper cell as the paper prints it: latency / peak SRAM / flash, or OOM."""
    return "OOM" if p is None else f"{p.latency_ms:g} ms / {p.peak_sram_kb:g} KB / {p.flash_kb:g} KB"


def ours_cell(m: Measured) -> str:
    """Our cell in the paper's format; a network over budget is marked OOM with what it needs."""
    cell = f"{m.latency_ms:.1f} ms / {_kb(m.peak_sram)} / {_kb(m.flash)}"
    return f"OOM ({cell})" if m.oom else cell


def ratio_cell(row: Row) -> str:
    ratios = row.ratios()
    return ", ".join(f"{ratios[m]:.2f}x {m}" for m in METRICS if m in ratios) or "-"


def _verdict(m: Measured) -> str:
    return "bit-exact" if m.exact else "**outputs differ**"


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{seconds:.1f} s"


def format_markdown(bench: Bench) -> str:
    """table3.md: the paper's columns and ours side by side, then simtiny's figures in full."""
    mhz = bench.clock_hz / 1e6
    header = ["network", *FRAMEWORKS, f"{OURS} {bench.version}", "simtiny / best published", "verified"]
    lines = [
        "# Table 3 on the STM32H743: published (silicon) and simtiny (simulated)",
        "",
        f"Columns {', '.join(FRAMEWORKS)}: published figures, from {SOURCE}.",
        f"Column {OURS}: this run, simulated with simtiny's own code generator and kernels on its "
        f"Cortex-M7 cycle model at {mhz:g} MHz (caches and flash wait states), outputs verified bit for bit "
        "against LiteRT's reference kernels; the networks have the paper's architectures with random weights.",
        "",
        f"Each cell: latency / peak SRAM / flash (KB = 1024 bytes). OOM: does not fit {SRAM_BUDGET // 1024} KB "
        f"SRAM / {FLASH_BUDGET // 1024 // 1024} MB flash ({OURS}: measured anyway, figures in brackets). "
        "Ratios: simtiny over the best published figure of the row, each figure on its own (< 1 is better).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in bench.rows:
        published = [published_cell(row.paper.published[fw]) if row.paper else "-" for fw in FRAMEWORKS]
        cells = [row.label, *published, ours_cell(row.ours), ratio_cell(row), _verdict(row.ours)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"## {OURS} in detail",
        "",
        "Latency from the cycle model with the memory system (as in the table) and with zero-wait memory "
        "(pipeline and branch prediction alone); both from the same run.",
        "",
        "| network | latency | zero-wait latency | memory share | cycles | MACs | MAC/cycle | peak SRAM | flash "
        "| fits 512 KB / 2 MB | verified |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in bench.rows:
        m = row.ours
        share = 100.0 * m.memory_cycles / max(m.inference_cycles, 1)
        fits = "OOM: " + "; ".join(m.fit_problems) if m.oom else "yes"
        lines.append(
            f"| {row.label} | {m.latency_ms:.1f} ms | {m.zero_wait_ms:.1f} ms | {share:.1f}% | "
            f"{m.inference_cycles:,} | {m.macs:,} | {m.mac_per_cycle:.3f} | {_kb(m.peak_sram)} | {_kb(m.flash)} "
            f"| {fits} | {_verdict(m)} |"
        )
    toolchains = sorted({r.ours.toolchain for r in bench.rows})
    lines += [
        "",
        f"Run: {bench.date}, simtiny {bench.version}, {bench.board} at {mhz:g} MHz, toolchain "
        f"{', '.join(toolchains)}; {_duration(bench.seconds)} on {bench.machine}.",
        "",
        f"Command: `{bench.command}`",
        "",
    ]
    return "\n".join(lines)


def format_terminal(bench: Bench) -> str:
    """The terminal summary: ours, the ratios against the best published figures, the verdicts."""
    header = ("network", "latency", "zero-wait", "peak SRAM", "flash", "MAC/cyc", "vs best published", "verified")
    rows = [header]
    for row in bench.rows:
        m = row.ours
        verdict = ("bit-exact" if m.exact else "DIFFERS") + (", OOM" if m.oom else "")
        rows.append(
            (
                row.label,
                f"{m.latency_ms:.1f} ms",
                f"{m.zero_wait_ms:.1f} ms",
                _kb(m.peak_sram),
                _kb(m.flash),
                f"{m.mac_per_cycle:.3f}",
                ratio_cell(row),
                verdict,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    right = {1, 2, 3, 4, 5}
    out = [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]
    out.append("")
    out.append(
        f"{len(bench.rows)} network(s) in {_duration(bench.seconds)}; "
        + ("all bit-exact" if bench.exact else "SOME OUTPUTS DIFFER from LiteRT")
        + f"; latency at {bench.clock_hz / 1e6:g} MHz with caches and flash wait states"
    )
    return "\n".join(out) + "\n"


def _shown(path: Path) -> str:
    """A model path relative to the working folder when it is under it (results stay portable)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def bench_json(bench: Bench) -> dict[str, Any]:
    """table3.json: every figure of the run unrounded, the published figures and their source."""
    networks = []
    for row in bench.rows:
        m = row.ours
        networks.append(
            {
                "name": row.name,
                "label": row.label,
                "model": _shown(row.model),
                "published": None
                if row.paper is None
                else {fw: (None if p is None else vars(p)) for fw, p in row.paper.published.items()},
                "simtiny": {
                    "latency_ms": m.latency_ms,
                    "zero_wait_ms": m.zero_wait_ms,
                    "inference_cycles": m.inference_cycles,
                    "memory_cycles": m.memory_cycles,
                    "peak_sram_bytes": m.peak_sram,
                    "flash_bytes": m.flash,
                    "macs": m.macs,
                    "mac_per_cycle": m.mac_per_cycle,
                    "bit_exact": m.exact,
                    "oom": m.oom,
                    "fit_problems": list(m.fit_problems),
                    "toolchain": m.toolchain,
                    "seconds": m.seconds,
                },
                "best_published": {k: {"value": v, "framework": fw} for k, (v, fw) in row.best_published().items()},
                "ratio_to_best": row.ratios(),
            }
        )
    return {
        "simtiny_version": bench.version,
        "date": bench.date,
        "machine": bench.machine,
        "command": bench.command,
        "seconds": bench.seconds,
        "board": bench.board,
        "clock_hz": bench.clock_hz,
        "budgets": {"sram_bytes": SRAM_BUDGET, "flash_bytes": FLASH_BUDGET},
        "published_source": SOURCE,
        "frameworks": [*FRAMEWORKS, OURS],
        "units": {"latency": "ms", "SRAM": "KB (1024 bytes) in published", "flash": "KB in published"},
        "bit_exact": bench.exact,
        "networks": networks,
    }


# --- plot ------------------------------------------------------------------------------------


def _panel_value(row: Row, fw: str, metric: str) -> tuple[float | None, bool]:
    """A bar's height and whether that framework is OOM on the row (None: no bar)."""
    if fw == OURS:
        return row.ours.figures()[metric], row.ours.oom
    p = row.paper.published[fw] if row.paper else None
    if p is None:
        return None, row.paper is not None
    return _published_figures(p)[metric], False


LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1}
COLORS = {"CMSIS-NN": "C0", "X-Cube-AI 7.3": "C1", "TinyEngine": "C2", "TF-Lite Micro": "C4", OURS: "C3"}


def _draw_panel(ax: Any, bench: Bench, metric: str) -> None:
    """Grouped bars, one group per network; OOM: a label at the foot of the (absent or hatched) bar."""
    frameworks = [*FRAMEWORKS, OURS]
    width = 0.8 / len(frameworks)
    values = [v for r in bench.rows for fw in frameworks if (v := _panel_value(r, fw, metric)[0])]
    log = metric == "latency"
    foot = min(values) / 3 if log else 0.0
    for j, fw in enumerate(frameworks):
        for i, row in enumerate(bench.rows):
            x = i + (j - (len(frameworks) - 1) / 2) * width
            value, oom = _panel_value(row, fw, metric)
            if value is not None:
                edge = "black" if oom else COLORS[fw]
                ax.bar(x, value, width, color=COLORS[fw], hatch="//" if oom else None, edgecolor=edge)
                ax.text(x, value, f"{value:.0f}", ha="center", va="bottom", fontsize=6, rotation=90)
            if oom:
                y = foot * 1.2 if log else 4
                ax.text(
                    x, y, "OOM", ha="center", va="bottom", fontsize=7, rotation=90, fontweight="bold", bbox=LABEL_BOX
                )
            if fw == OURS and log:
                ax.hlines(row.ours.zero_wait_ms, x - width / 2, x + width / 2, colors="black", linewidth=1.5)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(foot, max(values) * 4)
        ax.set_ylabel(f"latency at {bench.clock_hz / 1e6:g} MHz (ms, log scale)")
    else:
        budget = SRAM_BUDGET / 1024
        ax.axhline(budget, color="gray", linestyle="--", linewidth=1)
        ax.text(len(bench.rows) - 0.5, budget, f"{budget:g} KB budget", ha="right", va="bottom", fontsize=7)
        ax.set_ylim(0, max(*values, budget) * 1.15)
        ax.set_ylabel("peak SRAM (KB)")
    ax.set_xticks(range(len(bench.rows)), [r.label.replace(" (", "\n(") for r in bench.rows], fontsize=8)


def plot(bench: Bench, path: Path) -> None:
    """table3.png: latency (log scale) and peak SRAM per network and framework; black ticks mark
    simtiny's zero-wait latency, hatching a simtiny figure over budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, axes = plt.subplots(1, 2, figsize=(max(10.0, 3.2 * len(bench.rows) + 2), 4.8))
    _draw_panel(axes[0], bench, "latency")
    _draw_panel(axes[1], bench, "SRAM")
    handles: list[Any] = [Patch(color=COLORS[fw], label=f"{fw} (silicon)") for fw in FRAMEWORKS]
    handles.append(Patch(color=COLORS[OURS], label=f"{OURS} {bench.version} (simulated)"))
    handles.append(Line2D([], [], color="black", linewidth=1.5, label=f"{OURS}, zero-wait memory"))
    axes[0].legend(handles=handles, fontsize=7, loc="upper left", ncol=2)
    fig.suptitle(f"Table 3 on the STM32H743: published figures and simtiny's ({bench.date})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- the command -----------------------------------------------------------------------------


def prepare_out(out: Path) -> None:
    """Create the output folder before any simulation, so a bad --out fails at once."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create it: {exc.strerror}") from exc
    if not os.access(out, os.W_OK):
        raise InputError(f"--out {out}: not writable")


def write_outputs(bench: Bench, out: Path) -> list[Path]:
    """table3.md, table3.json and table3.png into `out`, nothing else."""
    md, js, png = (out / name for name in OUTPUTS)
    try:
        md.write_text(format_markdown(bench))
        js.write_text(json.dumps(bench_json(bench), indent=2) + "\n")
        plot(bench, png)
    except OSError as exc:
        raise InputError(f"cannot write into {out}: {exc.strerror}") from exc
    return [md, js, png]


def bench_command(models: list[Path] | None, out: Path | None) -> int:
    """`simtiny bench`: measure, print the table, write the files; exit 1 if a network's outputs
    differ from LiteRT's (its row is still written), 0 otherwise. OOM is a finding, not a failure."""
    import shlex

    command = "simtiny bench"
    if models:
        command += " --models " + " ".join(shlex.quote(str(m)) for m in models)
    if out is not None:
        command += f" --out {shlex.quote(str(out))}"
    folder = out if out is not None else DEFAULT_OUT
    paths = resolve_models(models)
    prepare_out(folder)
    bench = run_bench(paths, command, ProgressBar(len(paths)))
    written = write_outputs(bench, folder)
    sys.stdout.write(format_terminal(bench))
    sys.stdout.write("wrote " + ", ".join(str(p) for p in written) + "\n")
    return EXIT_OK if bench.exact else EXIT_MISMATCH
