"""Extraction on the dev corpus against its gold files: the issue's bar, per format and overall.

Figures are those of pipeline.evaluate (equal to the corpus scorer, see test_eval.py). The
uncovered-detection figure needs the checker's findings and is not asserted here; what extraction
owes it is asserted instead: an empty measure cell gives a risk without measures, and a risk
with measures never ends up without any.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.evaluate import evaluate, pair_greedy, risk_similarity
from tests.conftest import DEV_GOLD, dev_files

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def extracted(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    from pipeline.api import process_file
    from pipeline.stages import Context

    ctx = Context()
    return {p.name: process_file(p, ctx).to_contract() for p in dev_files("*")}


def _subset(preds: dict[str, dict[str, Any]], suffix: str | None, tmp: Path) -> Any:
    gold_dir = tmp / f"gold{suffix or ''}"
    gold_dir.mkdir(exist_ok=True)
    for g in DEV_GOLD.glob("*.gold.json"):
        name = g.name[: -len(".gold.json")]
        if suffix is None or name.endswith(suffix):
            (gold_dir / g.name).write_bytes(g.read_bytes())
    return evaluate(gold_dir, preds)


@pytest.mark.parametrize("suffix", [None, ".docx", ".pdf", ".xlsx", ".txt"])
def test_bar(extracted, suffix: str | None, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = _subset(extracted, suffix, tmp_path).summary()
    assert s["files_without_prediction"] == 0
    assert s["risk"]["f1"] >= 0.95, s
    assert s["level_accuracy"] is None or s["level_accuracy"] >= 0.98, s
    assert s["measure"]["f1"] >= 0.90, s
    assert s["responsible_recall"] is None or s["responsible_recall"] >= 0.95, s
    assert s["power"]["f1"] >= 0.90, s
    ok, n = map(int, s["stated_counts_exact"].split("/"))
    assert ok == n, s
    ok, n = map(int, s["false_uncovered"].split("/"))
    assert ok == 0, s


@pytest.mark.parametrize("path", dev_files("*"), ids=lambda p: p.name)
def test_file(extracted, path: Path) -> None:  # type: ignore[no-untyped-def]
    gold = json.loads((DEV_GOLD / f"{path.name}.gold.json").read_text(encoding="utf-8"))
    pred = extracted[path.name]
    assert pred["status"] != "failed", pred.get("errors")
    assert pred["kind"] == gold["kind"]
    grisks, prisks = gold.get("risks") or [], pred.get("risks") or []
    assert len(prisks) == len(grisks)
    for i, j, _s in pair_greedy(grisks, prisks, risk_similarity, 0.6):
        if grisks[i].get("measures") == []:
            assert prisks[j]["measures"] == [], grisks[i]["name"]
        elif grisks[i].get("measures"):
            assert prisks[j]["measures"], grisks[i]["name"]
    for k, v in (gold.get("stated_counts") or {}).items():
        assert pred["stated_counts"].get(k) == v


@pytest.mark.parametrize("path", dev_files("*"), ids=lambda p: p.name)
def test_every_measure_belongs_to_its_risk(extracted, path: Path) -> None:  # type: ignore[no-untyped-def]
    pred = extracted[path.name]
    risk_of = {mid: r["id"] for r in pred.get("risks") or [] for mid in r.get("measures") or []}
    for m in pred.get("measures") or []:
        assert risk_of.get(m["id"]) == m.get("risk")
        assert m["text"].strip()
