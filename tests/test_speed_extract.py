"""The per-process memos and shortcuts of the extract stage give what the plain code gives.

Each is compared with the plain function it stands for, on generated texts and on the cells
of real documents: the memos of measure splitting and of an item's defense line and
boilerplate flag, and their bound on memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import measures as M
from pipeline.extract import resources
from pipeline.model import Section
from pipeline.stages import Context
from tests.conftest import SAMPLES, dev_files

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus"


@pytest.fixture(scope="module")
def res() -> Any:
    return resources(Context())


def _fresh(res: Any) -> M.MeasureLexicon:
    """A lexicon with the stage's terms and empty memos."""
    m = res.measures
    return M.MeasureLexicon(defense=m.defense, boilerplate=m.boilerplate, filler=m.filler,
                            placeholders=m.placeholders)


MEASURE_TEXTS = [
    "", "  \n", "无", "暂无。", "—",
    "1.加强教育提醒; 2.制定加油、维修及车辆管理制度;\n3.加强过程管理,接受各界监督。",
    "①建立台账②定期公示③责任追究",
    "一是建立联合监督机制;二是修订完善管理办法;三是加强业务指导。",
    "采取以下措施:1.建立台账2.定期公示",
    "事前：1.事前审批 2.事前公示 事后：1.事后检查 2.事后通报",
    "加强廉政教育，提高思想认识。",
    "严格执行“三重一大”集体决策制度，明确决策事项范围和程序",
    "加强监督检查，事后跟踪问效，发现问题及时处置",
]

_ITEM_CHARS = st.sampled_from(list("123一二三是、.．;；:：，。 \n①②（）(教育监督检查审批公示处置预防加强制度落实无"))


def _real_inputs() -> list[Path]:
    files = sorted(BENCH.glob("docx-10p.*.docx"))[:1]
    files += sorted(SAMPLES.rglob("*.docx"))[:3] if SAMPLES.is_dir() else []
    return files + dev_files("*.docx")[:4]


def _real_cells(limit: int = 1500) -> list[str]:
    """The table cells of real documents (the texts measure splitting meets)."""
    from pipeline.parse import parse_file

    out: list[str] = []
    for path in _real_inputs():
        for t in parse_file(path).tables():
            out.extend(c.text for c in t.cells)
    return out[:limit]


@pytest.mark.parametrize("text", MEASURE_TEXTS)
def test_split_memo_is_split_measures(res: Any, text: str) -> None:
    lex = _fresh(res)
    want = M.split_measures(text, lex.placeholders)
    assert lex.split(text) == want
    assert lex.split(text) == want  # the memo's answer, the second time


def test_split_memo_on_real_cells(res: Any) -> None:
    cells = _real_cells()
    if not cells:
        pytest.skip("no benchmark, sample or dev documents here")
    lex = _fresh(res)
    for text in cells + cells:
        assert lex.split(text) == M.split_measures(text, lex.placeholders)


@settings(max_examples=200, deadline=None)
@given(st.text(_ITEM_CHARS, max_size=40))
def test_memos_on_generated_text(text: str) -> None:
    lex = _fresh(resources(Context()))
    assert lex.split(text) == M.split_measures(text, lex.placeholders)
    line, cue = lex.defense_line(text)
    assert lex.facts(text) == (line, cue, lex.is_generic(text))
    assert lex.facts(text) == (line, cue, lex.is_generic(text))


@pytest.mark.parametrize("text", [t for t in MEASURE_TEXTS if t.strip()])
def test_facts_memo_is_defense_line_and_generic(res: Any, text: str) -> None:
    lex = _fresh(res)
    for item, _span in M.split_measures(text, lex.placeholders) or [(text, (0, 0))]:
        want = (*lex.defense_line(item), lex.is_generic(item))
        assert lex.facts(item) == want
        assert lex.facts(item) == want


