"""The fast paths give exactly what the plain code they replace gave.

Each optimisation kept for speed (issue 7) is checked here against a plain reference written
the obvious way: enumerator dispatch by first character, the quote scanner, normalisation's
character table and space steps, the table grid views, unvalidated model construction and
copies, the header-label lookup of LF202, the boilerplate test of measures — on tables of
tricky cases and on generated inputs.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pipeline import enumerators as E
from pipeline import normalise as N
from pipeline.model import Cell, Document, Finding, Loc, Measure, Risk, Table, Why
from tests.conftest import SAMPLES, dev_files

# -- enumerators -------------------------------------------------------------------------------


def _match_at_every_pattern(text: str, pos: int) -> E.Enum | None:
    """The matcher before dispatch: every pattern tried, in order, at ``pos``."""
    for style, rx, kind in E._PATTERNS:
        m = rx.match(text, pos)
        if m is None:
            continue
        got = E._value(kind, m)
        if got is None:
            continue
        value, parts = got
        end = m.end()
        if style == "cn_shi":
            if text[end:end + 1] in E._CN_BLOCKERS_AFTER_SHI:
                continue
            end = E._SHI_TAIL.match(text, end).end()  # type: ignore[union-attr]
        else:
            end = E._TRAILING_SPACE.match(text, end).end()  # type: ignore[union-attr]
        return E.Enum(style=style, value=value, parts=parts, raw=text[pos:m.end()], end=end)
    return None


def _protected_by_scan(text: str) -> list[tuple[int, int]]:
    spans, i = [], 0
    while i < len(text):
        close = E._OPEN_QUOTES.get(text[i])
        if close is not None:
            j = text.find(close, i + 1)
            if j != -1 and j - i <= 120:
                spans.append((i, j))
                i = j + 1
                continue
        i += 1
    return spans


ENUM_TEXTS = [
    "（一）指导思想", "(二) 工作目标", "三）主要任务", "一、总体要求", "十二．方法步骤", "一是加强教育；二是完善制度",
    "统一是关键", "一是的", "1.1 建立台账1.2 定期检查", "1.5万元以上", "2024年3月", "1、2、3号", "（1）（2）", "1)a 2)b",
    "①②③", "⑴⒈㈠Ⅱ.", "IV. 附则", "ii) 次要", "a. 第一 b. 第二", "(a)(b)", "第1条", "附件1", "《办法1.》“2.”",
    "", " ", "\u3000一、", "壹、贰、", "二十一、", "〇一、", "两、", "1.1.2.", "1.1/2", "3.1:", "99、100、",
    "风险点1.严格审批2.集体决策3.公开结果", "事前：1.审核2.复核 事后：1.检查2.问责", "Ⅰ级风险", "A–C 级",
]


@pytest.mark.parametrize("text", ENUM_TEXTS)
def test_dispatch_matches_every_pattern_at_every_position(text: str) -> None:
    for pos in range(len(text) + 1):
        assert E._match_at(text, pos) == _match_at_every_pattern(text, pos), (text, pos)


_ENUM_ALPHABET = "一二三十百两〇是的、.．)）(（ 　\u00a01234567890①②⑴⒈㈠ⅡⅲIVXivxabcAB:：，。；\n《》“”【】[]\"第附级万元"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ENUM_ALPHABET, max_size=24))
def test_dispatch_matches_every_pattern_generated(text: str) -> None:
    for pos in range(len(text) + 1):
        assert E._match_at(text, pos) == _match_at_every_pattern(text, pos), (text, pos)


def test_every_first_character_is_bounded() -> None:
    """Each pattern's first characters were worked out (none is tried everywhere by default)."""
    assert E._ANYWHERE == ()
    for style, rx, _kind in E._PATTERNS:
        first = E.first_chars(rx)
        assert first, style


@pytest.mark.parametrize("text", ["《甲》乙“丙”", "《" + "长" * 130 + "》《短》", "“未闭合", "[a]【b】〔c〕\"d\"", "", "《》"])
def test_protected_spans_table(text: str) -> None:
    assert E._protected_spans(text) == _protected_by_scan(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="《》〔〕[]【】“”\"x一", max_size=300))
