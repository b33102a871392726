"""The unit report as an Excel workbook: a sheet of findings and a sheet of risk points.

Frozen header rows, autofilters and column widths so that a reviewer can sort and filter at
once; every cell passes :func:`pipeline.report.safe.neutralise` (no formula injection, no
control characters openpyxl would reject).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

from pipeline.report.labels import labels
from pipeline.report.safe import neutralise_row
from pipeline.report.view import UnitReport

_log = logging.getLogger(__name__)


def finding_rows(report: UnitReport) -> tuple[list[str], list[list[Any]]]:
    L = labels(report.lang)
    head = [L["rule"], L["rule_name"], L["severity"], L["message"], L["hint"], L["file"], L["page"], L["table"],
            L["row"], L["col"], L["level"], L["department"], "refs"]
    rows = [[x.rule, x.name, L.get(x.severity, x.severity), x.message, x.hint, x.file, x.page, _one(x.table),
             _one(x.row), _one(x.col), L.get(x.level, "") if x.level else "", x.department or "", " ".join(x.refs)]
            for x in report.findings]
    return head, rows


def risk_rows(report: UnitReport) -> tuple[list[str], list[list[Any]]]:
    L = labels(report.lang)
    head = ["#", L["department"], L["risk"], L["manifestation"], L["level"], L["level"] + " (raw)", L["measures"],
            L["responsible"], L["state"], L["rule"], L["file"], L["page"], L["table"], L["row"], "id"]
    rows = []
    for i, x in enumerate(report.risks, 1):
        ms = "\n".join(f"{k}. {m.text}" for k, m in enumerate(x.measures, 1))
        rows.append([i, x.department, x.name, x.manifestation, L.get(x.level, "") if x.level else "", x.level_raw or "",
                     ms, "、".join(x.responsible), L.get(x.state or "", ""), " ".join(x.rules), x.file, x.loc.page,
                     _one(x.loc.table), _one(x.loc.row), x.id])
    return head, rows


def _one(v: int | None) -> int | None:
    return None if v is None else v + 1


# sensible widths (in characters) by header; long text columns wrap
_WIDE = {"message": 60, "hint": 40, "risk": 30, "manifestation": 40, "measures": 60, "file": 30}


def add_sheet(wb: Any, title: str, head: list[str], rows: Iterable[list[Any]], widths: dict[int, int] | None = None,
              wrap_cols: set[int] | None = None) -> Any:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=title[:31])
    ws.append(neutralise_row(head))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
    for c in ws[1]:
        c.font, c.fill = bold, fill
    n = 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        ws.append(neutralise_row(r))
        n += 1
        if wrap_cols:
            for k in wrap_cols:
                ws.cell(row=n, column=k + 1).alignment = wrap
    ws.freeze_panes = "A2"
    if head:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{max(n, 1)}"
    for k, h in enumerate(head):
        ws.column_dimensions[get_column_letter(k + 1)].width = (widths or {}).get(k, max(8, min(18, len(str(h)) * 2 + 2)))
    return ws


def workbook_bytes(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_unit(report: UnitReport) -> bytes:
    """The .xlsx bytes of one unit's report."""
    from openpyxl import Workbook

    L = labels(report.lang)
    wb = Workbook()
    wb.remove(wb.active)
    fh, fr = finding_rows(report)
    add_sheet(wb, L["findings"], fh, fr, widths={1: 24, 3: 60, 4: 40, 5: 30, 11: 20}, wrap_cols={3, 4})
    rh, rr = risk_rows(report)
    add_sheet(wb, L["risks"], rh, rr, widths={1: 18, 2: 30, 3: 40, 6: 60, 7: 18, 10: 30}, wrap_cols={2, 3, 6})
    wb.properties.title = f"{L['title']} — {report.name}"[:250]
    wb.properties.creator = "lianfang"
    return workbook_bytes(wb)
