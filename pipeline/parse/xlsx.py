"""Excel parser (.xlsx via openpyxl): each non-empty sheet becomes one table block.

- The workbook is loaded with ``read_only=False`` (read-only mode does not expose merged ranges)
  and ``data_only=True`` (the cached results of formulas, which is what the user saw).
- Merged ranges resolve to one origin cell with row/col spans, as in a Word table, so
  ``Table.grid(filled=True)`` fills them.
- Empty rows and columns round the used area are trimmed (sheets often carry formatting far
  beyond their data).
- Values are rendered as the user sees them where that is simple: integers without ``.0``,
  fixed decimals and percentages from the number format, dates in ISO form.
- A leading title row (one value merged across the table, e.g. 廉政风险点及防控措施) becomes a
  paragraph before the table, which is where a Word submission has it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.model import Block, Cell, Document, Loc, Table
from pipeline.normalise import with_raw

_log = logging.getLogger(__name__)

_DECIMALS = re.compile(r"0\.(0+)")
_MAX_CELLS = 2_000_000  # a sheet larger than this is not a submission form


def render(value: Any, number_format: str = "General") -> str:
    """A cell value as the user sees it in Excel, for the simple formats."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds" if value.second or value.microsecond else "minutes")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, int):
        return _group(str(value), number_format)
    if isinstance(value, float):
        fmt = number_format or "General"
        m = _DECIMALS.search(fmt)
        places = len(m.group(1)) if m else 0
        if "%" in fmt:
            return f"{value * 100:.{places}f}%"
        if m or fmt.strip() in ("0", "#,##0"):
            return _group(f"{value:.{places}f}", fmt)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    return str(value)


def _group(s: str, fmt: str) -> str:
    """Thousands separators when the number format asks for them (#,##0)."""
    if "," not in fmt or "#,#" not in fmt:
        return s
    sign = "-" if s.startswith("-") else ""
    whole, _, frac = s.lstrip("-").partition(".")
    whole = f"{int(whole):,}"
    return sign + whole + ("." + frac if frac else "")


def _check_package(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile:
        raise InputError(path, "not_a_zip", "the .xlsx is damaged: it is not a ZIP package") from None
    if "xl/workbook.xml" not in names:
        raise InputError(path, "not_xlsx", "the ZIP package has no xl/workbook.xml: not an Excel workbook")


def _sheet_table(ws: Any, index: int, block: int, file: str) -> tuple[Table, str | None] | None:
    """The sheet's used area as a table, and the text of a leading title row (dropped from it)."""
    values: dict[tuple[int, int], tuple[str, str | None]] = {}
    # sheets repeat their values (二级, 科长, 办公室) thousands of times: normalise each once
    norm = lru_cache(maxsize=1 << 16)(with_raw)
    for row in ws.iter_rows():
        for c in row:
            v = c.value
            if v is None or (isinstance(v, str) and not v.strip()):
                continue
            text, raw = norm(render(v, c.number_format))
            if text:
                values[(c.row, c.column)] = (text, raw)
    if not values:
        return None
    merges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges]
    rows = [r for r, _ in values]
    cols = [c for _, c in values]
    r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
    # a merge that starts inside the used area may stretch it (a merged 科室 over empty rows)
    for mr0, mc0, mr1, mc1 in merges:
        if (mr0, mc0) in values:
            r1, c1 = max(r1, mr1), max(c1, mc1)
    if (r1 - r0 + 1) * (c1 - c0 + 1) > _MAX_CELLS:
        raise InputError(file, "too_large", f"sheet {ws.title!r} has more than {_MAX_CELLS} cells")
    title: str | None = None
    first = [k for k in values if k[0] == r0]
    if r1 > r0 and c1 > c0 and len(first) == 1:
        (tr, tc), (ttext, _traw) = first[0], values[first[0]]
        spanning = any(mr0 == tr and mc0 == tc and mr1 == tr and mc1 - mc0 + 1 >= (c1 - c0 + 1) / 2
                       for mr0, mc0, mr1, mc1 in merges)
        if spanning:
            title = ttext
            values.pop((tr, tc))
            r0 += 1
    origin_span: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for mr0, mc0, mr1, mc1 in merges:
        if mr1 < r0 or mr0 > r1 or mc1 < c0 or mc0 > c1:
            continue
        origin_span[(mr0, mc0)] = (min(mr1, r1) - mr0 + 1, min(mc1, c1) - mc0 + 1)
        for r in range(mr0, mr1 + 1):
            for c in range(mc0, mc1 + 1):
                if (r, c) != (mr0, mc0):
                    covered.add((r, c))
    n_rows, n_cols = r1 - r0 + 1, c1 - c0 + 1
    cells: list[Cell] = []
    for r in range(r0, r1 + 1):
        for c in range(c0, c1 + 1):
            if (r, c) in covered:
                continue
            rs, cs = origin_span.get((r, c), (1, 1))
            text, raw = values.get((r, c), ("", None))
            gr, gc = r - r0, c - c0
            # built without validation: every field is set here from checked values, and big
            # sheets have hundreds of thousands of cells
            loc = Loc.model_construct(file=file, table=index, row=gr, col=gc)
            cells.append(Cell.model_construct(row=gr, col=gc, row_span=rs, col_span=cs, text=text, raw=raw,
                                              tables=[], loc=loc))
    tbl = Table(index=index, n_rows=n_rows, n_cols=n_cols, cells=cells, title=ws.title,
                loc=Loc(file=file, block=block, table=index))
    return tbl, title


def parse(path: Path | str) -> Document:
    """Read an .xlsx workbook; raises InputError when it is not a readable workbook."""
    from pipeline.parse import new_document

    path = Path(path)
    _check_package(path)
    import openpyxl  # lazily: the CLI must start fast

    try:
        # a file object, not the name: openpyxl refuses names not ending in .xlsx (a mislabelled .xls)
        with open(path, "rb") as fh:
            wb = openpyxl.load_workbook(fh, read_only=False, data_only=True)
    except (KeyError, ValueError, TypeError, OSError, zipfile.BadZipFile) as e:
        raise InputError(path, "corrupt_xlsx", f"the workbook cannot be read ({type(e).__name__}: {e})") from e
    except Exception as e:  # openpyxl raises many kinds on malformed parts (lxml, defusedxml)
        name = type(e).__name__
        if "Forbidden" in name or "DTD" in name or "Entities" in name:
            raise InputError(path, "xml_doctype", f"the workbook contains a forbidden XML construct ({name})") from e
        raise InputError(path, "corrupt_xlsx", f"the workbook cannot be read ({name}: {e})") from e
    doc = new_document(path, "xlsx")
    file = str(path)
    blocks: list[Block] = []
    n_tables = 0
    try:
        for ws in wb.worksheets:
            built = _sheet_table(ws, n_tables, len(blocks), file)
            if built is None:
                continue
            tbl, title = built
            if title is not None:
                blocks.append(Block(index=len(blocks), kind="paragraph", text=title,
                                    loc=Loc(file=file, block=len(blocks))))
                if doc.title is None:
                    doc.title = title
                tbl.loc = tbl.loc.at(block=len(blocks))
            blocks.append(Block(index=len(blocks), kind="table", table=tbl,
                                loc=Loc(file=file, block=len(blocks), table=n_tables)))
            n_tables += 1
    finally:
        wb.close()
    doc.blocks = blocks
    if not blocks:
        doc.add_error("parse", "no_text", f"{path}: every sheet of the workbook is empty")
    return doc
