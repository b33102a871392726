"""PDF parser: pdfplumber text layer → paragraphs, headings and resolved tables.

What a submitted PDF usually is: a Word file printed by WPS, Word or LibreOffice. Its table
borders are drawn as lines, its text is a layer of positioned glyphs, and nothing says where a
paragraph or a cell line really ended. This module rebuilds that:

- one pass over each page: ``page.find_tables()`` once (ruled tables, the lines strategy), then
  the page's characters once, each sent either to the table cell whose rectangle holds it or to
  the free text;
- cell and paragraph lines are re-joined when the break was only the line width (the first
  unbreakable token of the next line would not have fitted), and kept as ``\\n`` otherwise;
- merged cells come from geometry: the grid is the set of all cell edges, and a rectangle that
  covers several bands gets row/col spans, so ``Table.grid(filled=True)`` fills them like the
  .docx parser does;
- a table broken over pages is stitched back into one: repeated header rows are dropped, a row
  split by the page break is joined, and a merged cell that runs on over the break keeps its
  origin;
- running headers/footers and page numbers are dropped, garbled and image-only pages reported.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from pipeline.enumerators import match_enumerator
from pipeline.errors import InputError
from pipeline.model import Block, Cell, Document, Loc, Table
from pipeline.normalise import with_raw
from pipeline.parse.text import classify_paragraph, pick_title

_log = logging.getLogger(__name__)

# -- tunables (points unless stated) -------------------------------------------------------
_EDGE_TOL = 1.5  # cell edges closer than this are one grid boundary
_STITCH_TOL = 3.0  # column boundaries of two page parts of a table must line up this closely
_WRAP_TOL = 1.5  # slack in "the next token would not have fitted"
_MARGIN_ZONE = 0.12  # top/bottom share of the page where running headers and footers live
_GARBLE_RATIO = 0.10  # a page whose glyphs are this share unreadable is reported garbled
_CAPTION_MAX = 50  # a longer paragraph above a table is body text, not its caption

_CID = re.compile(r"\(cid:\d+\)")
_PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|[-—–－―~～]*\s*\d+\s*[-—–－―~～]*"
    r"|\d+\s*/\s*\d+"
    r"|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)$",
    re.IGNORECASE,
)
_CONTINUED_CAPTION = re.compile(r"^[(（]?续表?[)）]?")
_SENTENCE_END = "。；;！？!?"
# line-breaking classes that glue to their neighbours (enough of UAX #14 for CJK text)
_NO_START = set("，。、；：？！）》」』】〕〉’”…—·%％,.;:?!)]}")
_NO_END = set("（《「『【〔〈‘“([{")
_QUOTES = set("\"'“”‘’")


# -- public helpers -----------------------------------------------------------------------------


def garble_ratio(texts: list[str]) -> float:
    """Share of glyphs that are unreadable: ``(cid:N)`` placeholders, U+FFFD, private-use code points.

    ``texts`` are the glyph texts of one page (pdfplumber gives ``(cid:123)`` for a glyph whose
    font has no Unicode mapping); whitespace does not count.
    """
    bad = total = 0
    for t in texts:
        if not t or t.isspace():
            continue
        if t.startswith("(cid:") and _CID.fullmatch(t):
            bad += 1
            total += 1
            continue
        for ch in _CID.sub("\ufffd", t):
            if ch.isspace():
                continue
            total += 1
            if ch == "\ufffd" or 0xE000 <= ord(ch) <= 0xF8FF:
                bad += 1
    return bad / total if total else 0.0


def is_page_number(text: str) -> bool:
    """True for the usual page-number lines: 第 3 页, - 3 -, —3—, 3/10, Page 3, 3."""
    return bool(_PAGE_NUMBER.match(text.strip()))


# -- geometry records -------------------------------------------------------------------------


@dataclass
class _Line:
    """One visual line of glyphs."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    lead: float  # width of the first unbreakable token: what would have to fit on the line above
    page: int = 0


@dataclass
class _PCell:
    row: int
    col: int
    rs: int
    cs: int
    x0: float
    x1: float
    lines: list[_Line] = field(default_factory=list)
    page: int = 0

    def text_key(self) -> str:
        return "".join("".join(ln.text.split()) for ln in self.lines)


