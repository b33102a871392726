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
from typing import Any

from pipeline.model import Document, Finding, Loc, Measure, Plan, Risk

_log = logging.getLogger(__name__)


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
        self._measures: dict[int, dict[str, Measure]] = {
            id(d): {m.id: m for m in d.measures} for d in self.docs
        }

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
    s = " ".join((text or "").split())
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
    params = dict(hit.params)
    params_zh = {**params, "where": where(hit.loc, "zh")}
    params_en = {**params, "where": where(hit.loc, "en")}
    for k, v in params.items():
        if isinstance(v, tuple) and len(v) == 2:  # (zh, en) pairs
            params_zh[k], params_en[k] = v
    zh = _format(rule.message, params_zh)
    en = _format(rule.message_en, params_en)
    loc = hit.loc if hit.loc.file else hit.loc.at(file=hit.doc.source.path)
    if severity not in _SEVERITIES:  # what validating the Finding would refuse
        raise ValueError(f"rule {rule.code}: severity {severity!r} is not one of {sorted(_SEVERITIES)}")
    # every field of its declared type: a unit can raise thousands of findings
    return Finding.from_fields({
        "rule": rule.code,
        "name": rule.name,
        "severity": severity,
        "message": en if lang == "en" else zh,
        "message_en": en,
        "hint": rule.hint_en if lang == "en" else rule.hint,
        "loc": loc,
        "refs": list(dict.fromkeys(hit.refs)),
    })


_SEVERITIES = frozenset({"error", "warning", "info"})


def run_unit(unit: UnitView, lang: str = "zh") -> list[tuple[Document, Finding]]:
    """Run every enabled rule over one unit; return (document, finding) pairs, not yet attached."""
    if not RULES:
        _load_rules()
    profile = unit.profile
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
        sev = profile.severity(code)
        for hit in hits:
            if profile.suppressed(code, hit.doc.source.path):
                continue
            out.append((hit.doc, make_finding(rule, hit, sev, lang)))
    return out


def rules() -> dict[str, Rule]:
    """The rule catalogue, in code order."""
    if not RULES:
        _load_rules()
    return RULES
