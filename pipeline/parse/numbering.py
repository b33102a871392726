"""Word automatic numbering, rebuilt from ``word/numbering.xml``.

A numbered paragraph stores no number: only ``w:numPr`` (a ``w:numId`` and a level
``w:ilvl``), possibly inherited from its paragraph style. The visible "一、" or "（1）" is
made at render time from the list definition:

- ``w:num`` points at a ``w:abstractNum`` and may override levels (``w:lvlOverride`` with
  ``w:startOverride`` or a whole ``w:lvl``);
- each ``w:lvl`` gives ``w:start``, ``w:numFmt`` (decimal, chineseCounting …), ``w:lvlText``
  ("%1、", "（%1）", "%1.%2"), ``w:lvlRestart`` and ``w:isLgl``;
- counters run per list: lists whose ``w:num`` point at the same abstractNum share them
  unless the ``w:num`` overrides a start value, which begins a fresh list;
- using a level restarts the deeper levels (unless their ``w:lvlRestart`` says otherwise).

:class:`Numbering` replays that in document order; :meth:`Numbering.label` returns the text a
reader sees for one paragraph.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pipeline.enumerators import format_number

_log = logging.getLogger(__name__)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + W_NS + "}"
_VAL = _W + "val"

_MAX_LEVELS = 9


@dataclass
class Level:
    ilvl: int
    start: int = 1
    num_fmt: str = "decimal"
    text: str | None = None  # lvlText; None = no w:lvlText (Word shows nothing)
    restart: int | None = None  # w:lvlRestart (None = default: restart after any higher level)
    is_lgl: bool = False
    p_style: str | None = None
    suffix: str = "tab"  # tab | space | nothing


@dataclass
class AbstractNum:
    id: str
    levels: dict[int, Level] = field(default_factory=dict)
    num_style_link: str | None = None  # w:numStyleLink: the definition lives in a numbering style
    style_link: str | None = None


@dataclass
class Num:
    id: str
    abstract_id: str
    start_overrides: dict[int, int] = field(default_factory=dict)
    level_overrides: dict[int, Level] = field(default_factory=dict)


def _int(el: Any, default: int | None = None) -> int | None:
    if el is None:
        return default
    v = el.get(_VAL)
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def _on(el: Any) -> bool:
    """A WordprocessingML on/off property: present and not val=0/false/off."""
    if el is None:
        return False
    return el.get(_VAL, "true").lower() not in ("0", "false", "off")


def _level(lvl: Any) -> Level | None:
    ilvl = lvl.get(_W + "ilvl")
    try:
        i = int(ilvl) if ilvl is not None else 0
    except ValueError:
        return None
    if not 0 <= i < _MAX_LEVELS:
        return None
    out = Level(ilvl=i)
    for ch in lvl:
        tag = ch.tag
        if tag == _W + "start":
            out.start = _int(ch, 1) or 0
        elif tag == _W + "numFmt":
            out.num_fmt = ch.get(_VAL) or "decimal"
        elif tag == _W + "lvlText":
            out.text = ch.get(_VAL, "")
        elif tag == _W + "lvlRestart":
            out.restart = _int(ch)
        elif tag == _W + "isLgl":
            out.is_lgl = _on(ch)
        elif tag == _W + "pStyle":
            out.p_style = ch.get(_VAL)
        elif tag == _W + "suff":
            out.suffix = ch.get(_VAL) or "tab"
    return out


# Bullets set in Symbol/Wingdings are private-use characters; show a plain bullet instead.
def _bullet(text: str) -> str:
    if not text or all(0xE000 <= ord(c) <= 0xF8FF for c in text):
        return "•"
    return text


class Numbering:
    """List definitions of one document plus the running counters."""

    def __init__(self, root: Any | None = None, style_num: dict[str, tuple[str | None, int | None]] | None = None):
        """``root``: the parsed numbering.xml (or None); ``style_num``: styleId → (numId, ilvl)
        of paragraph/numbering styles, used to follow ``w:numStyleLink``."""
        self.abstracts: dict[str, AbstractNum] = {}
        self.nums: dict[str, Num] = {}
        self._style_num = style_num or {}
        # counters per list key; values per level (None = not used yet)
        self._counters: dict[str, list[int | None]] = {}
        self._started: set[str] = set()  # nums whose start overrides were applied
        if root is not None:
            self._load(root)

    def _load(self, root: Any) -> None:
        for el in root:
            if el.tag == _W + "abstractNum":
                aid = el.get(_W + "abstractNumId")
                if aid is None:
                    continue
                a = AbstractNum(id=aid)
                for ch in el:
                    if ch.tag == _W + "lvl":
                        lv = _level(ch)
                        if lv is not None:
                            a.levels[lv.ilvl] = lv
                    elif ch.tag == _W + "numStyleLink":
                        a.num_style_link = ch.get(_VAL)
                    elif ch.tag == _W + "styleLink":
                        a.style_link = ch.get(_VAL)
                self.abstracts[aid] = a
            elif el.tag == _W + "num":
                nid = el.get(_W + "numId")
                if nid is None:
                    continue
                aref = el.find(_W + "abstractNumId")
                n = Num(id=nid, abstract_id=aref.get(_VAL, "") if aref is not None else "")
                for ov in el.findall(_W + "lvlOverride"):
                    try:
                        i = int(ov.get(_W + "ilvl", "0"))
                    except ValueError:
                        continue
                    so = ov.find(_W + "startOverride")
                    if so is not None:
                        n.start_overrides[i] = _int(so, 1) or 0
                    lv_el = ov.find(_W + "lvl")
                    if lv_el is not None:
                        lv = _level(lv_el)
                        if lv is not None:
                            lv.ilvl = i
                            n.level_overrides[i] = lv
                self.nums[nid] = n

    # -- resolution ----------------------------------------------------------------------
    def abstract_for(self, num_id: str) -> AbstractNum | None:
        """The abstractNum a num renders with, following numStyleLink through styles."""
        n = self.nums.get(num_id)
        if n is None:
            return None
        a = self.abstracts.get(n.abstract_id)
        seen: set[str] = set()
        while a is not None and a.num_style_link and a.num_style_link not in seen:
            seen.add(a.num_style_link)
            linked_num = self._style_num.get(a.num_style_link, (None, None))[0]
            ln = self.nums.get(linked_num or "")
            nxt = self.abstracts.get(ln.abstract_id) if ln else None
            if nxt is None or nxt is a:
                break
            a = nxt
        return a

    def level_for_style(self, num_id: str, style_id: str) -> int | None:
        """The level whose ``w:pStyle`` is ``style_id`` (a style that carries numbering but no ilvl)."""
        a = self.abstract_for(num_id)
        if a is None:
            return None
        for lv in a.levels.values():
            if lv.p_style == style_id:
                return lv.ilvl
        return None

    def _level(self, num: Num, a: AbstractNum, ilvl: int) -> Level | None:
        return num.level_overrides.get(ilvl) or a.levels.get(ilvl)

    def label(self, num_id: str, ilvl: int) -> tuple[str, Level] | None:
        """Advance the counters for a paragraph numbered (num_id, ilvl) and return its label.

        Returns None when the paragraph is not really numbered (numId 0, an unknown list, a
        level without definition). The label is the rendered lvlText, e.g. "一、" or "1.2".
        """
        if not num_id or num_id == "0":
            return None
        num = self.nums.get(num_id)
        if num is None:
            _log.debug("numbering: numId %s not defined", num_id)
            return None
        a = self.abstract_for(num_id)
        if a is None:
            return None
        ilvl = max(0, min(ilvl, _MAX_LEVELS - 1))
        lv = self._level(num, a, ilvl)
        if lv is None:
            return None
        # a num that overrides a start value is its own list; otherwise lists share counters
        key = f"n{num.id}" if num.start_overrides or num.level_overrides else f"a{a.id}"
        counters = self._counters.setdefault(key, [None] * _MAX_LEVELS)
        if num.start_overrides and num.id not in self._started:
            self._started.add(num.id)
            for i in range(_MAX_LEVELS):
                counters[i] = None
        cur = counters[ilvl]
        if cur is None:
            counters[ilvl] = self._start(num, a, ilvl)
        else:
            counters[ilvl] = cur + 1
        # using this level restarts the deeper ones
        for deeper in range(ilvl + 1, _MAX_LEVELS):
            dl = self._level(num, a, deeper)
            restart = dl.restart if dl is not None else None
            if restart is None or (restart != 0 and ilvl <= restart - 1):
                counters[deeper] = None
        return self._render(num, a, lv, counters), lv

    def _start(self, num: Num, a: AbstractNum, ilvl: int) -> int:
        if ilvl in num.start_overrides:
            return num.start_overrides[ilvl]
        lv = self._level(num, a, ilvl)
        return lv.start if lv is not None else 1

    def _render(self, num: Num, a: AbstractNum, lv: Level, counters: list[int | None]) -> str:
        if lv.num_fmt == "bullet":
            return _bullet(lv.text or "")
        text = lv.text
        if text is None:
            return ""
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "%" and i + 1 < len(text) and text[i + 1].isdigit():
                k = int(text[i + 1]) - 1
                i += 2
                if not 0 <= k < _MAX_LEVELS:
                    continue
                v = counters[k]
                if v is None:
                    v = self._start(num, a, k)
                ref = self._level(num, a, k)
                fmt = ref.num_fmt if ref is not None else "decimal"
                # w:isLgl: show every level in Arabic digits ("1.1" even under 第一章 levels)
                if lv.is_lgl and fmt not in ("decimal", "decimalZero"):
                    fmt = "decimal"
                out.append(format_number(v, fmt))
                continue
            out.append(ch)
            i += 1
        return "".join(out)

    def counters(self) -> tuple[dict[str, list[int | None]], set[str]]:
        """A copy of the running counters, for :meth:`restore`."""
        return {k: list(v) for k, v in self._counters.items()}, set(self._started)

    def restore(self, state: tuple[dict[str, list[int | None]], set[str]]) -> None:
        """Put back the counters :meth:`counters` copied (a reading that was abandoned)."""
        counters, started = state
        self._counters = {k: list(v) for k, v in counters.items()}
        self._started = set(started)

    def reset(self) -> None:
        """Forget all counters (a new document)."""
        self._counters.clear()
        self._started.clear()
