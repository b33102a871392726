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


# -- the .docx parser: plain tables, batch construction, and the cheaper guards ------------------
#
# A table of plain cells is read from a few C-level iter() calls (pipeline.parse.docx
# _Walker._plain_table); with docx._FAST off every table takes the element-by-element walk it
# stands for. Documents are generated from the constructs that walk treats specially, mixed
# with plain ones, and parsed both ways.

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_NS = (f'xmlns:w="{_W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
            'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
            'xmlns:x="urn:example:not-word"')
_DOCX_STYLES = (
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
    '<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>')
_DOCX_NUMBERED_STYLE = ('<w:style w:type="paragraph" w:styleId="NumStyle"><w:name w:val="List Number"/>'
                        '<w:pPr><w:numPr><w:numId w:val="2"/></w:numPr></w:pPr></w:style>')
_DOCX_NUMBERING = (
    '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
    '<w:lvlText w:val="%1、"/></w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'
    '<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1."/><w:pStyle w:val="NumStyle"/></w:lvl></w:abstractNum>'
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num><w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>')


def _docx_package(path: Path, body: str, *, styles: str | None = None, numbering: str | None = None) -> Path:
    doc = f'<?xml version="1.0" encoding="UTF-8"?><w:document {_DOCX_NS}><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("word/document.xml", doc)
        if styles is not None:
            z.writestr("word/styles.xml", f'<?xml version="1.0"?><w:styles {_DOCX_NS}>{styles}</w:styles>')
        if numbering is not None:
            z.writestr("word/numbering.xml", f'<?xml version="1.0"?><w:numbering {_DOCX_NS}>{numbering}</w:numbering>')
    return path


def _parse_fast_and_plain(path: Path) -> tuple[Document, Document]:
    from pipeline.parse import docx as D

    fast = D.parse(path)
    D._FAST = False
    try:
        plain = D.parse(path)
    finally:
        D._FAST = True
    return fast, plain


def _assert_same_document(a: Document, b: Document) -> None:
    assert a.model_dump_json() == b.model_dump_json()
    assert a.model_dump_json(exclude_unset=True) == b.model_dump_json(exclude_unset=True)  # the fields set too
    assert a == b


_TEXT = st.text(alphabet="风险点防控措施岗位 　ab1。；", min_size=0, max_size=6)
_PLAIN_RUNS = ["<w:r><w:t>{a}</w:t></w:r>", '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{a}</w:t></w:r>',
               "<w:r><w:t>{a}</w:t><w:t>{b}</w:t></w:r>", "<w:r><w:t/></w:r>", "<w:r/>", "<w:proofErr/>",
               '<w:bookmarkStart w:id="1" w:name="b"/>', "<w:r><w:softHyphen/><w:t>{a}</w:t></w:r>",
               "<w:r><w:delText>{a}</w:delText><w:instrText>PAGE</w:instrText></w:r>",
               '<w:r><w:fldChar w:fldCharType="begin"/></w:r>']
_ODD_RUNS = ["<w:r><w:tab/><w:t>{a}</w:t></w:r>", "<w:r><w:t>{a}</w:t><w:br/></w:r>", '<w:r><w:br w:type="page"/></w:r>',
             "<w:r><w:cr/></w:r>", "<w:r><w:lastRenderedPageBreak/><w:t>{a}</w:t></w:r>", "<w:r><w:ptab/></w:r>",
             '<w:r><w:sym w:char="F0B7"/></w:r>', "<w:r><w:noBreakHyphen/></w:r>",
             "<w:r><w:drawing><wp:inline><w:txbxContent><w:p><w:r><w:t>{a}</w:t></w:r></w:p></w:txbxContent>"
             "</wp:inline></w:drawing></w:r>",
             "<w:r><mc:AlternateContent><mc:Choice><w:t>{a}</w:t></mc:Choice></mc:AlternateContent></w:r>",
             "<w:hyperlink><w:r><w:t>{a}</w:t></w:r></w:hyperlink>", "<w:ins><w:r><w:t>{a}</w:t></w:r></w:ins>",
             "<w:del><w:r><w:t>{a}</w:t></w:r></w:del>", "<w:moveFrom><w:r><w:t>{a}</w:t></w:r></w:moveFrom>",
             "<w:sdt><w:sdtContent><w:r><w:t>{a}</w:t></w:r></w:sdtContent></w:sdt>",
             "<w:smartTag><w:r><w:t>{a}</w:t></w:r></w:smartTag>", "<w:fldSimple><w:r><w:t>{a}</w:t></w:r></w:fldSimple>",
             "<m:oMath><m:r><m:t>{a}</m:t></m:r></m:oMath>",
             "<w:r><w:ruby><w:rt><w:r><w:t>{b}</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>{a}</w:t></w:r></w:rubyBase>"
             "</w:ruby></w:r>",
             "<x:wrap><w:r><w:t>{a}</w:t></w:r></x:wrap>", "<w:t>{a}</w:t>", "<w:r><x:t>{a}</x:t></w:r>",
             "<w:r><w:r><w:t>{a}</w:t></w:r></w:r>", "<x:wrap><w:t>{a}</w:t></x:wrap>", "<w:del><w:t>{a}</w:t></w:del>"]
_PPRS = ["", "", "<w:pPr/>", '<w:pPr><w:pStyle w:val="TableText"/></w:pPr>', '<w:pPr><w:jc w:val="center"/></w:pPr>',
         '<w:pPr><w:pStyle w:val="NumStyle"/></w:pPr>', '<w:pPr><w:pStyle w:val="Missing"/></w:pPr>',
         '<w:pPr><w:numPr><w:ilvl w:val="{i}"/><w:numId w:val="{n}"/></w:numPr></w:pPr>',
         '<w:pPr><w:numPr><w:numId w:val="{n}"/></w:numPr></w:pPr>',
         '<w:pPr><w:pStyle w:val="NumStyle"/><w:numPr><w:ilvl w:val="{i}"/></w:numPr></w:pPr>',
         '<w:pPr><w:pPrChange><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:pPrChange></w:pPr>',
         "<w:pPr><w:pageBreakBefore/></w:pPr>", '<w:pPr><w:sectPr><w:type w:val="continuous"/></w:sectPr></w:pPr>']
_TCPRS = ["", "", '<w:tcPr><w:tcW w:w="900"/></w:tcPr>', '<w:tcPr><w:gridSpan w:val="{s}"/></w:tcPr>',
          "<w:tcPr><w:vMerge/></w:tcPr>", '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>',
          '<w:tcPr><w:vMerge w:val="continue"/></w:tcPr>', '<w:tcPr><w:gridSpan w:val="{s}"/><w:vMerge/></w:tcPr>',
          '<w:tcPr><w:hMerge w:val="continue"/></w:tcPr>', '<w:tcPr><w:hMerge w:val="restart"/></w:tcPr>',
          '<w:tcPr><w:gridSpan w:val="x"/></w:tcPr>',
          '<w:tcPr><w:tcPrChange><w:tcPr><w:vMerge w:val="restart"/></w:tcPr></w:tcPrChange></w:tcPr>']


@st.composite
def _paragraph(draw: Any, odd: bool) -> str:
    runs = _PLAIN_RUNS * 3 + (_ODD_RUNS if odd else [])
    kids = []
    for _ in range(draw(st.integers(0, 3))):
        kids.append(draw(st.sampled_from(runs)).format(a=draw(_TEXT), b=draw(_TEXT)))
    ppr = draw(st.sampled_from(_PPRS)).format(i=draw(st.sampled_from([0, 1])), n=draw(st.sampled_from([1, 2, 0, 9])))
    if odd and ppr and kids and draw(st.integers(0, 9)) == 0:
        return f"<w:p>{kids[0]}{ppr}{''.join(kids[1:])}</w:p>"  # w:pPr out of place: not read
    return f"<w:p>{ppr}{''.join(kids)}</w:p>"


@st.composite
def _table(draw: Any, odd: bool, depth: int = 0) -> str:
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        cells = []
        for _ in range(draw(st.integers(1, 4))):
            tcpr = draw(st.sampled_from(_TCPRS)).format(s=draw(st.sampled_from([1, 2, 3])))
            content = "".join(draw(_paragraph(odd)) for _ in range(draw(st.integers(0, 2))))
            shape = draw(st.integers(0, 24)) if odd else 0
            if shape == 1 and depth < 1:
                content += draw(_table(odd, depth + 1)) + "<w:p/>"
            elif shape == 2:
                content = f"<w:sdt><w:sdtContent>{content}</w:sdtContent></w:sdt>"
            elif shape == 3:
                content = f"<x:wrap>{content}</x:wrap>"
            elif shape == 4:  # runs outside any paragraph: not read
                content += draw(st.sampled_from(["<x:wrap><w:r><w:t>{a}</w:t></w:r></x:wrap>",
                                                 "<w:r><w:t>{a}</w:t></w:r>"])).format(a=draw(_TEXT))
            elif shape in (5, 6) and tcpr:
                cells.append(f"<w:tc><w:p/>{content}{tcpr}</w:tc>")  # w:tcPr out of place: not read
                continue
            elif shape == 7:  # merge properties outside any w:tcPr: not read
                tcpr = tcpr.replace("w:tcPr>", "x:props>")
            elif shape == 8:  # a cell outside its row: not read
                cells.append(f"<x:wrap><w:tc>{tcpr}{content}</w:tc></x:wrap>")
                continue
            cells.append(f"<w:tc>{tcpr}{content}</w:tc>")
        shape = draw(st.integers(0, 19)) if odd else 0
        trpr = '<w:trPr><w:gridBefore w:val="1"/></w:trPr>' if shape == 1 else "<w:trPr><w:tblHeader/></w:trPr>"
        row = f"<w:tr>{trpr}{''.join(cells)}</w:tr>"
        rows.append(f"<w:customXml>{row}</w:customXml>" if shape == 2 else f"<x:wrap>{row}</x:wrap>" if shape == 3 else row)
    cols = draw(st.integers(0, 4))
    grid = f"<w:tblGrid>{'<w:gridCol/>' * cols}</w:tblGrid>" if cols else ""
    return f"<w:tbl><w:tblPr/>{grid}{''.join(rows)}</w:tbl>"


@st.composite
def _document(draw: Any) -> tuple[str, str | None, str | None]:
    odd = draw(st.booleans())
    parts = [draw(_table(odd)) if draw(st.booleans()) else draw(_paragraph(odd)) for _ in range(draw(st.integers(1, 4)))]
    styles = draw(st.sampled_from([None, _DOCX_STYLES, _DOCX_STYLES + _DOCX_NUMBERED_STYLE]))
    numbering = draw(st.sampled_from([None, _DOCX_NUMBERING]))
    return "".join(parts), styles, numbering


@settings(max_examples=250, deadline=None)
@given(_document())
def test_docx_plain_tables_equal_walk_generated(tmp_path_factory: pytest.TempPathFactory,
                                                doc: tuple[str, str | None, str | None]) -> None:
    body, styles, numbering = doc
    path = _docx_package(tmp_path_factory.mktemp("docx") / "g.docx", body, styles=styles, numbering=numbering)
    fast, plain = _parse_fast_and_plain(path)
    _assert_same_document(fast, plain)


def _table_element(body: str) -> Any:
    from lxml import etree

    root = etree.fromstring(f'<w:document {_DOCX_NS}><w:body>{body}</w:body></w:document>'.encode())
    return root.find(f".//{{{_W_NS}}}tbl")


def _walker(*, numbered_style: bool = False, lists: bool = False) -> Any:
    from lxml import etree

    from pipeline.parse import docx as D

    styles = _DOCX_STYLES + (_DOCX_NUMBERED_STYLE if numbered_style else "")
    st_root = etree.fromstring(f"<w:styles {_DOCX_NS}>{styles}</w:styles>".encode())
    num_root = etree.fromstring(f"<w:numbering {_DOCX_NS}>{_DOCX_NUMBERING}</w:numbering>".encode()) if lists else None
    parsed = D._Styles(st_root)
    return D._Walker(parsed, D.Numbering(num_root, parsed.num_of_styles()))


_PLAIN_TABLE = ('<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>'
                '<w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>科室</w:t></w:r></w:p></w:tc>'
                '<w:tc><w:p><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>风险</w:t></w:r>'
                '<w:r><w:t>点</w:t></w:r></w:p><w:p/><w:p><w:r><w:t>措施</w:t></w:r></w:p></w:tc></w:tr>'
                '<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc><w:p><w:r><w:t>第二行</w:t></w:r></w:p></w:tc>'
                '</w:tr></w:tbl>')


@pytest.mark.parametrize("lists,numbered_style", [(False, False), (True, False), (False, True), (True, True)])
def test_docx_plain_table_taken_and_equal(lists: bool, numbered_style: bool) -> None:
    """A table of plain cells takes the fast path, whichever reading of list numbers applies,
    and gives what the walk gives, list numbers included."""
    from pipeline.parse import docx as D

    fast = _walker(lists=lists, numbered_style=numbered_style)._plain_table(_table_element(_PLAIN_TABLE), None)
    plain = _walker(lists=lists, numbered_style=numbered_style)
    D._FAST = False
    try:
        walked = plain.table(_table_element(_PLAIN_TABLE), None)
    finally:
        D._FAST = True
    assert fast is not None

    def cells(t: Any) -> list[list[Any]]:
        return [[*c[:D._TABLES], list(c[D._TABLES])] for c in t.cells]  # the fast path has no nested tables: ()

    assert (fast.n_rows, fast.n_cols, cells(fast)) == (walked.n_rows, walked.n_cols, cells(walked))
    texts = [c[D._TEXT] for c in fast.cells]
    assert texts == ["科室", "一、风险点\n措施" if lists else "风险点\n措施", "第二行"]
    assert fast.cells[0][D._ROWSPAN] == 2


@pytest.mark.parametrize("odd", [
    "<w:r><w:tab/></w:r>", "<w:r><w:br/></w:r>", "<w:r><w:lastRenderedPageBreak/></w:r>",
    "<w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink>", "<w:ins><w:r><w:t>插入</w:t></w:r></w:ins>",
    "<w:del><w:r><w:t>删除</w:t></w:r></w:del>", "<x:wrap><w:r><w:t>外来</w:t></w:r></x:wrap>",
    "<w:t>直接</w:t>", "<m:oMath><m:r><m:t>x</m:t></m:r></m:oMath>", "<w:r><w:r><w:t>套</w:t></w:r></w:r>",
])
def test_docx_plain_table_refused(odd: str) -> None:
    """A table holding anything the walk reads otherwise than plain text is left to the walk,
    and the list counters are as they were (a refusal part-way gives back the numbers used)."""
    body = _PLAIN_TABLE.replace("<w:r><w:t>第二行</w:t></w:r>", odd)
    for lists in (False, True):
        w = _walker(lists=lists, numbered_style=True)
        before = w.numbering.counters()
        assert w._plain_table(_table_element(body), None) is None
        assert w.numbering.counters() == before and w.table_count == 0


@pytest.mark.parametrize("cell", [
    '<w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p><w:tcPr><w:vMerge/></w:tcPr></w:tc>',  # w:tcPr not first
    '<w:tc><w:p><w:r><w:t>a</w:t></w:r><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:p></w:tc>',
    '<w:tc><x:wrap><w:p><w:r><w:t>a</w:t></w:r></w:p></x:wrap></w:tc>',
    '<w:tc><x:wrap><w:r><w:t>a</w:t></w:r></x:wrap></w:tc>', '<w:tc><w:p><x:wrap><w:t>a</w:t></x:wrap></w:p></w:tc>',
    '<w:tc><w:tcPr><w:tcPrChange><w:tcPr><w:vMerge/></w:tcPr></w:tcPrChange></w:tcPr><w:p/></w:tc>',
    '<w:tc><x:props><w:vMerge/></x:props><w:p/></w:tc>', '<x:wrap><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></x:wrap>',
])
@pytest.mark.parametrize("lists", [False, True])
def test_docx_misplaced_elements_read_as_the_walk_reads_them(tmp_path: Path, cell: str, lists: bool) -> None:
    """Properties, runs and paragraphs where the walk does not look for them count for nothing
    there, whether the table is read with list numbers or without."""
    numbered = '<w:tc><w:p><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>甲</w:t></w:r></w:p></w:tc>'
    body = f"<w:tbl><w:tr>{numbered}{cell}</w:tr><w:tr>{numbered}{cell}</w:tr></w:tbl>"
    path = _docx_package(tmp_path / "m.docx", body, styles=_DOCX_STYLES, numbering=_DOCX_NUMBERING if lists else None)
    fast, plain = _parse_fast_and_plain(path)
    _assert_same_document(fast, plain)
    cells = fast.blocks[0].table.cells  # type: ignore[union-attr]
    assert [c.text for c in cells if c.col == 0] == (["一、甲", "二、甲"] if lists else ["甲", "甲"])
    assert all(c.row_span == 1 for c in cells)


@pytest.mark.parametrize("path", [*sorted(Path(__file__).parent.parent.glob("benchmarks/corpus/docx-*p.*.docx"))[:3],
                                  *dev_files("*.docx")[:6]], ids=lambda p: p.name)
def test_docx_documents_equal_walk(path: Path) -> None:
    fast, plain = _parse_fast_and_plain(path)
    _assert_same_document(fast, plain)


def test_from_fields_many_equals_from_fields() -> None:
    values = [{"file": "a.docx", "page": 1, "block": 3, "table": 0, "row": r, "col": c, "span": None}
              for r in range(3) for c in range(2)]
    fields = frozenset({"file", "page", "block", "table", "row", "col"})
    many = Loc.from_fields_many([dict(v) for v in values], fields)
    one = [Loc.from_fields(dict(v), set(fields)) for v in values]
    assert many == one
    assert [m.model_fields_set for m in many] == [o.model_fields_set for o in one]
    assert [m.model_dump_json(exclude_unset=True) for m in many] == [o.model_dump_json(exclude_unset=True) for o in one]
    assert all(type(m) is Loc and m.__pydantic_extra__ is None and m.__pydantic_private__ is None for m in many)
    many[0].__pydantic_fields_set__.add("span")  # each instance has its own set
    assert "span" not in many[1].model_fields_set


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "风险 点", "领 导 班 子", "ＡＢ１", "甲\n\n\n\n乙", "\ue000", "a\u3000b",
                                 "措施；", "\t缩进", "中", "中"]), max_size=12))
