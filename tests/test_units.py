"""Units: which submissions are read together, and what reading them together changes."""

from __future__ import annotations

import pytest

from pipeline.checks import run_checks
from pipeline.errors import ConfigError
from pipeline.model import Document, LevelDef, Plan, Risk, Source
from pipeline.units import group_units, unit_name, units


def _doc(path: str, kind: str = "risk_table", unit: str | None = None) -> Document:
    return Document(source=Source(path=path), kind=kind, unit=unit)  # type: ignore[arg-type]


def _names(docs: list[Document]) -> list[str]:
    return [d.source.path.rsplit("/", 1)[-1] for d in docs]


@pytest.mark.parametrize("docs,expected", [
    # one folder per unit: the folder is the unit, named after the unit its files give
    ([_doc("in/甲局/方案.docx", "plan", "某县甲局"), _doc("in/甲局/自查表.docx"), _doc("in/乙局/自查表.docx")],
     [("某县甲局", ["方案.docx", "自查表.docx"]), ("乙局", ["自查表.docx"])]),
    # a flat folder of several units is split by the unit each file names
    ([_doc("all/1.docx", "plan", "甲局"), _doc("all/2.docx", unit="甲局"), _doc("all/3.docx", "plan", "乙局"),
      _doc("all/4.xlsx", "power_catalog", "乙局")],
     [("甲局", ["1.docx", "2.docx"]), ("乙局", ["3.docx", "4.xlsx"])]),
    # …and a file naming no unit stays with its other renderings (same stem), alone otherwise
    ([_doc("all/1.docx", "plan", "甲局"), _doc("all/3.docx", "plan", "乙局"), _doc("all/x.docx"), _doc("all/x.pdf"),
      _doc("all/y.txt")],
     [("甲局", ["1.docx"]), ("乙局", ["3.docx"]), ("x", ["x.docx", "x.pdf"]), ("y", ["y.txt"])]),
    # two plans with no unit names: two units, by file
    ([_doc("all/a.docx", "plan"), _doc("all/b.docx", "plan")], [("a", ["a.docx"]), ("b", ["b.docx"])]),
    # a unit and one of its offices are the same unit
    ([_doc("in/u/1.docx", "plan", "某县住建局"), _doc("in/u/2.docx", unit="某县住建局办公室")],
     [("某县住建局", ["1.docx", "2.docx"])]),
])
def test_auto_grouping(docs: list[Document], expected: list[tuple[str, list[str]]]) -> None:
    assert [(u.name, _names(u.docs)) for u in units(docs)] == expected


def test_forced_grouping_and_keys() -> None:
    docs = [_doc("all/1.docx", "plan", "甲局"), _doc("all/3.docx", "plan", "乙局")]
    assert [len(u.docs) for u in units(docs, by="folder")] == [2]
    assert [len(u.docs) for u in units(docs, by="file")] == [1, 1]
    g = group_units(docs)
    assert list(g) == ["unit:all#甲局", "unit:all#乙局"]
    assert [unit_name(k, v) for k, v in g.items()] == ["甲局", "乙局"]
    assert unit_name("folder:in/某局", [_doc("in/某局/a.docx")]) == "某局"
    with pytest.raises(ConfigError):
        units(docs, by="province")


def _table(path: str, raws: list[tuple[str, str | None]]) -> Document:
    d = _doc(path)
    d.risks = [Risk(id=f"R{i}", name=f"风险{i}", owner="办公室", level_raw=raw, level=lv)  # type: ignore[arg-type]
               for i, (raw, lv) in enumerate(raws)]
    return d


@pytest.mark.parametrize("scheme,raw,before,after", [
    # 一般 is the bottom of 重大/较大/一般 …
    ([("high", "重大"), ("medium", "较大"), ("low", "一般")], "一般", "medium", "low"),
    # … and the middle of 高/一般/低
    ([("high", "高"), ("medium", "一般"), ("low", "低")], "一般", "low", "medium"),
    # a plan of 一级/二级/三级 reads Ⅲ级风险 as its third step
    ([("high", "一级"), ("medium", "二级"), ("low", "三级")], "Ⅲ级风险", None, "low"),
])
def test_plan_scheme_regrades_the_units_tables(scheme: list[tuple[str, str]], raw: str, before: str | None,
                                                after: str) -> None:
    plan = _doc("u/方案.docx", "plan")
    plan.plan = Plan(level_scheme=[LevelDef(level=lv, name=n) for lv, n in scheme])  # type: ignore[arg-type]
    table = _table("u/自查表.docx", [(raw, before)])
    elsewhere = _table("v/自查表.docx", [(raw, before)])  # another unit: the plan does not apply
    run_checks([plan, table, elsewhere])
    assert table.risks[0].level == after
    assert elsewhere.risks[0].level == before


def test_report_counts_are_held_against_its_own_unit_only() -> None:
    report = _doc("a/自查报告.docx", "self_check_report")
    report.stated_counts = {"risk_points": 2}
    mine = _table("a/自查表.docx", [("高", "high"), ("低", "low")])
    other = _table("b/自查表.docx", [("高", "high")] * 5)
    run_checks([report, mine, other])
    assert not [f for f in report.findings if f.rule == "LF111"]
    other.risks.pop()  # now the report's own unit disagrees
    mine.risks.pop()
    run_checks([report, mine, other])
    assert [f.rule for f in report.findings if f.rule == "LF111"] == ["LF111"]


def test_findings_go_to_the_submission_they_concern() -> None:
    catalog = _doc("u/职权目录.xlsx", "power_catalog")
    from pipeline.model import Power

    catalog.powers = [Power(id="P1", name="行政处罚"), Power(id="P2", name="行政许可")]
    table = _table("u/自查表.docx", [("高", "high")])
    table.risks[0].name = "行政许可审查不严"
    run_checks([catalog, table])
    assert [(f.rule, f.refs) for f in catalog.findings if f.rule == "LF106"] == [("LF106", ["P1"])]
    assert not [f for f in table.findings if f.rule == "LF106"]
