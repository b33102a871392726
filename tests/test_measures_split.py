"""Measure cells → measures: every enumerator style, inline numbering, single and empty cells."""

from __future__ import annotations

import pytest

from pipeline.extract.measures import MeasureLexicon, split_measures
from pipeline.lexicon import load_lexicons

SPLITS = [
    # dev 01: numbered inside the cell, a line break before item 3, "；" ending items
    ("1.加强教育提醒; 2.制定加油、维修及车辆管理制度;\n3.加强过程管理,接受各界监督。",
     ["加强教育提醒", "制定加油、维修及车辆管理制度", "加强过程管理,接受各界监督。"]),
    ("1、建立台账\n2、定期公示", ["建立台账", "定期公示"]),
    ("(1)建立台账(2)定期公示", ["建立台账", "定期公示"]),
    ("（1）建立台账；（2）定期公示。", ["建立台账", "定期公示。"]),
    ("①建立台账②定期公示③责任追究", ["建立台账", "定期公示", "责任追究"]),
    ("一是建立联合监督机制;二是修订完善管理办法;三是加强业务指导。",
     ["建立联合监督机制", "修订完善管理办法", "加强业务指导。"]),
    ("一、建立台账。二、定期公示。", ["建立台账。", "定期公示。"]),
    # dev 02: outline numbering
    ("1.1党政主要领导每年至少讲一次廉洁党课。 1.2分管领导提出反腐倡廉要求。",
     ["党政主要领导每年至少讲一次廉洁党课。", "分管领导提出反腐倡廉要求。"]),
    ("2.1建立制度。 2.2及时报告。 2.3及时审核。", ["建立制度。", "及时报告。", "及时审核。"]),
    # inline numbering without breaks
    ("1.加强教育提醒2.制定加油、维修及车辆管理制度3.加强过程管理",
     ["加强教育提醒", "制定加油、维修及车辆管理制度", "加强过程管理"]),
    # one unnumbered sentence is one measure, verbatim
    ("加强业务学习,规范业务操作。", ["加强业务学习,规范业务操作。"]),
    ("严格执行《政府采购法》第2.5条规定。", ["严格执行《政府采购法》第2.5条规定。"]),
    # a single numbered item loses its number
    ("1.严格执行制度。", ["严格执行制度。"]),
    # numbers that are quantities do not split
    ("请示须在事发前20日以内报告,2万元以上须集体研究。", ["请示须在事发前20日以内报告,2万元以上须集体研究。"]),
    # an introduction with a colon is not a measure
    ("采取以下措施:1.建立台账2.定期公示", ["建立台账", "定期公示"]),
    ("", []),
    ("   \n ", []),
]


@pytest.mark.parametrize("text,expected", SPLITS)
def test_split_measures(text: str, expected: list[str]) -> None:
    assert [t for t, _span in split_measures(text)] == expected


@pytest.fixture(scope="module")
def mlex() -> MeasureLexicon:
    return MeasureLexicon.from_lexicons(load_lexicons())


@pytest.mark.parametrize("text", ["无", "暂无", "—", "/"])
def test_placeholders_hold_no_measure(mlex: MeasureLexicon, text: str) -> None:
    assert split_measures(text, mlex.placeholders) == []


DEFENSE = [
    ("加强廉政教育,开展警示培训", "prevention"),
    ("制定车辆管理制度", "prevention"),
    ("实行集体审批,全程监督", "monitoring"),
    ("每月汇总核对相关信息并公示", "monitoring"),
    ("对违规行为严肃问责,追究责任", "disposal"),
    ("强化管理和检查,及时发现、纠正违反规定的不规范行为。", "monitoring"),
    ("一律先报批后接待", "monitoring"),
    ("两人考察", None),
]


@pytest.mark.parametrize("text,line", DEFENSE)
def test_defense_line(mlex: MeasureLexicon, text: str, line: str | None) -> None:
    assert mlex.defense_line(text)[0] == line


GENERIC = [
    ("加强教育,提高认识。", True),
    ("加强业务学习,规范业务操作。", True),
    ("严格执行制度规定。", True),
    ("进一步加强学习,增强廉洁意识", True),
    ("实行设计会审制度", False),
    ("严格落实招标采购制度,按照招投标规定开展相关工作;实行集体决策及合法合规性审核。", False),
    ("加强教育,单笔2万元以上支出须集体研究", False),
]


@pytest.mark.parametrize("text,generic", GENERIC)
def test_generic(mlex: MeasureLexicon, text: str, generic: bool) -> None:
    assert mlex.is_generic(text) is generic
