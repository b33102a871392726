"""Tables → logical rows: header detection by synonyms, column mapping, merged-cell continuation.

The knowledge is in ``lexicons/tables/headers.yaml``; this module decides

- which of the first rows is the header (≥ 2 cells naming distinct labels, at least one of them
  a risk/measure/power-type label), combining a group header with the sub-headers beneath it;
- which label each column carries (an exact phrase wins, then the longest phrase contained);
- where one risk ends: a physical row whose 风险点 (and 序号) cell is covered by the merged
  cell of the row above continues that risk (dev 06: three 风险描述 rows, one risk) — a value
  that merely repeats in a new cell starts a new one (dev 90);
- values through the *filled* view, so a 科室 or 责任领导 merged over many rows applies to each.

Tables without a header that have the column count of the previous mapped table continue it
(a table broken by a page or a section); two-column "label | value" forms are read as records.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.enumerators import match_enumerator
from pipeline.extract.common import FOLDED, PhraseIndex, compact, key
from pipeline.lexicon import Lexicons
from pipeline.memo import Memo
from pipeline.model import Cell, Table

_log = logging.getLogger(__name__)

HEADERS = "tables/headers.yaml"
ROW_SKIP = "tables/row_skip.yaml"
HEADER_SCAN_ROWS = 5
MAX_HEADER_CHARS = 24  # a header cell is a short label, never a sentence
# labels that make a header row worth believing (seq/unit/remark alone are too common)
CORE = frozenset({"risk", "manifestation", "measure", "level", "category", "power", "subpower",
                  "responsible", "power_type", "basis"})
# columns whose values group rows (department, leader …): forward-filled when a table carries
# no merge information at all (flattened sources), never otherwise
GROUPING = ("unit", "resp_unit", "post", "power", "responsible", "category", "subject")
_NUMERIC = re.compile(r"^[\d.．、,，()（）\s]+$")


@dataclass
class ColumnMap:
    """Label per column of one table (or of the table it continues)."""

    labels: dict[int, str]
    header_text: dict[int, str]
    header_rows: tuple[int, ...]
    n_cols: int
    why: dict[int, str] = field(default_factory=dict)  # col → matched phrase
    inherited: bool = False
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def memo(self, name: str, build: Callable[[], Any]) -> Any:
        """A value derived from this map, computed once (the map never changes after detection)."""
        if name not in self._memo:
            self._memo[name] = build()
        return self._memo[name]

    def cols(self, label: str) -> list[int]:
        by_label = self._memo.get("cols")
        if by_label is None:  # every label's columns at once: this is asked for every row
            by_label = self._memo["cols"] = {}
            for c, lab in sorted(self.labels.items()):
                by_label.setdefault(lab, []).append(c)
        got = by_label.get(label)
        if got is None:
            got = by_label[label] = []
        return got

    def col(self, label: str) -> int | None:
        cs = self.cols(label)
        return cs[0] if cs else None

    def has(self, *labels: str) -> bool:
        return any(lab in self.labels.values() for lab in labels)

    @property
    def is_risk_table(self) -> bool:
        return self.has("risk", "manifestation") and self.has(
            "measure", "level", "category", "responsible", "resp_unit", "unit", "post", "power")

    @property
    def is_power_catalog(self) -> bool:
        return self.has("power") and not self.has("risk", "manifestation", "measure")


LABEL_MEMO_MAX = 1 << 13  # cell texts whose header label is kept, per process


class HeaderIndex:
    def __init__(self, lex: Lexicons) -> None:
        self.index = PhraseIndex(lex.terms(HEADERS), source=HEADERS)
        self.footer = tuple(compact(p) for p in lex.terms(ROW_SKIP)["footer"])
        # label() once per distinct cell text of the process: headers recur in every table
        self._labels = Memo()  # cell text → label

    def is_footer(self, text: str) -> bool:
        return compact(text).startswith(self.footer)  # colons kept: 注： is a note, 注册 is not

    def label(self, text: str | None) -> tuple[str, str] | None:
        if not text:
            return None
        return self._labels.remember(text, self._label, LABEL_MEMO_MAX)

    def _label(self, text: str) -> tuple[str, str] | None:
        k = key(text)
        if not k or len(k) > MAX_HEADER_CHARS or _NUMERIC.match(k):
            return None
        hit = self.index.match(k)
        if hit is None:
            # 单位(科室) / 岗位(职权): the part before the bracket names the column
            base = re.sub(r"\(.*?\)", "", k)
            if base and base != k:
                hit = self.index.match(base)
        if hit is None:
            return None
        label, phrase, exact = hit
        if not exact and len(phrase) == 1:
            return None  # 序 inside a sentence-like cell is not a header
        return label, phrase

    def row_labels(self, table: Table, omap: list[list[Cell | None]], r: int) -> dict[int, tuple[str, str]]:
        out: dict[int, tuple[str, str]] = {}
        for c in range(table.n_cols):
            cell = omap[r][c]
            if cell is None:
                continue
            hit = self.label(cell.text)
            if hit is not None:
                out[c] = hit
        return out


def _score(labels: dict[int, tuple[str, str]]) -> int:
    distinct = {lab for lab, _p in labels.values()}
    if len(distinct) < 2 or not (distinct & CORE):
        return 0
    return len(distinct)


def detect_header(table: Table, hx: HeaderIndex,
                  is_level_word: Callable[[str], bool] | None = None,
                  omap: list[list[Cell | None]] | None = None) -> ColumnMap | None:
    """The column map of ``table`` from its header row(s), or None if no row looks like one."""
    if table.n_rows == 0 or table.n_cols < 2:
        return None
    omap = omap if omap is not None else table.origin_map()
    best: tuple[int, int, dict[int, tuple[str, str]]] | None = None  # (score, row, labels)
    for r in range(min(HEADER_SCAN_ROWS, table.n_rows)):
        labels = hx.row_labels(table, omap, r)
        s = _score(labels)
        if s and (best is None or s > best[0]):
            best = (s, r, labels)
    if best is None:
        return None
    _s, r, labels = best
    rows = [r]
    # a group header over sub-headers: the next row names the columns a cell above spans
    # ("防控措施" over 前期预防/中期监控/后期处置, "风险等级" over 高/中/低 tick columns)
    if r + 1 < table.n_rows:
        sub_new = [(c, omap[r + 1][c]) for c in range(table.n_cols)
                   if omap[r + 1][c] is not None and omap[r + 1][c].row == r + 1]  # type: ignore[union-attr]
        grouped = {c for c in range(table.n_cols) if omap[r][c] is not None and omap[r][c].col_span > 1}  # type: ignore[union-attr]
        if sub_new and grouped and not any(_NUMERIC.match(compact(cell.text) or "x") for _c, cell in sub_new if cell):
            sub_labels: dict[int, tuple[str, str]] = {}
            for c, cell in sub_new:
                hit = hx.label(cell.text) if cell is not None else None
                above = omap[r][c]
                group_label = labels.get(above.col, ("", ""))[0] if above is not None else ""
                if hit is not None:
                    sub_labels[c] = hit
                elif group_label == "level" and cell is not None and is_level_word and is_level_word(cell.text):
                    sub_labels[c] = ("level_mark", compact(cell.text))
            if sub_labels and (any(c in grouped for c in sub_labels) or len(sub_labels) * 2 >= len(sub_new)):
                rows.append(r + 1)
                labels.update(sub_labels)
    # a header broken over two rows without merges (PDF): "建议风险" above "级别"
    if len(rows) == 1 and r + 1 < table.n_rows:
        below = {c: omap[r + 1][c] for c in range(table.n_cols)
                 if omap[r + 1][c] is not None and omap[r + 1][c].row == r + 1 and _text(omap[r + 1][c])}  # type: ignore[union-attr]
        if below and all(len(key(cell.text)) <= 6 and not _NUMERIC.match(key(cell.text))  # type: ignore[union-attr]
                         for cell in below.values()):
            joined: dict[int, tuple[str, str]] = {}
            for c, cell in below.items():
                above = omap[r][c]
                hit = hx.index.match(key(above.text if above is not None else "") + key(cell.text),  # type: ignore[union-attr]
                                     substring=False)
                if hit is not None:
                    joined[c] = (hit[0], hit[1])
            if joined:
                rows.append(r + 1)
                labels.update(joined)
    # a label cell spanning several columns labels all of them
    for c in range(table.n_cols):
        if c in labels:
            continue
        for hr in rows:
            cell = omap[hr][c]
            if cell is not None and cell.col != c and cell.col in labels:
                labels[c] = labels[cell.col]
                break
    header_text = {}
    broken = len(rows) == 2 and not any(omap[r][c] is not None and omap[r][c].col_span > 1  # type: ignore[union-attr]
                                        for c in range(table.n_cols))
    for c in range(table.n_cols):
        parts = []
        for hr in rows:
            cell = omap[hr][c]
            if cell is not None and compact(cell.text) and compact(cell.text) not in parts:
                parts.append(compact(cell.text))
        header_text[c] = ("" if broken else "/").join(parts)
    return ColumnMap(
        labels={c: lab for c, (lab, _p) in labels.items()},
        header_text=header_text,
        header_rows=tuple(rows),
        n_cols=table.n_cols,
        why={c: p for c, (_lab, p) in labels.items()},
    )


@dataclass
class LogicalRow:
    """One risk (or one power of a catalog) spread over one or more physical rows."""

    rows: list[int]
    values: dict[str, str]  # label → filled value of the first physical row (first column)
    columns: dict[int, str]  # col → filled value of the first physical row
    name: str = ""
    name_col: int | None = None
    name_from: str = "risk"  # the label the name came from
    manifestation: list[str] = field(default_factory=list)
    measure_cells: list[tuple[str, Cell]] = field(default_factory=list)
    extra: dict[int, list[str]] = field(default_factory=dict)  # responsible cols: new values on later rows
    group: str | None = None
    first_cell: Cell | None = None
    continued_in: list[tuple[int, int]] = field(default_factory=list)  # (table, row) after a break
    level_marks: list[str] = field(default_factory=list)  # 高/中/低 columns ticked in this row


def _text(cell: Cell | None) -> str:
    return (cell.text or "").strip() if cell is not None else ""


_SENTENCE_END = ("。", "；", ";", "！", "!", "？", "?")


def _continues_text(before: str, after: str) -> bool:
    """True when ``after`` carries on the sentence ``before`` left open (no enumerator starts it)."""
    b, a = before.strip(), after.strip()
    return bool(b and a) and not b.endswith(_SENTENCE_END) and match_enumerator(a) is None


def _header_keys(cmap: ColumnMap) -> dict[int, str]:
    return cmap.memo("header_keys", lambda: {c: key(t.split("/")[-1]) for c, t in cmap.header_text.items() if t})


def _group_text(table: Table, cell: Cell, seq_col: int | None) -> str | None:
    """The group a row's one cell names, when it spans (nearly) the whole table."""
    others = table.n_cols - (1 if seq_col is not None and cell.col != seq_col else 0)
    if cell.col_span >= max(2, others - 1) and not _NUMERIC.match(compact(cell.text)):
        text = cell.text.strip()
        e = match_enumerator(text)
        return text[e.end:].strip() if e else text
    return None


