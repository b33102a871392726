"""``.docx`` → :class:`~pipeline.model.Document`, reading WordprocessingML directly with lxml.

The body of ``word/document.xml`` is walked once, in order. Paragraphs become heading /
paragraph / list-item blocks, tables become a resolved cell grid (``w:gridSpan``,
``w:gridBefore``/``w:gridAfter``, ``w:vMerge``, legacy ``w:hMerge``) that stores only origin
cells with their spans. Styles and list definitions are read once into dicts: no python-docx
object is touched per paragraph or per cell, which keeps the parser within a small factor of
a bare lxml walk.

What decides that a paragraph is a heading, in order (recorded in ``Block.signal``):
``w:outlineLvl`` (own or from the style chain) → the style name, through
``lexicons/structure/docx_styles.yaml`` → Word automatic numbering that renders a 公文
enumerator → a hand-typed enumerator on a short paragraph.

Security: the parts are parsed with entity resolution and network access off and no huge-tree
mode, and a part that declares a DOCTYPE is refused.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from pipeline.enumerators import heading_level_for, match_enumerator
from pipeline.errors import InputError
from pipeline.model import Block, Cell, Document, Loc, Table
from pipeline.normalise import normalise, with_raw
from pipeline.parse.numbering import W_NS, Numbering

try:  # the children of an element as a list, in one call: iterating one costs twice as much
    from lxml.etree import _Element as _LxmlElement

    _kids: Any = _LxmlElement.getchildren
except (ImportError, AttributeError):  # pragma: no cover - an lxml without getchildren()
    _kids = list

_log = logging.getLogger(__name__)

_W = "{" + W_NS + "}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_VAL = _W + "val"

# tags, precomputed once
T_P, T_R, T_T, T_TBL, T_TR, T_TC = (_W + x for x in ("p", "r", "t", "tbl", "tr", "tc"))
T_PPR, T_RPR, T_TCPR, T_TRPR = (_W + x for x in ("pPr", "rPr", "tcPr", "trPr"))
T_SDT, T_SDTCONTENT, T_CUSTOMXML = _W + "sdt", _W + "sdtContent", _W + "customXml"
T_INS, T_DEL, T_MOVETO, T_MOVEFROM = (_W + x for x in ("ins", "del", "moveTo", "moveFrom"))
T_HYPERLINK, T_SMARTTAG, T_FLDSIMPLE = _W + "hyperlink", _W + "smartTag", _W + "fldSimple"
T_DIR, T_BDO = _W + "dir", _W + "bdo"
T_TAB, T_PTAB, T_BR, T_CR, T_SYM = (_W + x for x in ("tab", "ptab", "br", "cr", "sym"))
T_NBHYPHEN, T_SOFTHYPHEN = _W + "noBreakHyphen", _W + "softHyphen"
T_LRPB = _W + "lastRenderedPageBreak"
T_DRAWING, T_PICT, T_OBJECT = _W + "drawing", _W + "pict", _W + "object"
T_TXBX = _W + "txbxContent"
T_ALT, T_CHOICE, T_FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
T_RUBY, T_RUBYBASE = _W + "ruby", _W + "rubyBase"
T_PSTYLE, T_NUMPR, T_NUMID, T_ILVL = _W + "pStyle", _W + "numPr", _W + "numId", _W + "ilvl"
T_OUTLINE, T_SECTPR, T_PAGEBREAKBEFORE = _W + "outlineLvl", _W + "sectPr", _W + "pageBreakBefore"
T_B, T_BCS = _W + "b", _W + "bCs"
T_GRIDSPAN, T_VMERGE, T_HMERGE = _W + "gridSpan", _W + "vMerge", _W + "hMerge"
T_GRIDBEFORE, T_GRIDAFTER = _W + "gridBefore", _W + "gridAfter"
T_TBLGRID, T_GRIDCOL = _W + "tblGrid", _W + "gridCol"
T_OMATH, T_OMATHPARA, T_MT = _M + "oMath", _M + "oMathPara", _M + "t"
T_DELTEXT, T_INSTRTEXT = _W + "delText", _W + "instrText"
T_TYPE = _W + "type"
T_JC = _W + "jc"

_WRAPPERS = frozenset({T_SDT, T_SDTCONTENT, T_CUSTOMXML, T_INS, T_MOVETO, T_HYPERLINK,
                       T_SMARTTAG, T_FLDSIMPLE, T_DIR, T_BDO, T_OMATHPARA})
_SKIPPED = frozenset({T_DEL, T_MOVEFROM, T_PPR, T_RPR})
_BLOCK_WRAPPERS = frozenset({T_SDT, T_SDTCONTENT, T_CUSTOMXML, T_INS, T_MOVETO})

# Off only to check the plain-content fast paths against the walk they stand for (tests).
_FAST = True
# Every tag to which the walk of a table gives a meaning beyond a cell's paragraphs of runs of
# text: a table holding none of them is read by _Walker._plain_table. The table's own tag
# comes first in the probe's results.
_PLAIN_TABLE_STOP = (T_TBL, T_TAB, T_PTAB, T_BR, T_CR, T_SYM, T_NBHYPHEN, T_LRPB, T_DRAWING, T_PICT,
                     T_OBJECT, T_TXBX, T_ALT, T_OMATH, T_RUBY, T_PAGEBREAKBEFORE, T_SECTPR, T_GRIDBEFORE,
                     *sorted(_WRAPPERS | _BLOCK_WRAPPERS))
# _Walker._table_texts's answer for a table with a w:numPr when lists are defined
_NUMBERED = object()
# what _Walker._table_texts reads, in document order
# (most frequent first: the C-level tag match stops at the first that fits)
_TABLE_TEXTS_TAGS = (T_TC, T_T, T_VMERGE, T_TR, T_GRIDSPAN, T_HMERGE, T_NUMPR, *_PLAIN_TABLE_STOP)
# what _Walker._table_stream reads, in document order
_PLAIN_TABLE_TAGS = (T_TR, T_TC, T_GRIDSPAN, T_VMERGE, T_HMERGE, T_P, T_T, T_PSTYLE, T_NUMID, T_ILVL)

_MAX_PART = 256 * 1024 * 1024  # an uncompressed part bigger than this is refused (zip bomb)

# how long a paragraph may be and still read as a heading
_HEADING_MAX = 40
_HEADING_MAX_DEEP = 25  # levels 3–5 (1. （1） ①) are also how measures are typed: be stricter
_TITLE_MAX = 60
_CAPTION_MAX = 50


# -- XML -----------------------------------------------------------------------------------

_PARSER: Any = None


def _parser() -> Any:
    """The shared safe lxml parser (pipeline.guards.xmlguard), made once per process."""
    global _PARSER
    if _PARSER is None:
        from pipeline.guards.xmlguard import safe_xml_parser

        _PARSER = safe_xml_parser(remove_comments=True, remove_pis=True)
    return _PARSER


def _max_part_bytes() -> int:
    """The per-member cap of the resource limits in force (pipeline.preflight)."""
    try:
        from pipeline.preflight import current_limits

        return int(current_limits().max_member_mb * 1024 * 1024)
    except Exception:  # limits misconfigured: the error belongs to preflight, not here
        return _MAX_PART


def _part_bytes(z: zipfile.ZipFile, name: str, path: Path, *, required: bool,
                cap: int = _MAX_PART) -> bytes | None:
    """The bytes of one part of the package (None if optional and absent or unreadable).

    Never inflates more than the part's declared size (+1 byte to notice a lie) nor more than
    ``cap``: a deflate stream that holds more than its header says is a bomb, not a document.
    """
    try:
        info = z.getinfo(name)
    except KeyError:
        if required:
            raise InputError(path, "missing_part", f"the .docx is damaged: it has no {name}") from None
        return None
    if info.file_size > cap:
        raise InputError(path, "zip_bomb",
                         f"{name} would inflate to {info.file_size / (1024 * 1024):,.0f} MB "
                         f"(limit {cap / (1024 * 1024):,.0f} MB): refused")
    try:
        with z.open(info) as fh:
            data = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as e:
        if not required:
            _log.warning("%s: %s unreadable (%s): ignored", path, name, e)
            return None
        raise InputError(path, "corrupt_zip",
                         f"the .docx is damaged: {name} cannot be unpacked ({e})") from None
    except Exception as e:  # zlib.error: a damaged deflate stream
        if not required:
            return None
        raise InputError(path, "corrupt_zip",
                         f"the .docx is damaged: {name} cannot be inflated ({type(e).__name__})") from None
    if len(data) > info.file_size:
        raise InputError(path, "corrupt_zip",
                         f"the .docx is damaged: {name} holds more data than its header declares")
    return data


def _xml(data: bytes | None, name: str, path: Path, *, required: bool) -> Any | None:
    """Parse a part safely, or raise InputError with the reason (None for a bad optional part)."""
    from lxml import etree

    if data is None:
        return None
    from pipeline.guards.xmlguard import reject_doctype

    reject_doctype(data, name, path)  # code xml_doctype: DTDs and entities are never legitimate here
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        if not required:
            _log.warning("%s: %s is not well-formed XML: ignored", path, name)
            return None
        line = getattr(e, "lineno", None) or (e.position[0] if getattr(e, "position", None) else None)
        where = f" (line {line})" if line else ""
        raise InputError(path, "malformed_xml",
                         f"the .docx is damaged: {name} is not well-formed XML{where}") from None


def _read_part(z: zipfile.ZipFile, name: str, path: Path, *, required: bool,
               cap: int = _MAX_PART) -> Any | None:
    return _xml(_part_bytes(z, name, path, required=required, cap=cap), name, path, required=required)


# Documents of one batch often share a template: their styles.xml (often 300 KB of built-in
# styles) is parsed once, keyed by the part's CRC and size from the ZIP directory.
_STYLES_CACHE: dict[tuple[int, int], _Styles] = {}
_STYLES_CACHE_MAX = 16


def _styles_for(z: zipfile.ZipFile, path: Path, cap: int = _MAX_PART) -> _Styles:
    try:
        info = z.getinfo("word/styles.xml")
    except KeyError:
        return _Styles(None)
    key = (info.CRC, info.file_size)
    hit = _STYLES_CACHE.get(key)
    if hit is not None:
        return hit
    st = _Styles(_read_part(z, "word/styles.xml", path, required=False, cap=cap))
    if len(_STYLES_CACHE) >= _STYLES_CACHE_MAX:
        _STYLES_CACHE.pop(next(iter(_STYLES_CACHE)))
    _STYLES_CACHE[key] = st
    return st


# -- styles --------------------------------------------------------------------------------

@dataclass
class _Style:
    name: str = ""
    based_on: str | None = None
    outline: int | None = None  # w:outlineLvl (0-based; 9 = body text)
    num_id: str | None = None
    ilvl: int | None = None
    bold: bool | None = None
    kind: str | None = None  # from the style lexicon: heading:N | title | list_item | body


@dataclass
class _ResolvedStyle:
    name: str
    kind: str | None
    outline: int | None
    num_id: str | None
    ilvl: int | None
    bold: bool
    num_style: str | None = None  # the style that carried the numbering (for lvl pStyle)


def _style_key(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


_STYLE_MAP: dict[str, str] | None = None


def _style_map() -> dict[str, str]:
    global _STYLE_MAP
    if _STYLE_MAP is None:
        from pipeline.lexicon import load_lexicons

        try:
            entries = load_lexicons().entries("structure/docx_styles.yaml")
        except Exception:  # a missing lexicon must not stop parsing
            _log.warning("lexicons/structure/docx_styles.yaml unavailable: style names ignored",
                         exc_info=True)
            entries = {}
        _STYLE_MAP = {_style_key(str(k)): str(v) for k, v in entries.items()}
    return _STYLE_MAP


def _kind_for_name(name: str) -> str | None:
    m = _style_map()
    key = _style_key(name)
    if key in m:
        return m[key]
    stripped = key.rstrip("0123456789")  # "List Bullet 2" → "listbullet"
    if stripped != key and stripped in m and m[stripped] != "title":
        return m[stripped]
    return None


class _Styles:
    def __init__(self, root: Any | None):
        self.raw: dict[str, _Style] = {}
        self.default_para: str | None = None
        self._resolved: dict[str | None, _ResolvedStyle] = {}
        self.default_has_num = False
        if root is None:
            return
        for el in root.iter(_W + "style"):
            if el.get(T_TYPE) not in (None, "paragraph", "numbering"):
                continue
            sid = el.get(_W + "styleId")
            if not sid:
                continue
            st = _Style()
            for ch in el:
                tag = ch.tag
                if tag == _W + "name":
                    st.name = ch.get(_VAL, "")
                elif tag == _W + "basedOn":
                    st.based_on = ch.get(_VAL)
                elif tag == T_PPR:
                    ol = ch.find(T_OUTLINE)
                    if ol is not None:
                        st.outline = _int_val(ol)
                    npr = ch.find(T_NUMPR)
                    if npr is not None:
                        nid = npr.find(T_NUMID)
                        il = npr.find(T_ILVL)
                        st.num_id = nid.get(_VAL) if nid is not None else None
                        st.ilvl = _int_val(il) if il is not None else None
                elif tag == T_RPR:
                    b = ch.find(T_B)
                    if b is not None:
                        st.bold = _on(b)
            st.kind = _kind_for_name(st.name) if st.name else None
            self.raw[sid] = st
            if el.get(T_TYPE, "paragraph") == "paragraph" and _on_attr(el.get(_W + "default")):
                self.default_para = sid
        self.default_has_num = bool(self.default_para and self.resolve(None).num_id)

    def num_of_styles(self) -> dict[str, tuple[str | None, int | None]]:
        return {sid: (s.num_id, s.ilvl) for sid, s in self.raw.items() if s.num_id is not None}

    def resolve(self, sid: str | None) -> _ResolvedStyle:
        """The effective properties of a paragraph style, following basedOn (memoised)."""
        if sid is None:
            sid = self.default_para
        hit = self._resolved.get(sid)
        if hit is not None:
            return hit
        chain: list[tuple[str, _Style]] = []
        seen: set[str] = set()
        cur = sid
        while cur and cur not in seen and cur in self.raw and len(chain) < 20:
            seen.add(cur)
            chain.append((cur, self.raw[cur]))
            cur = self.raw[cur].based_on
        name = chain[0][1].name if chain else (sid or "")
        kind = outline = num_id = ilvl = bold = num_style = None
        for csid, st in chain:  # nearest definition wins
            if kind is None and st.kind is not None:
                kind = st.kind
            if outline is None and st.outline is not None:
                outline = st.outline
            if num_id is None and st.num_id is not None:
                num_id, num_style = st.num_id, csid
                ilvl = st.ilvl
            if bold is None and st.bold is not None:
                bold = st.bold
        if kind is None and not chain and sid:
            kind = _kind_for_name(sid)  # a style used but not defined: its ID is often its name
        res = _ResolvedStyle(name=name, kind=kind, outline=outline, num_id=num_id, ilvl=ilvl,
                             bold=bool(bold), num_style=num_style)
        self._resolved[sid] = res
        return res


def _int_val(el: Any) -> int | None:
    v = el.get(_VAL)
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


def _on_attr(v: str | None) -> bool:
    return v is not None and v.lower() in ("1", "true", "on")


def _on(el: Any) -> bool:
    return el.get(_VAL, "true").lower() not in ("0", "false", "off", "none")


# -- the walk ------------------------------------------------------------------------------

class _Para:
    """What one w:p holds once read. Class-level defaults: most paragraphs set few of these,
    and a plain object costs far less to create than a dataclass with a dozen fields."""

    text = ""  # label + runs, before normalisation
    label: str | None = None  # rebuilt automatic number, e.g. "一、"
    bold_chars = 0
    chars = 0
    boxes: list[Any] | None = None  # w:txbxContent elements anchored here
    style_id: str | None = None
    own_outline: int | None = None
    num_id: str | None = None
    ilvl: int | None = None
    has_own_numpr = False
    page_break_before = False
    section_break_after = False
    centered = False
    page = 1


# A cell while its table is being read: [row, col, row_span, col_span, text, nested tables].
# A list, not an object: a table makes hundreds, and a list costs a fraction of an instance
# whose __init__ runs in Python (or of a pydantic model per step).
_ROW, _COL, _ROWSPAN, _COLSPAN, _TEXT, _TABLES = range(6)


def _add(cell: list[Any], text: str, tables: Sequence[_T]) -> None:
    """Merge the text and nested tables of a covered cell into its origin cell."""
    if text:
        cell[_TEXT] = f"{cell[_TEXT]}\n{text}" if cell[_TEXT] else text
    if tables:
        cell[_TABLES] = [*cell[_TABLES], *tables]


@dataclass
class _T:
    """A table read in phase 1: origin cells with spans, nested tables inside cells."""

    index: int
    nested_in: int | None
    page: int
    n_rows: int = 0
    n_cols: int = 0
    cells: list[list[Any]] = field(default_factory=list)  # see _ROW …


class _Walker:
    """Phase 1: walk the body once, in order, into paragraphs and tables of raw text.

    Normalisation and model building happen afterwards in one batch (see :func:`_build`):
    a pydantic object and a normalise call per cell would cost more than the walk itself.
    """

    def __init__(self, styles: _Styles, numbering: Numbering):
        self.styles = styles
        self.numbering = numbering
        self.items: list[_Para | _T] = []
        self.table_count = 0
        self.page = 1
        self.saw_pages = False
        self._break_pending = False  # a hard break just happened: the next rendered break is the same page
        # whether a paragraph style carries list numbering (else only a w:numPr numbers)
        self._styles_number = styles.default_has_num or any(st.num_id is not None for st in styles.raw.values())

    # pages ------------------------------------------------------------------------------
    def _hard_break(self) -> None:
        self.page += 1
        self.saw_pages = True
        self._break_pending = True

    def _rendered_break(self) -> None:
        if not self._break_pending:
            self.page += 1
            self.saw_pages = True
        self._break_pending = False

    # paragraphs -------------------------------------------------------------------------
    def read_para(self, p: Any, *, in_cell: bool = False) -> _Para:
        out = _Para()
        kids = _kids(p)  # each child proxied once: lxml makes a new proxy on every access
        if kids and kids[0].tag == T_PPR:  # the schema puts pPr first
            for ch in _kids(kids[0]):
                tag = ch.tag
                if tag == T_PSTYLE:
                    out.style_id = ch.get(_VAL)
                elif tag == T_NUMPR:
                    out.has_own_numpr = True
                    for sub in _kids(ch):
                        if sub.tag == T_NUMID:
                            out.num_id = sub.get(_VAL)
                        elif sub.tag == T_ILVL:
                            out.ilvl = _int_val(sub)
                elif tag == T_OUTLINE:
                    out.own_outline = _int_val(ch)
                elif tag == T_JC:
                    out.centered = ch.get(_VAL) == "center"
                elif tag == T_PAGEBREAKBEFORE and _on(ch):
                    out.page_break_before = True
                elif tag == T_SECTPR:
                    t = ch.find(T_TYPE)
                    kind = t.get(_VAL) if t is not None else "nextPage"
                    out.section_break_after = kind != "continuous"
            del kids[0]
        # bold is only read for body paragraphs (headings, the title); None: not tracked
        style_bold: bool | None = None
        if not in_cell:
            style_bold = False
            if out.style_id or self.styles.default_para:
                style_bold = self.styles.resolve(out.style_id).bold
        if out.page_break_before:
            self._hard_break()
        out.page = self.page
        parts: list[str] = []
        self._inline(kids, parts, out, style_bold)
        text = "".join(parts)
        label = self.number_label(out)
        if label:
            out.label = label
            if text.strip():
                text = label + (" " if _needs_space(label) else "") + text.lstrip()
            else:
                text = label
        out.text = text
        if out.section_break_after:
            self._hard_break()
        return out

    def cell_para(self, p: Any) -> tuple[str, list[Any] | None]:
        """``read_para(p, in_cell=True)`` as (text, text boxes), for paragraphs in table cells.

        Cells hold most of a risk table's paragraphs, and of what :meth:`read_para` works out
        a cell needs only the text, the boxes and the page breaks (bold, heading properties
        and the page a paragraph starts on are for body paragraphs): one loop, plain runs read
        inline, anything else through the same helpers as :meth:`read_para`.
        """
        kids = _kids(p)
        style_id = num_id = ilvl = None
        page_break_before = section_break_after = False
        if kids and kids[0].tag == T_PPR:
            for ch in _kids(kids[0]):
                tag = ch.tag
                if tag == T_PSTYLE:
                    style_id = ch.get(_VAL)
                elif tag == T_NUMPR:
                    for sub in _kids(ch):
                        if sub.tag == T_NUMID:
                            num_id = sub.get(_VAL)
                        elif sub.tag == T_ILVL:
                            ilvl = _int_val(sub)
                elif tag == T_PAGEBREAKBEFORE and _on(ch):
                    page_break_before = True
                elif tag == T_SECTPR:
                    t = ch.find(T_TYPE)
                    kind = t.get(_VAL) if t is not None else "nextPage"
                    section_break_after = kind != "continuous"
            del kids[0]
        if page_break_before:
            self._hard_break()
        parts: list[str] = []
        out: _Para | None = None  # made only for what a plain run does not hold
        for ch in kids:
            tag = ch.tag
            if tag == T_R:
                for x in _kids(ch):
                    xt = x.tag
                    if xt == T_T:
                        s = x.text
                        if s:
                            parts.append(s)
                            self._break_pending = False
                    elif xt != T_RPR:
                        if out is None:
                            out = _Para()
                        self._run_child(x, xt, parts, out, None)
            elif tag not in _SKIPPED:
                if out is None:
                    out = _Para()
                self._inline((ch,), parts, out, None)
        text = "".join(parts)
        if num_id is not None or style_id is not None or self.styles.default_has_num:
            label = self._label(num_id, ilvl, style_id)
            if label:
                if text.strip():
                    text = label + (" " if _needs_space(label) else "") + text.lstrip()
                else:
                    text = label
        if section_break_after:
            self._hard_break()
        return text, (out.boxes if out is not None else None)

    def _inline(self, children: Any, parts: list[str], out: _Para, bold: bool | None) -> None:
        """Collect the visible text of paragraph-level elements (an element or a list of them)."""
        for ch in children:
            tag = ch.tag
            if tag == T_R:
                self._run(ch, parts, out, bold)
            elif tag in _SKIPPED:
                continue
            elif tag in _WRAPPERS:
                self._inline(_kids(ch), parts, out, bold)
            elif tag == T_ALT:
                branch = _alt_branch(ch)
                if branch is not None:
                    self._inline(_kids(branch), parts, out, bold)
            elif tag == T_OMATH:
                for t in ch.iter(T_MT):
                    if t.text:
                        parts.append(t.text)
            elif tag == T_RUBY:
                base = ch.find(T_RUBYBASE)
                if base is not None:
                    self._inline(_kids(base), parts, out, bold)

    def _run(self, r: Any, parts: list[str], out: _Para, style_bold: bool | None) -> None:
        bold = style_bold
        for ch in _kids(r):
            tag = ch.tag
            if tag == T_T:
                s = ch.text
                if s:
                    if not out.chars:  # a paragraph is on the page where its text starts
                        out.page = self.page
                    parts.append(s)
                    n = len(s)
                    out.chars += n
                    if bold:
                        out.bold_chars += n
                    self._break_pending = False
            elif tag == T_RPR:
                if style_bold is not None:
                    for prop in _kids(ch):
                        if prop.tag == T_B:
                            bold = _on(prop)
                            break
            else:
                self._run_child(ch, tag, parts, out, style_bold)

    def _run_child(self, ch: Any, tag: str, parts: list[str], out: _Para, style_bold: bool | None) -> None:
        """A child of a run other than its text and properties: tabs, breaks, symbols, drawings."""
        if tag == T_TAB or tag == T_PTAB:
            parts.append("\t")
        elif tag == T_BR:
            if ch.get(T_TYPE) == "page":
                self._hard_break()
            parts.append("\n")
        elif tag == T_CR:
            parts.append("\n")
        elif tag == T_LRPB:
            self._rendered_break()
        elif tag == T_SYM:
            parts.append(_sym(ch))
        elif tag == T_NBHYPHEN:
            parts.append("-")
        elif tag == T_DRAWING or tag == T_PICT or tag == T_OBJECT:
            out.boxes = (out.boxes or []) + _boxes(ch)
        elif tag == T_ALT:
            branch = _alt_branch(ch)
            if branch is not None:
                for sub in branch:
                    if sub.tag in (T_DRAWING, T_PICT, T_OBJECT):
                        out.boxes = (out.boxes or []) + _boxes(sub)
                    elif sub.tag == T_T and sub.text:
                        parts.append(sub.text)
                    elif sub.tag == T_R:
                        self._run(sub, parts, out, style_bold)
        # w:softHyphen, w:delText, w:instrText (field codes) and the rest show nothing

    def number_label(self, para: _Para) -> str | None:
        """The rebuilt automatic number of a paragraph ("一、"), or None."""
        return self._label(para.num_id, para.ilvl, para.style_id)

    def _label(self, num_id: str | None, ilvl: int | None, style_id: str | None) -> str | None:
        st = None
        if (num_id is None or ilvl is None) and (style_id is not None or self.styles.default_has_num):
            st = self.styles.resolve(style_id)  # numbering carried by the paragraph style
            if num_id is None:
                num_id = st.num_id
            if ilvl is None and num_id is not None and num_id == st.num_id:
                ilvl = st.ilvl
        if not num_id or num_id == "0":
            return None
        if ilvl is None:
            sid = (st.num_style if st is not None else None) or style_id
            found = self.numbering.level_for_style(num_id, sid) if sid else None
            ilvl = found if found is not None else 0
        got = self.numbering.label(num_id, ilvl)
        return got[0] if got is not None and got[0] else None

    # tables -----------------------------------------------------------------------------
    def table(self, tbl: Any, nested_in: int | None) -> _T:
        if _FAST:
            fast = self._plain_table(tbl, nested_in)
            if fast is not None:
                return fast
        t = _T(index=self.table_count, nested_in=nested_in, page=self.page)
        self.table_count += 1
        t.n_cols = _grid_cols(tbl)
        rows: list[tuple[int, list[_CellRead]]] = []
        for tr in _rows(tbl):
            col = 0
            row_kids = _kids(tr)  # each child proxied once
            for lead in row_kids[:2]:  # w:trPr, after an optional w:tblPrEx
                if lead.tag == T_TRPR:
                    for prop in _kids(lead):
                        if prop.tag == T_GRIDBEFORE:
                            col = max(0, _int_val(prop) or 0)
                    break
            cells: list[_CellRead] = []
            for tc in _cells(row_kids):
                span, vmerge, hmerge = 1, None, None
                kids = _kids(tc)
                if kids and kids[0].tag == T_TCPR:
                    for prop in _kids(kids[0]):
                        tag = prop.tag
                        if tag == T_GRIDSPAN:
                            span = max(1, min(_int_val(prop) or 1, 1000))
                        elif tag == T_VMERGE:
                            vmerge = prop.get(_VAL, "continue")
                        elif tag == T_HMERGE:
                            hmerge = prop.get(_VAL, "continue")
                    del kids[0]
                lines: list[str] = []
                nested: list[_T] = []
                self._content(kids, lines, nested, t.index)
                cells.append((span, vmerge, hmerge, "\n".join(lines), nested))
            rows.append((col, cells))
        _place(t, rows)
        return t

    def _plain_table(self, tbl: Any, nested_in: int | None) -> _T | None:
        """:meth:`table` for a table of plain cells, or None when it holds anything else.

        Most tables are rows of cells of paragraphs of runs of text: the walk of :meth:`table`
        then reads exactly the w:tr children of the w:tbl, their w:tc children, the w:p
        children of those, and the w:t in their w:r children, plus the merge properties of
        each cell's w:tcPr (and, for list numbers, the w:pPr of each paragraph). Such a table
        is read here from C-level ``iter()`` calls over those tags instead of proxying and
        dispatching on every element (tcW, rPr, pPr …), which costs several times the parse
        of the XML. One ``iter()`` probe first refuses any table holding a tag the walk gives
        a meaning to beyond that (tabs, breaks, symbols, drawings and text boxes,
        mc:AlternateContent, content wrappers, math, ruby, nested tables, page and section
        breaks, w:gridBefore); an element found where the walk would not look refuses it too.

        A refusal leaves the walker as it found it: the list counters are put back, and the
        table count and page state change only once the whole table has passed.
        """
        # list numbers come from a w:numPr of the paragraph or of its style
        if self.numbering.nums and self._styles_number:
            got = self._table_stream(tbl)
        else:
            got = self._table_texts(tbl)
            if got is _NUMBERED:
                got = self._table_stream(tbl)
        if got is None:
            return None
        rows, text_seen = got  # type: ignore[misc]
        t = _T(index=self.table_count, nested_in=nested_in, page=self.page)
        self.table_count += 1
        t.n_cols = _grid_cols(tbl)
        if text_seen:
            self._break_pending = False
        _place(t, rows)
        return t

    def _table_texts(self, tbl: Any) -> tuple[list[tuple[int, list[_CellRead]]], bool] | object | None:
        """The rows of a plain table none of whose paragraphs gets a list number, and whether
        a w:t held text; None if the table is not plain after all, _NUMBERED if a paragraph
        of it may get a list number (:meth:`_table_stream` reads those).

        One ``iter()`` over the rows, cells, merge properties and w:t, in document order, and
        the tags that refuse the table: each row and cell is checked to be a child of the one
        before it, each merge property to stand in the w:tcPr opening the cell, each w:t to
        be in a w:r of a w:p of the cell. A paragraph without text adds nothing to its cell,
        so w:p need not be looked for (its proxy is met through its w:t).
        A refusal met before a w:numPr returns None rather than _NUMBERED: whatever refuses
        this reading refuses :meth:`_table_stream`'s too.
        """
        rows: list[tuple[int, list[Any]]] = []
        cells: list[Any] = []
        tr = tc = p = None  # the row, cell and paragraph being read (held: their proxies stay the same)
        cell: list[Any] = []  # tc's _CellRead, still being filled in
        p_cell: list[Any] = cell  # the cell of p
        text = ""  # p's text so far
        text_seen = False
        numbered = bool(self.numbering.nums)  # (a w:numPr numbers nothing without list definitions)
        stream = tbl.iter(*_TABLE_TEXTS_TAGS)
        next(stream)  # the table itself
        for el in stream:
            tag = el.tag
            if tag == T_T:
                r = el.getparent()
                if r.tag != T_R:
                    return None
                par = r.getparent()
                if par is not p:  # the first w:t of another paragraph: the one before is complete
                    if text.strip():
                        p_cell[3] = f"{p_cell[3]}\n{text}" if p_cell[3] else text
                    if par.tag != T_P or par.getparent() is not tc:
                        return None
                    p, p_cell, text = par, cell, ""
                s = el.text
                if s:
                    text += s
                    text_seen = True
            elif tag == T_TC:
                if el.getparent() is not tr:
                    return None
                tc = el
                cell = [1, None, None, "", ()]  # a _CellRead still being filled in
                cells.append(cell)
            elif tag == T_TR:
                if el.getparent() is not tbl:
                    return None
                tr, tc = el, None
                cells = []
                rows.append((0, cells))
            elif tag == T_VMERGE or tag == T_GRIDSPAN or tag == T_HMERGE:
                pr = el.getparent()
                if pr.getparent() is not tc or pr.tag != T_TCPR or pr.getprevious() is not None:
                    return None
                if tag == T_VMERGE:
                    cell[1] = el.get(_VAL, "continue")
                elif tag == T_GRIDSPAN:
                    cell[0] = max(1, min(_int_val(el) or 1, 1000))
                else:
                    cell[2] = el.get(_VAL, "continue")
            elif tag != T_NUMPR:
                return None
            elif numbered:
                return _NUMBERED
        if text.strip():
            p_cell[3] = f"{p_cell[3]}\n{text}" if p_cell[3] else text
        return rows, text_seen

    def _table_stream(self, tbl: Any) -> tuple[list[tuple[int, list[_CellRead]]], bool] | None:
        """:meth:`_table_texts` for a table whose paragraphs may get list numbers: every w:p
        counts then, with its w:pStyle and w:numPr, so the table is read as one stream of the
        tags that matter, in document order, each checked to stand where the walk looks."""
        probe = tbl.iter(*_PLAIN_TABLE_STOP)
        next(probe)  # the table itself
        if next(probe, None) is not None:
            return None
        numbering = self.numbering
        saved = numbering.counters()
        label_any = self.styles.default_has_num
        rows: list[tuple[int, list[_CellRead]]] = []
        cells: list[_CellRead] = []
        tr = tc = p = None
        span, vmerge, hmerge = 1, None, None  # of the current cell
        cell = ""  # the current cell's text: its non-blank paragraphs, one a line
        text = ""  # the current paragraph's text
        style_id = num_id = ilvl = None  # the current paragraph's
        text_seen = False
        for el in tbl.iter(*_PLAIN_TABLE_TAGS):
            tag = el.tag
            if tag == T_T:
                r = el.getparent()
                if r.getparent() is not p or r.tag != T_R:
                    break
                s = el.text
                if s:
                    text += s
                    text_seen = True
                continue
            if tag == T_VMERGE or tag == T_GRIDSPAN or tag == T_HMERGE:
                pr = el.getparent()
                if pr.getparent() is not tc or pr.tag != T_TCPR or pr.getprevious() is not None:
                    break
                if tag == T_VMERGE:
                    vmerge = el.get(_VAL, "continue")
                elif tag == T_GRIDSPAN:
                    span = max(1, min(_int_val(el) or 1, 1000))
                else:
                    hmerge = el.get(_VAL, "continue")
                continue
            if tag == T_PSTYLE or tag == T_NUMID or tag == T_ILVL:  # of the w:pPr opening the w:p
                pr = el.getparent()
                if tag != T_PSTYLE:
                    if pr.tag != T_NUMPR:
                        break
                    pr = pr.getparent()
                if pr.getparent() is not p or pr.tag != T_PPR or pr.getprevious() is not None:
                    break
                if tag == T_PSTYLE:
                    style_id = el.get(_VAL)
                elif tag == T_NUMID:
                    num_id = el.get(_VAL)
                else:
                    ilvl = _int_val(el)
                continue
            # a w:p, w:tc or w:tr: the paragraph being read (if any) ends
            if p is not None:
                if num_id is not None or style_id is not None or label_any:
                    text = self._labelled(text, num_id, ilvl, style_id)
                    style_id = num_id = ilvl = None
                if text.strip():
                    cell = f"{cell}\n{text}" if cell else text
                text = ""
            if tag == T_P:
                if el.getparent() is not tc:
                    break
                p = el
                continue
            if tc is not None:  # a w:tc or w:tr: the cell being read ends
                cells.append((span, vmerge, hmerge, cell, []))
                span, vmerge, hmerge, cell = 1, None, None, ""
            if tag == T_TC:
                if el.getparent() is not tr:
                    break
                tc, p = el, None
                continue
            if el.getparent() is not tbl:  # a w:tr
                break
            tr, tc, p = el, None, None
            cells = []
            rows.append((0, cells))
        else:
            # the end of the last paragraph and cell
            if p is not None:
                if num_id is not None or style_id is not None or label_any:
                    text = self._labelled(text, num_id, ilvl, style_id)
                if text.strip():
                    cell = f"{cell}\n{text}" if cell else text
            if tc is not None:
                cells.append((span, vmerge, hmerge, cell, []))
            return rows, text_seen
        numbering.restore(saved)  # refused part-way: undo the list numbers given so far
        return None

    def _labelled(self, text: str, num_id: str | None, ilvl: int | None, style_id: str | None) -> str:
        """A paragraph's text with its automatic number in front, as :meth:`cell_para` makes it."""
        label = self._label(num_id, ilvl, style_id)
        if not label:
            return text
        if text.strip():
            return label + (" " if _needs_space(label) else "") + text.lstrip()
        return label

    def _content(self, children: Any, lines: list[str], nested: list[_T], table_index: int) -> None:
        """The text lines and nested tables of a cell (or of a text box inside one): an element
        or a list of its children."""
        for ch in children:
            tag = ch.tag
            if tag == T_P:
                text, boxes = self.cell_para(ch)
                if text.strip():
                    lines.append(text)
                for box in boxes or ():  # a text box in a cell: its text belongs to the cell
                    self._content(_kids(box), lines, nested, table_index)
            elif tag == T_TBL:
                nested.append(self.table(ch, table_index))
            elif tag in _BLOCK_WRAPPERS:
                self._content(_kids(ch), lines, nested, table_index)
            elif tag == T_ALT:
                branch = _alt_branch(ch)
                if branch is not None:
                    self._content(_kids(branch), lines, nested, table_index)

    # body -------------------------------------------------------------------------------
    def body(self, el: Any) -> None:
        for ch in _kids(el):
            tag = ch.tag
            if tag == T_P:
                para = self.read_para(ch)
                self.items.append(para)
                for box in para.boxes or ():  # text boxes read after the paragraph that anchors them
                    self.body(box)
            elif tag == T_TBL:
                self.items.append(self.table(ch, None))
            elif tag in _BLOCK_WRAPPERS:
                self.body(ch)
            elif tag == T_ALT:
                branch = _alt_branch(ch)
                if branch is not None:
                    self.body(branch)


