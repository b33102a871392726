"""The ``extract`` stage: tables and running text → powers, risks, measures, counts, plan, kind.

Order within the stage: title and unit; sections; tables (header synonyms → logical rows →
items); running text (labelled risk records, flow-chart boxes, power lists); stated counts; the
plan framework; levels read against the document's own scheme; the document kind.
Everything domain-specific is in ``lexicons/``; see ``lexicons/README.md``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.extract import tables as tables_mod
from pipeline.extract.categories import Categories
from pipeline.extract.common import cached, compact
from pipeline.extract.items import Builder
from pipeline.extract.levels import Levels, Scheme, find_scheme, interpret_levels
from pipeline.extract.measures import MeasureLexicon
from pipeline.extract.owners import Owners
from pipeline.lexicon import Lexicons
from pipeline.model import Document, Section

_log = logging.getLogger(__name__)

NAME = "extract"
REQUIRES = ("blocks",)
ASSIGNS = ("kind", "unit", "title", "sections", "powers", "risks", "measures", "responsibles",
           "stated_counts", "plan")

TITLE_SCAN_BLOCKS = 6
_SENTENCE_PUNCT = re.compile(r"[，,。；;！？!?：:]")
MAX_TITLE_CHARS = 80


@dataclass
class Resources:
    """Everything the stage builds from the lexicons, once per process (``ctx.cache``)."""

    lex: Lexicons
    headers: tables_mod.HeaderIndex
    owners: Owners
    categories: Categories
    measures: MeasureLexicon
    levels: Levels
    memo: dict[str, Any] = field(default_factory=dict)  # compiled patterns other modules derive

    @classmethod
    def build(cls, lex: Lexicons) -> Resources:
        return cls(
            lex=lex,
            headers=tables_mod.HeaderIndex(lex),
            owners=Owners(lex),
            categories=Categories(lex),
            measures=MeasureLexicon.from_lexicons(lex),
            levels=Levels.from_lexicons(lex),
        )


def resources(ctx) -> Resources:  # type: ignore[no-untyped-def]
    return cached(ctx.cache, "extract.resources", lambda: Resources.build(ctx.lexicons))


def run(doc: Document, ctx) -> Document:  # type: ignore[no-untyped-def]
    res = resources(ctx)
    doc.title = _better_title(doc.title, find_title(doc, res), res)
    if doc.unit is None:
        doc.unit = res.owners.unit_from_title(doc.title)
    if not doc.sections:
        doc.sections = build_sections(doc)
    builder = Builder(doc, res.owners, res.categories, res.measures)
    extract_tables(doc, res, builder)
    from pipeline.extract import prose  # lazy: only documents with running text need it

    prose.extract(doc, ctx, res, builder)
    from pipeline.extract import counts, kind, plan

    doc.stated_counts.update(counts.find_counts(doc, res.lex, res.memo))
    doc.plan = plan.extract_plan(doc, res) or doc.plan
    scheme = document_scheme(doc, res)
    apply_levels(doc, res, scheme)
    doc.kind = kind.decide(doc, res.lex)
    return doc


# -- title and sections ---------------------------------------------------------------------

def find_title(doc: Document, res: Resources) -> str | None:
    """The document's title: a short line near the top that names the subject.

    A title never ends like a sentence. When the first paragraph runs the title into the body
    (PDF text without breaks: "…实施方案为深入贯彻…"), its head up to a title cue is the title.
    """
    from pipeline.extract.kind import title_cues

    cues = title_cues(res.lex)
    short: list[str] = []
    for b in doc.blocks[:TITLE_SCAN_BLOCKS]:
        if b.table is not None:
            if b.table.title and not b.table.title.endswith(("。", "；", ";")):
                short.append(b.table.title)
            break
        t = (b.text or "").strip()
        if not t:
            continue
        if len(t) <= MAX_TITLE_CHARS and not t.endswith(("。", "；", ";", "，", ",", "：", ":")):
            if _strip_enum(t) == t:  # "二、计划财务科…" is a section heading, not the title
                short.append(t)
        else:
            head = t[:MAX_TITLE_CHARS]
            ends = [head.find(c) + len(c) for c in cues if c in head]
            if ends and not _SENTENCE_PUNCT.search(head[: min(ends)]):
                short.append(_strip_enum(t[: min(ends)]))
    if not short:
        return None
    for c in short:
        if any(q in c for q in cues):
            return c
    for c in short:
        if any(q in c for q in ("廉政", "廉能", "风险", "职权", "权力")):
            return c
    return short[0]


def _better_title(parsed: str | None, found: str | None, res: Resources) -> str | None:
    """The parser's title unless it names nothing (page chrome, a metadata title) and ours does."""
    if not found or parsed == found:
        return parsed or found
    if not parsed:
        return found
    from pipeline.extract.kind import title_cues

    def named(t: str) -> bool:
        return any(c in t for c in title_cues(res.lex)) or any(q in t for q in ("廉政", "廉能", "风险"))

    return parsed if named(parsed) or not named(found) else found