@dataclass
class TableView:
    """A table's cells read once, for every grid position: the origin cell that covers it
    (:meth:`Table.origin_map`), that cell's row and its text (the filled grid,
    :meth:`Table.grid`), stripped and not.

    Reading an attribute of a pydantic model costs several times a plain object's, and the
    rows of a table are read position by position; the view reads each cell once.
    """

    omap: list[list[Cell | None]]
    origin_rows: list[list[int | None]]
    texts: list[list[str]]
    stripped: list[list[str]]
    has_merges: bool


def table_view(table: Table) -> TableView:
    """The :class:`TableView` of ``table`` (the same positions, in the same order of writing, as
    ``origin_map`` and ``grid(filled=True)``: a later cell overlapping an earlier one wins)."""
    n_rows, n_cols = table.n_rows, table.n_cols
    omap: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    orow: list[list[int | None]] = [[None] * n_cols for _ in range(n_rows)]
    texts = [[""] * n_cols for _ in range(n_rows)]
    stripped = [[""] * n_cols for _ in range(n_rows)]
    has_merges = False
    for c in table.cells:
        d = c.__dict__
        r0, k0, rs, cs, text = d["row"], d["col"], d["row_span"], d["col_span"], d["text"]
        if text is None:
            text = ""
        bare = text.strip()
        if rs > 1:
            has_merges = True
        if rs == 1 and cs == 1:
            if r0 < n_rows and k0 < n_cols:
                omap[r0][k0], orow[r0][k0], texts[r0][k0], stripped[r0][k0] = c, r0, text, bare
            continue
        for r in range(r0, min(r0 + rs, n_rows)):
            o, w, t, b = omap[r], orow[r], texts[r], stripped[r]
            for k in range(k0, min(k0 + cs, n_cols)):
                o[k], w[k], t[k], b[k] = c, r0, text, bare
    return TableView(omap, orow, texts, stripped, has_merges)