# a private-use character as a line of its own separates texts normalised in one batch
_SENTINEL = "\ue000"


def _normalise_all(texts: list[str]) -> list[tuple[str, str | None]]:
    """``with_raw`` of every text, in one call of ``normalise`` on the distinct texts joined.

    Normalisation works within lines (and on runs of blank lines), so texts joined by a line
    holding only a sentinel come back separately, each exactly as normalised alone. Falls
    back to one call per text if a text holds the sentinel or the split does not come out even.
    A text is normalised once however often it recurs (a risk table repeats its levels,
    categories and owners down whole columns).
    """
    done: dict[str, tuple[str, str | None]] = dict.fromkeys(texts)  # type: ignore[arg-type]
    done.pop("", None)
    uniq = list(done)
    if uniq:
        joined = f"\n{_SENTINEL}\n".join(uniq)
        pieces: list[str] = []
        if joined.count(_SENTINEL) == len(uniq) - 1:  # no text holds the sentinel itself
            pieces = normalise(joined).split(_SENTINEL)
        if len(pieces) == len(uniq):
            for t, piece in zip(uniq, pieces, strict=True):
                n = piece.strip()
                done[t] = (n, None if n == t else t)
        else:
            for t in uniq:
                done[t] = with_raw(t)
    done[""] = ("", None)
    return list(map(done.__getitem__, texts))


