"""Build Risk / Measure / Power items from logical rows (tables) and from prose records.

One place decides the owner, the responsible list, the category and the measures of a risk,
whatever the source, so tables and running text give the same shapes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pipeline.extract.categories import Categories
from pipeline.extract.common import compact, loc_at
from pipeline.extract.measures import MeasureLexicon
from pipeline.extract.owners import Owners
from pipeline.extract.tables import ColumnMap, LogicalRow
from pipeline.ids import IdMaker, stable_id
from pipeline.model import Document, Loc, Measure, Power, Responsible, Risk, Why

_log = logging.getLogger(__name__)


# the fields validation recorded as set when these were made with keyword arguments
_FS_MEASURE = frozenset({"id", "text", "defense_line", "responsible", "risk", "generic", "loc", "why"})
_LOC_CELL_KEYS = frozenset({"table", "row", "col", "block"})  # what a measure cell's location gets
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
    # per-document memo of an item's facts with its Why (the measure lexicon keeps the facts
    # of each text for the process)
    # (defense hint, why source) → item text → (defense line, generic, Why)
    _items: dict[tuple[str | None, str], dict[str, tuple[str | None, bool, Why]]] = field(
        default_factory=dict, init=False, repr=False)
    # (name, role) → the first Responsible of ``doc.responsibles`` with them, and how many of
    # the list it has seen
    _resp: dict[tuple[str, str | None], Responsible] = field(default_factory=dict, init=False, repr=False)
    _resp_seen: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        for p in self.doc.powers:
            self.powers_by_name.setdefault(compact(p.name), p)
        sha = self.doc.source.sha256
        self._measure_id = IdMaker("M", sha)
        self._risk_id = IdMaker("R", sha)

    def why(self, source: str, detail: str | None = None) -> Why:
        """One Why per distinct explanation in the document (items share it; nothing edits one)."""
        w = self._whys.get((source, detail))
        if w is None:
            if type(source) is str and (detail is None or type(detail) is str):
                # what Why(source=source, detail=detail) makes, without validating two strings
                w = Why.from_fields({"source": source, "detail": detail, "score": None}, {"source", "detail"})
            else:
                w = Why(source=source, detail=detail)
            self._whys[(source, detail)] = w
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
        known, seen = self._resp, self._resp_seen
        resps = self.doc.responsibles
        if seen != len(resps):  # the first of each (name, role) in the list wins, as a scan found
            for r in resps[seen:]:
                known.setdefault((r.name, r.role), r)
            self._resp_seen = len(resps)
        r = known.get((name, role))
        if r is not None:
            return r
        r = Responsible(id=stable_id("W", self.doc.source.sha256, name, role or ""), name=name, role=role,
                        loc=loc)
        resps.append(r)
        known[(name, role)] = r
        self._resp_seen = len(resps)
        return r

    def names(self, text: str | None) -> list[str]:
        """``owners.split(text)``, once per distinct text of the document (do not modify)."""
        return self.owners.split_memo(text)

    # -- measures -----------------------------------------------------------------------------
    def measures(self, risk: Risk, text: str | None, loc: Loc, *, why_source: str,
                 key_parts: tuple[object, ...], defense_hint: str | None = None) -> list[Measure]:
        # a Loc has no private attributes: its __dict__ and fields set are all there is to copy
        return self._measures(risk, text, loc.__dict__, loc.__pydantic_fields_set__,
                              why_source=why_source, id_head="".join([str(p) + "\x1f" for p in key_parts]),
                              defense_hint=defense_hint)

    def _measures(self, risk: Risk, text: str | None, loc_d: dict[str, object], loc_fs: set[str], *,
                  why_source: str, id_head: str, defense_hint: str | None = None) -> list[Measure]:
        """:meth:`measures` at the location ``Loc.from_fields(loc_d, loc_fs)``, which is not made:
        each item gets that location with its span (``loc.copy_with({"span": span})``).
        ``id_head`` is stable_id's join of the key parts, each followed by ``\x1f``."""
        split = self.mlex.split(text)
        out: list[Measure] = []
        if not split:
            return out
        items = self._items.get((defense_hint, why_source))
        if items is None:
            items = self._items[(defense_hint, why_source)] = {}
        measure_id = self._measure_id.joined
        doc_measures, risk_measures = self.doc.measures, risk.measures
        responsible, risk_id = risk.responsible, risk.id
        item_fs = loc_fs | {"span"}
        from_fields = Loc.from_fields
        for i, (item, span) in enumerate(split):
            got = items.get(item)
            if got is None:
                line, cue, generic = self.mlex.facts(item)
                if defense_hint:
                    line, cue = defense_hint, "column header"  # type: ignore[assignment]
                got = items[item] = (line, generic,
                                  self.why(why_source, f"defense cue: {cue}" if cue else None))
            line, generic, why = got
            # every field, of its declared type: validating each of a document's measures cost
            # more than everything else done for it
            mid = measure_id(id_head + str(i))
            m = Measure.from_fields({
                "id": mid,
                "text": item,
                "defense_line": line,
                "responsible": list(responsible),
                "risk": risk_id,
                "generic": generic,
                "loc": from_fields({**loc_d, "span": span}, set(item_fs)),
                "why": why,
            }, set(_FS_MEASURE))
            out.append(m)
            doc_measures.append(m)
            risk_measures.append(mid)
        return out

    # -- risks from table rows ----------------------------------------------------------------
    def _table_plan(self, cmap: ColumnMap) -> tuple[list[tuple[int, str]], list[int], dict[int, str | None]]:
        """What every row of a table asks of its column map: the responsible columns with their
        headers, the power columns, the defense line each measure column's header names."""
        plan = cmap._memo.get("builder.plan")
        if plan is None:
            plan = cmap._memo["builder.plan"] = (
                [(c, cmap.header_text.get(c, "")) for c in cmap.cols("responsible")],
                cmap.cols("power"),
                {c: self._defense_hint(cmap.header_text.get(c, "")) for c in cmap.cols("measure")},
            )
        return plan

    def risk_from_row(self, row: LogicalRow, cmap: ColumnMap, table_index: int, block: int | None,
                      fallback_owner: str | None) -> Risk:
        v = row.values
        unit, resp_unit, post = v.get("unit"), v.get("resp_unit"), v.get("post")
        group, group_category = row.group, None
        if group and self.categories.classify(group)[0] is not None:
            group, group_category = None, row.group  # a group row naming a risk class (一、思想道德风险)
        owner = unit or resp_unit or post or group or fallback_owner
        resp_cols, power_cols, hints = self._table_plan(cmap)
        responsible: list[str] = []
        headers: dict[str, str] = {}
        names = self.owners.split_memo  # self.names
        for c, header in resp_cols:
            extra = row.extra.get(c)
            for val in [row.columns.get(c, ""), *extra] if extra else (row.columns.get(c, ""),):
                for name in names(val):
                    if name not in headers:  # the names in ``responsible``, each with its header
                        responsible.append(name)
                        headers[name] = header
        if not responsible and resp_unit:
            responsible = list(self.names(resp_unit))
            for name in responsible:
                headers[name] = cmap.header_text.get(cmap.col("resp_unit") or 0, "")
        cat_raw = v.get("category") or group_category
        category, _cat_phrase = self.categories.classify(cat_raw)
        cell = row.first_cell
        base = cell.loc if cell is not None else Loc()
        first_row = row.rows[0]
        # base.copy_with({...}) without the call and the dict of changes (a Loc has no private
        # attributes)
        loc_d = base.__dict__.copy()
        loc_d["table"], loc_d["row"], loc_d["col"] = table_index, first_row, row.name_col
        if loc_d["block"] is None:
            loc_d["block"] = block
        loc = Loc.from_fields(loc_d, base.__pydantic_fields_set__ | _LOC_CELL_KEYS)
        why_key = ("builder.why", row.name_from, row.name_col)
        why = cmap._memo.get(why_key)
        if why is None:
            why = cmap._memo[why_key] = self.why(
                f"lexicons/tables/headers.yaml#{row.name_from}",
                f"column {row.name_col}: {cmap.header_text.get(row.name_col or 0, '')}")
        level_marks = row.level_marks
        risk = Risk.from_fields({
            "id": self._risk_id.joined(f"{table_index}\x1f{first_row}"),
            "owner": owner,
            "department": unit or resp_unit,
            "post": post,
            "name": row.name.strip(),
            "manifestation": "\n".join(row.manifestation) if row.manifestation else None,
            "category": category,
            "category_raw": cat_raw,
            "level": None,
            "level_raw": v.get("level") or (level_marks[0] if len(level_marks) == 1 else None),
            "power": None,
            "measures": [],
            "measures_unreadable": False,
            "responsible": list(responsible),
            "responsible_ranks": [],
            "state": None,
            "loc": loc,
            "why": why,
        }, set(_FS_RISK))
        for name in responsible:
            self.responsible(name, headers.get(name) or None, loc)
        pname = next((row.columns.get(c, "").strip() for c in power_cols if row.columns.get(c, "").strip()),
                     "") if power_cols else ""
        if pname:
            content = "\n".join(row.columns.get(c, "").strip() for c in power_cols[1:]
                                if row.columns.get(c, "").strip() and row.columns.get(c, "").strip() != pname)
            p = self.power(pname, loc=loc_at(loc, col=power_cols[0]),
                           why=self.why("lexicons/tables/headers.yaml#power", cmap.header_text.get(power_cols[0], "")),
                           subject=v.get("subject") or resp_unit or unit, type_=v.get("power_type"),
                           basis=v.get("basis"), content=content or None, owner=owner)
            risk.power = p.id
        self.doc.risks.append(risk)
        for text, mcell in row.measure_cells:
            # the cell's location with its table, row, column and block (copy_with's result),
            # handed on as the dict and fields set the items' locations copy
            cd = mcell.__dict__
            mcl = cd["loc"]
            mloc = mcl.__dict__.copy()
            row_i, col_i = cd["row"], cd["col"]
            if mloc["table"] is None:  # every key is there already: the order stays the Loc's
                mloc["table"] = table_index
            mloc["row"], mloc["col"] = row_i, col_i
            if mloc["block"] is None:
                mloc["block"] = block
            self._measures(risk, text, mloc, mcl.__pydantic_fields_set__ | _LOC_CELL_KEYS,
                           why_source="lexicons/tables/headers.yaml#measure",
                           id_head=f"{table_index}\x1f{row_i}\x1f{col_i}\x1f", defense_hint=hints.get(col_i))
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
