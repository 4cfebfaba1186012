"""Reading simtiny's JSON documents in tests: every one is checked against the JSON Schema that
ships with the package before a test looks at it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simtiny.report.schema import SCHEMA_VERSION, problems, schema_path


def parse_report(text: str) -> dict[str, Any]:
    """A JSON document from its text, checked against simtiny's schema."""
    data = json.loads(text)
    found = problems(data)
    assert not found, "the document does not match its schema:\n" + "\n".join(found[:20])
    assert data["schema_version"] == SCHEMA_VERSION
    return data


def read_report(path: Path) -> dict[str, Any]:
    """A JSON document simtiny wrote to `path`, checked against simtiny's schema."""
    return parse_report(Path(path).read_text(encoding="utf-8"))


def read_junit(path: Path) -> Any:
    """The one <testsuite> of a JUnit file simtiny wrote, checked against the XML Schema that
    ships with the package (schemas/junit.xsd)."""
    import xml.etree.ElementTree as ET

    import xmlschema

    xsd = xmlschema.XMLSchema(str(schema_path().with_name("junit.xsd")))
    xsd.validate(str(path))
    root = ET.parse(path).getroot()
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert suite.attrib["tests"] == root.attrib["tests"] == str(len(cases))
    assert int(suite.attrib["failures"]) == sum(c.find("failure") is not None for c in cases)
    assert int(suite.attrib["errors"]) == sum(c.find("error") is not None for c in cases)
    return suite
