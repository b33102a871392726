"""公文 enumerators: matching, Chinese numerals, Word number formats and cell splitting."""

from __future__ import annotations

import json

import pytest
from conftest import DEV_GOLD, dev_files
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.enumerators import (
    chinese_to_int,
    format_number,
    heading_level_for,
    int_to_chinese,
    match_enumerator,
    split_enumerated,
)
from pipeline.normalise import normalise

# -- Chinese numerals ------------------------------------------------------------------------

CHINESE = [
    ("一", 1), ("二", 2), ("两", 2), ("九", 9), ("十", 10), ("十一", 11), ("十二", 12),
    ("二十", 20), ("二十三", 23), ("九十九", 99), ("一百", 100), ("一百零五", 105),
    ("一百一十", 110), ("三百二十一", 321), ("一千", 1000), ("一千零一", 1001),
    ("两千零二十四", 2024), ("〇", 0), ("零", 0), ("壹", 1), ("拾", 10), ("壹拾贰", 12),
    ("贰佰", 200), ("一〇二", 102), ("二〇二四", 2024),
]


@pytest.mark.parametrize(("text", "value"), CHINESE, ids=[c[0] for c in CHINESE])
def test_chinese_to_int(text: str, value: int) -> None:
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", ["", "a", "1", "一a", "十百", "百百", "三四十", "级", "一级", "二是"])
def test_chinese_to_int_rejects(text: str) -> None:
    assert chinese_to_int(text) is None


@pytest.mark.parametrize("n", [1, 2, 9, 10, 11, 19, 20, 21, 99, 100, 101, 110, 999, 1000, 1001, 2024, 9999])
def test_int_to_chinese_round_trip(n: int) -> None:
    assert chinese_to_int(int_to_chinese(n)) == n
    assert chinese_to_int(int_to_chinese(n, legal=True)) == n


# -- Word number formats ---------------------------------------------------------------------

FORMATS = [
    (1, "decimal", "1"), (12, "decimal", "12"),
    (1, "chineseCounting", "一"), (10, "chineseCounting", "十"), (11, "chineseCounting", "十一"),
    (23, "chineseCounting", "二十三"), (101, "chineseCountingThousand", "一百零一"),
    (12, "taiwaneseCountingThousand", "十二"),
    (1, "chineseLegalSimplified", "壹"), (10, "chineseLegalSimplified", "壹拾"),
    (12, "chineseLegalSimplified", "壹拾贰"),
    (1, "ideographTraditional", "甲"), (10, "ideographTraditional", "癸"), (11, "ideographTraditional", "11"),
    (1, "ideographZodiac", "子"), (12, "ideographZodiac", "亥"), (13, "ideographZodiac", "13"),
    (1, "decimalEnclosedCircle", "①"), (20, "decimalEnclosedCircle", "⑳"),
    (21, "decimalEnclosedCircle", "㉑"), (51, "decimalEnclosedCircle", "51"),
    (3, "decimalEnclosedCircleChinese", "③"),
    (7, "decimalFullWidth", "７"), (12, "decimalFullWidth", "１２"),
    (3, "decimalZero", "03"), (12, "decimalZero", "12"),
    (4, "upperRoman", "IV"), (9, "lowerRoman", "ix"), (14, "upperRoman", "XIV"),
    (1, "upperLetter", "A"), (26, "upperLetter", "Z"), (27, "upperLetter", "AA"), (2, "lowerLetter", "b"),
    (10, "ideographDigital", "一〇"), (3, "ideographDigital", "三"),
    (5, "none", ""), (5, "bullet", ""), (5, "someFutureFormat", "5"),
]


@pytest.mark.parametrize(("n", "fmt", "expected"), FORMATS, ids=[f"{f}-{n}" for n, f, _ in FORMATS])
def test_format_number(n: int, fmt: str, expected: str) -> None:
    assert format_number(n, fmt) == expected


