"""One self-contained HTML file per report (`--html FILE` on run, check, bench and validate): the
verdict, the model and the board, the per-layer table, latency per layer, the memory timeline
with the budget, the flash breakdown and the console text. Charts are inline SVG, styles inline:
no script, nothing fetched, so the file opens anywhere and attaches to any CI run. Every text
that comes from a model or a firmware is escaped."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from simtiny import __version__
from simtiny.report.layers import layers
from simtiny.units import format_kb

if TYPE_CHECKING:
    from simtiny.bench import Bench
    from simtiny.check import Verdict
    from simtiny.flow.build import CompiledModel
    from simtiny.flow.dataset import ValidateOptions, Validation
    from simtiny.flow.run import ModelReport

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1b1f23; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.verdict { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: 600; color: white; }
.pass { background: #1a7f37; } .fail { background: #cf222e; } .unknown { background: #6e7781; }
table { border-collapse: collapse; margin: 8px 0; } td, th { padding: 3px 8px; border-bottom: 1px solid #d0d7de; }
th { text-align: left; background: #f6f8fa; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: 12px; }
.meta { color: #57606a; } svg text { font: 11px system-ui, sans-serif; }
details > summary { cursor: pointer; font-weight: 600; margin: 12px 0; }
.scroll { overflow-x: auto; } table.layers { font-size: 12px; }
table.layers td:nth-child(3), table.layers td:nth-child(5) { max-width: 240px; overflow-wrap: anywhere; }
"""

MAX_ROWS = 2000  # table rows per section (a model of thousands of operators stays readable)


def _page(title: str, body: list[str]) -> str:
    stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<p class=\"meta\">simtiny {escape(__version__)}, {escape(stamp)}</p>\n</body></html>\n"
    )


def _badge(ok: bool | None, text: str) -> str:
    kind = "unknown" if ok is None else ("pass" if ok else "fail")
    return f'<span class="verdict {kind}">{escape(text)}</span>'


def _table(head: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[bool] = (), css: str = "") -> str:
    numeric = list(numeric) + [False] * (len(head) - len(numeric))
    cells = "".join(f'<th class="{"n" if n else ""}">{escape(h)}</th>' for h, n in zip(head, numeric, strict=True))
    body = []
    for row in rows[:MAX_ROWS]:
        tds = "".join(
            f'<td class="{"n" if n else ""}">{escape(str(v))}</td>' for v, n in zip(row, numeric, strict=True)
        )
        body.append(f"<tr>{tds}</tr>")
    more = f'<p class="meta">... {len(rows) - MAX_ROWS:,} more rows</p>' if len(rows) > MAX_ROWS else ""
    klass = f' class="{escape(css)}"' if css else ""
    table = f"<table{klass}><thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{table}</div>{more}'