def test_memos_are_bounded(res: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(M, "MEMO_MAX", 8)
    lex = _fresh(res)
    texts = [f"{i}.建立台账{i}" for i in range(30)]
    for t in texts:
        assert lex.split(t) == M.split_measures(t, lex.placeholders)
        assert lex.facts(t) == (*lex.defense_line(t), lex.is_generic(t))
    assert len(lex._split_memo) <= 8
    assert len(lex._facts_memo) <= 8


# -- memos of pure functions of a text: the memo's answer is the plain function's ----------------

SHORT_TEXTS = [
    "", " ", "一、指导思想", "（一）完善制度建设", "1.建立台账", "1998年", "①建立台账", "一是加强教育",
    "附件1", "第1条", "A.总则", "  2、定期公示", "财务科", "青溪县财政局廉政风险防控工作实施方案",
    "X中心廉政风险点及防控措施", "2024年度办公室廉政风险点", "风险点", "防控措施", "责任人", "序号",
    "单位（科室）", "岗位(职权)", "风险等级", "共梳理出风险点47个，制定防控措施130条。",
    "全局共排查廉政风险点120余个", "注：本表由各科室填写",
]
_SHORT_CHARS = st.sampled_from(list("一二三（）()1２.、是 　附第A中心局科室风险点措施共个条余年：:"))


def _plain_texts() -> list[str]:
    """The block and cell texts of real documents, with the short texts above."""
    from pipeline.parse import parse_file

    out = list(SHORT_TEXTS)
    for path in _real_inputs():
        doc = parse_file(path)
        out.extend(b.text for b in doc.blocks)
        for t in doc.tables():
            out.extend(c.text for c in t.cells[:200])
    return out


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    return _plain_texts()


def _same_enum(a: Any, b: Any) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a.__dict__ == b.__dict__)


def test_match_enumerator_memo(real_texts: list[str]) -> None:
    from pipeline import enumerators as E

    for text in real_texts + real_texts:  # the second pass answers from the memo
        assert _same_enum(E.match_enumerator(text), E._match_enumerator(text) if text else None)


@settings(max_examples=300, deadline=None)
@given(st.text(_SHORT_CHARS, max_size=12))
def test_match_enumerator_memo_generated(text: str) -> None:
    from pipeline import enumerators as E

    want = E._match_enumerator(text) if text else None
    assert _same_enum(E.match_enumerator(text), want)
    assert _same_enum(E.match_enumerator(text), want)


def test_match_enumerator_memo_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import enumerators as E

    monkeypatch.setattr(E, "MATCH_MEMO_MAX", 5)
    monkeypatch.setattr(E, "_MATCH_MEMO", {})
    for i in range(40):
        text = f"{i}.建立台账"
        assert _same_enum(E.match_enumerator(text), E._match_enumerator(text))
    assert 0 < len(E._MATCH_MEMO) <= 5
    long = "1." + "加强" * 200  # longer than the memo keeps
    assert E.match_enumerator(long).value == 1  # type: ignore[union-attr]
    assert long not in E._MATCH_MEMO


def test_unit_from_title_memo(res: Any, real_texts: list[str]) -> None:
    owners = res.owners
    for text in real_texts + real_texts:
        assert owners.unit_from_title(text) == (owners._unit_from_title(text) if text else None)
    assert owners.unit_from_title(None) is None


def test_header_label_memo(res: Any, real_texts: list[str]) -> None:
    hx = res.headers
    for text in real_texts + real_texts:
        assert hx.label(text) == (hx._label(text) if text else None)
    assert hx.label(None) is None


def test_counts_memo_is_scan(res: Any) -> None:
    from pipeline.extract import counts
    from pipeline.parse import parse_file

    docs = [parse_file(p) for p in _real_inputs()]
    if not docs:
        pytest.skip("no benchmark, sample or dev documents here")
    cache: dict[str, Any] = {}
    for doc in docs + docs:  # the second round answers from the memo
        assert counts.find_counts(doc, res.lex, cache) == counts.find_counts(doc, res.lex, None)
    patterns = counts.compile_patterns(res.lex)
    for text in SHORT_TEXTS:
        assert cache["counts.memo"].get(text, counts.scan(text, patterns)) == counts.scan(text, patterns)


# -- cheaper construction: the same objects as validation makes ---------------------------------