def _strip_enum(text: str) -> str:
    from pipeline.enumerators import match_enumerator

    e = match_enumerator(text)
    return text[e.end:] if e is not None and e.end < len(text) else text


def build_sections(doc: Document) -> list[Section]:
    """The heading tree over the blocks (parsers mark headings; levels come from them)."""
    from pipeline.ids import stable_id

    out: list[Section] = []
    stack: list[Section] = []
    for b in doc.blocks:
        if b.kind != "heading":
            continue
        level = b.level or 1
        while stack and stack[-1].level >= level:
            stack.pop()
        # every field, of its declared type (a block's own validated values): what
        # Section(id=…, title=…, …) makes with all seven given
        s = Section.from_fields({"id": stable_id("S", doc.source.sha256, b.index), "title": b.text.strip(),
                                 "level": level, "enumerator": b.enumerator, "block": b.index,
                                 "end": len(doc.blocks), "parent": stack[-1].id if stack else None})
        out.append(s)
        stack.append(s)
    # a section ends where the next heading of the same or a higher level starts
    for i, s in enumerate(out):
        for t in out[i + 1:]:
            if t.level <= s.level:
                s.end = t.block
                break
    return out


# -- tables ---------------------------------------------------------------------------------

def extract_tables(doc: Document, res: Resources, builder: Builder) -> None:
    """Map every table's columns, read its logical rows, then build the items.

    Rows are all read before any item is built so that a row broken by a page or a table
    boundary can still collect its continuation from the next table.
    """
    prev: tables_mod.ColumnMap | None = None
    prev_table: Any = None
    last_row: tables_mod.LogicalRow | None = None
    table_blocks = {id(b.table): b.index for b in doc.blocks if b.table is not None}
    context = _table_context(doc, res)
    is_level = lambda text: bool(res.levels.candidates(text))  # noqa: E731
    plan: list[tuple[Any, tables_mod.ColumnMap | None, list[tables_mod.LogicalRow], int | None, str | None]] = []
    for t in doc.tables():
        block = table_blocks.get(id(t), t.loc.block)
        fallback = res.owners.unit_from_title(t.title) or context.get(block) or doc.unit
        view = tables_mod.table_view(t)  # each cell read once for all that follows
        cmap = tables_mod.detect_header(t, res.headers, is_level, view.omap)
        carry = None
        if cmap is None and prev is not None and prev.n_cols == t.n_cols:
            cmap = tables_mod.ColumnMap(labels=dict(prev.labels), header_text=dict(prev.header_text),
                                        header_rows=(), n_cols=prev.n_cols, why=dict(prev.why), inherited=True)
            carry = last_row
        elif cmap is not None and prev is not None and cmap.labels == prev.labels and _adjacent(doc, prev_table, t):
            carry = last_row  # the same table again after a page break, its header repeated
        if cmap is None:
            plan.append((t, None, tables_mod.read_key_value(t, res.headers, view.omap), block, fallback))
            continue
        prev, prev_table = cmap, t
        rows = tables_mod.read_rows(t, cmap, res.headers, carry, view)
        rows = [r for r in rows if r is not carry]
        if rows:
            last_row = rows[-1]
        plan.append((t, cmap, rows, block, fallback))
    for t, cmap, rows, block, fallback in plan:
        if cmap is None:
            kv = tables_mod.ColumnMap(labels={}, header_text={}, header_rows=(), n_cols=t.n_cols)
            for row in rows:
                builder.risk_from_row(row, kv, t.index, block, fallback)
        elif cmap.is_power_catalog:
            for row in rows:
                builder.power_from_row(row, cmap, t.index, block, fallback)
        elif cmap.is_risk_table:
            for row in rows:
                builder.risk_from_row(row, cmap, t.index, block, fallback)