def _collect_texts(items: list[_Para | _T]) -> list[str]:
    """Every text in reading order: a cell's, then its nested tables' (a stack of cell iterators,
    not a recursive closure, which would be a reference cycle holding ``texts``)."""
    texts: list[str] = []
    for it in items:
        if isinstance(it, _Para):
            texts.append(it.text)
            continue
        stack = [iter(it.cells)]
        while stack:
            c = next(stack[-1], None)
            if c is None:
                stack.pop()
                continue
            texts.append(c[_TEXT])
            if c[_TABLES]:
                stack.append(chain.from_iterable(n.cells for n in c[_TABLES]))
    return texts


# what validation of the dicts this parser used to build records as set, per kind of object
_FS_CELL = frozenset({"row", "col", "row_span", "col_span", "text", "raw", "loc"})
_FS_CELL_LOC = frozenset({"file", "page", "block", "table", "row", "col"})
_FS_TABLE = frozenset({"index", "n_rows", "n_cols", "cells", "nested_in", "loc"})
_FS_TABLE_LOC = frozenset({"file", "page", "block", "table"})
_FS_TABLE_BLOCK = frozenset({"index", "kind", "table", "loc"})
_FS_PARA = frozenset({"index", "kind", "text", "raw", "level", "enumerator", "signal", "style", "loc"})
_FS_PARA_LOC = frozenset({"file", "block", "page"})


