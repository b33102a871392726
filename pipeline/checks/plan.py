"""Plan rules: the schedule of an implementation plan (LF204)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from pipeline.checks.engine import Hit, Rule, UnitView, short
from pipeline.model import Phase

_log = logging.getLogger(__name__)

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def _date(s: str | None) -> tuple[int, ...] | None:
    """``2026-03-15`` → (2026, 3, 15); ``2026-03`` → (2026, 3); unreadable → None."""
    m = _DATE.match(s or "")
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def before(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """``a`` is strictly earlier than ``b`` at the precision both state (2026-03 is not before 2026-03-10).

    >>> before((2026, 4), (2026, 3, 20)), before((2026, 3), (2026, 3, 20))
    (False, False)
    >>> before((2026, 3, 1), (2026, 2))
    False
    >>> before((2026, 2), (2026, 3, 1))
    True
    """
    n = min(len(a), len(b))
    return a[:n] < b[:n]


def _problems(phases: list[Phase]) -> Iterable[tuple[Phase, tuple[str, str]]]:
    prev_start: tuple[int, ...] | None = None
    prev: Phase | None = None
    for i, ph in enumerate(phases):
        start, end = _date(ph.start), _date(ph.end)
        last = i == len(phases) - 1
        if start and end and before(end, start):
            yield ph, (f"结束时间（{ph.end}）早于开始时间（{ph.start}）",
                       f"ends ({ph.end}) before it starts ({ph.start})")
        if start and prev_start and prev is not None and before(start, prev_start):
            yield ph, (f"开始时间（{ph.start}）早于上一阶段“{short(prev.name, 16)}”的开始时间（{prev.start}）",
                       f"starts ({ph.start}) before the previous phase '{short(prev.name, 16)}' ({prev.start})")
        if end is None and (start is None or last):
            # a start without an end is bounded by the next phase's start — except for the last phase
            yield ph, ("没有完成时限", "has no deadline")
        if start:
            prev_start, prev = start, ph
        elif end and prev is None:
            prev_start, prev = end, ph


def check_lf204(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    for doc in unit.docs:
        if doc.plan is None:
            continue
        for ph, what in _problems(doc.plan.phases):
            yield Hit(doc, ph.loc, [], {"phase": short(ph.name, 24), "what": what})


RULES = [
    Rule(
        code="LF204", name="schedule-out-of-order", severity="warning",
        message="实施方案的“{phase}”阶段（{where}）{what}",
        message_en="Plan phase '{phase}' ({where}) {what}",
        hint="为每个阶段写明起止时间，并按先后顺序排列。",
        hint_en="Give every phase a start and a deadline, in order.",
        summary="Plan phases whose dates run backwards or lack deadlines.",
        summary_zh="实施方案各阶段时间倒置或没有完成时限。",
        fail_example="（一）动员部署阶段（2026年4月） （二）查找风险阶段（2026年3月1日—3月31日）",
        pass_example="（一）动员部署阶段（2026年3月1日—15日） （二）查找风险阶段（3月16日—4月15日）",
        check=check_lf204,
    ),
]
