"""Stated counts: what a text claims about its own work, never slogans, dates or ages."""

from __future__ import annotations

import pytest

from pipeline.extract.counts import compile_patterns, number, scan
from pipeline.lexicon import load_lexicons


@pytest.fixture(scope="module")
def patterns():  # type: ignore[no-untyped-def]
    return compile_patterns(load_lexicons())


def counts(text: str, patterns) -> dict[str, int]:  # type: ignore[no-untyped-def]
    out: dict[str, int] = {}
    for c in scan(text, patterns):
        out.setdefault(c.key, c.value)
    return out


POSITIVE = [
    ("共查找风险点56个,制定防控措施48条。", {"risk_points": 56, "measures": 48}),
    ("截止目前,全区共查找风险点位1698个,制定防范措施1574条。", {"risk_points": 1698, "measures": 1574}),
    ("全区共梳理职权1068项,编制工作流程目录897份。", {"powers": 1068, "flows": 897}),
    ("从120余个岗位中排查出796个风险点", {"posts": 120, "risk_points": 796}),
    ("查找廉政风险点796个", {"risk_points": 796}),
    ("共梳理职权一千零六十八项", {"powers": 1068}),
    ("累计排查廉政风险点三十五个", {"risk_points": 35}),
    ("共查找出风险点两万零五十个", {"risk_points": 20050}),
    ("绘制权力运行流程图36张", {"flows": 36}),
    ("排查出风险岗位28个", {"posts": 28}),
]


@pytest.mark.parametrize("text,expected", POSITIVE)
def test_counts_found(patterns, text: str, expected: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    assert counts(text, patterns) == expected


NEGATIVE = [
    "认真开展以“五类风险、三道防线、四个环节”为主要内容的廉政风险防控管理工作",
    "制作“一书、二图、五个表”,提升查找廉政风险点的效力",
    "规范五种权力,健全六位一体工作框架,落实三项措施",
    "加强对司法权、行政审批权等五种重点公共权力的规范制约",
    "2012年6月下旬开始,分三个阶段进行",
    "执行款项在2万元以上的,必须经院长核查",
    "共查找出涉及廉政风险点的职权有23种",  # powers that carry risk points, not risk points
    "制订和完善各类防范方法和工作制度200条",  # rules and methods lumped together
    "全区共健全完善防控制度681项,新出台制度196项",
    "聘请了180名廉能风险信息员",
    "风险点完成率达到95%",
]


@pytest.mark.parametrize("text", NEGATIVE)
def test_no_counts(patterns, text: str) -> None:  # type: ignore[no-untyped-def]
    found = counts(text, patterns)
    assert "risk_points" not in found and "measures" not in found, found
    if "职权有23种" not in text:
        assert found == {}, found


def test_qualifier_is_kept(patterns) -> None:  # type: ignore[no-untyped-def]
    (c,) = [c for c in scan("从120余个岗位中排查", patterns) if c.key == "posts"]
    assert (c.value, c.qualifier) == (120, "余")


@pytest.mark.parametrize("text,value", [("56", 56), ("一千零六十八", 1068), ("两百", 200), ("三万五千", 35000),
                                        ("十二", 12), ("万", None)])
def test_number(text: str, value: int | None) -> None:
    assert number(text) == value


def test_document_total_wins(patterns) -> None:  # type: ignore[no-untyped-def]
    from pipeline.extract.counts import find_counts
    from pipeline.model import Block, Document, Source

    doc = Document(source=Source(path="r.docx"), blocks=[
        Block(index=0, kind="paragraph", text="试点单位查找风险点120个。"),
        Block(index=1, kind="paragraph", text="全区共查找风险点796个。"),
    ])
    assert find_counts(doc, load_lexicons()) == {"risk_points": 796}
