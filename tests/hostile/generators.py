"""Hostile and broken inputs, built in memory at test time (nothing hostile is committed).

Every builder returns ``bytes`` (or writes into a folder it is given) and is fast: the
largest file written is the ~4 MB zip bomb. The ZIP, PDF and OLE2 writers are deliberately
low-level so that a case can lie exactly where it needs to (declared sizes, names, methods,
cross-reference offsets) while everything else stays well formed.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

# ----------------------------------------------------------------------------------- ZIP ---


@dataclass
class ZipMember:
    """One archive member exactly as it will be stored: ``payload`` is already compressed."""

    name: bytes
    payload: bytes
    method: int = 0
    usize: int = 0
    crc: int = 0
    flags: int = 0


def member(name: str | bytes, content: bytes, method: int = 8) -> ZipMember:
    """A well-formed member holding ``content`` (deflated by default)."""
    raw = name.encode("utf-8") if isinstance(name, str) else name
    if method == 8:
        co = zlib.compressobj(6, zlib.DEFLATED, -15)
        payload = co.compress(content) + co.flush()
    else:
        payload = content
    return ZipMember(raw, payload, method, len(content), zlib.crc32(content), 0x800)


def build_zip(members: list[ZipMember]) -> bytes:
    """Write local headers, central directory and end record (Zip64 records when a size needs them)."""
    out = io.BytesIO()
    central = io.BytesIO()
    need64 = False
    for m in members:
        offset = out.tell()
        big = m.usize >= 0xFFFFFFFF or len(m.payload) >= 0xFFFFFFFF
        need64 |= big
        extra = struct.pack("<HHQQ", 1, 16, m.usize, len(m.payload)) if big else b""
        u32 = 0xFFFFFFFF if big else m.usize
        c32 = 0xFFFFFFFF if big else len(m.payload)
        version = 45 if big else 20
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, version, m.flags, m.method, 0, 0x21,
                              m.crc, c32, u32, len(m.name), len(extra)))
        out.write(m.name + extra + m.payload)
        cextra = struct.pack("<HHQQ", 1, 16, m.usize, len(m.payload)) if big else b""
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, m.flags,
                                  m.method, 0, 0x21, m.crc, c32, u32, len(m.name), len(cextra),
                                  0, 0, 0, 0, offset))
        central.write(m.name + cextra)
    cd_offset = out.tell()
    cd = central.getvalue()
    out.write(cd)
    n = len(members)
    if need64:
        z64_offset = out.tell()
        out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(cd), cd_offset))
        out.write(struct.pack("<IIQI", 0x07064B50, 0, z64_offset, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                          len(cd), cd_offset, 0))
    return out.getvalue()


_CONTENT_TYPES_DOCX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS_DOCX = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def document_xml(body: str, prolog: str = "") -> bytes:
    """A word/document.xml whose body is ``body`` (raw WordprocessingML), after ``prolog``."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + prolog
        + f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    ).encode("utf-8")


def para(text: str) -> str:
    from xml.sax.saxutils import escape

    return f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(text)}</w:t></w:r></w:p>"


def table_xml(rows: list[list[str]]) -> str:
    from xml.sax.saxutils import escape

    trs = "".join(
        "<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{escape(c)}</w:t></w:r></w:p></w:tc>" for c in row) + "</w:tr>"
        for row in rows
    )
    return f"<w:tbl>{trs}</w:tbl>"