def test_normalise_all_with_repeats_equals_one_by_one(texts: list[str]) -> None:
    from pipeline.normalise import with_raw
    from pipeline.parse.docx import _normalise_all

    assert _normalise_all(texts) == [with_raw(t) if t else ("", None) for t in texts]


def _check_prolog_plain(head: bytes, limit: int, complete: bool) -> str | None:
    """check_prolog as first written: the whole head decoded, then walked (the refusal, or None)."""
    from pipeline.guards.xmlguard import _decode_head

    text = _decode_head(head[:limit + 16])
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text.startswith("<?", i):
            j = text.find("?>", i + 2)
            if j < 0:
                break
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                break
            i = j + 3
        elif text.startswith("<!", i):
            return "declares a DOCTYPE" if text[i:i + 9].upper() == "<!DOCTYPE" else "has a markup declaration"
        else:
            return None
    if "<!ENTITY" in text or "<!DOCTYPE" in text.upper():
        return "declares a DOCTYPE"
    if not complete and len(head) > limit:
        return "has a prolog longer"
    return None


_PROLOG_PIECES = ['<?xml version="1.0"?>', "\n", "  ", "<!-- 注释 -->", "<!--" + "长" * 1400 + "-->", "<?pi data?>",
                  "<!DOCTYPE d>", "<!doctype d>", "<!ENTITY e 'v'>", "<!ELEMENT a ANY>", "<a/>",
                  "<root>正文<!DOCTYPE x></root>", "<!--", "<?", "é" * 2047, "?>", "-->", "<!-", "<!DOC"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PROLOG_PIECES), max_size=8), st.sampled_from(["utf-8", "utf-16", "utf-16-be"]),
       st.sampled_from([65536, 5000, 4100, 100]), st.booleans(), st.integers(0, 4200), st.sampled_from([" ", "é", "长"]))
