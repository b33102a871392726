"""Grading rules: is a risk owned, graded and countered as its weight demands (LF105, LF107–LF109)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from pipeline.checks.common import LEVEL_ZH, RANK_EN, RANK_ORDER, RANK_ZH, is_generic, role_rank, terms
from pipeline.checks.engine import Hit, Rule, UnitView, short
from pipeline.model import Document, Risk

_log = logging.getLogger(__name__)

_LINE_ZH = {"prevention": "前期预防", "monitoring": "中期监控", "disposal": "后期处置"}
_LEVEL_EN = {"high": "high", "medium": "medium", "low": "low"}


def _ranks(doc: Document, risk: Risk, rank_of: dict[str, Any] | None = None) -> list[str | None]:
    """The rank of each person responsible for the risk; None where we cannot tell.

    A role written with the name (``彭某某（科长）``) decides first, then the rank extraction
    gave the person, then the risk's own rank list when it runs parallel to the names.
    ``rank_of`` is :func:`_rank_of` of ``doc``, when the caller keeps it across the doc's risks.
    """
    if rank_of is None:
        rank_of = _rank_of(doc)
    names = [n for n in risk.responsible if n.strip()]
    if not names:
        return list(risk.responsible_ranks)
    parallel = len(risk.responsible_ranks) == len(risk.responsible)
    out: list[str | None] = []
    for i, name in enumerate(risk.responsible):
        if not name.strip():
            continue
        rk = role_rank(name.strip()) or rank_of.get(name)
        if rk is None and parallel:
            rk = risk.responsible_ranks[i]
        out.append(rk)
    return out


def _rank_of(doc: Document) -> dict[str, Any]:
    return {r.name: r.rank for r in doc.responsibles}


def required_ranks(unit: UnitView) -> dict[str, list[str]]:
    """分级负责: the unit plan's owner-by-level rule where it states one, else the profile's."""
    base = dict(unit.profile.owner_by_level)
    if unit.plan and unit.plan.owner_by_level:
        base.update({k: list(v) for k, v in unit.plan.owner_by_level.items() if v})
    return base


# -- LF105 --------------------------------------------------------------------------------------

def check_lf105(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    need = required_ranks(unit)
    source = unit.plan_source() if unit.plan and unit.plan.owner_by_level else \
        ("分级负责要求", "the graded-responsibility rule")
    # per level: the lowest rank that may own it, worked out once rather than once per risk
    lowest = {lv: min(ws, key=lambda r: RANK_ORDER[r])
              for lv, ws in ((lv, [r for r in rs if r in RANK_ORDER]) for lv, rs in need.items()) if ws}
    rank_of: dict[int, dict[str, Any]] = {}  # per document, made once
    for doc, risk in unit.risks():
        if risk.level is None or risk.level not in lowest:
            continue
        want = lowest[risk.level]
        threshold = RANK_ORDER[want]
        doc_ranks = rank_of.get(id(doc))
        if doc_ranks is None:
            doc_ranks = rank_of[id(doc)] = _rank_of(doc)
        ranks = _ranks(doc, risk, doc_ranks)
        if not ranks or any(r is None or r == "other" for r in ranks):
            continue  # a name without a known rank is not "below" anything
        line = [RANK_ORDER[r] for r in ranks if r in RANK_ORDER]
        if not line or max(line) >= threshold:
            continue
        top = max((r for r in ranks if r in RANK_ORDER), key=lambda r: RANK_ORDER[r])
        yield Hit(doc, risk.loc, [risk.id], {
            "risk": short(risk.name),
            "level": (LEVEL_ZH[risk.level], _LEVEL_EN[risk.level]),
            "owner": (RANK_ZH[top], RANK_EN[top]),
            "want": (RANK_ZH[want], RANK_EN[want]),
            "source": source,
        })


# -- LF107 --------------------------------------------------------------------------------------

_ANY_TERM: dict[int, tuple[dict[str, tuple[str, ...]], re.Pattern[str] | None]] = {}


def _any_term(lex: dict[str, tuple[str, ...]]) -> re.Pattern[str] | None:
    """One pattern matching wherever any phrase of ``lex`` occurs (None: no such pattern)."""
    got = _ANY_TERM.get(id(lex))
    if got is None or got[0] is not lex:
        phrases = {p for ps in lex.values() for p in ps}
        # an empty phrase is "in" every text: then there is nothing to rule out up front
        rx = re.compile("|".join(map(re.escape, phrases))) if phrases and "" not in phrases else None
        got = _ANY_TERM[id(lex)] = (lex, rx)
    return got[1]


def _touches(text: str, rel: str) -> tuple[str, str] | None:
    """The first (label, phrase), in lexicon order, whose phrase occurs in ``text``."""
    lex = terms(rel)
    rx = _any_term(lex)
    # most risks touch no phrase: one regex scan says so, instead of a test per phrase
    if rx is not None and rx.search(text) is None:
        return None
    for label, phrases in lex.items():
        for p in phrases:
            if p in text:
                return label, p
    return None


def check_lf107(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    levels = opts.get("levels", ["low", "medium"])
    rel = str(opts.get("terms", "rules/high_risk_terms.yaml"))
    power_names = {p.id: p.name for d in unit.docs for p in d.powers}
    for doc, risk in unit.risks():
        if risk.level not in levels:
            continue
        text = "\n".join(t for t in (risk.name, risk.manifestation, power_names.get(risk.power or "")) if t)
        hit = _touches(text, rel)
        if hit is None:
            continue
        label, phrase = hit
        yield Hit(doc, risk.loc, [risk.id], {
            "risk": short(risk.name), "raw": risk.level_raw or LEVEL_ZH[risk.level],
            "level": _LEVEL_EN[risk.level], "term": phrase, "label": label,
        })


# -- LF108 --------------------------------------------------------------------------------------

def check_lf108(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    levels = opts.get("levels", ["high"])
    for doc, risk in unit.risks():
        if risk.level not in levels or risk.id in unit.undecidable:
            continue
        ms = unit.filled_measures(doc, risk)
        if ms and all(is_generic(m) for m in ms):
            yield Hit(doc, risk.loc, [risk.id, *(m.id for m in ms)], {
                "risk": short(risk.name), "n": len(ms), "sample": short(ms[0].text, 20),
                "level": (LEVEL_ZH.get(risk.level or "", ""), risk.level or ""),
            })


# -- LF109 --------------------------------------------------------------------------------------

def check_lf109(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    levels = opts.get("levels", ["high"])
    for doc, risk in unit.risks():
        if risk.level not in levels:
            continue
        ms = unit.filled_measures(doc, risk)
        if not ms or any(m.defense_line is None for m in ms):
            continue  # an unclassified measure may be on another line: do not guess
        lines = {m.defense_line for m in ms}
        if len(lines) == 1:
            line = lines.pop() or ""
            yield Hit(doc, risk.loc, [risk.id], {
                "risk": short(risk.name), "line": (_LINE_ZH.get(line, line), line),
            })


RULES = [
    Rule(
        code="LF105", name="owner-rank-below-level", severity="error",
        message="{level}等级风险点“{risk}”（{where}）只由{owner}负责，按{source}应由{want}负责",
        message_en="{level} risk point '{risk}' ({where}) is owned only by a {owner}; {source} asks for a {want}",
        hint="按分级负责把责任领导提到相应层级（高风险由主要领导、中风险由分管领导负责，或按本单位实施方案）。",
        hint_en="Raise the owner to the rank the level demands (high: principal leader, medium: leader in "
                "charge, or as the unit's plan says).",
        summary="A risk point is owned only by ranks below what its level demands (分级负责).",
        summary_zh="风险点的责任人层级低于其风险等级要求（分级负责）。",
        fail_example="风险等级：高 | 责任人：科室负责人",
        pass_example="风险等级：高 | 责任人：局长（主要领导）",
        check=check_lf105,
    ),
    Rule(
        code="LF107", name="undergraded-risk", severity="warning",
        message="风险点“{risk}”（{where}）评为“{raw}”，但涉及“{term}”（{label}），按性质宜评为高风险",
        message_en="Risk point '{risk}' ({where}) is graded {level} but concerns '{term}' ({label}), "
                   "high-risk by nature",
        hint="涉及三重一大、大额资金、招标采购、工程、人事、审批、执法的风险点一般应评为高风险；如确为低风险请说明理由。",
        hint_en="Risks about major decisions, large funds, tendering, construction, personnel, approval or "
                "enforcement are normally high; state the reason if not.",
        summary="A risk graded low/medium touches a high-risk-by-nature matter (三重一大, 大额资金, 招标采购 …).",
        summary_zh="风险点评为中、低等级，但涉及三重一大、大额资金、招标采购等高风险事项。",
        fail_example="风险点：工程招标中设置不合理条件 | 风险等级：低",
        pass_example="风险点：工程招标中设置不合理条件 | 风险等级：高",
        check=check_lf107,
        options={"levels": ["low", "medium"], "terms": "rules/high_risk_terms.yaml"},
    ),
    Rule(
        code="LF108", name="generic-measures-only", severity="warning",
        message="{level}风险点“{risk}”（{where}）的{n}条防控措施都是“{sample}”一类的套话",
        message_en="{level} risk point '{risk}' ({where}) has only boilerplate measures ({n}, e.g. '{sample}')",
        hint="至少写一条针对该风险的具体措施：制度、流程节点、审核环节、公开或监督方式。",
        hint_en="Add at least one measure specific to this risk: a rule, a process step, a review, disclosure "
                "or oversight.",
        summary="A high risk whose measures are all boilerplate (加强教育, 提高认识 …).",
        summary_zh="高风险点的防控措施全是“加强教育、提高认识”之类的套话。",
        fail_example="风险等级：高 | 防控措施：1.加强教育 2.提高认识",
        pass_example="风险等级：高 | 防控措施：1.加强教育 2.招标文件经法律顾问审核后集体研究",
        check=check_lf108,
        options={"levels": ["high"]},
    ),
    Rule(
        code="LF109", name="single-defense-line", severity="info",
        message="高风险点“{risk}”（{where}）的防控措施只在“{line}”一道防线",
        message_en="High risk point '{risk}' ({where}) has measures on one line of defence only ({line})",
        hint="按前期预防、中期监控、后期处置三道防线补充措施。",
        hint_en="Add measures on the other lines: prevention, monitoring, disposal.",
        summary="A high risk with measures on only one of the three lines of defence.",
        summary_zh="高风险点的防控措施只覆盖三道防线中的一道。",
        fail_example="风险等级：高 | 防控措施：1.加强廉政教育 2.开展警示教育（都是前期预防）",
        pass_example="风险等级：高 | 防控措施：1.加强廉政教育 2.纪检全程监督 3.违规的严肃追责",
        check=check_lf109,
        options={"levels": ["high"]},
    ),
]
