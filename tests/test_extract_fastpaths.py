"""The fast paths of segment/extract/link give exactly what the plain code they replace gave.

Each cache or shortcut kept for speed in extraction is checked against a plain reference written
the obvious way (mostly the code as it was before): hashed-once ids, suffix look-ups, the
enumerator splitter with its inlined candidate scan, the required-character prefilters of
regex scans, the one-pass table view with the row tests read from it, the per-document caches
of the item builder, the level mentions the plan reads twice — on generated inputs and on the
cells and paragraphs of real documents.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import enumerators as E
from pipeline.extract import resources
from pipeline.extract import tables as T
from pipeline.ids import IdMaker, stable_id
from pipeline.model import Cell, Document, Loc, Measure, Responsible, Risk, Source, Table
from pipeline.stages import Context
from tests.conftest import SAMPLES, dev_files

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus"


@pytest.fixture(scope="module")
def res() -> Any:
    return resources(Context())


def _docx_inputs() -> list[Path]:
    files = sorted(BENCH.glob("docx-1*p.*.docx"))[:2]
    files += sorted(SAMPLES.rglob("*.docx"))[:3] if SAMPLES.is_dir() else []
    return files + dev_files("*.docx")[:6]


_DOCS: dict[Path, Document] = {}


def _parsed(path: Path) -> Document:
    from pipeline.parse import parse_file

    if path not in _DOCS:
        _DOCS[path] = parse_file(path)
    return _DOCS[path]


def _texts() -> list[str]:
    """Cell texts and paragraphs of real documents (distinct, in order)."""
    out: dict[str, None] = {}
    for p in _docx_inputs():
        d = _parsed(p)
        for t in d.tables():
            for c in t.cells:
                out.setdefault(c.text, None)
        for b in d.blocks:
            if b.table is None:
                out.setdefault(b.text, None)
    return [t for t in out if t]


# -- ids -----------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-5, 10**6), st.text(max_size=12)), max_size=3),
       st.lists(st.one_of(st.integers(-5, 10**6), st.text(max_size=12)), min_size=1, max_size=4))
def test_id_maker_equals_stable_id(head: list[object], rest: list[object]) -> None:
    make = IdMaker("M", *head)
    assert make(*rest) == stable_id("M", *head, *rest)
    assert make.joined("\x1f".join(str(p) for p in rest)) == stable_id("M", *head, *rest)


# -- phrase and unit look-ups --------------------------------------------------------------------


def test_ends_with_equals_scan(res: Any) -> None:
    """The suffix look-up finds the phrase a scan of every phrase, longest first, found."""
    from pipeline.extract.common import key

    idx = res.owners.ranks

    def scan(text: str) -> tuple[str, str] | None:
        k = key(text)
        if not k:
            return None
        if k in idx.exact:
            return idx.exact[k], k
        return next(((lab, pk) for pk, lab, _p in idx.phrases if k.endswith(pk)), None)

    texts = [p for _k, _lab, p in idx.phrases] + ["分管" + p for _k, _lab, p in idx.phrases]
    texts += ["徐千", "", "科室\n负责人", "局长：张三", "主要领导", "纪检组长", "x", "长"]
    for t in texts:
        assert idx.ends_with(t) == scan(t), t


@pytest.mark.parametrize("text", ["办公室", "财政局", "青溪县财政局", "科", "abc局", "人事科科长", "局局", "", "1局",
                                  "办公室主任岗位", "x" * 41 + "局", "  人事 科 "])
def test_is_unit_equals_plain(res: Any, text: str) -> None:
    from pipeline.extract.common import CJK, compact

    o = res.owners
    t = compact(text)
    plain = 2 <= len(t) <= 40 and any(t.endswith(s) for s in o.suffixes) and bool(re.search(f"[{CJK}]", t))
    assert o.is_unit(text) == plain


def test_title_cues_cached_equal_plain(res: Any) -> None:
    from pipeline.extract.kind import LEXICON, title_cues

    plain = sorted({c for rec in res.lex.records(LEXICON) for c in rec.get("title", [])}, key=len, reverse=True)
    assert title_cues(res.lex) == plain
    assert title_cues(res.lex) is title_cues(res.lex)  # built once


# -- the enumerator splitter ---------------------------------------------------------------------


def _candidates_plain(text: str) -> list[tuple[int, E.Enum, bool]]:
    protected = E._protected_spans(text)
    out: list[tuple[int, E.Enum, bool]] = []
    pi = 0
    for m in E._FIRST_CHARS.finditer(text):
        pos = m.start()
        while pi < len(protected) and protected[pi][1] < pos:
            pi += 1
        if pi < len(protected) and protected[pi][0] < pos <= protected[pi][1]:
            continue
        prev = text[pos - 1] if pos else ""
        ch = text[pos]
        if prev and ch in "0123456789" and prev in E._DIGITS:
            continue
        if prev and ch in E._CN_SET and prev in E._CN_SET:
            continue
        if prev and ch in E._LATIN and (prev in E._LATIN or prev in "0123456789"):
            continue
        if prev in ("第", "附"):
            continue
        e = E._match_at(text, pos)
        if e is None:
            continue
        j = pos - 1
        while j >= 0 and text[j] in " \t\u00a0\u3000":
            j -= 1
        strong = j < 0 or text[j] in E._SENTENCE_END
        if not strong and e.style in ("latin", "roman") and text[j] not in E._BREAKS:
            continue
        out.append((pos, e, strong))
    return out


def _chain_plain(cands: list[tuple[int, E.Enum, bool]], start: int) -> list[tuple[int, E.Enum]]:
    pos, first, _ = cands[start]
    chain = [(pos, first)]
    for p, e, _strong in cands[start + 1:]:
        if E._follows(chain[-1][1], e):
            chain.append((p, e))
    return chain


def _chain_ok_plain(text: str, chain: list[tuple[int, E.Enum]]) -> bool:
    return all(text[chain[k][1].end:chain[k + 1][0]].strip(" \t\u3000，,、；;。") for k in range(len(chain) - 1))


def _split_plain(text: str) -> list[tuple[E.Enum | None, str, int]]:
    """split_enumerated as first written: candidate tuples, chains of (pos, enum), an index dict."""
    if not text or not text.strip():
        return []
    cands = _candidates_plain(text)
    lead = len(text) - len(text.lstrip())
    best = None
    for i, (pos, e, strong) in enumerate(cands):
        at_start = pos <= lead
        first = e.value == 1 or (e.style == "dotted" and e.parts[-1] == 1)
        if not at_start and not first:
            continue
        if not strong and not at_start and e.style in ("cn_shi", "latin", "roman"):
            continue
        chain = _chain_plain(cands, i)
        if len(chain) >= 2 and _chain_ok_plain(text, chain):
            best = chain
            break
    lead_space = len(text) - len(text.lstrip(" \t\u00a0\u3000"))
    if best is None:
        e = E.match_enumerator(text)
        if e is not None:
            return [(e, text[e.end:].strip(), lead_space)]
        return [(None, text.strip(), lead_space)]
    groups = [best]
    idx = {pos: i for i, (pos, _, _) in enumerate(cands)}
    i = idx[best[-1][0]] + 1
    while i < len(cands):
        pos, e, _ = cands[i]
        if e.style == best[0][1].style and (e.value == 1 or (e.style == "dotted" and e.parts[-1] == 1)):
            chain = _chain_plain(cands, i)
            if len(chain) >= 2 and _chain_ok_plain(text, chain):
                groups.append(chain)
                i = idx[chain[-1][0]] + 1
                continue
        i += 1
    flat = [item for g in groups for item in g]
    starts = {g[0][0] for g in groups[1:]}
    items: list[tuple[E.Enum | None, str, int]] = []
    if text[: flat[0][0]].strip():
        items.append((None, text[: flat[0][0]].strip(), lead_space))
    for k, (pos, e) in enumerate(flat):
        stop = flat[k + 1][0] if k + 1 < len(flat) else len(text)
        body, label = text[e.end:stop], None
        if stop in starts:
            m = E._GROUP_LABEL.search(body)
            if m:
                label = (m.group(1), e.end + m.start(1))
                body = body[: m.start(1)]
        items.append((e, E._ITEM_TRIM.sub("", body).strip(), pos))
        if label is not None:
            items.append((None, label[0].strip(), label[1]))
    return items


def _same_split(text: str) -> None:
    assert E._candidates(text) == _candidates_plain(text), text
    assert E.split_enumerated(text) == _split_plain(text), text


def test_split_equals_plain_on_real_texts() -> None:
    texts = _texts()
    assert len(texts) > 100
    for t in texts:
        _same_split(t)


_SPLIT_ALPHABET = "一二三十是的、.．)）(（ 　1234567890①②③⑴⒈㈠ⅡⅲIVabc:：，。；;\n《》“”【】\"第附级万元加强制度"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_SPLIT_ALPHABET, max_size=60))
def test_split_equals_plain_generated(text: str) -> None:
    _same_split(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["1.", "2.", "3.", "①", "②", "③", "一是", "二是", "（1）", "（2）", "1.1", "1.2", "2.1",
                                 "事前：", "事后：", "加强教育", "制定制度；", "。", " ", "\n", "一、", "二、", "a.", "b."]),
                max_size=12))
def test_split_equals_plain_lists(parts: list[str]) -> None:
    _same_split("".join(parts))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab；;，,、 \t\n\u3000\u00a0\u2028\u2029\x1c\x85。", max_size=20))
def test_strip_trailing_equals_regex(text: str) -> None:
    assert E.strip_trailing(text) == E._ITEM_TRIM.sub("", text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="《》〔〕[]【】“”\"x一", max_size=200))
def test_protected_spans_skip_equals_scan(text: str) -> None:
    """The opener test in front of the scan only skips texts without an opener."""
    spans, m = [], E._OPENERS.search(text)
    while m is not None:
        i = m.start()
        j = text.find(E._OPEN_QUOTES[text[i]], i + 1)
        if j != -1 and j - i <= 120:
            spans.append((i, j))
            m = E._OPENERS.search(text, j + 1)
        else:
            m = E._OPENERS.search(text, i + 1)
    assert E._protected_spans(text) == spans


def test_value_readers_equal_value() -> None:
    """Each pattern's reader gives what ``_value`` gives for its matches."""
    for text in ["（一）", "一、", "十二是", "1.2.3", "（12）", "3)", "7、", "⑤", "⒊", "㈢", "Ⅳ", "iv.", "(b)", "c.", "⑴"]:
        for p in E._PATTERNS:
            m = p[1].match(text)
            if m is not None:
                assert E._READERS[p](m) == E._value(p[2], m), (text, p[0])