class _Tables:
    """Builds the Table models of one document for :func:`_build`: methods, not nested functions,
    because a function that calls itself from a closure forms a reference cycle that keeps what it
    holds (the texts, the tables made) alive until the next garbage collection."""

    def __init__(self, normed: Iterator[tuple[str, str | None]], file: str) -> None:
        self.normed, self.file = normed, file
        self.loc_of, self.cell_of, self.table_of = Loc.from_fields, Cell.from_fields, Table.from_fields
        self.loc_many, self.cell_many = Loc.from_fields_many, Cell.from_fields_many

    def table_loc(self, t: _T, block: int) -> Loc:
        file, loc_of = self.file, self.loc_of
        return loc_of({"file": file, "page": t.page, "block": block, "table": t.index, "row": None, "col": None,
                       "span": None}, set(_FS_TABLE_LOC))

    def table(self, t: _T, block: int, title: str | None, top: bool) -> Table:
        normed, file, table, table_loc = self.normed, self.file, self.table, self.table_loc
        loc_of, cell_of, table_of = self.loc_of, self.cell_of, self.table_of
        loc_many, cell_many = self.loc_many, self.cell_many
        cs = t.cells
        page, index = t.page, t.index
        if not any(map(itemgetter(_TABLES), cs)):
            # the usual table: its cells' texts come in a row, and every cell and location
            # has the same fields set, so they are made a table at a time; the locations
            # differ only in row and column, and copying a dict costs half of building one
            texts = list(islice(normed, len(cs)))
            base = {"file": file, "page": page, "block": block, "table": index, "row": None, "col": None,
                    "span": None}
            loc_values = list(map(dict.copy, repeat(base, len(cs))))
            for d, c in zip(loc_values, cs, strict=True):
                d["row"] = c[_ROW]
                d["col"] = c[_COL]
            locs = loc_many(loc_values, _FS_CELL_LOC)
            cells = cell_many([{"row": row, "col": col, "row_span": row_span, "col_span": col_span,
                                "text": text, "raw": raw, "tables": [], "loc": loc}
                               for (row, col, row_span, col_span, _, _), (text, raw), loc
                               in zip(cs, texts, locs, strict=True)], _FS_CELL)
        else:
            cells = []
            for row, col, row_span, col_span, _, nested_read in cs:
                text, raw = next(normed)
                loc = loc_of({"file": file, "page": page, "block": block, "table": index, "row": row, "col": col,
                              "span": None}, set(_FS_CELL_LOC))
                if nested_read:
                    nested = [table(n, block, None, False) for n in nested_read]
                    cells.append(cell_of({"row": row, "col": col, "row_span": row_span, "col_span": col_span,
                                          "text": text, "raw": raw, "tables": nested, "loc": loc},
                                         set(_FS_CELL) | {"tables"}))
                else:
                    cells.append(cell_of({"row": row, "col": col, "row_span": row_span, "col_span": col_span,
                                          "text": text, "raw": raw, "tables": [], "loc": loc}, set(_FS_CELL)))
        return table_of({"index": index, "n_rows": t.n_rows, "n_cols": t.n_cols, "cells": cells, "pages": [],
                         "title": title, "nested_in": t.nested_in, "loc": table_loc(t, block)},
                        set(_FS_TABLE) | {"title"} if top else set(_FS_TABLE))


