"""Consistency rules: duplicates, stated counts, numbered sub-items (LF110–LF112)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from pipeline.checks.common import key, origin_cell
from pipeline.checks.engine import Hit, Rule, UnitView, short
from pipeline.model import Cell, Document, Loc
from pipeline.units import distinct_submissions

_log = logging.getLogger(__name__)


# -- LF110 --------------------------------------------------------------------------------------

def check_lf110(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    # A risk point is its name; the same name under the same department (or owner) and the same
    # power is a duplicate even when the wording of its manifestation differs. Under different
    # powers (设立/变更税务登记 both have 资料审核) it is a different risk.
    for doc in unit.docs:
        first: dict[tuple[str, str, str], str] = {}
        for r in doc.risks:
            owner = key(r.department or r.owner or r.post)
            k = (owner, key(r.power or ""), key(r.name))
            if not k[2]:
                continue
            if k in first:
                yield Hit(doc, r.loc, [r.id, first[k]], {"risk": short(r.name), "owner": r.department
                                                         or r.owner or r.post or "—"})
            else:
                first[k] = r.id


# -- LF111 --------------------------------------------------------------------------------------

_COUNT_ZH = {"risk_points": ("风险点", "个"), "measures": ("防控措施", "条"), "powers": ("职权", "项")}
_COUNT_EN = {"risk_points": "risk points", "measures": "measures", "powers": "powers"}


def real_counts(docs: list[Document]) -> dict[str, int]:
    """What the unit's tables actually hold (0 where no table holds that kind of item)."""
    subs = distinct_submissions(docs)
    return {
        "risk_points": sum(len(d.risks) for d in subs),
        "measures": sum(1 for d in subs for m in d.measures if m.text.strip()),
        "powers": sum(len(d.powers) for d in subs if d.kind == "power_catalog"),
    }


def _count_loc(doc: Document, n: int) -> Loc:
    """The paragraph that states the number, when it is written in digits."""
    pat = re.compile(rf"(?<!\d){n}(?!\d)")
    for b in doc.blocks:
        if b.kind != "table" and pat.search(b.text):
            return b.loc if b.loc.block is not None else b.loc.at(block=b.index)
    return Loc()


