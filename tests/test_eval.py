"""``lianfang eval``: figures on hand-made gold/pred pairs, and equality with the corpus scorer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.commands.eval import eval_command
from pipeline.evaluate import evaluate, load_predictions, norm, similarity
from tests.conftest import DEV_GOLD, SCORE_PY

GOLD = {
    "file": "a.docx", "kind": "risk_table",
    "risks": [
        {"owner": "办公室", "name": "公车私用", "manifestation": None, "level": "low", "level_raw": "低",
         "measures": ["加强教育提醒", "制定车辆管理制度"], "responsible": ["徐千", "李彬"]},
        {"owner": "办公室", "name": "工程招标", "level": "high", "measures": [], "responsible": ["李彬"]},
        {"owner": "办公室", "name": "虚报冒领", "level": None, "measures": ["双人复核"], "responsible": []},
    ],
    "powers": [{"name": "固定资产管理"}, {"name": "政府采购管理"}],
    "stated_counts": {"risk_points": 56},
}
PRED = {
    "source": {"path": "/in/a.docx"},
    "risks": [
        {"id": "R1", "owner": "办公室", "name": "公车私用。", "level": "low", "measures": ["M1", "M2", "M3"],
         "responsible": ["徐千"]},
        {"id": "R2", "owner": "办公室", "name": "工程招标", "level": "medium", "measures": [], "responsible": []},
        {"id": "R9", "owner": "办公室", "name": "完全无关的风险", "measures": ["M9"]},
    ],
    "measures": [{"id": "M1", "text": "1.加强教育提醒"}, {"id": "M2", "text": "制定车辆管理制度。"},
                 {"id": "M3", "text": "另外一条"}, {"id": "M9", "text": "无关措施"}],
    "powers": [{"name": "固定资产管理"}, {"name": "人员调动"}],
    "stated_counts": {"risk_points": 56, "measures": 48},
    "findings": [{"rule": "LF101", "refs": ["R2"]}],
}


def write(tmp: Path, gold: dict, pred: dict) -> tuple[Path, Path]:  # type: ignore[type-arg]
    g, p = tmp / "gold", tmp / "pred"
    g.mkdir()
    p.mkdir()
    (g / f"{gold['file']}.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    (p / "a.docx.json").write_text(json.dumps(pred, ensure_ascii=False), encoding="utf-8")
    return g, p


def test_figures(tmp_path: Path) -> None:
    g, p = write(tmp_path, GOLD, PRED)
    s = evaluate(g, load_predictions(p)).summary()
    # risks: 公车私用 and 工程招标 pair, 虚报冒领 is missed, 完全无关的风险 is spurious
    assert (s["risk"]["tp"], s["risk"]["fp"], s["risk"]["fn"]) == (2, 1, 1)
    assert s["level_accuracy"] == 0.5  # low right, high predicted medium
    # measures: 2 right + 1 spurious in the pair, 1 missed (unpaired gold), 1 spurious (unpaired pred)
    assert s["measure"] == {"precision": 0.5, "recall": 0.6667, "f1": 0.5714}
    assert s["uncovered_detected"] == "1/1" and s["false_uncovered"] == "0/1"
    assert s["responsible_recall"] == 0.3333  # 徐千 found; 李彬 missed in both paired risks
    assert s["power"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert s["stated_counts_exact"] == "1/1"


def test_missing_prediction(tmp_path: Path) -> None:
    g, p = write(tmp_path, GOLD, {"source": {"path": "other.docx"}})
    report = evaluate(g, load_predictions(p))
    assert report.missing == 1 and report.summary()["risk"]["recall"] == 0.0


@pytest.mark.parametrize("a,b,expected", [
    ("1.加强教育提醒", "加强教育提醒。", ""), ("（一）指导思想", "指导思想", ""), ("一是建立制度", "建立制度", "")])
def test_norm_drops_enumerators_and_punctuation(a: str, b: str, expected: str) -> None:
    assert norm(a) == norm(b) and similarity(a, b) == 1.0


def test_cli_with_pred(tmp_path: Path) -> None:
    g, p = write(tmp_path, GOLD, PRED)
    out = tmp_path / "s.json"
    res = CliRunner().invoke(eval_command, ["--gold", str(g), "--pred", str(p), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[-1].startswith("risk_f1=0.6667 level_acc=0.5 measure_f1=0.5714")
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["risk"]["f1"] == 0.6667


def test_cli_needs_pred_or_paths(tmp_path: Path) -> None:
    g, _p = write(tmp_path, GOLD, PRED)
    res = CliRunner().invoke(eval_command, ["--gold", str(g)])
    assert res.exit_code == 2 and "either --pred" in res.output


def _score_py_line(gold: Path, pred: Path) -> str:
    out = subprocess.run([sys.executable, str(SCORE_PY), "--gold", str(gold), "--pred", str(pred)],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1]


def test_equals_reference_scorer_on_hand_made_pair(tmp_path: Path) -> None:
    if not SCORE_PY.is_file():
        pytest.skip("../shared/tools/score.py not present")
    g, p = write(tmp_path, GOLD, PRED)
    assert evaluate(g, load_predictions(p)).summary_line() == _score_py_line(g, p)


@pytest.mark.corpus
def test_equals_reference_scorer_on_dev(corpus_dir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same prediction folder scored by both: every figure equal (extraction of the quick
    .docx and .txt files; the others count as missing predictions, which both must agree on)."""
    if not SCORE_PY.is_file():
        pytest.skip("../shared/tools/score.py not present")
    from pipeline.api import extract

    files = sorted(p for p in (corpus_dir / "dev" / "files").iterdir() if p.suffix in (".docx", ".txt"))
    out = tmp_path / "pred"
    extract(files, out=out)
    ours = evaluate(DEV_GOLD, load_predictions(out))
    assert ours.summary_line() == _score_py_line(DEV_GOLD, out)
