"""The unit report as an Excel workbook: a sheet of findings and a sheet of risk points.

Frozen header rows, autofilters and column widths so that a reviewer can sort and filter at
once; every cell passes :func:`pipeline.report.safe.neutralise` (no formula injection, no
control characters). Written with openpyxl in write-only mode: rows stream to the file as they
are appended, so a large unit costs neither the memory nor the time of a full worksheet model.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

from pipeline.report.labels import labels
from pipeline.report.safe import neutralise_row
from pipeline.report.view import UnitReport

_log = logging.getLogger(__name__)

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_HEADER_FILL = "FFDDE4EE"


def col_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class Sheet:
    title: str
    head: list[str]
    rows: list[list[Any]]
    widths: dict[int, int] = field(default_factory=dict)  # 0-based column -> width in characters
    wrap_cols: set[int] = field(default_factory=set)  # 0-based columns whose long text wraps


@dataclass
class Workbook:
    """Sheets described as plain rows; :meth:`to_bytes` writes them with openpyxl (write-only)."""

    title: str = ""
    sheets: list[Sheet] = field(default_factory=list)

    def add_sheet(self, title: str, head: list[str], rows: list[list[Any]], widths: dict[int, int] | None = None,
                  wrap_cols: set[int] | None = None) -> Sheet:
        name = (title.translate(_BAD_SHEET_CHARS).strip("'") or "Sheet")[:31]
        taken = {s.title.casefold() for s in self.sheets}
        base, i = name, 2
        while name.casefold() in taken:
            name = f"{base[:28]}-{i}"
            i += 1
        sheet = Sheet(name, head, rows, dict(widths or {}), set(wrap_cols or ()))
        self.sheets.append(sheet)
        return sheet

    def to_bytes(self) -> bytes:
        from openpyxl import Workbook as XWorkbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        wb = XWorkbook(write_only=True)
        wb.properties.title = neutral_text(self.title)[:250]
        wb.properties.creator = "lianfang"
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor=_HEADER_FILL)
        wrap = Alignment(vertical="top", wrap_text=True)
        for s in self.sheets:
            ws = wb.create_sheet(s.title)
            ws.freeze_panes = "A2"  # header row stays in view
            n_cols = len(s.head)
            for k, h in enumerate(s.head):
                width = s.widths.get(k, max(8, min(18, len(str(h)) * 2 + 2)))
                ws.column_dimensions[col_letter(k + 1)].width = width
            header = []
            for v in neutralise_row(s.head):
                c = WriteOnlyCell(ws, value=v)
                c.font, c.fill = bold, fill
                header.append(c)
            ws.append(header)
            wrap_cols = s.wrap_cols
            for row in s.rows:
                values = neutralise_row(row)
                if wrap_cols:
                    for k in wrap_cols:
                        if k < len(values) and values[k] not in (None, ""):
                            c = WriteOnlyCell(ws, value=values[k])
                            c.alignment = wrap
                            values[k] = c
                ws.append(values)
            if n_cols:
                ws.auto_filter.ref = f"A1:{col_letter(n_cols)}{len(s.rows) + 1}"
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


def neutral_text(value: str) -> str:
    """Text for a workbook property: neutralised like a cell."""
    return str(neutralise_row([value])[0] or "")


# -- the unit report ---------------------------------------------------------------------------------

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


Rows = tuple[list[str], list[list[Any]]]


def render_unit(report: UnitReport, *, findings: Rows | None = None, risks: Rows | None = None) -> bytes:
    """The .xlsx bytes of one unit's report (``findings``/``risks``: rows already made for the CSV files)."""
    L = labels(report.lang)
    wb = Workbook(title=f"{L['title']} — {report.name}")
    fh, fr = findings or finding_rows(report)
    wb.add_sheet(L["findings"], fh, fr, widths={1: 24, 3: 60, 4: 40, 5: 30, 11: 20}, wrap_cols={3, 4})
    rh, rr = risks or risk_rows(report)
    wb.add_sheet(L["risks"], rh, rr, widths={1: 18, 2: 30, 3: 40, 6: 60, 7: 18, 10: 30}, wrap_cols={2, 3, 6})
    return wb.to_bytes()
