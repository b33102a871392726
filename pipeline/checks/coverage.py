"""Coverage rules: every power has risks, every risk has a grade, measures and an owner (LF101–LF104, LF106).

Also the coverage state of each risk. Precedence, strongest first:
``undecidable`` (we could not read its measure cell or its table) > ``uncovered`` (no measure) >
``owner_missing`` (nobody answers for it) > ``generic_only`` (a risk at an LF108 level whose
measures are all boilerplate) > ``covered``.
"""

from __future__ import annotations

import difflib
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from pipeline.checks.common import interpret_in_scheme, is_generic, key, measure_columns
from pipeline.checks.engine import Hit, Rule, UnitView, short
from pipeline.model import Document, Risk

_log = logging.getLogger(__name__)


def has_owner(risk: Risk) -> bool:
    return bool([r for r in risk.responsible if r.strip()] or (risk.owner or "").strip()
                or (risk.department or "").strip() or (risk.post or "").strip())


def risk_state(unit: UnitView, doc: Document, risk: Risk) -> str:
    """The coverage state of one risk (see the module docstring for the precedence)."""
    if risk.measures_unreadable or risk.id in unit.undecidable:
        return "undecidable"
    ms = unit.filled_measures(doc, risk)
    if not ms:
        return "uncovered"
    if not has_owner(risk):
        return "owner_missing"
    levels = unit.profile.option("LF108", "levels", ["high"])
    if risk.level in levels and all(is_generic(m) for m in ms):
        return "generic_only"
    return "covered"


# -- LF101 --------------------------------------------------------------------------------------