def test_check_prolog_equals_whole_head_walk(pieces: list[str], encoding: str, limit: int, complete: bool,
                                             pad: int, filler: str) -> None:
    """The walk over the first 4 KB decides as the walk over the whole head does, wherever the
    4 KB boundary falls (within a multi-byte character, a comment, a declaration)."""
    from pipeline.errors import InputError
    from pipeline.guards.xmlguard import check_prolog

    lead = " " * pad if filler == " " else f"<!--{filler * (pad // len(filler.encode()))}-->"
    head = (lead + "".join(pieces)).encode(encoding)
    want = _check_prolog_plain(head, limit, complete)
    try:
        check_prolog(head, "p.xml", limit=limit, complete=complete)
        got = None
    except InputError as e:
        assert e.code == "xml_doctype"
        got = str(e)
    assert (got is None) == (want is None) and (want is None or want in got), (got, want)


@pytest.mark.parametrize("tail", ["<!DOCTYPE a>", "<!-- c --><a/>", "<?p x?><a/>", "<!ELEMENT a>", " <a/>"])
@pytest.mark.parametrize("shift", range(-12, 4))
def test_check_prolog_at_the_4k_boundary(tail: str, shift: int) -> None:
    """A declaration or the root starting right before, across or after byte 4096."""
    from pipeline.errors import InputError
    from pipeline.guards.xmlguard import check_prolog

    head = (" " * (4096 + shift) + tail + " " * 50).encode()
    want = _check_prolog_plain(head, 65536, True)
    try:
        check_prolog(head, "p.xml", complete=True)
        got = None
    except InputError as e:
        got = str(e)
    assert (got is None) == (want is None) and (want is None or want in got), (got, want)


