"""Checks on the bundled samples (samples/make_samples.py) with python-docx, openpyxl, lxml and zipfile only.

They do not use our own parsers: they assert that each file really has the structure and the
deliberate gaps samples/README.md promises, read straight from the OOXML / workbook / bytes.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ZJ = "某县住房和城乡建设局"
CZ = "某县财政局"
PLAN = f"{ZJ}/01_实施方案.docx"
RISK_DOCX = f"{ZJ}/02_岗位廉政风险点自查表.docx"
RISK_PDF = f"{ZJ}/02_岗位廉政风险点自查表.pdf"
RISK_XLSX = f"{ZJ}/02_岗位廉政风险点自查表.xlsx"
POWERS = f"{ZJ}/03_部门权力清单.docx"
REPORT = f"{ZJ}/04_廉政风险防控工作自查报告.docx"
POSTS_DOC = f"{ZJ}/05_岗位职责说明.doc"
LEDGER = f"{CZ}/风险点台账.xlsx"
FIN_TXT = f"{CZ}/自查报告.txt"
SOFFICE_MADE = {RISK_PDF, POSTS_DOC}

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _path(samples_dir: Path, rel: str) -> Path:
    path = samples_dir / rel
    if not path.is_file():
        if rel in SOFFICE_MADE:
            pytest.skip(f"{rel} is made by LibreOffice and is absent")
        pytest.fail(f"expected sample {rel} is missing (run python samples/make_samples.py)")
    return path


def _part(path: Path, member: str) -> Any:
    from lxml import etree

    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read(member))


def _text(el: Any) -> str:
    """Text of a paragraph or cell: paragraphs joined by newlines, w:br as a newline."""
    paras = [el] if el.tag == _w("p") else el.iter(_w("p"))
    out = []
    for p in paras:
        bits = []
        for node in p.iter(_w("t"), _w("br"), _w("tab")):
            if node.tag == _w("t"):
                bits.append(node.text or "")
            else:
                bits.append("\n" if node.tag == _w("br") else "\t")
        out.append("".join(bits))
    return "\n".join(out)


def _grid(tbl: Any) -> list[list[dict[str, Any]]]:
    """Rows of cells by grid column; a vMerge continuation takes the text of the cell it continues."""
    rows: list[list[dict[str, Any]]] = []
    for tr in tbl.findall("w:tr", NS):
        row: list[dict[str, Any]] = []
        col = 0
        for tc in tr.findall("w:tc", NS):
            span_el = tc.find("w:tcPr/w:gridSpan", NS)
            span = int(span_el.get(_w("val"))) if span_el is not None else 1
            vm_el = tc.find("w:tcPr/w:vMerge", NS)
            vmerge = None if vm_el is None else (vm_el.get(_w("val")) or "continue")
            text = _text(tc)
            if vmerge == "continue":
                above = next(c for c in rows[-1] if c["col"] == col)
                text = above["text"]
            row.append({"col": col, "span": span, "vmerge": vmerge, "text": text, "own": _text(tc)})
            col += span
        rows.append(row)
    return rows


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _numbering(path: Path) -> tuple[dict[str, dict[int, tuple[str, str]]], dict[str, tuple[str, bool]]]:
    """abstractNumId -> {ilvl: (numFmt, lvlText)} and numId -> (abstractNumId, has startOverride)."""
    root = _part(path, "word/numbering.xml")
    abstracts = {}
    for an in root.findall("w:abstractNum", NS):
        levels = {}
        for lvl in an.findall("w:lvl", NS):
            fmt = lvl.find("w:numFmt", NS)
            txt = lvl.find("w:lvlText", NS)
            levels[int(lvl.get(_w("ilvl")))] = (
                fmt.get(_w("val")) if fmt is not None else "",
                txt.get(_w("val")) if txt is not None else "",
            )
        abstracts[an.get(_w("abstractNumId"))] = levels
    nums = {}
    for num in root.findall("w:num", NS):
        abstract = num.find("w:abstractNumId", NS).get(_w("val"))
        nums[num.get(_w("numId"))] = (abstract, num.find("w:lvlOverride/w:startOverride", NS) is not None)
    return abstracts, nums


def _body_paragraphs(path: Path) -> list[Any]:
    return _part(path, "word/document.xml").findall("w:body/w:p", NS)


def _num_pr(p: Any) -> tuple[str, int] | None:
    num_pr = p.find("w:pPr/w:numPr", NS)
    if num_pr is None:
        return None
    return num_pr.find("w:numId", NS).get(_w("val")), int(num_pr.find("w:ilvl", NS).get(_w("val")))


# ------------------------------------------------------------------------------------------ files

@pytest.mark.parametrize("rel", [PLAN, RISK_DOCX, POWERS, REPORT])
def test_docx_opens(samples_dir: Path, rel: str) -> None:
    import docx

    document = docx.Document(str(_path(samples_dir, rel)))
    assert any(p.text.strip() for p in document.paragraphs)
    # Fixed core-property dates: rebuilding must not stamp "now".
    assert document.core_properties.created.year == 2026
    assert document.core_properties.modified >= document.core_properties.created


@pytest.mark.parametrize("rel", [RISK_XLSX, LEDGER])
def test_xlsx_opens(samples_dir: Path, rel: str) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(_path(samples_dir, rel))
    assert wb.active.max_row > 5
    assert wb.properties.modified.year == 2026


def test_doc_is_ole2(samples_dir: Path) -> None:
    data = _path(samples_dir, POSTS_DOC).read_bytes()
    assert data[:8] == OLE2_MAGIC
    assert not zipfile.is_zipfile(samples_dir / POSTS_DOC)


def test_txt_is_gb18030_not_utf8(samples_dir: Path) -> None:
    raw = _path(samples_dir, FIN_TXT).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert "共查找风险点10个" in text and "制定防控措施12条" in text
    assert "\r\n" in text


def test_total_size_is_small(samples_dir: Path) -> None:
    total = sum(p.stat().st_size for p in samples_dir.rglob("*") if p.is_file() and p.suffix != ".py")
    assert total < 1_000_000


# ------------------------------------------------------------------------------------------ plan

def test_plan_numbering_definitions(samples_dir: Path) -> None:
    abstracts, nums = _numbering(_path(samples_dir, PLAN))
    gongwen = [
        levels for levels in abstracts.values()
        if levels.get(0) == ("chineseCounting", "%1、") and levels.get(1) == ("chineseCounting", "（%2）")
        and levels.get(2) == ("decimal", "%3.")
    ]
    assert gongwen, "no 一、/（一）/1. multi-level list"
    assert any(lv.get(0, ("", ""))[0] == "decimalEnclosedCircle" for lv in abstracts.values())
    # A restart: a num with startOverride over an abstractNum that another num also uses.
    restarted = [a for a, override in nums.values() if override]
    assert restarted
    assert any(sum(1 for a, _ in nums.values() if a == r) >= 2 for r in restarted)


SECTIONS = ["指导思想", "工作目标", "主要任务", "方法步骤", "工作要求"]


def test_plan_sections_use_automatic_numbering(samples_dir: Path) -> None:
    path = _path(samples_dir, PLAN)
    abstracts, nums = _numbering(path)
    by_text = {_text(p): p for p in _body_paragraphs(path)}
    num_ids = set()
    for title in SECTIONS:
        p = by_text.get(title)
        assert p is not None, f"section paragraph {title} missing or carries typed enumerator"
        num = _num_pr(p)
        assert num is not None and num[1] == 0, title
        assert abstracts[nums[num[0]][0]][0][0] == "chineseCounting"
        num_ids.add(num[0])
    assert len(num_ids) == 1  # one list, so the sections count 一 … 五


def test_plan_mixes_heading_styles_outline_levels_and_typed_enumerators(samples_dir: Path) -> None:
    paras = _body_paragraphs(_path(samples_dir, PLAN))
    styles = {p.find("w:pPr/w:pStyle", NS).get(_w("val")) for p in paras if p.find("w:pPr/w:pStyle", NS) is not None}
    assert {"Heading1", "Heading2"} <= styles
    outlined = [p for p in paras if p.find("w:pPr/w:outlineLvl", NS) is not None and p.find("w:pPr/w:pStyle", NS) is None]
    assert outlined and all(_num_pr(p) for p in outlined)
    typed = [p for p in paras if _num_pr(p) is None and re.match(r"^(附件：)?\d+\.", _text(p).strip())]
    assert len(typed) >= 3


def test_plan_states_levels_owner_rule_phases_and_annexes(samples_dir: Path) -> None:
    paras = _body_paragraphs(_path(samples_dir, PLAN))
    full = "\n".join(_text(p) for p in paras)
    assert "风险等级分为高、中、低三级" in full
    assert "高等级风险由单位主要领导负责防控，中等级风险由分管领导负责，低等级风险由科室负责人负责" in full
    phases = [_text(p) for p in paras if _num_pr(p) and _num_pr(p)[1] == 1 and "阶段" in _text(p)[:8]]
    assert len(phases) == 5
    dated = [t for t in phases if re.search(r"（(?:\d{4}年)?\d+月\d+日—\d+月\d+日）", t)]
    assert len(dated) == 4  # one phase deliberately has no deadline (LF204)
    for annex in ("《岗位廉政风险点自查表》", "《部门权力清单》", "《廉政风险防控工作自查报告》"):
        assert annex in full
    circled = [p for p in paras if _num_pr(p) and "等级风险：" in _text(p)]
    assert len(circled) == 3


# ------------------------------------------------------------------------------------------ risk table

@pytest.fixture(scope="module")
def risk_rows(samples_dir: Path) -> tuple[list[str], list[dict[str, str]], list[list[dict[str, Any]]]]:
    """Header (whitespace squashed), data rows as {header: text} with merges resolved, raw grid."""
    tbl = _part(_path(samples_dir, RISK_DOCX), "word/document.xml").find("w:body/w:tbl", NS)
    grid = _grid(tbl)
    header = [_squash(c["text"]) for c in grid[0]]
    data = [
        {header[c["col"]]: c["text"] for c in row}
        for row in grid[1:]
        if row[0]["text"].strip().isdigit()
    ]
    return header, data, grid


def test_risk_table_header_and_layout(samples_dir: Path, risk_rows: Any) -> None:
    header, data, grid = risk_rows
    assert header == ["序号", "科室", "岗位", "风险点", "风险表现形式", "风险类别", "风险等级", "防控措施", "责任领导", "责任人"]
    assert len(data) == 26
    assert [int(r["序号"]) for r in data] == list(range(1, 27))
    tbl = _part(samples_dir / RISK_DOCX, "word/document.xml").find("w:body/w:tbl", NS)
    first_tr = tbl.find("w:tr", NS)
    assert first_tr.find("w:trPr/w:tblHeader", NS) is not None
    sect = _part(samples_dir / RISK_DOCX, "word/document.xml").find("w:body/w:sectPr/w:pgSz", NS)
    assert int(sect.get(_w("w"))) > int(sect.get(_w("h")))  # landscape
    # The last row is a note spanning the whole grid.
    assert grid[-1][0]["span"] == len(header) and "填表说明" in grid[-1][0]["text"]


@pytest.mark.parametrize("column", ["科室", "责任领导"])
def test_risk_table_vertical_merges(risk_rows: Any, column: str) -> None:
    header, _, grid = risk_rows
    col = header.index(column)
    cells = [c for row in grid[1:] for c in row if c["col"] == col]
    restarts = [c for c in cells if c["vmerge"] == "restart"]
    continues = [c for c in cells if c["vmerge"] == "continue"]
    assert len(restarts) == 5 and len(continues) >= 15
    assert all(c["own"] == "" for c in continues)


def test_risk_table_departments(risk_rows: Any) -> None:
    _, data, _ = risk_rows
    assert sorted({r["科室"] for r in data}) == sorted(["办公室", "计划财务科", "建筑市场监管科", "城建科", "行政审批科"])
    assert {r["风险等级"] for r in data} == {"高", "中", "低", ""}
    cats = {r["风险类别"] for r in data}
    assert cats == {f"{c}风险" for c in ("思想道德", "岗位职责", "业务流程", "制度机制", "外部环境")}


MEASURE_STYLES = [
    ("decimal, one per paragraph", r"(?m)^1\..+\n2\."),
    ("full-width parentheses", r"（1）.+（2）"),
    ("circled", r"①.+②"),
    ("一是/二是", r"一是.+；二是"),
    ("inline decimals without breaks", r"^1\.[^\n]+[^\n]2\.[^\n]+3\."),
]


@pytest.mark.parametrize(("label", "pattern"), MEASURE_STYLES, ids=[m[0] for m in MEASURE_STYLES])
def test_risk_table_measure_numbering_styles(risk_rows: Any, label: str, pattern: str) -> None:
    _, data, _ = risk_rows
    assert any(re.search(pattern, r["防控措施"], re.S) for r in data), label


# Each deliberate gap documented in samples/README.md, as a predicate over a resolved row.
GAPS = [
    ("LF101 empty measures", 2, lambda r, rows: r["防控措施"].strip() == ""),
    ("LF103 no level", 1, lambda r, rows: r["风险等级"].strip() == ""),
    ("LF105 high risk owned by a section head only", 1,
     lambda r, rows: r["风险等级"] == "高" and r["责任领导"].strip() == "" and "科长" in r["责任人"]),
    ("LF107 undergraded tender/works/large funds", 1,
     lambda r, rows: r["风险等级"] == "低" and re.search("招标|工程|大额", r["风险点"] + r["风险表现形式"])),
    ("LF108 generic-only high", 1,
     lambda r, rows: r["风险等级"] == "高" and _squash(r["防控措施"]) == "加强教育，提高认识。"),
    ("LF110 duplicate risk in one department", 2,
     lambda r, rows: sum(o["科室"] == r["科室"] and o["风险点"] == r["风险点"] for o in rows) > 1),
]


@pytest.mark.parametrize(("label", "expected", "pred"), GAPS, ids=[g[0] for g in GAPS])
def test_risk_table_deliberate_gaps(risk_rows: Any, label: str, expected: int, pred: Any) -> None:
    _, data, _ = risk_rows
    assert sum(1 for r in data if pred(r, data)) == expected, label


def test_high_risks_have_principal_except_the_gap(risk_rows: Any) -> None:
    _, data, _ = risk_rows
    high = [r for r in data if r["风险等级"] == "高"]
    without_principal = [r for r in high if "（局长）" not in r["责任领导"]]
    assert len(without_principal) == 1


# ------------------------------------------------------------------------------------------ pdf / xlsx

def test_risk_pdf_pages_and_repeated_header(samples_dir: Path) -> None:
    import pdfplumber

    with pdfplumber.open(_path(samples_dir, RISK_PDF)) as pdf:
        assert len(pdf.pages) >= 2
        first = pdf.pages[0].extract_text() or ""
        second = pdf.pages[1].extract_text() or ""
    assert f"{ZJ}岗位廉政风险点自查表" in first
    for word in ("序号", "科室", "风险点", "防控措施", "责任人"):
        assert word in second, word
    # The table continues: risk numbers go on past page 1 onto page 2.
    assert re.search(r"(?m)^2[0-6] ", second)


def test_risk_xlsx_merges_match_the_docx(samples_dir: Path, risk_rows: Any) -> None:
    import openpyxl

    _, data, _ = risk_rows
    ws = openpyxl.load_workbook(_path(samples_dir, RISK_XLSX)).active
    merged = [r for r in ws.merged_cells.ranges]
    title = [r for r in merged if r.min_row == r.max_row == 1]
    assert title and title[0].max_col == 10
    dept_ranges = [r for r in merged if r.min_col == r.max_col == 2]
    leader_ranges = [r for r in merged if r.min_col == r.max_col == 9]
    assert len(dept_ranges) == 5 and len(leader_ranges) == 5
    assert sorted(ws.cell(r.min_row, 2).value for r in dept_ranges) == sorted({r["科室"] for r in data})
    assert ws.cell(3, 8).alignment.wrap_text
    body = [row for row in ws.iter_rows(min_row=3, values_only=True) if isinstance(row[0], int)]
    assert len(body) == len(data)
    assert sum(1 for row in body if not row[7]) == 2  # same empty measure cells as the docx


def test_ledger_two_row_header_and_stated_counts(samples_dir: Path) -> None:
    import openpyxl

    ws = openpyxl.load_workbook(_path(samples_dir, LEDGER)).active
    group = [r for r in ws.merged_cells.ranges if ws.cell(r.min_row, r.min_col).value == "风险情况"]
    assert len(group) == 1 and group[0].max_col - group[0].min_col == 1 and group[0].min_row == group[0].max_row
    sub_row = group[0].min_row + 1
    assert [ws.cell(sub_row, c).value for c in (group[0].min_col, group[0].max_col)] == ["风险点", "表现形式"]
    rows = [row for row in ws.iter_rows(min_row=sub_row + 1, values_only=True) if isinstance(row[0], int)]
    assert {row[5] for row in rows} <= {"一级", "二级", "三级"}
    assert {row[6] for row in rows} <= {"红", "橙", "黄"}
    # The finance unit is the control case: its report's counts agree with its ledger.
    text = (samples_dir / FIN_TXT).read_bytes().decode("gb18030")
    stated_risks = int(re.search(r"共查找风险点(\d+)个", text).group(1))
    stated_measures = int(re.search(r"制定防控措施(\d+)条", text).group(1))
    measures = sum(max(1, len(re.findall(r"(?m)^\d+\.", row[7]))) for row in rows)
    assert (len(rows), measures) == (stated_risks, stated_measures)


# ------------------------------------------------------------------------------------------ powers / report

def test_power_catalog_has_a_power_no_risk_mentions(samples_dir: Path, risk_rows: Any) -> None:
    _, data, _ = risk_rows
    tbl = _part(_path(samples_dir, POWERS), "word/document.xml").find("w:body/w:tbl", NS)
    grid = _grid(tbl)
    header = [_squash(c["text"]) for c in grid[0]]
    assert header == ["序号", "职权名称", "职权内容", "实施依据", "办理主体", "权力类型"]
    powers = [{header[c["col"]]: c["text"] for c in row} for row in grid[1:]]
    assert len(powers) == 8
    assert all(re.search(r"《.+》第.+条", p["实施依据"]) for p in powers)
    assert {p["权力类型"] for p in powers} >= {"行政许可", "行政处罚", "行政检查"}
    risk_text = "".join(r["风险点"] + r["风险表现形式"] for r in data)

    def mentioned(name: str) -> bool:
        return any(name[i:i + 4] in risk_text for i in range(len(name) - 3))

    unmentioned = [p["职权名称"] for p in powers if not mentioned(p["职权名称"])]
    assert len(unmentioned) == 1


def test_report_counts_disagree_with_the_tables(samples_dir: Path, risk_rows: Any) -> None:
    _, data, _ = risk_rows
    text = "\n".join(_text(p) for p in _body_paragraphs(_path(samples_dir, REPORT)))
    stated_powers = int(re.search(r"梳理职权(\d+)项", text).group(1))
    stated_risks = int(re.search(r"查找风险点(\d+)个", text).group(1))
    stated_measures = int(re.search(r"制定防控措施(\d+)条", text).group(1))
    assert stated_risks != len(data)
    assert stated_measures < stated_risks
    assert stated_powers == 8
    for framework in ("“三道防线”", "“五类风险”", "“一书二图五表”"):
        assert framework in text


# ------------------------------------------------------------------------------------------ rebuild

def _load_builder(root: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    spec = importlib.util.spec_from_file_location("lf_make_samples", root / "samples" / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_rebuild_matches_committed_samples(
    samples_dir: Path, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = _load_builder(root, monkeypatch)
    fresh_files = builder.build_all(tmp_path, use_soffice=False)
    assert len(fresh_files) == 7
    # The committed samples were written by an earlier run, so equality also shows that the build is
    # deterministic. Zips are compared member by member (another zlib may compress differently).
    for fresh in fresh_files:
        committed = samples_dir / fresh.relative_to(tmp_path)
        if fresh.suffix == ".txt":
            assert committed.read_bytes() == fresh.read_bytes()
            continue
        with zipfile.ZipFile(fresh) as zf, zipfile.ZipFile(committed) as zc:
            assert zf.namelist() == zc.namelist(), fresh.name
            for info in zf.infolist():
                assert info.date_time == builder.ZIP_TIME
                assert zf.read(info) == zc.read(info.filename), f"{fresh.name}:{info.filename} is stale; rerun make_samples.py"