def test_protected_spans_generated(text: str) -> None:
    assert E._protected_spans(text) == _protected_by_scan(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab；;，,、 \t\n\u3000\u00a0\u2028。", max_size=20))
def test_trailing_separators_without_regex(text: str) -> None:
    from pipeline.extract.common import _TRAIL_SEP, _WS, compact, trim_item

    assert E.strip_trailing(text) == E._ITEM_TRIM.sub("", text)
    assert trim_item(text) == _TRAIL_SEP.sub("", text.strip()).strip()
    assert compact(text) == _WS.sub("", text)


# -- normalisation -----------------------------------------------------------------------------


def _normalise_plain(text: str) -> str:
    """normalise() as first written: translate, then every space step unconditionally."""
    if not text:
        return ""
    s = text.translate(N._table(N._variants()))
    s = N._LETTER_SPACED.sub(lambda m: re.sub(N._HSPACE, "", m.group(0)), s)
    s = N._SPACE_IN_CJK.sub("", s)
    s = N._SPACES.sub(" ", s)
    if "\n" in s:
        s = "\n".join(line.strip() for line in s.split("\n"))
        s = N._BLANK_LINES.sub("\n\n", s).strip("\n")
    return s.strip()


NORMALISE_CASES = ["领 导 班 子", "风险 类别", "ＡＢ１２　全角", "a\u200bb\ufeffc", "⼀⼆", "臵换", "x\r\ny\u2028z",
                   "\t缩进\t", "单位  名称", "一\u3000二", "", "纯文本", "1 2 3", "\n\n\n\n段", "行尾 \n 行首",
                   "领\t导\u3000班 子", "a\u3000\u3000b", "（一） 指导", "。 风险", "x\u2002\u2003\u2009y", "风 \n险",
                   "领 导 班 子 成 员 名 单"]


@pytest.mark.parametrize("text", NORMALISE_CASES)
def test_normalise_equals_plain(text: str) -> None:
    assert N.normalise(text) == _normalise_plain(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted({chr(c) for c in N._table(N._variants())})
                                        + list("风险领导班子 \t\n\u3000\u00a0\u2002ａ１，。")), max_size=40))
def test_normalise_equals_plain_generated(text: str) -> None:
    assert N.normalise(text) == _normalise_plain(text)


# -- the model: grids, unvalidated construction and copies -------------------------------------


def _grid_plain(t: Table, filled: bool) -> list[list[str | None]]:
    out: list[list[str | None]] = [[None] * t.n_cols for _ in range(t.n_rows)]
    for c in t.cells:
        for r in range(c.row, min(c.row + c.row_span, t.n_rows)):
            for k in range(c.col, min(c.col + c.col_span, t.n_cols)):
                if filled or (r == c.row and k == c.col):
                    out[r][k] = c.text
    if filled:
        out = [[v if v is not None else "" for v in row] for row in out]
    return out


def _origin_plain(t: Table) -> list[list[Cell | None]]:
    out: list[list[Cell | None]] = [[None] * t.n_cols for _ in range(t.n_rows)]
    for c in t.cells:
        for r in range(c.row, min(c.row + c.row_span, t.n_rows)):
            for k in range(c.col, min(c.col + c.col_span, t.n_cols)):
                out[r][k] = c
    return out


_cells = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 3), st.integers(0, 3)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5), st.integers(0, 5), _cells)
def test_grid_views_equal_plain(n_rows: int, n_cols: int, cells: list[tuple[int, int, int, int]]) -> None:
    """Overlapping, empty and out-of-range spans included: the views agree cell for cell."""
    t = Table(index=0, n_rows=n_rows, n_cols=n_cols,
              cells=[Cell(row=r, col=c, row_span=rs, col_span=cs, text=f"{i}") for i, (r, c, rs, cs) in enumerate(cells)])
    assert t.grid(filled=True) == _grid_plain(t, True)
    assert t.grid(filled=False) == _grid_plain(t, False)
    assert [[id(x) for x in row] for row in t.origin_map()] == [[id(x) for x in row] for row in _origin_plain(t)]


