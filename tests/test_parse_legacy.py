"""Legacy formats through LibreOffice, and the encrypted-OOXML check on OLE2 files."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.errors import ConverterMissing, InputError
from pipeline.ids import file_sha256
from pipeline.parse import legacy, parse_file

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ole(*names: str, size: int = 4096) -> bytes:
    """An OLE2-looking file whose directory holds the given UTF-16LE stream names."""
    body = b"".join(n.encode("utf-16-le") + b"\x00\x00" for n in names)
    return OLE2 + b"\x00" * 504 + body + b"\x00" * max(0, size - 512 - len(body))


@pytest.mark.parametrize(
    "data, expected",
    [
        (_ole("Root Entry", "EncryptionInfo", "EncryptedPackage"), True),
        (_ole("Root Entry", "WordDocument", "1Table"), False),  # a legacy .doc
        (b"PK\x03\x04" + "EncryptedPackage".encode("utf-16-le"), False),  # not OLE2 at all
        (b"", False),
    ],
)
def test_ole_is_encrypted_ooxml(tmp_path: Path, data: bytes, expected: bool) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    assert legacy.ole_is_encrypted_ooxml(p) is expected


def test_encrypted_docx_is_reported_by_the_dispatcher(tmp_path: Path) -> None:
    p = tmp_path / "locked.docx"
    p.write_bytes(_ole("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "encrypted"
    assert str(p) in doc.errors[0].message


def test_missing_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "old.doc"
    p.write_bytes(_ole("Root Entry", "WordDocument"))
    monkeypatch.setattr(legacy.shutil, "which", lambda name: None)
    with pytest.raises(ConverterMissing) as ei:
        legacy.parse(p, fmt="doc")
    assert ei.value.code == "converter_missing"
    assert "apt-get install" in str(ei.value) and str(p) in str(ei.value)
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "converter_missing"


def test_fake_doc_that_is_not_ole2(tmp_path: Path) -> None:
    p = tmp_path / "fake.doc"
    p.write_bytes(b"this is plain text with a .doc name and no OLE2 header at all")
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "not_this_format"


def test_conversion_timeout_kills_the_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a stand-in "soffice" that hangs, with a child process of its own
    script = tmp_path / "soffice"
    pidfile = tmp_path / "child.pid"
    script.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pidfile}\nwait\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(legacy, "converter", lambda: str(script))
    p = tmp_path / "slow.doc"
    p.write_bytes(_ole("Root Entry", "WordDocument"))
    t0 = time.monotonic()
    with pytest.raises(InputError) as ei:
        legacy.parse(p, fmt="doc", timeout=1)
    assert ei.value.code == "convert_timeout"
    assert time.monotonic() - t0 < 15
    child = int(pidfile.read_text())
    time.sleep(0.2)
    assert _gone(child)  # the whole process group was killed, not only the shell


def _gone(pid: int) -> bool:
    """The process has exited (a zombie that nobody has reaped yet counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_converter_without_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\necho 'Error: source file could not be loaded'\nexit 0\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(legacy, "converter", lambda: str(script))
    p = tmp_path / "locked.doc"
    p.write_bytes(_ole("Root Entry", "WordDocument"))
    with pytest.raises(InputError) as ei:
        legacy.parse(p, fmt="doc")
    assert ei.value.code == "convert_failed"
    assert "could not be loaded" in ei.value.reason


# -- with the real LibreOffice ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def soffice() -> str:
    exe = legacy.converter()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return exe


def _risk_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("廉政风险点及防控措施")
    t = d.add_table(rows=4, cols=3)
    t.style = "Table Grid"
    rows = [["科室", "风险点", "防控措施"], ["办公室", "公车私用", "1.加强教育\n2.制定制度"],
            ["", "违规报销", "严格审核"], ["财务科", "资金挪用", ""]]
    for r, vals in zip(t.rows, rows, strict=True):
        for c, v in zip(r.cells, vals, strict=True):
            c.text = v
    t.rows[1].cells[0].merge(t.rows[2].cells[0]).text = "办公室"
    d.add_paragraph("")  # Word always ends the body with a paragraph; LibreOffice's .doc export needs it
    d.save(str(path))


def test_doc_converted_and_read_as_the_original(tmp_path: Path, soffice: str) -> None:
    src = tmp_path / "src.docx"
    _risk_docx(src)
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "doc", "--outdir", str(tmp_path), str(src)],
                   check=False, capture_output=True, timeout=180)
    made = tmp_path / "src.doc"
    if not made.exists():
        pytest.skip("LibreOffice could not write a .doc here")
    p = tmp_path / "风险 台账.doc"  # a name with a space and Chinese characters
    made.rename(p)
    doc = parse_file(p)
    assert doc.status == "ok", doc.errors
    assert doc.source.path == str(p) and doc.source.format == "doc" and doc.source.converted_from == "doc"
    assert doc.source.size == p.stat().st_size and doc.source.sha256 == file_sha256(str(p))
    want = parse_file(src).tables()[0].grid(filled=True)
    (t,) = doc.tables()
    assert t.grid(filled=True) == want
    assert t.grid(filled=True)[2][0] == "办公室"  # the vertical merge survived the round trip
    assert [b.text for b in doc.blocks if b.table is None] == ["廉政风险点及防控措施"]
    locs = [b.loc.file for b in doc.blocks] + [c.loc.file for c in t.cells]
    assert set(locs) == {str(p)}  # no temporary path leaks into locations


def test_ole2_garbage_doc_fails_cleanly(tmp_path: Path, soffice: str) -> None:
    p = tmp_path / "broken.doc"
    p.write_bytes(OLE2 + b"\x00" * 3000)
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "convert_failed"
    assert str(p) in doc.errors[0].message
