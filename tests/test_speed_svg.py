"""The unit picture drawn straight from the documents (:func:`pipeline.graph.unit_svg`) is the very
picture of the networkx graph (``to_svg(build_graph(docs), title=name)``), byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_checks import ALL_CASES, build_docs
from test_report_fastpaths import _truncate_reference

from pipeline import graph
from pipeline.checks import run_checks
from pipeline.graph import _truncate, build_graph, to_svg, unit_svg
from pipeline.model import Document, Loc
from pipeline.units import units

DEV = Path("/work/shared/corpus/dev/files")
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
# the benchmark corpus is generated, not committed: take it from the tree or the main checkout
BENCH = sorted([*Path(__file__).resolve().parents[1].glob("benchmarks/corpus/batch-200.*/0*"),
                *Path("/work/main").glob("benchmarks/corpus/batch-200.*/0*")])[:3]


def _same(docs: list[Document], name: str) -> None:
    old = to_svg(build_graph(docs), title=name)
    assert unit_svg(docs, name) == old
    assert old.startswith('<?xml version="1.0"') and old.endswith("</svg>\n")


def _checked(case: dict[str, Any]) -> list[Document]:
    docs = build_docs(case)
    run_checks(docs)
    return docs


@pytest.mark.parametrize("rule_case", ALL_CASES, ids=[f"{r}_{n}" for r, _, n, _ in ALL_CASES])
def test_rule_cases(rule_case: tuple[str, str, str, dict[str, Any]]) -> None:
    _same(_checked(rule_case[3]), rule_case[2])


def test_empty_and_measureless_units() -> None:
    _same([], "空")
    _same(_checked({"docs": [{"path": "e/空.docx"}]}), "")
    _same(_checked({"docs": [{"path": "e/表.docx", "risks": [
        {"id": "R1", "name": "甲", "department": "科", "level": "high"},
        {"id": "R2", "name": "乙", "post": "岗", "responsible": ["局长", "局长"]}]}]}), "无措施")


def _real_units(roots: list[Path]) -> list[tuple[list[Document], str]]:
    from pipeline.api import extract

    docs = extract([str(r) for r in roots])
    return [(u.docs, u.name) for u in units(docs)] + [(docs, "全部")]


@pytest.mark.parametrize("roots", [[SAMPLES], [DEV], BENCH], ids=["samples", "dev", "bench"])
def test_real_units(roots: list[Path]) -> None:
    if not roots or not all(r.exists() for r in roots):
        pytest.skip("corpus not here")
    found = _real_units(roots)
    assert found
    for docs, name in found:
        _same(docs, name)


# -- generated units: odd characters, long labels, shared and repeated IDs ----------------------

_TEXT = st.text(alphabet=st.sampled_from(list('&<>"\' \n\t…—a1科室岗位风险很长的名称措施，；')), max_size=60)
_ID = st.sampled_from(["R1", "R2", "R3", "R4", "R5", "R6"])


@st.composite
def _risk(draw: Any) -> dict[str, Any]:
    measures = draw(st.lists(st.one_of(_TEXT, st.fixed_dictionaries({
        "text": _TEXT, "id": st.sampled_from(["M1", "M2"]),
        "line": st.sampled_from([None, "prevention", "monitoring", "disposal"]), "generic": st.booleans()})),
        max_size=4))
    return {"id": draw(_ID), "name": draw(_TEXT), "manifestation": draw(st.none() | _TEXT),
            "department": draw(st.sampled_from([None, "", "科/甲", "科", "&<办>"])),
            "post": draw(st.sampled_from([None, "", "岗", "甲", "科"])),
            "owner": draw(st.sampled_from([None, "", "科", "主任"])),
            "power": draw(st.sampled_from([None, "P1", "P2", "P3"])),
            "level": draw(st.sampled_from([None, "high", "medium", "low"])),
            "responsible": draw(st.lists(st.sampled_from(["局长", "王五", "纪检组长", "&某", " "]), max_size=3)),
            "measures": measures, "measures_unreadable": draw(st.booleans())}


@st.composite
def _unit(draw: Any) -> dict[str, Any]:
    docs: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["risk_table", "power_catalog"]))
        doc: dict[str, Any] = {"path": f"g/表{i}.docx", "kind": kind,
                               "risks": draw(st.lists(_risk(), max_size=6)) if kind == "risk_table" else []}
        if draw(st.booleans()):
            doc["powers"] = [{"id": p, "name": draw(_TEXT) or p} for p in draw(
                st.lists(st.sampled_from(["P1", "P2", "P3", "P4"]), max_size=4))]
        if draw(st.booleans()):
            doc["responsibles"] = [{"name": "王五", "rank": "supervisor"}]
        docs.append(doc)
    return {"docs": docs}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_unit(), _TEXT)
def test_generated_units(case: dict[str, Any], name: str) -> None:
    _same(_checked(case), name)


def test_long_labels_are_cut_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    risks = [{"id": f"R{i}", "name": ("很长的名称&<>" * i) + "a" * i, "department": "科" * i, "post": "岗" * (i % 5),
              "level": "high", "responsible": ["局长"] * (i % 3) + [f"人{j}" for j in range(i % 7)],
              "measures": [f"措施{'甲' * j}{'x' * i}" for j in range(i % 6)]} for i in range(60)]
    docs = _checked({"docs": [{"path": "big/表.docx", "risks": risks}]})
    _same(docs, "长" * 80)
    old = to_svg(build_graph(docs), title="")
    monkeypatch.setattr(graph, "build_graph", None)  # the direct path, never the networkx fallback
    assert unit_svg(docs, "") == old


# -- cutting labels -------------------------------------------------------------------------------

# the plain loop that cuts a label one character's width at a time (one reference for both test files)
_cut_plainly = _truncate_reference


_LABEL = st.text(alphabet=st.sampled_from(list("a1 .（）、；…—\u2e7f\u2e80科室风险\U00020000\x00\n")), max_size=80)


@settings(max_examples=1500, deadline=None)
@given(_LABEL, st.sampled_from([0, 5, 7.2, 116, 136, 156, 162, 283, 304, 316, 1000.5]), st.sampled_from([11, 12, 18]))
def test_truncate_is_the_plain_cut(s: str, width: float, size: float) -> None:
    assert _truncate(s, width, size) == _cut_plainly(s, width, size)
    assert _truncate(s, width, size) == _cut_plainly(s, width, size)  # again, from the kept widths


_INT = st.none() | st.integers(0, 10**6)


@given(st.fixed_dictionaries({"file": st.none() | st.just("a/b.docx"), "page": _INT, "block": _INT, "table": _INT,
                              "row": _INT, "col": _INT, "span": st.none() | st.tuples(_INT, _INT).filter(all)}))
def test_location_text_is_the_dumped_one(fields: dict[str, Any]) -> None:
    loc = Loc(**fields)
    assert graph._loc_of(loc) == graph._loc_text(loc.model_dump(exclude_none=True))
