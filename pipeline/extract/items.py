"""Build Risk / Measure / Power items from logical rows (tables) and from prose records.

One place decides the owner, the responsible list, the category and the measures of a risk,
whatever the source, so tables and running text give the same shapes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pipeline.extract.categories import Categories
from pipeline.extract.common import compact, loc_at
from pipeline.extract.measures import MeasureLexicon, split_measures
from pipeline.extract.owners import Owners
from pipeline.extract.tables import ColumnMap, LogicalRow
from pipeline.ids import stable_id
from pipeline.model import Document, Loc, Measure, Power, Responsible, Risk, Why

_log = logging.getLogger(__name__)


# the fields validation recorded as set when these were made with keyword arguments
_FS_MEASURE = frozenset({"id", "text", "defense_line", "responsible", "risk", "generic", "loc", "why"})
_FS_RISK = frozenset({"id", "owner", "department", "post", "name", "manifestation", "category", "category_raw",
                      "level_raw", "responsible", "loc", "why"})


@dataclass
class Builder:
    """Adds items to one document; keeps powers unique by name."""

    doc: Document
    owners: Owners
    categories: Categories
    mlex: MeasureLexicon
    powers_by_name: dict[str, Power] = field(default_factory=dict)

    _whys: dict[tuple[str, str | None], Why] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for p in self.doc.powers:
            self.powers_by_name.setdefault(compact(p.name), p)

    def why(self, source: str, detail: str | None = None) -> Why:
        """One Why per distinct explanation in the document (items share it; nothing edits one)."""
        w = self._whys.get((source, detail))
        if w is None:
            w = self._whys[(source, detail)] = Why(source=source, detail=detail)
        return w

    # -- powers -------------------------------------------------------------------------------
    def power(self, name: str, *, loc: Loc, why: Why, subject: str | None = None,
              type_: str | None = None, basis: str | None = None, content: str | None = None,
              owner: str | None = None) -> Power:
        k = compact(name)
        p = self.powers_by_name.get(k)
        if p is None:
            p = Power(id=stable_id("P", self.doc.source.sha256, k), name=name.strip(), content=content,
                      basis=basis, subject=subject, type=type_, owner=owner, loc=loc, why=why)
            self.powers_by_name[k] = p
            self.doc.powers.append(p)
        else:
            p.subject = p.subject or subject
            p.type = p.type or type_
            p.basis = p.basis or basis
            if content and content != p.content:
                p.content = f"{p.content}\n{content}" if p.content else content
        return p

    # -- responsibles --------------------------------------------------------------------------
    def responsible(self, name: str, role: str | None, loc: Loc) -> Responsible:
        """One Responsible per (name, column it came from); link.py gives it a rank."""
        for r in self.doc.responsibles:
            if r.name == name and r.role == role:
                return r
        r = Responsible(id=stable_id("W", self.doc.source.sha256, name, role or ""), name=name, role=role,
                        loc=loc)
        self.doc.responsibles.append(r)
        return r

    # -- measures -----------------------------------------------------------------------------
    def measures(self, risk: Risk, text: str | None, loc: Loc, *, why_source: str,
                 key_parts: tuple[object, ...], defense_hint: str | None = None) -> list[Measure]:
        out = []
        for i, (item, span) in enumerate(split_measures(text, self.mlex.placeholders)):
            if defense_hint:
                line, cue = defense_hint, "column header"
            else:
                line, cue = self.mlex.defense_line(item)  # type: ignore[assignment]
            # every field, of its declared type: validating each of a document's measures cost
            # more than everything else done for it
            m = Measure.from_fields({
                "id": stable_id("M", self.doc.source.sha256, *key_parts, i),
                "text": item,
                "defense_line": line,
                "responsible": list(risk.responsible),
                "risk": risk.id,
                "generic": self.mlex.is_generic(item),
                "loc": loc.copy_with({"span": span}),
                "why": self.why(why_source, f"defense cue: {cue}" if cue else None),
            }, set(_FS_MEASURE))
            out.append(m)
            self.doc.measures.append(m)
            risk.measures.append(m.id)
        return out

    # -- risks from table rows ----------------------------------------------------------------
    def risk_from_row(self, row: LogicalRow, cmap: ColumnMap, table_index: int, block: int | None,
                      fallback_owner: str | None) -> Risk:
        v = row.values
        unit, resp_unit, post = v.get("unit"), v.get("resp_unit"), v.get("post")
        group, group_category = row.group, None
        if group and self.categories.classify(group)[0] is not None:
            group, group_category = None, row.group  # a group row naming a risk class (一、思想道德风险)
        owner = unit or resp_unit or post or group or fallback_owner
        responsible: list[str] = []
        headers: dict[str, str] = {}
        for c in cmap.cols("responsible"):
            vals = [row.columns.get(c, "")] + row.extra.get(c, [])
            for val in vals:
                for name in self.owners.split(val):
                    if name not in responsible:
                        responsible.append(name)
                        headers[name] = cmap.header_text.get(c, "")
        if not responsible and resp_unit:
            responsible = self.owners.split(resp_unit)
            for name in responsible:
                headers[name] = cmap.header_text.get(cmap.col("resp_unit") or 0, "")
        cat_raw = v.get("category") or group_category
        category, _cat_phrase = self.categories.classify(cat_raw)
        cell = row.first_cell
        base = cell.loc if cell is not None else Loc()
        loc = loc_at(base, table=table_index, row=row.rows[0], col=row.name_col,
                      block=base.block if base.block is not None else block)
        manifestation = "\n".join(row.manifestation) if row.manifestation else None
        risk = Risk.from_fields({
            "id": stable_id("R", self.doc.source.sha256, table_index, row.rows[0]),
            "owner": owner,
            "department": unit or resp_unit,
            "post": post,
            "name": row.name.strip(),
            "manifestation": manifestation,
            "category": category,
            "category_raw": cat_raw,
            "level": None,
            "level_raw": v.get("level") or (row.level_marks[0] if len(row.level_marks) == 1 else None),
            "power": None,
            "measures": [],
            "measures_unreadable": False,
            "responsible": list(responsible),
            "responsible_ranks": [],
            "state": None,
            "loc": loc,
            "why": self.why(f"lexicons/tables/headers.yaml#{row.name_from}",
                            f"column {row.name_col}: {cmap.header_text.get(row.name_col or 0, '')}"),
        }, set(_FS_RISK))
        for name in responsible:
            self.responsible(name, headers.get(name) or None, loc)
        power_cols = cmap.cols("power")
        pname = next((row.columns.get(c, "").strip() for c in power_cols if row.columns.get(c, "").strip()), "")
        if pname:
            content = "\n".join(row.columns.get(c, "").strip() for c in power_cols[1:]
                                if row.columns.get(c, "").strip() and row.columns.get(c, "").strip() != pname)
            p = self.power(pname, loc=loc_at(loc, col=power_cols[0]),
                           why=self.why("lexicons/tables/headers.yaml#power", cmap.header_text.get(power_cols[0], "")),
                           subject=v.get("subject") or resp_unit or unit, type_=v.get("power_type"),
                           basis=v.get("basis"), content=content or None, owner=owner)
            risk.power = p.id
        self.doc.risks.append(risk)
        hints = cmap.memo("hints", lambda: {c: self._defense_hint(cmap.header_text.get(c, ""))
                                            for c in cmap.cols("measure")})
        for text, mcell in row.measure_cells:
            mloc = loc_at(mcell.loc, table=mcell.loc.table if mcell.loc.table is not None else table_index,
                                row=mcell.row, col=mcell.col,
                                block=mcell.loc.block if mcell.loc.block is not None else block)
            self.measures(risk, text, mloc, why_source="lexicons/tables/headers.yaml#measure",
                          key_parts=(table_index, mcell.row, mcell.col), defense_hint=hints.get(mcell.col))
        return risk

    def _defense_hint(self, header: str) -> str | None:
        """A measure column whose sub-header names a defense line (前期预防 / 中期监控 / 后期处置)."""
        h = compact(header).split("/")[-1]
        for line, names in (("prevention", ("前期预防", "事前预防", "预防")),
                            ("monitoring", ("中期监控", "事中监控", "监控")),
                            ("disposal", ("后期处置", "事后处置", "处置"))):
            if any(h.endswith(n) for n in names):
                return line
        return None

    def power_from_row(self, row: LogicalRow, cmap: ColumnMap, table_index: int, block: int | None,
                       fallback_subject: str | None) -> Power:
        v = row.values
        cell = row.first_cell
        base = cell.loc if cell is not None else Loc()
        loc = loc_at(base, table=table_index, row=row.rows[0], col=row.name_col,
                      block=base.block if base.block is not None else block)
        content_parts = [row.columns.get(c, "").strip() for c in cmap.cols("power")[1:] + cmap.cols("subpower")]
        content = "\n".join(x for x in content_parts if x and x != row.name.strip()) or None
        return self.power(
            row.name, loc=loc,
            why=Why(source="lexicons/tables/headers.yaml#power",
                    detail=f"column {row.name_col}: {cmap.header_text.get(row.name_col or 0, '')}"),
            subject=v.get("subject") or v.get("resp_unit") or v.get("unit") or row.group or fallback_subject,
            type_=v.get("power_type"), basis=v.get("basis"), content=content,
            owner=v.get("unit") or v.get("resp_unit"),
        )