def docx_from_parts(document: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal but valid .docx (content types, package rels, the main part, extras)."""
    parts = {"[Content_Types].xml": _CONTENT_TYPES_DOCX, "_rels/.rels": _RELS_DOCX,
             "word/document.xml": document}
    parts.update(extra or {})
    return build_zip([member(k, v) for k, v in parts.items()])


def simple_docx(paragraphs: list[str], rows: list[list[str]] | None = None) -> bytes:
    body = "".join(para(p) for p in paragraphs) + (table_xml(rows) if rows else "") + "<w:sectPr/>"
    return docx_from_parts(document_xml(body))


def _zeros_crc(n_mib: int) -> int:
    """CRC-32 of ``n_mib`` MiB of zero bytes without feeding them all through zlib.

    Feeding zeros is an affine map of the CRC register; compose the 1 MiB map with itself
    (square-and-multiply over 32×32 GF(2) matrices) to reach any multiple of 1 MiB.
    """
    chunk = bytes(1 << 20)

    def apply(m: tuple[list[int], int], c: int) -> int:
        cols, const = m
        r = const
        for i in range(32):
            if c >> i & 1:
                r ^= cols[i]
        return r

    def compose(a: tuple[list[int], int], b: tuple[list[int], int]) -> tuple[list[int], int]:
        # a after b
        const = apply(a, b[1])
        base = apply(a, 0)
        cols = [apply(a, b[0][i]) ^ base for i in range(32)]
        return cols, const

    c0 = zlib.crc32(chunk, 0)
    one = ([zlib.crc32(chunk, 1 << i) ^ c0 for i in range(32)], c0)
    result: tuple[list[int], int] = ([1 << i for i in range(32)], 0)
    power, n = one, n_mib
    while n:
        if n & 1:
            result = compose(power, result)
        power = compose(power, power)
        n >>= 1
    return apply(result, 0)


def zip_bomb_docx(gib: int = 4) -> bytes:
    """A ~4 MB .docx whose word/document.xml honestly inflates to ``gib`` GiB of zeros.

    Built from one deflated 1 MiB block repeated after full flushes (each flush resets the
    compressor's window, so every repeat compresses to identical bytes).
    """
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    first = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    tail = co.flush(zlib.Z_FINISH)
    n = gib * 1024
    payload = first + again * (n - 1) + tail
    bomb = ZipMember(b"word/document.xml", payload, 8, n << 20, _zeros_crc(n), 0)
    return build_zip([member("[Content_Types].xml", _CONTENT_TYPES_DOCX),
                      member("_rels/.rels", _RELS_DOCX), bomb])


def lying_bomb_docx() -> bytes:
    """Declares 64 KiB for word/document.xml but its deflate stream holds 256 MiB."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    payload = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    payload += again * 255 + co.flush(zlib.Z_FINISH)
    liar = ZipMember(b"word/document.xml", payload, 8, 65536, 0x12345678, 0)
    return build_zip([member("[Content_Types].xml", _CONTENT_TYPES_DOCX),
                      member("_rels/.rels", _RELS_DOCX), liar])


def ratio_bomb_docx(mib: int = 64) -> bytes:
    """Declared sizes under the caps, but a 1000:1 ratio (zeros) in a 64 MiB styles part."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = bytes(mib << 20)
    bomb = ZipMember(b"word/styles.xml", co.compress(data) + co.flush(), 8, len(data), zlib.crc32(data), 0)
    base = [member("[Content_Types].xml", _CONTENT_TYPES_DOCX), member("_rels/.rels", _RELS_DOCX),
            member("word/document.xml", document_xml(para("正文")))]
    return build_zip(base + [bomb])


def many_members_docx(n: int = 2500) -> bytes:
    base = [member("[Content_Types].xml", _CONTENT_TYPES_DOCX), member("_rels/.rels", _RELS_DOCX),
            member("word/document.xml", document_xml(para("正文")))]
    return build_zip(base + [member(f"word/media/x{i}.bin", b"x", method=0) for i in range(n)])


def docx_with_member(name: bytes, method: int = 8, flags: int = 0) -> bytes:
    """A valid .docx plus one extra member with a hostile name, method or flag bits."""
    extra = member(name, b"<x/>")
    if method != 8:
        extra = ZipMember(name, b"\x00" * 8, method, 4, zlib.crc32(b"<x/>"), 0)
    extra.flags |= flags
    base = [member("[Content_Types].xml", _CONTENT_TYPES_DOCX), member("_rels/.rels", _RELS_DOCX),
            member("word/document.xml", document_xml(para("正文")))]
    return build_zip(base + [extra])


BILLION_LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
              for i in range(1, 10))
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def billion_laughs_docx() -> bytes:
    return docx_from_parts(document_xml(para("&lol9;"), prolog=BILLION_LAUGHS))


def external_entity_docx() -> bytes:
    return docx_from_parts(document_xml(para("&xxe;"), prolog=EXTERNAL_ENTITY))


def utf16_doctype_docx() -> bytes:
    """The DOCTYPE hidden in a UTF-16 encoded part (a byte search for ASCII would miss it)."""
    text = document_xml(para("&xxe;"), prolog=EXTERNAL_ENTITY).decode("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return docx_from_parts(b"\xff\xfe" + text.encode("utf-16-le"))


def xlsx_with_doctype() -> bytes:
    """A real workbook (openpyxl) whose first sheet part gains an external-entity DOCTYPE."""
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["风险点", "防控措施"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    members = []
    for info in src.infolist():
        data = src.read(info)
        if info.filename == "xl/worksheets/sheet1.xml":
            decl_end = data.find(b"?>") + 2 if data.startswith(b"<?xml") else 0
            dtd = EXTERNAL_ENTITY.replace("w:document", "worksheet").encode()
            data = data[:decl_end] + dtd + data[decl_end:]
        members.append(member(info.filename, data))
    return build_zip(members)


def zip_without_office_parts() -> bytes:
    return build_zip([member("readme.txt", "不是 Office 文件".encode())])


# ----------------------------------------------------------------------------------- PDF ---


def build_pdf(objects: list[bytes], *, trailer: bytes = b"/Root 1 0 R", xref: str = "ok",
              header: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") -> bytes:
    """Objects numbered from 1; ``xref`` is ok | wrong (every offset off by 7) | none."""
    out = io.BytesIO()
    out.write(header)
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, body))
    start = out.tell()
    size = len(objects) + 1
    if xref != "none":
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for off in offsets:
            out.write(b"%010d 00000 n \n" % (off + (7 if xref == "wrong" else 0)))
    out.write(b"trailer\n<< /Size %d %s >>\n" % (size, trailer))
    out.write(b"startxref\n%d\n%%%%EOF\n" % (start if xref != "none" else 0))
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


def pdf_pages(contents: list[bytes | None], media: tuple[int, int] = (595, 842), xref: str = "ok") -> bytes:
    """One page per entry (``None``: a page with no content stream), Helvetica available as /F1."""
    n = len(contents)
    font_id = 3
    objs: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for c in contents:
        page_id = len(objs) + 1
        kids.append(page_id)
        if c is None:
            objs.append(b"<< /Type /Page /Parent 2 0 R >>")
        else:
            objs.append(b"<< /Type /Page /Parent 2 0 R /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (page_id + 1, font_id))
            objs.append(stream(c))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = b"<< /Type /Pages /Count %d /MediaBox [0 0 %d %d] /Kids [%s] >>" % (
        n, media[0], media[1], b" ".join(b"%d 0 R" % k for k in kids))
    return build_pdf(objs, xref=xref)


def text_stream(lines: list[str]) -> bytes:
    """Latin text lines with the standard Helvetica font (Chinese would need an embedded font)."""
    parts = [b"BT /F1 12 Tf 72 770 Td 14 TL"]
    for line in lines:
        esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")
        parts.append(b"(%s) Tj T*" % esc)
    parts.append(b"ET")
    return b"\n".join(parts)


def simple_pdf(lines: list[str] | None = None) -> bytes:
    return pdf_pages([text_stream(lines or ["Risk register", "1. approval without review"])])


def ruled_table_stream(rows: int, cols: int, x0: float = 72, y0: float = 700, w: float = 90,
                       h: float = 20, text: bool = True) -> bytes:
    """A ruled table drawn as lines (each cell's text in it), like a word processor's export."""
    parts = [b"0.5 w"]
    for r in range(rows + 1):
        y = y0 - r * h
        parts.append(b"%.2f %.2f m %.2f %.2f l S" % (x0, y, x0 + cols * w, y))
    for c in range(cols + 1):
        x = x0 + c * w
        parts.append(b"%.2f %.2f m %.2f %.2f l S" % (x, y0, x, y0 - rows * h))
    if text:
        parts.append(b"BT /F1 9 Tf")
        for r in range(rows):
            for c in range(cols):
                parts.append(b"1 0 0 1 %.2f %.2f Tm (r%dc%d) Tj" % (x0 + c * w + 3, y0 - (r + 1) * h + 6, r, c))
        parts.append(b"ET")
    return b"\n".join(parts)


def tiny_cells_stream(n: int = 200, size: float = 2.5) -> bytes:
    """An n×n grid of tiny cells, each stroked as its own rectangle (n² rects, 4n² edges)."""
    parts = [b"0.1 w"]
    for r in range(n):
        for c in range(n):
            parts.append(b"%.2f %.2f %.2f %.2f re S" % (20 + c * size, 20 + r * size, size, size))
    return b"\n".join(parts)


def grid_lines_stream(n: int = 1000, size: float = 0.5) -> bytes:
    """(n+1) horizontal and (n+1) vertical lines: n² cells from only 2n+2 strokes."""
    parts = [b"0.05 w"]
    for i in range(n + 1):
        parts.append(b"%.2f 20 m %.2f %.2f l S" % (20 + i * size, 20 + i * size, 20 + n * size))
        parts.append(b"20 %.2f m %.2f %.2f l S" % (20 + i * size, 20 + n * size, 20 + i * size))
    return b"\n".join(parts)


def self_referencing_pdf() -> bytes:
    """Catalog's /Pages is object 2, which is only a reference to 3, which refers back to 2."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"3 0 R", b"2 0 R"])


def self_referencing_length_pdf() -> bytes:
    """A page whose content stream's /Length is a reference cycle (4 → 5 → 4)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] /MediaBox [0 0 200 200] >>",
            b"<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>",
            b"5 0 R", b"4 0 R",
            b"<< /Length 4 0 R >>\nstream\nBT ET\nendstream"]
    return build_pdf(objs)


def page_tree_cycle_pdf() -> bytes:
    """/Pages whose /Kids contains itself."""
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Count 1 /Kids [2 0 R] >>"])


def encrypted_pdf() -> bytes:
    """A standard-security-handler /Encrypt dictionary (RC4 40-bit, user password unknown)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] /MediaBox [0 0 200 200] >>",
            b"<< /Type /Page /Parent 2 0 R >>",
            b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 "
            b"/O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>"]
    return build_pdf(objs, trailer=b"/Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff>"
                                   b"<00112233445566778899aabbccddeeff>]")


def no_pages_pdf() -> bytes:
    return build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count 0 /Kids [] >>"])


def broken_xref_pdf() -> bytes:
    """No cross-reference table at all and ``startxref 0``: readers must fall back to a scan."""
    return pdf_pages([text_stream(["broken cross references"])], xref="none")


def wrong_offsets_pdf() -> bytes:
    """Every cross-reference offset points 7 bytes past its object (pdfminer may recover)."""
    n_objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
              b"<< /Type /Pages /Count 1 /Kids [3 0 R] /MediaBox [0 0 595 842] >>",
              b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
              stream(text_stream(["wrong offsets"])),
              b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return build_pdf(n_objs, xref="wrong")


def garbage_pdf() -> bytes:
    """A PDF header followed by noise: no objects, no trailer."""
    return b"%PDF-1.7\n" + bytes(range(256)) * 8


# ---------------------------------------------------------------------------------- OLE2 ---

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def build_ole2(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (CFB v3, 512-byte sectors) holding ``streams`` in the root storage.

    Streams are padded to 4096 bytes so they live in regular sectors and no mini stream is
    needed. The directory is a flat right-leaning chain of siblings sorted as CFB requires
    (by name length, then upper-cased name).
    """
    names = sorted(streams, key=lambda s: (len(s), s.upper()))
    datas = [streams[n].ljust(4096, b"\x00") for n in names]
    n_entries = len(names) + 1
    dir_sectors = (n_entries * 128 + 511) // 512
    data_sectors = sum(len(d) // 512 for d in datas)
    total = 1 + dir_sectors + data_sectors  # one FAT sector (holds 128 entries)
    assert total <= 128, "keep generated compound files small"
    fat = [_FATSECT]
    fat += [i + 2 for i in range(dir_sectors - 1)] + [_END]
    starts = []
    sec = 1 + dir_sectors
    for d in datas:
        k = len(d) // 512
        starts.append(sec)
        fat += [sec + i + 1 for i in range(k - 1)] + [_END]
        sec += k
    fat += [_FREE] * (128 - len(fat))

    def entry(name: str, typ: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le")
        assert len(raw) <= 64
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), typ, 1)
                + struct.pack("<III", _FREE, right, child) + bytes(16) + bytes(4) + bytes(16)
                + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, 1 if names else _FREE, _FREE, _END, 0)]
    for i, (n, d) in enumerate(zip(names, datas, strict=True), start=1):
        entries.append(entry(n, 2, _FREE, i + 1 if i < len(names) else _FREE, starts[i - 1], len(d)))
    directory = b"".join(entries).ljust(dir_sectors * 512, b"\x00")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0))
    difat = struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108
    header = header + difat
    assert len(header) == 512
    fat_bytes = struct.pack("<128I", *fat)
    return header + fat_bytes + directory + b"".join(datas)


def encrypted_docx() -> bytes:
    """What Word writes for a password-protected .docx: OLE2 with EncryptionInfo + EncryptedPackage."""
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>"
    return build_ole2({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 4096) + bytes(64)})


def encrypted_doc() -> bytes:
    """A Word 97-2003 file whose FIB has fEncrypted set (a password-protected .doc)."""
    fib = struct.pack("<HHHHHH", 0xA5EC, 0xC1, 0, 0x0804, 0, 0x0100) + bytes(500)
    return build_ole2({"WordDocument": fib, "1Table": bytes(512)})


def fake_legacy_doc() -> bytes:
    """An OLE2 file with a WordDocument stream of noise (a .doc no converter can read)."""
    return build_ole2({"WordDocument": bytes(range(256)) * 4, "1Table": bytes(512)})


# ---------------------------------------------------------------------------------- text ---

RISK_LINES = ["一、岗位职责风险", "1.审批把关不严，存在优亲厚友现象。", "防控措施：严格执行集体研究制度。"]


def gb18030_text() -> bytes:
    return "\n".join(RISK_LINES).encode("gb18030")


def utf16_text(bom: bool = True) -> bytes:
    body = "\n".join(RISK_LINES).encode("utf-16-le")
    return (b"\xff\xfe" + body) if bom else body


def mixed_encoding_text() -> bytes:
    """UTF-8 lines with one GB18030 line in the middle (copy-paste between systems)."""
    return (RISK_LINES[0].encode("utf-8") + b"\n" + RISK_LINES[1].encode("gb18030") + b"\n"
            + RISK_LINES[2].encode("utf-8"))


def zero_width_fullwidth_text() -> bytes:
    """Zero-width spaces inside words, full-width digits and a BOM in the middle of a line."""
    return "风\u200b险\u200c点：１２个\ufeff，措施\u200d：ＡＢＣ".encode()


# --------------------------------------------------------------------------------- names ---

HOSTILE_NAMES = [
    "a;b$(touch pwned).docx",
    "line\nbreak.docx",
    "`touch pwned`.docx",
    "风险 点 & | > 台账.docx",
    "<script>alert(1)<\u2215script>.docx",
    "<img src=x onerror=alert(1)>.docx",
    "-rf --help.docx",
]


def non_utf8_name() -> bytes:
    """A GBK-encoded file name as a Windows zip or share would leave it (not valid UTF-8)."""
    return "风险台账".encode("gbk") + b".docx"


# ------------------------------------------------------------------------------ big tables ---

BIG_HEADER = ["序号", "科室", "风险点", "风险等级", "防控措施", "责任人"]


def big_row(i: int) -> list[str]:
    return [str(i + 1), f"第{i % 7 + 1}科", f"审批事项{i}把关不严", "一级" if i % 3 == 0 else "二级",
            f"1.集体研究第{i}号事项；2.全程留痕", "科长"]


def _xlsx_parts(sheet_xml: bytes) -> dict[str, bytes]:
    ns = "http://schemas.openxmlformats.org"
    return {
        "[Content_Types].xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            f'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            f'<sheet name="风险点台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet1.xml"/></Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }


def big_xlsx(n_rows: int) -> bytes:
    """A workbook with a header and ``n_rows`` rows of inline strings, written directly (fast)."""
    from xml.sax.saxutils import escape

    cols = "ABCDEF"
    out = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate([BIG_HEADER] + [big_row(i) for i in range(n_rows)], start=1):
        cells = "".join(f'<c r="{cols[k]}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
                        for k, v in enumerate(row))
        out.append(f'<row r="{r}">{cells}</row>')
    out.append("</sheetData></worksheet>")
    return build_zip([member(k, v) for k, v in _xlsx_parts("".join(out).encode()).items()])


def big_docx(n_rows: int) -> bytes:
    """A .docx with one ``n_rows``-row risk table (WordprocessingML written directly)."""
    rows = [BIG_HEADER] + [big_row(i) for i in range(n_rows)]
    return docx_from_parts(document_xml(para("风险点台账") + table_xml(rows) + "<w:sectPr/>"))


def xlsx_with_cells(rows: list[list[str]]) -> bytes:
    """A small workbook holding exactly these strings (for formula-injection cases)."""
    from xml.sax.saxutils import escape

    cols = "ABCDEFGHIJ"
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{cols[k]}{r}" t="inlineStr"><is><t xml:space="preserve">{escape(v)}'
                                   f"</t></is></c>" for k, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows, start=1))
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>').encode()
    return build_zip([member(k, v) for k, v in _xlsx_parts(sheet).items()])


def dev_files(pattern: str = "*"):
    """``tests/conftest.py``'s dev_files (loaded by path: the hostile folder has its own conftest)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("_lianfang_tests_conftest", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.dev_files(pattern)


def blank_pages_pdf(n: int = 5000) -> bytes:
    """``n`` pages with no content at all (~60 bytes each)."""
    return pdf_pages([None] * n)


def grid_page_pdf(n: int = 200, size: float = 4.0) -> bytes:
    """One page ruled into an n×n grid (n² cells from 2n+2 lines) with a line of text above it."""
    side = int(40 + n * size + 60)
    content = grid_lines_stream(n, size) + b"\n" + text_stream(["ruled page"]).replace(
        b"72 770 Td", b"30 %d Td" % (side - 30))
    return pdf_pages([content], media=(side, side))


def ruled_table_pdf(rows: int = 30, cols: int = 6) -> bytes:
    """A legitimate ruled table (what a word processor exports) with text in every cell."""
    return pdf_pages([ruled_table_stream(rows, cols, y0=800, h=24)])


def flate_bomb_pdf(mib: int = 64, good_checksum: bool = True) -> bytes:
    """A page whose FlateDecode content stream inflates to ``mib`` MiB of spaces.

    With ``good_checksum=False`` the zlib trailer is wrong, which sends pdfminer down its
    byte-at-a-time salvage path (quadratic in the output when unguarded).
    """
    co = zlib.compressobj(9, zlib.DEFLATED)
    chunk = b" " * (1 << 20)
    first = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(mib):
        adler = zlib.adler32(chunk, adler)
    tail = co.flush(zlib.Z_FINISH)[:-4] + struct.pack(">I", adler if good_checksum else adler ^ 1)
    data = first + again * (mib - 1) + tail
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] /MediaBox [0 0 200 200] >>",
            b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
            stream(data, b"/Filter /FlateDecode")]
    return build_pdf(objs)