LOC = {"file": "in/06.docx", "page": 2, "block": 3, "table": 0, "row": 4, "col": 5}
FROM_FIELDS_CASES = [
    (Loc, LOC),
    (Cell, {"row": 1, "col": 2, "text": "办公室", "raw": None, "loc": Loc(**LOC)}),
    (Why, {"source": "lexicons/tables/headers.yaml#measure", "detail": None}),
    (Measure, {"id": "M-1", "text": "集体决策", "defense_line": "prevention", "responsible": ["局长"], "risk": "R-1",
               "generic": False, "loc": Loc(**LOC), "why": None}),
    (Risk, {"id": "R-1", "name": "违规审批", "level_raw": "高", "responsible": ["张三"], "loc": Loc(**LOC)}),
    (Finding, {"rule": "LF101", "name": "risk-without-measure", "severity": "error", "message": "无措施",
               "message_en": "none", "hint": "补", "loc": Loc(**LOC), "refs": ["R-1"]}),
]


def _complete(cls: type[BaseModel], given_values: dict[str, Any]) -> dict[str, Any]:
    """Every field, in field order: the given values, else the default (a fresh one per call)."""
    out = {}
    for name, f in cls.model_fields.items():
        out[name] = given_values[name] if name in given_values else f.get_default(call_default_factory=True)
    return out


@pytest.mark.parametrize("cls,values", FROM_FIELDS_CASES, ids=[c[0].__name__ for c in FROM_FIELDS_CASES])
def test_from_fields_equals_validation(cls: type[BaseModel], values: dict[str, Any]) -> None:
    validated = cls(**values)
    built = cls.from_fields(_complete(cls, values), set(values))  # type: ignore[attr-defined]
    assert built == validated
    assert built.model_fields_set == validated.model_fields_set
    assert list(built.__dict__) == list(validated.__dict__)
    assert built.model_dump_json(exclude_none=True) == validated.model_dump_json(exclude_none=True)
    assert repr(built) == repr(validated)


@pytest.mark.parametrize("changes", [{"span": (0, 4)}, {"row": None, "col": None}, {"file": "x"}, {}])
def test_copy_with_equals_model_copy(changes: dict[str, Any]) -> None:
    base = Loc(**LOC)
    a, b = base.copy_with(changes), base.model_copy(update=changes)
    assert a == b and a.model_fields_set == b.model_fields_set and a is not base
    assert base.at(**changes) == b


def _assert_complete(m: BaseModel, seen: set[int]) -> None:
    """Every model reachable from ``m`` holds exactly its fields, in field order."""
    if id(m) in seen:
        return
    seen.add(id(m))
    assert list(m.__dict__) == list(type(m).model_fields), type(m).__name__
    assert m.__pydantic_extra__ is None and m.__pydantic_private__ is None
    for v in m.__dict__.values():
        for x in v if isinstance(v, list) else (v.values() if isinstance(v, dict) else [v]):
            if isinstance(x, BaseModel):
                _assert_complete(x, seen)


def _inputs() -> list[Path]:
    files = sorted(SAMPLES.rglob("*.docx")) if SAMPLES.is_dir() else []
    return files[:3] + dev_files("*.docx")[:4]


@pytest.mark.parametrize("path", _inputs(), ids=lambda p: p.name)
def test_documents_built_without_validation_are_valid(path: Path) -> None:
    """A document whose cells, locations, risks and measures were built unvalidated holds
    complete models and equals what validating its own JSON gives."""
    from pipeline import api
    from pipeline.checks import check_documents

    doc = api.process_file(path)
    check_documents([doc])
    _assert_complete(doc, set())
    again = Document.model_validate_json(doc.model_dump_json())
    assert again == doc


# -- checks: LF202's header labels -------------------------------------------------------------


def _cell_label_plain(cell: str | None, phrases: dict[str, list[str]]) -> str | None:
    from pipeline.checks.common import key

    k = key(cell)
    if not k or len(k) > 30:
        return None
    best: tuple[int, str] | None = None
    for label, ps in phrases.items():
        for p in ps:
            pk = key(p)
            if not pk:
                continue
            if pk == k:
                return label
            if pk in k and (best is None or len(pk) > best[0]):
                best = (len(pk), label)
    return best[1] if best else None


PHRASES = {"risk": ["风险点", "风险", "廉政风险点"], "measure": ["防控措施", "措施"], "level": ["等级", "风险等级"],
           "responsible": ["责任人", "责任"], "empty": ["", "  "]}


@pytest.mark.parametrize("cell", ["风险点", "廉政风险点名称", "风险等级", "主要防控措施", "责任人（签字）", "序号", "", None,
                                  "风险" * 20, "等级风险", "措施责任"])
