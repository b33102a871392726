"""The unit report as CSV: UTF-8 with a BOM (so Excel reads Chinese correctly), cells neutralised.

Written as :mod:`csv` writes the excel dialect (minimal quoting, CRLF), without going through its
writer: most rows need no quoting, and joining them is several times quicker.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from pipeline.report.safe import NeutralText, neutralise
from pipeline.report.view import UnitReport
from pipeline.report.xlsx import finding_rows, risk_rows


def csv_field(text: str) -> str:
    """One field as csv.writer writes it (excel dialect): quoted, inner quotes doubled, when it
    holds a comma, a quote or a line break (``in`` looks for each faster than a pattern would)."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(head: list[str], rows: list[list[Any]], neutral: NeutralText | None = None) -> bytes:
    """The rows as csv.writer would write them (CRLF), every cell neutralised (through ``neutral``
    when given: a table shared with the other files of the same rows); a row at a time, quoting
    field by field only in the rows that need it."""
    lines = []
    text = NeutralText() if neutral is None else neutral
    for row in chain((head,), rows):
        fields = [text[v] if type(v) is str else "" if v is None else str(neutralise(v)) for v in row]
        line = ",".join(fields)
        if line.count(",") != len(fields) - 1 or '"' in line or "\n" in line or "\r" in line:
            line = ",".join(map(csv_field, fields))
        elif fields == [""]:
            line = '""'  # a row of one empty field, which would read back as no field at all
        lines.append(line)
    lines.append("")
    return "\r\n".join(lines).encode("utf-8-sig")


def render_findings(report: UnitReport, rows: tuple[list[str], list[list[Any]]] | None = None,
                    neutral: NeutralText | None = None) -> bytes:
    return to_csv(*(rows or finding_rows(report)), neutral)


def render_risks(report: UnitReport, rows: tuple[list[str], list[list[Any]]] | None = None,
                 neutral: NeutralText | None = None) -> bytes:
    return to_csv(*(rows or risk_rows(report)), neutral)