def read_rows(table: Table, cmap: ColumnMap, hx: HeaderIndex, carry: LogicalRow | None = None,
              view: TableView | None = None) -> list[LogicalRow]:
    """The logical rows of a table under ``cmap`` (header rows, repeated headers and group rows
    are skipped; group rows label the rows below them).

    ``carry`` is the last row of the table this one continues: leading rows with no name and no
    number of their own (a cell broken by a page) are added to it, not dropped.
    """
    if view is None:
        view = table_view(table)
    omap, orows, stripped = view.omap, view.origin_rows, view.stripped
    filled = view.texts
    has_merges = view.has_merges
    start = (max(cmap.header_rows) + 1) if cmap.header_rows and not cmap.inherited else 0
    name_col = cmap.col("risk")
    name_from = "risk"
    if name_col is None:
        name_col = cmap.col("manifestation")
        name_from = "manifestation"
    if name_col is None and cmap.is_power_catalog:
        name_col = cmap.col("power")
        name_from = "power"
    if name_col is None:
        return []
    seq_col = cmap.col("seq")
    man_col = cmap.col("manifestation") if name_from == "risk" else None
    measure_cols = cmap.cols("measure")
    mark_cols = cmap.cols("level_mark")
    resp_cols = cmap.cols("responsible")
    group_cols = [c for lab in GROUPING for c in cmap.cols(lab)]
    fill_cols = group_cols if not has_merges else []
    last_fill: dict[int, str] = {}
    # a table continuing another on the next page: its merged 科室/责任领导 cells print empty
    # until a new group starts, so the values of the row carried over hold for them
    inherit = {c: carry.columns.get(c, "") for c in group_cols} if carry is not None else {}

    header = _header_keys(cmap)
    labelled = sorted(cmap.labels.items())
    n_cols = table.n_cols
    table_index = table.index
    rows: list[LogicalRow] = []
    cur: LogicalRow | None = carry
    group: str | None = carry.group if carry is not None else None
    for r in range(start, table.n_rows):
        if _repeats_header(view, r, header):
            continue
        g = _group_row(table, view, r, seq_col)
        if g is not None:
            group, cur = g, None
            continue
        omap_r, orow_r, bare_r = omap[r], orows[r], stripped[r]
        vals = list(filled[r])
        own = True  # every value is the row's own cell text (its stripped form is in the view)
        if inherit:
            for c in list(inherit):
                if vals[c]:
                    del inherit[c]  # the column has a value of its own from here on
                else:
                    vals[c] = inherit[c]
                    own = False
        for c in fill_cols:  # flattened sources: an empty grouping cell repeats the one above
            if vals[c]:
                last_fill[c] = vals[c]
            elif c in last_fill:
                vals[c] = last_fill[c]
                own = False
        name_row = orow_r[name_col]  # the row of the cell covering the name column
        name_here = bare_r[name_col] if name_row == r else ""
        name_covered = name_row is not None and name_row < r
        seq_row = orow_r[seq_col] if seq_col is not None else None
        seq_new = seq_row == r and bool(bare_r[seq_col])  # type: ignore[index]
        seq_covered = seq_row is not None and seq_row < r
        man_here = bare_r[man_col] if man_col is not None and orow_r[man_col] == r else ""
        measures_here = [(omap_r[c], c) for c in measure_cols if orow_r[c] == r and bare_r[c]]
        anything = name_here or man_here or measures_here
        continues = cur is not None and (
            (name_covered and not seq_new)
            or (not name_here and seq_covered)
            or (not name_here and not seq_new and seq_col is not None and anything)
            or (not name_here and seq_col is None and anything and not man_here)
        )
        if continues and cur is not None:
            if cur is carry:
                cur.continued_in.append((table_index, r))
            else:
                cur.rows.append(r)
            if man_here:
                if cur.manifestation and _continues_text(cur.manifestation[-1], man_here):
                    cur.manifestation[-1] += man_here  # one sentence broken by a page
                else:
                    cur.manifestation.append(man_here)
            elif name_from == "manifestation" and name_here:
                cur.name = f"{cur.name}\n{name_here}"
            for cell, _c in measures_here:
                if cell is None or any(cell is x for _t, x in cur.measure_cells):
                    continue
                if cur.measure_cells and _continues_text(cur.measure_cells[-1][0], cell.text):
                    # a cell broken by a page or a line of a flattened table: one text
                    prev_text, prev_cell = cur.measure_cells[-1]
                    cur.measure_cells[-1] = (prev_text.rstrip() + cell.text.strip(), prev_cell)
                else:
                    cur.measure_cells.append((cell.text, cell))
            for c in resp_cols:
                if orow_r[c] == r and bare_r[c]:
                    cur.extra.setdefault(c, []).append(bare_r[c])
            continue
        name, nfrom, ncol = name_here, name_from, name_col
        if not name and name_covered and seq_new:
            name = bare_r[name_col]  # a merged name over rows that number separate risks
        manifestation = [man_here] if man_here else []
        if not name and man_here and seq_new:
            # only the description is filled in: its text is the risk's name (dev 04/90)
            name, nfrom, ncol, manifestation = man_here, "manifestation", man_col, []
        if not name or hx.is_footer(name):
            if anything:
                _log.debug("table %d row %d: no risk name (or a sign-off line): skipped", table_index, r)
            cur = None
            continue
        values: dict[str, str] = {}
        for c, lab in labelled:
            v = bare_r[c] if own else (vals[c] or "").strip()
            if v and lab not in values:
                values[lab] = v
        cur = LogicalRow(
            rows=[r],
            values=values,
            columns=dict(enumerate(vals[:n_cols])),
            name=name,
            name_col=ncol,
            name_from=nfrom,
            manifestation=manifestation,
            measure_cells=[(cell.text, cell) for cell, _c in measures_here if cell is not None],
            group=group,
            first_cell=omap_r[name_col],
        )
        for c in mark_cols:  # a ticked 高/中/低 column names the level
            if orow_r[c] == r and bare_r[c]:
                cur.level_marks.append(cmap.header_text.get(c, "").split("/")[-1])
        rows.append(cur)
    return rows