def _build(items: list[_Para | _T], styles: _Styles, file: str) -> tuple[list[Block], set[int]]:
    """Phase 2: normalise every text at once, classify paragraphs, build the blocks.

    The models are made with :meth:`~pipeline.model._Model.from_fields` from values of the
    declared types (validating a few hundred cells cost more than reading them); every field
    is given, in field order, and the fields-set is what validating the same input recorded.
    """
    from pipeline.model import _utf8_safe

    file = _utf8_safe(file)  # what Loc's validator does to the path
    normed = iter(_normalise_all(_collect_texts(items)))
    blocks: list[Block] = []
    emphasised: set[int] = set()
    last_text: str | None = None  # the previous paragraph block, for table captions
    loc_of, block_of = Loc.from_fields, Block.from_fields
    tables = _Tables(normed, file)
    table, table_loc = tables.table, tables.table_loc

    for it in items:
        i = len(blocks)
        if isinstance(it, _T):
            tbl = table(it, i, _caption(last_text), True)
            blocks.append(block_of({"index": i, "kind": "table", "text": "", "raw": None, "level": None,
                                    "enumerator": None, "signal": None, "style": None, "table": tbl,
                                    "loc": table_loc(it, i)}, set(_FS_TABLE_BLOCK)))
            last_text = None
            continue
        text, raw = next(normed)
        if not text:
            continue
        st = styles.resolve(it.style_id)
        kind, level, signal, enumerator = _classify(text, it, st)
        loc = loc_of({"file": file, "page": it.page, "block": i, "table": None, "row": None, "col": None,
                      "span": None}, set(_FS_PARA_LOC))
        blocks.append(block_of({"index": i, "kind": kind, "text": text, "raw": raw, "level": level,
                                "enumerator": enumerator, "signal": signal, "style": st.name or it.style_id,
                                "table": None, "loc": loc}, set(_FS_PARA)))
        if it.centered or (it.chars and it.bold_chars >= it.chars * 0.8):
            emphasised.add(i)
        last_text = text
    return blocks, emphasised


