"""The unit report as an Excel workbook: a sheet of findings and a sheet of risk points.

Frozen header rows, autofilters and column widths so that a reviewer can sort and filter at
once; every cell passes :func:`pipeline.report.safe.neutralise` (no formula injection, no
control characters). The workbook is written directly as SpreadsheetML: openpyxl costs ~40 µs a
cell, which made Excel output the slowest part of a large batch; these few parts are all a
viewer needs (and the bytes are deterministic: fixed zip timestamps). Tests read the result
back with openpyxl.
"""

from __future__ import annotations

import io
import logging
import math
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pipeline.report.labels import labels
from pipeline.report.safe import neutralise_row
from pipeline.report.view import UnitReport

_log = logging.getLogger(__name__)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAX_CELL = 32767  # Excel's limit on characters in one cell
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
# style ids in _STYLES' cellXfs: 0 plain, 1 header (bold, shaded), 2 wrapped text, top-aligned
_HEADER, _WRAP = 1, 2

_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDE4EE"/><bgColor indexed="64"/></patternFill></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


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
    widths: dict[int, int] = field(default_factory=dict)
    wrap_cols: set[int] = field(default_factory=set)


@dataclass
class Workbook:
    """A minimal workbook: add sheets, then :meth:`to_bytes`."""

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
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            def put(name: str, text: str) -> None:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, text.encode("utf-8"))

            n = len(self.sheets)
            put("[Content_Types].xml", _content_types(n))
            put("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                f'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
                "</Relationships>")
            put("docProps/core.xml", _core(self.title))
            put("xl/workbook.xml", self._workbook_xml())
            rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, n + 1))
            rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            put("xl/_rels/workbook.xml.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>')
            put("xl/styles.xml", _STYLES)
            for i, s in enumerate(self.sheets, 1):
                put(f"xl/worksheets/sheet{i}.xml", _sheet_xml(s))
        return buf.getvalue()

    def _workbook_xml(self) -> str:
        sheets = "".join(f'<sheet name={quoteattr(s.title)} sheetId="{i}" r:id="rId{i}"/>'
                         for i, s in enumerate(self.sheets, 1))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_quote_sheet(s.title))}!$A$1:${col_letter(len(s.head))}${len(s.rows) + 1}</definedName>"
            for i, s in enumerate(self.sheets) if s.head)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
                f"<sheets>{sheets}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "") + "</workbook>")


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _content_types(n: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                     for i in range(1, n + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f"{sheets}</Types>")


def _core(title: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(_text(title)[:250])}</dc:title><dc:creator>lianfang</dc:creator></cp:coreProperties>")


def _text(value: str) -> str:
    # neutralise() already removed control characters; this guards direct callers too
    return "".join(ch for ch in value if ch in "\t\n" or ch >= " ")[:_MAX_CELL]


def _cell(ref: str, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style == _HEADER else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)) and math.isfinite(value):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(_text(str(value)))}</t></is></c>'


def _sheet_xml(s: Sheet) -> str:
    n_cols = len(s.head)
    letters = [col_letter(k + 1) for k in range(max(n_cols, max((len(r) for r in s.rows), default=0)))]
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">',
             '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
             'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>',
             '<sheetFormatPr defaultRowHeight="15"/>']
    if n_cols:
        cols = "".join(
            f'<col min="{k + 1}" max="{k + 1}" width="{s.widths.get(k, max(8, min(18, len(str(h)) * 2 + 2)))}" customWidth="1"/>'
            for k, h in enumerate(s.head))
        parts.append(f"<cols>{cols}</cols>")
    parts.append("<sheetData>")
    parts.append('<row r="1">' + "".join(_cell(f"{letters[k]}1", v, _HEADER)
                                          for k, v in enumerate(neutralise_row(s.head))) + "</row>")
    for i, row in enumerate(s.rows, 2):
        cells = "".join(_cell(f"{letters[k]}{i}", v, _WRAP if k in s.wrap_cols else 0)
                        for k, v in enumerate(neutralise_row(row)))
        parts.append(f'<row r="{i}">{cells}</row>')
    parts.append("</sheetData>")
    if n_cols:
        parts.append(f'<autoFilter ref="A1:{letters[n_cols - 1]}{len(s.rows) + 1}"/>')
    parts.append("</worksheet>")
    return "".join(parts)


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


def render_unit(report: UnitReport) -> bytes:
    """The .xlsx bytes of one unit's report."""
    L = labels(report.lang)
    wb = Workbook(title=f"{L['title']} — {report.name}")
    fh, fr = finding_rows(report)
    wb.add_sheet(L["findings"], fh, fr, widths={1: 24, 3: 60, 4: 40, 5: 30, 11: 20}, wrap_cols={3, 4})
    rh, rr = risk_rows(report)
    wb.add_sheet(L["risks"], rh, rr, widths={1: 18, 2: 30, 3: 40, 6: 60, 7: 18, 10: 30}, wrap_cols={2, 3, 6})
    return wb.to_bytes()
