"""Plain text parser for .txt/.md/.csv submissions (often GB18030 files saved by Windows Notepad).

Encoding is decided from the bytes, in this order: a BOM (UTF-32, UTF-8, UTF-16); NUL bytes that
all fall on one parity (UTF-16/UTF-32 without a BOM); strict UTF-8; UTF-8 lines mixed with lines
in another encoding (decoded line by line, reported ``mixed_encoding``); strict GB18030 (a
superset of GBK and GB2312); charset-normalizer as a last guess; and finally a line-by-line
decode that replaces the few undecodable bytes (reported ``undecodable_bytes``). A file that
decodes nowhere raises ``unknown_encoding``.

Blocks: every non-empty line is a paragraph (what these files hold: one paragraph per line);
short lines led by a 公文 enumerator are headings (signal ``enumerator``); ``#`` headings in
Markdown (signal ``style``); a run of two or more lines with the same number (≥2) of tabs or
pipes is a table.

:func:`classify_paragraph` and :func:`pick_title` are shared with the PDF parser, so that a
heading or title reads the same whatever the format.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

from pipeline.enumerators import heading_level_for, match_enumerator
from pipeline.errors import InputError
from pipeline.model import Block, Cell, Document, Loc, Table
from pipeline.normalise import with_raw

_log = logging.getLogger(__name__)

_HEADING_MAX = 40
_HEADING_MAX_DEEP = 25  # 1. （1） ① also number measures: stricter length for those levels
_TITLE_MAX = 60
_LIST_STYLES = frozenset({"arabic_dot", "arabic_paren", "circled", "cn_shi", "dotted"})
_MAX_BAD_LINE_SHARE = 0.2  # beyond this many undecodable lines the guess is not trusted
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_MD_RULE = re.compile(r"^\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?$")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


# -- shared with the PDF parser ------------------------------------------------------------------


def looks_like_heading(content: str, level: int, emphasised: bool = False) -> bool:
    """A short text after an enumerator, without sentence punctuation, reads as a heading."""
    c = content.strip()
    if not c:
        return False
    if emphasised and len(c) <= _HEADING_MAX * 2 and not c.endswith(("；", ";", "，", ",")):
        return True
    if len(c) > (_HEADING_MAX if level <= 2 else _HEADING_MAX_DEEP):
        return False
    if c.endswith(("。", "；", ";", "，", ",", "：", ":")) and not (c.endswith(("：", ":")) and level <= 2):
        return False
    return "。" not in c[:-1]  # "（一）加强领导。各单位要…" is a run-in heading inside body text


def classify_paragraph(block: Block, emphasised: bool = False) -> None:
    """Set kind, level, enumerator and signal of a prose block from a typed 公文 enumerator."""
    e = match_enumerator(block.text)
    if e is None:
        return
    block.enumerator = e.raw
    level = heading_level_for(e.style)
    if level is not None and looks_like_heading(block.text[e.end:], level, emphasised):
        block.kind, block.level, block.signal = "heading", level, "enumerator"
    elif e.style in _LIST_STYLES:
        block.kind = "list_item"


def pick_title(blocks: list[Block], emphasised: set[int] | None = None) -> str | None:
    """The title: among the first blocks before any table, a short paragraph that is not numbered,
    not a sentence and not a salutation (各科室：); an emphasised one (bold, larger) first."""
    cands: list[Block] = []
    for b in blocks[:10]:
        if b.kind == "table":
            break
        t = b.text
        if not t or len(t) > _TITLE_MAX or t.endswith(("。", "：", ":", "；", ";")):
            continue
        if b.kind == "heading" and b.signal in ("style", "layout") and match_enumerator(t) is None:
            return t
        if match_enumerator(t) is None:
            cands.append(b)
    for b in cands:
        if emphasised and b.index in emphasised:
            return b.text
    if cands:
        return cands[0].text
    return next((b.text for b in blocks if b.kind == "heading"), None)


# -- decoding --------------------------------------------------------------------------------------


def _nul_parity(data: bytes) -> list[str]:
    """Wide encodings without a BOM, by where the NUL bytes (ASCII, line breaks) fall."""
    sample = data[:65536]
    pos = [i for i, b in enumerate(sample) if b == 0]
    if len(pos) < 2:
        return []
    by4 = [sum(1 for i in pos if i % 4 == k) for k in range(4)]
    out: list[str] = []
    if len(data) % 4 == 0:
        if by4[0] == 0 and by4[2] and by4[3]:  # "A\0\0\0", "中" = 2D 4E 00 00
            out.append("utf-32-le")
        if by4[3] == 0 and by4[0] and by4[1]:
            out.append("utf-32-be")
    odd = by4[1] + by4[3]
    if odd >= 0.9 * len(pos):
        out.append("utf-16-le")
    elif odd <= 0.1 * len(pos):
        out.append("utf-16-be")
    return out


def _split_lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _plausible(text: str) -> bool:
    """Few control characters: a guessed decoding of real text, not of binary noise."""
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or 0x7F <= ord(ch) < 0xA0
              or ch == "\ufffd" or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad <= 0.02 * len(text)


def decode(data: bytes, path: Path | str = "<bytes>") -> tuple[str, str, list[tuple[str, str]]]:
    """``(text, encoding, problems)``: ``problems`` are ``(code, message)`` for partial decodes.

    Raises ``InputError(path, "unknown_encoding", …)`` when nothing fits.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc.replace("-sig", "")), enc, []
            except UnicodeDecodeError as e:
                raise InputError(path, "unknown_encoding",
                                 f"the file starts with a {enc} byte-order mark but is not valid {enc} "
                                 f"(byte {e.start + len(bom)})") from None
    for wide in _nul_parity(data):
        try:
            return data.decode(wide), wide, []
        except UnicodeDecodeError:
            _log.debug("%s: NUL pattern suggested %s but it does not decode", path, wide)
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    # UTF-8 lines among lines in another encoding (a file pasted together from two sources)
    lines = _split_lines(data)
    utf8_ok = bad = 0
    for ln in lines:
        if ln.isascii():
            continue
        try:
            ln.decode("utf-8")
            utf8_ok += 1
        except UnicodeDecodeError:
            bad += 1
    if utf8_ok and bad:
        out: list[str] = []
        broken: list[int] = []
        for i, ln in enumerate(lines, start=1):
            s, ok = _decode_line(ln)
            out.append(s)
            if not ok:
                broken.append(i)
        problems = [("mixed_encoding",
                     f"{path}: mixed encodings: {utf8_ok} line(s) in UTF-8 and {bad} in another encoding "
                     "(read as GB18030); check the text")]
        if broken:
            problems.append(("undecodable_bytes", f"{path}: undecodable bytes replaced on line(s) {_lines_desc(broken)}"))
        return "".join(out), "utf-8+gb18030", problems
    try:
        return data.decode("gb18030"), "gb18030", []
    except UnicodeDecodeError:
        pass
    # mostly GB18030 with a few broken bytes: keep the text, say where it was damaged
    out, broken = [], []
    for i, ln in enumerate(lines, start=1):
        s, ok = _decode_line(ln)
        out.append(s)
        if not ok:
            broken.append(i)
    text = "".join(out)
    nonblank = sum(1 for ln in lines if ln.strip()) or 1
    if len(broken) <= _MAX_BAD_LINE_SHARE * nonblank and _plausible(text.replace("\ufffd", "")):
        return text, "gb18030", [("undecodable_bytes",
                                  f"{path}: undecodable bytes replaced on line(s) {_lines_desc(broken)}")]
    guess = _charset_normalizer(data)
    if guess is not None:
        return guess[0], guess[1], []
    raise InputError(path, "unknown_encoding",
                     "the text encoding could not be recognised (tried UTF-8, GB18030, UTF-16/32 and "
                     "charset detection); save the file as UTF-8")


