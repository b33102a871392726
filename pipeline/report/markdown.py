"""The unit report as Markdown (for a wiki, an issue, or GitHub's job summary).

Document text is escaped so that it stays text: no table-breaking ``|``, no emphasis or links
made from ``*``/``[``, and no raw HTML (``<script>`` becomes ``&lt;script&gt;``), since most
Markdown renderers pass HTML through.
"""

from __future__ import annotations

import re

from pipeline.report.labels import labels
from pipeline.report.view import UnitReport

_MD_SPECIAL = "\\`*_{}[]()#+!|~-"  # the backslash first: the others gain one
_MD_NEEDS = re.compile("[&<>" + re.escape(_MD_SPECIAL) + "]")


def md_text(text: str | None) -> str:
    """Escape untrusted text for inline use in Markdown (also inside table cells)."""
    if not text:
        return ""
    s = str(text)
    if _MD_NEEDS.search(s):  # most text has nothing to escape
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for c in _MD_SPECIAL:  # a replace per character present beats one pass of str.translate
            if c in s:
                s = s.replace(c, "\\" + c)
    if "\n" not in s and "\r" not in s:
        return s.strip()
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    return "<br>".join(part.strip() for part in s.split("\n"))


class _Escaped(dict):  # type: ignore[type-arg]
    """:func:`md_text` of each distinct text once: file names, departments and measures recur."""

    def __missing__(self, text: str | None) -> str:
        out = self[text] = md_text(text)
        return out


def table(head: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v:g}%"


def render_unit(report: UnitReport) -> str:
    L = labels(report.lang)
    f = report.figures
    lines = [f"# {md_text(L['title'])} — {md_text(report.name)}", ""]
    n_subs, n_files = f.get("submissions", len(report.docs)), f.get("files", len(report.docs))
    lines += [
        f"- **{L['files']}**: {n_subs} {L['submissions']}" + (f" ({n_files} {L['files_read']})" if n_files != n_subs else ""),
        f"- **{L['risks']}**: {f['risks']}",
        f"- **{L['covered_pct']}**: {pct(f['covered_pct'])} ({f['covered']}/{f['decidable']})",
        f"- **{L['high_gaps']}**: {f['high_gaps']}",
        f"- **{L['by_level']}**: {L['high']} {f['by_level']['high']} · {L['medium']} {f['by_level']['medium']}"
        f" · {L['low']} {f['by_level']['low']} · {L['unknown_level']} {f['by_level']['none']}",
        f"- **{L['findings_by_sev']}**: {f['by_severity']['error']} / {f['by_severity']['warning']} / {f['by_severity']['info']}",
        "",
        f"## {L['gaps_by_rule']}",
        "",
    ]
    if f["by_rule"]:
        rows = []
        for code, n in f["by_rule"].items():
            info = report.rules.get(code)
            desc = (info.summary if report.lang == "en" else info.summary_zh) if info else ""
            rows.append([code, md_text(info.name if info else ""), md_text(desc), str(n)])
        lines += table([L["rule"], L["rule_name"], "", L["count"]], rows)
    else:
        lines.append(L["no_findings"])
    lines += ["", f"## {L['matrix']}", ""]
    esc = _Escaped()
    if report.risks:
        rows = []
        for i, x in enumerate(report.risks, 1):
            ms = "<br>".join(f"{k}. {esc[m.text]}" for k, m in enumerate(x.measures, 1)) or f"**{L['none']}**"
            level = L.get(x.level, "") if x.level else L["unknown_level"]
            rows.append([str(i), esc[x.department] or "—", esc[x.name], level, ms,
                         esc["、".join(x.responsible)] or "—", L.get(x.state or "", L["unset_state"]),
                         " ".join(x.rules), esc[x.file]])
        lines += table(["#", L["department"], L["risk"], L["level"], L["measures"], L["responsible"], L["state"],
                        L["rule"], L["file"]], rows)
    else:
        lines.append(L["no_risks"])
    lines += ["", f"## {L['findings']}", ""]
    if not report.findings:
        lines.append(L["no_findings"])
    current = None
    for x in report.findings:
        if x.rule != current:
            current = x.rule
            info = report.rules.get(x.rule)
            lines += ["", f"### {x.rule} {md_text(info.name if info else x.name)}", ""]
            if x.hint:
                lines += [f"*{L['hint']}*: {md_text(x.hint)}", ""]
        where = x.where(report.lang)
        lines.append(f"- **{L[x.severity]}** {md_text(x.message)} — {esc[x.file]}"
                     + (f" ({md_text(where)})" if where else ""))
    lines += ["", f"## {L['files']}", ""]
    lines += table([L["file"], L["kind"], L["status"], L["risks"], L["errors"]],
                   [[md_text(d.file) + (f"<br>{md_text(L['rendering_note'].format(file=d.rendering_of))}"
                                         if d.rendering_of else ""),
                     L.get(d.kind, d.kind), L.get(d.status, d.status), str(d.risks),
                     md_text("; ".join(d.errors))] for d in report.docs])
    lines.append("")
    return "\n".join(lines)
