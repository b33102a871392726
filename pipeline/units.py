"""Units: the submissions of one unit (plan + risk tables + power catalog + report) read together.

A unit's plan sets the level scheme and the owner-per-level rule for its tables, its report's
stated counts are held against its tables, and the annexes its plan lists are looked for among
its files. How files are grouped (``by="auto"``):

1. by parent folder — the usual layout is one folder per unit;
2. a folder that holds several units (two or more distinct unit names, or two or more plans) is
   split by ``doc.unit``; files naming no unit are then grouped by file stem, so
   ``x.docx`` and ``x.pdf`` — two renderings of one submission — stay together.

``by="folder"``, ``"unit"`` and ``"file"`` force one of the groupings.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.memo import track
from pipeline.model import Document

_log = logging.getLogger(__name__)

__all__ = ["Unit", "group_units", "units", "unit_name", "distinct_submissions"]

_BY = ("auto", "folder", "unit", "file")


@dataclass
class Unit:
    key: str  # stable: "folder:<dir>", "unit:<dir>#<name>" or "file:<dir>/<stem>"
    name: str  # for people: the unit's name, else the folder or file name
    docs: list[Document]


def _norm(name: str) -> str:
    return "".join(name.split()).strip("：:，,。")


def _canonical_units(names: Iterable[str]) -> dict[str, str]:
    """Map each unit name to a canonical one; a name inside another (局 / 局办公室) is the same unit."""
    uniq = sorted({_norm(n) for n in names if _norm(n)}, key=lambda s: (len(s), s))
    canon: dict[str, str] = {}
    reps: list[str] = []
    for n in uniq:
        rep = next((r for r in reps if r in n or n in r), None)
        if rep is None:
            reps.append(n)
            rep = n
        canon[n] = rep
    return canon


def _many_units(docs: list[Document]) -> bool:
    names = {v for v in _canonical_units(d.unit for d in docs if d.unit).values()}
    if len(names) >= 2:
        return True
    # a unit hands in one implementation plan; reports are not counted (a unit's own prose
    # annexes are easily read as reports too)
    return len({_split(d.source.path)[1] for d in docs if d.kind == "plan"}) >= 2


def _folder(doc: Document) -> str:
    return _split(doc.source.path)[0]


@track
@lru_cache(maxsize=65536)
def _split(path: str) -> tuple[str, str, str]:
    """``(str(p.parent), p.stem, p.suffix)`` of ``Path(path)``: grouping, names and distinct
    submissions each ask for the same paths' parts, and a Path costs more than the look-up."""
    p = Path(path)
    return str(p.parent), p.stem, p.suffix


def _by_stem(folder: str, docs: list[Document]) -> list[Unit]:
    out: dict[str, list[Document]] = {}
    for d in docs:
        out.setdefault(_split(d.source.path)[1], []).append(d)
    return [Unit(f"file:{Path(folder, stem).as_posix()}", unit_name_of(ds, stem), ds) for stem, ds in out.items()]


def _by_unit(folder: str, docs: list[Document]) -> list[Unit]:
    canon = _canonical_units(d.unit for d in docs if d.unit)
    named: dict[str, list[Document]] = {}
    rest: list[Document] = []
    for d in docs:
        c = canon.get(_norm(d.unit or ""))
        if c:
            named.setdefault(c, []).append(d)
        else:
            rest.append(d)
    out = [Unit(f"unit:{Path(folder).as_posix()}#{c}", c, ds) for c, ds in named.items()]
    return out + _by_stem(folder, rest)


def unit_name_of(docs: list[Document], fallback: str) -> str:
    """The unit name most of the submissions give, else ``fallback``."""
    names = Counter(_norm(d.unit) for d in docs if d.unit and _norm(d.unit))
    if names:
        return names.most_common(1)[0][0]
    return fallback


def units(docs: Iterable[Document], by: str = "auto") -> list[Unit]:
    """The units of a batch, in the order their first submission appears.

    >>> from pipeline.model import Document, Source
    >>> d = lambda p, kind="risk_table", unit=None: Document(source=Source(path=p), kind=kind, unit=unit)
    >>> [u.key for u in units([d("a/plan.docx", "plan"), d("a/table.docx"), d("b/x.docx")])]
    ['folder:a', 'folder:b']
    >>> flat = [d("all/1.docx", "plan", "甲局"), d("all/2.docx", unit="甲局"), d("all/3.docx", "plan", "乙局")]
    >>> [(u.name, len(u.docs)) for u in units(flat)]
    [('甲局', 2), ('乙局', 1)]
    """
    if by not in _BY:
        from pipeline.errors import ConfigError, invalid_value

        raise ConfigError(invalid_value("unit grouping", by, _BY))
    folders: dict[str, list[Document]] = {}
    for d in docs:
        folders.setdefault(_folder(d), []).append(d)
    out: list[Unit] = []
    for folder, group in folders.items():
        mode = by
        if by == "auto":
            mode = "unit" if _many_units(group) else "folder"
        if mode == "folder":
            stems = {_split(d.source.path)[1] for d in group}
            # a folder of one submission is named after it, not after the folder it happens to sit in
            fallback = Path(folder).name or folder
            if len(stems) == 1:
                fallback = next((d.title for d in group if d.title), None) or fallback
            out.append(Unit(f"folder:{Path(folder).as_posix()}", unit_name_of(group, fallback), group))
        elif mode == "unit":
            out.extend(_by_unit(folder, group))
        else:
            out.extend(_by_stem(folder, group))
    return out


def group_units(docs: Iterable[Document], by: str = "auto") -> dict[str, list[Document]]:
    """``{unit key: submissions}`` (see :func:`units` for names and the module docstring for the rules)."""
    return {u.key: u.docs for u in units(docs, by)}


def distinct_submissions(docs: Iterable[Document]) -> list[Document]:
    """One document per submission: of ``x.docx``, ``x.pdf``, ``x.xlsx`` (renderings of one table in
    one folder) keep one, so counts and graphs do not double. The choice matches the reports
    (:func:`pipeline.report.view.renderings`): the first readable .docx/.xlsx, else the first
    readable file, else the first."""
    best: dict[tuple[str, str], tuple[tuple[bool, bool, int], Document]] = {}
    for i, d in enumerate(docs):
        parent, stem, suffix = _split(d.source.path)
        k = (parent, stem)
        rank = (d.status == "failed", suffix.lower().lstrip(".") not in ("docx", "xlsx"), i)
        if k not in best or rank < best[k][0]:
            best[k] = (rank, d)
    return [d for _, d in best.values()]


def unit_name(key: str, docs: list[Document]) -> str:
    """A display name for a unit key returned by :func:`group_units`."""
    kind, _, rest = key.partition(":")
    if kind == "unit":
        return rest.rsplit("#", 1)[-1]
    return unit_name_of(docs, Path(rest).name or rest)
