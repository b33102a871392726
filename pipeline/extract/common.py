"""Small text helpers shared by the extraction modules: compact keys and phrase lookup."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from pipeline.enumerators import strip_trailing
from pipeline.memo import track

_log = logging.getLogger(__name__)

_WS = re.compile(r"\s+")
# full-width brackets and separators folded to one spelling for comparisons only
_FOLD = str.maketrans({
    "（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "［": "(", "］": ")",
    "[": "(", "]": ")", "／": "/", "：": ":", "﹙": "(", "﹚": ")",
})
FOLDED = frozenset(_FOLD.values())  # the characters folding writes (key's only new characters)
_EDGE = re.compile(r"^[*※★☆·:：\s]+|[*※★☆·:：\s]+$")
CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RUN = re.compile(rf"^[{CJK}]+$")
SENT_END = "。！？!?"
_TRAIL_SEP = re.compile(r"[\s；;，,、]+$")


def compact(text: str | None) -> str:
    """``text`` without any whitespace (line breaks included)."""
    return "".join(text.split()) if text else ""  # what _WS.sub("", text) gives, without a regex


@track
@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    return _EDGE.sub("", compact(text).translate(_FOLD))


def key(text: str | None) -> str:
    """The comparison form of a header or label: no whitespace, ASCII brackets, no edge marks."""
    return _key(text) if text else ""


def is_cjk(text: str) -> bool:
    return bool(_CJK_RUN.match(text))


def trim_item(text: str) -> str:
    """Strip an item and the separators (；，、) that only ended it; 。 stays."""
    return strip_trailing((text or "").strip()).strip()  # _TRAIL_SEP.sub("", …) without a regex


class PhraseIndex:
    """Look a text up in ``label → phrases``: an exact phrase first, then the longest one contained.

    ``match`` returns ``(label, phrase, exact)`` or None. Phrases and texts are compared in their
    :func:`key` form, so "风险\\n类别" finds 风险类别 and "单位（科室）" finds 单位(科室).
    """

    def __init__(self, terms: dict[str, list[str]], *, source: str = "") -> None:
        self.source = source
        self.exact: dict[str, str] = {}
        self.phrases: list[tuple[str, str, str]] = []  # (key, label, phrase), longest first
        for label, phrases in terms.items():
            for p in phrases:
                k = key(p)
                if not k:
                    continue
                self.exact.setdefault(k, label)
                self.phrases.append((k, label, p))
        self.phrases.sort(key=lambda t: -len(t[0]))
        self._rx: dict[int, re.Pattern[str]] = {}
        # first character → positions in ``phrases`` (ascending): a contained phrase starts at
        # one of the text's own characters, so only those buckets need testing
        self._by_first: dict[str, list[int]] = {}
        for i, (pk, _label, _p) in enumerate(self.phrases):
            self._by_first.setdefault(pk[0], []).append(i)
        # the first phrase (longest first) of each spelling, and the lengths, longest first:
        # the phrase a text ends with is its suffix of one of those lengths
        self._first_of: dict[str, tuple[str, str]] = {}
        for pk, label, _p in self.phrases:
            self._first_of.setdefault(pk, (label, pk))
        self._lengths = sorted({len(pk) for pk in self._first_of}, reverse=True)

    def _first_contained(self, k: str) -> int | None:
        """The position in ``phrases`` of the first phrase (longest first) that ``k`` contains."""
        best: int | None = None
        phrases, buckets = self.phrases, self._by_first
        for ch in set(k):
            for i in buckets.get(ch, ()):
                if best is not None and i >= best:
                    break
                if phrases[i][0] in k:
                    best = i
                    break
        return best

    def match(self, text: str | None, *, substring: bool = True) -> tuple[str, str, bool] | None:
        k = key(text)
        if not k:
            return None
        label = self.exact.get(k)
        if label is not None:
            return label, k, True
        if not substring:
            return None
        i = self._first_contained(k)
        if i is None:
            return None
        pk, plabel, _p = self.phrases[i]
        return plabel, pk, False

    def ends_with(self, text: str | None) -> tuple[str, str] | None:
        """The label of the longest phrase ``text`` ends with (分管副局长 → 副局长's label)."""
        k = key(text)
        if not k:
            return None
        label = self.exact.get(k)
        if label is not None:
            return label, k
        first_of, n = self._first_of, len(k)
        for length in self._lengths:  # a suffix per length, where a scan tested every phrase
            if length <= n:
                hit = first_of.get(k[n - length:])
                if hit is not None:
                    return hit
        return None

    def find_all(self, text: str | None, min_len: int = 2) -> list[tuple[str, str]]:
        """``(label, phrase)`` for each phrase occurring in ``text``, left to right, the longest
        phrase winning where several start at the same place."""
        rx = self._rx.get(min_len)
        if rx is None:
            alts = [re.escape(pk) for pk, _lab, _p in self.phrases if len(pk) >= min_len]
            rx = self._rx[min_len] = re.compile("|".join(alts)) if alts else re.compile(r"(?!)")
        return [(self.exact[m.group(0)], m.group(0)) for m in rx.finditer(key(text))]

    def labels(self) -> Iterable[str]:
        return {lab for _k, lab, _p in self.phrases}


class Scanner:
    """``rx.finditer`` that jumps from one possible first character of a match to the next.

    Python's regex engine tries a pattern that starts with a group of alternatives (or with
    a look-around) at every position of the text; the same matches come out here when the
    characters a match can start with are known (:func:`pipeline.enumerators.first_chars`),
    and from ``rx.finditer`` itself otherwise.
    """

    def __init__(self, rx: re.Pattern[str]) -> None:
        from pipeline.enumerators import first_chars

        self.rx = rx
        first = first_chars(rx)
        self.first = re.compile("[" + "".join(re.escape(c) for c in sorted(first)) + "]") if first else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.first is None:
            yield from self.rx.finditer(text)
            return
        search, match = self.first.search, self.rx.match
        pos = 0
        while True:
            hit = search(text, pos)
            if hit is None:
                return
            start = hit.start()
            m = match(text, start)
            if m is None:
                pos = start + 1
            else:  # a match consumes its first character: never empty
                yield m
                pos = m.end()


def loc_at(base: Any, **changes: Any) -> Any:
    """``base`` with some keys replaced (``Loc.at``: a shallow, unvalidated copy)."""
    return base.copy_with(changes)


def cached(ctx_cache: dict, name: str, build):  # type: ignore[no-untyped-def]
    """``ctx.cache[name]``, built once per process by ``build()``."""
    obj = ctx_cache.get(name)
    if obj is None:
        obj = ctx_cache[name] = build()
    return obj