def check_lf101(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    for doc in unit.docs:
        cols: dict[int, int] | None = None  # made on the first finding: most documents have none
        for risk in doc.risks:
            if risk.measures_unreadable or risk.id in unit.undecidable:
                continue  # "we could not read it" is never "the document is wrong"
            if unit.filled_measures(doc, risk):
                continue
            loc = risk.loc
            if loc.table is not None and cols is None:
                cols = measure_columns(doc)
            if loc.table is not None and cols is not None and loc.table in cols:
                loc = loc.at(col=cols[loc.table])  # point at the empty measure cell itself
            yield Hit(doc, loc, [risk.id], {"risk": short(risk.name)})


# -- LF102 --------------------------------------------------------------------------------------

def check_lf102(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    for doc in unit.docs:
        used = {mid for r in doc.risks for mid in r.measures}
        risk_ids = {r.id for r in doc.risks}
        for m in doc.measures:
            if m.id in used or (m.risk and m.risk in risk_ids) or not m.text.strip():
                continue
            yield Hit(doc, m.loc, [m.id], {"measure": short(m.text)})


# -- LF103 --------------------------------------------------------------------------------------

def check_lf103(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    scheme = unit.plan.level_scheme if unit.plan else []
    names = "、".join(d.name for d in scheme)
    src_zh, src_en = unit.plan_source()
    for doc in unit.docs:
        if not doc.risks:
            continue
        ungraded = [r for r in doc.risks if not (r.level_raw or "").strip() and r.level is None]
        if len(ungraded) == len(doc.risks) and len(ungraded) > 1 and opts.get("aggregate", True):
            # a table without any grade is one problem (a missing or empty column), not N
            first = ungraded[0]
            loc = first.loc.at(row=None, col=None) if first.loc.table is not None else first.loc
            yield Hit(doc, loc, [r.id for r in ungraded],
                      {"risk": (f"全部{len(ungraded)}个风险点", f"All {len(ungraded)} risk points"),
                       "why": ("均未评定风险等级", "have no grade")})
            continue
        in_scheme: dict[str, str | None] = {}
        if scheme:
            raws = sorted({r.level_raw.strip() for r in doc.risks if r.level_raw and r.level_raw.strip()})
            in_scheme = interpret_in_scheme(raws, scheme)
        ungraded_ids = {r.id for r in ungraded}
        for r in doc.risks:
            raw = (r.level_raw or "").strip()
            if r.id in ungraded_ids:
                why = ("未评定风险等级", "has no grade")
            elif scheme and in_scheme.get(raw) is None:
                why = (f"的等级“{raw}”不在{src_zh}规定的等级（{names}）之内",
                       f"has grade '{raw}', which is not in the scheme of {src_en} ({names})")
            elif not scheme and r.level is None:
                why = (f"的等级“{raw}”无法识别为高、中、低", f"has grade '{raw}', not readable as high/medium/low")
            else:
                continue
            yield Hit(doc, r.loc, [r.id], {"risk": (f"风险点“{short(r.name)}”", f"Risk point '{short(r.name)}'"),
                                           "why": why})


# -- LF104 --------------------------------------------------------------------------------------

def check_lf104(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    for doc, risk in unit.risks():
        if not has_owner(risk):
            yield Hit(doc, risk.loc, [risk.id], {"risk": short(risk.name)})


# -- LF106 --------------------------------------------------------------------------------------

def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


class _RiskTexts:
    """The unit's risk texts with a bigram index, so a catalog of 1,000 powers stays fast."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        index: dict[str, set[int]] = {}
        for i, t in enumerate(texts):
            for g in _bigrams(t):
                index.setdefault(g, set()).add(i)
        # bigrams in most texts (审批, 违规) say nothing about which risk a power belongs to
        cap = max(50, len(texts) // 10)
        self.index = {g: ids for g, ids in index.items() if len(ids) <= cap}

    def best_overlap(self, k: str, top: int = 5) -> int:
        """The longest stretch of ``k`` found verbatim in one risk text (among the likeliest ones)."""
        hits: Counter[int] = Counter()
        for g in _bigrams(k):
            hits.update(self.index.get(g, ()))
        best = 0
        for i, _ in hits.most_common(top):
            t = self.texts[i]
            m = difflib.SequenceMatcher(None, k, t, autojunk=False).find_longest_match(0, len(k), 0, len(t))
            best = max(best, m.size)
        return best


def _contains_any(k: str, names: set[str], shortest: int = 4) -> bool:
    """Whether some string of ``names`` occurs in ``k`` (checked through k's substrings: fast for many names)."""
    n = len(k)
    return any(k[i:j] in names for i in range(n) for j in range(i + shortest, n + 1))


def check_lf106(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    catalogs = [d for d in unit.docs if d.kind == "power_catalog" and d.powers]
    if not catalogs:
        return
    all_risks = [r for _, r in unit.risks()]
    names_by_id = {p.id: p.name for d in unit.docs for p in d.powers}
    linked_ids = {r.power for r in all_risks if r.power}
    linked_names = {key(names_by_id[i]) for i in linked_ids if i in names_by_id}
    linked_names |= {key(r.power) for r in all_risks if r.power and r.power not in names_by_id}
    linked_names.discard("")
    risk_names = {k for k in (key(r.name) for r in all_risks) if len(k) >= 4}
    texts = _RiskTexts([key(r.name) + "|" + key(r.manifestation) for r in all_risks])
    ratio = float(opts.get("similarity", 0.8))
    overlap = float(opts.get("overlap", 0.5))
    for doc in catalogs:
        if not all_risks:
            yield Hit(doc, doc.powers[0].loc.at(row=None, col=None), [p.id for p in doc.powers],
                      {"power": (f"职权目录所列{len(doc.powers)}项职权", f"All {len(doc.powers)} listed powers"),
                       "why": ("均未查找风险点（本单位提交的材料中没有任何风险点）",
                               "have no risk point analysed (the unit submitted no risk points at all)")})
            continue
        for p in doc.powers:
            k = key(p.name)
            if p.id in linked_ids or not k or k in linked_names:
                continue
            # a risk named after (part of) the power: 施工许可证核发 in 建筑工程施工许可证核发
            if _contains_any(k, risk_names):
                continue
            if any(difflib.SequenceMatcher(None, k, n).ratio() >= ratio for n in linked_names):
                continue
            # a risk whose text repeats much of the power: 对未取得施工许可证擅自施工…
            if texts.best_overlap(k) >= max(4, overlap * len(k)):
                continue
            yield Hit(doc, p.loc, [p.id], {"power": (f"职权“{short(p.name)}”", f"Power '{short(p.name)}'"),
                                           "why": ("没有对应的风险点", "has no risk point analysed")})


RULES = [
    Rule(
        code="LF101", name="risk-without-measure", severity="error",
        message="风险点“{risk}”（{where}）没有防控措施",
        message_en="Risk point '{risk}' ({where}) has no countermeasure",
        hint="为该风险点制定至少一条具体、可检查的防控措施（风险点与措施一一对应）。",
        hint_en="Write at least one specific, checkable countermeasure for this risk point (one-to-one).",
        summary="A risk point has no countermeasure (一对一).",
        summary_zh="风险点没有对应的防控措施。",
        fail_example="风险点：公车私用 | 防控措施：（空）",
        pass_example="风险点：公车私用 | 防控措施：1.实行派车单制度 2.每月公示用车情况",
        check=check_lf101,
    ),
    Rule(
        code="LF102", name="measure-without-risk", severity="warning",
        message="防控措施“{measure}”（{where}）没有对应的风险点",
        message_en="Countermeasure '{measure}' ({where}) is attached to no risk point",
        hint="把措施写在它所防控的风险点同一行，或删除与任何风险点无关的措施。",
        hint_en="Put the measure on the row of the risk it controls, or drop it if it controls none.",
        summary="A countermeasure is attached to no risk point.",
        summary_zh="防控措施没有对应的风险点。",
        fail_example="表末单独一行：防控措施：严格执行请示报告制度（无风险点）",
        pass_example="风险点：重大事项不报告 | 防控措施：严格执行请示报告制度",
        check=check_lf102,
    ),
    Rule(
        code="LF103", name="risk-without-level", severity="warning",
        message="{risk}（{where}）{why}",
        message_en="{risk} ({where}) {why}",
        hint="按本单位实施方案规定的等级（如高、中、低）为每个风险点评定等级。",
        hint_en="Grade every risk point within the scheme the unit's plan sets (e.g. high/medium/low).",
        summary="A risk point has no grade, or a grade outside the unit's scheme.",
        summary_zh="风险点未评定等级，或等级不在本单位规定的等级之内。",
        fail_example="实施方案：风险等级分高、中、低三级；自查表：风险点“公车私用” 风险等级：（空）或“四级”",
        pass_example="实施方案：风险等级分高、中、低三级；自查表：风险点“公车私用” 风险等级：低",
        check=check_lf103,
        options={"aggregate": True},
    ),
    Rule(
        code="LF104", name="risk-without-owner", severity="error",
        message="风险点“{risk}”（{where}）没有责任人或责任单位",
        message_en="Risk point '{risk}' ({where}) has nobody responsible",
        hint="写明防控该风险点的责任领导或责任人（以及所在科室或岗位）。",
        hint_en="Name the leader or person responsible for this risk point (and their section or post).",
        summary="Nobody is responsible for a risk point.",
        summary_zh="风险点没有责任人。",
        fail_example="风险点：公车私用 | 科室：（空）| 责任人：（空）",
        pass_example="风险点：公车私用 | 科室：办公室 | 责任人：分管副局长",
        check=check_lf104,
    ),
    Rule(
        code="LF106", name="power-without-risk", severity="warning",
        message="{power}（{where}）{why}",
        message_en="{power} ({where}) {why}",
        hint="对职权目录中的每项职权查找廉政风险点，或在自查表中注明该职权对应的风险点。",
        hint_en="Analyse the risks of every power in the catalog, or name the power on its risk rows.",
        summary="A power listed in the unit's power catalog has no risk point analysed.",
        summary_zh="职权目录所列职权没有查找风险点。",
        fail_example="职权目录：行政处罚、行政许可；自查表只有“行政许可”的风险点",
        pass_example="职权目录：行政处罚、行政许可；自查表两项职权都有风险点",
        check=check_lf106,
        options={"similarity": 0.8, "overlap": 0.5},
    ),
]