# -- match_enumerator ------------------------------------------------------------------------

MATCHES = [
    # text, style, value, parts, raw, content that follows
    ("一、指导思想", "cn_dun", 1, (1,), "一、", "指导思想"),
    ("十二、附则", "cn_dun", 12, (12,), "十二、", "附则"),
    ("二十三、其他", "cn_dun", 23, (23,), "二十三、", "其他"),
    ("三．工作要求", "cn_dun", 3, (3,), "三．", "工作要求"),
    ("  四、 组织领导", "cn_dun", 4, (4,), "四、", "组织领导"),
    ("（一）工作目标", "cn_paren", 1, (1,), "（一）", "工作目标"),
    ("(二)主要任务", "cn_paren", 2, (2,), "(二)", "主要任务"),
    ("（十一）其他", "cn_paren", 11, (11,), "（十一）", "其他"),
    ("一）排查", "cn_paren", 1, (1,), "一）", "排查"),
    ("㈢加强", "cn_paren", 3, (3,), "㈢", "加强"),
    ("1.加强教育", "arabic_dot", 1, (1,), "1.", "加强教育"),
    ("2、制定制度", "arabic_dot", 2, (2,), "2、", "制定制度"),
    ("3．严格执行", "arabic_dot", 3, (3,), "3．", "严格执行"),
    ("12. 完善", "arabic_dot", 12, (12,), "12.", "完善"),
    ("⒋公开", "arabic_dot", 4, (4,), "⒋", "公开"),
    ("（1）排查岗位风险", "arabic_paren", 1, (1,), "（1）", "排查岗位风险"),
    ("(2)排查部门风险", "arabic_paren", 2, (2,), "(2)", "排查部门风险"),
    ("3）落实", "arabic_paren", 3, (3,), "3）", "落实"),
    ("4)落实", "arabic_paren", 4, (4,), "4)", "落实"),
    ("⑸监督", "arabic_paren", 5, (5,), "⑸", "监督"),
    ("①加强学习", "circled", 1, (1,), "①", "加强学习"),
    ("⑫公示", "circled", 12, (12,), "⑫", "公示"),
    ("㉑备案", "circled", 21, (21,), "㉑", "备案"),
    ("一是加强学习", "cn_shi", 1, (1,), "一是", "加强学习"),
    ("二是：完善制度", "cn_shi", 2, (2,), "二是", "完善制度"),
    ("三是，强化监督", "cn_shi", 3, (3,), "三是", "强化监督"),
    ("1.1 总体要求", "dotted", 1, (1, 1), "1.1", "总体要求"),
    ("1.2党政主要领导", "dotted", 2, (1, 2), "1.2", "党政主要领导"),
    ("2.3.4、细则", "dotted", 4, (2, 3, 4), "2.3.4、", "细则"),
    ("1.2. 目标", "dotted", 2, (1, 2), "1.2.", "目标"),
    ("Ⅰ、总则", "roman", 1, (1,), "Ⅰ、", "总则"),
    ("Ⅳ 附则", "roman", 4, (4,), "Ⅳ", "附则"),
    ("IV. 附则", "roman", 4, (4,), "IV.", "附则"),
    ("A.岗位风险", "latin", 1, (1,), "A.", "岗位风险"),
    ("b) 措施", "latin", 2, (2,), "b)", "措施"),
    ("（c）说明", "latin", 3, (3,), "（c）", "说明"),
]


@pytest.mark.parametrize(("text", "style", "value", "parts", "raw", "content"), MATCHES,
                         ids=[m[0] for m in MATCHES])
def test_match_enumerator(text: str, style: str, value: int, parts: tuple[int, ...], raw: str,
                          content: str) -> None:
    e = match_enumerator(text)
    assert e is not None
    assert (e.style, e.value, e.parts, e.raw) == (style, value, parts, raw)
    assert text[e.end:] == content