def bar_chart(
    values: Sequence[float],
    title: str,
    unit: str,
    lines: Sequence[tuple[float, str, str]] = (),
    highlight: Sequence[bool] = (),
    chart_id: str = "",
    xlabel: str = "operators",
) -> str:
    """Vertical bars, one per value (an operator, a sample), with horizontal reference lines
    (value, label, colour): the budget, the arena."""
    n = max(len(values), 1)
    width, height, left, bottom, top = max(640, min(1800, 8 * n + 80)), 260, 56, 28, 44
    top_value = max([*values, *(v for v, _, _ in lines), 1e-12])
    scale = (height - bottom - top) / top_value
    step = (width - left - 8) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img"'
        + (f' id="{escape(chart_id)}"' if chart_id else "")
        + f' aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" font-weight="600">{escape(title)}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 8}" y2="{height - bottom}" stroke="#57606a"/>',
        f'<text x="4" y="{height - bottom}">0</text>',
        f'<text x="4" y="{top + 4}">{escape(f"{top_value:,.4g}")}</text>',
        f'<text x="4" y="{top - 8}">{escape(unit)}</text>',
    ]
    flags = list(highlight) + [False] * (len(values) - len(highlight))
    for k, v in enumerate(values):
        h = v * scale
        x = left + k * step
        color = "#fb8c00" if flags[k] else "#0969da"
        parts.append(
            f'<rect class="bar" x="{x:.2f}" y="{height - bottom - h:.2f}" width="{max(step * 0.8, 0.5):.2f}" '
            f'height="{h:.2f}" fill="{color}"><title>{k}: {escape(f"{v:,.6g} {unit}")}</title></rect>'
        )
    for value, label, color in lines:
        y = height - bottom - value * scale
        parts.append(
            f'<line class="limit" x1="{left}" y1="{y:.2f}" x2="{width - 8}" y2="{y:.2f}" stroke="{color}" '
            f'stroke-dasharray="6 3"/><text x="{left + 4}" y="{y - 3:.2f}" fill="{color}">{escape(label)}</text>'
        )
    parts.append(f'<text x="{left}" y="{height - 8}">{escape(xlabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _shapes(refs: Sequence[tuple[str, tuple[int, ...]]]) -> str:
    return ", ".join("x".join(str(d) for d in s) or "scalar" for _, s in refs)


def _names(refs: Sequence[tuple[str, tuple[int, ...]]]) -> str:
    return ", ".join(n or "(no name)" for n, _ in refs)


def model_sections(report: ModelReport, console: str) -> list[str]:
    """The sections of one model's run: summary, per-layer table, charts, flash, console."""
    f = report.figures
    c = report.compiled
    rows = layers(report.graph, c.plan)
    n = report.compared
    fits = f.fit_verdict
    verdict = "BIT-EXACT" if report.exact else "MISMATCH"
    fit_text = {True: f"fits {f.board}", False: f"does not fit {f.board}", None: "stack not measured"}[fits]
    body = [
        f"<p>{_badge(report.exact, verdict)} {_badge(fits, fit_text)}</p>",
        f'<p class="meta">{n.outputs} output(s) of {n.samples} sample(s), {n.elements:,} values compared with '
        f"{escape(n.reference)}; firmware {escape(c.firmware.toolchain)}, built for "
        f"{'the smallest peak SRAM' if report.options.optimization == 'ram' else 'speed'}</p>",
    ]
    summary = [
        ("board", f"{f.board} at {f.clock_hz / 1e6:g} MHz"),
        ("flash", f"{format_kb(f.flash)} of {format_kb(f.flash_budget)}"),
        ("peak SRAM", f"{format_kb(f.peak_sram)} of {format_kb(f.sram_budget)} (arena {format_kb(f.arena)})"),
        ("stack", f"{f.stack:,} B" if f.stack_measured else "not measured"),
    ]
    if f.cycles is not None and f.latency_ms is not None:
        summary.append(("latency", f"{f.latency_ms:.3f} ms ({f.cycles:,} cycles)"))
        if f.silicon_ms:
            summary.append(("on silicon, likely", f"{f.silicon_ms[0]:.2f}-{f.silicon_ms[1]:.2f} ms"))
    summary.append(("MACs", f"{f.macs:,}" + (f" ({f.mac_per_cycle:.3f} MAC/cycle)" if f.mac_per_cycle else "")))
    summary.extend(("does not fit", p) for p in f.fit_problems)
    body.append(_table(("", ""), summary, css="summary"))
    ops = {o.index: o for o in f.operators}
    body.append("<h2>Per layer</h2>")
    table_rows = []
    for r in rows:
        o = ops.get(r.index)
        cycles = o.cycles if o else None
        table_rows.append(
            (
                r.index,
                r.opcode,
                _names(r.inputs),
                _shapes(r.inputs),
                _names(r.outputs),
                _shapes(r.outputs),
                f"{o.macs:,}" if o else "",
                f"{cycles:,}" if cycles is not None else "",
                f"{cycles * 1000 / f.clock_hz:.3f}" if cycles is not None else "",
                f"{o.mac_per_cycle:.3f}" if o and o.mac_per_cycle else "",
                f"{r.constant_bytes:,}",
                f"{r.live_bytes:,}" + (" (in place)" if r.in_place else ""),
            )
        )
    head = ("#", "operator", "reads", "shapes", "writes", "shapes", "MACs", "cycles", "ms", "MAC/cycle",
            "constants B (flash)", "live B (SRAM)")  # fmt: skip
    body.append(_table(head, table_rows, (True, False, False, False, False, False, True, True, True, True, True, True),
                       css="layers"))  # fmt: skip
    if f.operators:
        body.append(bar_chart([o.cycles * 1000 / f.clock_hz for o in f.operators], "latency per layer", "ms",
                              chart_id="latency"))  # fmt: skip
    budget_kb = f.sram_budget / 1024
    body.append("<h2>Memory</h2>")
    body.append(
        bar_chart(
            [r.live_bytes / 1024 for r in rows],
            f"live arena per layer: peak {max((r.live_bytes for r in rows), default=0) / 1024:.1f} KB "
            f"(in-place layers, orange, overlap their input and output); arena {f.arena / 1024:.1f} KB",
            "KB",
            [
                (f.arena / 1024, f"arena {f.arena / 1024:.1f} KB", "#6e7781"),
                (budget_kb, f"SRAM budget {budget_kb:,.0f} KB", "#cf222e"),
            ],
            [r.in_place for r in rows],
            chart_id="memory",
        )
    )
    body.append("<h2>Flash</h2>")
    parts = [(name.replace("_", " "), v) for name, v in f.flash_breakdown.items()]
    flash_rows = [(name, f"{v:,}", f"{100 * v / max(f.flash, 1):.1f}%") for name, v in parts]
    flash_rows.append(("total", f"{f.flash:,}", f"of {format_kb(f.flash_budget)}"))
    body.append(_table(("part", "bytes", "share"), flash_rows, (False, True, True), css="flash"))
    body.append(f"<h2>Console</h2><pre>{escape(console)}</pre>")
    return body


def run_page(report: ModelReport, console: str) -> str:
    name = report.options.model.name
    return _page(f"simtiny run {name}", [f"<h1>simtiny run {escape(name)}</h1>", *model_sections(report, console)])


def check_page(verdicts: Sequence[Verdict], consoles: Sequence[str]) -> str:
    passed = all(v.passed for v in verdicts)
    rows = [
        (str(v.model), "PASS" if v.passed else ("ERROR" if v.error else "FAIL"), "; ".join(v.problems) or v.error)
        for v in verdicts
    ]
    body = [
        "<h1>simtiny check</h1>",
        f"<p>{_badge(passed, 'PASS' if passed else 'FAIL')}</p>",
        _table(("model", "verdict", "reasons"), rows, css="verdicts"),
    ]
    for v, console in zip(verdicts, consoles, strict=True):
        if v.report is not None:
            body.append(f"<details><summary>{escape(str(v.model))}</summary>")
            body.extend(model_sections(v.report, console))
            body.append("</details>")
    return _page("simtiny check", body)


def bench_page(bench: Bench, console: str, plot: Path | None) -> str:
    body = [
        f"<h1>simtiny bench {escape(bench.suite)}</h1>",
        f"<p>{_badge(bench.exact, 'BIT-EXACT' if bench.exact else 'MISMATCH')}</p>",
        f'<p class="meta">{escape(bench.board)} at {bench.clock_hz / 1e6:g} MHz; {escape(bench.command)}</p>',
    ]
    rows = []
    for row in bench.rows:
        f = row.figures
        best = row.best_published()
        latency = best.get("latency")
        rows.append(
            (
                row.label,
                f"{f.latency_ms:.2f}" if f.latency_ms is not None else "-",
                f"{latency[0]:g} ({latency[1]})" if latency else "-",
                f"{f.peak_sram / 1024:,.1f}",
                f"{f.flash / 1024:,.1f}",
                f"{f.mac_per_cycle:.3f}" if f.mac_per_cycle else "-",
                "bit-exact" if row.exact else "MISMATCH",
            )
        )
    head = ("network", "latency ms", "best published ms", "peak SRAM KB", "flash KB", "MAC/cycle", "outputs")
    body.append(_table(head, rows, (False, True, True, True, True, True, False), css="networks"))
    if plot is not None and plot.is_file():
        data = base64.b64encode(plot.read_bytes()).decode("ascii")
        body.append(f'<h2>Against the published figures</h2><img alt="plot" src="data:image/png;base64,{data}">')
    body.append(f"<h2>Console</h2><pre>{escape(console)}</pre>")
    return _page(f"simtiny bench {bench.suite}", body)


def validate_page(v: Validation, compiled: CompiledModel, options: ValidateOptions, console: str) -> str:
    exact = v.exact == v.samples
    body = [
        f"<h1>simtiny validate {escape(options.model.name)}</h1>",
        f"<p>{_badge(exact, 'BIT-EXACT' if exact else 'MISMATCH')}</p>",
        f'<p class="meta">{v.samples:,} samples of {escape(str(options.data))}, {v.exact:,} bit-exact against '
        f"{escape(v.reference)}; {escape(compiled.board.name)}</p>",
    ]
    for against, title in (("float", "against the float model"), ("reference", "against the int8 reference")):
        values = v.metrics(against)
        if values is not None:
            names = ("rmse", "mae", "l2r", "mean", "std", "cos")
            rows = [(k, *("-" if m[x] is None else f"{m[x]:.6g}" for x in names)) for k, m in enumerate(values)]
            body.append(f"<h2>Errors {title}</h2>")
            body.append(_table(("output", "RMSE", "MAE", "L2R", "MEAN", "STD", "COS"), rows, (True,) * 7))
    matrix = v.confusion()
    if matrix is not None:
        body.append("<h2>Confusion matrix (rows: label, columns: the firmware's class)</h2>")
        body.append(_table(("", *map(str, range(len(matrix)))), [(k, *row) for k, row in enumerate(matrix)],
                           (True,) * (len(matrix) + 1), css="confusion"))  # fmt: skip
    cycles = [r.cycles for r in v.records if r.cycles is not None]
    if cycles:
        ms = [c * 1000 / v.clock_hz for c in cycles]
        body.append(bar_chart(ms, "latency per sample", "ms", chart_id="latency", xlabel="samples"))
    body.append(f"<h2>Console</h2><pre>{escape(console)}</pre>")
    return _page(f"simtiny validate {options.model.name}", body)


def write_html(path: Path, page: str) -> None:
    from simtiny.outputs import write_output

    write_output(path, lambda tmp: tmp.write_text(page, encoding="utf-8"), "--html")