def _adjacent(doc: Document, a: Any, b: Any) -> bool:
    """Two tables with nothing but page furniture between them (页码, 第 1 页共 2 页): one table
    broken by a page."""
    if a is None or b is None or a.nested_in is not None or b.nested_in is not None:
        return False
    idx = {id(blk.table): blk.index for blk in doc.blocks if blk.table is not None}
    ia, ib = idx.get(id(a)), idx.get(id(b))
    if ia is None or ib is None or ib <= ia:
        return False
    between = [blk for blk in doc.blocks[ia + 1: ib] if (blk.text or "").strip()]
    return all(_PAGE_FURNITURE.match(compact(blk.text)) for blk in between)


_PAGE_FURNITURE = re.compile(r"^(?:第\d+页(?:共\d+页)?|[-—–]?\d+[-—–]?|\d+/\d+|page\d+(?:of\d+)?)$", re.I)


def _table_context(doc: Document, res: Resources) -> dict[int, str]:
    """For each table block, the department or unit named by the heading or short line just
    before it ("一、办公室" above the office's table) — the owner when the table has no column
    for it."""
    out: dict[int, str] = {}
    current: str | None = None
    for b in doc.blocks:
        if b.table is not None:
            if current:
                out[b.index] = current
            continue
        t = (b.text or "").strip()
        if not t or len(t) > 40:
            continue
        bare = _strip_enum(t).rstrip(":：")
        cand = res.owners.unit_from_title(bare) or (bare if res.owners.is_unit(bare) and len(bare) <= 20 else None)
        if cand:
            current = cand
    return out


# -- levels ---------------------------------------------------------------------------------

def document_scheme(doc: Document, res: Resources) -> Scheme | None:
    """The level scheme the document declares: its plan's, or a sentence such as 风险等级分高、中、低三级."""
    if doc.plan is not None and doc.plan.level_scheme:
        from pipeline.extract.levels import parse_scheme

        s = parse_scheme([d.name for d in doc.plan.level_scheme], res.levels)
        if s is not None:
            return s
    for b in doc.blocks:
        text = b.text if b.table is None else (b.table.title or "")
        if text and ("级" in text or "等" in text):
            hit = find_scheme(text, res.levels)
            if hit is not None:
                return hit[0]
    return None


def apply_levels(doc: Document, res: Resources, scheme: Scheme | None) -> None:
    mapping = interpret_levels([r.level_raw for r in doc.risks], scheme, levels=res.levels)
    for r in doc.risks:
        # ``r.level = …`` / ``r.level_raw = None`` as pydantic assigns without validation (the
        # value, and the field recorded as set), minus its per-call dispatch
        d = r.__dict__
        if d["level_raw"] and compact(d["level_raw"]):
            d["level"] = mapping.get(d["level_raw"])
            r.__pydantic_fields_set__.add("level")
        else:
            d["level_raw"] = None
            r.__pydantic_fields_set__.add("level_raw")
