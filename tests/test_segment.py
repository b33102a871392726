"""The private jieba tokenizer, the domain dictionary and the spaCy pipeline over them."""

from __future__ import annotations

import pytest

from pipeline import segment
from pipeline.model import Document, Source
from pipeline.stages import Context


@pytest.fixture(scope="module")
def seg(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    pytest.importorskip("jieba")
    pytest.importorskip("spacy")
    ctx = Context()
    return segment.get_nlp(ctx), ctx


DOMAIN_WORDS = ["廉政风险", "风险点", "防控措施", "三重一大", "一岗双责", "分管领导", "主要领导", "科室负责人", "自由裁量权"]


@pytest.mark.parametrize("word", DOMAIN_WORDS)
def test_domain_words_stay_whole(seg, word: str) -> None:  # type: ignore[no-untyped-def]
    s, _ctx = seg
    assert word in s.cut(f"认真落实{word}的有关要求")


def test_tokenizer_is_private(seg) -> None:  # type: ignore[no-untyped-def]
    import jieba

    s, _ctx = seg
    assert s.tokenizer is not jieba.dt
    assert s.tokenizer.cache_file == "jieba.lianfang.cache"
    # our dictionary did not leak into the process-global tokenizer
    assert "科室负责人" not in jieba.dt.FREQ or not jieba.dt.initialized


def test_spacy_tokens_are_jieba_tokens(seg) -> None:  # type: ignore[no-untyped-def]
    s, _ctx = seg
    text = "查找风险点, 制定防控措施"
    assert [t.text for t in s.nlp(text)] == s.cut(text)
    assert s.nlp(text).text.replace(" ", "") == text.replace(" ", "")


def test_matcher_from_jsonl(seg) -> None:  # type: ignore[no-untyped-def]
    s, ctx = seg
    doc = s.nlp("其中,审判权和执行权位于前列")
    m = s.matcher("prose/power_lists.jsonl", ctx.lexicons)
    assert {doc[a:b].text for _l, a, b in m(doc)} == {"审判权和执行权"}


def test_built_once_per_context(seg) -> None:  # type: ignore[no-untyped-def]
    s, ctx = seg
    assert segment.get_nlp(ctx) is s


def test_stage_loads_nothing() -> None:
    ctx = Context()
    doc = Document(source=Source(path="x.docx"))
    assert segment.run(doc, ctx) is doc
    assert "segment" not in ctx.cache  # jieba and spaCy only load when a document needs tokens


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert segment.cache_dir() == tmp_path / "lianfang" and (tmp_path / "lianfang").is_dir()
