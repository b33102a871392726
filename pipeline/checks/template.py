"""Template rules, set by the profile: required plan sections, risk-table columns, annexes (LF201–LF203)."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.checks.common import key, terms
from pipeline.checks.engine import Hit, Rule, UnitView
from pipeline.memo import Memo
from pipeline.model import Annex, Document, Loc, Table

_log = logging.getLogger(__name__)

_ENUM = r"(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）]|\d+\s*[、.．])?"
_COL_ZH = {"risk": "风险点", "manifestation": "风险表现形式", "measure": "防控措施", "level": "风险等级",
           "responsible": "责任人", "category": "风险类别", "power": "职权", "owner": "科室/岗位"}


# -- LF201 --------------------------------------------------------------------------------------

def _has_section(doc: Document, synonyms: list[str]) -> bool:
    syn = [s for s in synonyms if s]
    for s in doc.sections:
        if any(x in s.title for x in syn):
            return True
    alt = "|".join(re.escape(x) for x in syn)
    line_start = re.compile(rf"^\s*{_ENUM}\s*(?:{alt})")
    inline = re.compile(rf"(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十]+[)）])\s*(?:{alt})")
    for b in doc.blocks:
        if b.kind == "table":
            continue
        if b.kind == "heading" and any(x in b.text for x in syn):
            return True
        if line_start.search(b.text) or inline.search(b.text):  # headings run into text (breaks lost)
            return True
    return False


def check_lf201(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    sections = unit.profile.template.get("sections") or []
    for doc in unit.docs:
        if doc.kind != "plan":
            continue
        for sec in sections:
            synonyms = [sec["name"], *sec.get("synonyms", [])]
            if not _has_section(doc, synonyms):
                yield Hit(doc, Loc(), [], {"section": sec["name"], "alts": "、".join(dict.fromkeys(synonyms))})


# -- LF202 --------------------------------------------------------------------------------------

# extraction labels that count as a profile column when the lexicon is shared
_ALIASES = {"responsible": ("responsible", "resp_unit"), "owner": ("unit", "post", "resp_unit")}


def column_phrases(profile: Any) -> dict[str, list[str]]:
    """Header phrases per column label: the profile's, plus the extraction lexicon's when present."""
    out = {k: list(v) for k, v in (profile.template.get("columns") or {}).items()}
    lex = terms("tables/headers.yaml")
    for label in out:
        for src in _ALIASES.get(label, (label,)):
            out[label] = list(dict.fromkeys([*out[label], *lex.get(src, ())]))
    return out


class _Phrases:
    """Header phrases per label, keyed once: the exact key → its label (the first label that
    lists it), and every key longest first (ties in listing order) for the contained match."""

    def __init__(self, phrases: dict[str, list[str]]) -> None:
        self.exact: dict[str, str] = {}
        listed: list[tuple[str, str]] = []
        for label, ps in phrases.items():
            for p in ps:
                pk = key(p)
                if pk:
                    self.exact.setdefault(pk, label)
                    listed.append((pk, label))
        self.by_length = sorted(listed, key=lambda t: -len(t[0]))  # stable: listing order within a length
        self.seen: dict[str | None, str | None] = {}

    def label(self, cell: str | None) -> str | None:
        """The one label a header cell names: an exact phrase wins, then the longest phrase it contains."""
        if cell in self.seen:
            return self.seen[cell]
        k = key(cell)
        got: str | None = None
        if k and len(k) <= 30:
            got = self.exact.get(k)
            if got is None:
                got = next((label for pk, label in self.by_length if pk in k), None)
        if len(self.seen) >= _SEEN_MAX:  # kept across units (see _column_phrases): bound it
            self.seen.clear()
        self.seen[cell] = got
        return got


_SEEN_MAX = 50_000
_BY_COLUMNS: dict[tuple[tuple[str, tuple[str, ...]], ...], _Phrases] = Memo()


def _column_phrases(profile: Any) -> _Phrases:
    """``_Phrases(column_phrases(profile))``, kept for every unit checked with the same columns:
    most header cells of a batch repeat, and their labels are then looked up once."""
    phrases = column_phrases(profile)
    k = tuple((label, tuple(ps)) for label, ps in phrases.items())
    got = _BY_COLUMNS.get(k)
    if got is None:
        if len(_BY_COLUMNS) >= 8:
            _BY_COLUMNS.clear()
        got = _BY_COLUMNS[k] = _Phrases(phrases)
    return got


_PREPARED: dict[int, tuple[dict[str, list[str]], _Phrases]] = {}


def _prepared(phrases: dict[str, list[str]] | _Phrases) -> _Phrases:
    if isinstance(phrases, _Phrases):
        return phrases
    hit = _PREPARED.get(id(phrases))
    if hit is None or hit[0] is not phrases:
        hit = _PREPARED[id(phrases)] = (phrases, _Phrases(phrases))
        if len(_PREPARED) > 32:
            _PREPARED.pop(next(iter(_PREPARED)))
    return hit[1]


def _cell_label(cell: str | None, phrases: dict[str, list[str]] | _Phrases) -> str | None:
    """The one label a header cell names: an exact phrase wins, then the longest phrase it contains."""
    return _prepared(phrases).label(cell)


def _labels(row: list[str | None], phrases: dict[str, list[str]] | _Phrases) -> set[str]:
    prepared = _prepared(phrases)
    return {lb for lb in (prepared.label(c) for c in row) if lb is not None}


def _head_rows(table: Table, n: int) -> list[list[str | None]]:
    """The first ``n`` rows of ``table.grid(filled=True)`` (only those are ever read here)."""
    n = min(n, table.n_rows)
    out: list[list[str | None]] = [[None] * table.n_cols for _ in range(n)]
    for c in table.cells:
        if c.row >= n:
            continue
        for r in range(c.row, min(c.row + c.row_span, n)):
            row = out[r]
            for k in range(c.col, min(c.col + c.col_span, table.n_cols)):
                row[k] = c.text
    for row in out:
        for k, v in enumerate(row):
            if v is None:
                row[k] = ""
    return out


def header_labels(table: Table, phrases: dict[str, list[str]] | _Phrases, rows: int = 5) -> set[str] | None:
    """The column labels the table's header row(s) name, or None when no header row is seen."""
    prepared = _prepared(phrases)
    grid = _head_rows(table, rows + 1)
    for i, row in enumerate(grid[:rows]):
        found = _labels(row, prepared)
        if len(found) >= 2:
            if i + 1 < len(grid):  # a two-row header: group cells above sub-headers
                below = _labels(grid[i + 1], prepared)
                if len(below) >= 2:
                    found |= below
            return found
    return None