def _repeats_header(view: TableView, r: int, header: dict[int, str]) -> bool:
    """A header printed again (every page of a PDF table): most cells equal the header's text."""
    if len(header) < 2:
        return False
    need = max(2, int(0.6 * len(header)))
    orow_r, texts_r = view.origin_rows[r], view.texts[r]
    n = len(orow_r)
    same, left = 0, len(header)
    for c, k in header.items():  # stops once the count is decided: a data row is out in a few
        left -= 1
        # key(text) == k needs k's first character in the text, unless folding made it: a
        # substring test rules most data cells out without computing their key
        if c < n and orow_r[c] is not None and (not k or k[0] in FOLDED or k[0] in texts_r[c]) \
                and key(texts_r[c]) == k:
            same += 1
            if same >= need:
                return True
        elif same + left < need:
            return False
    return False


def _group_row(table: Table, view: TableView, r: int, seq_col: int | None) -> str | None:
    """A row that is one cell across the table ("一、办公室", or "一 | 办公室" beside the 序号):
    the group the next rows belong to."""
    orow_r, bare_r, omap_r = view.origin_rows[r], view.stripped[r], view.omap[r]
    cell: Cell | None = None
    for k in range(len(orow_r)):
        if orow_r[k] != r or not bare_r[k]:
            continue
        c = omap_r[k]
        if c is cell or (c.col == seq_col and c.col_span <= 1):  # type: ignore[union-attr]
            continue
        if cell is not None:
            return None  # a second cell: a data row
        cell = c
    if cell is None:
        return None
    return _group_text(table, cell, seq_col)