# -- required characters of a regex --------------------------------------------------------------


def _patterns(res: Any) -> list[re.Pattern[str]]:
    from pipeline.extract import prose
    from pipeline.extract.counts import compile_patterns

    spellings = [s for sc in res.levels.scales for step in sc.steps for s in step]
    plex = prose.ProseLexicon(res.lex, spellings)
    out = [rx for _n, _l, rx in compile_patterns(res.lex)]
    out += [plex.inline_rx, plex.lead_rx, plex.chart_rx, plex.flow_break, plex.level_rx, prose._POWER_PREFILTER]
    out += [rx for _s, rx, _k in E._PATTERNS]
    out += [re.compile(p) for p in [r"ab|ac", r"(?:x[yz])+w", r"(?i:k)m", r"a?b", r"[^q]r", r"(?=s)t|u", r"[0-9]v",
                                    r"(a|b)(c|d)", r"\d+元", r"e{2,}|f", r"(?:g|h)?i"]]
    return out


def test_required_sets_are_sound(res: Any) -> None:
    """Every text in which a pattern finds a match passes its prefilter; those that fail it hold none."""
    texts = _texts() + ["共查找廉政风险点47个", "制定防控措施130条", "梳理职权事项26项", "Km", "km", "ac", "xzw", "bcd"]
    for rx in _patterns(res):
        sets = E.required_sets(rx)
        for t in texts:
            if not E.may_match(t, sets):
                assert rx.search(t) is None, (rx.pattern[:60], t[:60])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefghikmqrstuvwxyzK0123456789元风险点个处措施条项权职行岗位流程图共查找制定：:后审", max_size=30))
