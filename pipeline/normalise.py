"""One normalisation pass shared by all formats (issue 2 §4).

- full-width digits and Latin letters → half-width (punctuation such as （）、 is kept: it is
  meaningful in 公文 enumerators);
- zero-width and bidi control characters removed;
- Kangxi radicals and CJK compatibility ideographs (PDF text layers) → unified ideographs;
- variant / mis-encoded characters from ``lexicons/normalise/variants.yaml`` (臵→置);
- letter-spaced Chinese closed up (领 导 班 子 → 领导班子), a single space between two Chinese
  characters removed (风险 类别 → 风险类别), wider gaps (field separators) kept as one space, lines stripped; line breaks are kept (they separate numbered measures);
- optionally traditional → simplified (``fold_traditional``; needs the ``t2s`` extra).

Parsers keep the raw text next to the normalised one when the two differ.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ZERO_WIDTH_AND_BIDI = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width, word joiner, BOM, soft hyphen
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi controls
)
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u201c\u201d\u2018\u2019"
_HSPACE = r"[ \t\u00a0\u3000]"
# letter-spaced text: single characters each followed by space (领 导 班 子, 领  导  班  子)
_LETTER_SPACED = re.compile(rf"(?<![{_CJK}])(?:[{_CJK}]{_HSPACE}+){{2,}}[{_CJK}](?![{_CJK}])")
# one space between two Chinese characters (风险 类别); a wider gap separates fields and stays
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])[ \u00a0\u3000](?=[{_CJK}{_CJK_PUNCT}])")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Faster equivalents, for long texts (a .docx is normalised in one piece). Python's regex
# engine only skips ahead quickly when a pattern starts with what it consumes; patterns that
# start with a look-behind are tried at every character.
_ANY_SPACE = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u2009]")
# every letter-spaced run holds "space(s), one Chinese character, space": no such place, no run
_LETTER_SPACED_HINT = re.compile(rf"{_HSPACE}+[{_CJK}]{_HSPACE}")
# _SPACE_IN_CJK with its look-behind moved after the space it consumes (the same matches)
_SPACE_IN_CJK_FAST = re.compile(rf"[ \u00a0\u3000](?<=[{_CJK}{_CJK_PUNCT}][ \u00a0\u3000])(?=[{_CJK}{_CJK_PUNCT}])")
_OTHER_SPACES = "\t\u00a0\u3000\u2002\u2003\u2009"  # _SPACES without the plain space
_SPACE_RUN = re.compile(" {2,}")


@lru_cache(maxsize=4)
def _table(variants_key: tuple[tuple[str, str], ...]) -> dict[int, str | None]:
    t: dict[int, str | None] = {ord(c): None for c in _ZERO_WIDTH_AND_BIDI}
    for cp in range(0xFF10, 0xFF1A):  # ０-９
        t[cp] = chr(cp - 0xFEE0)
    for cp in list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B)):  # Ａ-Ｚ ａ-ｚ
        t[cp] = chr(cp - 0xFEE0)
    for cp in list(range(0x2F00, 0x2FD6)) + list(range(0x2E80, 0x2EF4)):  # Kangxi / radicals
        n = unicodedata.normalize("NFKC", chr(cp))
        if n != chr(cp):
            t[cp] = n
    for cp in range(0xF900, 0xFB00):  # CJK compatibility ideographs
        n = unicodedata.normalize("NFKC", chr(cp))
        if n != chr(cp) and len(n) == 1:
            t[cp] = n
    t[ord("\r")] = None
    t[0x2028] = "\n"
    t[0x2029] = "\n"
    for a, b in variants_key:
        t[ord(a)] = b
    return t


@lru_cache(maxsize=4)
def _translator(variants_key: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """:func:`_table` as a character class and a replacement per character.

    ``str.translate`` looks every character up in the table, which costs about as much as all
    the other steps together on Chinese text, where hardly any character is in it: finding the
    few that are and replacing those gives the same string.
    """
    table = _table(variants_key)
    repl = {chr(cp): ("" if v is None else v) for cp, v in table.items()}
    cls = "".join(re.escape(ch) for ch in sorted(repl))
    return re.compile(f"[{cls}]"), repl


def _variants() -> tuple[tuple[str, str], ...]:
    from pipeline.lexicon import lexicon_dir

    return _variants_for(str(lexicon_dir()))


@lru_cache(maxsize=4)
def _variants_for(root: str) -> tuple[tuple[str, str], ...]:
    from pipeline.lexicon import load_lexicons

    return tuple(sorted(load_lexicons(root).variants.items()))


@lru_cache(maxsize=1)
def _t2s():  # pragma: no cover - optional extra
    try:
        import opencc  # type: ignore[import-not-found]
    except ImportError:
        return None
    return opencc.OpenCC("t2s")


def normalise(text: str, *, fold_traditional: bool = False) -> str:
    """Return the normalised form of ``text`` (see the module docstring)."""
    if not text:
        return ""
    rx, repl = _translator(_variants())
    s = rx.sub(lambda m: repl[m.group()], text) if rx.search(text) else text
    if fold_traditional:
        conv = _t2s()
        if conv is not None:
            s = conv.convert(s)
    if _ANY_SPACE.search(s):  # the three steps below only ever act on spaces
        if _LETTER_SPACED_HINT.search(s):
            s = _LETTER_SPACED.sub(lambda m: re.sub(_HSPACE, "", m.group(0)), s)
        s = _SPACE_IN_CJK_FAST.sub("", s)
        # _SPACES.sub(" ", s): every other space character becomes a space, then runs shrink to one
        for ch in _OTHER_SPACES:
            if ch in s:
                s = s.replace(ch, " ")
        if "  " in s:
            s = _SPACE_RUN.sub(" ", s)
    if "\n" in s:
        s = "\n".join([line.strip() for line in s.split("\n")])
        if "\n\n\n" in s:
            s = _BLANK_LINES.sub("\n\n", s)
        s = s.strip("\n")
    return s.strip()


def with_raw(text: str) -> tuple[str, str | None]:
    """``(normalised, raw or None)``: raw is kept only when it differs."""
    n = normalise(text)
    return n, (text if n != text else None)