# -- key-value forms ----------------------------------------------------------------------

KV_LABELS = ("risk", "manifestation", "measure", "level", "category", "responsible", "resp_unit",
             "unit", "post", "power")


def read_key_value(table: Table, hx: HeaderIndex, omap: list[list[Cell | None]] | None = None) -> list[LogicalRow]:
    """A form whose rows are "label | value" (风险点 | …, 防控措施 | …): one record per 风险点.

    Pairs may sit side by side (label | value | label | value). A new 风险点 label starts a new
    record; other labels fill the current one.
    """
    omap = omap if omap is not None else table.origin_map()
    pairs: list[tuple[str, str, Cell, int]] = []
    for r in range(table.n_rows):
        seen: set[int] = set()
        for c in range(table.n_cols - 1):
            cell = omap[r][c]
            if cell is None or id(cell) in seen or cell.row != r:
                continue
            seen.add(id(cell))
            hit = hx.label(cell.text)
            if hit is None or hit[0] not in KV_LABELS:
                continue
            nxt_c = cell.col + cell.col_span
            if nxt_c >= table.n_cols:
                continue
            val = omap[r][nxt_c]
            if val is None or hx.label(val.text) is not None:
                continue
            pairs.append((hit[0], (val.text or "").strip(), val, r))
    labels = {p[0] for p in pairs}
    if "risk" not in labels or not labels & {"measure", "level", "responsible"}:
        return []
    out: list[LogicalRow] = []
    context: dict[str, str] = {}
    cur: LogicalRow | None = None
    for lab, val, cell, r in pairs:
        if lab == "risk":
            cur = LogicalRow(rows=[r], values=dict(context), columns={}, name=val, name_col=cell.col,
                             first_cell=cell)
            out.append(cur)
        elif cur is None:
            if val:
                context[lab] = val
        elif lab == "manifestation":
            if val:
                cur.manifestation.append(val)
        elif lab == "measure":
            cur.measure_cells.append((val, cell))
            cur.rows.append(r)
        elif val:
            cur.values.setdefault(lab, val)
            if lab == "responsible":
                cur.columns[cell.col] = val
    return [x for x in out if x.name]
