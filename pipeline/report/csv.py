"""The unit report as CSV: UTF-8 with a BOM (so Excel reads Chinese correctly), cells neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any

from pipeline.report.safe import neutralise_row
from pipeline.report.view import UnitReport
from pipeline.report.xlsx import finding_rows, risk_rows


def to_csv(head: list[str], rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(neutralise_row(head))
    memo: dict[str, str] = {}
    w.writerows(["" if v is None else v for v in neutralise_row(r, memo)] for r in rows)
    return buf.getvalue().encode("utf-8-sig")


def render_findings(report: UnitReport, rows: tuple[list[str], list[list[Any]]] | None = None) -> bytes:
    return to_csv(*(rows or finding_rows(report)))


def render_risks(report: UnitReport, rows: tuple[list[str], list[list[Any]]] | None = None) -> bytes:
    return to_csv(*(rows or risk_rows(report)))