@pytest.mark.parametrize("source,detail", [
    ("lexicons/tables/headers.yaml#measure", None),
    ("lexicons/tables/headers.yaml#measure", "defense cue: 事前"),
    ("lexicons/tables/headers.yaml#risk", "column 3: 风险点"),
    ("pattern:stated_count", ""),
])
def test_builder_why_is_validated_why(res: Any, source: str, detail: str | None) -> None:
    from pipeline.extract.items import Builder
    from pipeline.model import Document, Source, Why

    b = Builder(Document(source=Source(path="x.docx", sha256="0" * 64)), res.owners, res.categories, res.measures)
    w = b.why(source, detail)
    want = Why(source=source, detail=detail)
    assert w == want
    assert w.__pydantic_fields_set__ == want.__pydantic_fields_set__
    assert w.model_dump_json() == want.model_dump_json()
    assert b.why(source, detail) is w  # one per distinct explanation


def test_measure_ids_are_stable_ids(res: Any) -> None:
    """Table measures' ids: the head built as an f-string is stable_id's join of the parts."""
    from pipeline.ids import stable_id
    from pipeline.parse import parse_file
    from pipeline.stages import build_pipeline

    paths = _real_inputs()
    if not paths:
        pytest.skip("no benchmark, sample or dev documents here")
    ctx = Context()
    seen = 0
    for path in paths[:3]:
        doc = parse_file(path)
        for stage in build_pipeline():
            doc = stage.run(doc, ctx)
        k: dict[tuple[object, ...], int] = {}  # the item's place within its cell
        for m in doc.measures:
            loc = m.loc
            if m.why is None or not m.why.source.endswith("#measure"):
                continue  # from running text: other key parts
            cell = (m.risk, loc.table, loc.row, loc.col)
            i = k[cell] = k.get(cell, -1) + 1
            assert m.id == stable_id("M", doc.source.sha256, loc.table, loc.row, loc.col, i)
            seen += 1
    assert seen > 0


def test_level_mentions_memo(res: Any, real_texts: list[str]) -> None:
    from pipeline.extract import plan as P

    lex = res.lex.terms(P.LEXICON)
    rx = P._level_rx(res, lex)

    class _B:
        def __init__(self, text: str) -> None:
            self.text = text

    blocks = [_B(t) for t in real_texts + SHORT_TEXTS + ["风险等级分为高、中、低三级；高风险由主要领导负责。"] if t]
    for _ in range(2):  # the second round answers from the memo
        got = P._level_mentions(blocks, res, lex)
        assert [b for b, _c in got] == blocks
        for b, clauses in got:
            want = P._clause_mentions(b.text, rx)
            spans = [(c, [(m.span(), m.group(0)) for m in hits]) for c, hits in clauses]
            assert spans == [(c, [(m.span(), m.group(0)) for m in hits]) for c, hits in want]


def test_level_token_memo(res: Any, real_texts: list[str]) -> None:
    levels = res.levels
    raws = [None, "", "高", "中", "低", "一级风险", "红色预警", "高(Ⅰ级)", "较大", "  ", "Ⅱ级"] + real_texts[:300]
    for raw in raws + raws:  # the second round answers from the memo
        assert levels.token(raw) == levels._token(raw or "")


def test_sections_are_validated_sections(res: Any) -> None:
    from pipeline.extract import build_sections
    from pipeline.parse import parse_file

    paths = _real_inputs()
    if not paths:
        pytest.skip("no benchmark, sample or dev documents here")
    made = 0
    for path in paths:
        doc = parse_file(path)
        for s in build_sections(doc):
            want = Section(**s.model_dump())
            assert s == want
            assert s.__pydantic_fields_set__ == want.__pydantic_fields_set__
            assert s.model_dump_json() == want.model_dump_json()
            made += 1
    assert made > 0


