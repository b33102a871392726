"""The Excel writer (XlsxWriter underneath), read back with openpyxl as a reviewer's Excel would read it.

Text must stay text whatever it looks like (a formula, a number, a link); numbers must stay numbers;
the layout (frozen header, autofilter, widths, wrapped columns, bold filled header) must survive.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from pipeline.model import Document, Finding, Loc, Measure, Risk, Source
from pipeline.report import xlsx as rxlsx
from pipeline.report.safe import neutralise
from pipeline.report.view import build_unit_report


def _read(wb: rxlsx.Workbook) -> Any:
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(wb.to_bytes()))


def _widths(ws: Any) -> dict[str, float]:
    """Column letter → width; a <col> element may cover several columns of the same width."""
    from openpyxl.utils import get_column_letter

    return {get_column_letter(i): d.width for d in ws.column_dimensions.values() if d.customWidth
            for i in range(d.min, d.max + 1)}


LOOKALIKES = [
    ("=1+2", "'=1+2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("=HYPERLINK(\"http://evil\",\"点\")", "'=HYPERLINK(\"http://evil\",\"点\")"),
    ("123", "123"),  # digits in a text field stay text, not a number
    ("1e5", "1e5"),
    ("0012", "0012"),  # leading zeros kept: a number would lose them
    ("http://example.com/a", "http://example.com/a"),  # not made a link
    ("mailto:x@example.com", "mailto:x@example.com"),
    ("TRUE", "TRUE"),
    ("_x0041_", "_x0041_"),  # Excel's own escape syntax, taken literally
    ("a\x00b\x1bc", "abc"),
    ("第一行\n第二行", "第一行\n第二行"),
]


def test_text_stays_text_whatever_it_looks_like() -> None:
    wb = rxlsx.Workbook(title="t")
    wb.add_sheet("s", ["v"], [[raw] for raw, _ in LOOKALIKES])
    ws = _read(wb)["s"]
    cells = [ws.cell(row=i + 2, column=1) for i in range(len(LOOKALIKES))]
    assert [c.value for c in cells] == [want for _, want in LOOKALIKES]
    assert all(c.data_type == "s" for c in cells)
    assert all(c.hyperlink is None for c in cells)
    assert not ws._hyperlinks


def test_numbers_stay_numbers_and_empty_cells_stay_empty() -> None:
    wb = rxlsx.Workbook()
    wb.add_sheet("s", ["a", "b", "c", "d", "e", "f"], [[1, 2.5, None, "", True, float("nan")], [-3, 0, "x", 7, False, 10**6]])
    ws = _read(wb)["s"]
    assert [c.value for c in ws[2]] == [1, 2.5, None, None, True, "nan"]  # NaN is no number Excel knows
    assert [c.data_type for c in ws[2]][:2] == ["n", "n"]
    assert [c.value for c in ws[3]] == [-3, 0, "x", 7, False, 1000000]


def test_layout_frozen_header_filter_widths_wrap() -> None:
    wb = rxlsx.Workbook(title="标题 — 单位")
    rows = [[i, f"很长的说明文字 {i}", "短"] for i in range(1, 6)]
    wb.add_sheet("数据", ["#", "说明", "备注"], rows, widths={1: 60}, wrap_cols={1})
    book = _read(wb)
    ws = book["数据"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C6"
    # the width asked for, exactly; unlisted columns get one from their header
    assert _widths(ws) == {"A": 8, "B": 60, "C": 8}
    header = ws[1]
    assert all(c.font.b for c in header)
    assert all(c.fill.fill_type == "solid" and c.fill.fgColor.rgb.endswith("DDE4EE") for c in header)
    body = ws["B2"], ws["A2"], ws["C2"]
    assert body[0].alignment.wrap_text and body[0].alignment.vertical == "top"
    assert not body[1].alignment.wrap_text and not body[2].alignment.wrap_text
    assert not body[0].font.b
    assert book.properties.title == "标题 — 单位" and book.properties.creator == "lianfang"


def test_header_only_sheet() -> None:
    wb = rxlsx.Workbook()
    wb.add_sheet("空", ["a", "b"], [])
    ws = _read(wb)["空"]
    assert [c.value for c in ws[1]] == ["a", "b"] and ws.max_row == 1
    assert ws.auto_filter.ref == "A1:B1" and ws.freeze_panes == "A2"


@pytest.mark.parametrize("titles,expected", [
    (["a[b]:c*d?e/f\\g"], ["a_b__c_d_e_f_g"]),
    (["'引号'"], ["引号"]),
    (["", "   "], ["Sheet", "Sheet-2"]),
    (["问题清单", "问题清单", "问题清单"], ["问题清单", "问题清单-2", "问题清单-3"]),
    (["Data", "DATA"], ["Data", "DATA-2"]),  # Excel compares names ignoring case
    (["x" * 40], ["x" * 31]),
    (["x" * 30 + "'y"], ["x" * 30]),  # no apostrophe left at the end after the cut
    (["😀" * 20], ["😀" * 15]),  # 31 UTF-16 units: each of these counts twice
    (["x" * 31, "x" * 31], ["x" * 31, "x" * 29 + "-2"]),
    (["a\tb\nc\x00d"], ["a b cd"]),
])
def test_sheet_names_are_valid_and_unique(titles: list[str], expected: list[str]) -> None:
    wb = rxlsx.Workbook()
    for t in titles:
        wb.add_sheet(t, ["h"], [[1]])
    assert [s.title for s in wb.sheets] == expected
    assert _read(wb).sheetnames == expected


def test_formula_title_is_neutral() -> None:
    wb = rxlsx.Workbook(title="=cmd|' /C calc'!A0")
    wb.add_sheet("s", ["h"], [])
    assert _read(wb).properties.title == "'=cmd|' /C calc'!A0"


def test_overlong_text_is_cut_to_what_excel_holds() -> None:
    wb = rxlsx.Workbook()
    wb.add_sheet("s", ["h"], [["长" * 40000]])
    value = _read(wb)["s"]["A2"].value
    assert value == "长" * 32767


def _unit_docs() -> list[Document]:
    path = "单位甲/自查表.docx"
    d = Document(source=Source(path=path, format="docx"), kind="risk_table")
    d.measures = [Measure(id="M1", text="=HYPERLINK(\"http://x\",\"点\")", defense_line="prevention"),
                  Measure(id="M2", text="实行集体研究决定", defense_line="monitoring")]
    d.risks = [Risk(id="R1", name="审批风险", department="财务科", level="high", level_raw="一级", measures=["M1", "M2"],
                    responsible=["张某", "李某"], state="covered", loc=Loc(table=0, row=2, col=3)),
               Risk(id="R2", name="-违规发放补贴", department="人事科", level="medium", state="uncovered",
                    loc=Loc(table=0, row=3, col=1))]
    d.findings = [Finding(rule="LF101", name="risk-without-measure", severity="error", message="风险点无措施",
                          hint="补充措施", loc=Loc(file=path, table=0, row=3, col=1), refs=["R2"])]
    return [d]


def test_unit_report_sheets_round_trip() -> None:
    from openpyxl import load_workbook

    report = build_unit_report("folder:单位甲", "单位甲", _unit_docs(), rules={})
    book = load_workbook(io.BytesIO(rxlsx.render_unit(report)))
    assert book.sheetnames == ["问题清单", "风险点"]
    for ws, (head, rows) in ((book["问题清单"], rxlsx.finding_rows(report)), (book["风险点"], rxlsx.risk_rows(report))):
        got = [[c.value for c in row] for row in ws.iter_rows()]
        assert got == [head] + [[None if v in (None, "") else neutralise(v) for v in r] for r in rows]
        assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(head)).column_letter}{len(rows) + 1}"
    risks = book["风险点"]
    assert risks["C3"].value == "'-违规发放补贴" and risks["A3"].value == 2 and risks["A3"].data_type == "n"
    assert risks["G2"].value.startswith("1. =HYPERLINK") and risks["G2"].alignment.wrap_text
    assert _widths(risks)["G"] == 60 and _widths(book["问题清单"])["D"] == 60