def test_required_sets_sound_generated(text: str) -> None:
    for rx in _patterns(resources(Context())):
        if rx.search(text) is not None:
            assert E.may_match(text, E.required_sets(rx)), (rx.pattern[:60], text)


def test_required_sets_name_what_matches_need() -> None:
    sets = E.required_sets(re.compile(r"(?:共|累计)[^，]{0,8}?风险点(?:个|处)"))
    assert frozenset("风") in sets and frozenset("个处") in sets
    assert E.required_sets(re.compile("abc", re.I)) == ()
    assert E.required_chars(re.compile(r"x(?i:y)z")) == frozenset("xz")


def test_counts_scan_equals_unfiltered(res: Any) -> None:
    from pipeline.extract.counts import StatedCount, compile_patterns, number, scan

    patterns = compile_patterns(res.lex)

    def plain(text: str) -> list[StatedCount]:
        out = []
        for name, label, rx in patterns:
            for m in rx.finditer(text):
                raw = m.group("num")
                v = number(raw)
                if v is None or v <= 0 or v > 1_000_000:
                    continue
                claim = m.groupdict().get("claim") or ""
                total = claim in ("共", "累计", "合计", "总计", "总共") or any(
                    t in m.group(0)[:6] for t in ("共", "累计", "合计", "总计", "总共"))
                if not raw.isdigit() and v < 10 and not total:
                    continue
                out.append(StatedCount(label, v, m.groupdict().get("qual"), m.span("num"), name, total))
        return sorted(out, key=lambda c: c.span)

    texts = _texts() + ["经自查，共查找廉政风险点47个，制定防控措施130条，梳理职权事项26项，涉及岗位12个，绘制流程图8张。"]
    assert any(scan(t, patterns) for t in texts)
    for t in texts:
        assert scan(t, patterns) == plain(t), t[:60]


