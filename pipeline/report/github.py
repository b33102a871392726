"""GitHub Actions workflow commands (``::error file=…,line=…,title=LF101::message``) and a job summary.

Escaping follows the runner's rules: in the message ``%``, ``\\r`` and ``\\n`` are percent-encoded;
in property values ``:`` and ``,`` are too. Annotations are capped per severity (GitHub shows only
a few per step anyway), with one summary line for the rest.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
DEFAULT_CAP = 50


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(row: Any) -> str:
    cmd = COMMANDS.get(row.severity, "warning")
    props = [f"file={escape_property(row.file)}", f"line={row.line}"]
    if row.col is not None:
        props.append(f"col={row.column}")
    props.append(f"title={escape_property(row.rule + (' ' + row.name if row.name else ''))}")
    return f"::{cmd} {','.join(props)}::{escape_data(row.message)}"


def render(result: Any, cap: int = DEFAULT_CAP) -> str:
    lines: list[str] = []
    shown = dict.fromkeys(COMMANDS, 0)
    hidden = dict.fromkeys(COMMANDS, 0)
    for row in result.finding_rows():
        sev = row.severity if row.severity in COMMANDS else "warning"
        if shown[sev] < cap:
            lines.append(annotation(row))
            shown[sev] += 1
        else:
            hidden[sev] += 1
    if any(hidden.values()):
        parts = ", ".join(f"{n} {s}" for s, n in hidden.items() if n)
        lines.append(f"::notice title=lianfang::{escape_data(f'{parts} more findings not annotated (limit {cap} per severity); see the reports')}")
    return "\n".join(lines) + ("\n" if lines else "")


def job_summary(result: Any) -> str:
    """A Markdown summary for ``$GITHUB_STEP_SUMMARY``: totals, then one table row per unit."""
    from pipeline.report.markdown import md_text, pct, table

    t = result.totals()
    out = ["## lianfang check", "",
           f"**{t['submissions']}** submissions · **{t['units']}** units · **{t['risks']}** risk points · "
           f"covered **{pct(t['covered_pct'])}** · high-risk gaps **{t['high_gaps']}** · "
           f"findings {t['by_severity']['error']} error / {t['by_severity']['warning']} warning / {t['by_severity']['info']} info",
           ""]
    if t["failed"]:
        out += [f"**{t['failed']}** submissions could not be read.", ""]
    rows = []
    for u in result.units:
        f = u.figures or (u.report.figures if u.report else {})
        rows.append([md_text(u.name), str(f.get("submissions", len(u.docs))), str(f.get("risks", "")), pct(f.get("covered_pct")),
                     str(f.get("high_gaps", "")), " ".join(f"{k}×{v}" for k, v in f.get("by_rule", {}).items())])
    if rows:
        out += table(["unit", "submissions", "risks", "covered", "high gaps", "findings by rule"], rows)
    return "\n".join(out) + "\n"


def append_job_summary(result: Any) -> Path | None:
    """Append :func:`job_summary` to ``$GITHUB_STEP_SUMMARY`` when GitHub set it."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as f:
        f.write(job_summary(result))
    return Path(target)
