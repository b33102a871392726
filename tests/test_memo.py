"""Per-text memos: emptied all at once (benchmarks measure a document as new), never changing a result."""

from __future__ import annotations

import gc
import weakref
from functools import lru_cache
from pathlib import Path

import pytest

from pipeline import memo
from pipeline.api import process_file
from pipeline.stages import Context

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_clear_all_empties_memos_and_tracked_caches() -> None:
    m = memo.Memo()
    m["a"] = 1

    @memo.track
    @lru_cache(maxsize=8)
    def double(x: int) -> int:
        return 2 * x

    double(2)
    assert double.cache_info().currsize == 1
    memo.clear_all()
    assert m == {} and double.cache_info().currsize == 0
    memo._CACHES.remove(double)


def test_memos_are_dicts_by_identity_and_forgotten_when_dropped() -> None:
    a, b = memo.Memo(), memo.Memo()
    assert a is not b and a == b == {} and len({a, b}) == 2  # equal contents, two memos
    a["k"] = "v"
    assert a.get("k") == "v" and isinstance(a, dict)
    n = len(memo._LIVE)
    gone = weakref.ref(a)
    del a
    gc.collect()
    assert gone() is None and len(memo._LIVE) <= n - 1  # (other dropped memos may go at the same time)


@pytest.mark.parametrize("rel", sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.docx")))
def test_a_document_reads_the_same_with_memos_full_or_empty(rel: str) -> None:
    ctx = Context()
    first = process_file(str(SAMPLES / rel), ctx).model_dump_json()
    assert any(len(m) for m in list(memo._LIVE))  # the extraction keeps what it derived
    again = process_file(str(SAMPLES / rel), ctx).model_dump_json()
    memo.clear_all()
    assert all(len(m) == 0 for m in list(memo._LIVE))
    fresh = process_file(str(SAMPLES / rel), ctx).model_dump_json()
    assert first == again == fresh


def test_remember_computes_once_and_starts_again_at_its_limit() -> None:
    calls: list[str] = []

    def make(k: str) -> str | None:
        calls.append(k)
        return None if k == "none" else k.upper()

    m = memo.Memo()
    assert [m.remember(k, make, 3) for k in ("a", "none", "a", "none")] == ["A", None, "A", None]
    assert calls == ["a", "none"]  # a None result is kept too
    m.remember("b", make, 3)
    m.remember("c", make, 3)  # the fourth distinct key: the memo starts again
    assert set(m) == {"c"} and calls[-1] == "c"
