import pytest

from pipeline.normalise import normalise, with_raw

CASES = [
    ("领 导 班 子 成 员", "领导班子成员"),
    ("配臵科学", "配置科学"),
    ("共查找风险点５６个", "共查找风险点56个"),
    ("ＡＢＣ级", "ABC级"),
    ("风\u200b险\u200d点", "风险点"),
    ("\u202e风险\u202c", "风险"),
    ("⼀级风险", "一级风险"),  # Kangxi radical from a PDF text layer
    ("风险 类别", "风险类别"),
    ("风险  类别", "风险 类别"),  # a wide gap may separate two fields: kept as one space
    ("a   b", "a b"),
    ("1.加强教育\n  2.严格管理  ", "1.加强教育\n2.严格管理"),
    ("（一）总体要求", "（一）总体要求"),  # full-width brackets are kept
    ("①加强", "①加强"),
    ("领  导  班  子", "领导班子"),
    ("填报单位：某局　　　　填报日期：2026年", "填报单位：某局 填报日期：2026年"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_with_raw_keeps_raw_only_when_different() -> None:
    assert with_raw("风险点") == ("风险点", None)
    assert with_raw("风 险") == ("风险", "风 险")
