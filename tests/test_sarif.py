"""SARIF 2.1.0 output: valid against the official OASIS schema (errata01, shipped in tests/data), with
stable rule IDs, locations pointing at table cells and fingerprints that survive a re-run.

Test dependency: ``jsonschema`` (pip install jsonschema; in the ``dev`` extra).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema  # test dependency (dev extra): the validation must not skip silently
import pytest

from pipeline.batch import result_from_documents
from pipeline.model import Document, Finding, Loc, Risk, Source
from pipeline.report import sarif

SCHEMA = Path(__file__).parent / "data" / "sarif-2.1.0.schema.json"


def sample_docs() -> list[Document]:
    """Two submissions of one unit with hand-made findings: an error at a table cell, a warning at a
    paragraph, an info with no location, and an unreadable file."""
    a = Document(source=Source(path="甲单位/风险 表,1.docx", format="docx"), kind="risk_table")
    a.risks = [Risk(id="R-1", name="审批不公", level="high", loc=Loc(table=0, row=4, col=2))]
    a.findings = [
        Finding(rule="LF101", name="risk-without-measure", severity="error", message="风险点“审批不公”无防控措施（表1 第5行）",
                message_en="no measure", loc=Loc(file=a.source.path, page=2, table=0, row=4, col=2), refs=["R-1"]),
        Finding(rule="LF103", name="risk-without-level", severity="warning", message="未定级\n第二行 100%",
                loc=Loc(file=a.source.path, block=7), refs=["R-2"]),
        Finding(rule="LF109", name="single-defense-line", severity="info", message="只有一道防线", refs=[]),
    ]
    b = Document(source=Source(path="甲单位/报告.pdf", format="pdf"), status="failed")
    b.add_error("parse", "encrypted", "甲单位/报告.pdf: the PDF is encrypted", fatal=True)
    b.findings = [Finding(rule="LF900", name="unreadable", severity="error", message="文件无法读取：已加密",
                          loc=Loc(file=b.source.path))]
    return [a, b]


@pytest.fixture(scope="module")
def log() -> dict:
    result = result_from_documents(sample_docs(), "unused", check=False, write=False)
    return json.loads(sarif.render(result))


def test_validates_against_the_sarif_schema(log: dict) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_schema_rejects_a_broken_log(log: dict) -> None:
    # the validation above means something only if the schema catches real mistakes
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert len(list(jsonschema.Draft4Validator(schema).iter_errors(broken))) >= 2


def test_rules_are_the_catalogue_with_stable_ids(log: dict) -> None:
    from pipeline.checks import rules

    driver = log["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == list(rules())  # every LF code, in code order
    lf101 = driver["rules"][ids.index("LF101")]
    assert lf101["defaultConfiguration"]["level"] == "error"
    assert lf101["name"] == "RiskWithoutMeasure"
    assert lf101["shortDescription"]["text"] and lf101["help"]["text"]
    for r in log["runs"][0]["results"]:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]


def test_results_locations(log: dict) -> None:
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert set(results) == {"LF101", "LF103", "LF109", "LF900"}
    cell = results["LF101"]
    phys = cell["locations"][0]["physicalLocation"]
    # relative, percent-encoded URI; line = table row + 1, column = table column + 1
    assert phys["artifactLocation"]["uri"] == "%E7%94%B2%E5%8D%95%E4%BD%8D/%E9%A3%8E%E9%99%A9%20%E8%A1%A8%2C1.docx"
    assert phys["region"] == {"startLine": 5, "startColumn": 3}
    assert cell["properties"]["page"] == 2 and cell["properties"]["table"] == 0 and cell["properties"]["row"] == 4
    assert cell["locations"][0]["logicalLocations"][0]["name"] == "p. 2, table 1, row 5, col 3"
    assert cell["level"] == "error"
    assert results["LF103"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 8}  # paragraph 7
    assert results["LF109"]["level"] == "note"
    assert results["LF109"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["descriptor"]["id"] == "LF900"


def test_fingerprints_stable_and_distinct() -> None:
    r1 = result_from_documents(sample_docs(), "unused", check=False, write=False)
    r2 = result_from_documents(sample_docs(), "unused", check=False, write=False)
    fp1 = [r["partialFingerprints"] for r in json.loads(sarif.render(r1))["runs"][0]["results"]]
    fp2 = [r["partialFingerprints"] for r in json.loads(sarif.render(r2))["runs"][0]["results"]]
    assert fp1 == fp2
    assert len({json.dumps(f) for f in fp1}) == len(fp1)
    # the fingerprint follows the objects (rule + file + refs), not the row they sit in
    assert sarif.fingerprint("LF101", "a.docx", ["R-1"], "msg at row 5") == sarif.fingerprint("LF101", "a.docx", ["R-1"], "row 6")
    assert sarif.fingerprint("LF101", "a.docx", ["R-1"], "m") != sarif.fingerprint("LF104", "a.docx", ["R-1"], "m")
