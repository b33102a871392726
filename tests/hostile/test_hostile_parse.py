"""Broken, mislabelled, oddly encoded and very large inputs through ``parse_file``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import generators as gen
import pytest

from pipeline.normalise import normalise

RISK_TEXT = [normalise(s) for s in gen.RISK_LINES]

# name, bytes, expected status, first error code (None: no error), text that must come back
BROKEN_CASES = [
    ("empty.docx", lambda: b"", "failed", "empty", None),
    ("half.docx", lambda: gen.simple_docx([f"半截{i}" for i in range(300)])[:1500], "failed", "corrupt_zip", None),
    ("noise.docx", lambda: bytes(range(7, 256)) * 20, "failed", "not_this_format", None),
    ("noise.xlsx", lambda: b"\x00" * 4096, "failed", "not_this_format", None),
    ("docx-named.pdf", lambda: gen.simple_docx(["错标的文件"]), "partial", "mislabelled", "错标的文件"),
    ("pdf-named.docx", lambda: gen.simple_pdf(["Mislabelled PDF"]), "partial", "mislabelled", "Mislabelled PDF"),
    ("xlsx-named.docx", lambda: gen.xlsx_with_cells([["风险点", "措施"]]), "partial", "mislabelled", "风险点"),
]


@pytest.mark.parametrize("name,builder,status,code,text", BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES])
def test_broken_and_mislabelled(write, parse_isolated, name: str, builder, status: str, code: str | None,
                                text: str | None) -> None:
    p = write(name, builder())
    out = parse_isolated(p, timeout=30, mem_mb=600)
    assert out.status == status, out.describe()
    assert out.codes[:1] == ([code] if code else []), out.describe()
    if code:
        assert name in out.messages[0]
    if text:
        assert text in out.text, out.describe()
    assert out.seconds < 15, out.describe()


TEXT_CASES = [
    ("gb18030.txt", gen.gb18030_text, "ok", []),
    ("utf16-bom.txt", lambda: gen.utf16_text(bom=True), "ok", []),
    ("utf16-nobom.txt", lambda: gen.utf16_text(bom=False), "ok", []),
    ("utf8-bom.txt", lambda: b"\xef\xbb\xbf" + "\n".join(gen.RISK_LINES).encode(), "ok", []),
    ("mixed.txt", gen.mixed_encoding_text, "partial", ["mixed_encoding"]),
]


@pytest.mark.parametrize("name,builder,status,codes", TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_text_encodings(write, parse_isolated, name: str, builder, status: str, codes: list[str]) -> None:
    p = write(name, builder())
    out = parse_isolated(p, timeout=30, mem_mb=600)
    assert out.status == status and out.codes == codes, out.describe()
    lines = [ln for ln in out.text.split("\n") if ln]
    assert lines == RISK_TEXT, out.describe()


def test_zero_width_and_full_width(write, parse_isolated) -> None:
    p = write("zw.txt", gen.zero_width_fullwidth_text())
    out = parse_isolated(p, timeout=30, mem_mb=600)
    assert out.status == "ok", out.describe()
    # zero-width characters and the stray BOM vanish; full-width digits and letters fold
    assert out.text == "风险点：12个，措施：ABC"


def test_zero_width_inside_docx_cells(write, parse_isolated) -> None:
    rows = [["风险\u200b点", "防控\u200d措施"], ["审批\ufeff不严", "集体研究１２次"]]
    p = write("zw.docx", gen.simple_docx(["标\u200b题"], rows))
    out = parse_isolated(p, timeout=30, mem_mb=600)
    assert out.status == "ok", out.describe()
    assert out.tables == [[["风险点", "防控措施"], ["审批不严", "集体研究12次"]]]
    assert "标题" in out.text


@pytest.mark.parametrize("name", gen.HOSTILE_NAMES + ["风险点台账（2024）.docx"])
def test_hostile_file_names_parse(tmp_path: Path, write, parse_isolated, name: str) -> None:
    p = write(name, gen.simple_docx(["名字古怪的文件"]), tmp_path / "in")
    out = parse_isolated(p, timeout=30, mem_mb=600)
    assert out.status == "ok" and "名字古怪的文件" in out.text, out.describe()
    assert not list(tmp_path.rglob("pwned")) and not Path("pwned").exists()


# -- big tables must succeed -----------------------------------------------------------------------

def _assert_big(out, n_rows: int) -> None:
    assert out.status == "ok", out.describe()
    grid = out.tables[0]
    assert len(grid) == n_rows + 1
    assert grid[0] == gen.BIG_HEADER
    assert grid[-1] == gen.big_row(n_rows - 1) and grid[n_rows // 2] == gen.big_row(n_rows // 2 - 1)


@pytest.mark.parametrize("suffix,builder", [("docx", gen.big_docx), ("xlsx", gen.big_xlsx)])
def test_five_thousand_row_table(write, parse_isolated, suffix: str, builder) -> None:
    p = write(f"big.{suffix}", builder(5000))
    out = parse_isolated(p, timeout=60, mem_mb=1200)
    _assert_big(out, 5000)
    assert out.seconds < 20, out.describe()


@pytest.mark.slow
@pytest.mark.parametrize("suffix,builder", [("docx", gen.big_docx), ("xlsx", gen.big_xlsx)])
def test_fifty_thousand_row_table(write, parse_isolated, suffix: str, builder) -> None:
    p = write(f"big.{suffix}", builder(50_000))
    out = parse_isolated(p, timeout=150, mem_mb=2000)
    _assert_big(out, 50_000)
    assert out.seconds < 60, out.describe()


# -- a real .doc under a .docx name (needs LibreOffice) ----------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_doc_named_docx(tmp_path: Path, write, parse_isolated) -> None:
    src = write("real.docx", gen.simple_docx(["其实是旧格式的文件"]), tmp_path / "src")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "doc", "--outdir", str(tmp_path / "src"), str(src)],
                   check=True, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    p = tmp_path / "in" / "mislabelled.docx"
    p.parent.mkdir()
    p.write_bytes((tmp_path / "src" / "real.doc").read_bytes())
    out = parse_isolated(p, timeout=150, mem_mb=1500)
    assert out.status == "partial" and out.codes == ["mislabelled"], out.describe()
    assert "其实是旧格式的文件" in out.text