def _classify(text: str, para: _Para, st: _ResolvedStyle) -> tuple[str, int | None, str | None, str | None]:
    """(kind, level, signal, enumerator): outline level, then style, then numbering, then a
    typed enumerator decide whether a paragraph is a heading."""
    enumerator = para.label.strip() if para.label else None
    outline = para.own_outline if para.own_outline is not None else st.outline
    if outline is not None and 0 <= outline <= 8:
        return "heading", outline + 1, "outline", enumerator
    kind = st.kind
    if kind and kind.startswith("heading:"):
        try:
            lvl = int(kind.split(":", 1)[1])
        except ValueError:
            lvl = 1
        return "heading", max(1, min(lvl, 9)), "style", enumerator
    if kind == "title":
        return "heading", 1, "style", enumerator
    e = match_enumerator(text)
    level = heading_level_for(e.style) if e is not None else None
    looks = e is not None and level is not None and _looks_like_heading(text[e.end:], level, para)
    if para.label:
        if looks:
            return "heading", level, "numbering", enumerator
        return "list_item", None, None, enumerator
    if e is not None:
        enumerator = e.raw
    if looks:
        return "heading", level, "enumerator", enumerator
    if kind == "list_item":
        return "list_item", None, None, enumerator
    if e is not None and e.style in ("arabic_dot", "arabic_paren", "circled", "cn_shi", "dotted"):
        return "list_item", None, None, enumerator
    return "paragraph", None, None, enumerator


