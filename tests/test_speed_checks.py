"""The checks' fast paths against the plain behaviour they replace, on tables and generated data."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import api
from pipeline.checks import engine, grading
from pipeline.checks.common import terms
from pipeline.checks.engine import Hit, UnitView, make_finding, rules, run_unit, where
from pipeline.checks.profile import load_profile, profile_from_dict
from pipeline.model import Document, Finding, Loc, Measure, Responsible, Risk, Source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


# -- plain references: the code before the fast paths ------------------------------------------

def plain_finding(rule: engine.Rule, hit: Hit, severity: str, lang: str) -> Finding:
    params = dict(hit.params)
    params_zh = {**params, "where": where(hit.loc, "zh")}
    params_en = {**params, "where": where(hit.loc, "en")}
    for k, v in params.items():
        if isinstance(v, tuple) and len(v) == 2:
            params_zh[k], params_en[k] = v
    zh = rule.message.format_map(engine._Params(params_zh))
    en = rule.message_en.format_map(engine._Params(params_en))
    loc = hit.loc if hit.loc.file else hit.loc.at(file=hit.doc.source.path)
    return Finding(rule=rule.code, name=rule.name, severity=severity, message=en if lang == "en" else zh,
                   message_en=en, hint=rule.hint_en if lang == "en" else rule.hint, loc=loc,
                   refs=list(dict.fromkeys(hit.refs)))


def plain_run_unit(unit: UnitView, lang: str) -> list[tuple[Document, Finding]]:
    out = []
    for code, rule in rules().items():
        if not unit.profile.enabled(code):
            continue
        opts = {**rule.options, **{k: v for k, v in unit.profile.rules.get(code, {}).items() if k != "severity"}}
        for hit in list(rule.check(unit, opts)):
            if unit.profile.suppressed(code, hit.doc.source.path):
                continue
            out.append((hit.doc, plain_finding(rule, hit, unit.profile.severity(code), lang)))
    return out


def plain_touches(text: str, lex: dict[str, tuple[str, ...]]) -> tuple[str, str] | None:
    for label, phrases in lex.items():
        for p in phrases:
            if p in text:
                return label, p
    return None


def _doc(path: str = "a/b.docx") -> Document:
    return Document(source=Source(path=path, format="docx", sha256="0" * 64, size=1))


def _dump(f: Finding) -> dict[str, Any]:
    return {**f.model_dump(), "set": sorted(f.model_fields_set), "loc_set": sorted(f.loc.model_fields_set)}


# -- findings -----------------------------------------------------------------------------------

LOCS = [Loc(), Loc(page=2), Loc(table=0, row=4, col=7), Loc(page=1, table=2, row=3), Loc(block=5),
        Loc(page=3, block=1), Loc(file="x/y.docx", table=1, col=0), Loc(row=2), Loc(col=3, block=9)]
PARAMS: list[dict[str, Any]] = [
    {},
    {"risk": "越权审批"},
    {"risk": "a", "level": ("高", "high"), "owner": ("科长", "section head"), "want": ("局长", "principal")},
    {"where": "given"},
    {"where": ("甲", "A"), "n": 3},
    {"risk": ("一", "two", "three")},  # a 3-tuple is not a (zh, en) pair
    {"unused": 1},
]


@pytest.mark.parametrize("loc", LOCS)
@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_finding_is_as_plain(loc: Loc, params: dict[str, Any], lang: str) -> None:
    refs = ["r1", "m1", "r1", "m2"]
    for rule in rules().values():
        hit = Hit(_doc(), loc, list(refs), dict(params))
        fast = make_finding(rule, hit, "warning", lang)
        assert _dump(fast) == _dump(plain_finding(rule, hit, "warning", lang))
        assert hit.refs == refs and hit.params == params  # the hit is left as it was


@pytest.mark.parametrize("refs", [[], ["a"], ["a", "a"], ["b", "a", "b"]])
def test_finding_refs_are_fresh_lists(refs: list[str]) -> None:
    hit = Hit(_doc(), Loc(), refs, {})
    f = make_finding(rules()["LF101"], hit, "error", "zh")
    assert f.refs == list(dict.fromkeys(refs)) and f.refs is not refs


def test_bad_severity_still_refused() -> None:
    with pytest.raises(ValueError, match="severity"):
        make_finding(rules()["LF101"], Hit(_doc(), Loc(), [], {}), "loud", "zh")


# -- whole units, with and without suppressions ------------------------------------------------

@lru_cache(maxsize=1)
def _read_units() -> tuple[list[Document], ...]:
    # run_unit leaves the documents as they are, so its tests can share one reading
    return tuple(_sample_units())


def _sample_units() -> list[list[Document]]:
    units = [sorted(p.rglob("*.*")) for p in sorted(SAMPLES.iterdir()) if p.is_dir()]
    return [list(api.iter_documents([str(f) for f in files if f.suffix in (".docx", ".xlsx", ".pdf", ".txt")]))
            for files in units]


@pytest.mark.parametrize("profile_data", [
    None,
    {"ignore": [{"rule": "*", "files": "**/*.xlsx"}]},
    {"ignore": [{"rule": "LF101"}, {"rule": "LF105", "files": "**/*.docx"}]},
    {"rules": {"LF109": "off", "LF107": {"severity": "error", "levels": ["low"]}}},
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_run_unit_is_as_plain(profile_data: dict[str, Any] | None, lang: str) -> None:
    profile = load_profile() if profile_data is None else profile_from_dict(profile_data)
    seen = 0
    for docs in _read_units():
        fast = run_unit(UnitView(key="k", name="n", docs=docs, profile=profile), lang)
        plain = plain_run_unit(UnitView(key="k", name="n", docs=docs, profile=profile), lang)
        assert [(id(d), _dump(f)) for d, f in fast] == [(id(d), _dump(f)) for d, f in plain]
        seen += len(fast)
    if profile_data is None:
        assert seen > 0  # the samples do raise findings: the comparison is not vacuous


# -- LF107's phrase scan -------------------------------------------------------------------------

LEX = terms("rules/high_risk_terms.yaml")
PHRASES = [p for ps in LEX.values() for p in ps]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*PHRASES, "风险", "审批", "资金", "\n", "x", "招", "工"]), max_size=6))
def test_touches_is_as_plain(parts: list[str]) -> None:
    text = "".join(parts)
    assert grading._touches(text, "rules/high_risk_terms.yaml") == plain_touches(text, LEX)


@pytest.mark.parametrize("lex", [
    {"a": ("甲乙",), "b": ("乙",)},
    {"a": ("",), "b": ("乙",)},  # an empty phrase is in every text
    {"a": (), "b": ("x.y", "(z)")},  # regex characters are literal
    {},
])
@pytest.mark.parametrize("text", ["", "乙", "甲乙丙", "xay", "x.y", "(z)", "z"])
def test_touches_custom_lexicons(monkeypatch: pytest.MonkeyPatch, lex: dict[str, tuple[str, ...]],
                                 text: str) -> None:
    monkeypatch.setattr(grading, "terms", lambda rel: lex)
    assert grading._touches(text, "any") == plain_touches(text, lex)


# -- per-unit lookups ---------------------------------------------------------------------------

def test_filled_measures_and_ranks_are_as_plain() -> None:
    doc = _doc()
    doc.measures = [Measure(id="m1", text="加强教育"), Measure(id="m2", text="  "), Measure(id="m3", text="公开")]
    doc.responsibles = [Responsible(id="p1", name="张三", rank="principal"),
                        Responsible(id="p2", name="李四", rank="post_holder")]
    doc.risks = [Risk(id="r1", name="a", measures=["m1", "m2", "m9", "m3"], responsible=["张三", " ", "王五（科长）"]),
                 Risk(id="r2", name="b", measures=["m2"], responsible=["李四"], responsible_ranks=["in_charge"]),
                 Risk(id="r3", name="c")]
    view = UnitView(key="k", name="n", docs=[doc], profile=load_profile())
    rank_of = grading._rank_of(doc)
    for r in doc.risks:
        plain = [m for m in view.measures_of(doc, r) if m.text.strip()]
        assert view.filled_measures(doc, r) == plain
        assert view.filled_measures(doc, r) is view.filled_measures(doc, r)  # made once
        assert grading._ranks(doc, r, rank_of) == grading._ranks(doc, r)
    assert [m.id for m in view.filled_measures(doc, doc.risks[0])] == ["m1", "m3"]


def test_risk_state_set_as_assignment_would() -> None:
    from pipeline.checks import check_unit

    docs = _sample_units()[0]
    check_unit(docs)
    risks = [r for d in docs for r in d.risks]
    assert risks
    for r in risks:
        assert "state" in r.model_fields_set and r.state is not None
        twin = r.model_copy()
        twin.state = r.state  # the plain assignment
        assert twin.model_fields_set == r.model_fields_set


# -- measure columns and tables -----------------------------------------------------------------

def plain_measure_columns(doc: Document) -> dict[int, int]:
    from collections import Counter

    by_table: dict[int, Counter[int]] = {}
    for m in doc.measures:
        if m.loc.table is not None and m.loc.col is not None:
            by_table.setdefault(m.loc.table, Counter())[m.loc.col] += 1
    return {t: c.most_common(1)[0][0] for t, c in by_table.items()}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.none() | st.integers(0, 3), st.none() | st.integers(0, 4)), max_size=30))
def test_measure_columns_is_as_plain(places: list[tuple[int | None, int | None]]) -> None:
    from pipeline.checks.common import measure_columns

    doc = _doc()
    doc.measures = [Measure(id=f"m{i}", text="x", loc=Loc(table=t, col=c)) for i, (t, c) in enumerate(places)]
    assert measure_columns(doc) == plain_measure_columns(doc)


def test_tables_of_is_tables_by_index() -> None:
    from pipeline.checks.common import tables_by_index

    n = 0
    for docs in _read_units():
        view = UnitView(key="k", name="n", docs=docs, profile=load_profile())
        for d in docs:
            assert view.tables_of(d) == tables_by_index(d)
            assert view.tables_of(d) is view.tables_of(d)
            n += len(view.tables_of(d))
    assert n > 0


# -- sort order, origin cells, plan grades --------------------------------------------------------

def plain_sort_key(f: Finding) -> tuple[int, int, int, int, str]:
    def n(v: int | None) -> int:
        return -1 if v is None else v

    loc = f.loc
    return (n(loc.table), n(loc.row if loc.row is not None else loc.block), n(loc.page),
            {"error": 0, "warning": 1, "info": 2}.get(f.severity, 3), f.rule)


_opt_int = st.none() | st.integers(0, 5)


@settings(max_examples=200, deadline=None)
@given(st.tuples(_opt_int, _opt_int, _opt_int, _opt_int), st.sampled_from(["error", "warning", "info"]),
       st.sampled_from(["LF101", "LF112"]))
def test_sort_key_is_as_plain(place: tuple[int | None, ...], severity: str, rule: str) -> None:
    from pipeline.checks import _sort_key

    table, row, block, page = place
    f = Finding(rule=rule, severity=severity, message="m", loc=Loc(table=table, row=row, block=block, page=page))
    assert _sort_key(f) == plain_sort_key(f)


def test_origin_cell_is_cell_at() -> None:
    from pipeline.checks.common import cell_at, origin_cell, tables_by_index

    n = 0
    for docs in _read_units():
        for d in docs:
            tables = tables_by_index(d)
            maps: dict[int, Any] = {}
            for t in [*tables, 99]:
                rows = tables[t].n_rows if t in tables else 2
                cols = tables[t].n_cols if t in tables else 2
                for r in range(-1, rows + 1):
                    for c in range(-1, cols + 1):
                        plain = cell_at(d, Loc(table=t, row=r, col=c))
                        assert origin_cell(tables, t, r, c, maps) is plain
                        assert origin_cell(tables, t, r, c) is plain
                        n += plain is not None
    assert n > 0


@pytest.mark.parametrize("raws", [["高", "中", "低"], ["Ⅱ级风险", "一级", "红色预警", ""], ["III级", "4", "黄"]])
def test_interpret_with_names_given_is_as_without(raws: list[str]) -> None:
    from pipeline.checks import _interpret
    from pipeline.checks.common import interpret_in_scheme, level_core
    from pipeline.model import LevelDef

    scheme = [LevelDef(level="high", name="一级"), LevelDef(level="medium", name="二级"),
              LevelDef(level="low", name="三级")]
    assert _interpret(raws, scheme, interpret_in_scheme(raws, scheme)) == _interpret(raws, scheme)
    assert [level_core(r) for r in raws] == [level_core.__wrapped__(r) for r in raws]


# -- sub-items, header labels --------------------------------------------------------------------

def plain_sub_items(text: str | None) -> list[str]:
    from pipeline.checks import consistency as c

    if not text:
        return []
    dotted = [(int(a), int(b)) for a, b in c._DOTTED.findall(text)]
    if dotted and len({a for a, _ in dotted}) == 1 and c._sequence([b for _, b in dotted]):
        return [f"{a}.{b}" for a, b in dotted]
    simple = [int(a) for a in c._SIMPLE.findall(text)]
    return [str(v) for v in simple] if c._sequence(simple) else []


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["1.", "2.", "1.1", "1.2", "２.", "١", "3、", "（2）", "x", "。", " ", "未落实", "①"]),
                max_size=8))
def test_sub_items_is_as_plain(parts: list[str]) -> None:
    from pipeline.checks.consistency import sub_items

    text = "".join(parts)
    assert sub_items(text) == plain_sub_items(text)


@pytest.mark.parametrize("cells", [["风险点", "防控措施", "责任人"], ["序号", "风险等级", None, ""], ["x", "岗位职责"]])
def test_shared_header_labels_are_as_fresh(cells: list[str | None]) -> None:
    from pipeline.checks.template import _column_phrases, _Phrases, column_phrases

    profile = load_profile()
    shared = _column_phrases(profile)
    assert shared is _column_phrases(profile)
    for _ in range(2):  # the second time from the shared cache
        assert [shared.label(c) for c in cells] == [_Phrases(column_phrases(profile)).label(c) for c in cells]


@pytest.mark.parametrize("raws", [["高", "中", "低"], ["Ⅱ级风险", "一级", "红色预警"], ["III级", "4", "黄", "较高"]])
@pytest.mark.parametrize("names", [["一级", "二级", "三级"], ["高", "中", "低"], ["红", "橙", "黄", "蓝"]])
def test_interpret_cached_is_as_fresh(raws: list[str], names: list[str]) -> None:
    from pipeline.checks import _THEIRS, _interpret
    from pipeline.model import LevelDef

    scheme = [LevelDef(level=lv, name=n) for lv, n in zip(["high", "medium", "low", "low"], names, strict=False)]
    _THEIRS.clear()
    fresh = _interpret(raws, scheme)
    assert _THEIRS  # the reading was kept
    assert _interpret(raws, scheme) == fresh  # and gives the same answer again
    _THEIRS.clear()
    assert _interpret(raws, scheme) == fresh


# -- paths and labels --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["a/b.docx", "b.docx", "/x/y/z.tar.gz", "a//b/./c.pdf", "a/b/", ".hidden",
                                  "dir/附件1 风险表.XLSX", "", "a\\b.docx"])
def test_path_split_is_as_path(path: str) -> None:
    from pipeline.units import _split

    p = Path(path)
    assert _split(path) == (str(p.parent), p.stem, p.suffix)


@pytest.mark.parametrize("text", [None, "", "  a  b ", "一" * 29, "一" * 30, "一" * 31, "x\n\ty" * 20])
@pytest.mark.parametrize("n", [1, 20, 30])
def test_short_is_as_plain(text: str | None, n: int) -> None:
    from pipeline.checks.engine import short

    s = " ".join((text or "").split())
    assert short(text, n) == (s if len(s) <= n else s[: n - 1] + "…")
    assert short(text) == short(text, 30)