def check_lf202(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    tpl = unit.profile.template
    required = list(tpl.get("required_columns") or [])
    if not required:
        return
    phrases = _column_phrases(unit.profile)
    for doc in unit.docs:
        risk_tables = sorted({r.loc.table for r in doc.risks if r.loc.table is not None})
        if not risk_tables:
            continue
        tables = unit.tables_of(doc)
        missing: dict[str, list[int]] = {}
        last: tuple[int, set[str]] | None = None
        for ti in sorted(tables):
            labels = header_labels(tables[ti], phrases)
            if labels is not None:
                last = (tables[ti].n_cols, labels)
            elif last is not None and last[0] == tables[ti].n_cols:
                labels = last[1]  # a continuation without its own header row
            if ti not in risk_tables or labels is None:
                continue
            for label in required:
                if label not in labels:
                    missing.setdefault(label, []).append(ti)
        if missing:
            first = min(t for ts in missing.values() for t in ts)
            names = [label for label in required if label in missing]
            yield Hit(doc, Loc(table=first, row=0), [], {
                "cols": ("、".join(_COL_ZH.get(n, n) for n in names), ", ".join(names)),
            })


# -- LF203 --------------------------------------------------------------------------------------

_ANNEX_PREFIX = re.compile(r"^(?:附件|附表)?\s*\d*\s*[:：、.．]?")


def _annex_key(title: str) -> str:
    return key(_ANNEX_PREFIX.sub("", title.strip()))


def _doc_names(doc: Document) -> list[str]:
    stem = re.sub(r"^[\d_\-. ]+", "", Path(doc.source.path).stem)
    return [k for k in (key(doc.title), key(stem)) if k]


def _kind_of(title: str) -> str | None:
    for kind, phrases in terms("rules/annex_kinds.yaml").items():
        if any(p in title for p in phrases):
            return kind
    return None


def _present(annex_title: str, plan_doc: Document | None, others: list[Document], annex_block: int | None) -> bool:
    t = _annex_key(annex_title)
    if not t:
        return True
    for d in others:
        for n in _doc_names(d):
            if (len(t) >= 4 and t in n) or (len(n) >= 4 and n in t):
                return True
            if difflib.SequenceMatcher(None, t, n).ratio() >= 0.6:
                return True
    kind = _kind_of(annex_title)
    if kind is not None and any(d.kind == kind or (kind == "risk_table" and d.risks) for d in others):
        return True
    if plan_doc is not None:  # the annex appended to the plan itself
        hits = [b for b in plan_doc.blocks if b.kind != "table" and t in key(b.text)]
        hits += [b for b in plan_doc.blocks if b.table is not None and t in key(b.table.title)]
        if annex_block is not None:
            return any(b.index != annex_block and b.index > annex_block for b in hits)
        return len(hits) >= 2
    return False


def check_lf203(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    tpl = unit.profile.template
    plan_doc = unit.plan_doc
    wanted: list[tuple[Annex, str]] = []
    if plan_doc is not None and unit.plan is not None and tpl.get("plan_annexes", True):
        wanted += [(a, "plan") for a in unit.plan.annexes]
    for a in tpl.get("annexes") or []:
        title = a if isinstance(a, str) else a["title"]
        wanted.append((Annex(title=title), "profile"))
    if not wanted or not unit.docs:
        return
    target = plan_doc or unit.docs[0]
    others = [d for d in unit.docs if d is not plan_doc]
    seen: set[str] = set()
    for annex, why in wanted:
        k = _annex_key(annex.title)
        if k in seen:
            continue
        seen.add(k)
        if _present(annex.title, plan_doc, others, annex.loc.block):
            continue
        src = ("本单位实施方案列出的附件", "an annex the unit's plan lists") if why == "plan" else \
            ("规则配置要求的材料", "a form the profile requires")
        yield Hit(target, annex.loc, [], {"annex": annex.title.strip(), "src": src})


RULES = [
    Rule(
        code="LF201", name="missing-section", severity="error",
        message="实施方案缺少“{section}”部分（可用标题：{alts}）",
        message_en="The plan lacks a '{section}' section (accepted headings: {alts})",
        hint="按模板补写该部分；标题可用所列任一同义写法。",
        hint_en="Add the section as the template asks; any of the listed headings is accepted.",
        summary="A plan lacks a section the profile requires (指导思想, 工作目标, 主要任务, 方法步骤, 工作要求 …).",
        summary_zh="实施方案缺少规则配置要求的部分（指导思想、工作目标、主要任务、方法步骤、工作要求等）。",
        fail_example="一、指导思想 二、主要任务 三、工作要求（没有工作目标、方法步骤）",
        pass_example="一、指导思想 二、工作目标 三、主要任务 四、方法步骤 五、工作要求",
        check=check_lf201, family="template",
    ),
    Rule(
        code="LF202", name="missing-column", severity="error",
        message="风险点表（{where}）缺少必备列：{cols}",
        message_en="The risk table ({where}) lacks required columns: {cols}",
        hint="按模板增加缺少的列（风险点、防控措施、风险等级、责任人），逐行填写。",
        hint_en="Add the missing columns (risk point, measure, level, responsible) and fill them row by row.",
        summary="A risk table lacks a column the profile requires (risk, measure, level, responsible).",
        summary_zh="风险点表缺少规则配置要求的列（风险点、防控措施、风险等级、责任人）。",
        fail_example="表头：序号 | 风险点 | 防控措施（没有风险等级、责任人）",
        pass_example="表头：序号 | 风险点 | 风险等级 | 防控措施 | 责任人",
        check=check_lf202, family="template",
    ),
    Rule(
        code="LF203", name="missing-annex", severity="warning",
        message="{src}“{annex}”未见于本单位提交的材料",
        message_en="{src} ('{annex}') is not among the unit's submissions",
        hint="把该附件一并提交（可单独成文件，或附在实施方案之后）。",
        hint_en="Submit the annex too (as its own file or appended to the plan).",
        summary="A form the plan (or the profile) requires as an annex is not in the unit's submission.",
        summary_zh="实施方案（或规则配置）要求的附件未随材料提交。",
        fail_example="实施方案：附件：1.《岗位廉政风险点自查表》；提交材料中没有自查表",
        pass_example="实施方案：附件：1.《岗位廉政风险点自查表》；同一文件夹中有“岗位廉政风险点自查表.docx”",
        check=check_lf203, family="template",
    ),
]
