"""Reviewer reports (HTML, Markdown, Excel, CSV, batch summary) and cell/file-name safety.

The documents are built here by hand — risks, measures, findings and states — so the expected
figures follow from the construction (3 risks: 1 covered, 1 uncovered, 1 undecidable → 50%).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from pathlib import Path

import pytest

from pipeline.model import Document, Finding, Loc, Measure, Risk, Source
from pipeline.report import csv as rcsv
from pipeline.report import html, markdown
from pipeline.report import xlsx as rxlsx
from pipeline.report.safe import is_formula_like, neutralise, safe_filename, strip_control, unique_names
from pipeline.report.view import RuleInfo, build_unit_report

EVIL = "<script>window.__pwned=1;document.title='pwned'</script>"
RULES = {
    "LF101": RuleInfo("LF101", "risk-without-measure", "error", "A risk point has no countermeasure",
                      "风险点没有防控措施", "为该风险点补充防控措施", "Add a measure", "help 101"),
    "LF104": RuleInfo("LF104", "risk-without-owner", "error", "Nobody is responsible", "风险点没有责任人",
                      "明确责任人", "Name an owner", "help 104"),
    "LF900": RuleInfo("LF900", "unreadable", "error", "Could not be read", "无法读取", "重新提交", "Resubmit", "h"),
}


def make_docs(evil: bool = True) -> list[Document]:
    name = f"审批风险{EVIL}" if evil else "审批风险"
    path = f"单位甲/{EVIL if evil else 'x'}自查表.docx"
    d = Document(source=Source(path=path, format="docx"), kind="risk_table", tool_version="9.9")
    d.measures = [Measure(id="M1", text="=HYPERLINK(\"http://x\",\"点\")", defense_line="prevention"),
                  Measure(id="M2", text="实行集体研究决定", defense_line="monitoring")]
    d.risks = [
        Risk(id="R1", name=name, department="财务科", level="high", level_raw="一级", measures=["M1", "M2"],
             responsible=["张某"], state="covered", loc=Loc(table=0, row=2, col=3)),
        Risk(id="R2", name="违规发放补贴", department="人事科", level="medium", measures=[], responsible=[],
             state="uncovered", loc=Loc(table=0, row=3, col=1)),
        Risk(id="R3", name="表格无法读取的风险", department="人事科", level="high", state="undecidable",
             loc=Loc(table=1, row=1)),
    ]
    d.findings = [
        Finding(rule="LF101", name="risk-without-measure", severity="error", message=f"风险点“违规发放补贴”无措施{EVIL}",
                message_en="no measure", loc=Loc(file=path, table=0, row=3, col=1), refs=["R2"]),
        Finding(rule="LF104", name="risk-without-owner", severity="error", message="风险点“违规发放补贴”无责任人",
                loc=Loc(file=path, table=0, row=3, col=4), refs=["R2"]),
    ]
    bad = Document(source=Source(path="单位甲/坏.pdf", format="pdf"), status="failed", kind="unknown")
    bad.add_error("parse", "encrypted", "单位甲/坏.pdf: the PDF is encrypted", fatal=True)
    bad.findings = [Finding(rule="LF900", name="unreadable", severity="error", message="文件无法读取：已加密",
                            loc=Loc(file="单位甲/坏.pdf"))]
    return [d, bad]


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><script>alert(1)</script>'
       '<rect width="120" height="40" fill="red"/></svg>')


@pytest.fixture()
def report():
    return build_unit_report("folder:单位甲", f"单位甲{EVIL}", make_docs(), slug="unit", graph_svg=SVG, rules=RULES)


def test_figures_follow_from_the_states(report) -> None:
    f = report.figures
    assert f["risks"] == 3 and f["decidable"] == 2 and f["covered"] == 1
    assert f["covered_pct"] == 50.0  # undecidable leaves the denominator
    assert f["by_level"] == {"high": 2, "medium": 1, "low": 0, "none": 0}
    assert f["by_rule"] == {"LF101": 1, "LF104": 1, "LF900": 1}
    assert f["by_severity"] == {"error": 3, "warning": 0, "info": 0}
    assert f["high_gaps"] == 0  # the uncovered risk is medium; the high one is undecidable, not a gap
    assert report.departments == ["人事科", "财务科"]
    # the finding inherits the level and department of the risk it refers to (filters use them)
    lf101 = next(x for x in report.findings if x.rule == "LF101")
    assert (lf101.level, lf101.department, lf101.line, lf101.column) == ("medium", "人事科", 4, 2)


def _html_tree(text: str):
    import lxml.html

    return lxml.html.fromstring(text)


def test_html_is_offline_and_escaped(report) -> None:
    page = html.render_unit(report)
    tree = _html_tree(page)
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "img-src data:" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    scripts = tree.xpath("//script")
    assert len(scripts) == 1  # ours only: none of the planted ones became an element
    digest = base64.b64encode(hashlib.sha256(scripts[0].text.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp  # the CSP admits exactly our script
    assert not tree.xpath("//link|//iframe|//object|//embed")
    for attr in tree.xpath("//@src|//@href"):
        assert attr.startswith(("data:", "#")), attr  # nothing is fetched from anywhere
    assert page.count("&lt;script&gt;") >= 3  # unit name, file name, risk name, message …
    assert "window.__pwned=1" not in scripts[0].text
    # the graph travels as a data: image, its own <script> inert and not in the page text
    img = tree.xpath("//img[@id='graph-img']/@src")[0]
    assert base64.b64decode(img.split(",", 1)[1]).decode() == SVG
    assert "alert(1)" not in page


def test_html_matrix_and_findings(report) -> None:
    tree = _html_tree(html.render_unit(report))
    rows = tree.xpath("//tr[@data-row='risk']")
    assert [r.get("data-level") for r in rows] == ["high", "medium", "high"]
    assert [r.get("data-state") for r in rows] == ["covered", "uncovered", "undecidable"]
    assert rows[1].get("data-rules") == "LF101 LF104"
    assert tree.xpath("//*[@id='fig-covered']")[0].text_content() == "50%"
    groups = tree.xpath("//section[@data-group]/@data-group")
    assert groups == ["LF101", "LF104", "LF900"]
    lf101 = tree.xpath("//section[@data-group='LF101']//tr[@data-row='finding']/td")
    cells = [c.text_content() for c in lf101]
    assert cells[3:] == ["", "1", "4", "2"]  # page, table, row, col: 1-based for readers
    options = tree.xpath("//select[@id='filter-dept']/option/@value")
    assert options == ["", "人事科", "财务科"]


def test_html_english_labels() -> None:
    r = build_unit_report("k", "Unit A", make_docs(evil=False), lang="en", rules=RULES)
    page = html.render_unit(r)
    assert '<html lang="en">' in page and "Coverage matrix" in page and "风险点覆盖矩阵" not in page
    assert "no measure" in page  # message_en used


def test_markdown_escapes_and_lists(report) -> None:
    md = markdown.render_unit(report)
    assert "<script>" not in md and "&lt;script&gt;" in md
    matrix = md.split("## 风险点覆盖矩阵")[1].split("## ")[0]
    rows = [ln for ln in matrix.splitlines() if ln.startswith("| ") and not ln.startswith("| #")]
    assert len(rows) == 3
    # every table row has the same number of cells: no stray | from document text
    assert {ln.count(" | ") for ln in rows} == {8}
    assert "### LF101" in md and "### LF900" in md


def test_xlsx_is_safe_and_usable(report) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(rxlsx.render_unit(report)))
    assert wb.sheetnames == ["问题清单", "风险点"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    risks = wb["风险点"]
    values = [c.value for row in risks.iter_rows(min_row=2) for c in row]
    measures = [v for v in values if isinstance(v, str) and "HYPERLINK" in v]
    assert measures and all(not v.startswith("=") for v in measures)
    assert all(c.data_type != "f" for row in risks.iter_rows() for c in row)
    assert risks.column_dimensions["G"].width == 60


def test_csv_has_bom_and_neutral_cells(report) -> None:
    data = rcsv.render_risks(report)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[0][0] == "#"
    cell = next(c for r in rows for c in r if "HYPERLINK" in c)
    assert cell.startswith("1. =HYPERLINK")  # numbered list: already not a formula
    fdata = rcsv.render_findings(report).decode("utf-8-sig")
    assert "'=" not in fdata.split("\n")[0]


NEUTRALISE = [
    ("=1+2", "'=1+2"),
    ("+SUM(A1)", "'+SUM(A1)"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=cmd|' /C calc'!A0", "'\t=cmd|' /C calc'!A0"),
    ("\r=1", "'\n=1"),
    ("  =1", "'  =1"),  # leading spaces do not disarm it
    ("＝HYPERLINK()", "'＝HYPERLINK()"),  # full-width = folds to = under NFKC
    ("\u3000@x", "'\u3000@x"),  # ideographic space then @
    ("a\x00b\x07c", "abc"),
    ("\x01=1", "'=1"),  # control characters go, then it is checked again
    ("正常文本", "正常文本"),
    ("一、加强监督", "一、加强监督"),
    (42, 42),
    (-3.5, -3.5),
    (None, None),
]


@pytest.mark.parametrize("value,expected", NEUTRALISE)
def test_neutralise(value, expected) -> None:
    assert neutralise(value) == expected


@pytest.mark.parametrize("text,formula", [("=A1", True), ("'=A1", False), ("a=b", False), ("－1", True), ("", False)])
def test_is_formula_like(text: str, formula: bool) -> None:
    assert is_formula_like(text) is formula


SAFE_NAMES = [
    ("单位甲", "单位甲"),
    ("../../etc/passwd", "_.._etc_passwd"),  # no separator survives; inner dots are harmless
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),
    ("CON", "CON_"),
    ("lpt1.txt", "lpt1.txt_"),
    ("...", "unnamed"),
    ("", "unnamed"),
    (" 名称. ", "名称"),
    ("a\x00b\nc", "ab c"),
    (EVIL, "_script_window.__pwned=1;document.title='pwned'__script_"),
]


@pytest.mark.parametrize("name,expected", SAFE_NAMES)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_long_names_stay_distinct() -> None:
    a, b = "长" * 100 + "甲", "长" * 100 + "乙"
    sa, sb = safe_filename(a), safe_filename(b)
    assert sa != sb and len(sa.encode()) <= 120 and len(sb.encode()) <= 120


def test_unique_names_fold_case() -> None:
    assert unique_names(["Unit", "unit", "UNIT", "x"]) == ["Unit", "unit-2", "UNIT-3", "x"]


def test_strip_control_keeps_text_layout() -> None:
    assert strip_control("a\r\nb\rc\td\x1be") == "a\nb\nc\tde"


def test_templates_escape_everything() -> None:
    # every {{ … }} that is not ours must be escaped: autoescape is on for every template
    env = html.environment()
    assert env.autoescape is True
    tpl_dir = Path(html.TEMPLATES)
    for t in tpl_dir.glob("*.html.j2"):
        assert "|safe" not in t.read_text(encoding="utf-8"), t.name
    assert re.search(r"</", (tpl_dir / "report.js").read_text()) is None



def test_compiled_templates_are_cached_per_user_and_follow_an_edit(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cache = html._bytecode_cache()
    assert isinstance(cache, jinja2.FileSystemBytecodeCache)
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "t.html.j2").write_text("<b>{{ x }}</b>", encoding="utf-8")

    def render() -> str:  # a fresh environment each time, as a fresh process has
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tpl)), autoescape=True, bytecode_cache=cache)
        return env.get_template("t.html.j2").render(x="<i>")

    assert render() == "<b>&lt;i&gt;</b>"
    stored = list((tmp_path / "cache" / "lianfang" / "templates").iterdir())
    assert len(stored) == 1
    (tpl / "t.html.j2").write_text("<u>{{ x }}</u>", encoding="utf-8")
    assert render() == "<u>&lt;i&gt;</u>"  # the cached code of the old source is not used


def test_no_template_cache_without_a_private_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lianfang").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert html._bytecode_cache() is None

# -- renderings of one submission (x.docx, x.pdf, x.xlsx) are counted once -----------------------------------

def _rendering(path: str, *, status: str = "ok", page: int | None = None, extra: bool = False) -> Document:
    """One rendering of a two-row risk table: R1 covered, R2 without a measure (LF101). The PDF puts
    the table on another page; with ``extra`` it also has a finding of its own (a misread row)."""
    from pipeline.checks.engine import where

    d = Document(source=Source(path=path, format=path.rsplit(".", 1)[1]), kind="risk_table", status=status)
    d.measures = [Measure(id="M1", text="集体研究决定", defense_line="prevention")]
    d.risks = [Risk(id="R1", name="审批把关不严", level="high", measures=["M1"], responsible=["局长"], state="covered",
                    loc=Loc(page=page, table=0, row=1)),
               Risk(id="R2", name="违规发放补贴", level="medium", state="uncovered", loc=Loc(page=page, table=0, row=2))]
    loc = Loc(file=path, page=page, table=0, row=2, col=3)
    d.findings = [Finding(rule="LF101", name="risk-without-measure", severity="error", refs=["R2"], loc=loc,
                          message=f"风险点“违规发放补贴”（{where(loc)}）没有防控措施",
                          message_en=f"Risk '违规发放补贴' ({where(loc, 'en')}) has no measure")]
    if extra:
        xloc = Loc(file=path, page=2, table=1, row=0)
        d.findings.append(Finding(rule="LF110", name="duplicate-risk", severity="info", refs=["R1"], loc=xloc,
                                  message=f"风险点“审批把关不严”（{where(xloc)}）重复出现",
                                  message_en=f"Risk '审批把关不严' ({where(xloc, 'en')}) appears twice"))
    return d


def test_renderings_are_counted_once_and_listed_all() -> None:
    docx = _rendering("单位乙/表.docx")
    pdf = _rendering("单位乙/表.pdf", page=1, extra=True)
    xlsx = _rendering("单位乙/表.xlsx")
    plan = Document(source=Source(path="单位乙/方案.docx", format="docx"), kind="plan")
    r = build_unit_report("folder:单位乙", "单位乙", [docx, pdf, xlsx, plan], rules=RULES)
    f = r.figures
    # one table of two risk points, handed in three times: two risk points, one covered
    assert (f["files"], f["submissions"], f["risks"], f["covered"], f["measures"]) == (4, 2, 2, 1, 1)
    assert f["by_level"] == {"high": 1, "medium": 1, "low": 0, "none": 0}
    assert {x.file for x in r.risks} == {"单位乙/表.docx"}  # the matrix shows the .docx rendering
    # the gap every rendering shows is listed once; what only the PDF has is listed, under the PDF
    assert [(x.rule, x.file) for x in r.findings] == [("LF101", "单位乙/表.docx"), ("LF110", "单位乙/表.pdf")]
    assert f["by_rule"] == {"LF101": 1, "LF110": 1} and f["by_severity"]["error"] == 1
    # every file is listed with its own reading, the renderings saying which file is counted
    rows = {d.file: d for d in r.docs}
    assert len(rows) == 4 and rows["单位乙/表.pdf"].risks == 2 and rows["单位乙/表.pdf"].findings == {"error": 1, "info": 1}
    assert [d.file for d in r.docs if d.counted] == ["单位乙/表.docx", "单位乙/方案.docx"]
    assert rows["单位乙/表.xlsx"].rendering_of == "单位乙/表.docx"
    page = html.render_unit(r)
    tree = _html_tree(page)
    assert len(tree.xpath("//tr[@data-row='risk']")) == 2
    assert tree.xpath("//*[@id='fig-submissions']")[0].text_content() == "2" and "4 个文件" in page
    assert "与 单位乙/表.docx 为同一材料" in page


@pytest.mark.parametrize("files,counted", [
    ([("a.docx", "ok"), ("a.pdf", "ok"), ("a.xlsx", "ok")], "a.docx"),
    ([("a.pdf", "ok"), ("a.xlsx", "ok")], "a.xlsx"),        # the edited file, not the printout
    ([("a.docx", "failed"), ("a.pdf", "ok")], "a.pdf"),     # a rendering that could be read
    ([("a.pdf", "failed"), ("a.doc", "failed")], "a.pdf"),  # none could: the first
    ([("a.pdf", "ok"), ("b.pdf", "ok")], None),             # different stems: two submissions
])
def test_which_rendering_is_counted(files: list[tuple[str, str]], counted: str | None) -> None:
    from pipeline.report.view import renderings

    docs = [Document(source=Source(path=f"u/{p}"), status=s) for p, s in files]
    twins = renderings(docs)
    if counted is None:
        assert all(t is None for t in twins.values())
        return
    assert [d.source.path for d in docs if twins[id(d)] is None] == [f"u/{counted}"]
    assert {twins[id(d)].source.path for d in docs if twins[id(d)] is not None} == {f"u/{counted}"}


def test_xlsx_styles_and_text_cells(report) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(rxlsx.render_unit(report)))
    ws = wb["问题清单"]
    assert all(c.font.b for c in ws[1]) and ws["A1"].fill.fgColor.rgb.endswith("DDE4EE")
    assert ws["D2"].alignment.wrap_text and not ws["A2"].alignment.wrap_text  # message column wraps
    risks = wb["风险点"]
    assert risks.auto_filter.ref == f"A1:O{len(report.risks) + 1}"
    name = next(c for c in risks["C"][1:] if c.value and "审批风险" in c.value)
    assert name.data_type == "s" and "<script>" in name.value  # text, kept as written (Excel shows, never runs)
    assert risks["A2"].value == 1 and risks["A2"].data_type == "n"


def test_xlsx_cells_are_neutralised_text() -> None:
    # every NEUTRALISE case written through the workbook comes back as the neutralised value, and text
    # that would have been a formula is a text cell with its leading apostrophe
    from openpyxl import load_workbook

    wb = rxlsx.Workbook(title="t")
    wb.add_sheet("s", ["raw"], [[v] for v, _ in NEUTRALISE])
    ws = load_workbook(io.BytesIO(wb.to_bytes()))["s"]
    cells = [row[0] for row in ws.iter_rows(min_row=2, max_row=len(NEUTRALISE) + 1, max_col=1)]
    assert [c.value for c in cells] == [e for _, e in NEUTRALISE]
    for c, (_, e) in zip(cells, NEUTRALISE, strict=True):
        assert c.data_type != "f"
        if isinstance(e, str) and e.startswith("'"):
            assert c.data_type == "s"