# -- tables: the one-pass view -------------------------------------------------------------------

_cells = st.lists(st.tuples(st.integers(-1, 5), st.integers(-1, 5), st.integers(0, 3), st.integers(0, 3),
                            st.sampled_from(["", " ", "a", " b ", "序号", "风险点"])), max_size=12)


def _assert_view(t: Table) -> None:
    try:
        omap = t.origin_map()
    except IndexError:  # a negative position past a table's end: the view fails alike
        with pytest.raises(IndexError):
            T.table_view(t)
        return
    view = T.table_view(t)
    assert [[id(x) for x in row] for row in view.omap] == [[id(x) for x in row] for row in omap]
    assert view.texts == t.grid(filled=True)
    assert view.origin_rows == [[c.row if c is not None else None for c in row] for row in omap]
    assert view.stripped == [[(c.text or "").strip() if c is not None else "" for c in row] for row in omap]
    assert view.has_merges == any(c.row_span > 1 for c in t.cells)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5), st.integers(0, 5), _cells)
def test_table_view_equals_model_views(n_rows: int, n_cols: int, cells: list[tuple[int, int, int, int, str]]) -> None:
    """Overlapping, empty and out-of-range spans included."""
    t = Table(index=0, n_rows=n_rows, n_cols=n_cols,
              cells=[Cell(row=r, col=c, row_span=rs, col_span=cs, text=x) for r, c, rs, cs, x in cells])
    _assert_view(t)


def _is_repeat_header_plain(omap: list[list[Cell | None]], r: int, header: dict[int, str]) -> bool:
    from pipeline.extract.common import key

    if len(header) < 2:
        return False
    same = sum(1 for c, k in header.items() if c < len(omap[r]) and omap[r][c] is not None
               and key(omap[r][c].text) == k)  # type: ignore[union-attr]
    return same >= max(2, int(0.6 * len(header)))


def _group_label_plain(table: Table, omap: list[list[Cell | None]], r: int, seq_col: int | None) -> str | None:
    new = {id(c): c for c in (omap[r][k] for k in range(table.n_cols))
           if c is not None and c.row == r and (c.text or "").strip()}
    cells = [c for c in new.values() if c.col != seq_col or c.col_span > 1]
    if len(cells) != 1:
        return None
    return T._group_text(table, cells[0], seq_col)


def _tables() -> list[Table]:
    return [t for p in _docx_inputs() for t in _parsed(p).tables()]