def _caption(prev: str | None) -> str | None:
    """The paragraph right before a table, when it is short enough to be its caption."""
    if not prev or len(prev) > _CAPTION_MAX or prev.endswith(("。", "；", ";")):
        return None
    return prev


def _needs_space(label: str) -> bool:
    """A label ending in a Latin letter or digit ("1.1", "01") needs a space before the text;
    one ending in punctuation or a Chinese character ("一、", "（1）", "①", "第一条") does not."""
    last = label[-1:]
    return last.isascii() and last.isalnum()


def _looks_like_heading(content: str, level: int, para: _Para) -> bool:
    """A short paragraph after an enumerator, without sentence punctuation, reads as a heading."""
    c = content.strip()
    if not c:
        return False
    bold = para.chars > 0 and para.bold_chars >= para.chars * 0.8
    limit = _HEADING_MAX if level <= 2 else _HEADING_MAX_DEEP
    if bold and len(c) <= _HEADING_MAX * 2 and not c.endswith(("；", ";", "，", ",")):
        return True
    if len(c) > limit:
        return False
    if c.endswith(("。", "；", ";", "，", ",", "：", ":")) and not (c.endswith(("：", ":")) and level <= 2):
        return False
    # a sentence inside ("…。…") is a run-in heading followed by body text
    return "。" not in c[:-1]


def _alt_branch(alt: Any) -> Any | None:
    """One branch of mc:AlternateContent: the first Choice, else the Fallback (never both)."""
    fallback = None
    for ch in alt:
        if ch.tag == T_CHOICE:
            return ch
        if ch.tag == T_FALLBACK:
            fallback = ch
    return fallback


def _boxes(el: Any) -> list[Any]:
    """The outermost w:txbxContent elements under a drawing/pict (inner ones come with them)."""
    out: list[Any] = []
    for box in el.iter(T_TXBX):
        anc = box.getparent()
        nested = False
        while anc is not None and anc is not el:
            if anc.tag == T_TXBX:
                nested = True
                break
            if anc.tag == T_FALLBACK and _has_choice_sibling(anc):
                nested = True  # the Fallback copy of a Choice already taken
                break
            anc = anc.getparent()
        if not nested:
            out.append(box)
    return out


