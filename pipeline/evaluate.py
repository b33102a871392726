"""Score extraction output against gold files (the corpus format of ``corpus/README.md``).

The figures are defined to equal those of the corpus's reference scorer, re-implemented here so
that the package never depends on files outside it at run time:

- texts are compared after normalisation: NFKC, leading enumerators (1. （一） ① 一是) removed
  from every line, whitespace and punctuation removed; similarity is difflib's ratio;
- risk points pair one-to-one, greedily by the best similarity of the name (or name +
  manifestation), at ≥ 0.6; measures pair within each paired risk at ≥ 0.7; powers by name at
  ≥ 0.8;
- level accuracy over paired risks whose gold level is known; responsible recall: each gold
  name found (normalised, as a substring) in the predicted responsible list + owner;
- uncovered detection: gold risks with an empty measure cell that the prediction leaves without
  measures *and* names in a finding's ``refs``; false uncovered: gold risks with measures that
  the prediction leaves without any;
- stated counts: exact equality per gold key.
All figures are micro-averaged over the files.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

_ENUM = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十]+[)）、.．]|[（(]?\d+(?:\.\d+)*[)）、.．]?|[①-⑳]|[一二三四五六七八九十]是)\s*")
_PUNCT = re.compile(r"[\s\u3000,，.。;；:：、!！?？\"“”'‘’()（）《》<>【】\[\]—\-·…]")
RISK_THRESHOLD = 0.6
MEASURE_THRESHOLD = 0.7
POWER_THRESHOLD = 0.8


def norm(text: Any) -> str:
    """The comparison form of a text (see the module docstring)."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = "".join(_ENUM.sub("", line) for line in s.splitlines())
    return _PUNCT.sub("", s)


def similarity(a: Any, b: Any) -> float:
    x, y = norm(a), norm(b)
    if not x or not y:
        return 0.0
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()


def pair_greedy(golds: list[Any], preds: list[Any], score: Callable[[Any, Any], float],
                threshold: float) -> list[tuple[int, int, float]]:
    """One-to-one pairs, best similarity first (ties: later gold, later prediction first)."""
    cands = []
    for i, g in enumerate(golds):
        for j, p in enumerate(preds):
            s = score(g, p)
            if s >= threshold:
                cands.append((s, i, j))
    cands.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for s, i, j in cands:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        out.append((i, j, s))
    return out


def risk_similarity(g: dict[str, Any], p: dict[str, Any]) -> float:
    by_name = similarity(g.get("name"), p.get("name"))
    both = similarity((g.get("name") or "") + (g.get("manifestation") or ""),
                      (p.get("name") or "") + (p.get("manifestation") or ""))
    return max(by_name, both)


def load_predictions(path: str | Path) -> dict[str, dict[str, Any]]:
    """Prediction objects keyed by the base name of their ``source.path``: a folder of JSON
    files (searched recursively) or a JSON-lines file."""
    p = Path(path)
    objs: list[Any] = []
    if p.is_dir():
        for f in sorted(p.rglob("*.json")):
            try:
                o = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                _log.warning("%s: not readable as JSON, skipped", f)
                continue
            objs.extend(o if isinstance(o, list) else [o])
    else:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                objs.append(json.loads(line))
    out: dict[str, dict[str, Any]] = {}
    for o in objs:
        if not isinstance(o, dict):
            continue
        src = o.get("source") or {}
        name = src.get("path") or src.get("file")
        if name:
            out[Path(name).name] = o
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


@dataclass
class Tally:
    """Counts behind every figure, for one file or summed over many."""

    r_tp: int = 0
    r_fp: int = 0
    r_fn: int = 0
    lv_ok: int = 0
    lv_n: int = 0
    m_tp: int = 0
    m_fp: int = 0
    m_fn: int = 0
    unc_ok: int = 0
    unc_n: int = 0
    false_unc: int = 0
    cov_n: int = 0
    resp_ok: int = 0
    resp_n: int = 0
    p_tp: int = 0
    p_fp: int = 0
    p_fn: int = 0
    cnt_ok: int = 0
    cnt_n: int = 0

    def add(self, other: Tally) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))


