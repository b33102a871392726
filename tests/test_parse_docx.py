"""The .docx parser: body order, headings, Word numbering, merged grids, text boxes, errors.

Fixtures are built here, in code: raw WordprocessingML zipped into a package (so each test
shows exactly the XML it is about), plus python-docx for a package with Word's real styles.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from conftest import DEV_GOLD, dev_files
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.normalise import normalise
from pipeline.parse import parse_file
from pipeline.parse.docx import parse

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (
    f'xmlns:w="{W}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def make_docx(path: Path, body: str, *, styles: str | None = None, numbering: str | None = None,
              parts: dict[str, str] | None = None) -> Path:
    """Write a minimal .docx whose body is ``body`` (WordprocessingML inside <w:body>)."""
    doc = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", doc)
        if styles is not None:
            z.writestr("word/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:styles {NS}>{styles}</w:styles>')
        if numbering is not None:
            z.writestr("word/numbering.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {NS}>{numbering}</w:numbering>')
        for name, text in (parts or {}).items():
            z.writestr(name, text)
    return path


def p(text: str, ppr: str = "", rpr: str = "") -> str:
    """A paragraph with one run."""
    pp = f"<w:pPr>{ppr}</w:pPr>" if ppr else ""
    rp = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f"<w:p>{pp}<w:r>{rp}<w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"


def numbered(text: str, num_id: int, ilvl: int = 0) -> str:
    return p(text, f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')


def tc(content: str, props: str = "") -> str:
    """A cell: ``content`` is raw XML if it starts with '<', else one paragraph of text."""
    inner = content if content.startswith("<") else p(content)
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{inner}</w:tc>"


def tbl(rows: list[str], cols: int) -> str:
    grid = "".join('<w:gridCol w:w="1000"/>' for _ in range(cols))
    return f"<w:tbl><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def tr(*cells: str, trpr: str = "") -> str:
    pr = f"<w:trPr>{trpr}</w:trPr>" if trpr else ""
    return f"<w:tr>{pr}{''.join(cells)}</w:tr>"


SPAN2 = '<w:gridSpan w:val="2"/>'
VRESTART = '<w:vMerge w:val="restart"/>'
VCONT = "<w:vMerge/>"


def texts(doc) -> list[str]:
    return [b.text for b in doc.blocks if b.kind != "table"]


# -- body order ----------------------------------------------------------------------------

def test_body_order_and_locations(tmp_path: Path) -> None:
    body = (p("廉政风险点及防控措施") + p("表一") + tbl([tr(tc("风险点"), tc("措施"))], 2)
            + p("说明文字。") + tbl([tr(tc("甲"), tc("乙"))], 2) + p("") + p("结尾"))
    doc = parse(make_docx(tmp_path / "order.docx", body))
    assert [b.kind for b in doc.blocks] == ["paragraph", "paragraph", "table", "paragraph", "table", "paragraph"]
    assert [b.index for b in doc.blocks] == list(range(6))
    assert [b.loc.block for b in doc.blocks] == list(range(6))
    tables = doc.tables()
    assert [t.index for t in tables] == [0, 1]
    assert tables[0].loc.block == 2 and tables[1].loc.block == 4
    assert tables[0].title == "表一"  # the short paragraph before it is its caption
    assert tables[1].title is None  # "说明文字。" is a sentence, not a caption
    cell = tables[1].cells[1]
    assert (cell.text, cell.loc.table, cell.loc.row, cell.loc.col, cell.loc.block) == ("乙", 1, 0, 1, 4)
    assert doc.title == "廉政风险点及防控措施"
    assert doc.status == "ok" and doc.source.format == "docx"


# -- headings ------------------------------------------------------------------------------

STYLES = (
    '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="标题 2"/><w:basedOn w:val="a"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="MyH"><w:name w:val="我的标题"/><w:basedOn w:val="2"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Outline3"><w:name w:val="Custom"/>'
    '<w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="TitleX"><w:name w:val="Title"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="LP"><w:name w:val="List Paragraph"/></w:style>'
)

HEADINGS = [
    # paragraph XML, kind, level, signal, enumerator
    (p("总体要求", '<w:outlineLvl w:val="0"/>'), "heading", 1, "outline", None),
    (p("组织领导", '<w:pStyle w:val="Outline3"/>'), "heading", 3, "outline", None),
    (p("工作目标", '<w:pStyle w:val="2"/>'), "heading", 2, "style", None),
    (p("工作步骤", '<w:pStyle w:val="MyH"/>'), "heading", 2, "style", None),  # basedOn 标题 2
    (p("实施方案", '<w:pStyle w:val="TitleX"/>'), "heading", 1, "style", None),
    (p("正文", '<w:pStyle w:val="2"/><w:outlineLvl w:val="9"/>'), "heading", 2, "style", None),
    (p("一、指导思想"), "heading", 1, "enumerator", "一、"),
    (p("（二）工作目标"), "heading", 2, "enumerator", "（二）"),
    (p("3.评估风险等级"), "heading", 3, "enumerator", "3."),
    (p("（1）排查岗位风险"), "heading", 4, "enumerator", "（1）"),
    (p("①查找风险"), "heading", 5, "enumerator", "①"),
    (p("一、加强组织领导。各单位要高度重视，把廉政风险防控工作摆上重要议事日程。"),
     "paragraph", None, None, "一、"),
    (p("1.动员部署。院党委印发实施方案，成立领导小组，召开动员大会部署工作。"), "list_item", None, None, "1."),
    (p("1.加强教育，提高认识；"), "list_item", None, None, "1."),
    (p("一是加强学习"), "list_item", None, None, "一是"),
    (p("一、加强组织领导，明确分工责任，落实各项制度措施，确保工作取得实效", rpr="<w:b/>"),
     "heading", 1, "enumerator", "一、"),
    (p("项目清单", '<w:pStyle w:val="LP"/>'), "list_item", None, None, None),
    (p("为深入贯彻落实全会精神，结合实际，制定本方案。"), "paragraph", None, None, None),
    (p("1998年制定"), "paragraph", None, None, None),
]


@pytest.mark.parametrize(("xml", "kind", "level", "signal", "enumerator"), HEADINGS,
                         ids=[f"{i}-{h[1]}-{h[3]}" for i, h in enumerate(HEADINGS)])
def test_heading_signals(tmp_path: Path, xml: str, kind: str, level: int | None, signal: str | None,
                         enumerator: str | None) -> None:
    doc = parse(make_docx(tmp_path / "h.docx", xml, styles=STYLES))
    (b,) = doc.blocks
    assert (b.kind, b.level, b.signal, b.enumerator) == (kind, level, signal, enumerator)


def test_python_docx_builtin_styles(tmp_path: Path) -> None:
    """A package made by python-docx carries Word's own styles.xml (style IDs ≠ names)."""
    import docx

    d = docx.Document()
    d.add_heading("廉政风险防控工作实施方案", level=0)
    d.add_heading("指导思想", level=1)
    d.add_paragraph("以习近平新时代中国特色社会主义思想为指导。")
    d.add_heading("工作步骤", level=2)
    d.add_paragraph("梳理职权", style="List Paragraph")
    d.sections[0].header.paragraphs[0].text = "页眉文字"
    d.sections[0].footer.paragraphs[0].text = "第 1 页"
    f = tmp_path / "pd.docx"
    d.save(f)
    doc = parse(f)
    got = [(b.kind, b.level, b.signal, b.text, b.style) for b in doc.blocks]
    assert got == [
        ("heading", 1, "style", "廉政风险防控工作实施方案", "Title"),
        # Word's heading styles carry an outline level, which decides first
        ("heading", 1, "outline", "指导思想", "heading 1"),
        ("paragraph", None, None, "以习近平新时代中国特色社会主义思想为指导。", "Normal"),
        ("heading", 2, "outline", "工作步骤", "heading 2"),
        ("list_item", None, None, "梳理职权", "List Paragraph"),
    ]
    assert doc.title == "廉政风险防控工作实施方案"
    assert "页眉" not in doc.text() and "第 1 页" not in doc.text()  # headers/footers stay out


