"""The report writers' quick paths agree with the plain definitions they replace.

Markdown escaping, CSV lines, the SVG label cutting and the HTML rows are written for speed (a unit's reports
must cost milliseconds); each is checked here against a direct, slow statement of what it must do.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.graph import _roll_up, _text_width, _truncate, build_graph, to_svg
from pipeline.model import Document, Finding, Loc, Measure, Risk, Source
from pipeline.report import html
from pipeline.report.csv import to_csv
from pipeline.report.markdown import md_text
from pipeline.report.safe import NeutralText, neutralise_row
from pipeline.report.view import RuleInfo, build_unit_report

# -- Markdown ----------------------------------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def _md_reference(text: str | None) -> str:
    if not text:
        return ""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return "<br>".join(part.strip() for part in s.split("\n"))


_MD_CHARS = st.sampled_from(list("\\`*_{}[]()#+!|~>-&<;amp 风险\n\r\t\u3000\x1c\x85a1."))


@settings(max_examples=400, deadline=None)
@given(st.lists(_MD_CHARS, max_size=24).map("".join))
def test_md_text_matches_its_definition(text: str) -> None:
    assert md_text(text) == _md_reference(text)


def test_md_text_examples() -> None:
    assert md_text("a|b <script> *x* \\ 1-2") == "a\\|b &lt;script&gt; \\*x\\* \\\\ 1\\-2"
    assert md_text("  第一行 \r\n 第二行  ") == "第一行<br>第二行"
    assert md_text(None) == "" and md_text(0) == ""


# -- CSV ---------------------------------------------------------------------------------------------------

def _csv_reference(head: list[Any], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(neutralise_row(head))
    for r in rows:
        w.writerow(["" if v is None else v for v in neutralise_row(r)])
    return buf.getvalue().encode("utf-8-sig")


_CELLS = st.one_of(st.none(), st.integers(-5, 5), st.floats(allow_nan=True), st.booleans(),
                   st.lists(st.sampled_from(list('a风,"\r\n =-\'\t\x00\u3000')), max_size=6).map("".join))


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 4).flatmap(lambda n: st.tuples(st.lists(_CELLS, min_size=n, max_size=n),
                                                      st.lists(st.lists(_CELLS, min_size=n, max_size=n), max_size=4))))
def test_csv_is_what_csv_writer_writes(table: tuple[list[Any], list[list[Any]]]) -> None:
    head, rows = table
    assert to_csv(head, rows) == _csv_reference(head, rows)


def test_csv_examples() -> None:
    data = to_csv(["a", "b"], [["x,y", 'say "hi"'], ["第一\n第二", None], ["=1+2", 3]]).decode("utf-8-sig")
    assert data == 'a,b\r\n"x,y","say ""hi"""\r\n"第一\n第二",\r\n\'=1+2,3\r\n'
    assert to_csv(["h"], [[""], [None]]) == '\ufeffh\r\n""\r\n""\r\n'.encode()


def test_neutral_text_judges_each_text_once() -> None:
    table = NeutralText()
    assert table["=1"] == "'=1" and table["正常"] == "正常" and table["a\x00b"] == "ab"
    assert dict(table) == {"=1": "'=1", "正常": "正常", "a\x00b": "ab"}


# -- SVG label cutting -------------------------------------------------------------------------------------

def _truncate_reference(s: str, width: float, size: float = 12) -> str:
    s = " ".join(s.split())
    if _text_width(s, size) <= width:
        return s
    out, w = "", _text_width("…", size)
    for c in s:
        cw = size if ord(c) > 0x2E7F else size * 0.6
        if w + cw > width:
            break
        out += c
        w += cw
    return out + "…"


_SVG_CHARS = st.sampled_from(list("ab1 ，。风险点措施、（）\u2e7f\u2e80…x\n\t"))


@settings(max_examples=600, deadline=None)
@given(st.lists(_SVG_CHARS, max_size=80).map("".join),
       st.one_of(st.integers(0, 400), st.floats(0, 400), st.integers(0, 60).map(lambda k: k * 7.2),
                 st.integers(0, 40).map(lambda k: 12 * k + 7.199999999999999)),
       st.sampled_from([12, 11, 18, 12.5, 0.7]))
