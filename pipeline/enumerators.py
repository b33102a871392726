"""公文 enumerators: the 一、（一）1.（1）① numbering that Chinese official documents type by hand.

Three jobs share the same knowledge of what an enumerator looks like:

- :func:`match_enumerator` reads the enumerator at the start of a paragraph or cell line;
- :func:`split_enumerated` cuts a table cell such as ``1.加强教育2.制定制度`` into its items;
- :func:`format_number` renders a counter the way Word's ``w:numFmt`` would, so automatic
  numbering rebuilt from numbering.xml reads exactly like the typed kind.

Everything here is pure string work with precompiled regexes: it runs for every paragraph and
every cell of every document.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.memo import Memo

_log = logging.getLogger(__name__)

__all__ = [
    "Enum",
    "chinese_to_int",
    "int_to_chinese",
    "format_number",
    "heading_level_for",
    "match_enumerator",
    "split_enumerated",
]


@dataclass(frozen=True)
class Enum:
    """A leading enumerator found in a text.

    ``end`` is the index (in the string that was searched) where the item's content starts,
    after the enumerator and any spaces or the ：/， that may follow ``一是``.
    """

    style: str
    value: int
    parts: tuple[int, ...]
    raw: str
    end: int


_new_object = object.__new__


def _enum(style: str, value: int, parts: tuple[int, ...], raw: str, end: int) -> Enum:
    """``Enum(style, value, parts, raw, end)`` without the frozen dataclass's ``__init__``
    (five guarded attribute sets): the splitter makes one per candidate position."""
    e = _new_object(Enum)
    d = e.__dict__
    d["style"] = style
    d["value"] = value
    d["parts"] = parts
    d["raw"] = raw
    d["end"] = end
    return e


# -- Chinese numerals ---------------------------------------------------------------------

_CN_DIGIT = {
    "〇": 0, "零": 0, "○": 0, "Ｏ": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_CN_UNIT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_CHARS = "".join(_CN_DIGIT) + "".join(_CN_UNIT)


def chinese_to_int(s: str) -> int | None:
    """Value of a Chinese numeral (一 … 九千九百九十九), or None if ``s`` is not one.

    Accepts positional forms (二十三, 一百零五, 十二), the legal forms (壹拾贰) and, without any
    unit character, digit-by-digit forms (一〇二 → 102, Word's ideographDigital).
    """
    if not s or any(ch not in _CN_DIGIT and ch not in _CN_UNIT for ch in s):
        return None
    if not any(ch in _CN_UNIT for ch in s):
        if len(s) == 1:
            return _CN_DIGIT[s]
        if "两" in s or "兩" in s:  # 两 is never a digit inside a digit string
            return None
        v = 0
        for ch in s:
            v = v * 10 + _CN_DIGIT[ch]
        return v
    total = 0
    pending: int | None = None  # digit waiting for its unit
    last_unit = 10_000
    for ch in s:
        if ch in _CN_DIGIT:
            if pending is not None and pending != 0:
                return None  # two digits in a row (三四十): not a numeral we accept
            pending = _CN_DIGIT[ch]
        else:
            unit = _CN_UNIT[ch]
            if unit >= last_unit:
                return None  # 十百, 百百: units must decrease
            total += (1 if pending is None else pending) * unit
            if pending == 0:
                return None  # 零十 is malformed
            pending = None
            last_unit = unit
    if pending:
        total += pending
    return total


_CN_NUM = "〇一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"


def int_to_chinese(n: int, *, legal: bool = False) -> str:
    """一, 十, 十一, 二十, 一百零一 …; ``legal=True`` gives 壹拾壹 style (chineseLegalSimplified)."""
    digits = _CN_LEGAL if legal else "零一二三四五六七八九"
    units = ("", "拾", "佰", "仟") if legal else ("", "十", "百", "千")
    if n == 0:
        return digits[0]
    if n < 0 or n >= 10_000:
        return str(n)
    out: list[str] = []
    s = str(n)
    zero = False
    for i, ch in enumerate(s):
        d = int(ch)
        pos = len(s) - 1 - i
        if d == 0:
            zero = True
            continue
        if zero and out:
            out.append(digits[0])
        zero = False
        out.append(digits[d] + units[pos])
    text = "".join(out)
    # 10–19 read 十一, not 一十一, in ordinary numerals; legal numerals keep 壹拾
    if not legal and 10 <= n < 20:
        text = text[1:]
    return text


# -- Word number formats -------------------------------------------------------------------

_CIRCLED = [chr(c) for c in range(0x2460, 0x2474)]  # ①..⑳
_CIRCLED += [chr(c) for c in range(0x3251, 0x3260)]  # ㉑..㉟
_CIRCLED += [chr(c) for c in range(0x32B1, 0x32C0)]  # ㊱..㊿
_PAREN_DIGIT = [chr(c) for c in range(0x2474, 0x2488)]  # ⑴..⒇
_DOT_DIGIT = [chr(c) for c in range(0x2488, 0x249C)]  # ⒈..⒛
_PAREN_IDEO = [chr(c) for c in range(0x3220, 0x322A)]  # ㈠..㈩
_ROMAN_UP = [chr(c) for c in range(0x2160, 0x216C)]  # Ⅰ..Ⅻ
_ROMAN_LO = [chr(c) for c in range(0x2170, 0x217C)]  # ⅰ..ⅻ
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"

_ROMAN_PAIRS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = []
    for v, sym in _ROMAN_PAIRS:
        while n >= v:
            out.append(sym)
            n -= v
    return "".join(out)


def _roman_value(s: str) -> int | None:
    s = s.upper()
    if not s or any(ch not in "IVXLCDM" for ch in s):
        return None
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(s):
        v = vals[ch]
        if i + 1 < len(s) and vals[s[i + 1]] > v:
            total -= v
        else:
            total += v
    return total if _roman(total) == s else None


def _letters(n: int) -> str:
    # Word repeats the letter past Z: 27 → AA, 28 → BB
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, num_fmt: str) -> str:
    """Render counter ``n`` as Word's ``w:numFmt`` value ``num_fmt`` would.

    Formats with a finite alphabet (circled digits, 甲乙丙, 子丑寅) fall back to decimal past
    their end; ``none`` and ``bullet`` give "" (a bullet's glyph is the level's lvlText).
    Unknown formats are rendered as decimal.
    """
    f = num_fmt or "decimal"
    if f in ("none", "bullet"):
        return ""
    if f in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting",
             "taiwaneseCountingThousand", "japaneseCounting", "koreanCounting"):
        return int_to_chinese(n)
    if f in ("chineseLegalSimplified", "japaneseLegal"):
        return int_to_chinese(n, legal=True)
    if f in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand", "koreanDigital"):
        return "".join(_CN_NUM[int(d)] for d in str(n)) if n >= 0 else str(n)
    if f in ("ideographTraditional", "ideographTraditionalEnclosed"):
        return _TIANGAN[n - 1] if 1 <= n <= len(_TIANGAN) else str(n)
    if f == "ideographZodiac":
        return _DIZHI[n - 1] if 1 <= n <= len(_DIZHI) else str(n)
    if f in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return _CIRCLED[n - 1] if 1 <= n <= len(_CIRCLED) else str(n)
    if f in ("decimalEnclosedParen",):
        return _PAREN_DIGIT[n - 1] if 1 <= n <= len(_PAREN_DIGIT) else f"({n})"
    if f in ("decimalEnclosedFullstop",):
        return _DOT_DIGIT[n - 1] if 1 <= n <= len(_DOT_DIGIT) else f"{n}."
    if f == "ideographEnclosedCircle":
        return _PAREN_IDEO[n - 1] if 1 <= n <= len(_PAREN_IDEO) else str(n)
    if f == "decimalFullWidth" or f == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n)) if n >= 0 else str(n)
    if f == "decimalZero":
        return f"{n:02d}" if 0 <= n < 10 else str(n)
    if f == "upperRoman":
        return _roman(n)
    if f == "lowerRoman":
        return _roman(n).lower()
    if f == "upperLetter":
        return _letters(n)
    if f == "lowerLetter":
        return _letters(n).lower()
    return str(n)


# -- Matching ------------------------------------------------------------------------------

HEADING_LEVELS: dict[str, int] = {
    "cn_dun": 1,
    "cn_paren": 2,
    "arabic_dot": 3,
    "arabic_paren": 4,
    "circled": 5,
}


def heading_level_for(style: str) -> int | None:
    """The heading level 公文 convention gives an enumerator style (一、=1 … ①=5), else None."""
    return HEADING_LEVELS.get(style)


_SP = r"[ \t\u00a0\u3000]*"
_CN = f"[{_CN_CHARS}]{{1,4}}"
# characters that, right after "1.5" or "3.1", make it a quantity or a date, not a section number
_UNITS = "万亿千百元角%％‰个倍年月日号时秒米吨斤亩岁次天周辆"
_ASCII_ALNUM = "A-Za-z0-9"

# Each entry: style, regex (no anchor; matched with .match at a position), kind of value.
# Group "n" holds the numeral. Lookaheads keep quantities (1.5万元, 3个), dates and ordinals out.
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    # （一） (一) （一、 一）  — before cn_dun so that "一）" is not read as a bare numeral
    ("cn_paren", re.compile(rf"[（(]{_SP}(?P<n>{_CN}){_SP}[）)]|(?P<m>{_CN})[）)]"), "cn"),
    ("cn_paren", re.compile(r"(?P<c>[\u3220-\u3229])"), "paren_ideo"),
    ("cn_shi", re.compile(rf"(?P<n>{_CN})是(?![非否])"), "cn"),
    ("cn_dun", re.compile(rf"(?P<n>{_CN}){_SP}(?:、|[.．](?![0-9]))"), "cn"),
    # 1.1 / 1.1.2 / 1.2、  (each part ≤ 2 digits; never a quantity or a date)
    ("dotted", re.compile(
        rf"(?P<n>[0-9]{{1,2}}(?:[.．][0-9]{{1,2}})+)(?![0-9])(?:[.．、](?![0-9])|(?=[ \t\u3000]|[^{_UNITS}.．{_ASCII_ALNUM}/:\-])|$)"),
     "dotted"),
    # （1） (1) 1） 1)
    ("arabic_paren", re.compile(r"[（(]\s*(?P<n>[0-9]{1,3})\s*[）)]|(?P<m>[0-9]{1,3})[）)]"), "int"),
    ("arabic_paren", re.compile(r"(?P<c>[\u2474-\u2487])"), "paren_digit"),
    # 1. 1、 1．  (not 1.5, not 2016、)
    ("arabic_dot", re.compile(r"(?P<n>[0-9]{1,3})(?:[.．](?![0-9])|、)"), "int"),
    ("arabic_dot", re.compile(r"(?P<c>[\u2488-\u249b])"), "dot_digit"),
    ("circled", re.compile(r"(?P<c>[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])"), "circled"),
    ("roman", re.compile(r"(?P<c>[\u2160-\u216b\u2170-\u217b])[.．、]?"), "roman_u"),
    ("roman", re.compile(r"(?P<n>II|III|IV|VI|VII|VIII|IX|XI|XII|ii|iii|iv|vi|vii|viii|ix|xi|xii|I|V|X|i|v|x)"
                         r"(?:[.．、](?![A-Za-z0-9])|[)）])"), "roman"),
    ("latin", re.compile(r"[（(](?P<m>[A-Za-z])[）)]|(?P<n>[A-Za-z])(?:[.．、](?![A-Za-z0-9])|[)）])"), "latin"),
]

# a short label ending in a colon, at the end of an item, before a list that starts again
_GROUP_LABEL = re.compile(r"(?:^|(?<=[。；;，,\s]))([^。；;，,\s]{1,12}[：:])\s*$")
# separators that end an item only because the next item follows (kept: 。)
_ITEM_TRIM = re.compile(r"[\s；;，,、]+$")
_ITEM_SEPARATORS = "；;，,、"
_HSPACES = " \t\u00a0\u3000"


def strip_trailing(text: str, chars: str = _ITEM_SEPARATORS) -> str:
    """``text`` without the run of whitespace and ``chars`` it ends with.

    What ``_ITEM_TRIM.sub("", text)`` gives, without the regex engine, which tries that pattern
    at every separator of the text (its whitespace class and ``str.isspace`` agree on every
    code point).
    """
    while True:
        t = text.rstrip().rstrip(chars)
        if not t or not t[-1].isspace():  # ends in neither: a further round would change nothing
            return t
        text = t
_TRAILING_SPACE = re.compile(r"[ \t\u00a0\u3000]*")
_SHI_TAIL = re.compile(r"[ \t\u00a0\u3000]*[：:，,]?[ \t\u00a0\u3000]*")
_LEADING_SPACE = re.compile(r"[ \t\u00a0\u3000]*")

# a Chinese numeral followed by these is a quantity or a name, not an enumerator (一级、三重一大)
_CN_BLOCKERS_AFTER_SHI = set("的")


def _value(kind: str, m: re.Match[str]) -> tuple[int, tuple[int, ...]] | None:
    g = m.group("n") if "n" in m.re.groupindex else None
    if g is None and "m" in m.re.groupindex:
        g = m.group("m")
    c = m.group("c") if "c" in m.re.groupindex else None
    return _convert(kind, g, c)


def _convert(kind: str, g: str | None, c: str | None) -> tuple[int, tuple[int, ...]] | None:
    """``(value, parts)`` of an enumerator of ``kind`` whose numeral is ``g`` (or the character ``c``)."""
    if kind == "cn":
        v = chinese_to_int(g or "")
        return (v, (v,)) if v else None
    if kind == "int":
        v = int(g)  # type: ignore[arg-type]
        return (v, (v,)) if v > 0 else None
    if kind == "dotted":
        parts = tuple(int(p) for p in re.split(r"[.．]", g or ""))
        if parts[0] == 0 or any(p == 0 for p in parts[1:-1]):
            return None
        return parts[-1], parts
    if kind == "circled":
        v = _CIRCLED.index(c)  # type: ignore[arg-type]
        return v + 1, (v + 1,)
    if kind == "paren_digit":
        v = ord(c) - 0x2474 + 1  # type: ignore[arg-type]
        return v, (v,)
    if kind == "dot_digit":
        v = ord(c) - 0x2488 + 1  # type: ignore[arg-type]
        return v, (v,)
    if kind == "paren_ideo":
        v = ord(c) - 0x3220 + 1  # type: ignore[arg-type]
        return v, (v,)
    if kind == "roman_u":
        o = ord(c)  # type: ignore[arg-type]
        v = (o - 0x2160 if o < 0x2170 else o - 0x2170) + 1
        return v, (v,)
    if kind == "roman":
        v2 = _roman_value(g or "")
        return (v2, (v2,)) if v2 else None
    if kind == "latin":
        v = ord((g or "a").lower()) - ord("a") + 1
        return v, (v,)
    return None


_Reader = Callable[[re.Match[str]], "tuple[int, tuple[int, ...]] | None"]


def _reader(kind: str, rx: re.Pattern[str]) -> _Reader:
    """``_value(kind, m)`` for the matches of ``rx``, its groups looked up once, not per match."""
    gi = rx.groupindex
    n, alt, c = gi.get("n"), gi.get("m"), gi.get("c")
    if kind == "circled" and c is not None and n is None and alt is None:
        steps = {ch: (i + 1, (i + 1,)) for i, ch in reversed(list(enumerate(_CIRCLED)))}
        return lambda m: steps[m[c]]  # type: ignore[index]
    if n is not None and alt is not None:
        return lambda m: _convert(kind, m[n] if m[n] is not None else m[alt], m[c] if c is not None else None)
    g = n if n is not None else alt
    if g is None:
        return lambda m: _convert(kind, None, m[c] if c is not None else None)
    return lambda m: _convert(kind, m[g], m[c] if c is not None else None)


class _AnyFirst(Exception):
    """A pattern whose first character cannot be bounded (it is then tried everywhere)."""


def _first_of(items: list[tuple[object, object]]) -> set[str]:
    """The characters a parsed regex (``re._parser`` items) can start with."""
    from re import _constants as C  # type: ignore[attr-defined]

    if not items:
        raise _AnyFirst
    op, av = items[0]
    if op is C.LITERAL:
        return {chr(av)}  # type: ignore[arg-type]
    if op is C.IN:
        out: set[str] = set()
        for sub_op, sub_av in av:  # type: ignore[attr-defined]
            if sub_op is C.LITERAL:
                out.add(chr(sub_av))
            elif sub_op is C.RANGE:
                out.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
            else:  # NEGATE, CATEGORY: unbounded
                raise _AnyFirst
        return out
    if op is C.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av  # type: ignore[misc]
        if add_flags & re.IGNORECASE:
            raise _AnyFirst
        return _first_of(sub)
    if op is C.BRANCH:
        return set().union(*(_first_of(alt) for alt in av[1]))  # type: ignore[index]
    if op is C.MAX_REPEAT or op is C.MIN_REPEAT:
        lo, _hi, sub = av  # type: ignore[misc]
        if lo == 0:
            raise _AnyFirst
        return _first_of(sub)
    raise _AnyFirst


def first_chars(rx: re.Pattern[str]) -> frozenset[str] | None:
    """The characters ``rx`` can match first, or None when that cannot be told (try it anywhere)."""
    if rx.flags & re.IGNORECASE:
        return None
    try:
        from re import _parser  # type: ignore[attr-defined]

        return frozenset(_first_of(list(_parser.parse(rx.pattern, rx.flags))))
    except (_AnyFirst, ImportError, AttributeError, TypeError, ValueError):
        return None


_MAX_REQUIRED_SET = 16  # a longer class (a range of letters …) is not worth testing for


def _required_of(items: list[tuple[object, object]]) -> set[frozenset[str]]:
    """Sets of characters such that every match of a parsed regex sequence contains at least
    one character of each set (some such sets, not always all)."""
    from re import _constants as C  # type: ignore[attr-defined]

    out: set[frozenset[str]] = set()
    for op, av in items:
        if op is C.LITERAL:
            out.add(frozenset(chr(av)))  # type: ignore[arg-type]
        elif op is C.IN:
            chars: set[str] = set()
            for sub_op, sub_av in av:  # type: ignore[attr-defined]
                if sub_op is C.LITERAL:
                    chars.add(chr(sub_av))
                elif sub_op is C.RANGE and sub_av[1] - sub_av[0] < _MAX_REQUIRED_SET:
                    chars.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
                else:  # NEGATE, a category, a wide range: no set to name
                    chars = set()
                    break
            if chars and len(chars) <= _MAX_REQUIRED_SET:
                out.add(frozenset(chars))
        elif op is C.SUBPATTERN:
            if not av[1] & re.IGNORECASE:  # type: ignore[index]  # (?i:…) matches other cases too
                out |= _required_of(av[3])  # type: ignore[index]
        elif op is C.BRANCH:
            alts = [_required_of(alt) for alt in av[1]]  # type: ignore[index]
            if alts:
                # a set every alternative requires, or the union of one requirement of each
                out |= set.intersection(*alts)
                if all(alts):
                    union = frozenset().union(*(min(a, key=lambda s: (len(s), sorted(s))) for a in alts))
                    if len(union) <= _MAX_REQUIRED_SET:
                        out.add(union)
        elif op is C.MAX_REPEAT or op is C.MIN_REPEAT:
            lo, _hi, sub = av  # type: ignore[misc]
            if lo >= 1:
                out |= _required_of(sub)
        # anything else (a look-around, a reference …) requires nothing we can name
    return out


def required_sets(rx: re.Pattern[str]) -> tuple[frozenset[str], ...]:
    """Sets of characters of which every match of ``rx`` contains one each: a text without any
    character of one of them cannot hold a match, and a few substring tests say so before the
    regex engine tries every position (see :func:`may_match`)."""
    if rx.flags & re.IGNORECASE:
        return ()
    try:
        from re import _parser  # type: ignore[attr-defined]

        found = _required_of(list(_parser.parse(rx.pattern, rx.flags)))
    except (ImportError, AttributeError, TypeError, ValueError):
        return ()
    # single characters first (one test each), then the smaller sets
    return tuple(sorted(found, key=lambda s: (len(s), sorted(s))))


def required_chars(rx: re.Pattern[str]) -> frozenset[str]:
    """The characters every match of ``rx`` contains."""
    return frozenset(next(iter(s)) for s in required_sets(rx) if len(s) == 1)


def may_match(text: str, sets: tuple[frozenset[str], ...]) -> bool:
    """False when ``text`` lacks every character of one of ``sets`` (:func:`required_sets`): no
    match of their regex can be in it. True says nothing."""
    for chars in sets:
        for ch in chars:
            if ch in text:
                break
        else:
            return False
    return True


def _dispatch() -> tuple[dict[str, tuple[tuple[str, re.Pattern[str], str], ...]],
                         tuple[tuple[str, re.Pattern[str], str], ...]]:
    """For each possible first character, the patterns (in order) that can start with it.

    Most characters of a cell start no enumerator at all; trying all thirteen patterns at
    every candidate position was most of the cost of splitting measure cells.
    """
    firsts = [first_chars(rx) for _style, rx, _kind in _PATTERNS]
    anywhere = tuple(p for p, f in zip(_PATTERNS, firsts, strict=True) if f is None)
    chars = set().union(*(f for f in firsts if f is not None))
    by_char = {ch: tuple(p for p, f in zip(_PATTERNS, firsts, strict=True) if f is None or ch in f) for ch in chars}
    return by_char, anywhere


_BY_FIRST, _ANYWHERE = _dispatch()
# the same, each pattern with its reader of values
_READERS = {p: _reader(p[2], p[1]) for p in _PATTERNS}
_BY_FIRST_READ = {ch: tuple((p[0], p[1], _READERS[p]) for p in pats) for ch, pats in _BY_FIRST.items()}
_ANYWHERE_READ = tuple((p[0], p[1], _READERS[p]) for p in _ANYWHERE)


def _match_at(text: str, pos: int) -> Enum | None:
    """The enumerator starting exactly at ``pos`` (end is absolute in ``text``)."""
    if pos >= len(text):
        return None
    for style, rx, read in _BY_FIRST_READ.get(text[pos], _ANYWHERE_READ):
        m = rx.match(text, pos)
        if m is None:
            continue
        got = read(m)
        if got is None:
            continue
        value, parts = got
        end = m.end()
        if style == "cn_shi":
            nxt = text[end:end + 1]
            if nxt in _CN_BLOCKERS_AFTER_SHI:
                continue
            end = _SHI_TAIL.match(text, end).end()  # type: ignore[union-attr]
        elif end < len(text) and text[end] in _HSPACES:  # most enumerators are followed by text
            end = _TRAILING_SPACE.match(text, end).end()  # type: ignore[union-attr]
        return _enum(style, value, parts, text[pos:m.end()], end)
    return None


# characters whose presence right before a position rules out an enumerator starting there
_CN_SET = frozenset(_CN_CHARS)
_DIGITS = frozenset("0123456789.．")
_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_SENTENCE_END = frozenset("。；;！!？?\n")
_BREAKS = frozenset("。；;！!？?\n：:，,")


# match_enumerator's answers for short texts (headings, labels, cells), which recur within a
# document and from document to document of a batch: an enumerated heading costs several
# pattern tries. Long texts are not kept (memory), and emptied at the bound.
_MATCH_MEMO: dict[str, Enum | None] = Memo()
_MISSING = object()
MATCH_MEMO_MAX = 1 << 14
MATCH_MEMO_TEXT = 160  # longest text kept


def match_enumerator(text: str) -> Enum | None:
    """The 公文 enumerator at the very start of ``text`` (after leading spaces), or None.

    >>> match_enumerator("（一）指导思想").raw
    '（一）'
    >>> match_enumerator("1998年") is None
    True
    """
    if not text:
        return None
    if len(text) > MATCH_MEMO_TEXT:
        return _match_enumerator(text)
    memo = _MATCH_MEMO
    got = memo.get(text, _MISSING)
    if got is not _MISSING:
        return got  # type: ignore[return-value]  # an Enum is frozen: one answer serves all
    if len(memo) >= MATCH_MEMO_MAX:
        memo.clear()
    got = memo[text] = _match_enumerator(text)
    return got


def _match_enumerator(text: str) -> Enum | None:
    """:func:`match_enumerator` without the memo (``text`` not empty)."""
    pos = _LEADING_SPACE.match(text).end()  # type: ignore[union-attr]
    if pos >= len(text):
        return None
    return _match_at(text, pos)


# -- Splitting -----------------------------------------------------------------------------

# styles whose candidates may start anywhere, even right after a Chinese character
_FIRST_CHARS = re.compile(
    r"[（(0-9一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾\u2460-\u2473\u2474-\u249b"
    r"\u3220-\u3229\u3251-\u325f\u32b1-\u32bf\u2160-\u216b\u2170-\u217bA-Za-z]"
)
_OPEN_QUOTES = {"《": "》", "〔": "〕", "[": "]", "【": "】", "“": "”", "\"": "\""}
_OPENERS = re.compile("[" + re.escape("".join(_OPEN_QUOTES)) + "]")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside 《…》, 〔…〕, 【…】, “…” where no enumerator can start."""
    spans: list[tuple[int, int]] = []
    for ch in _OPEN_QUOTES:  # most texts hold none: a substring test each is cheaper than a regex scan
        if ch in text:
            break
    else:
        return spans
    m = _OPENERS.search(text)  # jump from opener to opener: a scan per character was slow
    while m is not None:
        i = m.start()
        j = text.find(_OPEN_QUOTES[text[i]], i + 1)
        if j != -1 and j - i <= 120:
            spans.append((i, j))
            m = _OPENERS.search(text, j + 1)
        else:
            m = _OPENERS.search(text, i + 1)
    return spans


_REF_ONLY = frozenset({"第", "附"})  # 第1条 / 附件1: ordinals and references
_ASCII_DIGITS = frozenset("0123456789")


def _prev_blockers(ch: str) -> frozenset[str]:
    """The characters that, right before the character ``ch``, rule out an enumerator starting
    at it: never inside a number, a Chinese numeral or a Latin word, nor after 第/附."""
    out = set(_REF_ONLY)
    if ch in _ASCII_DIGITS:
        out |= _DIGITS
    if ch in _CN_SET:
        out |= _CN_SET
    if ch in _LATIN:
        out |= _LATIN | _ASCII_DIGITS
    return frozenset(out)


_BLOCKERS = {ch: _prev_blockers(ch) for ch in _CN_SET | _LATIN | _ASCII_DIGITS}
_WEAK_STYLES = frozenset({"latin", "roman"})  # words, not list markers, unless after a break
_TRUSTED_AFTER_BREAK = frozenset({"cn_shi", "latin", "roman"})


def _candidates(text: str) -> list[tuple[int, Enum, bool]]:
    """Every position where an enumerator could start: (pos, enum, strong).

    ``strong`` means the position starts a line or follows a sentence end; other candidates
    only count when they continue a sequence.
    """
    protected = _protected_spans(text)
    n_protected = len(protected)
    out: list[tuple[int, Enum, bool]] = []
    pi = 0
    blockers, ref_only, by_first, anywhere = _BLOCKERS, _REF_ONLY, _BY_FIRST_READ, _ANYWHERE_READ
    n = len(text)
    for m in _FIRST_CHARS.finditer(text):
        pos = m.start()
        if n_protected:
            while pi < n_protected and protected[pi][1] < pos:
                pi += 1
            if pi < n_protected and protected[pi][0] < pos <= protected[pi][1]:
                continue
        ch = m.group()
        if pos and text[pos - 1] in blockers.get(ch, ref_only):
            continue
        # _match_at(text, pos), inlined: this runs for every candidate of every cell
        for style, rx, read in by_first.get(ch, anywhere):
            mm = rx.match(text, pos)
            if mm is None:
                continue
            got = read(mm)
            if got is None:
                continue
            raw_end = end = mm.end()
            if style == "cn_shi":
                if text[end:end + 1] in _CN_BLOCKERS_AFTER_SHI:
                    continue
                end = _SHI_TAIL.match(text, end).end()  # type: ignore[union-attr]
            elif end < n and text[end] in _HSPACES:
                end = _TRAILING_SPACE.match(text, end).end()  # type: ignore[union-attr]
            break
        else:
            continue
        j = pos - 1
        while j >= 0 and text[j] in _HSPACES:
            j -= 1
        strong = j < 0 or text[j] in _SENTENCE_END
        if not strong and style in _WEAK_STYLES and text[j] not in _BREAKS:
            continue  # Latin letters inside prose are words, not list markers
        out.append((pos, _enum(style, got[0], got[1], text[pos:raw_end], end), strong))
    return out


def _follows(prev: Enum, nxt: Enum) -> bool:
    if prev.style != nxt.style:
        return False
    if prev.style == "dotted":
        a, b = prev.parts, nxt.parts
        if len(a) == len(b) and a[:-1] == b[:-1] and b[-1] == a[-1] + 1:
            return True
        # 1.2 → 2.1: the next top-level group starts again at .1
        return len(b) >= 2 and b[0] == a[0] + 1 and all(p == 1 for p in b[1:]) and len(b) <= len(a)
    return nxt.value == prev.value + 1


def _chain(cands: list[tuple[int, Enum, bool]], start: int) -> list[int]:
    """The positions in ``cands`` of the sequence that ``cands[start]`` opens."""
    last = cands[start][1]
    chain = [start]
    style, value = last.style, last.value
    dotted = style == "dotted"
    for k in range(start + 1, len(cands)):
        e = cands[k][1]
        if e.style != style:
            continue
        if (_follows(last, e) if dotted else e.value == value + 1):
            chain.append(k)
            last, value = e, e.value
    return chain


def _opens(e: Enum) -> bool:
    """A sequence starts at 1 (1.1 for dotted numbers)."""
    return e.value == 1 or (e.style == "dotted" and e.parts[-1] == 1)


def split_enumerated(text: str) -> list[tuple[Enum | None, str, int]]:
    """Split a cell or paragraph into its numbered items.

    Returns ``(enum, item_text, start)`` per item, where ``start`` is the offset of the item
    (of its enumerator, when it has one) in ``text`` and ``enum.end`` is the absolute offset
    of its content. Text before the first enumerator, if any, is an item with ``enum=None``.
    A text is split only where its enumerators form a sequence (1,2,3… ①②③ 一是 二是 …,
    1.1 1.2 …); otherwise it comes back as one item.
    """
    if not text or not text.strip():
        return []
    cands = _candidates(text)
    best: list[int] | None = None
    lead = len(text) - len(text.lstrip())  # nothing but whitespace before this offset
    for i, (pos, e, strong) in enumerate(cands):
        # a sequence starts at 1, or anywhere if it opens the text (a list continued from
        # the previous cell or page)
        at_start = pos <= lead
        if not at_start and not _opens(e):
            continue
        if not strong and not at_start and e.style in _TRUSTED_AFTER_BREAK:
            continue  # 统一是 / "a." inside prose: only trusted after a break
        chain = _chain(cands, i)
        if len(chain) < 2 or not _chain_ok(text, cands, chain):
            continue
        best = chain
        break
    if best is None:
        e = match_enumerator(text)
        if e is not None:
            return [(e, text[e.end:].strip(), _LEADING_SPACE.match(text).end())]  # type: ignore[union-attr]
        return [(None, text.strip(), _LEADING_SPACE.match(text).end())]  # type: ignore[union-attr]
    # "事前：1.… 2.… 事后：1.… 2.…": the same list style starting again at 1 is a new group
    groups = [best]
    style = cands[best[0]][1].style
    i = best[-1] + 1
    while i < len(cands):
        e = cands[i][1]
        if e.style == style and _opens(e):
            chain = _chain(cands, i)
            if len(chain) >= 2 and _chain_ok(text, cands, chain):
                groups.append(chain)
                i = chain[-1] + 1
                continue
        i += 1
    flat = best if len(groups) == 1 else [k for g in groups for k in g]
    starts = {cands[g[0]][0] for g in groups[1:]}
    items: list[tuple[Enum | None, str, int]] = []
    head = text[: cands[flat[0]][0]]
    if head.strip():
        items.append((None, head.strip(), _LEADING_SPACE.match(text).end()))  # type: ignore[union-attr]
    n_flat = len(flat)
    for k in range(n_flat):
        pos, e, _strong = cands[flat[k]]
        stop = cands[flat[k + 1]][0] if k + 1 < n_flat else len(text)
        body = text[e.end:stop]
        label = None
        if stop in starts:  # the tail before a new group is its label (事后：)
            m = _GROUP_LABEL.search(body)
            if m:
                label = (m.group(1), e.end + m.start(1))
                body = body[: m.start(1)]
        items.append((e, strip_trailing(body).strip(), pos))
        if label is not None:
            items.append((None, label[0].strip(), label[1]))
    return items


def _chain_ok(text: str, cands: list[tuple[int, Enum, bool]], chain: list[int]) -> bool:
    """Every item but the last must have content (rules out 一、二、三级 and 1、2、3号)."""
    for k in range(len(chain) - 1):
        if not text[cands[chain[k]][1].end:cands[chain[k + 1]][0]].strip(" \t\u3000，,、；;。"):
            return False
    return True