# -- Word automatic numbering --------------------------------------------------------------

def lvl(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')


NUMBERING = (
    # 0: the 公文 outline 一、（一）1.（1）①
    '<w:abstractNum w:abstractNumId="0">'
    + lvl(0, "chineseCounting", "%1、") + lvl(1, "chineseCounting", "（%2）")
    + lvl(2, "decimal", "%3.") + lvl(3, "decimal", "（%4）") + lvl(4, "decimalEnclosedCircle", "%5")
    + "</w:abstractNum>"
    # 1: legal numbering with isLgl on level 1 and a level that never restarts
    + '<w:abstractNum w:abstractNumId="1">'
    + lvl(0, "chineseLegalSimplified", "第%1条") + lvl(1, "chineseCounting", "%1.%2", extra="<w:isLgl/>")
    + lvl(2, "ideographTraditional", "%3、", extra='<w:lvlRestart w:val="0"/>')
    + "</w:abstractNum>"
    # 2: the definition a paragraph style carries
    + '<w:abstractNum w:abstractNumId="2">' + lvl(0, "decimalZero", "%1 ", extra='<w:pStyle w:val="Step"/>')
    + "</w:abstractNum>"
    + '<w:abstractNum w:abstractNumId="3">' + lvl(0, "bullet", "\uf0b7") + "</w:abstractNum>"
    + '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
    + '<w:num w:numId="2"><w:abstractNumId w:val="0"/></w:num>'  # shares counters with 1
    + '<w:num w:numId="3"><w:abstractNumId w:val="0"/>'
    + '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>'
    + '<w:num w:numId="4"><w:abstractNumId w:val="1"/></w:num>'
    + '<w:num w:numId="5"><w:abstractNumId w:val="2"/></w:num>'
    + '<w:num w:numId="6"><w:abstractNumId w:val="3"/></w:num>'
)
NUM_STYLES = (
    '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Step"><w:name w:val="步骤"/>'
    '<w:pPr><w:numPr><w:numId w:val="5"/></w:numPr></w:pPr></w:style>'
)


def test_numbering_outline_restarts_and_shared_lists(tmp_path: Path) -> None:
    body = (numbered("总体要求", 1, 0) + numbered("指导思想", 1, 1) + numbered("工作目标", 1, 1)
            + numbered("核定权力清单", 1, 2) + numbered("排查廉政风险", 1, 2)
            + numbered("排查岗位风险", 1, 3) + numbered("查找风险点", 1, 4)
            + numbered("方法步骤", 1, 0) + numbered("动员部署", 1, 1)  # （一） again: restarted
            + numbered("工作要求", 2, 0)  # another num over the same list continues it: 三、
            + numbered("附则", 3, 0))  # a num with a start override is a fresh list: 五、
    doc = parse(make_docx(tmp_path / "num.docx", body, numbering=NUMBERING))
    assert texts(doc) == ["一、总体要求", "（一）指导思想", "（二）工作目标", "1.核定权力清单",
                          "2.排查廉政风险", "（1）排查岗位风险", "①查找风险点", "二、方法步骤",
                          "（一）动员部署", "三、工作要求", "五、附则"]
    heads = [(b.level, b.signal, b.enumerator) for b in doc.blocks]
    assert heads[:3] == [(1, "numbering", "一、"), (2, "numbering", "（一）"), (2, "numbering", "（二）")]
    assert heads[3] == (3, "numbering", "1.") and heads[6] == (5, "numbering", "①")


def test_numbering_legal_islgl_no_restart_style_and_bullets(tmp_path: Path) -> None:
    body = (numbered("总则", 4, 0) + numbered("目的", 4, 1) + numbered("甲项", 4, 2)
            + numbered("分则", 4, 0) + numbered("范围", 4, 1) + numbered("乙项", 4, 2)
            + p("准备", '<w:pStyle w:val="Step"/>') + p("实施", '<w:pStyle w:val="Step"/>')
            + p("不编号", '<w:pStyle w:val="Step"/><w:numPr><w:numId w:val="0"/></w:numPr>')
            + numbered("要点", 6, 0))
    doc = parse(make_docx(tmp_path / "num2.docx", body, numbering=NUMBERING, styles=NUM_STYLES))
    assert texts(doc) == ["第壹条总则", "1.1 目的", "甲、甲项", "第贰条分则", "2.1 范围",
                          "乙、乙项",  # lvlRestart 0: level 2 keeps counting across 第贰条
                          "01 准备", "02 实施", "不编号", "•要点"]
    assert doc.blocks[0].enumerator == "第壹条"


def test_numbering_style_link(tmp_path: Path) -> None:
    """w:numStyleLink: the list's definition lives in a numbering style pointing at another num."""
    numbering = (
        '<w:abstractNum w:abstractNumId="10"><w:numStyleLink w:val="ListX"/></w:abstractNum>'
        '<w:abstractNum w:abstractNumId="12"><w:styleLink w:val="ListX"/>'
        + lvl(0, "chineseCounting", "第%1部分") + "</w:abstractNum>"
        '<w:num w:numId="10"><w:abstractNumId w:val="10"/></w:num>'
        '<w:num w:numId="11"><w:abstractNumId w:val="12"/></w:num>'
    )
    styles = ('<w:style w:type="numbering" w:styleId="ListX"><w:name w:val="List X"/>'
              '<w:pPr><w:numPr><w:numId w:val="11"/></w:numPr></w:pPr></w:style>')
    body = numbered("总则", 10) + numbered("分则", 10) + p("说明", '<w:pStyle w:val="ListX"/>')
    doc = parse(make_docx(tmp_path / "link.docx", body, numbering=numbering, styles=styles))
    assert texts(doc) == ["第一部分总则", "第二部分分则", "第三部分说明"]


def test_numbering_inside_table_cells(tmp_path: Path) -> None:
    cell = numbered("严格审批", 1, 2) + numbered("全程公开", 1, 2)
    body = tbl([tr(tc("措施"), tc(cell))], 2)
    doc = parse(make_docx(tmp_path / "numcell.docx", body, numbering=NUMBERING))
    assert doc.tables()[0].cells[1].text == "1.严格审批\n2.全程公开"


# -- merged cells --------------------------------------------------------------------------

def test_irregular_grid_origin_and_filled(tmp_path: Path) -> None:
    rows = [
        tr(tc("单位"), tc("风险点", SPAN2), tc("责任人")),
        tr(tc("办公室", VRESTART), tc("公车管理"), tc("低"), tc("张三", VRESTART)),
        tr(tc("", VCONT), tc("公务接待"), tc("中"), tc("", VCONT)),
        tr(tc("", VCONT), tc("采购", SPAN2), tc("李四")),
        tr(tc("财务科"), tc("报销"), trpr=""),  # a short row: holes at the end
        tr(tc("合计", SPAN2), trpr='<w:gridBefore w:val="1"/>'),
    ]
    doc = parse(make_docx(tmp_path / "grid.docx", tbl(rows, 4)))
    t = doc.tables()[0]
    assert (t.n_rows, t.n_cols) == (6, 4)
    spans = {(c.row, c.col): (c.row_span, c.col_span, c.text) for c in t.cells}
    assert spans[(0, 1)] == (1, 2, "风险点")
    assert spans[(1, 0)] == (3, 1, "办公室")
    assert spans[(1, 3)] == (2, 1, "张三")
    assert spans[(3, 1)] == (1, 2, "采购")
    assert spans[(5, 1)] == (1, 2, "合计")
    assert (2, 0) not in spans and (2, 3) not in spans  # continuation cells are not stored
    assert t.grid(filled=False) == [
        ["单位", "风险点", None, "责任人"],
        ["办公室", "公车管理", "低", "张三"],
        [None, "公务接待", "中", None],
        [None, "采购", None, "李四"],
        ["财务科", "报销", None, None],
        [None, "合计", None, None],
    ]
    assert t.grid(filled=True) == [
        ["单位", "风险点", "风险点", "责任人"],
        ["办公室", "公车管理", "低", "张三"],
        ["办公室", "公务接待", "中", "张三"],
        ["办公室", "采购", "采购", "李四"],
        ["财务科", "报销", "", ""],
        ["", "合计", "合计", ""],
    ]


def test_vmerge_continue_without_restart_and_legacy_hmerge(tmp_path: Path) -> None:
    rows = [
        tr(tc("甲", VCONT), tc("乙", '<w:hMerge w:val="restart"/>'), tc("", '<w:hMerge/>')),
        tr(tc("丙"), tc("丁"), tc("戊")),
    ]
    t = parse(make_docx(tmp_path / "legacy.docx", tbl(rows, 3))).tables()[0]
    assert t.grid(filled=True) == [["甲", "乙", "乙"], ["丙", "丁", "戊"]]
    assert {(c.row, c.col, c.col_span) for c in t.cells if c.row == 0} == {(0, 0, 1), (0, 1, 2)}


def test_nested_table_not_duplicated(tmp_path: Path) -> None:
    inner = tbl([tr(tc("内1"), tc("内2"))], 2)
    rows = [tr(tc("外"), tc(p("说明") + inner)), tr(tc("下"), tc("行"))]
    body = tbl(rows, 2) + tbl([tr(tc("后表"))], 1)
    doc = parse(make_docx(tmp_path / "nested.docx", body))
    outer = doc.blocks[0].table
    holder = outer.cells[1]
    assert holder.text == "说明"  # the nested table's text is not copied into the cell
    (nested,) = holder.tables
    assert nested.nested_in == outer.index == 0
    assert nested.grid() == [["内1", "内2"]]
    assert [t.index for t in doc.tables()] == [0, 1, 2]
    assert doc.tables()[2].grid() == [["后表"]]


# -- runs: text boxes, revisions, special characters -----------------------------------------

TEXTBOX = (
    '<w:p><w:r><w:t>锚定段落</w:t></w:r><w:r><mc:AlternateContent>'
    '<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
    "<wps:wsp><wps:txbx><w:txbxContent>"
    '<w:p><w:r><w:t>文本框内容</w:t></w:r></w:p>'
    "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    '<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>'
    '<w:p><w:r><w:t>文本框内容</w:t></w:r></w:p>'
    "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>"
    "</mc:AlternateContent></w:r></w:p>"
)


def test_text_box_once_after_its_anchor(tmp_path: Path) -> None:
    doc = parse(make_docx(tmp_path / "tb.docx", TEXTBOX + p("下一段")))
    assert texts(doc) == ["锚定段落", "文本框内容", "下一段"]


def test_vml_only_text_box(tmp_path: Path) -> None:
    body = ('<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>'
            '<w:p><w:r><w:t>旧式文本框</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>')
    assert texts(parse(make_docx(tmp_path / "vml.docx", body))) == ["旧式文本框"]


RUNS = [
    ('<w:p><w:r><w:t>保留</w:t></w:r><w:del><w:r><w:delText>删除</w:delText></w:r></w:del>'
     '<w:ins><w:r><w:t>插入</w:t></w:r></w:ins></w:p>', "保留插入"),
    ('<w:p><w:moveFrom><w:r><w:t>移走</w:t></w:r></w:moveFrom><w:moveTo><w:r><w:t>移来</w:t></w:r></w:moveTo></w:p>',
     "移来"),
    ('<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t></w:r></w:p>', "a b\nc"),
    ('<w:p><w:r><w:t>编号</w:t><w:noBreakHyphen/><w:t>1</w:t><w:sym w:font="Wingdings" w:char="F0B7"/></w:r></w:p>',
     "编号-1•"),
    ('<w:p><w:hyperlink r:id="rId9"><w:r><w:t>链接</w:t></w:r></w:hyperlink>'
     '<w:smartTag><w:r><w:t>标记</w:t></w:r></w:smartTag>'
     '<w:fldSimple w:instr="PAGE"><w:r><w:t>3</w:t></w:r></w:fldSimple></w:p>', "链接标记3"),
    ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>DATE</w:instrText></w:r>'
     '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2024年1月</w:t></w:r>'
     '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>', "2024年1月"),
    ('<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>内容控件</w:t></w:r></w:p></w:sdtContent></w:sdt>', "内容控件"),
    ('<w:p><w:r><w:t>领 导 班 子</w:t></w:r></w:p>', "领导班子"),  # normalised, raw kept
    ('<w:p><w:r><w:t>全角１２３</w:t></w:r></w:p>', "全角123"),
]


