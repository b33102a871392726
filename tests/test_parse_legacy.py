"""Legacy formats through LibreOffice, and the encrypted-OOXML check on OLE2 files."""

from __future__ import annotations

import os
import stat
import struct
import subprocess
import time
from pathlib import Path

import pytest

from pipeline.errors import ConverterMissing, InputError
from pipeline.ids import file_sha256
from pipeline.parse import legacy, parse_file

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A small but valid compound file (512-byte sectors): sector 0 the FAT, then the
    directory, then each stream padded to 4 KiB so that it lives in regular sectors."""
    names = list(streams)
    datas = [streams[n].ljust(4096, b"\x00") for n in names]
    n_dir = (len(names) + 1 + 3) // 4  # four 128-byte entries per sector
    fat = [_FAT] + [*range(2, n_dir + 1), _END]
    starts = []
    for d in datas:
        first, k = len(fat), len(d) // 512
        starts.append(first)
        fat += [*range(first + 1, first + k), _END]
    fat += [_FREE] * (128 - len(fat))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le")
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", _FREE, right, child) + bytes(36) + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, _FREE, 1 if names else _FREE, _END, 0)]
    for i, (start, d) in enumerate(zip(starts, datas, strict=True), start=1):
        entries.append(entry(names[i - 1], 2, i + 1 if i < len(names) else _FREE, _FREE, start, len(d)))
    directory = b"".join(entries).ljust(n_dir * 512, b"\x00")
    header = (OLE2 + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)
    return header + struct.pack("<128I", *fat) + directory + b"".join(datas)


def _word(encrypted: bool = False) -> bytes:
    """A .doc: a WordDocument stream starting with a FIB (fEncrypted is bit 8 of the flags)."""
    fib = struct.pack("<HHHHHH", 0xA5EC, 0xC1, 0, 0x0804, 0, 0x0100 if encrypted else 0x0200)
    return _cfb({"WordDocument": fib, "1Table": bytes(16)})


def _excel(encrypted: bool = False) -> bytes:
    """An .xls: the Workbook stream's BOF record, then FILEPASS (0x002F) when encrypted."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 5, 0, 0, 0, 0)
    filepass = struct.pack("<HHH", 0x002F, 2, 1) if encrypted else struct.pack("<HH", 0x00E1, 0)
    return _cfb({"Workbook": bof + filepass})


_OOXML_LOCKED = _cfb({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": bytes(64)})


@pytest.mark.parametrize(
    "data, ooxml, legacy_locked",
    [
        (_OOXML_LOCKED, True, False),
        (_word(), False, False),
        (_word(encrypted=True), False, True),
        (_excel(), False, False),
        (_excel(encrypted=True), False, True),
        (b"PK\x03\x04" + "EncryptedPackage".encode("utf-16-le"), False, False),  # not OLE2 at all
        (OLE2 + bytes(100), False, False),  # truncated header
    ],
)
def test_ole_encryption_checks(tmp_path: Path, data: bytes, ooxml: bool, legacy_locked: bool) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    assert legacy.ole_is_encrypted_ooxml(p) is ooxml
    assert legacy.ole_legacy_encrypted(p) is legacy_locked


def test_damaged_ole2_container(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legacy, "converter", lambda: pytest.fail("the converter must not run"))
    p = tmp_path / "broken.doc"
    p.write_bytes(OLE2 + b"\x00" * 3000)  # the magic, then nothing a directory could be read from
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "corrupt_ole"
    assert str(p) in doc.errors[0].message


@pytest.mark.parametrize("name, data", [("locked.doc", _word(True)), ("locked.xls", _excel(True))])
def test_encrypted_legacy_files_never_reach_the_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          name: str, data: bytes) -> None:
    monkeypatch.setattr(legacy, "converter", lambda: pytest.fail("the converter must not run"))
    p = tmp_path / name
    p.write_bytes(data)
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "encrypted"
    assert str(p) in doc.errors[0].message and "password" in doc.errors[0].message


def test_encrypted_docx_is_reported_by_the_dispatcher(tmp_path: Path) -> None:
    p = tmp_path / "locked.docx"
    p.write_bytes(_OOXML_LOCKED)
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "encrypted"
    assert str(p) in doc.errors[0].message


def test_missing_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "old.doc"
    p.write_bytes(_word())
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
    p.write_bytes(_word())
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
    p.write_bytes(_word())
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
    assert not legacy.ole_legacy_encrypted(p)
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


def test_unreadable_word_stream_fails_cleanly(tmp_path: Path, soffice: str) -> None:
    p = tmp_path / "noise.doc"
    p.write_bytes(_cfb({"WordDocument": bytes(range(256)) * 8, "1Table": bytes(512)}))
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "convert_failed"
    assert str(p) in doc.errors[0].message and "LibreOffice" in doc.errors[0].message