def test_link_assignments_are_pydantic_assignments() -> None:
    """link writes responsible_ranks / responsible as pydantic's plain assignment would."""
    from pipeline import link
    from pipeline.model import Document, Measure, Responsible, Risk, Source

    def doc() -> Document:
        d = Document(source=Source(path="x.docx", sha256="0" * 64))
        d.risks = [Risk(id="R-1", name="资产处置不规范", responsible=["局长", "张三"], measures=["M-1"]),
                   Risk(id="R-2", name="采购", responsible=[])]
        d.measures = [Measure(id="M-1", text="建立台账", risk="R-1"), Measure(id="M-2", text="公示", risk="R-2")]
        d.responsibles = [Responsible(id="W-1", name="局长")]
        return d

    got = link.run(doc(), Context())
    want = doc()
    # the same values, assigned through pydantic on the untouched copy
    for a, b in zip(got.risks + got.measures, want.risks + want.measures, strict=True):
        for name in type(a).model_fields:
            if getattr(a, name) != getattr(b, name) or (
                    name in a.__pydantic_fields_set__ and name not in b.__pydantic_fields_set__):
                assert name in ("responsible_ranks", "measures", "responsible")
                if name != "measures":  # appended to in place, not assigned
                    setattr(b, name, getattr(a, name))
                else:
                    b.measures.extend(x for x in a.measures if x not in b.measures)
        assert a == b
        assert a.__pydantic_fields_set__ == b.__pydantic_fields_set__
    assert got.risks[0].responsible_ranks  # 局长 has a rank
    assert "responsible_ranks" in got.risks[1].__pydantic_fields_set__
    assert "responsible" in got.measures[1].__pydantic_fields_set__


def test_owner_split_memo(res: Any, real_texts: list[str]) -> None:
    owners = res.owners
    texts = [None, "", "徐千、李彬", "科室\n负责人", "分管副局长/局长", "无", "张三 李四"] + real_texts[:400]
    for text in texts + texts:  # the second round answers from the memo
        assert owners.split_memo(text) == owners.split(text)


_CELL_CHARS = st.sampled_from(list("风险点防控措施（）()【】[]/／:： *※★\n序号责任人科室"))


def _repeats_header_plain(view: Any, r: int, header: dict[int, str]) -> bool:
    from pipeline.extract.common import key

    if len(header) < 2:
        return False
    same = sum(1 for c, k in header.items()
               if c < len(view.origin_rows[r]) and view.origin_rows[r][c] is not None and key(view.texts[r][c]) == k)
    return same >= max(2, int(0.6 * len(header)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_CELL_CHARS, max_size=6), min_size=2, max_size=6),
       st.lists(st.text(_CELL_CHARS, max_size=6), min_size=2, max_size=6), st.data())
def test_repeats_header_prefilter(head: list[str], row: list[str], data: Any) -> None:
    """The first-character test before a cell's key changes no answer (folded brackets, edge
    marks and blanks included)."""
    from pipeline.extract import tables as T
    from pipeline.extract.common import key

    n = max(len(head), len(row))
    texts = [(row + [""] * n)[:n]]
    # some cells are the header's own text, spelled differently
    for c in range(min(len(head), n)):
        if data.draw(st.booleans()):
            texts[0][c] = head[c].replace("(", "（").replace(")", "）") + data.draw(st.sampled_from(["", " ", "*", "\n"]))
    origin = [[data.draw(st.sampled_from([0, None])) if c else 0 for c in range(n)]]
    view = T.TableView(omap=[[None] * n], origin_rows=origin, texts=texts, stripped=[[x.strip() for x in texts[0]]],
                       has_merges=False)
    header = {c: key(h.split("/")[-1]) for c, h in enumerate(head) if h}
    assert T._repeats_header(view, 0, header) == _repeats_header_plain(view, 0, header)


@pytest.mark.parametrize("raws", [["高", "中", "低", None, " "], ["一级风险", "二级风险", "三级风险"], ["", None], ["较大", "一般", "重大"]])
def test_apply_levels_assigns_as_pydantic(res: Any, raws: list[str | None]) -> None:
    from pipeline.extract import apply_levels, interpret_levels
    from pipeline.extract.common import compact
    from pipeline.model import Document, Risk, Source

    def doc() -> Document:
        d = Document(source=Source(path="x.docx", sha256="0" * 64))
        d.risks = [Risk(id=f"R-{i}", name="风险", level_raw=raw) for i, raw in enumerate(raws)]
        return d

    got = doc()
    apply_levels(got, res, None)
    want = doc()
    mapping = interpret_levels([r.level_raw for r in want.risks], None, levels=res.levels)
    for r in want.risks:  # the plain assignments the fast path stands for
        if r.level_raw and compact(r.level_raw):
            r.level = mapping.get(r.level_raw)
        else:
            r.level_raw = None
    for a, b in zip(got.risks, want.risks, strict=True):
        assert a == b
        assert a.__pydantic_fields_set__ == b.__pydantic_fields_set__