def _decode_line(ln: bytes) -> tuple[str, bool]:
    for enc in ("utf-8", "gb18030"):
        try:
            return ln.decode(enc), True
        except UnicodeDecodeError:
            continue
    return ln.decode("gb18030", errors="replace"), False


def _lines_desc(nums: list[int]) -> str:
    head = ", ".join(str(n) for n in nums[:10])
    return head + (f" and {len(nums) - 10} more" if len(nums) > 10 else "")


def _charset_normalizer(data: bytes) -> tuple[str, str] | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # optional: the fixed chain above covers Chinese government files
        return None
    best = from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    if not _plausible(text):
        return None
    return text, codecs.lookup(str(best.encoding)).name


# -- blocks ------------------------------------------------------------------------------------------


def _table_runs(lines: list[str], markdown: bool) -> list[tuple[int, int, str]]:
    """``(start, end, sep)`` runs of ≥2 consecutive lines split into the same number (≥2) of fields."""
    def fields(ln: str) -> tuple[int, str]:
        if "\t" in ln:
            return ln.count("\t") + 1, "\t"
        s = ln.strip()
        if s.count("|") >= 2 or (markdown and s.count("|") >= 1):
            return len(_pipe_fields(s)), "|"
        return 1, ""

    runs: list[tuple[int, int, str]] = []
    i = 0
    while i < len(lines):
        n, sep = fields(lines[i])
        if n < 2:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and (fields(lines[j]) == (n, sep) or (sep == "|" and _MD_RULE.match(lines[j].strip()))):
            j += 1
        if j - i >= 2:
            runs.append((i, j, sep))
            i = j
        else:
            i += 1
    return runs


