"""The batch summary: ``index.html`` and ``summary.xlsx`` listing every file.

Each row says the unit, kind, read status, risk points, covered %, high-risk gaps and findings by
severity, and links (relative, URL-escaped) to the unit's report, so the folder can be moved or
zipped and still work. Rows come from the counts the batch keeps per file (``DocOutcome.info``):
no document is read back. Headline totals count each submission once (see
:func:`pipeline.report.view.renderings`); a rendering's row names the file counted instead.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from pipeline.report.labels import labels

_log = logging.getLogger(__name__)


def submission_rows(result: Any) -> list[dict[str, Any]]:
    """One dict per file, in unit order then file order. A file that is another rendering of a
    submission (``x.pdf`` beside ``x.docx``) says so: its figures are not in the totals."""
    rows = []
    unit_of = {id(d): u for u in result.units for d in u.docs}
    for d in sorted(result.docs, key=lambda d: ((unit_of[id(d)].name if id(d) in unit_of else ""), d.rel)):
        u = unit_of.get(id(d))
        i = d.info
        sev = {s: (i.findings.get(s, 0) if i else 0) for s in ("error", "warning", "info")}
        html_rel = u.files.get("html") if u else None
        rows.append({
            "unit": u.name if u else "",
            "href": quote(html_rel) if html_rel else None,
            "report": html_rel,
            "file": d.rel,
            "kind": i.kind if i else "unknown",
            "status": d.status,
            "error": d.errors[0].message if d.status == "failed" and d.errors else "",
            "risks": i.risks if i else 0,
            "covered_pct": round(100.0 * i.covered / i.decidable, 1) if i and i.decidable and i.checked else None,
            "high_gaps": i.high_gaps if i else 0,
            "error_n": sev["error"], "warning_n": sev["warning"], "info_n": sev["info"],
            "cached": d.cached,
            "rendering_of": i.rendering_of if i else None,
        })
    return rows


def prepare() -> None:
    """Import and compile what the summary needs (the index template, the Excel and JSON writers),
    so that a caller with time to spare — a batch whose workers are still starting — pays for it
    then rather than at the end, when everything waits for the summary."""
    import xlsxwriter  # noqa: F401

    from pipeline.report import jsonout, xlsx  # noqa: F401
    from pipeline.report.html import _assets, environment

    environment().get_template("index.html.j2")
    _assets()


def render_index(result: Any) -> str:
    from pipeline import __version__
    from pipeline.report.html import base_context, environment

    ctx = base_context(result.lang, __version__)
    ctx.update(t=result.totals(), rows=submission_rows(result), rules=result.rules)
    return environment().get_template("index.html.j2").render(**ctx)


def render_xlsx(result: Any) -> bytes:
    from pipeline.report.xlsx import Workbook

    L = labels(result.lang)
    wb = Workbook(title=L["batch_title"])
    head = [L["unit"], L["file"], L["kind"], L["status"], L["risks"], L["covered_pct"], L["high_gaps"],
            L["error"], L["warning"], L["info"], L["errors"], L["open_report"], L["rendering_of"]]
    rows = [[r["unit"], r["file"], L.get(r["kind"], r["kind"]), L.get(r["status"], r["status"]), r["risks"],
             r["covered_pct"], r["high_gaps"], r["error_n"], r["warning_n"], r["info_n"], r["error"], r["report"] or "",
             r["rendering_of"] or ""]
            for r in submission_rows(result)]
    wb.add_sheet(L["files"], head, rows, widths={0: 24, 1: 40, 10: 50, 11: 30, 12: 40})
    t = result.totals()
    wb.add_sheet(L["gaps_by_rule"], [L["rule"], L["rule_name"], L["count"]],
                 [[code, (result.rules[code].name if code in result.rules else ""), n] for code, n in t["by_rule"].items()],
                 widths={1: 30})
    return wb.to_bytes()
