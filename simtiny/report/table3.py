"""A suite as `simtiny bench` writes it (Table 3 by default): the terminal summary, SUITE.md,
SUITE.json and the SUITE.png plot, from a simtiny.bench.Bench (published cells beside simtiny's
figures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simtiny.bench import METRICS, OURS, Bench, Row, published_figures
from simtiny.bench.kinds import TARGETS
from simtiny.bench.published import Published
from simtiny.outputs import write_output, write_text_output
from simtiny.report.schema import stamped
from simtiny.report.text import table
from simtiny.units import format_kb


def published_cell(p: Published | None) -> str:
    """A published cell as the source prints it: latency / peak SRAM / flash (or latency alone,
    where that is all it gives), or OOM."""
    if p is None:
        return "OOM"
    if p.peak_sram_kb is None or p.flash_kb is None:
        return f"{p.latency_ms:g} ms"
    return f"{p.latency_ms:g} ms / {p.peak_sram_kb:g} KB / {p.flash_kb:g} KB"


def _ms(ms: float | None) -> str:
    """A latency with the digits the published ones carry: three decimals below 10 ms."""
    if ms is None:
        return "- ms"
    return f"{ms:.3f} ms" if ms < 10 else f"{ms:.1f} ms"


def _latency(row: Row) -> str:
    return _ms(row.figures.latency_ms)


def ours_cell(row: Row) -> str:
    """Our cell in the paper's format; a network over budget is marked OOM with what it needs."""
    f = row.figures
    cell = f"{_latency(row)} / {format_kb(f.peak_sram)} / {format_kb(f.flash)}"
    return f"OOM ({cell})" if row.oom else cell


def ratio_cell(row: Row) -> str:
    ratios = row.ratios()
    return ", ".join(f"{ratios[m]:.2f}x {m}" for m in METRICS if m in ratios) or "-"


def _verdict(row: Row) -> str:
    return "bit-exact" if row.exact else "**outputs differ**"


