"""Countermeasures: split a measure cell or paragraph into items; defense line; boilerplate.

Splitting follows the numbering the source types (1. / 1、 / （1） / ① / 一是 / 1.1 1.2, also
inline without line breaks) through :func:`pipeline.enumerators.split_enumerated`, which only
cuts where the numbers run in sequence. An unnumbered text is one measure; an empty one is none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pipeline.enumerators import split_enumerated
from pipeline.extract.common import compact, trim_item
from pipeline.lexicon import Lexicons
from pipeline.model import DefenseLine

_log = logging.getLogger(__name__)

DEFENSE_LEXICON = "prose/defense_lines.yaml"
GENERIC_LEXICON = "measures_generic.yaml"
_PUNCT = re.compile(r"[\s,，.。;；:：、!！?？\"“”'‘’()（）《》—\-·…]")
_INTRO = re.compile(r"[：:]$")
# a lone number or bullet left over from a broken enumeration is not a measure
_NOISE = re.compile(r"^[\d.．、,，;；\s•·\-—]*$")


def split_measures(text: str | None, placeholders: frozenset[str] = frozenset()) -> list[tuple[str, tuple[int, int]]]:
    """Items of a measure text, each ``(text, (start, end))`` in ``text``; enumerators removed.

    An introduction ending with a colon ("采取以下措施：") is not an item; a cell holding only a
    placeholder (无 / 暂无 / —, lexicons/measures_generic.yaml) holds no measure.
    """
    if not text or not text.strip() or compact(text).strip("。.") in placeholders:
        return []
    items = split_enumerated(text)
    out: list[tuple[str, tuple[int, int]]] = []
    for k, (enum, item, start) in enumerate(items):
        body = trim_item(item)
        if not body or _NOISE.match(body):
            continue
        if enum is None and k == 0 and len(items) > 1 and _INTRO.search(body):
            continue
        begin = enum.end if enum is not None else start
        out.append((body, (begin, begin + len(item))))
    return out


@dataclass
class MeasureLexicon:
    defense: dict[str, list[str]]
    boilerplate: list[str]
    filler: list[str]
    placeholders: frozenset[str] = frozenset()

    @classmethod
    def from_lexicons(cls, lex: Lexicons) -> MeasureLexicon:
        g = lex.terms(GENERIC_LEXICON)
        return cls(
            defense=lex.terms(DEFENSE_LEXICON),
            boilerplate=sorted((compact(p) for p in g.get("boilerplate", [])), key=len, reverse=True),
            filler=sorted((compact(p) for p in g.get("filler", [])), key=len, reverse=True),
            placeholders=frozenset(compact(p) for p in g.get("placeholder", [])),
        )

    def defense_line(self, text: str) -> tuple[DefenseLine | None, str | None]:
        """The line whose cues occur most; ties go to the line whose cue comes first."""
        best: tuple[int, int, str, str] | None = None  # (-count, first position, line, cue)
        for line, cues in self.defense.items():
            count = 0
            first = len(text) + 1
            first_cue = ""
            for cue in cues:
                n = text.count(cue)
                if n:
                    count += n
                    pos = text.find(cue)
                    if pos < first:
                        first, first_cue = pos, cue
            if count:
                cand = (-count, first, line, first_cue)
                if best is None or cand[:2] < best[:2]:
                    best = cand
        if best is None:
            return None, None
        return best[2], best[3]  # type: ignore[return-value]

    def is_generic(self, text: str) -> bool:
        """True when nothing is left once boilerplate phrases and filler words are removed."""
        s = _PUNCT.sub("", text)
        if not s:
            return False
        hit = False
        for p in self.boilerplate:
            if p in s:
                s = s.replace(p, "")
                hit = True
        if not hit:
            return False
        for f in self.filler:
            s = s.replace(f, "")
        return len(s) <= 1
