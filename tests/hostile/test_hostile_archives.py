"""ZIP and XML attacks on .docx/.xlsx: refused by name, before anything inflates."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import generators as gen
import pytest

from pipeline.errors import InputError
from pipeline.guards.xmlguard import check_prolog, openpyxl_is_defused, reject_doctype, safe_xml_parser
from pipeline.guards.zipguard import check_ooxml, check_zip
from pipeline.preflight import Limits


@pytest.fixture(scope="module")
def bomb_bytes() -> bytes:
    return gen.zip_bomb_docx(4)


def _member_case(name: bytes, method: int = 8, flags: int = 0):
    return lambda: gen.docx_with_member(name, method, flags)


# (id, builder, expected code, words the message must contain)
ARCHIVE_CASES = [
    ("honest-4GiB-bomb", None, "zip_bomb", ["word/document.xml", "4,096 MB"]),
    ("ratio-bomb", gen.ratio_bomb_docx, "zip_bomb", ["word/styles.xml", "1,029:1"]),
    ("lying-sizes", gen.lying_bomb_docx, "corrupt_zip", ["CRC"]),
    ("2503-members", gen.many_members_docx, "zip_too_many_members", ["2,503", "2,000"]),
    ("absolute-name", _member_case(b"/etc/cron.d/x"), "zip_bad_name", ["absolute"]),
    ("drive-name", _member_case(b"C:/x.xml"), "zip_bad_name", ["absolute"]),
    ("dotdot-name", _member_case(b"word/../../evil.xml"), "zip_bad_name", [".."]),
    ("backslash-name", _member_case(b"word\\evil.xml"), "zip_bad_name", ["backslash"]),
    ("nul-name", _member_case(b"word/a\x00.xml"), "zip_bad_name", ["NUL"]),
    ("duplicate-name", _member_case(b"WORD/document.xml"), "zip_bad_name", ["twice"]),
    ("bzip2-method", _member_case(b"word/x.xml", 12), "zip_bad_method", ["bzip2"]),
    ("lzma-method", _member_case(b"word/x.xml", 14), "zip_bad_method", ["lzma"]),
    ("aes-method", _member_case(b"word/x.xml", 99), "encrypted", ["encrypted"]),
    ("zipcrypto-flag", _member_case(b"word/x.xml", 8, 1), "encrypted", ["encrypted"]),
    ("no-office-parts", gen.zip_without_office_parts, "not_office", ["word/document.xml"]),
    ("billion-laughs", gen.billion_laughs_docx, "xml_doctype", ["word/document.xml", "DOCTYPE"]),
    ("external-entity", gen.external_entity_docx, "xml_doctype", ["word/document.xml", "DOCTYPE"]),
    ("utf16-doctype", gen.utf16_doctype_docx, "xml_doctype", ["word/document.xml"]),
    ("truncated-half", lambda: gen.simple_docx(["半截文件"] * 200)[: len(gen.simple_docx(["半截文件"] * 200)) // 2],
     "corrupt_zip", ["truncated"]),
]


@pytest.mark.parametrize("case,builder,code,words", ARCHIVE_CASES, ids=[c[0] for c in ARCHIVE_CASES])
def test_guard_refuses(write, bomb_bytes: bytes, case: str, builder, code: str, words: list[str]) -> None:
    p = write(f"{case}.docx", bomb_bytes if builder is None else builder())
    with pytest.raises(InputError) as ei:
        check_ooxml(p, "docx", Limits())
    assert ei.value.code == code, ei.value
    assert f"{case}.docx" in str(ei.value)
    for w in words:
        assert w in ei.value.reason


def test_xlsx_doctype_refused(write) -> None:
    p = write("t.xlsx", gen.xlsx_with_doctype())
    with pytest.raises(InputError) as ei:
        check_ooxml(p, "xlsx")
    assert ei.value.code == "xml_doctype" and "xl/worksheets/sheet1.xml" in ei.value.reason


def test_overlapping_members_refused(write) -> None:
    """Many central-directory entries pointing at one compressed stream (the overlap bomb)."""
    body = gen.member("word/document.xml", gen.document_xml(gen.para("x")))
    raw = gen.build_zip([gen.member("[Content_Types].xml", b"<Types/>"), body, gen.member("word/a.xml", b"<a/>")])
    z = zipfile.ZipFile(io.BytesIO(raw))
    target = z.getinfo("word/document.xml").header_offset
    cd = raw.rindex(b"PK\x01\x02")  # the last central entry (word/a.xml): point it at document.xml
    patched = raw[: cd + 42] + target.to_bytes(4, "little") + raw[cd + 46:]
    p = write("overlap.docx", patched)
    with pytest.raises(InputError) as ei:
        check_zip(p)
    assert ei.value.code == "zip_bomb" and "overlap" in ei.value.reason


@pytest.mark.parametrize("limits,ok", [(Limits(), True), (Limits(max_members=2), False),
                                       (Limits(max_total_mb=0.0001), False)])
def test_limits_are_honoured(write, limits: Limits, ok: bool) -> None:
    p = write("small.docx", gen.simple_docx(["正文"]))
    if ok:
        assert check_ooxml(p, "docx", limits).kind == "docx"
    else:
        with pytest.raises(InputError):
            check_ooxml(p, "docx", limits)


@pytest.mark.parametrize("path", gen.dev_files("*.docx") + gen.dev_files("*.xlsx"), ids=lambda p: p.name)
def test_real_office_files_pass(path: Path) -> None:
    kind = path.suffix[1:]
    facts = check_ooxml(path, kind)  # type: ignore[arg-type]
    assert facts.kind == kind and facts.total_usize > 0


def test_big_legitimate_workbook_passes(tmp_path: Path) -> None:
    p = tmp_path / "big.xlsx"
    p.write_bytes(gen.big_xlsx(50_000))
    facts = check_ooxml(p, "xlsx")
    assert facts.total_usize > 5 * 1024 * 1024  # a real ~10 MB sheet, well under every cap


# -- the XML guard on its own ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data,refused", [
    (b'<?xml version="1.0"?><a/>', False),
    (b'<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment --><a/>', True),  # the whole-part scan is strict
    (b"<a>&lt;!DOCTYPE is text here&lt;</a>", False),
    (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', True),
    (b'<?xml version="1.0"?><?pi stuff?><!doctype a><a/>', True),
    (b"\xef\xbb\xbf<!DOCTYPE a SYSTEM 'http://example.invalid/x.dtd'><a/>", True),
    ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.encode("utf-16"), True),
    ('<!DOCTYPE a><a/>'.encode("utf-16-be"), True),
    (b"<a><![CDATA[ <!ENTITY x 'y'> ]]></a>", True),  # conservative: any ENTITY bytes are refused
])
def test_reject_doctype(data: bytes, refused: bool) -> None:
    if refused:
        with pytest.raises(InputError) as ei:
            reject_doctype(data, "word/document.xml", "x.docx")
        assert ei.value.code == "xml_doctype" and "x.docx" in str(ei.value)
    else:
        reject_doctype(data, "word/document.xml", "x.docx")


def test_prolog_walk_skips_comments_and_instructions() -> None:
    check_prolog(b'<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment --><?pi x?>\n<a/>', "p.xml")
    with pytest.raises(InputError):
        check_prolog(b'<?xml version="1.0"?><!-- c --><!DOCTYPE a><a/>', "p.xml")


def test_long_prolog_is_refused_when_incomplete() -> None:
    head = b"<?xml version='1.0'?><!--" + b"x" * 70_000
    with pytest.raises(InputError, match="prolog longer"):
        check_prolog(head, "p.xml", limit=65_536)


def test_safe_parser_does_not_expand_or_fetch(tmp_path: Path) -> None:
    from lxml import etree

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = f'<!DOCTYPE a [<!ENTITY s SYSTEM "file://{secret}"><!ENTITY l "lol">]><a>&s;&l;</a>'.encode()
    root = etree.fromstring(xml, safe_xml_parser())
    assert "TOP-SECRET" not in etree.tostring(root).decode()
    assert "lollol" not in (root.text or "")
    with pytest.raises(ValueError):
        safe_xml_parser(resolve_entities=True)


def test_openpyxl_uses_defusedxml() -> None:
    assert openpyxl_is_defused(), "openpyxl.DEFUSEDXML is False: install defusedxml"


# -- through the parser, under hard limits ------------------------------------------------------------------------

PARSE_CASES = [
    ("bomb.docx", None, "zip_bomb"),
    ("ratio.docx", gen.ratio_bomb_docx, "zip_bomb"),
    ("liar.docx", gen.lying_bomb_docx, "corrupt_zip"),
    ("members.docx", gen.many_members_docx, "zip_too_many_members"),
    ("laughs.docx", gen.billion_laughs_docx, "xml_doctype"),
    ("xxe.docx", gen.external_entity_docx, "xml_doctype"),
    ("xxe.xlsx", gen.xlsx_with_doctype, "xml_doctype"),
    ("names.docx", _member_case(b"../../evil.xml"), "zip_bad_name"),
    ("method.docx", _member_case(b"word/x.xml", 12), "zip_bad_method"),
    ("plainzip.docx", gen.zip_without_office_parts, "not_office"),
    ("locked.docx", gen.encrypted_docx, "encrypted"),
    ("locked.xlsx", gen.encrypted_docx, "encrypted"),
    ("locked.doc", gen.encrypted_doc, "encrypted"),
]


@pytest.mark.parametrize("name,builder,code", PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_file_refuses_within_bounds(write, parse_isolated, bomb_bytes: bytes, name: str, builder,
                                          code: str) -> None:
    p = write(name, bomb_bytes if builder is None else builder())
    out = parse_isolated(p, timeout=20, mem_mb=600)
    assert out.status == "failed", out.describe()
    assert out.codes[:1] == [code], out.describe()
    assert name in out.messages[0]
    assert out.seconds < 10 and out.grew_mb < 300, out.describe()