NOT_ENUMERATORS = [
    "1998年", "2016年3月", "3个", "5项制度", "一级风险", "二级风险点", "一书二图", "三重一大",
    "1.5万元", "2.5亿元", "3.5%", "0.5倍", "2016.3.1", "2016.03", "3.15日", "〔2016〕72号",
    "第1条", "第一章", "《条例》", "一把手", "十八大以来", "四风问题", "五年规划", "",
    "   ", "加强教育", "e.g. 这样", "ABC公司", "二是非", "100米", "12345、", "2016、2017年",
]


@pytest.mark.parametrize("text", NOT_ENUMERATORS)
def test_not_an_enumerator(text: str) -> None:
    assert match_enumerator(text) is None


HEADING_LEVELS = [("cn_dun", 1), ("cn_paren", 2), ("arabic_dot", 3), ("arabic_paren", 4),
                  ("circled", 5), ("cn_shi", None), ("latin", None), ("dotted", None)]


@pytest.mark.parametrize(("style", "level"), HEADING_LEVELS)
def test_heading_level_for(style: str, level: int | None) -> None:
    assert heading_level_for(style) == level


# -- split_enumerated ------------------------------------------------------------------------

SPLITS = [
    # text, expected item texts (enumerators removed), expected raw enumerators (None = preamble)
    ("1.加强教育2.制定制度3.严格执行", ["加强教育", "制定制度", "严格执行"], ["1.", "2.", "3."]),
    ("1.加强教育提醒; 2.制定加油、维修及车辆管理制度;\n3.加强过程管理,每月汇总核对。",
     ["加强教育提醒", "制定加油、维修及车辆管理制度", "加强过程管理,每月汇总核对。"], ["1.", "2.", "3."]),
    ("1、建立台账\n2、定期公示\n3、接受监督", ["建立台账", "定期公示", "接受监督"], ["1、", "2、", "3、"]),
    ("①加强学习②完善制度③强化监督", ["加强学习", "完善制度", "强化监督"], ["①", "②", "③"]),
    ("一是加强学习，二是完善制度；三是强化监督。", ["加强学习", "完善制度", "强化监督。"], ["一是", "二是", "三是"]),
    ("（1）事前审核（2）事中监控（3）事后问责", ["事前审核", "事中监控", "事后问责"], ["（1）", "（2）", "（3）"]),
    ("1.1 明确职责 1.2 规范流程 1.3 强化考核", ["明确职责", "规范流程", "强化考核"], ["1.1", "1.2", "1.3"]),
    ("1.1党政主要领导讲廉洁党课。 1.2分管领导在工作部署中没有体现要求。",
     ["党政主要领导讲廉洁党课。", "分管领导在工作部署中没有体现要求。"], ["1.1", "1.2"]),
    ("主要措施：1.公开招标；2.集体决策；3.全程留痕",
     ["主要措施：", "公开招标", "集体决策", "全程留痕"], [None, "1.", "2.", "3."]),
    # a nested list stays inside its item
    ("1.完善制度\n（1）建立台账（2）定期检查\n2.强化监督",
     ["完善制度\n（1）建立台账（2）定期检查", "强化监督"], ["1.", "2."]),
    # the list starts again under a new label: two groups, the labels kept as their own items
    ("事前预防：1.公开招标；2.集体决策。事后处置：1.审计；2.问责",
     ["事前预防：", "公开招标", "集体决策。", "事后处置：", "审计", "问责"], [None, "1.", "2.", None, "1.", "2."]),
    ("1.建立台账\n2.定期公示\n1.年度考核\n2.责任追究", ["建立台账", "定期公示", "年度考核", "责任追究"],
     ["1.", "2.", "1.", "2."]),
    # a list continued from the previous cell opens with 3.
    ("3.严格审批4.全程公开", ["严格审批", "全程公开"], ["3.", "4."]),
    # quantities and references are not enumerators
    ("单笔1.5万元以上须集体研究2.报主要领导审批", ["单笔1.5万元以上须集体研究2.报主要领导审批"], [None]),
    ("依据〔2016〕72号文件1.严格执行2.定期检查", ["依据〔2016〕72号文件", "严格执行", "定期检查"], [None, "1.", "2."]),
]


