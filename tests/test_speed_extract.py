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