@dataclass
class FileScore:
    file: str
    tally: Tally
    missing: bool = False
    risks: str = ""

    @property
    def f1(self) -> float:
        """One number to rank files by: the mean of risk, measure and power F1 where they apply."""
        t = self.tally
        parts = []
        if t.r_tp + t.r_fp + t.r_fn:
            parts.append(prf(t.r_tp, t.r_fp, t.r_fn)[2])
        if t.m_tp + t.m_fp + t.m_fn:
            parts.append(prf(t.m_tp, t.m_fp, t.m_fn)[2])
        if t.p_tp + t.p_fp + t.p_fn:
            parts.append(prf(t.p_tp, t.p_fp, t.p_fn)[2])
        if t.cnt_n:
            parts.append(t.cnt_ok / t.cnt_n)
        return round(sum(parts) / len(parts), 4) if parts else 1.0


@dataclass
class Report:
    files: list[FileScore] = field(default_factory=list)
    total: Tally = field(default_factory=Tally)

    @property
    def missing(self) -> int:
        return sum(1 for f in self.files if f.missing)

    def summary(self) -> dict[str, Any]:
        t = self.total
        rp, rr, rf = prf(t.r_tp, t.r_fp, t.r_fn)
        mp, mr, mf = prf(t.m_tp, t.m_fp, t.m_fn)
        pp, pr, pf = prf(t.p_tp, t.p_fp, t.p_fn)
        return {
            "files": len(self.files), "files_without_prediction": self.missing,
            "risk": {"precision": rp, "recall": rr, "f1": rf, "tp": t.r_tp, "fp": t.r_fp, "fn": t.r_fn},
            "level_accuracy": round(t.lv_ok / t.lv_n, 4) if t.lv_n else None,
            "measure": {"precision": mp, "recall": mr, "f1": mf},
            "uncovered_detected": f"{t.unc_ok}/{t.unc_n}",
            "false_uncovered": f"{t.false_unc}/{t.cov_n}",
            "responsible_recall": round(t.resp_ok / t.resp_n, 4) if t.resp_n else None,
            "power": {"precision": pp, "recall": pr, "f1": pf},
            "stated_counts_exact": f"{t.cnt_ok}/{t.cnt_n}",
        }

    def summary_line(self) -> str:
        s = self.summary()
        return (f"risk_f1={s['risk']['f1']} level_acc={s['level_accuracy']} measure_f1={s['measure']['f1']} "
                f"uncovered={s['uncovered_detected']} false_uncovered={s['false_uncovered']} "
                f"resp_recall={s['responsible_recall']} power_f1={s['power']['f1']} "
                f"counts={s['stated_counts_exact']} missing={self.missing}")

    def worst(self, n: int = 5) -> list[FileScore]:
        return sorted(self.files, key=lambda f: (f.f1, f.file))[:n]