@pytest.mark.parametrize("data,refused", [
    (b'<?xml version="1.0"?><a>no marker here</a>', False), (b"<a>!</a>", False), (b"<a>x</a><!ENTITY e>", True),
    (b"<a><![CDATA[<!DOCTYPE]]></a>", True), (b"<a>" + b"\xe4\xb8\xad" * 3000 + b"<!DOCTYPE x></a>", True),
])
def test_reject_doctype_searches_only_parts_with_a_bang(data: bytes, refused: bool) -> None:
    from pipeline.errors import InputError
    from pipeline.guards.xmlguard import reject_doctype

    if refused:
        with pytest.raises(InputError):
            reject_doctype(data, "word/document.xml")
    else:
        reject_doctype(data, "word/document.xml")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300), st.lists(st.sampled_from([b"PK", b"\x05\x06", b"PK\x05\x06", b"\x00", b"x" * 7]),
                                        max_size=12), st.integers(-3, 3))
def test_end_record_equals_search_of_whole_tail(comment: bytes, extra: list[bytes], size_off: int) -> None:
    """The end record found from the last 22 bytes is the one the search of the whole 64 KB
    tail finds, whatever follows the record (a comment, junk) and even when the file is
    shorter or longer than its size said."""
    import io

    from pipeline.guards.zipguard import _end_record

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<a/>")
        z.comment = comment
    data = buf.getvalue() + b"".join(extra)
    size = max(0, len(data) + size_off)
    tail, pos, tail_len = _end_record(io.BytesIO(data), size)
    f = io.BytesIO(data)  # the search as first written: the whole tail
    whole_len = min(size, 22 + 0xFFFF)
    f.seek(size - whole_len)
    whole = f.read(whole_len)
    whole_pos = whole.rfind(b"PK\x05\x06")
    assert (pos < 0 or pos + 22 > len(tail)) == (whole_pos < 0 or whole_pos + 22 > len(whole))
    if not (pos < 0 or pos + 22 > len(tail)):
        assert size - tail_len + pos == size - whole_len + whole_pos  # the same place in the file
        assert tail[pos:pos + 22] == whole[whole_pos:whole_pos + 22]