def _duration(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{seconds:.1f} s"


def _optimization(bench: Bench) -> str:
    """What the memory planner favoured in this run, in words."""
    if bench.optimization == "time":
        return "built for speed (--optimization time: the fastest kernels within the board's SRAM)"
    return "built for the smallest peak SRAM (--optimization ram: no faster kernel that costs peak SRAM)"


def format_markdown(bench: Bench) -> str:
    """SUITE.md: the published columns and ours side by side, then simtiny's figures in full."""
    mhz = bench.clock_hz / 1e6
    t = bench.table
    frameworks = t.frameworks
    header = ["network", *frameworks, f"{OURS} {bench.version}", "simtiny / best published", "verified"]
    note = f"; {t.note}" if t.note else ""
    lines = [
        f"# {t.title}: published (silicon) and simtiny (simulated)",
        "",
        f"Columns {', '.join(frameworks)}: published figures, from {t.source}.",
        f"Column {OURS}: this run, simulated with simtiny's own code generator and kernels on its "
        f"Cortex-M7 cycle model at {mhz:g} MHz (caches and flash wait states), outputs verified bit for bit "
        f"against LiteRT's reference kernels{note}; {_optimization(bench)}.",
        "",
        "Each cell: latency / peak SRAM / flash (KB = 1024 bytes), or latency alone where the source publishes "
        "no more. OOM: does not fit "
        f"{_budgets(bench)} "
        f"({OURS}: measured anyway, figures in brackets). "
        "Ratios: simtiny over the best published figure of the row, each figure on its own (< 1 is better).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in bench.rows:
        published = [published_cell(row.paper.published[fw]) if row.paper else "-" for fw in frameworks]
        cells = [row.label, *published, ours_cell(row), ratio_cell(row), _verdict(row)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"## {OURS} in detail",
        "",
        "Latency from the cycle model with the memory system (as in the table) and with zero-wait memory "
        "(pipeline and branch prediction alone); both from the same run.",
        "",
        "| network | latency | zero-wait latency | memory share | cycles | MACs | MAC/cycle | peak SRAM | flash "
        f"| fits {_budgets(bench)} | verified |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in bench.rows:
        m = row.figures
        fits = "OOM: " + "; ".join(m.fit_problems) if row.oom else "yes"
        if m.cycles is None:
            timing = f"| - | - | - | - | {m.macs:,} | - "
        else:
            share = 100.0 * m.memory_cycles / max(m.cycles, 1)
            timing = (
                f"| {_ms(m.latency_ms)} | {_ms(m.zero_wait_ms)} | {share:.1f}% | {m.cycles:,} | {m.macs:,} "
                f"| {m.mac_per_cycle:.3f} "
            )
        lines.append(
            f"| {row.label} {timing}| {format_kb(m.peak_sram)} | {format_kb(m.flash)} | {fits} | {_verdict(row)} |"
        )
    lines += ["", *kinds_markdown(bench)]
    toolchains = sorted({r.toolchain for r in bench.rows})
    lines += [
        "",
        f"Run: {bench.date}, simtiny {bench.version}, {bench.board} at {mhz:g} MHz, toolchain "
        f"{', '.join(toolchains)}; {_duration(bench.seconds)} on {bench.machine}.",
        "",
        f"Command: `{bench.command}`",
        "",
    ]
    return "\n".join(lines)


def _mac_kinds(bench: Bench) -> list[str]:
    """The operator kinds that do MACs, in any network: the targeted kinds first, then by the
    cycles they take over all networks."""
    cycles: dict[str, int] = {}
    for row in bench.rows:
        for k in row.kinds:
            if k.macs:
                cycles[k.kind] = cycles.get(k.kind, 0) + k.cycles
    return sorted(cycles, key=lambda kind: (kind not in TARGETS, -cycles[kind], kind))


def _kind_cell(row: Row, kind: str, share: bool) -> str:
    k = next((k for k in row.kinds if k.kind == kind), None)
    if k is None or k.mac_per_cycle is None:
        return "-"
    cycles = row.figures.cycles or 0
    return f"{k.mac_per_cycle:.3f}" + (f" ({100 * k.cycles / cycles:.0f}%)" if share and cycles else "")


def _kind_row(bench: Bench, kind: str, share: bool) -> list[str]:
    """A kind's row of the per-kind table: its MAC/cycle in each network, then its target."""
    target = TARGETS.get(kind)
    return [kind, *(_kind_cell(r, kind, share) for r in bench.rows), "-" if target is None else f"{target:g}"]


def kinds_markdown(bench: Bench) -> list[str]:
    """table3.md's section on operator kinds: MAC/cycle and share of the cycles, per network."""
    kinds = _mac_kinds(bench)
    if not kinds:
        return []
    header = ["operator kind", *(r.label for r in bench.rows), "target"]
    lines = [
        "## MAC/cycle by operator kind",
        "",
        "Each cell: the kind's MACs over its cycles in that network, and its share of the network's cycles. "
        'Targets: the kernels\' goals (simtiny.bench.kinds.TARGETS); "first" is the layer reading the input.',
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(_kind_row(bench, kind, share=True)) + " |" for kind in kinds]
    return lines


def _budgets(bench: Bench) -> str:
    """The suite's SRAM / flash budgets as the tables print them (512 KB SRAM / 2 MB flash)."""

    def size(n: int) -> str:
        return f"{n >> 20} MB" if n % (1 << 20) == 0 else f"{n >> 10} KB" if n % 1024 == 0 else format_kb(n)

    return f"{size(bench.table.sram_budget)} SRAM / {size(bench.table.flash_budget)} flash"


def format_terminal(bench: Bench) -> str:
    """The terminal summary: ours, the ratios against the best published figures, the verdicts."""
    header = ("network", "latency", "zero-wait", "peak SRAM", "flash", "MAC/cyc", "vs best published", "verified")
    rows = [header]
    for row in bench.rows:
        m = row.figures
        verdict = ("bit-exact" if row.exact else "DIFFERS") + (", OOM" if row.oom else "")
        rows.append(
            (
                row.label,
                _latency(row),
                _ms(m.zero_wait_ms),
                format_kb(m.peak_sram),
                format_kb(m.flash),
                "-" if m.mac_per_cycle is None else f"{m.mac_per_cycle:.3f}",
                ratio_cell(row),
                verdict,
            )
        )
    out = table(rows, {1, 2, 3, 4, 5})
    kinds = _mac_kinds(bench)
    if kinds:
        out.append("")
        header = ("MAC/cycle by operator kind", *(r.name for r in bench.rows), "target")
        lines = [header, *(_kind_row(bench, kind, share=False) for kind in kinds)]
        out += table(lines, set(range(1, len(header))))
    out.append("")
    out.append(
        f"{len(bench.rows)} network(s) in {_duration(bench.seconds)}; "
        + ("all bit-exact" if bench.exact else "SOME OUTPUTS DIFFER from LiteRT")
        + f"; latency at {bench.clock_hz / 1e6:g} MHz with caches and flash wait states; "
        + _optimization(bench)
    )
    return "\n".join(out) + "\n"


def _shown(path: Path) -> str:
    """A model path relative to the working folder when it is under it (results stay portable)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def bench_json(bench: Bench) -> dict[str, Any]:
    """SUITE.json: every figure of the run unrounded, the published figures and their source."""
    networks = []
    for row in bench.rows:
        m = row.figures
        networks.append(
            {
                "name": row.name,
                "label": row.label,
                "model": _shown(row.model),
                "published": None
                if row.paper is None
                else [
                    {"framework": fw, "figures": None if p is None else vars(p)}
                    for fw, p in row.paper.published.items()
                ],
                "simtiny": {
                    "latency_ms": m.latency_ms,
                    "zero_wait_ms": m.zero_wait_ms,
                    "inference_cycles": m.cycles,
                    "memory_cycles": m.memory_cycles,
                    "peak_sram_bytes": m.peak_sram,
                    "flash_bytes": m.flash,
                    "macs": m.macs,
                    "mac_per_cycle": m.mac_per_cycle,
                    "bit_exact": row.exact,
                    "oom": row.oom,
                    "fit_problems": list(m.fit_problems),
                    "toolchain": row.toolchain,
                    "seconds": row.seconds,
                    "operator_kinds": [
                        {
                            "kind": k.kind,
                            "operators": k.operators,
                            "cycles": k.cycles,
                            "macs": k.macs,
                            "mac_per_cycle": k.mac_per_cycle,
                            "target_mac_per_cycle": k.target,
                        }
                        for k in row.kinds
                    ],
                },
                "best_published": {k: {"value": v, "framework": fw} for k, (v, fw) in row.best_published().items()},
                "ratio_to_best": row.ratios(),
            }
        )
    return stamped("bench", {
        "simtiny_version": bench.version,
        "date": bench.date,
        "machine": bench.machine,
        "command": bench.command,
        "seconds": bench.seconds,
        "board": bench.board,
        "clock_hz": bench.clock_hz,
        "engine": bench.engine,
        "budgets": {"sram_bytes": bench.table.sram_budget, "flash_bytes": bench.table.flash_budget},
        "suite": bench.suite,
        "optimization": bench.optimization,
        "published_source": bench.table.source,
        "frameworks": [*bench.table.frameworks, OURS],
        "units": {"latency": "ms", "SRAM": "KB (1024 bytes) in published", "flash": "KB in published"},
        "bit_exact": bench.exact,
        "networks": networks,
    })


# --- plot ------------------------------------------------------------------------------------


def _panel_value(row: Row, fw: str, metric: str) -> tuple[float | None, bool]:
    """A bar's height and whether that framework is OOM on the row (None: no bar)."""
    if fw == OURS:
        return row.ours().get(metric), row.oom
    p = row.paper.published[fw] if row.paper else None
    if p is None:
        return None, row.paper is not None
    return published_figures(p)[metric], False


LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1}
COLORS = {"CMSIS-NN": "C0", "X-Cube-AI 7.3": "C1", "TinyEngine": "C2", "TF-Lite Micro": "C4", OURS: "C3"}


def _color(bench: Bench, fw: str) -> str:
    """A framework's bar colour: Table 3's fixed ones, else by its column (never simtiny's red)."""
    if fw in COLORS:
        return COLORS[fw]
    return ("C0", "C1", "C2", "C4", "C5", "C6")[bench.table.frameworks.index(fw) % 6]


def _draw_panel(ax: Any, bench: Bench, metric: str) -> None:
    """Grouped bars, one group per network; OOM: a label at the foot of the (absent or hatched) bar."""
    frameworks = [*bench.table.frameworks, OURS]
    width = 0.8 / len(frameworks)
    values = [v for r in bench.rows for fw in frameworks if (v := _panel_value(r, fw, metric)[0])]
    log = metric == "latency"
    foot = min(values) / 3 if log else 0.0
    for j, fw in enumerate(frameworks):
        for i, row in enumerate(bench.rows):
            x = i + (j - (len(frameworks) - 1) / 2) * width
            value, oom = _panel_value(row, fw, metric)
            if value is not None:
                edge = "black" if oom else _color(bench, fw)
                ax.bar(x, value, width, color=_color(bench, fw), hatch="//" if oom else None, edgecolor=edge)
                ax.text(x, value, f"{value:.0f}", ha="center", va="bottom", fontsize=6, rotation=90)
            if oom:
                y = foot * 1.2 if log else 4
                ax.text(
                    x, y, "OOM", ha="center", va="bottom", fontsize=7, rotation=90, fontweight="bold", bbox=LABEL_BOX
                )
            if fw == OURS and log and row.figures.zero_wait_ms is not None:
                ax.hlines(row.figures.zero_wait_ms, x - width / 2, x + width / 2, colors="black", linewidth=1.5)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(foot, max(values) * 4)
        ax.set_ylabel(f"latency at {bench.clock_hz / 1e6:g} MHz (ms, log scale)")
    else:
        budget = (bench.table.sram_budget if metric == "SRAM" else bench.table.flash_budget) / 1024
        ax.axhline(budget, color="gray", linestyle="--", linewidth=1)
        ax.text(len(bench.rows) - 0.5, budget, f"{budget:g} KB budget", ha="right", va="bottom", fontsize=7)
        ax.set_ylim(0, max(*values, budget) * 1.15)
        ax.set_ylabel("peak SRAM (KB)" if metric == "SRAM" else "flash (KB)")
    ax.set_xticks(range(len(bench.rows)), [r.label.replace(" (", "\n(") for r in bench.rows], fontsize=8)


def plot(bench: Bench, path: Path) -> None:
    """SUITE.png: latency (log scale), peak SRAM and flash per network and framework, with the
    budgets; black ticks mark simtiny's zero-wait latency, hatching a simtiny figure over budget.
    Titled after the suite only when a network has published figures (not for a user's models)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, axes = plt.subplots(1, 3, figsize=(max(14.0, 4.5 * len(bench.rows) + 3), 4.8))
    for ax, metric in zip(axes, METRICS, strict=True):
        _draw_panel(ax, bench, metric)
    handles: list[Any] = [Patch(color=_color(bench, fw), label=f"{fw} (silicon)") for fw in bench.table.frameworks]
    handles.append(Patch(color=COLORS[OURS], label=f"{OURS} {bench.version} (simulated)"))
    handles.append(Line2D([], [], color="black", linewidth=1.5, label=f"{OURS}, zero-wait memory"))
    axes[0].legend(handles=handles, fontsize=7, loc="upper left", ncol=2)
    if any(row.paper is not None for row in bench.rows):
        title = f"{bench.table.title}: published figures and simtiny's ({bench.date})"
    else:
        title = f"simtiny on {bench.board} at {bench.clock_hz / 1e6:g} MHz ({bench.date}): no published figures"
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_outputs(bench: Bench, out: Path) -> list[Path]:
    """SUITE.md, SUITE.json and SUITE.png into `out`, nothing else."""
    md, js, png = (out / name for name in bench.table.outputs)
    write_text_output(md, format_markdown(bench), "--out")
    write_text_output(js, json.dumps(bench_json(bench), indent=2) + "\n", "--out")
    write_output(png, lambda tmp: plot(bench, tmp), "--out")
    return [md, js, png]