@dataclass
class _PTable:
    """A table as found on one page, or (after stitching) over several pages."""

    page: int
    top: float
    bottom: float
    xs: list[float]
    n_rows: int
    cells: list[_PCell]
    pad: float
    pages: list[int] = field(default_factory=list)

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    def row_keys(self, r: int) -> list[str]:
        return [c.text_key() for c in sorted((c for c in self.cells if c.row == r), key=lambda c: c.col)]


# -- character → lines ----------------------------------------------------------------------


def _char_text(c: dict[str, Any]) -> str:
    t: str = c["text"]
    return "\ufffd" if t.startswith("(cid:") else t


def _lead_width(chars: list[dict[str, Any]]) -> float:
    """Width of the first token that line breaking would not cut (CJK char, Latin word, glued punctuation)."""
    j = 0
    n = len(chars)
    while j + 1 < n:
        a, b = chars[j]["text"], chars[j + 1]["text"]
        if b == " ":
            break
        glue = (
            (a.isascii() and b.isascii() and a.strip() and (a.isalnum() or b.isalnum()))
            or b in _NO_START
            or a in _NO_END
            or a in _QUOTES
            or b in _QUOTES
        )
        if not glue:
            break
        j += 1
    return float(chars[j]["x1"] - chars[0]["x0"])


def _make_line(chars: list[dict[str, Any]], page: int) -> _Line | None:
    chars.sort(key=lambda c: c["x0"])
    parts: list[str] = []
    kept: list[dict[str, Any]] = []
    prev: dict[str, Any] | None = None
    for c in chars:
        t = c["text"]
        if prev is not None:
            # glyphs printed twice for a fake bold
            if t == prev["text"] and abs(c["x0"] - prev["x0"]) < 0.5 and abs(c["top"] - prev["top"]) < 0.5:
                continue
            gap = c["x0"] - prev["x1"]
            if gap > 0.3 * max(c["size"], 1.0) and t != " " and prev["text"] != " ":
                parts.append(" ")
        parts.append(_char_text(c))
        kept.append(c)
        prev = c
    text = "".join(parts).strip()
    if not text:
        return None
    while kept and kept[0]["text"].isspace():
        kept.pop(0)
    while kept and kept[-1]["text"].isspace():
        kept.pop()
    sizes = Counter(round(float(c["size"]), 1) for c in kept)
    return _Line(
        text=text,
        x0=float(kept[0]["x0"]),
        x1=float(kept[-1]["x1"]),
        top=min(float(c["top"]) for c in kept),
        bottom=max(float(c["bottom"]) for c in kept),
        size=sizes.most_common(1)[0][0],
        bold=all("bold" in str(c.get("fontname", "")).lower() for c in kept),
        lead=_lead_width(kept),
        page=page,
    )


def _lines(chars: list[dict[str, Any]], page: int) -> list[_Line]:
    """Group glyphs into visual lines, top to bottom."""
    if not chars:
        return []
    chars = sorted(chars, key=lambda c: (c["top"], c["x0"]))
    out: list[_Line] = []
    cur: list[dict[str, Any]] = [chars[0]]
    cur_top = float(chars[0]["top"])
    for c in chars[1:]:
        if float(c["top"]) - cur_top > 0.5 * max(float(c["size"]), 1.0):
            ln = _make_line(cur, page)
            if ln is not None:
                out.append(ln)
            cur = [c]
            cur_top = float(c["top"])
        else:
            cur.append(c)
    ln = _make_line(cur, page)
    if ln is not None:
        out.append(ln)
    return out


def _is_wide(ch: str) -> bool:
    return not ch.isascii()


def _joiner(prev: _Line, nxt: _Line, left: float, right: float, cell: bool = False) -> str:
    """How two consecutive lines of one cell or paragraph join: "" (wrapped), " " or "\\n" (a real break).

    In a cell, a line that starts with an enumerator keeps its break even when the line above is
    full: items of a measure cell are usually one per line, and extraction splits on them.
    """
    fits = prev.x1 + nxt.lead <= right - _WRAP_TOL and (prev.x1 - prev.x0) + nxt.lead <= (right - left) - _WRAP_TOL
    if fits:
        return "\n"
    if cell and match_enumerator(nxt.text) is not None:
        return "\n"
    a, b = prev.text[-1], nxt.text[0]
    if not _is_wide(a) and not _is_wide(b) and a != "-":
        return " "  # a Latin word wrap ate the space
    if a in _SENTENCE_END and match_enumerator(nxt.text) is not None:
        return " "  # "…制度。 1.2分管…": the break fell on the space before the next item
    return ""


