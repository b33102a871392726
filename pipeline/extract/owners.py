"""Who owns and who answers for a risk: responsible names/roles, their rank, the unit of a title."""

from __future__ import annotations

import logging
import re

from pipeline.extract.common import CJK, PhraseIndex, compact
from pipeline.lexicon import Lexicons
from pipeline.memo import Memo
from pipeline.model import Rank

_log = logging.getLogger(__name__)

RANKS = "ranks.yaml"
RANK_BY_HEADER = "tables/responsible_columns.yaml"
UNITS = "prose/units.yaml"

_SEP = re.compile(r"[、，,/;；|]+")
_CJK_CHAR = re.compile(f"[{CJK}]")
_NAME = re.compile(rf"^[{CJK}]{{2,3}}$")
_YEAR = re.compile(r"(?:19|20)\d\d年")
_UNIT_TAIL = re.compile(rf"[{CJK}A-Za-z0-9*＊()（）]+$")
UNIT_MEMO_MAX = 1 << 13  # titles (cells) whose unit (names) are kept, per process
_JUNK_HEAD = re.compile(r"^(?:[—\-\d\s]+|[^\u4e00-\u9fff]*?(?=[XxＸ*＊]{2}))")


class Owners:
    def __init__(self, lex: Lexicons) -> None:
        self.ranks = PhraseIndex(lex.terms(RANKS), source=RANKS)
        self.by_header = PhraseIndex(lex.terms(RANK_BY_HEADER), source=RANK_BY_HEADER)
        units = lex.terms(UNITS)
        self.title_cut = sorted((compact(x) for x in units["title_cut"]), key=len, reverse=True)
        self.suffixes = sorted((compact(x) for x in units["suffix"]), key=len, reverse=True)
        self.departments = sorted((compact(x) for x in units["department"]), key=len, reverse=True)
        # suffix look-up by length (what ``any(t.endswith(s) for s in suffixes)`` tells)
        self._suffix_set = frozenset(self.suffixes)
        self._suffix_lengths = sorted({len(s) for s in self.suffixes})
        self._unit_memo = Memo()  # title → unit
        self._split_memo = Memo()  # responsible cell → names

    # -- responsible ------------------------------------------------------------------------
    def is_role(self, text: str) -> bool:
        return self.ranks.ends_with(text) is not None

    def split(self, text: str | None) -> list[str]:
        """Names or roles in a responsible cell, as written: "徐千、李彬" → two; "科室\\n负责人" → one."""
        out: list[str] = []
        for part in _SEP.split(text or ""):
            part = part.strip()
            if not part:
                continue
            pieces = part.split()
            if len(pieces) > 1:
                joined = "".join(pieces)
                all_roles = all(self.ranks.match(p, substring=False) for p in pieces)
                all_names = all(_NAME.match(p) and not self.is_role(p) for p in pieces)
                if not all_roles and not all_names and (self.is_role(joined) or len(joined) <= 6):
                    out.append(joined)  # a word broken by a line wrap in a narrow cell
                    continue
                out.extend(pieces)
                continue
            out.append(part)
        return [x for x in dict.fromkeys(out) if x and x not in ("无", "/", "-", "—")]

    def split_memo(self, text: str | None) -> list[str]:
        """:meth:`split`, once per distinct text of the process (do not modify the list):
        responsible cells repeat their leaders row by row and document by document."""
        return self._split_memo.remember(text, self.split, UNIT_MEMO_MAX)

    def rank(self, name: str, header: str | None = None) -> tuple[Rank | None, str | None]:
        """``(rank, why)``: a role by the lexicon; a personal name by the column it came from."""
        hit = self.ranks.ends_with(name)
        if hit is not None:
            return hit[0], f"{RANKS}#{hit[0]}:{hit[1]}"  # type: ignore[return-value]
        if header and _NAME.match(compact(name)):
            h = self.by_header.match(header)
            if h is not None:
                return h[0], f"{RANK_BY_HEADER}#{h[0]}:{h[1]}"  # type: ignore[return-value]
        return None, None

    # -- units --------------------------------------------------------------------------------
    def is_unit(self, text: str) -> bool:
        t = compact(text)
        n = len(t)
        if not 2 <= n <= 40:
            return False
        ends = self._suffix_set
        return any(t[n - k:] in ends for k in self._suffix_lengths if k <= n) and _CJK_CHAR.search(t) is not None

    def unit_from_title(self, title: str | None) -> str | None:
        """The unit a title names before its subject ("X中心廉政风险点及防控措施" → X中心)."""
        if not title:
            return None
        # once per distinct title of the process: headings and captions recur in a batch
        return self._unit_memo.remember(title, self._unit_from_title, UNIT_MEMO_MAX)

    def _unit_from_title(self, title: str) -> str | None:
        t = compact(title)
        if not t:
            return None
        cut = len(t)
        for phrase in self.title_cut:
            i = t.find(phrase)
            if 0 <= i < cut:
                cut = i
        y = _YEAR.search(t)
        if y and y.start() < cut:
            cut = y.start()
        head = t[:cut]
        m = _UNIT_TAIL.search(head)
        if not m:
            return None
        head = _JUNK_HEAD.sub("", m.group(0))
        return head if self.is_unit(head) else None

    def department_prefix(self, text: str) -> tuple[str, str] | None:
        """Split "办公室部门固定资产管理" / "…办理采购人事科人员调动" into (department, rest).

        The last department mention wins (flow-chart text runs the previous box into the title);
        a one-character suffix (科/股/室) takes the two characters before it (人事科, 财务科).
        """
        t = compact(text)
        multi = [d for d in self.departments if len(d) > 1]
        single = [d for d in self.departments if len(d) == 1]
        alts = [re.escape(d) for d in multi if len(d) >= 3]
        alts += [rf"[{CJK}]{{2,4}}{re.escape(d)}" for d in multi if len(d) == 2]
        alts += [rf"[{CJK}]{{2}}{re.escape(d)}" for d in single]
        rx = re.compile("(?:" + "|".join(alts) + ")(?:部门)?")
        best: tuple[str, str] | None = None
        for m in rx.finditer(t):
            rest = t[m.end():]
            if len(rest) >= 2:
                best = (re.sub(r"部门$", "", m.group(0)), rest)
        return best
