"""Risk levels: 高/中/低, 一级/二级/三级, Ⅰ/Ⅱ/Ⅲ级, A/B/C, 红/橙/黄/蓝, 重大/较大/一般 → high/medium/low.

A raw value is only meaningful inside the scheme its document uses: 一般 is medium next to 高
and 低 but low next to 重大 and 较大. :func:`interpret_levels` therefore reads all the distinct
raw values of a document together (and a scheme the document or its unit's plan declares), picks
the scale that explains most of them, and maps top → high, bottom → low, the rest → medium.
The scales are data (``lexicons/levels.yaml``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.extract.common import compact
from pipeline.lexicon import Lexicons
from pipeline.memo import Memo
from pipeline.model import Level

_log = logging.getLogger(__name__)

LEXICON = "levels.yaml"


@dataclass
class Scale:
    name: str
    size: int
    steps: list[list[str]]
    index: dict[str, int] = field(default_factory=dict)  # spelling → step


@dataclass
class Scheme:
    """A declared scheme: the steps a document names, in the order it names them."""

    names: list[str]
    scale: str | None = None
    size: int = 0


TOKEN_MEMO_MAX = 1 << 12  # raw level values whose token is kept, per process


@dataclass
class Levels:
    scales: list[Scale]
    strip: list[str]
    # token() once per distinct raw value: a document repeats its few level words row by row
    _tokens: Memo = field(default_factory=Memo, init=False, repr=False, compare=False)

    @classmethod
    def from_lexicons(cls, lex: Lexicons) -> Levels:
        scales: list[Scale] = []
        strip: list[str] = []
        for rec in lex.records(LEXICON):
            if "strip" in rec:
                strip.extend(rec["strip"])
                continue
            sc = Scale(name=rec["scale"], size=int(rec.get("size", 3)), steps=rec["steps"])
            for i, spellings in enumerate(sc.steps):
                for s in spellings:
                    sc.index.setdefault(compact(s), i)
            scales.append(sc)
        strip.sort(key=len, reverse=True)
        return cls(scales, strip)

    def token(self, raw: str | None) -> str:
        """The comparison form of a raw level: 一级风险 → 一级, 红色预警 → 红色, 高(Ⅰ级) → 高."""
        if not raw:
            return ""
        return self._tokens.remember(raw, self._token, TOKEN_MEMO_MAX)

    def _token(self, raw: str) -> str:
        s = compact(raw)
        s = re.split(r"[(（]", s, maxsplit=1)[0] or s
        s = s.strip("。.，,;；:：")
        for affix in self.strip:
            if s.endswith(affix) and len(s) > len(affix):
                s = s[: -len(affix)]
            if s.startswith(affix) and len(s) > len(affix):
                s = s[len(affix):]
        return s

    def candidates(self, raw: str | None) -> dict[str, int]:
        """scale name → step for every scale that knows this value."""
        t = self.token(raw)
        return {sc.name: sc.index[t] for sc in self.scales if t in sc.index}


def _to_level(step: int, size: int) -> Level:
    if step <= 0:
        return "high"
    if step >= size - 1:
        return "low"
    return "medium"


def interpret_levels(raws: Iterable[str | None], scheme: Scheme | None = None, *,
                     levels: Levels | None = None) -> dict[str, Level | None]:
    """Map every distinct raw level of one document to high/medium/low (None when unknown).

    ``scheme`` — a scheme the document or its unit's plan declares — decides the scale and the
    number of steps when given; the unit-level checker calls this again with the plan's scheme.
    """
    if levels is None:
        from pipeline.lexicon import load_lexicons

        levels = Levels.from_lexicons(load_lexicons())
    distinct = [r for r in dict.fromkeys(r for r in raws if r and compact(r))]
    cands = {r: levels.candidates(r) for r in distinct}
    # how many distinct values each scale explains (a declared scheme counts double)
    votes: dict[str, float] = {}
    for c in cands.values():
        for name in c:
            votes[name] = votes.get(name, 0) + 1
    if scheme is not None and scheme.scale:
        votes[scheme.scale] = votes.get(scheme.scale, 0) + 2
    order = {sc.name: i for i, sc in enumerate(levels.scales)}
    by_name = {sc.name: sc for sc in levels.scales}

    def size_of(name: str) -> int:
        sc = by_name[name]
        seen = [c[name] for c in cands.values() if name in c]
        size = max([sc.size] + [s + 1 for s in seen])
        if scheme is not None and scheme.scale == name and scheme.size:
            size = max(scheme.size, max(seen, default=0) + 1)
        return size

    out: dict[str, Level | None] = {}
    for r, c in cands.items():
        if not c:
            out[r] = None
            continue
        # the value's own scale if only one knows it, else the one the document uses most
        name = max(c, key=lambda n: (votes.get(n, 0), -order[n]))
        out[r] = _to_level(c[name], size_of(name))
    return out


def parse_scheme(names: list[str], levels: Levels) -> Scheme | None:
    """A scheme from the step names a sentence lists (高、中、低 / 一级、二级、三级)."""
    names = [n for n in (compact(x) for x in names) if n]
    if len(names) < 2:
        return None
    votes: dict[str, int] = {}
    for n in names:
        for s in levels.candidates(n):
            votes[s] = votes.get(s, 0) + 1
    if not votes:
        return None
    scale = max(votes, key=lambda s: votes[s])
    return Scheme(names=names, scale=scale, size=len(names))


_TRIGGER = re.compile(r"(?:分为|分成|划分为|划分成|确定为|评定为|定为|设为|分|按照|按)")
_STOP = re.compile(r"[，,。；;：:(（]")
_QUOTES = re.compile(r"[“”\"「」『』‘’']")
_COUNT = re.compile(r"[二三四五两2-5](?:个|种)?(?:等级|级别|级|档|类|等)")
_SPLIT = re.compile(r"[、/和及与,，]")
_BARE_NUM = re.compile(r"^[一二三四五1-5ⅠⅡⅢⅣⅤIV]+$")


def _scheme_names(chunk: str, levels: Levels) -> list[str] | None:
    chunk = _QUOTES.sub("", chunk)
    variants = []
    c = _COUNT.search(chunk)
    if c is not None:
        variants += [chunk[: c.start()], chunk[: c.end()]]
    for text in variants:
        parts = [p for p in _SPLIT.split(text) if p]
        if len(parts) < 2:
            continue
        last = parts[-1]
        m = re.match(r"^([一二三四五1-5ⅠⅡⅢⅣⅤIV]+)(级|类)", last)
        if m and all(_BARE_NUM.match(p) for p in parts[:-1]):
            parts = [p + m.group(2) for p in parts[:-1]] + [m.group(1) + m.group(2)]
        parts = [re.sub(r"^(?:风险等级|等级)", "", p) for p in parts]
        if all(levels.candidates(p) for p in parts):
            return parts
    return None


def find_scheme(text: str, levels: Levels) -> tuple[Scheme, tuple[int, int]] | None:
    """The first level scheme a text declares ("风险等级分高、中、低三级", "按照“高、中、低”三个
    等级", "确定为一、二、三级"), with its span; None if it declares none."""
    for m in _TRIGGER.finditer(text):
        rest = text[m.end(): m.end() + 28]
        stop = _STOP.search(rest)
        chunk = rest[: stop.start()] if stop else rest
        names = _scheme_names(chunk, levels)
        if names is None:
            continue
        sch = parse_scheme(names, levels)
        if sch is not None:
            return sch, (m.start(), m.end() + len(chunk))
    return None