@pytest.mark.parametrize(("xml", "text"), RUNS, ids=[r[1] for r in RUNS])
def test_run_content(tmp_path: Path, xml: str, text: str) -> None:
    (b,) = parse(make_docx(tmp_path / "r.docx", xml)).blocks
    assert b.text == text


def test_raw_kept_when_normalised_differs(tmp_path: Path) -> None:
    (b,) = parse(make_docx(tmp_path / "raw.docx", p("领 导 班 子"))).blocks
    assert (b.text, b.raw) == ("领导班子", "领 导 班 子")
    (b,) = parse(make_docx(tmp_path / "raw2.docx", p("领导班子"))).blocks
    assert b.raw is None


def test_pages_from_breaks(tmp_path: Path) -> None:
    body = (p("第一页") + '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
            + '<w:p><w:r><w:lastRenderedPageBreak/><w:t>第二页</w:t></w:r></w:p>'  # same break, rendered
            + '<w:p><w:r><w:lastRenderedPageBreak/><w:t>第三页</w:t></w:r></w:p>'
            + p("第四页", "<w:pageBreakBefore/>"))
    doc = parse(make_docx(tmp_path / "pages.docx", body))
    assert [(b.text, b.loc.page) for b in doc.blocks] == [("第一页", 1), ("第二页", 2), ("第三页", 3), ("第四页", 4)]
    assert doc.source.pages == 4


