"""PDF parser: text lines, wrapped cell lines, merged cells, tables stitched over pages, errors.

Expectations come from the documents themselves: every dev-corpus table PDF is the LibreOffice
rendering of a .docx twin, so the twin's grid (read by the .docx parser) is the answer; the
gold file of 90_composite says which department owns each of its 90 risk points and which of
them have no measure. Fixtures that need a PDF with page furniture or page breaks are Word files
built here and printed by LibreOffice (skipped without it); the error cases are PDFs written by
hand byte by byte.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import zlib
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.model import Document
from pipeline.parse import parse_file
from pipeline.parse import pdf as pdfmod
from pipeline.parse.legacy import converter


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


DEV_FILES = _root_conftest().DEV_FILES
DEV_GOLD = _root_conftest().DEV_GOLD
dev_files = _root_conftest().dev_files


TWINS = [p for p in dev_files("*.pdf") if p.with_suffix(".docx").exists()]
TABLE_TWINS = [p for p in TWINS if not p.name.startswith("21_")]


def _squash(s: str | None) -> str:
    return re.sub(r"\s+", "", s or "")


@functools.cache
def _parsed(path: Path) -> Document:
    """Each dev file is parsed once per test session (90_composite is 33 pages)."""
    return parse_file(path)


def _grids(path: Path) -> list[list[list[str]]]:
    doc = _parsed(path)
    return [[[_squash(v) for v in row] for row in t.grid(filled=True)] for t in doc.tables()]


# -- small pure functions ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "texts, expected",
    [
        (["廉", "政", " ", "风", "险"], 0.0),
        (["(cid:12)", "(cid:13)", "(cid:14)", "险"], 0.75),
        (["\ufffd", "a"], 0.5),
        (["\ue000", "\uf8ff", "中", "文"], 0.5),  # private-use glyphs
        (["  ", "\n"], 0.0),  # whitespace only: nothing to judge
        ([], 0.0),
    ],
)
def test_garble_ratio(texts: list[str], expected: float) -> None:
    assert pdfmod.garble_ratio(texts) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("第 3 页", True), ("第3页 共10页", True), ("共10页 第3页", True), ("- 3 -", True), ("—3—", True),
        ("－ 12 －", True), ("3/10", True), ("Page 3", True), ("page 3 of 9", True), ("7", True),
        ("第三章 总则", False), ("2016年", False), ("一、指导思想", False), ("3个风险点", False),
        ("1.加强教育", False),
    ],
)
def test_page_number_patterns(text: str, expected: bool) -> None:
    assert pdfmod.is_page_number(text) is expected


def _line(text: str, x0: float, x1: float, lead: float = 11.0) -> pdfmod._Line:
    return pdfmod._Line(text=text, x0=x0, x1=x1, top=0, bottom=11, size=11, bold=False, lead=lead)


# cell inner edges 50..150; glyphs 11 pt wide
@pytest.mark.parametrize(
    "prev, nxt, cell, expected",
    [
        (_line("加强业务学习规范", 50, 148), _line("操作。", 50, 83), True, ""),  # full line: wrapped
        (_line("序", 50, 61), _line("号", 50, 61), True, "\n"),  # short line: a real break
        (_line("一是加强学习。", 50, 127), _line("二是规范操作。", 50, 127), True, "\n"),
        # full line, but the next one starts an item: the break is kept in a cell …
        (_line("严格执行审批程序并公开", 50, 148), _line("2.加强监督检查", 50, 130, lead=10), True, "\n"),
        # … and in prose a full line that ends a sentence before an item keeps a space
        (_line("严格执行审批程序并公开。", 50, 148), _line("2.加强监督检查", 50, 130, lead=10), False, " "),
        (_line("the quick brown", 50, 140), _line("fox jumps", 50, 100, lead=20), False, " "),  # Latin wrap
        # "“三重一大”" cannot be cut after its opening quote: the whole run had to fit
        (_line("认真分析联系点，排", 50, 120), _line("查“三重一大”", 50, 130, lead=45), False, ""),
    ],
)
def test_line_joiner(prev: pdfmod._Line, nxt: pdfmod._Line, cell: bool, expected: str) -> None:
    assert pdfmod._joiner(prev, nxt, 50, 150, cell) == expected


# -- the dev corpus: PDF twins of .docx files -------------------------------------------------------------

@pytest.mark.corpus
@pytest.mark.parametrize("pdf", TABLE_TWINS, ids=lambda p: p.stem)
def test_table_pdf_equals_docx_twin(corpus_dir: Path, pdf: Path) -> None:
    want = _grids(pdf.with_suffix(".docx"))
    got = _grids(pdf)
    assert want, "the .docx twin has a table"
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert len(g) == len(w)
        for i, (gr, wr) in enumerate(zip(g, w, strict=True)):
            assert gr == wr, f"row {i}"


@pytest.mark.corpus
def test_composite_is_one_stitched_table_matching_gold(corpus_dir: Path) -> None:
    doc = _parsed(DEV_FILES / "90_composite.pdf")
    gold = json.loads((DEV_GOLD / "90_composite.pdf.gold.json").read_text("utf-8"))["risks"]
    assert doc.status == "ok"
    tables = doc.tables()
    assert len(tables) == 1
    t = tables[0]
    assert doc.source.pages is not None and doc.source.pages > 1
    assert t.pages == list(range(1, doc.source.pages + 1))
    grid = t.grid(filled=True)
    header = grid[0]
    dept, risk, measure, leader = (header.index(h) for h in ("科室", "风险点", "防控措施", "责任领导"))
    body = grid[1:]
    assert len(body) == len(gold) == 90
    for i, (row, g) in enumerate(zip(body, gold, strict=True)):
        assert row[0] == str(i + 1)
        assert row[dept] == g["owner"], f"risk {i + 1}: department lost over a page break?"
        assert g["responsible"][0] in row[leader]
        if g["measures"] == []:  # a real gap must not be filled from the row above
            assert row[measure] == "", f"risk {i + 1}"
        elif g["name"] and len(g["name"]) < 40:
            assert _squash(g["name"]) in _squash(row[risk]) + _squash(row[risk + 1])


@pytest.mark.corpus
def test_prose_pdf_paragraphs_equal_docx(corpus_dir: Path) -> None:
    pdf = DEV_FILES / "21_hljcourt-mdjml-fayuan-fangkong.pdf"
    want = _parsed(pdf.with_suffix(".docx")).blocks
    got = _parsed(pdf).blocks
    assert [(b.text, b.kind) for b in got] == [(b.text, b.kind) for b in want]
    assert all(b.loc.page == 1 for b in got)


@pytest.mark.corpus
@pytest.mark.parametrize("pdf", TWINS, ids=lambda p: p.stem)
def test_pages_and_table_text_not_duplicated(corpus_dir: Path, pdf: Path) -> None:
    doc = _parsed(pdf)
    assert doc.source.pages and doc.source.pages >= 1
    cells = {c.text for t in doc.tables() for c in t.cells if len(c.text) > 6}
    for b in doc.blocks:
        if b.table is None:
            assert b.text not in cells


# -- PDFs printed by LibreOffice from Word files built here -----------------------------------------------

def _png(w: int, h: int) -> bytes:
    import struct

    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(w) for _ in range(3)) for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _page_field(par) -> None:  # noqa: ANN001 - python-docx paragraph
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = par.add_run()
    begin, instr, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = "PAGE"
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, end):
        run._r.append(el)


def _repeat_header(row) -> None:  # noqa: ANN001
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


SENTENCE = "为深入贯彻落实党风廉政建设责任制，进一步加强廉政风险防控工作，结合本局实际，制定本方案。"


def _prose_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "某某局廉政风险防控工作文件"
    foot = sec.footer.paragraphs[0]
    foot.add_run("第 ")
    _page_field(foot)
    foot.add_run(" 页")
    d.add_paragraph("某某局廉政风险防控工作实施方案")
    for n, head in enumerate(["一、指导思想", "二、工作目标", "三、主要任务"], start=1):
        d.add_paragraph(head)
        d.add_paragraph("（一）加强组织领导")
        for k in range(4):
            d.add_paragraph(f"第{n}.{k}段。" + SENTENCE * (1 + k))
    d.save(str(path))


def _long_table_docx(path: Path, seed: int, two_header_rows: bool) -> None:
    """A risk table over several pages: repeated header, merged 科室/责任领导, some empty measures."""
    import random

    import docx

    rnd = random.Random(seed)
    d = docx.Document()
    d.add_paragraph("廉政风险点及防控措施一览表")
    heads = ["序号", "科室", "风险点", "风险等级", "防控措施", "责任领导"]
    t = d.add_table(rows=2 if two_header_rows else 1, cols=6)
    t.style = "Table Grid"
    if two_header_rows:  # 风险 over 风险点 | 风险等级, the other heads merged down
        top, sub = t.rows[0].cells, t.rows[1].cells
        top[2].merge(top[3]).text = "风险"
        sub[2].text, sub[3].text = "风险点", "风险等级"
        for i in (0, 1, 4, 5):
            top[i].merge(sub[i]).text = heads[i]
        _repeat_header(t.rows[0])
        _repeat_header(t.rows[1])
    else:
        for c, h in zip(t.rows[0].cells, heads, strict=True):
            c.text = h
        _repeat_header(t.rows[0])
    n = 0
    for g, dept in enumerate(["办公室", "财务科", "工程科", "审批科", "执法大队", "人事科"]):
        k = rnd.choice([1, 2, 3, 5, 8])
        start = len(t.rows)
        for _ in range(k):
            n += 1
            r = t.add_row().cells
            r[0].text = str(n)
            r[2].text = f"风险点{n}：" + "在审批过程中存在不按规定程序办理" * rnd.randint(1, 6)
            r[3].text = rnd.choice(["高", "中", "低"])
            r[4].text = "" if n % 5 == 0 else "\n".join(
                f"{m}.加强制度建设，严格执行审批程序" + "并公开结果" * rnd.randint(0, 4) + "。"
                for m in range(1, rnd.randint(2, 5)))
        first, last = t.rows[start].cells, t.rows[len(t.rows) - 1].cells
        first[1].merge(last[1]).text = dept
        first[5].merge(last[5]).text = f"分管领导{g}"
    d.add_paragraph("附件：无")
    d.save(str(path))


def _image_docx(path: Path, png: Path, text_first: bool) -> None:
    import docx
    from docx.shared import Inches

    d = docx.Document()
    if text_first:
        d.add_paragraph("第一页的正文内容。")
        d.add_page_break()
    d.add_picture(str(png), width=Inches(4))
    d.save(str(path))


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Word files built here, printed to PDF by LibreOffice in one call."""
    exe = converter()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    import docx

    d = tmp_path_factory.mktemp("printed")
    _prose_docx(d / "prose.docx")
    _long_table_docx(d / "table1.docx", seed=1, two_header_rows=False)
    _long_table_docx(d / "table2.docx", seed=2, two_header_rows=True)
    (d / "img.png").write_bytes(_png(64, 64))
    _image_docx(d / "image.docx", d / "img.png", text_first=False)
    _image_docx(d / "mixed.docx", d / "img.png", text_first=True)
    blank = docx.Document()
    blank.add_paragraph("")
    blank.save(str(d / "blank.docx"))
    names = ["prose", "table1", "table2", "image", "mixed", "blank"]
    subprocess.run([exe, f"-env:UserInstallation={(d / 'profile').as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(d), *[str(d / f"{n}.docx") for n in names]],
                   check=False, capture_output=True, timeout=300)
    missing = [n for n in names if not (d / f"{n}.pdf").exists()]
    if missing:
        pytest.skip(f"LibreOffice did not print {missing}")
    return d


def test_running_header_footer_dropped_and_headings_found(printed: Path) -> None:
    from pipeline.parse import parse

    want = parse(printed / "prose.docx")
    doc = parse(printed / "prose.pdf")
    assert doc.source.pages and doc.source.pages >= 2
    assert doc.status == "ok"
    texts = [b.text for b in doc.blocks]
    assert not any("工作文件" in t or re.fullmatch(r"第\d+页", t) for t in texts)
    # paragraphs broken over a page come back whole: the same paragraphs as the .docx
    assert texts == [b.text for b in want.blocks]
    heads = [(b.text, b.level, b.signal) for b in doc.blocks if b.kind == "heading"]
    assert ("一、指导思想", 1, "enumerator") in heads
    assert ("（一）加强组织领导", 2, "enumerator") in heads
    assert doc.title == "某某局廉政风险防控工作实施方案"
    assert {b.loc.page for b in doc.blocks} >= {1, 2}


@pytest.mark.parametrize("name", ["table1", "table2"])
def test_long_table_stitched_like_docx(printed: Path, name: str) -> None:
    want = _grids(printed / f"{name}.docx")
    doc = parse_file(printed / f"{name}.pdf")
    got = [[[_squash(v) for v in row] for row in t.grid(filled=True)] for t in doc.tables()]
    assert len(got) == 1 == len(want)
    assert len(doc.tables()[0].pages) >= 2
    assert got[0] == want[0]
    # the caption above the table, and no table text among the paragraphs
    assert doc.tables()[0].title == "廉政风险点及防控措施一览表"
    assert [b.text for b in doc.blocks if b.table is None] == ["廉政风险点及防控措施一览表", "附件：无"]


@pytest.mark.parametrize(
    "name, status, codes",
    [
        ("image", "failed", ["no_text_layer"]),
        ("blank", "failed", ["no_text"]),
        ("mixed", "partial", ["no_text_layer"]),
    ],
)
def test_pages_without_text(printed: Path, name: str, status: str, codes: list[str]) -> None:
    doc = parse_file(printed / f"{name}.pdf")
    assert doc.status == status
    assert [e.code for e in doc.errors] == codes
    assert str(printed / f"{name}.pdf") in doc.errors[0].message
    if name != "blank":
        assert "OCR" in doc.errors[0].message


# -- PDFs written by hand ------------------------------------------------------------------------------------

_HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
# a CID font with no ToUnicode map: its glyphs come out as (cid:N)
_NO_UNICODE = (b"<< /Type /Font /Subtype /Type0 /BaseFont /Foo /Encoding /Identity-H /DescendantFonts "
               b"[<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Foo /CIDSystemInfo << /Registry (Adobe) "
               b"/Ordering (Identity) /Supplement 0 >> /DW 1000 >>] >>")


def _pdf(pages: list[bytes], fonts: dict[bytes, bytes] | None = None, trailer: bytes = b"") -> bytes:
    """A minimal PDF with one content stream per page (400×600 pt)."""
    fonts = fonts or {b"F1": _HELVETICA}
    objs: list[bytes] = [b"", b""]
    font_ids = {}
    for name, body in fonts.items():
        objs.append(body)
        font_ids[name] = len(objs)
    res = b"<< /Font << " + b" ".join(b"/%s %d 0 R" % (k, i) for k, i in font_ids.items()) + b" >> >>"
    kids = []
    for content in pages:
        objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 600] /Contents %d 0 R /Resources %s >>"
                    % (len(objs), res))
        kids.append(len(objs))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(objs) + 1) + trailer + b">>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _text(x: int, y: int, s: bytes, size: int = 12, font: bytes = b"F1") -> bytes:
    return b"BT /%s %d Tf %d %d Td (%s) Tj ET " % (font, size, x, y, s)


