"""The ``link`` stage: risk → measure → power → owner links and the rank of every responsible.

- every Responsible (made by extraction, one per name and column) gets its rank from
  ``lexicons/ranks.yaml`` (分管副局长 → in_charge), or — for a personal name such as 徐千 — from
  the column it came from (``lexicons/tables/responsible_columns.yaml``: 部门负责人 → section_head);
- ``Risk.responsible_ranks`` lists the ranks of the risk's responsible, in order, deduplicated;
- ``Measure.risk`` and ``Risk.measures`` are made consistent both ways; a measure's responsible
  defaults to its risk's;
- ``Risk.power`` is filled by name when a risk names a power that the document lists.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pipeline.extract.common import cached, compact
from pipeline.ids import stable_id
from pipeline.model import Document, Rank, Responsible

_log = logging.getLogger(__name__)

NAME = "link"
REQUIRES = ("risks", "measures", "powers", "responsibles")
ASSIGNS = ("responsibles", "risks.responsible_ranks", "measures.risk", "risks.power")

_ROLE_NAME = re.compile(r"^(?P<role>[^:：]{2,12})[:：](?P<name>.+)$")
_NAME_ROLE = re.compile(r"^(?P<name>[^(（]+)[(（](?P<role>[^)）]{2,12})[)）]$")


def _owners(ctx: Any) -> Any:
    from pipeline.extract.owners import Owners

    return cached(ctx.cache, "link.owners", lambda: Owners(ctx.lexicons))


def rank_of(owners: Any, name: str, role: str | None) -> Rank | None:
    """The rank of a responsible as written: "局长：张三" by its role, a role by the lexicon,
    a personal name by the column it came from."""
    m = _ROLE_NAME.match(name) or _NAME_ROLE.match(name)
    if m:
        rank, _why = owners.rank(m.group("role"))
        if rank is not None:
            return rank
        name = m.group("name")
    rank, _why = owners.rank(name, role)
    return rank


def run(doc: Document, ctx: Any) -> Document:
    owners = _owners(ctx)
    by_name: dict[str, Responsible] = {}
    for r in doc.responsibles:
        if r.rank is None:
            r.rank = rank_of(owners, r.name, r.role)
        by_name.setdefault(r.name, r)
    # risks: ranks of their responsible (a name seen without a Responsible gets one here)
    for risk in doc.risks:
        ranks: list[Rank] = []
        for name in risk.responsible:
            resp = by_name.get(name)
            if resp is None:
                resp = Responsible(id=stable_id("W", doc.source.sha256, name, ""), name=name,
                                   rank=rank_of(owners, name, None), loc=risk.loc)
                doc.responsibles.append(resp)
                by_name[name] = resp
            if resp.rank is not None and resp.rank not in ranks:
                ranks.append(resp.rank)
        # ``risk.responsible_ranks = ranks`` as pydantic assigns without validation (the value,
        # and the field recorded as set), minus its per-call dispatch: this runs for every risk
        risk.__dict__["responsible_ranks"] = ranks
        risk.__pydantic_fields_set__.add("responsible_ranks")
    _link_measures(doc)
    _link_powers(doc)
    return doc


def _link_measures(doc: Document) -> None:
    risks = {r.id: r for r in doc.risks}
    owner_of: dict[str, str] = {}
    for r in doc.risks:
        for mid in r.measures:
            owner_of.setdefault(mid, r.id)
    for m in doc.measures:
        if m.risk is None and m.id in owner_of:
            m.risk = owner_of[m.id]
        risk = risks.get(m.risk or "")
        if risk is None:
            continue
        if m.id not in risk.measures:
            risk.measures.append(m.id)
        if not m.responsible:  # m.responsible = list(risk.responsible), as above
            m.__dict__["responsible"] = list(risk.responsible)
            m.__pydantic_fields_set__.add("responsible")


def _link_powers(doc: Document) -> None:
    """A risk without a power id whose name or manifestation names a listed power gets it."""
    if not doc.powers:
        return
    names = sorted(((compact(p.name), p.id) for p in doc.powers if len(compact(p.name)) >= 4),
                   key=lambda t: -len(t[0]))
    for r in doc.risks:
        if r.power is not None:
            continue
        text = compact(r.name) + compact(r.manifestation)
        for k, pid in names:
            if k in text:
                r.power = pid
                break
