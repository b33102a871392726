"""The default ``--format text``: a newcomer-friendly summary, then one line per finding.

Lines are ``path:line:col: LF101 error message`` (1-based: line = table row, or paragraph),
the shape editors and CI log viewers turn into links; capped so a huge batch stays readable.
"""

from __future__ import annotations

from typing import Any

from pipeline.report.labels import labels

DEFAULT_CAP = 200


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v:g}%"


def summary(result: Any) -> list[str]:
    L = labels(result.lang)
    t = result.totals()
    en = result.lang == "en"
    files = f" / {t['files']} {L['files_read']}" if t.get("files", t["submissions"]) != t["submissions"] else ""
    head = [
        f"{L['text_head']}: {t['submissions']} {L['submissions']}{files}, {t['units']} {L['units']}"
        f" ({L['parsed']} {t['parsed']}, {L['cache_hits']} {t['cache_hits']})",
        f"  {L['risks']}: {t['risks']}    {L['covered_pct']}: {pct(t['covered_pct'])} ({t['covered']}/{t['decidable']})"
        f"    {L['high_gaps']}: {t['high_gaps']}",
        f"  {L['findings_by_sev']}: {t['by_severity']['error']} / {t['by_severity']['warning']} / {t['by_severity']['info']}",
    ]
    if t["by_rule"]:
        rules = result.rules or {}
        parts = []
        for code, n in t["by_rule"].items():
            info = rules.get(code)
            parts.append(f"{code} {info.name if info else ''} ×{n}".replace("  ", " "))
        head.append(f"  {L['gaps_by_rule']}: " + ", ".join(parts))
    if files:
        head.append("  " + L["renderings_note"].format(n=t["files"] - t["submissions"]))
    if t["failed"]:
        head.append(f"  {L['doc_failed']}: {t['failed']}" if not en else f"  unreadable: {t['failed']}")
    if result.aborted:
        head.append(("  stopped early (--fail-fast): " if en else "  已提前停止（--fail-fast）：") + (result.abort_reason or ""))
    index = result.out / "index.html"
    if index.exists():
        head.append(f"  {L['text_open']}: {index}")
    return head


def render(result: Any, cap: int = DEFAULT_CAP) -> str:
    lines = summary(result)
    rows = result.finding_rows(limit=cap)  # only what is printed is read back
    total = result.finding_count()
    if rows:
        lines.append("")
    for r in rows:
        lines.append(f"{r.file}:{r.line}:{r.column}: {r.rule} {r.severity} {' '.join(r.message.split())}")
    if total > len(rows):
        lines.append(labels(result.lang)["text_more"].format(n=total - len(rows)))
    return "\n".join(lines) + "\n"
