"""Small helpers shared by the rule families: text keys, rank order, lexicon look-ups, cells."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from operator import itemgetter

from pipeline.memo import track
from pipeline.model import Cell, Document, LevelDef, Loc, Measure, Table

_log = logging.getLogger(__name__)

# 分级负责: a higher number is a higher rank; supervisor/other are outside the line of command
RANK_ORDER: dict[str, int] = {"principal": 4, "in_charge": 3, "section_head": 2, "post_holder": 1}
RANK_ZH = {"principal": "主要领导", "in_charge": "分管领导", "section_head": "科室负责人",
           "post_holder": "岗位人员", "supervisor": "纪检监督", "other": "其他"}
LEVEL_ZH = {"high": "高", "medium": "中", "low": "低"}
RANK_EN = {"principal": "principal leader", "in_charge": "leader in charge", "section_head": "section head",
           "post_holder": "post holder", "supervisor": "supervisor", "other": "other"}

_PUNCT = re.compile(r"[\s\u3000,，.。;；:：、!！?？\"“”'‘’()（）《》<>【】\[\]—\-·…/]+")


def key(text: str | None) -> str:
    """A comparison key: NFKC, no whitespace or punctuation, lower case."""
    if not text:
        return ""
    return _key(text)


@track
@lru_cache(maxsize=16384)
def _key(text: str) -> str:
    # the rules ask for the keys of the same names, headers and lexicon phrases many times over
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).lower()


# -- lexicon term lists -------------------------------------------------------------------------

def _terms_file(rel: str) -> dict[str, list[str]]:
    from pipeline.lexicon import load_lexicons

    lex = load_lexicons()
    if not lex.path(rel).is_file():
        return {}
    data = lex.data(rel)
    if data.get("kind") != "terms":
        _log.debug("%s is not a terms lexicon; ignored by the rules", rel)
        return {}
    return dict(data["terms"])


@lru_cache(maxsize=8)
def terms(rel: str) -> dict[str, tuple[str, ...]]:
    """``{label: phrases}`` of a ``kind: terms`` lexicon file (empty when the file is absent)."""
    return {k: tuple(v) for k, v in _terms_file(rel).items()}


@lru_cache(maxsize=1)
def _generic_lexicon() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(boilerplate phrases longest first, filler words) from the extraction's lexicon."""
    phrases: set[str] = set()
    filler: set[str] = set()
    for label, items in terms("measures_generic.yaml").items():
        (filler if label == "filler" else phrases).update(items)
    return (tuple(sorted((key(p) for p in phrases), key=len, reverse=True)),
            tuple(sorted((key(f) for f in filler), key=len, reverse=True)))


def is_generic(measure: Measure) -> bool:
    """Extraction's ``generic`` flag, or: nothing is left once boilerplate phrases and filler are removed."""
    if measure.generic:
        return True
    rest = key(measure.text)
    if not rest:
        return False
    phrases, filler = _generic_lexicon()
    if not phrases:
        return False
    for p in phrases:
        if p in rest:  # a replace that finds nothing still copies the text
            rest = rest.replace(p, "")
    for f in filler:
        if f in rest:
            rest = rest.replace(f, "")
    return not rest


_PAREN = re.compile(r"[（(]([^）)]{1,12})[）)]")


@track
@lru_cache(maxsize=4096)
def role_rank(text: str) -> str | None:
    """The rank a written role implies: ``彭某某（科长）`` → section_head, ``分管副局长`` → in_charge.

    The role in brackets after a name wins; otherwise the text itself must be (or end with) a
    role the ranks lexicon knows. A bare personal name gives None.
    """
    keys = _rank_keys()
    if not keys:
        return None
    m = _PAREN.search(text)
    cand = key(m.group(1) if m else text)
    best: tuple[int, str] | None = None
    for pk, rank in keys:
        if (cand == pk or cand.endswith(pk)) and (best is None or len(pk) > best[0]):
            best = (len(pk), rank)
    return best[1] if best else None


