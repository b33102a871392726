"""The rule engine: rule metadata, the dict of rule functions, severities, suppressions, messages.

A rule is a :class:`Rule` (stable code, kebab name, default severity, zh/en message templates,
hint, documentation with a failing and a passing example, settings with defaults) plus one
function ``check(unit, opts) -> Iterable[Hit]``. The engine formats each :class:`Hit` into a
:class:`pipeline.model.Finding` with the profile's severity and attaches it to the submission the
hit concerns. No registry, no plugins: :data:`RULES` is one dict filled from the family modules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any

from pipeline.memo import track
from pipeline.model import Document, Finding, Loc, Measure, Plan, Risk, Table

_log = logging.getLogger(__name__)
_get_id = attrgetter("id")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str  # default: error | warning | info | off
    message: str  # zh template, str.format fields filled from the hit's params
    message_en: str
    hint: str
    hint_en: str
    summary: str  # one line: what the rule checks (English, for SARIF and docs)
    summary_zh: str
    fail_example: str
    pass_example: str
    check: Callable[[UnitView, dict[str, Any]], Iterable[Hit]]
    options: dict[str, Any] = field(default_factory=dict)
    family: str = "content"  # content | template | readability


@dataclass
class Hit:
    """One place where a rule fires: the document it is attached to, where, and what it concerns."""

    doc: Document
    loc: Loc
    refs: list[str]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class UnitView:
    """One unit's submissions read together, with the lookups every rule needs."""

    key: str
    name: str
    docs: list[Document]
    profile: Any  # pipeline.checks.profile.Profile (Any: avoids an import cycle in annotations)
    plan: Plan | None = None  # the unit's implementation plan framework, if any submission has one
    plan_doc: Document | None = None
    undecidable: set[str] = field(default_factory=set)  # ids of risks we could not read well enough

    def __post_init__(self) -> None:
        # the unit's plan: a plan-kind submission first, else any submission that states a framework
        with_plan = [d for d in self.docs if d.plan is not None]
        with_plan.sort(key=lambda d: d.kind != "plan")
        if with_plan and self.plan is None:
            self.plan_doc = with_plan[0]
            self.plan = self.plan_doc.plan
        # dict(zip(...)) keeps the last of equal ids, as a comprehension would, at C speed
        self._measures: dict[int, dict[str, Measure]] = {
            id(d): dict(zip(map(_get_id, d.measures), d.measures, strict=True)) for d in self.docs
        }
        self._filled: dict[tuple[int, int], list[Measure]] = {}
        self._tables: dict[int, dict[int, Table]] = {}

    def plan_source(self) -> tuple[str, str]:
        """How messages name where the unit's framework comes from (zh, en)."""
        if self.plan_doc is not None and self.plan_doc.kind == "plan":
            return "本单位实施方案", "the unit's plan"
        return "材料中的说明", "the submission's own note"

    def risks(self) -> Iterable[tuple[Document, Risk]]:
        for d in self.docs:
            for r in d.risks:
                yield d, r

    def measures_of(self, doc: Document, risk: Risk) -> list[Measure]:
        ms = self._measures.get(id(doc), {})
        return [ms[i] for i in risk.measures if i in ms]

    def tables_of(self, doc: Document) -> dict[int, Table]:
        """The document's tables by index (nested ones too), walked once per unit, not once per rule."""
        got = self._tables.get(id(doc))
        if got is None:
            got = self._tables[id(doc)] = {t.index: t for t in doc.tables()}
        return got

    def filled_measures(self, doc: Document, risk: Risk) -> list[Measure]:
        """``measures_of`` without the blank ones; several rules and the coverage state ask for
        each risk's list, so it is made once per run (the rules never change the documents)."""
        k = (id(doc), id(risk))
        got = self._filled.get(k)
        if got is None:
            got = self._filled[k] = [m for m in self.measures_of(doc, risk) if m.text.strip()]
        return got


# -- locations in messages ----------------------------------------------------------------------

def where(loc: Loc, lang: str = "zh") -> str:
    """A reader's description of a location: ``第2页 表1 第5行第8列`` / ``page 2, table 1, row 5, col 8``."""
    parts: list[str] = []
    if lang == "en":
        if loc.page is not None:
            parts.append(f"page {loc.page}")
        if loc.table is not None:
            parts.append(f"table {loc.table + 1}")
        if loc.row is not None:
            parts.append(f"row {loc.row + 1}")
        if loc.col is not None:
            parts.append(f"col {loc.col + 1}")
        if not parts and loc.block is not None:
            parts.append(f"paragraph {loc.block + 1}")
        return ", ".join(parts) or "document"
    if loc.page is not None:
        parts.append(f"第{loc.page}页")
    if loc.table is not None:
        parts.append(f"表{loc.table + 1}")
    rc = ""
    if loc.row is not None:
        rc += f"第{loc.row + 1}行"
    if loc.col is not None:
        rc += f"第{loc.col + 1}列"
    if rc:
        parts.append(rc)
    if not parts and loc.block is not None:
        parts.append(f"第{loc.block + 1}段")
    return " ".join(parts) or "全文"


