"""Level notations → high/medium/low, read within the scheme the document uses or declares."""

from __future__ import annotations

import pytest

from pipeline.extract.levels import Levels, Scheme, find_scheme, interpret_levels
from pipeline.lexicon import load_lexicons


@pytest.fixture(scope="module")
def levels() -> Levels:
    return Levels.from_lexicons(load_lexicons())


# (the distinct raw values of one document, expected level of each)
SCHEMES = [
    (["高", "中", "低"], ["high", "medium", "low"]),
    (["高级", "中级", "低级"], ["high", "medium", "low"]),
    (["高风险", "中风险", "低风险"], ["high", "medium", "low"]),
    (["一级", "二级", "三级"], ["high", "medium", "low"]),
    (["一级风险", "二级风险", "三级风险"], ["high", "medium", "low"]),
    (["Ⅰ级", "Ⅱ级", "Ⅲ级"], ["high", "medium", "low"]),
    (["I级", "II级", "III级"], ["high", "medium", "low"]),
    (["A级", "B级", "C级"], ["high", "medium", "low"]),
    (["红色预警", "橙色预警", "黄色预警"], ["high", "medium", "low"]),
    (["红", "橙", "黄", "蓝"], ["high", "medium", "medium", "low"]),
    (["较高", "一般", "较低"], ["high", "medium", "low"]),
    (["重大", "较大", "一般"], ["high", "medium", "low"]),
    (["高", "一般", "低"], ["high", "medium", "low"]),
    # dev 90: schemes mixed in one table; 一般 sits among 高/中/低
    (["低", "高", "中", "一级风险", "一般"], ["low", "high", "medium", "high", "medium"]),
    (["高 (Ⅰ级)"], ["high"]),
    (["不详"], [None]),
]


@pytest.mark.parametrize("raws,expected", SCHEMES)
def test_interpret_levels(levels: Levels, raws: list[str], expected: list[str | None]) -> None:
    got = interpret_levels(raws, levels=levels)
    assert [got[r] for r in raws] == expected


def test_general_depends_on_scheme(levels: Levels) -> None:
    """一般 is medium in 高/一般/低 and low in 重大/较大/一般."""
    assert interpret_levels(["高", "一般"], levels=levels)["一般"] == "medium"
    assert interpret_levels(["重大", "一般"], levels=levels)["一般"] == "low"


def test_declared_scheme_sets_the_number_of_steps(levels: Levels) -> None:
    """二级 alone is medium in a three-step scheme but, in a declared two-step one, the bottom."""
    assert interpret_levels(["二级"], levels=levels)["二级"] == "medium"
    two = Scheme(names=["一级", "二级"], scale="ordinal", size=2)
    assert interpret_levels(["二级"], two, levels=levels)["二级"] == "low"
    four = Scheme(names=["一级", "二级", "三级", "四级"], scale="ordinal", size=4)
    assert interpret_levels(["三级"], four, levels=levels)["三级"] == "medium"


def test_empty_values_are_ignored(levels: Levels) -> None:
    assert interpret_levels(["", None, "  "], levels=levels) == {}


SENTENCES = [
    ("填报说明:每个风险点须对应防控措施,风险等级分高、中、低三级。", ["高", "中", "低"]),
    ("按照“高、中、低”三个等级评定廉政风险点", ["高", "中", "低"]),
    ("确定为一、二、三级廉政风险,评定标准如下", ["一级", "二级", "三级"]),
    ("将风险划分为高、中、低三个等级。", ["高", "中", "低"]),
    ("风险等级分为红、橙、黄三级预警", ["红", "橙", "黄"]),
    ("统一分为A、B、C三类", ["A", "B", "C"]),
]


@pytest.mark.parametrize("text,names", SENTENCES)
def test_find_scheme(levels: Levels, text: str, names: list[str]) -> None:
    hit = find_scheme(text, levels)
    assert hit is not None and hit[0].names == names and hit[0].size == len(names)


@pytest.mark.parametrize("text", ["由高到低划分为三级", "三重一大事项", "分三个阶段进行", "一书二图五表"])
def test_no_scheme(levels: Levels, text: str) -> None:
    assert find_scheme(text, levels) is None