def test_truncate_matches_its_definition(s: str, width: float, size: float) -> None:
    assert _truncate(s, width, size) == _truncate_reference(s, width, size)


def test_truncate_examples() -> None:
    assert _truncate("风险" * 5, 120) == "风险" * 5  # exactly fits: 10 wide characters of 12
    assert _truncate("风险" * 5, 119) == "风险风险风险风险风…"  # the "…" counts too
    assert _truncate("  a \n b ", 100) == "a b"


# -- the roll-up over the graph ----------------------------------------------------------------------------

def _doc() -> Document:
    d = Document(source=Source(path="u/表.docx", format="docx"), kind="risk_table")
    d.measures = [Measure(id="M1", text="集体研究", defense_line="prevention")]
    d.risks = [
        Risk(id="R1", name="甲", department="科一", post="岗一", level="high", measures=["M1"], responsible=["局长"],
             state="covered", loc=Loc(table=0, row=1)),
        Risk(id="R2", name="乙", department="科一", post="岗二", level="high", responsible=["科长"], state="uncovered",
             loc=Loc(table=0, row=2)),
        Risk(id="R3", name="丙", department="科二", level="low", measures=["M1"], responsible=["科长"],
             state="generic_only", loc=Loc(table=0, row=3)),
        Risk(id="R4", name="丁", department="科三", level="low", measures=["M1"], responsible=["科员"],
             state="covered", loc=Loc(table=0, row=4)),
    ]
    return d


def test_roll_up_is_the_worst_status_below() -> None:
    G = build_graph([_doc()])
    status = {d["name"]: d["status"] for _, d in G.nodes(data=True) if "status" in d}
    assert status == {"u": "red", "科一": "red", "岗一": "green", "岗二": "red", "科二": "yellow", "科三": "green"}
    # the same, worked out again by walking down from each container with networkx
    for n, d in G.nodes(data=True):
        if "status" not in d:
            continue
        below = [G.nodes[c] for c in nx.descendants(G, n) if G.nodes[c]["kind"] == "risk"]
        red = any(r["level"] == "high" and r["state"] in ("uncovered", "owner_missing") for r in below)
        gap = any(r["state"] != "covered" for r in below)
        assert d["status"] == ("red" if red else "yellow" if gap else "green"), d["name"]
    before = dict(G.nodes(data=True))
    _roll_up(G)  # idempotent
    assert dict(G.nodes(data=True)) == before


def test_svg_shows_each_risk_once_with_its_people() -> None:
    svg = to_svg(build_graph([_doc()]), title="单位")
    assert svg.count("<title>风险点：") == 4
    assert "局长（" in svg and "科员（" in svg and "✗" in svg  # the uncovered risk is marked


# -- HTML rows ---------------------------------------------------------------------------------------------

RULES = {"LF101": RuleInfo("LF101", "risk-without-measure", "error", "no measure", "风险点没有防控措施",
                           "补充措施", "Add a measure", "h")}


def _html_docs() -> list[Document]:
    path = "单位/表.docx"
    d = Document(source=Source(path=path, format="docx"), kind="risk_table")
    d.measures = [Measure(id="M1", text="集体研究<b>", defense_line="prevention", generic=True),
                  Measure(id="M2", text="定期检查")]
    d.risks = [
        Risk(id="R1", name="审批", manifestation="违规审批", department="财务科", level="high", level_raw="一级",
             measures=["M1", "M2"], responsible=["张某", "李某"], state="covered", loc=Loc(page=2, table=0, row=1)),
        Risk(id="R2", name="报销", manifestation="报销", level="low", level_raw="低", state="uncovered",
             loc=Loc(table=0, row=2)),
        Risk(id="R3", name="采购", state="owner_missing", loc=Loc()),
    ]
    d.findings = [
        Finding(rule="LF101", name="risk-without-measure", severity="error", message="报销无措施", hint="补充",
                loc=Loc(file=path, table=0, row=2, col=3), refs=["R2"]),
        Finding(rule="lf101", name="custom", severity="warning", message="小写代码", hint="另一条",
                loc=Loc(file=path, page=5), refs=[]),
        Finding(rule="LF999", name="unknown-rule", severity="info", message="未知规则", loc=Loc(file=path)),
    ]
    return [d]


