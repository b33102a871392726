"""Countermeasures: split a measure cell or paragraph into items; defense line; boilerplate.

Splitting follows the numbering the source types (1. / 1、 / （1） / ① / 一是 / 1.1 1.2, also
inline without line breaks) through :func:`pipeline.enumerators.split_enumerated`, which only
cuts where the numbers run in sequence. An unnumbered text is one measure; an empty one is none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from pipeline.enumerators import split_enumerated
from pipeline.extract.common import compact, trim_item
from pipeline.lexicon import Lexicons
from pipeline.memo import Memo
from pipeline.model import DefenseLine

_log = logging.getLogger(__name__)

DEFENSE_LEXICON = "prose/defense_lines.yaml"
GENERIC_LEXICON = "measures_generic.yaml"
_PUNCT = re.compile(r"[\s,，.。;；:：、!！?？\"“”'‘’()（）《》—\-·…]")
_INTRO = re.compile(r"[：:]$")
# a lone number or bullet left over from a broken enumeration is not a measure
_NOISE = re.compile(r"^[\d.．、,，;；\s•·\-—]*$")
# entries a per-process memo holds before it starts again: a batch repeats a bounded stock
# of measure wordings, while a pathological run of distinct texts must not grow memory
MEMO_MAX = 1 << 15


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
    # per-process memos of pure functions of a text (the lexicon lives as long as the process):
    # the same measure cells and items recur from row to row, document to document, unit to unit
    _split_memo: Memo = field(
        default_factory=Memo, init=False, repr=False, compare=False)
    _facts_memo: Memo = field(
        default_factory=Memo, init=False, repr=False, compare=False)

    def split(self, text: str | None) -> list[tuple[str, tuple[int, int]]]:
        """``split_measures(text, self.placeholders)``, once per distinct text (do not modify)."""
        return self._split_memo.remember(text, self._split, MEMO_MAX)

    def _split(self, text: str | None) -> list[tuple[str, tuple[int, int]]]:
        return split_measures(text, self.placeholders)

    def facts(self, item: str) -> tuple[DefenseLine | None, str | None, bool]:
        """``(*defense_line(item), is_generic(item))``, once per distinct item text."""
        return self._facts_memo.remember(item, self._facts, MEMO_MAX)

    def _facts(self, item: str) -> tuple[DefenseLine | None, str | None, bool]:
        line, cue = self.defense_line(item)
        return line, cue, self.is_generic(item)

    @classmethod
    def from_lexicons(cls, lex: Lexicons) -> MeasureLexicon:
        g = lex.terms(GENERIC_LEXICON)
        return cls(
            defense=lex.terms(DEFENSE_LEXICON),
            boilerplate=sorted((compact(p) for p in g.get("boilerplate", [])), key=len, reverse=True),
            filler=sorted((compact(p) for p in g.get("filler", [])), key=len, reverse=True),
            placeholders=frozenset(compact(p) for p in g.get("placeholder", [])),
        )

    def _defense_rx(self) -> tuple[re.Pattern[str], dict[str, str]]:
        rx = self.__dict__.get("_rx")
        if rx is None:
            line_of = {}
            for line, cues in self.defense.items():
                for cue in cues:
                    line_of.setdefault(cue, line)
            alt = "|".join(re.escape(c) for c in sorted(line_of, key=len, reverse=True))
            rx = self.__dict__["_rx"] = (re.compile(alt), line_of)
        return rx

    def defense_line(self, text: str) -> tuple[DefenseLine | None, str | None]:
        """The line whose cues occur most; ties go to the line whose cue comes first."""
        rx, line_of = self._defense_rx()
        cues = rx.findall(text)  # left to right, so list order is text order
        if len(cues) <= 1:  # most measures name one cue or none
            return (line_of[cues[0]], cues[0]) if cues else (None, None)  # type: ignore[return-value]
        counts: dict[str, int] = {}
        first: dict[str, tuple[int, str]] = {}
        for k, cue in enumerate(cues):
            line = line_of[cue]
            counts[line] = counts.get(line, 0) + 1
            first.setdefault(line, (k, cue))
        best = min(counts, key=lambda ln: (-counts[ln], first[ln][0]))
        return best, first[best][1]  # type: ignore[return-value]

    def _boilerplate_rx(self) -> re.Pattern[str] | None:
        """One alternation of the phrases (None when an empty phrase makes every text a hit)."""
        if "_brx" not in self.__dict__:
            alts = [re.escape(p) for p in self.boilerplate]
            self.__dict__["_brx"] = None if "" in self.boilerplate else \
                (re.compile("|".join(alts)) if alts else re.compile(r"(?!)"))
        return self.__dict__["_brx"]

    def is_generic(self, text: str) -> bool:
        """True when nothing is left once boilerplate phrases and filler words are removed."""
        s = _PUNCT.sub("", text)
        if not s:
            return False
        # most measures hold no boilerplate phrase at all: one search tells, where a loop over
        # the phrases cost a substring test each (a hit means some phrase is in the text)
        rx = self._boilerplate_rx()
        if rx is not None and not rx.search(s):
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
