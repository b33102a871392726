"""A document's models and a closed workbook are freed by reference counting, not left to the
garbage collector (whose passes over such leftovers cost a worker ~5 ms per unit)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline import batch
from pipeline.model import Cell, Loc, Table
from pipeline.report import xlsx

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture
def leftovers() -> Iterator[Callable[[], Counter[str]]]:
    """Call it after the work: what only a collection would have freed, by type."""
    batch._process(str(next(SAMPLES.rglob("*.docx"))))  # warm: lazily built tables stay, rightly
    gc.collect()
    gc.disable()

    def collect() -> Counter[str]:
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found = Counter(type(o).__name__ for o in gc.garbage)
        gc.garbage.clear()
        gc.set_debug(0)
        return found

    try:
        yield collect
    finally:
        gc.enable()


@pytest.mark.parametrize("rel", sorted(str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.docx")))
def test_a_processed_docx_leaves_no_cycle_of_tables_or_cells(rel: str, leftovers: Callable[[], Counter[str]]) -> None:
    doc = batch._process(str(SAMPLES / rel))
    assert doc.status == "ok"
    del doc
    found = leftovers()
    assert not {Table.__name__, Cell.__name__, Loc.__name__} & set(found), found


def test_a_written_workbook_leaves_no_cells_behind(leftovers: Callable[[], Counter[str]]) -> None:
    wb = xlsx.Workbook(title="t")
    wb.add_sheet("s", ["a", "b"], [["文本", 1], ["x", 2.5]] * 200)
    data = wb.to_bytes()
    del wb
    found = leftovers()
    assert data.startswith(b"PK")
    assert found["String"] == 0 and found["Number"] == 0 and found["Worksheet"] == 0, found