def _join(lines: list[_Line], left: float, right: float, cell: bool = False) -> str:
    if not lines:
        return ""
    parts = [lines[0].text]
    for a, b in pairwise(lines):
        parts.append(_joiner(a, b, left, right, cell))
        parts.append(b.text)
    return "".join(parts)


# -- one page ---------------------------------------------------------------------------------


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    i = bisect.bisect_left(bounds, v - _EDGE_TOL)
    return min(i, len(bounds) - 1)


def _build_table(tf: Any, page_no: int) -> tuple[_PTable, list[list[_PCell | None]], list[float]] | None:
    rects = [c for c in tf.cells if c is not None]
    if not rects:
        return None
    xs = _cluster([v for c in rects for v in (c[0], c[2])], _EDGE_TOL)
    ys = _cluster([v for c in rects for v in (c[1], c[3])], _EDGE_TOL)
    if len(xs) < 2 or len(ys) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    owner: list[list[_PCell | None]] = [[None] * n_cols for _ in range(n_rows)]
    cells: list[_PCell] = []
    for x0, top, x1, bottom in rects:
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        cell = _PCell(row=r0, col=c0, rs=r1 - r0, cs=c1 - c0, x0=float(x0), x1=float(x1), page=page_no)
        cells.append(cell)
        for r in range(r0, r1):
            for k in range(c0, c1):
                if owner[r][k] is None:
                    owner[r][k] = cell
    t = _PTable(page=page_no, top=float(tf.bbox[1]), bottom=float(tf.bbox[3]), xs=xs, n_rows=n_rows,
                cells=cells, pad=5.4, pages=[page_no])
    return t, owner, ys


@dataclass
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line]  # free text (outside tables)
    tables: list[_PTable]
    n_chars: int
    has_images: bool


def _read_page(page: Any, number: int, doc: Document, path: Path, limits: Any = None) -> _Page:
    width, height = float(page.width), float(page.height)
    found: list[Any] = []
    if limits is not None and _flooded(page, limits):
        # thousands of rulings (a grid background, a scanned form's vectors): pdfplumber's
        # table finder would run for minutes; read the page's text as paragraphs instead
        doc.add_error("parse", "table_finding_skipped",
                      f"{path}: page {number}: too many ruling lines to look for tables; "
                      "its text is read as paragraphs", loc=Loc(file=str(path), page=number))
    else:
        found = page.find_tables()
    tables: list[tuple[_PTable, list[list[_PCell | None]], list[float], tuple[float, float, float, float]]] = []
    for tf in found:
        x0, top, x1, bottom = tf.bbox
        # a frame round the whole page is a border, not a table
        if len(tf.cells) == 1 and (x1 - x0) * (bottom - top) > 0.5 * width * height:
            continue
        built = _build_table(tf, number)
        if built is not None:
            tables.append((*built, (float(x0), float(top), float(x1), float(bottom))))
    chars = page.chars
    texts = [c["text"] for c in chars]
    n_chars = sum(1 for t in texts if not t.isspace())
    ratio = garble_ratio(texts)
    if n_chars and ratio >= _GARBLE_RATIO:
        doc.add_error("parse", "garbled_page",
                      f"{path}: page {number}: text layer is garbled ({ratio:.0%} of glyphs have no "
                      "Unicode mapping); its text is unreliable", loc=Loc(file=str(path), page=number))
    free: list[dict[str, Any]] = []
    per_cell: dict[int, list[dict[str, Any]]] = {}
    for c in chars:
        cx = (c["x0"] + c["x1"]) / 2
        cy = (c["top"] + c["bottom"]) / 2
        for t, owner, ys, (bx0, btop, bx1, bbottom) in tables:
            if bx0 <= cx <= bx1 and btop <= cy <= bbottom:
                r = min(max(bisect.bisect_right(ys, cy) - 1, 0), t.n_rows - 1)
                k = min(max(bisect.bisect_right(t.xs, cx) - 1, 0), t.n_cols - 1)
                cell = owner[r][k]
                if cell is not None:
                    per_cell.setdefault(id(cell), []).append(c)
                else:
                    _log.debug("%s p%d: glyph %r in a table hole", path, number, c["text"])
                break
        else:
            free.append(c)
    out_tables: list[_PTable] = []
    for t, _owner, _ys, _bbox in tables:
        insets: list[float] = []
        for cell in t.cells:
            cell.lines = _lines(per_cell.get(id(cell), []), number)
            insets.extend(ln.x0 - cell.x0 for ln in cell.lines)
        if insets:
            t.pad = min(max(min(insets), 0.0), 15.0)
        out_tables.append(t)
    has_images = bool(page.images) or (not n_chars and bool(page.curves or page.rects))
    return _Page(number=number, width=width, height=height, lines=_lines(free, number),
                 tables=out_tables, n_chars=n_chars, has_images=has_images)


