"""The machine-readable reports: the JSON Schema and the JUnit XML Schema that ship with the
package hold what simtiny writes, and catch what it must not write."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest
import xmlschema
from support.reports import parse_report, read_junit

from simtiny.cli import main
from simtiny.report.junit import Case, junit_xml
from simtiny.report.schema import SCHEMA_VERSION, problems, schema, schema_path, stamped
from simtiny.resources import MLPERF_MODELS_DIR

MODEL = MLPERF_MODELS_DIR / "mlperf_ad01_int8.tflite"


@pytest.fixture(scope="module")
def run_document(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("run")
    out, junit = folder / "run.json", folder / "run.xml"
    assert main(["run", str(MODEL), "--samples", "2", "--json", str(out), "--junit", str(junit), "-q"]) == 0
    data = json.loads(out.read_text())
    data["_junit"] = str(junit)
    return data


@pytest.mark.sim
def test_run_json_and_junit_match_their_schemas(run_document):
    data = {k: v for k, v in run_document.items() if k != "_junit"}
    parse_report(json.dumps(data))
    assert data["schema_version"] == SCHEMA_VERSION and data["kind"] == "run"
    assert not any(" " in key for key in data["figures"]["flash_breakdown"])
    suite = read_junit(run_document["_junit"])
    cases = suite.findall("testcase")
    assert [c.attrib["name"] for c in cases] == ["seed 0: bit-exact", "seed 1: bit-exact", "fits stm32h743"]
    fit = {p.attrib["name"]: p.attrib["value"] for p in cases[2].iter("property")}
    assert fit["flash_bytes"] == str(data["figures"]["flash_bytes"])
    assert fit["sram_bytes"] == str(data["figures"]["sram_bytes"])
    assert fit["inference_cycles"] == str(data["figures"]["inference_cycles"])


@pytest.mark.sim
@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d.pop("schema_version"), "(document)"),
        (lambda d: d.update(kind="runs"), "kind"),
        (lambda d: d.update(bit_exact="yes"), "bit_exact"),
        (lambda d: d["figures"].update(flash_bytes=-1), "figures/flash_bytes"),
        (lambda d: d["figures"]["flash_breakdown"].update({"model code": 1}), "figures/flash_breakdown"),
        (lambda d: d["samples"][0].update(surprise=1), "samples/0"),
        (lambda d: d["samples"][0]["outputs"][0].update(values=["x"]), "samples/0/outputs/0/values/0"),
    ],
)
def test_the_schema_catches_what_simtiny_must_not_write(run_document, mutate, where):
    data = copy.deepcopy({k: v for k, v in run_document.items() if k != "_junit"})
    assert problems(data) == []
    mutate(data)
    found = problems(data)
    assert found and any(line.startswith(where) for line in found), found


def test_every_kind_has_a_definition_and_stamped_refuses_others():
    doc = schema()
    assert doc["$schema"].endswith("2020-12/schema")
    kinds = doc["properties"]["kind"]["enum"]
    assert sorted(kinds) == sorted(doc["$defs"][k] and k for k in kinds)
    with pytest.raises(ValueError):
        stamped("bogus", {})
    assert schema_path().is_file() and schema_path().with_name("junit.xsd").is_file()


def test_junit_holds_any_console_text_and_counts_outcomes(tmp_path):
    nasty = "ok\x00bell\x07 esc\x1b[31m ]]> <tag> & \ud800 end"
    cases = [
        Case("passes", "simtiny.t", 0.5, output=nasty),
        Case("fails", "simtiny.t", 1.0, failure="3 of 10 values differ\nsecond line"),
        Case("errs", "simtiny.t", error="no such file"),
    ]
    path = tmp_path / "r.xml"
    path.write_bytes(junit_xml("suite <1>", cases, {"board": "stm32h743"}))
    suite = read_junit(path)
    assert suite.attrib["failures"] == "1" and suite.attrib["errors"] == "1" and suite.attrib["time"] == "1.500"
    passes, fails, errs = suite.findall("testcase")
    assert passes.find("system-out").text == "ok\\x00bell\\x07 esc\\x1b[31m ]]> <tag> & \\xd800 end"
    assert fails.find("failure").attrib["message"] == "3 of 10 values differ"
    assert fails.find("failure").text == "3 of 10 values differ\nsecond line"
    assert errs.find("error").attrib["message"] == "no such file"
    assert ET.parse(path).getroot().attrib["name"] == "suite <1>"


def test_the_junit_schema_refuses_a_case_without_a_name(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(junit_xml("s", [Case("x", "c")]).replace(b' name="x"', b""))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(str(schema_path().with_name("junit.xsd"))).validate(str(path))


def test_junit_to_standard_output(capsysbinary):
    from simtiny.report.junit import write_junit

    write_junit("-", "s", [Case("x", "c")])  # type: ignore[arg-type]
    assert capsysbinary.readouterr().out.startswith(b"<?xml")
