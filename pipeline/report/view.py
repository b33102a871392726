"""What every report shows, computed once: a unit's figures, risk rows and findings as plain data.

HTML, Markdown, Excel, CSV and the batch summary are views of these objects, so the numbers
agree across formats. Covered % is ``covered / decidable``: risks we could not read well enough
(``undecidable``) are left out of the denominator rather than counted as gaps.

Renderings: a unit that hands in one table as ``x.docx``, ``x.pdf`` and ``x.xlsx`` (same stem,
same folder) made one submission. Figures and the coverage matrix count it once — from the
.docx/.xlsx rendering when it was read, else the first readable one (:func:`renderings`) —
while every file is still listed with its status, and a finding that only another rendering
has (a risk split by a PDF page break, say) is still shown, attributed to that file
(:func:`own_findings`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pipeline.model import Document, Finding, Loc

_log = logging.getLogger(__name__)

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
LEVELS = ("high", "medium", "low")
STATES = ("covered", "uncovered", "generic_only", "owner_missing", "undecidable")
GAP_STATES = frozenset({"uncovered", "generic_only", "owner_missing"})


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: str
    summary: str
    summary_zh: str
    hint: str
    hint_en: str
    help: str  # longer text for SARIF help / docs


def rule_catalogue() -> dict[str, RuleInfo]:
    """The rule metadata, taken from the rule engine (IDs, names, default severities, texts)."""
    from pipeline.checks.engine import rules

    out: dict[str, RuleInfo] = {}
    for code, r in rules().items():
        help_text = f"{r.summary}\n\nFix: {r.hint_en}\n\nFails: {r.fail_example}\nPasses: {r.pass_example}"
        out[code] = RuleInfo(code, r.name, r.severity, r.summary, r.summary_zh, r.hint, r.hint_en, help_text)
    return out


@dataclass
class FindingRow:
    rule: str
    name: str
    severity: str
    message: str
    message_en: str
    hint: str
    file: str  # display path
    page: int | None
    table: int | None
    row: int | None
    col: int | None
    block: int | None
    refs: list[str]
    level: str | None = None  # level of the risk it concerns, for filtering
    department: str | None = None

    @property
    def line(self) -> int:
        """1-based line for CI formats: the table row, else the paragraph, else 1."""
        if self.row is not None:
            return self.row + 1
        if self.block is not None:
            return self.block + 1
        return 1

    @property
    def column(self) -> int:
        return self.col + 1 if self.col is not None else 1

    def where(self, lang: str = "zh") -> str:
        parts = []
        if lang == "en":
            for key, v in (("p.", self.page), ("table", _one(self.table)), ("row", _one(self.row)), ("col", _one(self.col))):
                if v is not None:
                    parts.append(f"{key} {v}")
            if not parts and self.block is not None:
                parts.append(f"para. {self.block + 1}")
            return ", ".join(parts)
        if self.page is not None:
            parts.append(f"第{self.page}页")
        if self.table is not None:
            parts.append(f"表{self.table + 1}")
        if self.row is not None:
            parts.append(f"第{self.row + 1}行")
        if self.col is not None:
            parts.append(f"第{self.col + 1}列")
        if not parts and self.block is not None:
            parts.append(f"第{self.block + 1}段")
        return " ".join(parts)


def _one(v: int | None) -> int | None:
    return None if v is None else v + 1


@dataclass
class MeasureCell:
    text: str
    defense_line: str | None
    generic: bool


@dataclass
class RiskRow:
    id: str
    file: str
    department: str
    name: str
    manifestation: str
    level: str | None
    level_raw: str | None
    measures: list[MeasureCell]
    responsible: list[str]
    state: str | None
    rules: list[str]
    loc: Loc


@dataclass
class DocRow:
    file: str
    kind: str
    status: str
    errors: list[str]
    risks: int
    findings: dict[str, int]  # this file's own findings by severity
    cached: bool = False
    seconds: float | None = None
    rendering_of: str | None = None  # another rendering of this submission is the one counted (its file)

    @property
    def counted(self) -> bool:
        return self.rendering_of is None


@dataclass
class UnitReport:
    key: str
    name: str
    slug: str  # safe base file name of this unit's reports
    lang: str
    docs: list[DocRow]
    risks: list[RiskRow]
    findings: list[FindingRow]
    figures: dict[str, Any] = field(default_factory=dict)
    graph_svg: str | None = None
    tool_version: str = ""
    departments: list[str] = field(default_factory=list)
    rules: dict[str, RuleInfo] = field(default_factory=dict)


# -- renderings of one submission ----------------------------------------------------------------

_SOURCE_FORMATS = ("docx", "xlsx")  # the files a unit edits; PDFs are printed from them


def _suffix(doc: Document) -> str:
    return PurePath(doc.source.path).suffix.lower().lstrip(".") or doc.source.format


def renderings(docs: Iterable[Document]) -> dict[int, Document | None]:
    """For each document (by ``id``): None when it is the counted rendering of its submission, else
    the document that is. Renderings are files with the same stem in the same folder; the counted one
    is the first readable .docx/.xlsx, else the first readable file, else the first."""
    groups: dict[tuple[str, str], list[Document]] = {}
    for d in docs:
        p = PurePath(d.source.path)
        groups.setdefault((str(p.parent), p.stem), []).append(d)
    out: dict[int, Document | None] = {}
    for members in groups.values():
        best = min(range(len(members)),
                   key=lambda k: (members[k].status == "failed", _suffix(members[k]) not in _SOURCE_FORMATS, k))
        for k, d in enumerate(members):
            out[id(d)] = None if k == best else members[best]
    return out


def _where_texts(f: Finding) -> list[str]:
    loc = f.loc
    if all(v is None for v in (loc.page, loc.table, loc.row, loc.col, loc.block)):
        return []
    from pipeline.checks.engine import where

    return [w for w in (where(loc, "zh"), where(loc, "en")) if w]


def finding_signature(f: Finding) -> tuple[str, str, str]:
    """What a finding says, without where it says it: the same gap read from two renderings of one
    table has the same signature though the page and row numbers differ."""
    msg = f.message_en or f.message
    for w in _where_texts(f):
        msg = msg.replace(w, "")
    return f.rule, f.severity, " ".join(msg.split())


def own_findings(doc: Document, counted: Document | None) -> list[Finding]:
    """The findings of ``doc`` worth showing: all of them for a counted rendering; for another
    rendering, those the counted one does not also have (compared as multisets of signatures)."""
    if counted is None:
        return list(doc.findings)
    pool = Counter(finding_signature(f) for f in counted.findings)
    out = []
    for f in doc.findings:
        sig = finding_signature(f)
        if pool[sig] > 0:
            pool[sig] -= 1
        else:
            out.append(f)
    return out


def finding_row(f: Finding, doc: Document, display: Callable[[str], str], lang: str,
                risk_index: dict[str, Any] | None = None) -> FindingRow:
    loc = f.loc
    level = dept = None
    for ref in f.refs:
        r = (risk_index or {}).get(ref)
        if r is not None:
            level, dept = r.level, _dept(r)
            break
    msg = f.message_en if lang == "en" and f.message_en else f.message
    return FindingRow(
        rule=f.rule, name=f.name, severity=f.severity, message=msg, message_en=f.message_en or f.message,
        hint=f.hint or "", file=display(loc.file or doc.source.path), page=loc.page, table=loc.table,
        row=loc.row, col=loc.col, block=loc.block, refs=list(f.refs), level=level, department=dept,
    )


def _dept(r: Any) -> str:
    parts = [p for p in (r.department, r.post) if p]
    if not parts and r.owner:
        parts = [r.owner]
    return " / ".join(dict.fromkeys(parts))


def sort_findings(rows: list[FindingRow]) -> list[FindingRow]:
    return sorted(rows, key=lambda f: (f.rule, SEVERITY_ORDER.get(f.severity, 9), f.file, f.page or 0,
                                       f.table if f.table is not None else -1, f.row or 0, f.col or 0, f.block or 0))


def figures(risks: list[RiskRow], findings: list[FindingRow], n_measures: int = 0, n_powers: int = 0) -> dict[str, Any]:
    by_state = Counter(r.state or "unset" for r in risks)
    decidable = sum(1 for r in risks if r.state != "undecidable")
    covered = by_state.get("covered", 0)
    checked = sum(1 for r in risks if r.state)
    by_level = Counter(r.level or "none" for r in risks)
    by_rule = Counter(f.rule for f in findings)
    by_sev = Counter(f.severity for f in findings)
    high_gaps = sum(1 for r in risks if r.level == "high" and r.state in GAP_STATES)
    return {
        "risks": len(risks),
        "measures": n_measures,
        "powers": n_powers,
        "decidable": decidable,
        "covered": covered,
        # None when nothing was checked or nothing is decidable: a percentage of nothing means nothing
        "covered_pct": round(100.0 * covered / decidable, 1) if decidable and checked else None,
        "by_state": {s: by_state.get(s, 0) for s in STATES},
        "by_level": {lv: by_level.get(lv, 0) for lv in (*LEVELS, "none")},
        "by_rule": dict(sorted(by_rule.items())),
        "by_severity": {s: by_sev.get(s, 0) for s in SEVERITY_ORDER},
        "high_gaps": high_gaps,
    }


def build_unit_report(key: str, name: str, docs: list[Document], *, slug: str = "", lang: str = "zh",
                      display: Callable[[str], str] | None = None, graph_svg: str | None = None,
                      meta: dict[str, dict[str, Any]] | None = None,
                      rules: dict[str, RuleInfo] | None = None,
                      twins: dict[int, Document | None] | None = None,
                      made: dict[int, FindingRow] | None = None) -> UnitReport:
    """The report of one unit. ``display`` maps a source path to what readers see (relative path);
    ``meta`` adds per-path facts from the batch (``cached``, ``seconds``); ``twins`` is
    :func:`renderings` of the folder the unit sits in (computed from ``docs`` when not given);
    ``made``: rows already made by :func:`finding_row` with the same ``display`` and ``lang``, by
    id of their finding (the batch makes them for its summary first)."""
    show = display or (lambda p: p)
    twins = twins if twins is not None else renderings(docs)
    made = made or {}
    risks: list[RiskRow] = []
    findings: list[FindingRow] = []
    doc_rows: list[DocRow] = []
    n_measures = n_powers = n_counted = 0
    for d in docs:
        path = show(d.source.path)
        twin = twins.get(id(d))
        rindex = {r.id: r for r in d.risks}
        if twin is None:
            n_counted += 1
            mindex = {m.id: m for m in d.measures}
            rules_of: dict[str, list[str]] = {}
            for f in d.findings:
                for ref in f.refs:
                    rules_of.setdefault(ref, []).append(f.rule)
            for r in d.risks:
                ms = [mindex[i] for i in r.measures if i in mindex]
                risks.append(RiskRow(
                    id=r.id, file=path, department=_dept(r), name=r.name, manifestation=r.manifestation or "",
                    level=r.level, level_raw=r.level_raw,
                    measures=[MeasureCell(m.text, m.defense_line, m.generic) for m in ms],
                    responsible=list(r.responsible), state=r.state, rules=sorted(set(rules_of.get(r.id, []))),
                    loc=r.loc,
                ))
            n_measures += len(d.measures)
            n_powers += len(d.powers)
        findings.extend(made.get(id(f)) or finding_row(f, d, show, lang, rindex) for f in own_findings(d, twin))
        facts = (meta or {}).get(d.source.path, {})
        doc_rows.append(DocRow(
            file=path, kind=d.kind, status=d.status, errors=[e.message for e in d.errors],
            risks=len(d.risks), findings=dict(Counter(f.severity for f in d.findings)),
            cached=bool(facts.get("cached")), seconds=facts.get("seconds"),
            rendering_of=show(twin.source.path) if twin is not None else None,
        ))
    findings = sort_findings(findings)
    tool_version = next((d.tool_version for d in docs if d.tool_version), "")
    depts = sorted({r.department for r in risks if r.department})
    figs = figures(risks, findings, n_measures, n_powers)
    figs.update(files=len(docs), submissions=n_counted)
    return UnitReport(
        key=key, name=name, slug=slug or key, lang=lang, docs=doc_rows, risks=risks, findings=findings,
        figures=figs, graph_svg=graph_svg,
        tool_version=tool_version, departments=depts, rules=rules if rules is not None else rule_catalogue(),
    )