@pytest.mark.parametrize(("text", "items", "raws"), SPLITS, ids=[s[0][:16] for s in SPLITS])
def test_split_enumerated(text: str, items: list[str], raws: list[str | None]) -> None:
    got = split_enumerated(text)
    assert [s for _, s, _ in got] == items
    assert [e.raw if e else None for e, _, _ in got] == raws
    for e, s, start in got:  # offsets point back into the text
        if e is not None:
            assert text.startswith(e.raw, start)
            assert text[e.end:].lstrip().startswith(s[:3])


ONE_ITEM = [
    "加强教育，提高认识。",
    "只有1.一条措施",
    "1.加强教育",
    "严格执行《条例》第1条和第2条规定",
    "2016年制定，2017年修订",
    "金额在1.5万元至3.5万元之间",
    "一、二、三级风险分别由主要领导、分管领导、科室负责人负责",
    "统一是原则二是例外",
    "《关于1.加强2.完善的通知》",
    "A.加强",
]


@pytest.mark.parametrize("text", ONE_ITEM)
def test_split_keeps_one_item(text: str) -> None:
    got = split_enumerated(text)
    assert len(got) == 1
    e, s, _ = got[0]
    assert (e.raw if e else "") + s == text.strip()


def test_split_empty() -> None:
    assert split_enumerated("") == []
    assert split_enumerated("  \n ") == []


# -- the real cells of the dev corpus --------------------------------------------------------

def _gold_cases() -> list[tuple[str, list[str]]]:
    """(docx file, gold measure lists of its numbered risks) for every dev .docx with tables."""
    out = []
    for f in dev_files("*.docx"):
        g = DEV_GOLD / f"{f.name}.gold.json"
        if not g.is_file():
            continue
        data = json.loads(g.read_text(encoding="utf-8"))
        lists = [r["measures"] for r in data.get("risks", []) if r.get("measures")]
        if lists:
            out.append((f.name, lists))
    return out


@pytest.mark.parametrize(("name", "gold_lists"), _gold_cases() or [("none", [])],
                         ids=[c[0] for c in _gold_cases()] or ["no-corpus"])
def test_split_reproduces_gold_measures(corpus_dir, name: str, gold_lists: list[list[str]]) -> None:
    """Each gold risk's measures are the split of one table cell: find it and split it."""
    from pipeline.parse.docx import parse

    doc = parse(corpus_dir / "dev" / "files" / name)
    cells = [c.text for t in doc.tables() for c in t.cells]
    if not cells:
        pytest.skip(f"{name} has no table")
    checked = 0
    for measures in gold_lists:
        expected = [normalise(m) for m in measures]
        holders = [c for c in cells if expected[0] in c and expected[-1] in c]
        if not holders:
            continue  # the measures are not in one cell (e.g. a flow chart flattened to text)
        cell = min(holders, key=len)
        assert [normalise(s) for _, s, _ in split_enumerated(cell)] == expected, cell
        checked += 1
    assert checked, f"no gold measure list of {name} was found in a single cell"


# -- properties ------------------------------------------------------------------------------

_ALPHABET = "一二三十是、（）()1234567890.．①②③⑴⒈ⅠⅡab ;；。：\n万元年第《》〔〕加强制度"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_split_and_match_never_fail(text: str) -> None:
    e = match_enumerator(text)
    if e is not None:
        assert 0 < e.end <= len(text) and text.lstrip().startswith(e.raw)
    items = split_enumerated(text)
    starts = [start for _, _, start in items]
    assert starts == sorted(starts) and all(0 <= s <= len(text) for s in starts)
    for enum, item, start in items:
        assert item in text[start:] or enum is None or item == ""
