"""The JSON documents simtiny writes: each carries its kind and the schema's version, and the
JSON Schema that describes them all ships with the package (schemas/simtiny-report.schema.json),
so that a team's CI can check what it parses."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

# Major: a key removed or changed in meaning; minor: keys added.
SCHEMA_VERSION = "1.0"
KINDS = ("sim", "size", "run", "check", "verify", "bench", "validate")
SCHEMA_FILE = "simtiny-report.schema.json"


def stamped(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as a document of `kind`: the schema's version and the kind come first."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    return {"schema_version": SCHEMA_VERSION, "kind": kind, **data}


def schema_path() -> Path:
    """Where the JSON Schema file is (inside the installed package)."""
    return Path(str(resources.files("simtiny.report") / "schemas" / SCHEMA_FILE))


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of every document simtiny writes."""
    return json.loads(schema_path().read_text(encoding="utf-8"))


def problems(document: Any) -> list[str]:
    """What keeps `document` from matching the schema, one line each (empty: it matches).
    Needs the jsonschema package (pip install jsonschema)."""
    try:
        from jsonschema import Draft202012Validator
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise RuntimeError("checking a report against its schema needs jsonschema: pip install jsonschema") from exc
    validator = Draft202012Validator(schema())
    found = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(document)'}: {e.message}" for e in found]
