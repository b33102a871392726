"""The parse-stage fast paths against the plain behaviour they stand for.

- ``pipeline.guards.zipguard._small_member``: a small member read from the archive's file in
  one step must give exactly what ``zipfile``'s ``open().read()`` gives, and must decline
  (None) whenever zipfile would fail, so that zipfile's error is the one reported.
- ``pipeline.parse.docx._Walker._table_texts``: the single-stream reading of a plain table
  must give the rows of the element-by-element walk, or refuse the table.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.guards import zipguard
from pipeline.preflight import Limits

_LIMIT = 64 * 1024


def _archive(members: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, method in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def _zipfile_read(z: zipfile.ZipFile, name: str, limit: int) -> tuple[str, Any]:
    """What zipfile gives for ``open(name).read(limit + 1)``: ("ok", bytes) or ("error", type)."""
    try:
        with z.open(name) as fh:
            return "ok", fh.read(limit + 1)
    except Exception as e:  # every failure counts: the fast path must leave it to zipfile
        return "error", type(e)


def _damage(raw: bytes, where: int, value: int) -> bytes:
    out = bytearray(raw)
    if out:
        out[where % len(out)] = value
    return bytes(out)


_DATA = st.one_of(st.binary(max_size=300),
                  st.text(alphabet="<?xml 风险点防控 />", max_size=200).map(str.encode),
                  st.integers(0, 70_000).map(lambda n: (b"<a>" + b"x" * n)[:n]))


@settings(max_examples=200, deadline=None)
@given(data=_DATA, method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
       damage=st.one_of(st.none(), st.tuples(st.integers(0, 10_000), st.integers(0, 255))),
       limit=st.sampled_from([_LIMIT, 100, 4096]))
def test_small_member_equals_zipfile(data: bytes, method: int, damage: tuple[int, int] | None, limit: int) -> None:
    raw = _archive([("word/styles.xml", data, method), ("b.xml", b"<b/>", zipfile.ZIP_DEFLATED)])
    if damage is not None:  # any byte of the package, local headers and streams included
        raw = _damage(raw, *damage)
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
    except Exception:  # (BadZipFile, NotImplementedError for "multiple disks" …)
        return  # check_ooxml never gets that far either
    with z:
        for name in ("word/styles.xml", "b.xml"):
            fast = zipguard._small_member(z, name, limit)
            plain = _zipfile_read(z, name, limit)
            if fast is not None:
                assert plain == ("ok", fast)
            if damage is None and len(data if name != "b.xml" else b"<b/>") <= limit:
                assert fast is not None  # an intact small member takes the fast path


def test_small_member_declines_bad_local_header() -> None:
    raw = _archive([("a.xml", b"<a>" + b"y" * 500 + b"</a>", zipfile.ZIP_DEFLATED)])
    cases = {
        "signature": raw.replace(b"PK\x03\x04", b"PK\x03\x05", 1),
        "name": raw.replace(b"a.xml", b"b.xml", 1),  # the local header's copy of the name only
        "crc": raw.replace(struct.pack("<I", zlib.crc32(b"<a>" + b"y" * 500 + b"</a>")), b"\0\0\0\0"),
    }
    for what, damaged in cases.items():
        with zipfile.ZipFile(io.BytesIO(damaged)) as z:
            assert zipguard._small_member(z, "a.xml", _LIMIT) is None, what
            assert _zipfile_read(z, "a.xml", _LIMIT)[0] == "error", what


def _outcome(path: Path) -> tuple[str, str]:
    try:
        facts = zipguard.check_ooxml(path, "docx", Limits(), verify_data=False,
                                     checked_by_reader=("word/document.xml",))
    except InputError as e:
        return e.code, str(e)
    return "ok", ",".join(sorted(facts.names))


@settings(max_examples=120, deadline=None)
@given(styles=_DATA, method=st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
       damage=st.one_of(st.none(), st.tuples(st.integers(0, 10_000), st.integers(0, 255))),
       doctype=st.booleans())
def test_check_ooxml_same_with_and_without_fast_members(tmp_path_factory: pytest.TempPathFactory, styles: bytes,
                                                        method: int, damage: tuple[int, int] | None,
                                                        doctype: bool) -> None:
    head = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' if doctype else b'<?xml version="1.0"?>'
    raw = _archive([("[Content_Types].xml", b'<?xml version="1.0"?><Types/>', zipfile.ZIP_DEFLATED),
                    ("word/document.xml", b"<w:document/>", zipfile.ZIP_DEFLATED),
                    ("word/styles.xml", head + styles, method)])
    if damage is not None:
        raw = _damage(raw, *damage)
    path = tmp_path_factory.mktemp("z") / "d.docx"
    path.write_bytes(raw)
    fast = _outcome(path)
    zipguard._FAST_MEMBERS = False
    try:
        plain = _outcome(path)
    finally:
        zipguard._FAST_MEMBERS = True
    assert fast == plain
    if damage is None:
        assert fast[0] == ("xml_doctype" if doctype else "ok")


# -- plain tables ------------------------------------------------------------------------------

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = f'xmlns:w="{_W_NS}" xmlns:x="urn:example:not-word"'


def _table(body: str) -> Any:
    from lxml import etree

    root = etree.fromstring(f"<w:document {_NS}><w:body>{body}</w:body></w:document>".encode())
    return root.find(f".//{{{_W_NS}}}tbl")


def _walker() -> Any:
    from pipeline.parse import docx as D

    return D._Walker(D._Styles(None), D.Numbering(None, {}))


def _cells(t: Any) -> list[list[Any]]:
    from pipeline.parse import docx as D

    return [[*c[:D._TABLES], list(c[D._TABLES])] for c in t.cells]


def _walked(body: str) -> Any:
    from pipeline.parse import docx as D

    D._FAST = False
    try:
        return _walker().table(_table(body), None)
    finally:
        D._FAST = True


_P = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"
_ROW = "<w:tr><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>" + _P.format("甲") + "</w:tc>{}</w:tr>"


@pytest.mark.parametrize("cell,taken", [
    ("<w:tc>" + _P.format("乙") + _P.format("丙") + "</w:tc>", True),
    ('<w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p/>' + _P.format("丁") + "</w:tc>", True),
    ('<w:tc><w:tcPr><w:hMerge w:val="continue"/></w:tcPr>' + _P.format("戊") + "</w:tc>", True),
    ("<w:tc><w:p><w:r><w:t>一</w:t><w:t>二</w:t></w:r><w:r><w:t/></w:r></w:p></w:tc>", True),
    ("<x:wrap><w:tc><w:p/></w:tc></x:wrap>", False),  # a cell outside its row
    ("<w:tc>" + _P.format("己") + "<w:tcPr><w:vMerge/></w:tcPr></w:tc>", False),  # tcPr out of place
    ("<w:tc><x:wrap>" + _P.format("庚") + "</x:wrap></w:tc>", False),  # a paragraph outside its cell
    ("<w:tc><w:p><x:wrap><w:r><w:t>辛</w:t></w:r></x:wrap></w:p></w:tc>", False),
    ("<w:tc><w:p><w:r><x:wrap><w:t>壬</w:t></x:wrap></w:r></w:p></w:tc>", False),
    ("<w:tc><x:props><w:vMerge/></x:props><w:p/></w:tc>", False),
])
def test_table_texts_equals_walk(cell: str, taken: bool) -> None:
    """Taken or refused as expected; when taken, the same cells as the walk."""
    body = "<w:tbl>" + _ROW.format(cell) + _ROW.replace('w:val="restart"', "").format(cell) + "</w:tbl>"
    w = _walker()
    fast = w._plain_table(_table(body), None)
    assert (fast is not None) == taken
    if fast is not None:
        walked = _walked(body)
        assert (fast.n_rows, fast.n_cols, _cells(fast)) == (walked.n_rows, walked.n_cols, _cells(walked))
        assert fast.cells[0][4].startswith("甲")  # the texts were read
    else:
        assert w.table_count == 0
