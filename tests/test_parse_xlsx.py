"""Excel parser: merged ranges as spans, trimmed used area, values as Excel shows them."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.parse import parse_file
from pipeline.parse import xlsx as xlsxmod


def _root_conftest():  # noqa: ANN202
    """tests/conftest.py by path: a plain ``import conftest`` can pick up tests/hostile/conftest.py."""
    import importlib.util
    import sys

    name = "lianfang_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("conftest.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


dev_files = _root_conftest().dev_files



@pytest.mark.parametrize(
    "value, fmt, shown",
    [
        (None, "General", ""),
        (3, "General", "3"),
        (3.0, "General", "3"),
        (2.5, "General", "2.5"),
        (0.1 + 0.2, "General", "0.3"),
        (1.5, "0.00", "1.50"),
        (1234567, "#,##0", "1,234,567"),
        (0.256, "0%", "26%"),
        (0.256, "0.0%", "25.6%"),
        (True, "General", "TRUE"),
        (dt.datetime(2024, 3, 1), "yyyy-mm-dd", "2024-03-01"),
        (dt.datetime(2024, 3, 1, 9, 30), "yyyy-mm-dd h:mm", "2024-03-01 09:30"),
        (dt.date(2018, 7, 1), "General", "2018-07-01"),
        ("一级", "@", "一级"),
    ],
)
def test_render(value: object, fmt: str, shown: str) -> None:
    assert xlsxmod.render(value, fmt) == shown


@pytest.mark.corpus
@pytest.mark.parametrize("xlsx", dev_files("*.xlsx"), ids=lambda p: p.stem)
def test_dev_workbook_equals_docx_twin(corpus_dir: Path, xlsx: Path) -> None:
    twin = parse_file(xlsx.with_suffix(".docx"))
    doc = parse_file(xlsx)
    assert doc.status == "ok" and doc.source.format == "xlsx"
    (want,) = twin.tables()
    (got,) = doc.tables()
    assert (got.n_rows, got.n_cols) == (want.n_rows, want.n_cols)
    assert got.grid(filled=True) == want.grid(filled=True)
    assert got.grid(filled=False) == want.grid(filled=False)  # same merged ranges
    # the merged title row above the table is the paragraph the .docx has there
    assert [b.text for b in doc.blocks if b.table is None] == [b.text for b in twin.blocks if b.table is None]
    assert doc.title == twin.title
    assert got.title  # the sheet name


def _workbook(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "风险点台账"
    ws["A1"] = "某局廉政风险点台账"
    ws.merge_cells("A1:E1")
    ws.append(["序号", "科室", "风险点", "等级", "排查日期"])
    ws.append([1, "办公室", "公车私用", "低", dt.date(2024, 3, 1)])
    ws.append([2.0, None, "违规报销", "中", dt.datetime(2024, 3, 2)])
    ws.append([3, None, "违规采购", "高", None])
    ws.append([4, "财务科", "资金\n挪用", "高", None])
    ws.merge_cells("B3:B5")  # 办公室 over three risks
    ws["F20"].number_format = "0.00"  # formatting far outside the data must not widen the table
    ws.row_dimensions[40].height = 30
    wb.create_sheet("空白")
    other = wb.create_sheet("职权目录")
    other.append(["职权名称", "类型", "比例"])
    other.append(["行政许可", "审批", 0.5])
    other["C2"].number_format = "0%"
    other.merge_cells("A3:B3")
    other["A3"] = "备注：以上为全部职权"
    wb.save(path)


def test_workbook_sheets_merges_and_trimming(tmp_path: Path) -> None:
    p = tmp_path / "book.xlsx"
    _workbook(p)
    doc = parse_file(p)
    assert doc.status == "ok"
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "table"]
    assert doc.title == "某局廉政风险点台账"
    first, second = doc.tables()
    assert (first.title, second.title) == ("风险点台账", "职权目录")
    assert (first.index, second.index) == (0, 1)
    assert (first.n_rows, first.n_cols) == (5, 5)
    assert first.grid(filled=True) == [
        ["序号", "科室", "风险点", "等级", "排查日期"],
        ["1", "办公室", "公车私用", "低", "2024-03-01"],
        ["2", "办公室", "违规报销", "中", "2024-03-02"],
        ["3", "办公室", "违规采购", "高", ""],
        ["4", "财务科", "资金\n挪用", "高", ""],
    ]
    office = next(c for c in first.cells if c.text == "办公室")
    assert (office.row, office.col, office.row_span, office.col_span) == (1, 1, 3, 1)
    assert office.loc.table == 0 and (office.loc.row, office.loc.col) == (1, 1)
    assert first.grid(filled=False)[2][1] is None  # covered, not an origin
    assert second.grid(filled=True) == [["职权名称", "类型", "比例"], ["行政许可", "审批", "50%"],
                                        ["备注：以上为全部职权", "备注：以上为全部职权", ""]]
    assert doc.blocks[2].loc.block == 2 and doc.blocks[2].table is second


@pytest.mark.parametrize(
    "make, code",
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 this is not really a zip"), "corrupt_zip"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("hello.txt", "no workbook here"), "not_office"),
    ],
)
def test_bad_packages(tmp_path: Path, make, code: str) -> None:  # noqa: ANN001
    p = tmp_path / "bad.xlsx"
    make(p)
    doc = parse_file(p)  # the dispatcher sniffs these before the parser runs
    assert doc.status == "failed" and doc.errors[0].code == code
    assert str(p) in doc.errors[0].message


def test_parser_checks_the_package_itself(tmp_path: Path) -> None:
    p = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "no workbook here")
    with pytest.raises(InputError) as ei:
        xlsxmod.parse(p)
    assert ei.value.code == "not_xlsx"


def test_mislabelled_xlsx_named_xls_is_read(tmp_path: Path) -> None:
    p = tmp_path / "book.xls"
    _workbook(p)
    doc = parse_file(p)
    assert doc.source.format == "xlsx"
    assert [e.code for e in doc.errors] == ["mislabelled"]
    assert len(doc.tables()) == 2


def test_empty_workbook(tmp_path: Path) -> None:
    import openpyxl

    p = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(p)
    doc = parse_file(p)
    assert doc.blocks == [] and [e.code for e in doc.errors] == ["no_text"]
