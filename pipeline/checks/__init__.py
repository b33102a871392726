"""Checks: rules over a unit's submissions read together (DESIGN.md §5).

>>> from pipeline.checks import check_documents            # doctest: +SKIP
>>> docs = check_documents(api.extract(["submissions/"]))    # doctest: +SKIP
>>> [(f.rule, f.message) for f in docs[0].findings][:1]      # doctest: +SKIP

:func:`run_checks` groups the documents into units (:mod:`pipeline.units`), lets the unit's
plan re-grade its tables, runs every rule the profile enables, attaches each finding to the
submission it concerns and sets every risk's coverage ``state`` (see
:mod:`pipeline.checks.coverage` for the states and their precedence). It replaces findings an
earlier run attached, so running it twice gives the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from pipeline.checks.engine import RULES, UnitView, rules, run_unit
from pipeline.checks.profile import Profile, load_profile
from pipeline.memo import Memo
from pipeline.model import Document, Finding, LevelDef

_log = logging.getLogger(__name__)

__all__ = ["run_checks", "check_documents", "check_unit", "load_profile", "Profile", "rules", "RULES",
           "apply_plan_scheme"]

_SEV_ORDER = {"error": 0, "warning": 1, "info": 2}


def apply_plan_scheme(view: UnitView) -> int:
    """Re-read the unit's raw risk grades within its plan's level scheme; return how many changed."""
    if view.plan is None or not view.plan.level_scheme:
        return 0
    scheme = view.plan.level_scheme
    raws = sorted({r.level_raw.strip() for _, r in view.risks() if r.level_raw and r.level_raw.strip()})
    if not raws:
        return 0
    exact = _plan_names_only(raws, scheme)
    mapping = _interpret(raws, scheme, exact)
    changed = 0
    for _, r in view.risks():
        raw = (r.level_raw or "").strip()
        # a grade the plan names is read as the plan says; other notations only fill a gap
        lv = exact.get(raw) or (mapping.get(raw) if r.level is None else None)
        if lv is not None and lv != r.level:
            r.level = lv  # type: ignore[assignment]
            changed += 1
    return changed


def _interpret(raws: list[str], scheme: list[LevelDef],
               ours: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """The plan's own names decide first; the extraction's reading of notations fills the rest.

    ``ours`` is ``interpret_in_scheme(raws, scheme)`` when the caller already has it.
    """
    from pipeline.checks.common import interpret_in_scheme

    if ours is None:
        ours = interpret_in_scheme(raws, scheme)
    try:
        from pipeline.extract.levels import interpret_levels, parse_scheme
        from pipeline.lexicon import load_lexicons

        levels = _levels(load_lexicons())
        names = [d.name for d in scheme]
        k = (id(levels), tuple(raws), tuple(names))
        hit = _THEIRS.get(k)
        if hit is not None and hit[0] is levels:
            theirs = hit[1]
        else:
            theirs = interpret_levels(raws, parse_scheme(names, levels), levels=levels)
            if len(_THEIRS) >= 4096:
                _THEIRS.clear()
            _THEIRS[k] = (levels, theirs)
    except Exception:  # absent or changed: the plan's names alone still apply
        _log.debug("extraction's interpret_levels unavailable; using the plan's names only", exc_info=True)
        return ours
    return {r: ours.get(r) or (theirs.get(r) if isinstance(theirs, dict) else None) for r in raws}


_LEVELS: dict[int, tuple[object, object]] = {}
# the extraction's reading of a unit's raw grades within its plan's names: units of a batch mostly
# share both (高/中/低 under 高/中/低), and the reading depends on nothing else (only read, never changed)
_THEIRS: dict[tuple[int, tuple[str, ...], tuple[str, ...]], tuple[object, Any]] = Memo()


def _levels(lex: object) -> object:
    """The extraction's level scales of ``lex``, built once per lexicon set (not once per unit)."""
    from pipeline.extract.levels import Levels

    hit = _LEVELS.get(id(lex))
    if hit is None or hit[0] is not lex:
        hit = _LEVELS[id(lex)] = (lex, Levels.from_lexicons(lex))  # type: ignore[arg-type]
    return hit[1]


def _plan_names_only(raws: list[str], scheme: list[LevelDef]) -> dict[str, str | None]:
    from pipeline.checks.common import interpret_in_scheme

    return interpret_in_scheme(raws, scheme)


def _sort_key(f: Finding) -> tuple[int, int, int, int, str]:
    loc = f.loc
    table, row, page = loc.table, loc.row, loc.page
    if row is None:
        row = loc.block
    # None sorts as -1 (spelt out: a helper call per key adds up over thousands of findings)
    return (-1 if table is None else table, -1 if row is None else row, -1 if page is None else page,
            _SEV_ORDER.get(f.severity, 3), f.rule)


def check_unit(docs: list[Document], profile: Profile | None = None, lang: str = "zh", *,
               key: str = "", name: str = "") -> list[Finding]:
    """Run the rules over ONE unit's submissions; attach findings and states; return the findings."""
    from pipeline.checks.coverage import risk_state
    from pipeline.checks.readability import undecidable_risks

    profile = profile or load_profile()
    codes = set(rules())
    view = UnitView(key=key, name=name, docs=docs, profile=profile)
    apply_plan_scheme(view)
    for d in docs:
        view.undecidable |= undecidable_risks(d)
        d.findings = [f for f in d.findings if f.rule not in codes]
    found = run_unit(view, lang)
    for d, f in found:
        d.findings.append(f)
    for d in docs:
        d.findings.sort(key=_sort_key)
        for r in d.risks:
            # what pydantic's assignment does for a model that does not validate assignments,
            # without its per-call dispatch (a unit has hundreds of risks)
            r.__dict__["state"] = risk_state(view, d, r)
            r.__pydantic_fields_set__.add("state")
    return [f for _, f in found]


def run_checks(docs: list[Document], profile: Profile | None = None, lang: str = "zh", *,
               units: Iterable[tuple[str, str, list[Document]]] | None = None, by: str = "auto") -> None:
    """Check a batch in place: group it into units (or take ``units`` as (key, name, docs)), run the rules."""
    from pipeline.units import units as make_units

    profile = profile or load_profile()
    groups = list(units) if units is not None else [(u.key, u.name, u.docs) for u in make_units(docs, by)]
    for key, name, group in groups:
        check_unit(group, profile, lang, key=key, name=name)


def check_documents(docs: list[Document], profile: Profile | str | None = None, lang: str = "zh") -> list[Document]:
    """Group ``docs`` into units and run every check; the same documents, with findings and states.

    ``profile`` is a :class:`Profile`, a path to a profile file, or None for the built-in default.
    """
    prof = load_profile(profile) if isinstance(profile, str) else profile
    run_checks(docs, prof, lang)
    return docs
