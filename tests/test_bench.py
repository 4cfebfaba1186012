"""`simtiny bench`: Table 3 reproduced, its files, its figures against `run_model`, its errors."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from support.browser import Shown, not_blank, render
from support.reports import read_junit, read_report

from simtiny import bench
from simtiny.bench.published import Published
from simtiny.bench.published import table3 as published_table
from simtiny.cli import main
from simtiny.errors import EXIT_USAGE
from simtiny.flow.measure import Figures
from simtiny.report import table3
from simtiny.resources import PAPER_MODELS_DIR

PAPER = PAPER_MODELS_DIR
SMALL = PAPER / "proxyless-w0.3-r64.tflite"
TABLE = published_table()


def _simtiny(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simtiny.cli", *args], capture_output=True, text=True, timeout=300)


def _one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == EXIT_USAGE, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("simtiny: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def _md_row(text: str, label: str) -> list[str]:
    """The cells of the first table row that starts with `label`."""
    line = next(ln for ln in text.splitlines() if ln.startswith(f"| {label} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def _published(p: Published | None) -> str:
    return "OOM" if p is None else f"{p.latency_ms:g} ms / {p.peak_sram_kb:g} KB / {p.flash_kb:g} KB"


@pytest.mark.sim
def test_bench_one_network_matches_run_model(tmp_path, capsys):
    from simtiny.flow.run import RunOptions, run_model

    out = tmp_path / "results"
    junit, page = tmp_path / "bench.xml", tmp_path / "bench.html"
    code = main(["bench", "--models", str(SMALL), "--out", str(out), "--junit", str(junit), "--html", str(page)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert sorted(p.name for p in out.iterdir()) == ["table3.json", "table3.md", "table3.png"]
    (case,) = read_junit(junit).findall("testcase")
    props = {p.attrib["name"]: p.attrib["value"] for p in case.iter("property")}
    assert case.attrib["name"] == SMALL.stem and case.find("failure") is None and case.find("error") is None
    assert (out / "table3.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    report = run_model(RunOptions(SMALL, samples=1, memory_model=True, lift_limits=True))
    f = report.figures

    data = read_report(out / "table3.json")
    assert data["bit_exact"] and len(data["networks"]) == 1
    row = data["networks"][0]
    ours = row["simtiny"]
    assert ours["bit_exact"] and report.exact and not ours["oom"]
    assert ours["latency_ms"] == f.latency_ms
    assert ours["zero_wait_ms"] == f.zero_wait_ms
    assert ours["inference_cycles"] == f.cycles == report.samples[0].run.inference_cycles
    assert ours["memory_cycles"] == f.memory_cycles == report.samples[0].run.inference_memory_cycles
    assert ours["peak_sram_bytes"] == f.peak_sram
    dom, shot = render(page, tmp_path)
    shown = Shown(dom)
    assert shown.rows["networks"] == 2 and f"{f.latency_ms:.2f}" in shown.all_text and "img" in shown.tags
    assert not_blank(shot)
    assert props["flash_bytes"] == str(f.flash) and props["sram_bytes"] == str(f.peak_sram)
    assert props["latency_ms"] == f"{f.latency_ms:.6g}"
    assert ours["flash_bytes"] == f.flash
    assert ours["macs"] == f.macs
    assert ours["mac_per_cycle"] == f.macs / f.cycles

    paper = TABLE.network("proxyless-w0.3-r64")
    assert paper is not None
    assert row["published"] == [
        {
            "framework": fw,
            "figures": None
            if p is None
            else {"latency_ms": p.latency_ms, "peak_sram_kb": p.peak_sram_kb, "flash_kb": p.flash_kb},
        }
        for fw, p in paper.published.items()
    ]

    md = (out / "table3.md").read_text()
    cells = _md_row(md, paper.label)
    assert cells[1:5] == [_published(paper.published[fw]) for fw in TABLE.frameworks]
    assert cells[5] == f"{f.latency_ms:.1f} ms / {f.peak_sram / 1024:,.1f} KB / {f.flash / 1024:,.1f} KB"
    best_latency = min(p.latency_ms for p in paper.published.values() if p)
    assert f"{f.latency_ms / best_latency:.2f}x latency" in cells[6]
    assert cells[7] == "bit-exact"
    detail = _md_row(md.split("in detail", 1)[1], paper.label)
    assert detail[1:3] == [f"{f.latency_ms:.1f} ms", f"{f.zero_wait_ms:.1f} ms"]
    assert f"{f.cycles:,}" in detail and f"{f.macs:,}" in detail
    assert "Command: `simtiny bench --models" in md and "simtiny 0.1.0" in md
    assert f"{f.latency_ms:.1f} ms" in printed and "bit-exact" in printed

    # operator kinds: the run's per-operator figures summed by kind, every cycle accounted for
    kinds = {k["kind"]: k for k in ours["operator_kinds"]}
    assert sum(k["cycles"] for k in kinds.values()) == sum(o.cycles for o in f.operators)
    assert sum(k["macs"] for k in kinds.values()) == f.macs
    one = kinds["CONV_2D 1x1"]
    pointwise = [
        o
        for o in f.operators
        if o.opcode == "CONV_2D" and report.graph.tensor(report.graph.operators[o.index].inputs[1]).shape[1:3] == (1, 1)
    ]
    assert one["operators"] == len(pointwise) and one["cycles"] == sum(o.cycles for o in pointwise)
    assert one["target_mac_per_cycle"] == 1.0 and kinds["CONV_2D 3x3 s2 first"]["operators"] == 1
    dw = _md_row(md.split("by operator kind", 1)[1], "DEPTHWISE_CONV_2D 3x3 s1")
    k = kinds["DEPTHWISE_CONV_2D 3x3 s1"]
    assert dw[1] == f"{k['macs'] / k['cycles']:.3f} ({100 * k['cycles'] / f.cycles:.0f}%)" and dw[2] == "0.5"
    assert "MAC/cycle by operator kind" in printed


def test_bad_models_path_is_one_line_exit_2(tmp_path):
    out = tmp_path / "out"
    _one_line_error(_simtiny("bench", "--models", str(tmp_path / "nope.tflite"), "--out", str(out)), "nope.tflite")
    assert not out.exists()  # nothing created before the models are checked


def test_out_that_is_a_file_is_refused(tmp_path):
    out = tmp_path / "table3.md"
    out.write_text("mine\n")
    _one_line_error(_simtiny("bench", "--models", "proxyless-w0.3-r64", "--out", str(out)), "not a folder")
    assert out.read_text() == "mine\n"


def test_network_names_resolve_to_the_paper_models():
    assert bench.resolve_models([Path("proxyless-w0.3-r64"), SMALL]) == [SMALL]
    assert [m.stem for m in bench.resolve_models(None)] == [n.name for n in TABLE.networks]


def test_published_rows_cover_every_framework():
    assert len(TABLE.networks) == 4 and TABLE.board == "stm32h743"
    for n in TABLE.networks:
        assert set(n.published) == set(TABLE.frameworks)
        assert (PAPER / f"{n.name}.tflite").is_file()
    mcunet = TABLE.network("mcunet-in4-r160")
    assert mcunet and mcunet.published["CMSIS-NN"] is None and mcunet.published["TF-Lite Micro"] is None


def _fake_bench(oom: bool) -> bench.Bench:
    ours = Figures(
        board="stm32h743",
        clock_hz=480_000_000,
        flash_budget=TABLE.flash_budget,
        sram_budget=TABLE.sram_budget,
        flash=1800 * 1024,
        static_ram=(600 if oom else 300) * 1024 - 512,
        stack=512,
        cycles=240_000_000,
        memory_cycles=24_000_000,
        macs=125_874_400,
    )
    row = bench.Row(PAPER / "mcunet-in4-r160.tflite", TABLE.network("mcunet-in4-r160"), ours, True, "gcc", 1.0)
    rows = [row, replace(row, model=Path("mine.tflite"), paper=None, exact=False)]
    return bench.Bench(rows, "simtiny bench", "2024-01-01 00:00 UTC", "test machine", 2.0, "stm32h743", 480_000_000)


def test_ratios_against_the_best_published_figure_of_each_metric():
    row = _fake_bench(oom=False).rows[0]
    assert row.best_published() == {
        "latency": (463, "TinyEngine"),
        "SRAM": (342, "X-Cube-AI 7.3"),
        "flash": (1825, "TinyEngine"),
    }
    assert row.ratios() == pytest.approx({"latency": 500 / 463, "SRAM": 300 / 342, "flash": 1800 / 1825})
    assert table3.ratio_cell(row) == "1.08x latency, 0.88x SRAM, 0.99x flash"


def test_markdown_marks_oom_mismatch_and_unpublished_rows(tmp_path):
    b = _fake_bench(oom=True)
    md = table3.format_markdown(b)
    cells = _md_row(md, "mcunet-in4 (160x160)")
    assert cells[1] == "OOM" and cells[4] == "OOM"
    assert cells[5] == "OOM (500.0 ms / 600.0 KB / 1,800.0 KB)"
    mine = _md_row(md, "mine.tflite")
    assert mine[1:5] == ["-"] * 4 and mine[6] == "-" and "differ" in mine[7]
    assert "Command: `simtiny bench`" in md
    assert "DIFFER" in table3.format_terminal(b)
    table3.plot(b, tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 10_000


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_plain_lines_in_a_log():
    log = io.StringIO()
    bar = bench.ProgressBar(4, log)
    bar.show(2, "proxyless-w0.3-r176", "simulating sample 1/1")
    bar.finish(2, "proxyless-w0.3-r176", "bit-exact")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
    assert lines[0].startswith("[2/4] proxyless-w0.3-r176: simulating sample 1/1 ...")
    assert lines[1].startswith("[2/4] proxyless-w0.3-r176: bit-exact (")
    tty = _Tty()
    bar = bench.ProgressBar(4, tty)
    bar.show(2, "proxyless-w0.3-r176", "simulating sample 1/1")
    bar.finish(2, "proxyless-w0.3-r176", "bit-exact")
    text = tty.getvalue()
    assert "[2/4]" in text and "proxyless-w0.3-r176: simulating sample 1/1 ..." in text
    assert text.endswith("\n") and "proxyless-w0.3-r176: bit-exact" in text


@pytest.mark.sim
def test_mlperf_tiny_suite_on_the_f746_board(tmp_path, capsys):
    """--suite mlperf-tiny: MLPerf Tiny's models (shipped with simtiny) on the DISCO-F746NG at
    216 MHz, beside the published latencies (the submissions publish latency alone)."""
    from simtiny.bench.published import suite

    mlperf = suite("mlperf-tiny")
    out = tmp_path / "results"
    assert main(["bench", "--suite", "mlperf-tiny", "--models", "mlperf_ad01_int8", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["mlperf-tiny.json", "mlperf-tiny.md", "mlperf-tiny.png"]
    data = read_report(out / "mlperf-tiny.json")
    assert data["suite"] == "mlperf-tiny" and data["board"] == "stm32f746g-disco" and data["clock_hz"] == 216_000_000
    assert data["budgets"] == {"sram_bytes": 327_680, "flash_bytes": 1_048_576}
    (row,) = data["networks"]
    paper = mlperf.network("mlperf_ad01_int8")
    assert paper is not None and row["label"] == paper.label
    published = {p["framework"]: p["figures"] for p in row["published"]}
    assert published["Plumerai 2023.05"] == {"latency_ms": 1.709, "peak_sram_kb": None, "flash_kb": None}
    ours = row["simtiny"]
    assert ours["bit_exact"] and ours["inference_cycles"] > 0
    best = min(p.latency_ms for p in paper.published.values() if p)
    assert row["best_published"] == {"latency": {"value": best, "framework": "Bosch HALE 1.0"}}
    assert row["ratio_to_best"] == {"latency": ours["latency_ms"] / best}  # no published SRAM or flash to compare
    md = (out / "mlperf-tiny.md").read_text()
    assert md.startswith("# MLPerf Tiny on the STM32F746G-DISCO")
    assert _md_row(md, paper.label)[1:4] == ["1.709 ms", "1.703 ms", "2.295 ms"]
    assert f"{ours['latency_ms'] / best:.2f}x latency" in printed and "216 MHz" in printed


def test_suites_ship_their_models():
    from simtiny.bench.published import SUITES, suite

    for name in SUITES:
        table = suite(name)
        for network in table.networks:
            assert (table.models_dir / f"{network.name}.tflite").is_file(), (name, network.name)
            assert set(network.published) == set(table.frameworks)