def _flooded(page: Any, limits: Any) -> bool:
    from pipeline.guards.pdfguard import too_many_rules

    return bool(too_many_rules(page, limits.max_page_edges, limits.max_page_cells))


# -- running headers, footers, page numbers ---------------------------------------------------------


def _drop_running_lines(pages: list[_Page], pitch: float) -> None:
    """Remove lines repeated at the same height on most pages, and page numbers near the margins.

    Only lines set apart from the body count: in the top or bottom margin zone, and separated
    from their neighbour by more than the usual line pitch (so a repetitive body line is safe).
    """
    def key(ln: _Line) -> str:
        return re.sub(r"\d+", "#", "".join(ln.text.split()))

    def candidates(p: _Page) -> list[_Line]:
        # at most the first two and the last two lines of a page, each set apart by a wide gap
        out: list[_Line] = []
        lines = p.lines
        for i, ln in enumerate(lines[:2]):
            nxt_top = lines[i + 1].top if i + 1 < len(lines) else p.height
            nxt_top = min([nxt_top] + [t.top for t in p.tables if t.top >= ln.bottom])
            if ln.top >= p.height * _MARGIN_ZONE or nxt_top - ln.bottom <= 2 * pitch + 0.5 * ln.size:
                break
            out.append(ln)
        for i in range(len(lines) - 1, max(len(lines) - 3, -1), -1):
            ln = lines[i]
            if ln in out:
                break
            prev_bottom = lines[i - 1].bottom if i > 0 else 0.0
            prev_bottom = max([prev_bottom] + [t.bottom for t in p.tables if t.bottom <= ln.top])
            if ln.bottom <= p.height * (1 - _MARGIN_ZONE) or ln.top - prev_bottom <= 2 * pitch + 0.5 * ln.size:
                break
            out.append(ln)
        return out

    cands = {p.number: candidates(p) for p in pages}
    counts: Counter[tuple[str, int]] = Counter()
    for p in pages:
        counts.update({(key(ln), round(ln.top / 4)) for ln in cands[p.number]})
    need = max(2, (len(pages) + 1) // 2)
    for p in pages:
        drop = {id(ln) for ln in cands[p.number]
                if is_page_number(ln.text) or (len(pages) >= 2 and counts[(key(ln), round(ln.top / 4))] >= need)}
        if drop:
            p.lines = [ln for ln in p.lines if id(ln) not in drop]


# -- stitching tables over page breaks ----------------------------------------------------------------


def _map_columns(t: _PTable, u: _PTable) -> list[int] | None:
    """Index in ``t.xs`` of every boundary of ``u.xs``, or None if they do not line up."""
    if abs(t.xs[0] - u.xs[0]) > _STITCH_TOL or abs(t.xs[-1] - u.xs[-1]) > _STITCH_TOL:
        return None
    out: list[int] = []
    for x in u.xs:
        i = min(range(len(t.xs)), key=lambda j: abs(t.xs[j] - x))
        if abs(t.xs[i] - x) > _STITCH_TOL or (out and i <= out[-1]):
            return None
        out.append(i)
    return out


_INT = re.compile(r"^\d{1,4}$")


def _key_column(t: _PTable, header_rows: int) -> bool:
    """Whether column 0 numbers the records (序号): mostly integers, one per origin cell."""
    vals = [c.text_key() for c in t.cells if c.col == 0 and c.row >= header_rows]
    if len(vals) < 2:
        return False
    return sum(1 for v in vals if _INT.match(v)) >= 0.6 * len(vals)


def _header_rows(t: _PTable, u: _PTable) -> int:
    """How many leading rows of ``u`` repeat the leading rows of ``t`` (the repeated table header)."""
    k = 0
    while k < min(3, u.n_rows - 1, t.n_rows):
        a, b = t.row_keys(k), u.row_keys(k)
        if not a or a != b or not any(a):
            break
        k += 1
    return k


def _last_wrapped(a: _PCell, b: _PCell, pad: float) -> bool:
    """The text of ``a`` ran to the edge of its cell and on into ``b`` (a row split by the page break)."""
    if not a.lines or not b.lines:
        return False
    last = a.lines[-1]
    if last.text[-1] in _SENTENCE_END:
        return False
    return _joiner(last, b.lines[0], a.x0 + pad, a.x1 - pad) != "\n"


def _stitch(t: _PTable, u: _PTable) -> bool:
    """Append ``u`` (the next page's part) to ``t`` in place; False if ``u`` is not a continuation."""
    cmap = _map_columns(t, u)
    if cmap is None:
        return False
    h = _header_rows(t, u)
    if h == 0 and len(u.xs) != len(t.xs):
        return False
    last = t.n_rows - 1
    first = [c for c in u.cells if c.row == h]
    if not first:
        return False

    def tcol(c: _PCell) -> tuple[int, int]:
        return cmap[c.col], cmap[c.col + c.cs] - cmap[c.col]

    has_key = _key_column(t, h)
    # the cell covering each grid column in the last row so far (one pass over the cells)
    below: dict[int, _PCell] = {}
    for c in t.cells:
        if c.row <= last < c.row + c.rs:
            for k in range(c.col, c.col + c.cs):
                below[k] = c
    split = False
    new_record = False
    for b in first:
        col, cs = tcol(b)
        a = below.get(col)
        if a is None:
            continue
        btext = b.text_key()
        if col == 0 and has_key:
            if btext and _INT.match(btext):
                new_record = True
            elif not btext and a.row == last and a.text_key():
                split = True  # the number column is empty only when the row itself goes on
        if btext and a.text_key() and _last_wrapped(a, b, t.pad):
            split = True
    if new_record:
        split = False

    starts = sorted({c.row for c in t.cells if c.col == 0}) if has_key else []
    grouping_cache: dict[int, bool] = {}

    def grouping(col: int) -> bool:
        # a column whose merged cells span several numbered records (科室, 责任领导)
        if not has_key:
            return False
        if col not in grouping_cache:
            grouping_cache[col] = any(
                c.col == col and c.rs > 1 and bisect.bisect_right(starts, c.row) < len(starts)
                and starts[bisect.bisect_right(starts, c.row)] < c.row + c.rs
                for c in t.cells)
        return grouping_cache[col]

    base = last if split else last + 1
    added_rows = u.n_rows - h - (1 if split else 0)
    for c in u.cells:
        if c.row < h:
            continue  # the repeated header
        col, cs = tcol(c)
        row = base + (c.row - h)
        if c.row == h:
            a = below.get(col)
            if a is not None and a.col == col and a.cs == cs:
                empty = not c.text_key()
                # an empty cell under a merged value: the merge runs on, unless this is a new
                # record and the column merges only within records (then it is a real gap)
                cont = split or (empty and a.text_key() != "" and
                                 (c.rs > 1 or grouping(col) or (a.rs > 1 and not new_record)))
                if cont:
                    a.lines.extend(c.lines)
                    a.rs = max(a.rs, row + c.rs - a.row)
                    continue
        t.cells.append(_PCell(row=row, col=col, rs=c.rs, cs=cs, x0=c.x0, x1=c.x1, lines=c.lines, page=c.page))
    t.n_rows += added_rows
    t.bottom = u.bottom
    t.pages.append(u.page)
    return True


# -- blocks -------------------------------------------------------------------------------------------


@dataclass
class _Para:
    lines: list[_Line]
    left: float
    right: float


def _to_table(t: _PTable, index: int, block: int, file: str) -> Table:
    cells: list[Cell] = []
    for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
        raw = _join(c.lines, c.x0 + t.pad, c.x1 - t.pad, cell=True)
        text, rawkeep = with_raw(raw)
        cells.append(Cell(row=c.row, col=c.col, row_span=c.rs, col_span=c.cs, text=text, raw=rawkeep,
                          loc=Loc(file=file, page=c.page, table=index, row=c.row, col=c.col)))
    return Table(index=index, n_rows=t.n_rows, n_cols=t.n_cols, cells=cells, pages=list(t.pages),
                 loc=Loc(file=file, page=t.page, block=block, table=index))


def _body_size(pages: list[_Page]) -> float:
    sizes: Counter[float] = Counter()
    for p in pages:
        for ln in p.lines:
            sizes[ln.size] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _text_edges(pages: list[_Page]) -> dict[int, tuple[float, float]]:
    """Left and right edge of the body text for each page width (portrait and landscape differ)."""
    out: dict[int, tuple[float, float]] = {}
    for p in pages:
        key = round(p.width)
        for ln in p.lines:
            lo, hi = out.get(key, (ln.x0, ln.x1))
            out[key] = (min(lo, ln.x0), max(hi, ln.x1))
    return out


def _paragraph_break(prev: _Line, ln: _Line, left: float, right: float, pitch: float) -> bool:
    if abs(prev.size - ln.size) > 1.0 or prev.bold != ln.bold:
        return True
    if ln.page == prev.page and ln.top - prev.bottom > max(pitch, 0.0) + 0.6 * ln.size:
        return True
    if ln.x0 > left + 0.8 * ln.size:  # first-line indent starts a paragraph
        return True
    return _joiner(prev, ln, left, right) == "\n"


def _assemble(pages: list[_Page], doc: Document, file: str) -> None:
    body = _body_size(pages)
    edges = _text_edges(pages)
    pitch = _pitch(pages)
    larger = sorted({ln.size for p in pages for ln in p.lines if ln.size >= body + 1.5}, reverse=True)
    blocks: list[Block] = []
    tables: list[_PTable] = []
    pending: _Para | None = None
    last_kind = ""  # "para" | "table" | "" (what the previous element was)
    open_table: _PTable | None = None
    caption: str | None = None
    emphasised: set[int] = set()

    def flush() -> None:
        nonlocal pending, caption
        if pending is None:
            return
        raw = _join(pending.lines, pending.left, pending.right)
        text, rawkeep = with_raw(raw)
        pending_lines = pending.lines
        pending = None
        if not text:
            return
        first = pending_lines[0]
        b = Block(index=len(blocks), kind="paragraph", text=text, raw=rawkeep,
                  loc=Loc(file=file, page=first.page, block=len(blocks)))
        bold = all(ln.bold for ln in pending_lines)
        classify_paragraph(b, emphasised=bold)
        if b.kind == "paragraph" and first.size in larger and len(text) <= 60 and len(pending_lines) <= 2:
            b.kind, b.level, b.signal = "heading", larger.index(first.size) + 1, "layout"
        if bold or first.size in larger:
            emphasised.add(b.index)
        blocks.append(b)
        caption = text if len(text) <= _CAPTION_MAX and not text.endswith(("。", "；", ";")) else None

    def close_table() -> None:
        nonlocal open_table
        if open_table is None:
            return
        idx = len(tables)
        tables.append(open_table)
        tbl = _to_table(open_table, idx, len(blocks), file)
        tbl.title = open_table_caption
        blocks.append(Block(index=len(blocks), kind="table", table=tbl,
                            loc=Loc(file=file, page=open_table.page, block=len(blocks), table=idx)))
        open_table = None

    open_table_caption: str | None = None
    prev_line: _Line | None = None
    for p in pages:
        seen = False  # anything but a "续表" caption on this page yet
        left, right = edges.get(round(p.width), (0.0, p.width))
        elems: list[tuple[float, int, Any]] = [(ln.top, 0, ln) for ln in p.lines]
        elems += [(t.top, 1, t) for t in p.tables]
        elems.sort(key=lambda e: (e[0], e[1]))
        for i, (_top, kind, obj) in enumerate(elems):
            if kind == 1:
                first_here = not seen
                seen = True
                t: _PTable = obj
                # the same table going on at the top of the next page
                if (open_table is not None and last_kind == "table" and first_here
                        and t.page == open_table.pages[-1] + 1 and _stitch(open_table, t)):
                    continue
                flush()
                close_table()
                open_table = t
                open_table_caption = caption
                caption = None
                last_kind = "table"
                continue
            ln: _Line = obj
            if (open_table is not None and last_kind == "table" and not seen and _CONTINUED_CAPTION.match(ln.text)
                    and len(ln.text) <= 20 and i + 1 < len(elems) and elems[i + 1][1] == 1):
                continue  # "续表" above the continued part
            seen = True
            if last_kind == "table":
                close_table()
            if pending is not None and prev_line is not None and not _paragraph_break(prev_line, ln, left, right, pitch):
                pending.lines.append(ln)
            else:
                flush()
                pending = _Para(lines=[ln], left=left, right=right)
            prev_line = ln
            last_kind = "para"
    flush()
    close_table()
    doc.blocks = blocks
    doc.title = pick_title(blocks, emphasised)


def _pitch(pages: list[_Page]) -> float:
    """The usual gap between the bottom of one line and the top of the next (lower median)."""
    gaps = sorted(b.top - a.bottom for p in pages for a, b in pairwise(p.lines)
                  if 0 <= b.top - a.bottom < 3 * a.size)
    return gaps[(len(gaps) - 1) // 2] if gaps else 0.0


# -- entry point ------------------------------------------------------------------------------------------


def _open(path: Path) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        from pdfplumber.utils.exceptions import PdfminerException
    except ImportError:  # older pdfplumber raised pdfminer's own errors
        PdfminerException = PSException  # noqa: N806

    try:
        pdf = pdfplumber.open(path)
        pages = pdf.pages  # forces the page tree: a broken xref or catalog shows here
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise InputError(path, "encrypted", "the PDF is password-protected") from e
    except PdfminerException as e:
        inner = e.args[0] if e.args else e
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise InputError(path, "encrypted", "the PDF is password-protected") from e
        raise InputError(path, "corrupt_pdf", f"the PDF is damaged and cannot be read ({_describe(inner)})") from e
    except (PDFSyntaxError, PSException) as e:
        raise InputError(path, "corrupt_pdf", f"the PDF is damaged and cannot be read ({_describe(e)})") from e
    except (ValueError, KeyError, TypeError, AttributeError, AssertionError, RecursionError) as e:
        raise InputError(path, "corrupt_pdf", f"the PDF is damaged and cannot be read ({_describe(e)})") from e
    if not pages:
        pdf.close()
        raise InputError(path, "no_pages", "the PDF has no pages")
    return pdf


def _describe(e: BaseException) -> str:
    msg = str(e).strip()
    if type(e).__name__ == "PSEOF":
        return "unexpected end of file: truncated?"
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def parse(path: Path | str) -> Document:
    """Read a PDF into a Document; raises InputError for encrypted, damaged or page-less files."""
    from pipeline.guards.pdfguard import check_pdf
    from pipeline.parse import new_document
    from pipeline.preflight import current_limits

    path = Path(path)
    limits = current_limits()
    # encryption, loops in the object graph, page floods: refused before pdfplumber runs, and
    # pdfminer made cycle-safe with bounded stream inflation for what follows
    check_pdf(path, limits, name=str(path))
    pdf = _open(path)
    doc = new_document(path, "pdf")
    file = str(path)
    pages: list[_Page] = []
    try:
        doc.source.pages = len(pdf.pages)
        for number, page in enumerate(pdf.pages, start=1):
            try:
                pages.append(_read_page(page, number, doc, path, limits))
            except Exception as e:  # one bad page must not lose the others
                _log.debug("%s: page %d failed", path, number, exc_info=True)
                doc.add_error("parse", "page_unreadable",
                              f"{path}: page {number} could not be read ({_describe(e)})", loc=Loc(file=str(path), page=number))
            finally:
                page.close()
    finally:
        pdf.close()
    for p in pages:
        if not p.n_chars and p.has_images:
            doc.add_error("parse", "no_text_layer",
                          f"{path}: page {p.number} has no text layer (scanned image?); OCR is not supported",
                          loc=Loc(file=str(path), page=p.number))
    _drop_running_lines(pages, _pitch(pages))
    _assemble(pages, doc, file)
    unreadable = {e.loc.page for e in doc.errors if e.loc is not None and e.code in
                  ("no_text_layer", "garbled_page", "page_unreadable")}
    if not doc.blocks:
        if unreadable:
            doc.status = "failed"
        else:
            doc.add_error("parse", "no_text", f"{path}: the PDF has no text on any page", fatal=True)
    elif doc.source.pages and len(unreadable) >= doc.source.pages:
        doc.status = "failed"
    return doc