# -- bad input -----------------------------------------------------------------------------

def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    return path


BAD = [
    ("not_a_zip", lambda d: (d / "x.docx").write_bytes(b"this is not a zip file at all") and d / "x.docx",
     "not a ZIP"),
    ("missing_part", lambda d: _zip(d / "x.docx", {"word/other.xml": b"<a/>"}), "no word/document.xml"),
    ("malformed_xml", lambda d: _zip(d / "x.docx", {"word/document.xml": b'<?xml version="1.0"?>\n<w:document '
                                                    b'xmlns:w="' + W.encode() + b'">\n<w:body><w:p>'}),
     "not well-formed XML (line"),
    ("xml_doctype", lambda d: _zip(d / "x.docx", {"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE d '
                                                  b'[<!ENTITY a "aaaa">]><w:document xmlns:w="' + W.encode()
                                                  + b'"><w:body>&a;</w:body></w:document>'}), "DOCTYPE"),
    ("not_wordprocessingml", lambda d: _zip(d / "x.docx", {"word/document.xml": b"<html/>"}), "not a WordprocessingML"),
]


@pytest.mark.parametrize(("code", "build", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_packages_raise_input_error(tmp_path: Path, code: str, build, words: str) -> None:
    path = build(tmp_path)
    with pytest.raises(InputError) as ei:
        parse(path)
    assert ei.value.code == code
    assert str(path) in str(ei.value) and words in str(ei.value)


def test_truncated_package_fails_cleanly(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", p("内容") * 200)
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    doc = parse_file(cut)  # the dispatcher never raises
    assert doc.status == "failed"
    assert doc.errors and str(cut) in doc.errors[0].message


def test_part_over_the_member_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIANFANG_MAX_MEMBER_MB", "0.05")  # 50 KB per part
    f = make_docx(tmp_path / "big.docx", p("风险点防控措施" * 10) * 300)  # ~100 KB of XML
    with pytest.raises(InputError) as ei:
        parse(f)
    assert ei.value.code == "zip_bomb" and "word/document.xml" in str(ei.value)


def test_empty_body_is_partial(tmp_path: Path) -> None:
    doc = parse(make_docx(tmp_path / "empty.docx", "<w:sectPr/>"))
    assert doc.blocks == [] and doc.status == "partial"
    assert doc.errors[0].code == "no_text"


def test_malformed_optional_part_is_ignored(tmp_path: Path) -> None:
    f = make_docx(tmp_path / "ns.docx", numbered("总体要求", 1, 0), numbering="<w:abstractNum")
    # the numbering part is broken XML: the text survives, only the numbers are lost
    assert texts(parse(f)) == ["总体要求"]


# -- the dev corpus ------------------------------------------------------------------------

def _flat(s: str) -> str:
    return normalise(s).replace("\n", "")


@pytest.mark.parametrize("path", dev_files("*.docx") or [Path("none")], ids=lambda p_: p_.name)
def test_corpus_rows_carry_merged_values(corpus_dir: Path, path: Path) -> None:
    """Every gold risk's row, read with merged values filled, holds its responsible people."""
    gold_file = DEV_GOLD / f"{path.name}.gold.json"
    doc = parse(path)
    assert doc.status == "ok"
    rows = [[_flat(c) for c in row] for t in doc.tables() for row in t.grid(filled=True)]
    if not rows or not gold_file.is_file():
        pytest.skip("no table or no gold")
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    checked = 0
    for r in gold["risks"]:
        name = _flat(r["name"])
        mine = [row for row in rows if any(name in c for c in row)]
        assert mine, f"risk {name!r} not found in any row"
        need = [_flat(x) for x in r.get("responsible") or []]
        if r.get("level_raw"):
            need.append(_flat(r["level_raw"]))
        if r.get("owner") and any(_flat(r["owner"]) in c for row in rows for c in row):
            need.append(_flat(r["owner"]))
        assert any(all(any(x in c for c in row) for x in need) for row in mine), (name, need, mine[0])
        checked += 1
    assert checked == len(gold["risks"])


@pytest.mark.parametrize(("name", "col", "rows"), [
    ("01_bozhou-zjj-zhongdian-gongcheng.docx", "单位/科室", 4),
    ("06_wjbhcs-shuiwu-dengji.docx", "风险点", 3),
])
def test_corpus_vertical_merges(corpus_dir: Path, name: str, col: str, rows: int) -> None:
    t = parse(corpus_dir / "dev" / "files" / name).tables()[0]
    header = t.grid()[0]
    k = header.index(col)
    assert max(c.row_span for c in t.cells if c.col == k) == rows


def test_corpus_06_description_differs_per_physical_row(corpus_dir: Path) -> None:
    """In 06 a risk spans 3 physical rows: 序号/风险点/等级/措施 merged, 风险描述 one per row."""
    t = parse(corpus_dir / "dev" / "files" / "06_wjbhcs-shuiwu-dengji.docx").tables()[0]
    g = t.grid()
    h = g[0]
    seq, desc, level, measure = (h.index(x) for x in ("序号", "风险描述", "风险等级", "防控措施"))
    rows = [r for r in g[1:] if r[seq] == "2"]
    assert len(rows) == 3
    assert len({r[desc] for r in rows}) == 3
    assert len({r[level] for r in rows}) == 1 and len({r[measure] for r in rows}) == 1


# -- batch normalisation -----------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="领导 班子\n\t\u3000１２ａ臵\u200b。，、（1）.", max_size=20), max_size=12))
def test_batch_normalisation_equals_one_by_one(texts: list[str]) -> None:
    """The parser normalises all texts in one call: it must agree with with_raw on each."""
    from pipeline.normalise import with_raw
    from pipeline.parse.docx import _normalise_all

    assert _normalise_all(texts) == [with_raw(t) if t else ("", None) for t in texts]