def test_html_matrix_cells() -> None:
    import lxml.html

    r = build_unit_report("k", "单位", _html_docs(), rules=RULES)
    tree = lxml.html.fromstring(html.render_unit(r))
    rows = tree.xpath("//tr[@data-row='risk']")
    cells = [[td.text_content() for td in tr.xpath("td")] for tr in rows]
    assert cells[0] == ["1", "财务科", "审批违规审批", "高 一级", "集体研究<b> [前期预防]定期检查", "张某、李某", "已覆盖",
                        "", "表.docx第2页 表1 第2行"]
    assert cells[1] == ["2", "—", "报销", "低", "（无）", "—", "无措施", "LF101", "表.docx表1 第3行"]
    assert cells[2][3] == "未定级" and cells[2][8] == "表.docx"  # no level; nothing to say where
    assert [tr.xpath("td")[3].get("data-key") for tr in rows] == ["0", "2", "3"]
    assert rows[0].xpath(".//li/@class") == ["generic"] and rows[0].xpath("td")[8].get("title") == "单位/表.docx"
    assert [tr.get("class") for tr in rows] == ["s-covered", "s-uncovered", "s-owner_missing"]


def test_html_finding_groups_as_jinja_grouped_them() -> None:
    import lxml.html

    r = build_unit_report("k", "单位", _html_docs(), rules=RULES)
    tree = lxml.html.fromstring(html.render_unit(r))
    # codes that differ only in case share a section, under the code of its first finding
    sections = tree.xpath("//section[@data-group]")
    assert [s.get("data-group") for s in sections] == ["LF101", "LF999"]
    assert [len(s.xpath(".//tr[@data-row='finding']")) for s in sections] == [2, 1]
    assert sections[0].xpath("h3")[0].text_content() == "LF101 risk-without-measure 风险点没有防控措施"
    assert sections[1].xpath("h3")[0].text_content() == "LF999 unknown-rule "  # a rule the catalogue lacks
    first = [td.text_content() for td in sections[0].xpath(".//tr[@data-row='finding']")[0].xpath("td")]
    assert first == ["错误", "报销无措施", "单位/表.docx", "", "1", "3", "4"]
    second = [td.text_content() for td in sections[0].xpath(".//tr[@data-row='finding']")[1].xpath("td")]
    assert second == ["警告", "小写代码", "单位/表.docx", "5", "", "", ""]
    assert "补充" in sections[0].xpath("p")[0].text_content() and not sections[1].xpath("p")


def test_one_neutral_table_shared_by_the_csv_files_and_the_workbook() -> None:
    """A unit's workbook and CSV files judge each text once through one table; what each file holds
    is what it holds with a table of its own."""
    from pipeline.report import xlsx as rxlsx

    head = ["规则", "消息"]
    rows = [["LF101", "=cmd|' /C calc'!A0"], ["LF101", "正常\x00文本"], ["LF102", None], [3, "=cmd|' /C calc'!A0"]]
    shared = NeutralText()
    assert to_csv(head, rows, shared) == to_csv(head, rows)
    seen = dict(shared)
    wb = rxlsx.Workbook(title="t")
    wb.add_sheet("s", head, rows)
    assert _parts(wb.to_bytes(shared)) == _parts(wb.to_bytes())
    assert dict(shared) == seen  # the workbook met no text the CSV had not judged already
    assert shared["=cmd|' /C calc'!A0"] == "'=cmd|' /C calc'!A0"


def _parts(xlsx: bytes) -> dict[str, bytes]:
    """A workbook's parts but its properties (which carry the time it was made)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}