def test_row_tests_equal_plain_on_real_tables(res: Any) -> None:
    checked = 0
    for t in _tables():
        _assert_view(t)
        view = T.table_view(t)
        cmap = T.detect_header(t, res.headers, None, view.omap)
        header = T._header_keys(cmap) if cmap is not None else {}
        for seq_col in {None, 0, cmap.col("seq") if cmap is not None else None}:
            for r in range(t.n_rows):
                assert T._group_row(t, view, r, seq_col) == _group_label_plain(t, view.omap, r, seq_col)
                assert T._repeats_header(view, r, header) == _is_repeat_header_plain(view.omap, r, header)
                checked += 1
    assert checked


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), _cells, st.sampled_from([None, 0, 1]),
       st.dictionaries(st.integers(0, 5), st.sampled_from(["", "a", "b", "序号", "风险点"]), max_size=6))
def test_row_tests_equal_plain_generated(n_rows: int, n_cols: int, cells: list[tuple[int, int, int, int, str]],
                                         seq_col: int | None, header: dict[int, str]) -> None:
    t = Table(index=0, n_rows=n_rows, n_cols=n_cols,
              cells=[Cell(row=r, col=c, row_span=rs, col_span=cs, text=x) for r, c, rs, cs, x in cells])
    view = T.table_view(t)
    for r in range(n_rows):
        assert T._group_row(t, view, r, seq_col) == _group_label_plain(t, view.omap, r, seq_col)
        assert T._repeats_header(view, r, header) == _is_repeat_header_plain(view.omap, r, header)


def test_read_rows_with_or_without_view(res: Any) -> None:
    for t in _tables():
        cmap = T.detect_header(t, res.headers)
        if cmap is None:
            continue
        a = T.read_rows(t, cmap, res.headers)
        b = T.read_rows(t, cmap, res.headers, None, T.table_view(t))
        assert [(r.rows, r.values, r.columns, r.name, r.measure_cells, r.extra, r.group) for r in a] == \
               [(r.rows, r.values, r.columns, r.name, r.measure_cells, r.extra, r.group) for r in b]
        for row in b:  # label values: the first row's values, stripped, the first column of a label winning
            plain: dict[str, str] = {}
            for c, lab in sorted(cmap.labels.items()):
                v = (row.columns.get(c) or "").strip()
                if v and lab not in plain:
                    plain[lab] = v
            assert row.values == plain


# -- the item builder's caches -------------------------------------------------------------------


def _builder(res: Any, doc: Document | None = None) -> Any:
    from pipeline.extract.items import Builder

    doc = doc or Document(source=Source(path="x.docx", sha256="ab" * 32))
    return Builder(doc, res.owners, res.categories, res.measures)


def test_names_cache_equals_split(res: Any) -> None:
    b = _builder(res)
    for text in ["徐千、李彬", "科室\n负责人", "纪检组长", "", None, "无", "局长 副局长", "徐千、李彬"]:
        assert b.names(text) == res.owners.split(text)
        assert b.names(text) is b.names(text)


def test_responsible_index_equals_scan(res: Any) -> None:
    """The first Responsible of a (name, role) in the list wins, also for ones added from outside."""
    doc = Document(source=Source(path="x.docx", sha256="ab" * 32))
    doc.responsibles.append(Responsible(id="W-0", name="张三", role=None))
    b = _builder(res, doc)
    loc = Loc()
    first = b.responsible("李四", "责任人", loc)
    doc.responsibles.append(Responsible(id="W-x", name="王五", role="责任领导"))  # as link.py does
    doc.responsibles.append(Responsible(id="W-y", name="李四", role="责任人"))
    for name, role in [("张三", None), ("李四", "责任人"), ("王五", "责任领导"), ("王五", None), ("赵六", "text")]:
        got = b.responsible(name, role, loc)
        plain = next(r for r in doc.responsibles if r.name == name and r.role == role)
        assert got is plain
    assert b.responsible("李四", "责任人", loc) is first
    assert [r.id for r in doc.responsibles].count(stable_id("W", doc.source.sha256, "赵六", "text")) == 1


