"""Text and JSON of `simtiny size`: a SizeReport (simtiny.elf.size) as aligned tables or JSON."""

from __future__ import annotations

from typing import Any

from simtiny.elf.size import CLASSES, SizeReport
from simtiny.report.schema import stamped
from simtiny.report.text import table
from simtiny.units import format_kb


def format_text(report: SizeReport, objects: int = 15) -> str:
    """The report as aligned tables for a terminal; at most `objects` object rows."""
    b = report.berkeley
    out = [
        f"{report.path} on {report.platform}",
        f"GNU size: text {b.text}  data {b.data}  bss {b.bss}  dec {b.total}",
        "",
    ]
    rows = [["budget", "used", "of", "share"]]
    for budget in (report.flash, report.sram):
        rows.append([budget.name, format_kb(budget.used), format_kb(budget.budget), f"{100 * budget.share:.1f}%"])
    out += table(rows, {1, 2, 3})
    rows = [["region", "kind", "used", "size", "share"]]
    for r in report.regions:
        if r.used:
            rows.append([r.name, r.kind, format_kb(r.used), format_kb(r.size), f"{100 * r.share:.1f}%"])
    out += ["", *table(rows, {2, 3, 4})]
    if report.unplaced:
        out.append(f"outside every region: {', '.join(report.unplaced)}")
    if report.largest:
        rows = [["symbol", "type", "bytes", "region"]]
        rows += [[s.name, s.type, str(s.size), s.region or "-"] for s in report.largest]
        out += ["", *table(rows, {2})]
    if report.objects:
        rows = [["object", *CLASSES, "total"]]
        for u in report.objects[:objects]:
            rows.append([u.object, *(str(getattr(u, c)) for c in CLASSES), str(u.total)])
        hidden = report.objects[objects:]
        if hidden:
            rest = [sum(getattr(u, c) for u in hidden) for c in CLASSES]
            rows.append([f"({len(hidden)} more)", *map(str, rest), str(sum(rest))])
        out += ["", f"by object ({report.map_format} map {report.map_path}), bytes:"]
        out += table(rows, {1, 2, 3, 4, 5})
    return "\n".join(out) + "\n"


def to_json(report: SizeReport) -> dict[str, Any]:
    """The report as plain JSON types (bytes as integers, shares as fractions of 1)."""
    return stamped("size", {
        "path": str(report.path),
        "platform": report.platform,
        "berkeley": {
            "text": report.berkeley.text,
            "data": report.berkeley.data,
            "bss": report.berkeley.bss,
            "dec": report.berkeley.total,
        },
        "budgets": {
            b.name: {"used": b.used, "budget": b.budget, "share": b.share}
            for b in (report.flash, report.sram)
        },
        "regions": [
            {
                "name": r.name,
                "kind": r.kind,
                "base": r.base,
                "size": r.size,
                "used": r.used,
                "share": r.share,
            }
            for r in report.regions
        ],
        "unplaced": list(report.unplaced),
        "largest": [
            {
                "name": s.name,
                "address": s.address,
                "size": s.size,
                "type": s.type,
                "region": s.region,
            }
            for s in report.largest
        ],
        "map": None
        if report.map_path is None
        else {"path": str(report.map_path), "format": report.map_format},
        "objects": [
            {"object": u.object, **{c: getattr(u, c) for c in CLASSES}, "total": u.total}
            for u in report.objects
        ],
    })