def short(text: str | None, n: int = 30) -> str:
    """A label for messages: whitespace collapsed, cut at ``n`` characters."""
    return _short(text or "", n)


@track
@lru_cache(maxsize=8192)
def _short(text: str, n: int) -> str:
    # several rules name the same risk: its label is made once
    s = " ".join(text.split())
    return s if len(s) <= n else s[: n - 1] + "…"


class _Params(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(template: str, params: dict[str, Any]) -> str:
    return template.format_map(_Params(params))


# -- running ------------------------------------------------------------------------------------

RULES: dict[str, Rule] = {}


def _load_rules() -> None:
    # the family modules define their Rule objects; importing them here keeps one ordered dict
    from pipeline.checks import consistency, coverage, grading, plan, readability, template

    found = {rule.code: rule for mod in (coverage, grading, consistency, template, plan, readability)
             for rule in mod.RULES}
    RULES.update(dict(sorted(found.items())))


def make_finding(rule: Rule, hit: Hit, severity: str, lang: str) -> Finding:
    if severity not in _SEVERITIES:  # what validating the Finding would refuse
        raise ValueError(f"rule {rule.code}: severity {severity!r} is not one of {sorted(_SEVERITIES)}")
    return _finding(rule, hit, severity, lang == "en")


@track
@lru_cache(maxsize=8192)
def _where_pair(page: int | None, table: int | None, row: int | None, col: int | None,
                block: int | None) -> tuple[str, str]:
    # hits of one unit fall on a few hundred places, each named in both languages
    loc = Loc.from_fields({"page": page, "block": block, "table": table, "row": row, "col": col})
    return where(loc, "zh"), where(loc, "en")


def _finding(rule: Rule, hit: Hit, severity: str, en: bool) -> Finding:
    """:func:`make_finding` once the severity is known to be valid (checked once per rule)."""
    params = hit.params
    loc = hit.loc
    ld = loc.__dict__
    w_zh, w_en = _where_pair(ld.get("page"), ld.get("table"), ld.get("row"), ld.get("col"), ld.get("block"))
    params_zh = _Params(params)
    params_zh["where"] = w_zh
    params_en = _Params(params)
    params_en["where"] = w_en
    for k, v in params.items():
        if isinstance(v, tuple) and len(v) == 2:  # (zh, en) pairs
            params_zh[k], params_en[k] = v
    msg_en = rule.message_en.format_map(params_en)
    if not loc.file:  # loc.at(file=...), without the generic copy's overheads
        values = loc.__dict__.copy()
        values["file"] = hit.doc.source.path
        loc = Loc.from_fields(values, loc.__pydantic_fields_set__ | {"file"})
    refs = hit.refs
    # every field of its declared type: a unit can raise thousands of findings
    return Finding.from_fields({
        "rule": rule.code,
        "name": rule.name,
        "severity": severity,
        "message": msg_en if en else rule.message.format_map(params_zh),
        "message_en": msg_en,
        "hint": rule.hint_en if en else rule.hint,
        "loc": loc,
        "refs": list(dict.fromkeys(refs)) if len(refs) > 1 else list(refs),
    })


_SEVERITIES = frozenset({"error", "warning", "info"})


def run_unit(unit: UnitView, lang: str = "zh") -> list[tuple[Document, Finding]]:
    """Run every enabled rule over one unit; return (document, finding) pairs, not yet attached."""
    if not RULES:
        _load_rules()
    profile = unit.profile
    en = lang == "en"
    out: list[tuple[Document, Finding]] = []
    for code, rule in RULES.items():
        if not profile.enabled(code):
            continue
        opts = {**rule.options, **{k: v for k, v in profile.rules.get(code, {}).items() if k != "severity"}}
        try:
            hits = list(rule.check(unit, opts))
        except Exception:  # one rule's bug must not hide the other rules' findings
            _log.exception("rule %s failed on unit %s", code, unit.key)
            continue
        kept = _unsuppressed(profile, code, hits)
        if not kept:
            continue
        sev = profile.severity(code)
        if sev not in _SEVERITIES:  # what validating the Finding would refuse
            raise ValueError(f"rule {rule.code}: severity {sev!r} is not one of {sorted(_SEVERITIES)}")
        out.extend([(hit.doc, _finding(rule, hit, sev, en)) for hit in kept])
    return out


def _unsuppressed(profile: Any, code: str, hits: list[Hit]) -> list[Hit]:
    """The hits no suppression of the profile silences; each file is asked about once per rule."""
    if not profile.ignore:
        return hits
    verdict: dict[str, bool] = {}
    kept: list[Hit] = []
    for hit in hits:
        path = hit.doc.source.path
        if path not in verdict:
            verdict[path] = profile.suppressed(code, path)
        if not verdict[path]:
            kept.append(hit)
    return kept


def rules() -> dict[str, Rule]:
    """The rule catalogue, in code order."""
    if not RULES:
        _load_rules()
    return RULES