def _has_choice_sibling(fallback: Any) -> bool:
    parent = fallback.getparent()
    return parent is not None and any(ch.tag == T_CHOICE for ch in parent)


def _sym(el: Any) -> str:
    code = el.get(_W + "char")
    if not code:
        return ""
    try:
        cp = int(code, 16)
    except ValueError:
        return ""
    if cp >= 0xF000:  # Symbol/Wingdings private-use range: the low byte is the glyph
        cp -= 0xF000
        return "•" if cp in (0xB7, 0xA7, 0x6C, 0x6E, 0xFC) else (chr(cp) if 0x20 <= cp < 0x7F else "")
    return chr(cp) if cp >= 0x20 else ""


def _rows(tbl: Any) -> list[Any]:
    out: list[Any] = []
    for ch in _kids(tbl):
        if ch.tag == T_TR:
            out.append(ch)
        elif ch.tag in (T_SDT, T_SDTCONTENT, T_CUSTOMXML, T_INS, T_MOVETO):
            out.extend(_rows(ch))
    return out


def _grid_cols(tbl: Any) -> int:
    """The number of w:gridCol in the table's first w:tblGrid (0 without one)."""
    g = next(tbl.iterchildren(T_TBLGRID), None)  # C-level filters: no proxy or tag per row
    return 0 if g is None else sum(1 for _ in g.iterchildren(T_GRIDCOL))


# one cell as read, before merging: (w:gridSpan, w:vMerge, w:hMerge, text, nested tables)
_CellRead = Sequence[Any]


def _place(t: _T, rows: list[tuple[int, list[_CellRead]]]) -> None:
    """Resolve the cells of each row (its w:gridBefore and its cells) into origin cells
    with spans on ``t``: w:gridSpan, w:vMerge, legacy w:hMerge."""
    open_v: dict[int, list[Any]] = {}  # grid column → origin cell of a running vertical merge
    out = t.cells
    r = -1
    for col, cells in rows:
        r += 1
        prev: list[Any] | None = None
        still_open: dict[int, list[Any]] = {}  # merges this row continues or starts
        for span, vmerge, hmerge, text, nested in cells:
            if hmerge == "continue" and prev is not None:
                # legacy horizontal merge: this cell widens the one before it
                prev[_COLSPAN] += span
                if text or nested:
                    _add(prev, text, nested)
                if prev[_ROW] == r and prev[_COL] in still_open:
                    for k in range(col, col + span):
                        still_open[k] = prev
                col += span
                continue
            if vmerge == "continue":
                origin = open_v.get(col)
                if origin is not None and origin[_COL] == col and origin[_COLSPAN] == span:
                    origin[_ROWSPAN] = r - origin[_ROW] + 1
                    # Word hides a continued cell's text; keep it rather than lose what a
                    # generator put there
                    if text or nested:
                        _add(origin, text, nested)
                    if span == 1:
                        still_open[col] = origin
                    else:
                        for k in range(col, col + span):
                            still_open[k] = origin
                    prev = origin
                    col += span
                    continue
            cell = [r, col, 1, span, text, nested]  # see _ROW …
            out.append(cell)
            if vmerge is not None:  # restart (or a continue with nothing above: a new origin)
                if span == 1:
                    still_open[col] = cell
                else:
                    for k in range(col, col + span):
                        still_open[k] = cell
            prev = cell
            col += span
        open_v = still_open  # a merge ends at any row that does not continue it
        if col > t.n_cols:
            t.n_cols = col
    t.n_rows = r + 1


def _cells(children: list[Any]) -> list[Any]:
    """The w:tc of a row (the list of its children), through content wrappers."""
    out: list[Any] = []
    for ch in children:
        if ch.tag == T_TC:
            out.append(ch)
        elif ch.tag in (T_SDT, T_SDTCONTENT, T_CUSTOMXML, T_INS, T_MOVETO):
            out.extend(_cells(_kids(ch)))
    return out


def _core_title(z: zipfile.ZipFile, path: Path) -> str | None:
    try:
        root = _read_part(z, "docProps/core.xml", path, required=False)
    except InputError:
        return None
    if root is None:
        return None
    el = root.find(_DC + "title")
    if el is not None and el.text and el.text.strip():
        return with_raw(el.text)[0]
    return None


def _title(blocks: list[Block], emphasised: set[int]) -> str | None:
    """The document's title: among the first paragraphs (before any table), a heading in a
    title/heading style, else a short centred or bold paragraph, else a short paragraph that
    is not a numbered section, not a sentence and not a salutation (各科室：)."""
    cands: list[Block] = []
    for b in blocks[:10]:
        if b.kind == "table":
            break
        t = b.text
        if not t or len(t) > _TITLE_MAX or t.endswith(("。", "：", ":", "；", ";")):
            continue
        if b.kind == "heading" and b.signal in ("style", "outline") and match_enumerator(t) is None:
            return t
        if match_enumerator(t) is None:
            cands.append(b)
    for b in cands:
        if b.index in emphasised:
            return b.text
    if cands:
        return cands[0].text
    for b in blocks:
        if b.kind == "heading":
            return b.text
    return None


# -- entry point ---------------------------------------------------------------------------

def parse(path: Path | str) -> Document:
    """Read a .docx into a Document (raises :class:`InputError` when it cannot be read)."""
    from pipeline.parse import new_document

    path = Path(path)
    doc = new_document(path, "docx")
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(path, "not_a_zip", "the .docx is damaged: it is not a ZIP package") from None
    except OSError as e:
        raise InputError(path, "unreadable", f"cannot open the file: {e.strerror or e}") from None
    with z:
        cap = _max_part_bytes()
        data = _part_bytes(z, "word/document.xml", path, required=True, cap=cap)
        root = _xml(data, "word/document.xml", path, required=True)
        if root.tag != _W + "document":
            raise InputError(path, "not_wordprocessingml",
                             "word/document.xml is not a WordprocessingML document "
                             "(Strict OOXML or another format)")
        # styles and lists are read only when the body refers to them
        styles = _styles_for(z, path, cap) if b"pStyle" in data else _Styles(None)
        style_num = styles.num_of_styles()
        num_root = None
        if b"numPr" in data or style_num:
            num_root = _read_part(z, "word/numbering.xml", path, required=False, cap=cap)
        numbering = Numbering(num_root, style_num)
        body = root.find(_W + "body")
        walker = _Walker(styles, numbering)
        if body is not None:
            walker.body(body)
        doc.blocks, emphasised = _build(walker.items, styles, str(path))
        doc.title = _title(doc.blocks, emphasised) or _core_title(z, path)
    if walker.saw_pages:
        doc.source.pages = walker.page
    if not doc.blocks:
        doc.add_error("parse", "no_text", f"{path}: the document body has no text")
    _log.debug("%s: %d blocks, %d tables", path, len(doc.blocks), walker.table_count)
    return doc