def test_minimal_pdf_reads(tmp_path: Path) -> None:
    p = tmp_path / "min.pdf"
    p.write_bytes(_pdf([_text(20, 500, b"Hello world")]))
    doc = parse_file(p)
    assert doc.status == "ok" and doc.source.format == "pdf" and doc.source.pages == 1
    assert [b.text for b in doc.blocks] == ["Hello world"]
    assert doc.blocks[0].loc.page == 1


def test_running_lines_and_page_numbers_dropped(tmp_path: Path) -> None:
    def page(n: int) -> bytes:
        body = b"".join(_text(20, 480 - 40 * i, b"Paragraph %d of page %d." % (i, n)) for i in range(3))
        return _text(20, 570, b"Bureau of Examples - Annual Plan", 10) + body + _text(180, 20, b"- %d -" % n, 10)

    last = _text(20, 300, b"A closing line that is longer than every other line of the body.")
    p = tmp_path / "running.pdf"
    p.write_bytes(_pdf([page(1), page(2), page(3) + last]))
    doc = parse_file(p)
    texts = [b.text for b in doc.blocks]
    assert texts[:-1] == [f"Paragraph {i} of page {n}." for n in (1, 2, 3) for i in range(3)]
    assert [b.loc.page for b in doc.blocks] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]