def score_file(gold: dict[str, Any], pred: dict[str, Any] | None) -> FileScore:
    t = Tally()
    missing = pred is None
    p = pred or {}
    grisks = gold.get("risks") or []
    prisks = p.get("risks") or []
    pmeasures = {m.get("id"): m for m in p.get("measures") or []}
    flagged = {ref for f in p.get("findings") or [] for ref in (f.get("refs") or f.get("objects") or [])}
    match = pair_greedy(grisks, prisks, risk_similarity, RISK_THRESHOLD)
    paired_g = {i for i, _j, _s in match}
    paired_p = {j for _i, j, _s in match}
    # measures of unpaired risks are missed or spurious as a whole
    t.m_fn += sum(len(r.get("measures") or []) for i, r in enumerate(grisks) if i not in paired_g)
    t.m_fp += sum(len(r.get("measures") or []) for j, r in enumerate(prisks) if j not in paired_p)
    t.r_tp += len(match)
    t.r_fn += len(grisks) - len(match)
    t.r_fp += len(prisks) - len(match)
    for i, j, _s in match:
        gr, pr = grisks[i], prisks[j]
        if gr.get("level"):
            t.lv_n += 1
            t.lv_ok += int(pr.get("level") == gr["level"])
        texts = []
        for mid in pr.get("measures") or []:
            m = pmeasures.get(mid, {}) if isinstance(mid, str) else (mid or {})
            if m.get("text"):
                texts.append(m["text"])
        gm = gr.get("measures")
        if gm is None:
            continue  # the source's measures could not be recovered: nothing to compare
        if gm == []:
            t.unc_n += 1
            t.unc_ok += int(not texts and pr.get("id") in flagged)
        else:
            t.cov_n += 1
            t.false_unc += int(not texts)
            mm = pair_greedy(gm, texts, similarity, MEASURE_THRESHOLD)
            t.m_tp += len(mm)
            t.m_fn += len(gm) - len(mm)
            t.m_fp += len(texts) - len(mm)
        who_pred = norm(" ".join((pr.get("responsible") or []) + [pr.get("owner") or ""]))
        for who in gr.get("responsible") or []:
            t.resp_n += 1
            t.resp_ok += int(bool(norm(who)) and norm(who) in who_pred)
    gp, pp = gold.get("powers") or [], p.get("powers") or []
    pm = pair_greedy(gp, pp, lambda x, y: similarity(x.get("name"), y.get("name")), POWER_THRESHOLD)
    t.p_tp += len(pm)
    t.p_fn += len(gp) - len(pm)
    t.p_fp += len(pp) - len(pm)
    counts = p.get("stated_counts") or {}
    for k, v in (gold.get("stated_counts") or {}).items():
        t.cnt_n += 1
        t.cnt_ok += int(counts.get(k) == v)
    return FileScore(file=gold.get("file", ""), tally=t, missing=missing,
                     risks=f"{len(match)}/{len(grisks)} gold, {len(prisks)} predicted")


def evaluate(gold_dir: str | Path, preds: dict[str, dict[str, Any]]) -> Report:
    """Score ``preds`` (see :func:`load_predictions`) against every ``*.gold.json`` in ``gold_dir``."""
    report = Report()
    for gf in sorted(Path(gold_dir).glob("*.gold.json")):
        gold = json.loads(gf.read_text(encoding="utf-8"))
        fs = score_file(gold, preds.get(gold["file"]))
        report.files.append(fs)
        report.total.add(fs.tally)
    return report


def predictions_from_documents(docs: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Contract objects of extracted documents, keyed like :func:`load_predictions`."""
    return {Path(d.source.path).name: d.to_contract() for d in docs}


def format_report(report: Report, worst: int = 5) -> str:
    """A plain-text table of the figures, the worst files, then the one-line summary."""
    s = report.summary()
    rows = [
        ("risk", s["risk"]["precision"], s["risk"]["recall"], s["risk"]["f1"]),
        ("measure", s["measure"]["precision"], s["measure"]["recall"], s["measure"]["f1"]),
        ("power", s["power"]["precision"], s["power"]["recall"], s["power"]["f1"]),
    ]
    lines = [f"{'field':<10}{'precision':>10}{'recall':>10}{'f1':>10}"]
    lines += [f"{name:<10}{p:>10.4f}{r:>10.4f}{f:>10.4f}" for name, p, r, f in rows]
    lines.append(f"level accuracy      {s['level_accuracy']}")
    lines.append(f"responsible recall  {s['responsible_recall']}")
    lines.append(f"uncovered detected  {s['uncovered_detected']}")
    lines.append(f"false uncovered     {s['false_uncovered']}")
    lines.append(f"stated counts exact {s['stated_counts_exact']}")
    lines.append(f"files {s['files']} (without prediction: {s['files_without_prediction']})")
    bad = [f for f in report.worst(worst) if f.f1 < 1.0 or f.missing]
    if bad:
        lines.append("worst files:")
        lines += [f"  {f.f1:.4f}  {f.file}  risks {f.risks}{'  (no prediction)' if f.missing else ''}" for f in bad]
    lines.append(report.summary_line())
    return "\n".join(lines)