@lru_cache(maxsize=1)
def _rank_keys() -> tuple[tuple[str, str], ...]:
    """(key of a role phrase, its rank) for every phrase of the ranks lexicon, in lexicon order
    (the first of two phrases of one length wins, as before)."""
    return tuple((pk, rank) for rank, phrases in terms("ranks.yaml").items() for p in phrases if (pk := key(p)))


# -- levels within a plan's scheme --------------------------------------------------------------

_NUM = str.maketrans({"Ⅰ": "一", "Ⅱ": "二", "Ⅲ": "三", "Ⅳ": "四", "1": "一", "2": "二", "3": "三", "4": "四"})
_LEVEL_NOISE = re.compile(r"(风险|等级|级别|级|预警|色|类|档)")


@track
@lru_cache(maxsize=4096)
def level_core(raw: str | None) -> str:
    """The part of a raw grade that names it: ``Ⅱ级风险`` → ``二``, ``红色预警`` → ``红``."""
    s = key(raw).upper()
    s = re.sub(r"^(III|II|IV|I)(?=级|$)", lambda m: {"I": "一", "II": "二", "III": "三", "IV": "四"}[m.group(1)], s)
    s = s.translate(_NUM)
    return _LEVEL_NOISE.sub("", s).lower()


def interpret_in_scheme(raws: list[str], scheme: list[LevelDef]) -> dict[str, str | None]:
    """Each raw grade read within a plan's scheme: its level, or None when the scheme has no such grade.

    Uses the extraction helper's ``interpret_levels`` when it exists, else matches the names
    the plan gives (``高/中/低``, ``一级/二级/三级``) by their core.

    >>> from pipeline.model import LevelDef
    >>> s = [LevelDef(level="high", name="一级"), LevelDef(level="medium", name="二级"),
    ...      LevelDef(level="low", name="三级")]
    >>> interpret_in_scheme(["Ⅱ级风险", "高"], s)
    {'Ⅱ级风险': 'medium', '高': None}
    """
    out: dict[str, str | None] = {}
    cores = {level_core(d.name): d.level for d in scheme if level_core(d.name)}
    for raw in raws:
        c = level_core(raw)
        lv = cores.get(c)
        if lv is None and c:
            hits = {v for k, v in cores.items() if k and (k in c or c in k)}
            lv = hits.pop() if len(hits) == 1 else None
        out[raw] = lv
    return out


# -- cells and tables ---------------------------------------------------------------------------

def tables_by_index(doc: Document) -> dict[int, Table]:
    return {t.index: t for t in doc.tables()}


def cell_at(doc: Document, loc: Loc, tables: dict[int, Table] | None = None,
            maps: dict[int, list[list[Cell | None]]] | None = None) -> Cell | None:
    """The origin cell covering ``loc`` (table, row, col), if the document has it.

    Pass the same ``maps`` dict on every call over one document: each table's origin map is
    then built once, not once per look-up.
    """
    if loc.table is None or loc.row is None or loc.col is None:
        return None
    return origin_cell(tables if tables is not None else tables_by_index(doc), loc.table, loc.row, loc.col, maps)


def origin_cell(tables: dict[int, Table], table: int, row: int, col: int,
                maps: dict[int, list[list[Cell | None]]] | None = None) -> Cell | None:
    """:func:`cell_at` for a place given as numbers (no :class:`Loc` to build per look-up)."""
    t = tables.get(table)
    if t is None or not (0 <= row < t.n_rows and 0 <= col < t.n_cols):
        return None
    if maps is None:
        return t.origin_map()[row][col]
    if t.index not in maps:
        maps[t.index] = t.origin_map()
    return maps[t.index][row][col]


def measure_columns(doc: Document) -> dict[int, int]:
    """For each table, the column its measures came from (the most common one)."""
    by_table: dict[int, dict[int, int]] = {}
    for m in doc.measures:
        loc = m.loc
        t, c = loc.table, loc.col
        if t is not None and c is not None:
            counts = by_table.get(t)
            if counts is None:  # not setdefault: that would make a dict per measure
                counts = by_table[t] = {}
            counts[c] = counts.get(c, 0) + 1
    # max keeps the first of equal counts, as Counter.most_common(1) does
    return {t: max(c.items(), key=itemgetter(1))[0] for t, c in by_table.items()}
