"""Rendering simtiny's HTML reports in Chromium (headless) for the tests, and reading what the
rendered page shows."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("these tests render the report in Chromium: apt install chromium (scripts/setup.sh does)")
    return found


def render(page: Path, tmp_path: Path) -> tuple[str, Image.Image]:
    """The DOM after Chromium loaded the page, and a screenshot of it."""
    common = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + str(tmp_path / "chr")]
    dom = subprocess.run([*common, "--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout  # fmt: skip
    shot = tmp_path / "shot.png"
    subprocess.run([*common, "--window-size=1400,2000", f"--screenshot={shot}", page.resolve().as_uri()],
                   capture_output=True, timeout=120, check=True)  # fmt: skip
    return dom, Image.open(shot).convert("RGB")


class Shown(HTMLParser):
    """What the rendered DOM holds: texts per element kind, table rows per table class, SVG parts."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self.rows: dict[str, int] = {}
        self.svg: dict[str, dict[str, int]] = {}
        self._table: list[str] = []
        self._svg: str | None = None
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs.append(a)
        if tag == "table":
            self._table.append(a.get("class") or "")
        elif tag == "tr" and self._table:
            self.rows[self._table[-1]] = self.rows.get(self._table[-1], 0) + 1
        elif tag == "svg":
            self._svg = a.get("id") or ""
            self.svg[self._svg] = {}
        elif self._svg is not None and a.get("class"):
            parts = self.svg[self._svg]
            parts[a["class"]] = parts.get(a["class"], 0) + 1

    def handle_endtag(self, tag):
        if tag == "table" and self._table:
            self._table.pop()
        elif tag == "svg":
            self._svg = None

    def handle_data(self, data):
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def not_blank(image: Image.Image) -> bool:
    colors = image.resize((140, 200)).getcolors(maxcolors=1 << 16)
    return colors is None or len(colors) > 20
