"""Document kind: plan / risk_table / power_catalog / self_check_report / mixed / unknown.

What extraction found weighs most (tables with risk points → risk_table; a catalog of powers →
power_catalog); then the title's cue (lexicons/kinds.yaml); then cues counted over the body.
Risks found in running text make a flow chart, or a text that is neither plan nor report, mixed.
"""

from __future__ import annotations

import logging
from typing import Any

from pipeline.extract.common import compact
from pipeline.lexicon import Lexicons
from pipeline.model import Document, Kind

_log = logging.getLogger(__name__)

LEXICON = "kinds.yaml"
BODY_MIN_HITS = 2  # body cues decide only when they clearly lean one way


_CUES: dict[int, tuple[Any, list[str]]] = {}  # id(records) → (records, their cues): built once


def title_cues(lex: Lexicons) -> list[str]:
    """Every title cue of every kind, longest first (do not modify the list)."""
    records = lex.records(LEXICON)
    got = _CUES.get(id(records))
    if got is None or got[0] is not records:  # the records are held, so their id stays theirs
        cues = {c for rec in records for c in rec.get("title", [])}
        got = _CUES[id(records)] = (records, sorted(cues, key=len, reverse=True))
    return got[1]


def title_kind(title: str | None, lex: Lexicons) -> str | None:
    """The kind a title names (the longest cue wins: 风险点及防控措施一览表 is a table, not a plan)."""
    t = compact(title)
    if not t:
        return None
    best: tuple[int, str] | None = None
    for rec in lex.records(LEXICON):
        for cue in rec.get("title", []):
            if cue in t and (best is None or len(cue) > best[0]):
                best = (len(cue), rec["kind"])
    return best[1] if best else None


def body_kind(text: str, lex: Lexicons) -> str | None:
    scores: dict[str, int] = {}
    for rec in lex.records(LEXICON):
        n = sum(text.count(cue) for cue in rec.get("body", []))
        if n:
            scores[rec["kind"]] = n
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    top, n = ranked[0]
    if n < BODY_MIN_HITS or (len(ranked) > 1 and ranked[1][1] * 1.5 > n):
        return None
    return top


def body_lean(text: str, lex: Lexicons) -> str | None:
    """The kind whose body cues are strictly the most frequent (no minimum), or None on a tie."""
    scores = {rec["kind"]: sum(text.count(c) for c in rec.get("body", [])) for rec in lex.records(LEXICON)}
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
        return None
    return ranked[0][0]


def decide(doc: Document, lex: Lexicons) -> Kind:
    table_risks = [r for r in doc.risks if r.loc.table is not None]
    prose_risks = [r for r in doc.risks if r.loc.table is None]
    table_powers = [p for p in doc.powers if p.loc.table is not None]
    prose_text = "\n".join(b.text for b in doc.blocks if b.table is None and b.text)
    tk = title_kind(doc.title, lex)
    if table_risks:
        if tk in ("plan", "self_check_report") and len(prose_text) > 1500:
            return "mixed"  # a plan or report with its risk table inside
        return "risk_table"
    if table_powers and not prose_risks:
        return "power_catalog"
    if prose_risks and tk in (None, "flow_chart", "risk_table"):
        # risk records in running text: a plan's own register (dev 23) when the body reads as a
        # plan; otherwise a flow chart or a post-by-post statement — mixed
        if tk is None and body_lean(prose_text, lex) == "plan":
            return "plan"
        return "mixed"
    if tk in ("plan", "self_check_report", "power_catalog", "risk_table"):
        return tk  # type: ignore[return-value]
    bk = body_kind(prose_text, lex)
    if bk in ("plan", "self_check_report"):
        return bk  # type: ignore[return-value]
    if prose_risks:
        return "mixed"
    return "unknown"