def test_garbled_page_reported(tmp_path: Path) -> None:
    garbled = b"BT /F2 12 Tf 20 500 Td <0012003400560078009a> Tj ET " + _text(20, 300, b"ok")
    p = tmp_path / "garbled.pdf"
    p.write_bytes(_pdf([garbled, _text(20, 500, b"A readable page.")], {b"F1": _HELVETICA, b"F2": _NO_UNICODE}))
    doc = parse_file(p)
    assert doc.status == "partial"
    assert [(e.code, e.loc.page if e.loc else None) for e in doc.errors] == [("garbled_page", 1)]
    assert "page 1" in doc.errors[0].message and str(p) in doc.errors[0].message
    assert "A readable page." in [b.text for b in doc.blocks]


def test_encrypted_pdf(tmp_path: Path) -> None:
    # a standard security handler whose /U does not match the empty password
    enc = (b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32
           + b"> /P -4 >> /ID [<" + b"33" * 16 + b"> <" + b"33" * 16 + b">] ")
    p = tmp_path / "locked.pdf"
    p.write_bytes(_pdf([_text(20, 500, b"secret")], trailer=enc))
    with pytest.raises(InputError) as ei:
        pdfmod.parse(p)
    assert ei.value.code == "encrypted"
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "encrypted"
    assert "password" in doc.errors[0].message and str(p) in doc.errors[0].message


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.97])
def test_truncated_pdf(tmp_path: Path, cut: float) -> None:
    good = _pdf([_text(20, 500, b"page %d" % n) for n in range(1, 6)])
    p = tmp_path / "cut.pdf"
    p.write_bytes(good[: int(len(good) * cut)])
    doc = parse_file(p)  # never raises
    assert doc.status in ("failed", "partial")
    assert doc.errors and str(p) in doc.errors[0].message
    if doc.status == "failed":
        assert doc.errors[0].code in ("corrupt_pdf", "no_pages", "no_text")


def test_garbage_after_pdf_header(tmp_path: Path) -> None:
    p = tmp_path / "junk.pdf"
    p.write_bytes(b"%PDF-1.7\n" + b"not really a pdf " * 50)
    with pytest.raises(InputError) as ei:
        pdfmod.parse(p)
    assert ei.value.code == "corrupt_pdf"
    assert "damaged" in str(ei.value)


def test_pdf_without_pages(tmp_path: Path) -> None:
    p = tmp_path / "empty.pdf"
    p.write_bytes(_pdf([]))
    with pytest.raises(InputError) as ei:
        pdfmod.parse(p)
    assert ei.value.code == "no_pages"
