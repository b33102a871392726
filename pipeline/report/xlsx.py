"""The unit report as an Excel workbook: a sheet of findings and a sheet of risk points.

Frozen header rows, autofilters and column widths so that a reviewer can sort and filter at
once; every cell passes :func:`pipeline.report.safe.neutralise` (no formula injection, no
control characters). Written with XlsxWriter, each cell by the writer for its type: text is
stored as text (never as a formula, a number or a link, whatever it looks like), numbers as
numbers. openpyxl, which is slower to write, still reads the .xlsx inputs.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass, field
from typing import Any

from pipeline.report.labels import labels
from pipeline.report.safe import NeutralText, neutralise, strip_control
from pipeline.report.view import UnitReport

_log = logging.getLogger(__name__)

_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_SHEET_NAME_MAX = 31  # UTF-16 code units, as Excel counts
_HEADER_FILL = "#DDE4EE"
# in memory: no temporary files; strings_to_*: off, so that text is stored as text whatever it looks like
_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
_DIGIT_PX = 7  # pixels per character of column width (a Calibri 11 digit, as XlsxWriter counts)


@dataclass
class Sheet:
    title: str
    head: list[str]
    rows: list[list[Any]]
    widths: dict[int, int] = field(default_factory=dict)  # 0-based column -> width in characters
    wrap_cols: set[int] = field(default_factory=set)  # 0-based columns whose long text wraps


@dataclass
class Workbook:
    """Sheets described as plain rows; :meth:`to_bytes` writes them with XlsxWriter."""

    title: str = ""
    sheets: list[Sheet] = field(default_factory=list)

    def add_sheet(self, title: str, head: list[str], rows: list[list[Any]], widths: dict[int, int] | None = None,
                  wrap_cols: set[int] | None = None) -> Sheet:
        # Excel refuses these characters, a leading or trailing apostrophe, names over 31 units and
        # a name used twice (in any case); XlsxWriter raises on each, so none may reach it
        base = _fit(" ".join(strip_control(title).translate(_BAD_SHEET_CHARS).split()), _SHEET_NAME_MAX) or "Sheet"
        taken = {s.title.casefold() for s in self.sheets}
        name, i = base, 2
        while name.casefold() in taken:
            suffix = f"-{i}"
            name = (_fit(base, _SHEET_NAME_MAX - len(suffix)) or "Sheet") + suffix
            i += 1
        sheet = Sheet(name, head, rows, dict(widths or {}), set(wrap_cols or ()))
        self.sheets.append(sheet)
        return sheet

    def to_bytes(self, neutral: NeutralText | None = None) -> bytes:
        """The workbook's bytes; ``neutral``: a text → neutralised text table to share with other
        files made from the same rows (a unit's CSV files)."""
        import xlsxwriter

        buf = io.BytesIO()
        with xlsxwriter.Workbook(buf, _OPTIONS) as wb:
            wb.set_properties({"title": neutral_text(self.title)[:250], "author": "lianfang"})
            head_fmt = wb.add_format({"bold": True, "pattern": 1, "bg_color": _HEADER_FILL})
            wrap_fmt = wb.add_format({"text_wrap": True, "valign": "top"})
            if neutral is None:
                neutral = NeutralText()  # the same text (a file name, a label) recurs on many rows
            for s in self.sheets:
                ws = wb.add_worksheet(s.title)
                ws.freeze_panes(1, 0)  # header row stays in view
                n_cols = len(s.head)
                for k, h in enumerate(s.head):
                    width = s.widths.get(k, max(8, min(18, len(str(h)) * 2 + 2)))
                    # in pixels, so that the file holds the width asked for: set_column would add padding
                    ws.set_column_pixels(k, k, round(width * _DIGIT_PX))
                _write_cells(ws, [s.head], 0, [head_fmt] * n_cols, neutral)
                n = max(n_cols, max(map(len, s.rows), default=0))
                _write_cells(ws, s.rows, 1, [wrap_fmt if k in s.wrap_cols else None for k in range(n)], neutral)
                if n_cols:
                    ws.autofilter(0, 0, len(s.rows), n_cols - 1)
        # each sheet keeps a bound method of its workbook (``workbook_add_format``): a cycle that
        # leaves every cell of the closed workbook to the garbage collector; closed, it needs none
        for ws in wb.worksheets():
            if getattr(ws, "workbook_add_format", None) is not None:
                ws.workbook_add_format = None
        return buf.getvalue()


def _write_cells(ws: Any, rows: list[list[Any]], first: int, fmts: list[Any], neutral: NeutralText) -> None:
    """Rows from row index ``first``, each cell neutralised and written by the writer for its type
    (never ``write``, which guesses a type from the text); empty cells are left out."""
    put_str, put_num, put_bool = ws.write_string, ws.write_number, ws.write_boolean
    for r, row in enumerate(rows, first):
        for k, v in enumerate(row):
            t = type(v)
            if t is str:
                if not v:
                    continue
                text = neutral[v]
                if text:
                    put_str(r, k, text, fmts[k])
            elif v is None:
                continue
            elif t is int or (t is float and math.isfinite(v)):
                put_num(r, k, v, fmts[k])
            elif t is bool:
                put_bool(r, k, v, fmts[k])
            else:  # the rare rest: other number types, NaN, a date, an object
                v = neutralise(v)
                if isinstance(v, bool):
                    put_bool(r, k, v, fmts[k])
                elif isinstance(v, (int, float)) and math.isfinite(v):
                    put_num(r, k, v, fmts[k])
                else:
                    text = v if isinstance(v, str) else neutralise(str(v))
                    if text:
                        put_str(r, k, text, fmts[k])


def _fit(name: str, limit: int) -> str:
    """``name`` without apostrophes at either end, cut to ``limit`` UTF-16 code units."""
    name = name[:limit].strip("'")
    while len(name.encode("utf-16-le")) > 2 * limit:  # a character beyond the BMP counts twice
        name = name[:-1].rstrip("'")
    return name


def neutral_text(value: str) -> str:
    """Text for a workbook property: neutralised like a cell."""
    return str(neutralise(value) or "")


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


def render_unit(report: UnitReport, *, findings: Rows | None = None, risks: Rows | None = None,
                neutral: NeutralText | None = None) -> bytes:
    """The .xlsx bytes of one unit's report (``findings``/``risks``: rows already made for the CSV
    files; ``neutral``: their texts already neutralised, see :class:`NeutralText`)."""
    L = labels(report.lang)
    wb = Workbook(title=f"{L['title']} — {report.name}")
    fh, fr = findings or finding_rows(report)
    wb.add_sheet(L["findings"], fh, fr, widths={1: 24, 3: 60, 4: 40, 5: 30, 11: 20}, wrap_cols={3, 4})
    rh, rr = risks or risk_rows(report)
    wb.add_sheet(L["risks"], rh, rr, widths={1: 18, 2: 30, 3: 40, 6: 60, 7: 18, 10: 30}, wrap_cols={2, 3, 6})
    return wb.to_bytes(neutral)