def _pipe_fields(s: str) -> list[str]:
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return s.split("|")


def _make_table(rows: list[list[str]], index: int, block: int, file: str) -> Table:
    n_cols = max(len(r) for r in rows)
    cells: list[Cell] = []
    for r, row in enumerate(rows):
        for c in range(n_cols):
            text, raw = with_raw(row[c] if c < len(row) else "")
            cells.append(Cell(row=r, col=c, text=text, raw=raw, loc=Loc(file=file, table=index, row=r, col=c)))
    return Table(index=index, n_rows=len(rows), n_cols=n_cols, cells=cells,
                 loc=Loc(file=file, block=block, table=index))


def build_blocks(text: str, file: str, markdown: bool = False) -> list[Block]:
    """Blocks from decoded text: one paragraph per non-empty line, tables from tab/pipe runs."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    runs = {start: (end, sep) for start, end, sep in _table_runs(lines, markdown)}
    blocks: list[Block] = []
    n_tables = 0
    in_fence = False
    i = 0
    while i < len(lines):
        if i in runs and not in_fence:
            end, sep = runs[i]
            rows = [(ln.split("\t") if sep == "\t" else _pipe_fields(ln.strip())) for ln in lines[i:end]
                    if not (sep == "|" and _MD_RULE.match(ln.strip()))]
            tbl = _make_table(rows, n_tables, len(blocks), file)
            blocks.append(Block(index=len(blocks), kind="table", table=tbl,
                                loc=Loc(file=file, block=len(blocks), table=n_tables)))
            n_tables += 1
            i = end
            continue
        line = lines[i]
        i += 1
        if markdown and line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        norm, raw = with_raw(line)
        if not norm:
            continue
        b = Block(index=len(blocks), kind="paragraph", text=norm, raw=raw, loc=Loc(file=file, block=len(blocks)))
        m = _MD_HEADING.match(line.strip()) if markdown and not in_fence else None
        if m:
            b.text, b.raw = with_raw(m.group(2))
            b.kind, b.level, b.signal = "heading", len(m.group(1)), "style"
            e = match_enumerator(b.text)
            if e is not None:
                b.enumerator = e.raw
        elif not in_fence:
            classify_paragraph(b)
        blocks.append(b)
    return blocks


def parse(path: Path | str) -> Document:
    """Read a .txt/.md/.csv file; raises InputError when its encoding cannot be recognised."""
    from pipeline.parse import new_document

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    fmt = fmt if fmt in ("txt", "md", "csv") else "txt"
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(path, "unreadable", f"cannot read file: {e.strerror or e}") from None
    text, encoding, problems = decode(data, path)
    doc = new_document(path, fmt)
    doc.source.encoding = encoding
    for code, message in problems:
        doc.add_error("parse", code, message)
    if fmt == "csv":
        doc.blocks = _csv_blocks(text, str(path))
    else:
        doc.blocks = build_blocks(text, str(path), markdown=fmt == "md")
    doc.title = pick_title(doc.blocks)
    if not doc.blocks:
        doc.add_error("parse", "no_text", f"{path}: the file has no text")
    return doc


def _csv_blocks(text: str, file: str) -> list[Block]:
    import csv
    import io

    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|，")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(f.strip() for f in r)]
    if not rows:
        return []
    tbl = _make_table(rows, 0, 0, file)
    return [Block(index=0, kind="table", table=tbl, loc=Loc(file=file, block=0, table=0))]
