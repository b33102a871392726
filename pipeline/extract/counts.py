"""Stated counts: what a report claims about its own work (共查找风险点56个, 梳理职权1068项).

Patterns are data (``lexicons/counts.yaml``): each names the key it fills and needs a claim verb
(查找/制定/梳理/共 …) so that slogans (三道防线, 五类风险, 一书二图五表) and dates are not counts.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pipeline.enumerators import chinese_to_int, may_match, required_sets
from pipeline.lexicon import Lexicons
from pipeline.memo import Memo
from pipeline.model import Document

_log = logging.getLogger(__name__)

LEXICON = "counts.yaml"
_TOTAL = ("共", "累计", "合计", "总计", "总共")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_MAX = 1_000_000


@dataclass(frozen=True)
class StatedCount:
    key: str
    value: int
    qualifier: str | None  # 余 / 多: "120余个" is at least 120
    span: tuple[int, int]
    pattern: str
    total: bool  # claimed as a total (共/累计)


def compile_patterns(lex: Lexicons) -> list[tuple[str, str, re.Pattern[str]]]:
    data = lex.data(LEXICON)
    vars_ = data.get("vars", {})
    out = []
    for p in data["patterns"]:
        rx = _PLACEHOLDER.sub(lambda m: vars_.get(m.group(1), m.group(0)), p["regex"])
        out.append((p["name"], p["label"], re.compile(rx)))
    return out


def number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    t = text.replace("两", "二")
    if "万" in t:
        head, _, tail = t.partition("万")
        hv = chinese_to_int(head) if head else None
        tv = chinese_to_int(tail.lstrip("零〇")) if tail.strip("零〇") else 0
        if hv is None or tv is None:
            return None
        return hv * 10_000 + tv
    return chinese_to_int(t)


# id(pattern) → (pattern, its required characters); not keyed by the pattern itself, whose hash
# runs over its whole compiled code on every look-up
_REQUIRED: dict[int, tuple[re.Pattern[str], tuple[frozenset[str], ...]]] = {}


def _required(rx: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    got = _REQUIRED.get(id(rx))
    if got is None or got[0] is not rx:  # the pattern is held, so its id stays its own
        got = _REQUIRED[id(rx)] = (rx, required_sets(rx))
    return got[1]


MEMO_MAX = 1 << 13  # paragraphs whose claims are kept, per process


def scan(text: str, patterns: list[tuple[str, str, re.Pattern[str]]]) -> list[StatedCount]:
    """Every count claim in ``text``, in text order."""
    out: list[StatedCount] = []
    for name, label, rx in patterns:
        # a claim verb is a common word: the engine tries a match at each one, which cost more
        # than anything else here; a text without the pattern's noun (风险点, 措施 …) holds none
        if not may_match(text, _required(rx)):
            continue
        for m in rx.finditer(text):
            raw = m.group("num")
            v = number(raw)
            if v is None or v <= 0 or v > _MAX:
                continue
            claim = m.groupdict().get("claim") or ""
            total = claim in _TOTAL or any(t in m.group(0)[:6] for t in _TOTAL)
            if not raw.isdigit() and v < 10 and not total:
                continue  # 三项措施 / 五种权力: slogan numbers, not counts
            out.append(StatedCount(label, v, m.groupdict().get("qual"), m.span("num"), name, total))
    out.sort(key=lambda c: c.span)
    return out


def find_counts(doc: Document, lex: Lexicons, cache: dict | None = None) -> dict[str, int]:
    """``stated_counts`` of a document: per key, the first total claimed, else the first claim."""
    patterns = cache.get("counts.patterns") if cache is not None else None
    if patterns is None:
        patterns = compile_patterns(lex)
        if cache is not None:
            cache["counts.patterns"] = patterns
    # the claims of a paragraph, once per distinct text of the process (with the patterns):
    # paragraphs recur from document to document of a batch
    memo: dict[str, list[StatedCount]] = {}
    if cache is not None:
        memo = cache.get("counts.memo") or cache.setdefault("counts.memo", Memo())
    found: dict[str, StatedCount] = {}
    for b in doc.blocks:
        text = b.text
        if b.table is not None or not text:
            continue
        got = memo.get(text)
        if got is None:
            if len(memo) >= MEMO_MAX:
                memo.clear()
            got = memo[text] = scan(text, patterns)
        for c in got:
            old = found.get(c.key)
            if old is None or (c.total and not old.total):
                found[c.key] = c
    return {k: c.value for k, c in found.items()}