def test_header_label_equals_plain(cell: str | None) -> None:
    from pipeline.checks.template import _cell_label

    assert _cell_label(cell, PHRASES) == _cell_label_plain(cell, PHRASES)


# -- extraction: phrase look-up and boilerplate measures --------------------------------------------


def test_phrase_index_match_equals_scan() -> None:
    """The bucketed look-up finds what a scan of every phrase, longest first, found."""
    from pipeline.extract.common import PhraseIndex, key
    from pipeline.extract.tables import HEADERS
    from pipeline.lexicon import load_lexicons

    idx = PhraseIndex(load_lexicons().terms(HEADERS))

    def scan(text: str) -> tuple[str, str, bool] | None:
        k = key(text)
        if not k:
            return None
        if k in idx.exact:
            return idx.exact[k], k, True
        return next(((lab, pk, False) for pk, lab, _p in idx.phrases if pk in k), None)

    texts = [p for _k, _lab, p in idx.phrases] + [p + "说明" for _k, _lab, p in idx.phrases[:40]]
    texts += ["风险点及表现形式", "主要防控措施（制度）", "责任领导/责任人", "序", "", "无关的文字", "岗位（职权）名称"]
    for t in texts:
        assert idx.match(t) == scan(t), t


# -- extraction: boilerplate measures ------------------------------------------------------------


def test_is_generic_equals_plain() -> None:
    from pipeline.extract import resources
    from pipeline.extract.measures import _PUNCT
    from pipeline.stages import Context

    ml = resources(Context()).measures

    def plain(text: str) -> bool:
        s = _PUNCT.sub("", text)
        if not s:
            return False
        hit = False
        for p in ml.boilerplate:
            if p in s:
                s, hit = s.replace(p, ""), True
        if not hit:
            return False
        for f in ml.filler:
            s = s.replace(f, "")
        return len(s) <= 1

    texts = [*ml.boilerplate, *ml.filler, "加强教育，提高认识", "严格执行集体决策制度", "", "。", "加强管理。"]
    texts += [a + b for a in ml.boilerplate[:8] for b in ml.filler[:4]]
    assert [ml.is_generic(t) for t in texts] == [plain(t) for t in texts]


def test_defense_line_equals_counting_every_match() -> None:
    from pipeline.extract import resources
    from pipeline.stages import Context

    ml = resources(Context()).measures
    rx, line_of = ml._defense_rx()

    def plain(text: str) -> tuple[str | None, str | None]:
        counts: dict[str, int] = {}
        first: dict[str, tuple[int, str]] = {}
        for m in rx.finditer(text):
            line = line_of[m.group(0)]
            counts[line] = counts.get(line, 0) + 1
            first.setdefault(line, (m.start(), m.group(0)))
        if not counts:
            return None, None
        best = min(counts, key=lambda ln: (-counts[ln], first[ln][0]))
        return best, first[best][1]

    cues = sorted(line_of)
    texts = ["", "无", *cues, *(a + "，" + b for a in cues[:12] for b in cues[-12:]),
             *(a + b + c for a, b, c in zip(cues, cues[3:], cues[7:], strict=False))]
    assert [ml.defense_line(t) for t in texts] == [plain(t) for t in texts]


# -- preflight: what it still checks before the parser -------------------------------------------


def _docx_with(tmp: Path, parts: dict[str, bytes]) -> Path:
    base = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                             b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>\xe6\xad\xa3\xe6\x96\x87</w:t></w:r>'
                             b'</w:p></w:body></w:document>',
    }
    base.update(parts)
    p = tmp / "x.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in base.items():
            z.writestr(name, data)
    return p


@pytest.mark.parametrize("parts,code", [
    ({"word/settings.xml": b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "b">]><s/>'}, "xml_doctype"),
    ({"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "b">]><d>&a;</d>'}, "xml_doctype"),
    ({}, None),
])
def test_docx_parts_still_refused(tmp_path: Path, parts: dict[str, bytes], code: str | None) -> None:
    """A DTD in a part the parser never reads is refused by preflight; in word/document.xml by
    the parser, which searches the whole part."""
    from pipeline.parse import parse_file

    doc = parse_file(_docx_with(tmp_path, parts))
    assert [e.code for e in doc.errors if e.code == code] == ([code] if code else [])
    assert (doc.status == "failed") == (code is not None)