def _measures_plain(res: Any, doc: Document, risk: Risk, text: str, loc: Loc, key_parts: tuple[object, ...],
                    hint: str | None) -> list[Measure]:
    """Builder.measures as first written: validated models, every lexicon test run per item."""
    from pipeline.extract.measures import split_measures

    out = []
    for i, (item, span) in enumerate(split_measures(text, res.measures.placeholders)):
        line, cue = (hint, "column header") if hint else res.measures.defense_line(item)
        out.append(Measure(id=stable_id("M", doc.source.sha256, *key_parts, i), text=item, defense_line=line,
                           responsible=list(risk.responsible), risk=risk.id, generic=res.measures.is_generic(item),
                           loc=loc.model_copy(update={"span": span}),
                           why={"source": "s", "detail": f"defense cue: {cue}" if cue else None}))
    return out


def _dump(m: Measure) -> tuple[Any, ...]:
    return (m.model_dump(), m.model_fields_set, m.loc.model_fields_set, list(m.loc.__dict__), list(m.__dict__))


def test_measures_equal_plain(res: Any) -> None:
    doc = Document(source=Source(path="x.docx", sha256="cd" * 32))
    b = _builder(res, doc)
    risk = Risk(id="R-1", name="违规审批", responsible=["局长", "科长"])
    texts = [c for t in _tables() for c in (x.text for x in t.cells) if len(c) > 4][:300]
    texts += ["", "无", "①加强教育②完善制度", "主要措施：1.公开招标；2.集体决策", "①加强教育②完善制度"]
    for k, text in enumerate(texts):
        for hint in (None, "prevention"):
            loc = Loc(file="x.docx", page=1, block=3, table=0, row=k, col=7) if k % 2 else Loc(block=2)
            got = b.measures(risk, text, loc, why_source="s", key_parts=(0, k, 7), defense_hint=hint)
            assert [_dump(m) for m in got] == [_dump(m) for m in _measures_plain(res, doc, risk, text, loc, (0, k, 7), hint)]
    assert risk.measures == [m.id for m in doc.measures]


def test_table_items_equal_plain_locations() -> None:
    """Risks and measures from table rows carry the locations ``copy_with`` made: the same
    values, keys in the same order and the same fields set."""
    from pipeline.stages import build_pipeline, run_stages

    checked = 0
    for path in _docx_inputs():
        doc = run_stages(_parsed(path).model_copy(deep=True), Context(), build_pipeline())
        by_pos = {(t.index, c.row, c.col): c for t in doc.tables() for c in t.cells}
        for m in doc.measures:
            cell = by_pos.get((m.loc.table, m.loc.row, m.loc.col))
            if cell is None or cell.loc.table is None:
                continue  # running text, or a cell whose location names no table (not read here)
            plain = cell.loc.copy_with({"table": cell.loc.table, "row": cell.row, "col": cell.col,
                                        "block": cell.loc.block}).copy_with({"span": m.loc.span})
            assert m.loc.__dict__ == plain.__dict__ and list(m.loc.__dict__) == list(plain.__dict__)
            assert m.loc.model_fields_set == plain.model_fields_set
            checked += 1
        for r in doc.risks:
            cell = by_pos.get((r.loc.table, r.loc.row, r.loc.col))
            if cell is None or cell.loc.table is None or cell.loc.block is None:
                continue
            plain = cell.loc.copy_with({"table": r.loc.table, "row": r.loc.row, "col": r.loc.col,
                                        "block": cell.loc.block})
            assert r.loc.__dict__ == plain.__dict__ and r.loc.model_fields_set == plain.model_fields_set
            checked += 1
    assert checked


# -- plan: level mentions read once --------------------------------------------------------------


def test_plan_level_mentions_shared_equal_separate(res: Any) -> None:
    from pipeline.extract import plan as P
    from pipeline.model import Plan

    docs = [_parsed(p) for p in _docx_inputs()] + [_parsed(p) for p in dev_files("*.txt")[:4]]
    lex = res.lex.terms(P.LEXICON)
    seen = 0
    for d in docs:
        blocks = [b for b in d.blocks if b.table is None and b.text and b.text.strip()]
        mentions = P._level_mentions(blocks, res, lex)
        a = P._level_scheme(blocks, res, lex, mentions)
        b = P._level_scheme(blocks, res, lex)
        assert a == b
        pa, pb = Plan(), Plan()
        P._owner_by_level(blocks, res, lex, pa, a[0], mentions)
        P._owner_by_level(blocks, res, lex, pb, a[0])
        assert pa == pb
        seen += sum(len(c) for _b, c in mentions)
    assert seen
