"""JUnit XML, the test-report format every CI system reads (Jenkins, GitLab, GitHub Actions'
test reporters): one test case per model or sample of `run`, `check` and `bench`. The XML
Schema of what simtiny writes ships beside the JSON one (schemas/junit.xsd)."""

from __future__ import annotations

import datetime
import platform
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from simtiny.outputs import is_stdout, write_output

if TYPE_CHECKING:
    from simtiny.bench import Bench
    from simtiny.check import Verdict
    from simtiny.flow.run import ModelReport

# Characters XML 1.0 cannot hold at all: console text from a firmware may have any byte.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_TEXT = 64 * 1024  # characters of console text or message kept per element


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: other characters shown as \\xNN, long text cut."""
    text = _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"\n[... {len(text) - MAX_TEXT:,} characters cut]"


@dataclass
class Case:
    """One test case: passed unless it has a failure (a verdict against it) or an error (it could
    not be judged)."""

    name: str
    classname: str
    seconds: float = 0.0
    failure: str | None = None
    error: str | None = None
    output: str = ""
    properties: dict[str, str] = field(default_factory=dict)


def junit_xml(suite: str, cases: list[Case], properties: dict[str, str] | None = None) -> bytes:
    """One <testsuites> with one <testsuite> holding the cases."""
    failures = sum(c.failure is not None for c in cases)
    errors = sum(c.error is not None and c.failure is None for c in cases)
    seconds = f"{sum(c.seconds for c in cases):.3f}"
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": str(errors), "skipped": "0"}
    root = ET.Element("testsuites", {"name": _xml_text(suite), **counts, "time": seconds})
    stamp = datetime.datetime.now().astimezone().replace(microsecond=0).isoformat()
    element = ET.SubElement(
        root,
        "testsuite",
        {"name": _xml_text(suite), **counts, "time": seconds, "timestamp": stamp, "hostname": platform.node() or "-"},
    )
    if properties:
        props = ET.SubElement(element, "properties")
        for key, value in properties.items():
            ET.SubElement(props, "property", {"name": _xml_text(key), "value": _xml_text(value)})
    for case in cases:
        node = ET.SubElement(
            element,
            "testcase",
            {"name": _xml_text(case.name), "classname": _xml_text(case.classname), "time": f"{case.seconds:.3f}"},
        )
        if case.properties:
            props = ET.SubElement(node, "properties")
            for key, value in case.properties.items():
                ET.SubElement(props, "property", {"name": _xml_text(key), "value": _xml_text(value)})
        if case.failure is not None:
            first = case.failure.splitlines()[0] if case.failure else "failed"
            fail = ET.SubElement(node, "failure", {"message": _xml_text(first), "type": "simtiny.failure"})
            fail.text = _xml_text(case.failure)
        elif case.error is not None:
            first = case.error.splitlines()[0] if case.error else "error"
            err = ET.SubElement(node, "error", {"message": _xml_text(first), "type": "simtiny.error"})
            err.text = _xml_text(case.error)
        if case.output:
            ET.SubElement(node, "system-out").text = _xml_text(case.output)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(path: Path, suite: str, cases: list[Case], properties: dict[str, str] | None = None) -> None:
    """The XML to `path` (written whole or not at all, as every output of simtiny; "-": standard
    output)."""
    data = junit_xml(suite, cases, properties)
    if is_stdout(path):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_output(path, lambda tmp: tmp.write_bytes(data), "--junit")


def _figures(report: ModelReport) -> dict[str, str]:
    f = report.figures
    props = {
        "board": f.board,
        "flash_bytes": str(f.flash),
        "sram_bytes": str(f.peak_sram),
        "fits": "unknown" if f.fit_verdict is None else str(f.fit_verdict).lower(),
    }
    if f.cycles is not None:
        props["inference_cycles"] = str(f.cycles)
    if f.latency_ms is not None:
        props["latency_ms"] = f"{f.latency_ms:.6g}"
    return props


def _sample_failure(report: ModelReport, k: int) -> str | None:
    from simtiny.report.text import output_verdict

    s = report.samples[k]
    if s.exact:
        return None
    lines = [
        f"output {c.index}: {output_verdict(c, 'simtiny', name)}"
        for name, comparisons in s.against()
        for c in comparisons
        if not c.exact
    ]
    return "\n".join(lines) or "outputs differ"


def run_cases(report: ModelReport) -> list[Case]:
    """`simtiny run`: one case per sample (bit-exact or not), and one for the board's budgets."""
    model = report.options.model.stem
    classname = f"simtiny.run.{model}"
    per_sample = report.seconds.get("total", 0.0) / max(len(report.samples), 1)
    cases = []
    for k, s in enumerate(report.samples):
        props = {"reference": s.reference}
        if s.run.result.cycles is not None:
            props["inference_cycles"] = str(s.run.inference_cycles)
        cases.append(
            Case(f"{s.label}: bit-exact", classname, per_sample, failure=_sample_failure(report, k), properties=props)
        )
    f = report.figures
    fit_failure = "\n".join(f.fit_problems) if f.fit_problems else None
    fit_error = "the stack was not measured: whether it fits is not known" if f.fit_verdict is None else None
    fit = Case(f"fits {f.board}", classname, failure=fit_failure, error=fit_error, properties=_figures(report))
    cases.append(fit)
    return cases


def check_cases(verdicts: list[Verdict]) -> list[Case]:
    """`simtiny check`: one case per model, failed with the gate's problems or in error."""
    cases = []
    for v in verdicts:
        report = v.report
        seconds = report.seconds.get("total", 0.0) if report else 0.0
        cases.append(
            Case(
                str(v.model),
                "simtiny.check",
                seconds,
                failure="\n".join(v.problems) if v.problems and not v.error else None,
                error=v.error or None,
                properties=_figures(report) if report else {},
            )
        )
    return cases


def bench_cases(bench: Bench) -> list[Case]:
    """`simtiny bench`: one case per network, failed when its outputs differ from the reference."""
    cases = []
    for row in bench.rows:
        f = row.figures
        props = {"flash_bytes": str(f.flash), "sram_bytes": str(f.peak_sram), "oom": str(row.oom).lower()}
        if f.latency_ms is not None:
            props["latency_ms"] = f"{f.latency_ms:.6g}"
        if f.mac_per_cycle is not None:
            props["mac_per_cycle"] = f"{f.mac_per_cycle:.4f}"
        for fw, (value, name) in row.best_published().items():
            props[f"best_published_{fw}"] = f"{value:g} ({name})"
        failure = None if row.exact else "outputs differ from the reference"
        cases.append(Case(row.name, f"simtiny.bench.{bench.suite}", row.seconds, failure=failure, properties=props))
    return cases