def check_lf111(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    real = real_counts(unit.docs)
    for doc in unit.docs:
        sc = doc.stated_counts
        if not sc:
            continue
        label = ("自查报告", "The report") if doc.kind == "self_check_report" else ("材料", "The document")
        for k in ("risk_points", "measures", "powers"):
            if k in sc and real[k] > 0 and sc[k] != real[k]:
                yield Hit(doc, _count_loc(doc, sc[k]), [], {
                    "doc": label,
                    "what": (f"称{_COUNT_ZH[k][0]}{sc[k]}{_COUNT_ZH[k][1]}，"
                             f"但本单位表格中实际为{real[k]}{_COUNT_ZH[k][1]}",
                             f"claims {sc[k]} {_COUNT_EN[k]}, but the unit's tables hold {real[k]}"),
                })
        rp, ms = sc.get("risk_points"), sc.get("measures")
        if rp and ms is not None and ms < rp:
            yield Hit(doc, _count_loc(doc, ms), [], {
                "doc": label,
                "what": (f"称查找风险点{rp}个、制定防控措施{ms}条，措施少于风险点，不能做到一一对应",
                         f"claims {rp} risk points but only {ms} measures: fewer measures than risks"),
            })


# -- LF112 --------------------------------------------------------------------------------------

# "1.1党政…" / "2.3缺乏…": dotted sub-items at the start or after a sentence break
_DOTTED = re.compile(r"(?:^|(?<=[\s。；;，,]))(\d{1,2})[.．](\d{1,2})(?![\d.．%])")
# "1.严格…" / "2、…" / "（3）…"
_SIMPLE = re.compile(r"(?:^|(?<=[\s。；;]))[（(]?(\d{1,2})(?:[.．、]|[)）])(?!\d)")
_DIGIT = re.compile(r"\d")  # the same digits as the \d of the two patterns above
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _sequence(values: list[int]) -> bool:
    return len(values) >= 2 and values == list(range(1, len(values) + 1))


def sub_items(text: str | None) -> list[str]:
    """The numbers of a manifestation's sub-items (``["1.1", "1.2"]`` or ``["1", "2"]``), if numbered in sequence.

    >>> sub_items("1.1领导讲党课没有形成制度。 1.2分管领导未提要求。")
    ['1.1', '1.2']
    >>> sub_items("涉及金额1.5万元以上")
    []
    """
    if not text or _DIGIT.search(text) is None:
        return []  # both patterns need a digit; most manifestations have none
    dotted = [(int(a), int(b)) for a, b in _DOTTED.findall(text)]
    if dotted and len({a for a, _ in dotted}) == 1 and _sequence([b for _, b in dotted]):
        return [f"{a}.{b}" for a, b in dotted]
    simple = [int(a) for a in _SIMPLE.findall(text)]
    if _sequence(simple):
        return [str(v) for v in simple]
    return []


def _measure_numbers(text: str) -> list[int]:
    """The last number of each enumerated item in a measure cell (1.1/1.2 → 1, 2; ① → 1)."""
    dotted = [int(b) for _, b in _DOTTED.findall(text)]
    if len(dotted) >= 2 or (dotted and _DOTTED.match(text.strip())):
        return dotted  # one dotted number inside a sentence is an amount (1.5万元), not an item
    simple = [int(a) for a in _SIMPLE.findall(text)]
    if simple:
        return simple
    return [_CIRCLED.index(c) + 1 for c in text if c in _CIRCLED]


def check_lf112(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    for doc in unit.docs:
        tables = None
        maps: dict[int, list[list[Cell | None]]] = {}
        for risk in doc.risks:
            items = sub_items(risk.manifestation)
            if not items:
                continue
            ms = unit.filled_measures(doc, risk)
            if not ms:
                continue  # no measure at all is LF101's finding
            numbers: list[int] = []
            cells = {(m.loc.table, m.loc.row, m.loc.col) for m in ms if m.loc.table is not None}
            if cells:
                tables = tables if tables is not None else unit.tables_of(doc)
                for t, r, c in sorted(cells, key=str):
                    # the same cell as cell_at(doc, Loc(table=t, row=r, col=c), ...) without the Loc
                    cell = None if r is None or c is None else origin_cell(tables, t, r, c, maps)
                    if cell is not None:
                        numbers.extend(_measure_numbers(cell.raw or cell.text))
            if not numbers:
                if len(ms) < 2:
                    continue  # one unnumbered measure may answer every sub-item: do not guess
                numbers = list(range(1, len(ms) + 1))
            have = set(numbers)
            missing = [it for it in items if int(it.rsplit(".", 1)[-1]) not in have]
            if missing:
                yield Hit(doc, risk.loc, [risk.id], {
                    "risk": short(risk.name), "items": "、".join(missing), "n": len(items),
                })


RULES = [
    Rule(
        code="LF110", name="duplicate-risk", severity="info",
        message="风险点“{risk}”（{where}）在“{owner}”下重复出现",
        message_en="Risk point '{risk}' ({where}) appears twice for '{owner}'",
        hint="合并重复的风险点，或分别归入不同职权。",
        hint_en="Merge the duplicates, or attach each to the power it belongs to.",
        summary="The same risk point (by name) twice in one department or owner under the same power.",
        summary_zh="同一责任主体下同一风险点重复出现。",
        fail_example="办公室 | 公车私用 | 违规加油 …（第2行）；办公室 | 公车私用 | 违规加油 …（第9行）",
        pass_example="办公室 | 公车私用 | 违规加油；财务科 | 公车私用 | 违规报销",
        check=check_lf110,
    ),
    Rule(
        code="LF111", name="stated-count-mismatch", severity="warning",
        message="{doc}（{where}）{what}",
        message_en="{doc} ({where}) {what}",
        hint="核对报告中的数字与所附风险点表格；每个风险点至少应有一条防控措施。",
        hint_en="Reconcile the report's figures with the attached tables; every risk point needs a measure.",
        summary="A report's stated counts disagree with the unit's tables, or claim fewer measures than risks.",
        summary_zh="报告所称数字与本单位表格不符，或所称措施少于风险点。",
        fail_example="自查报告：共查找风险点1698个，制定防范措施1574条",
        pass_example="自查报告：共查找风险点56个，制定防控措施112条（表格中也是56个风险点、112条措施）",
        check=check_lf111,
    ),
    Rule(
        code="LF112", name="subitem-unmatched", severity="warning",
        message="风险点“{risk}”（{where}）的表现形式分{n}项，第{items}项没有对应编号的防控措施",
        message_en="Risk point '{risk}' ({where}) lists {n} numbered sub-items; {items} have no matching "
                   "numbered measure",
        hint="为表现形式的每个分项（1.1、1.2…）写出对应编号的防控措施。",
        hint_en="Give each numbered sub-item (1.1, 1.2 …) a measure with the same number.",
        summary="Numbered sub-items of a risk (1.1/1.2 …) without matching numbered measures.",
        summary_zh="风险表现形式按1.1、1.2分项列出，但缺少对应编号的防控措施。",
        fail_example="表现形式：1.1未形成制度 1.2未提要求 1.3未落实 | 防控措施：1.1每年讲党课 1.2部署时提要求",
        pass_example="表现形式：1.1未形成制度 1.2未提要求 | 防控措施：1.1每年讲党课 1.2部署时提要求",
        check=check_lf112,
    ),
]
