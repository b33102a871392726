"""The reviewer's report of one unit as one self-contained HTML page.

Offline by construction: inline CSS, one small inline script admitted by a Content-Security-Policy
hash (no CDN, no fonts, no network: ``default-src 'none'``), the graph as a ``data:`` image.
Every text that comes from a submission — cell text, file names, unit names — goes through
Jinja2's autoescape; the only unescaped strings are our own CSS and script, and the graph's
``data:`` URI, which is base64 (no character in it that HTML would escape).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import Markup, escape

from pipeline.model import Loc
from pipeline.report.labels import labels
from pipeline.report.view import UnitReport

_log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return css, script, f"sha256-{digest}"


@lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # on for every template, whatever its file name says
        undefined=jinja2.Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    return env


def _bytecode_cache() -> Any:
    """Jinja's cache of compiled templates in our user cache folder: compiling the report and index
    templates takes ~0.1 s, paid by every fresh process (the fork server, the parent's summary)
    until then. Keyed by each template's source, so an edited template is compiled afresh. None
    without a private folder for it: compiled code read from a shared temp dir could be planted."""
    import jinja2

    from pipeline.fsutil import user_cache_dir

    d = user_cache_dir("templates")
    return jinja2.FileSystemBytecodeCache(str(d)) if d is not None else None


def base_context(lang: str, tool_version: str) -> dict[str, Any]:
    from markupsafe import Markup

    css, script, script_hash = _assets()
    # a "</script" or "</style" in our own assets would end the element early: refuse to ship that
    assert "</" not in script and "</" not in css
    return {
        "lang": lang,
        "L": labels(lang),
        "css": Markup(css),
        "script": Markup(script),
        "script_hash": script_hash,
        "tool_version": tool_version,
        "pct": lambda v: "—" if v is None else f"{v:g}%",
    }


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI: shown by ``<img>``, where any script inside it cannot run."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _uri_markup(svg: str) -> Any:
    """:func:`svg_data_uri` as markup. Escaping it would change nothing — base64 and the prefix are
    letters, digits and ``+/=:;,`` — but would cost as much as a large part of the page."""
    from markupsafe import Markup

    return Markup(svg_data_uri(svg))


def where(loc: Loc, lang: str) -> str:
    if lang == "en":
        parts = [f"{k} {v}" for k, v in (("p.", loc.page), ("table", _one(loc.table)), ("row", _one(loc.row)),
                                          ("col", _one(loc.col))) if v is not None]
        return ", ".join(parts)
    parts = []
    if loc.page is not None:
        parts.append(f"第{loc.page}页")
    if loc.table is not None:
        parts.append(f"表{loc.table + 1}")
    if loc.row is not None:
        parts.append(f"第{loc.row + 1}行")
    return " ".join(parts)


def _one(v: int | None) -> int | None:
    return None if v is None else v + 1


class _MatrixRow(NamedTuple):
    """One row of the coverage matrix, every value as the page shows it."""

    n: str  # 1, 2, …
    level: str  # data-level
    dept: str  # data-dept
    rules: str
    state: str  # data-state
    row_state: str  # class s-…
    dept_cell: str
    name: str
    manifestation: str  # shown under the name when it says more
    level_key: str  # sort key: high, medium, low, none
    level_class: str
    level_label: str
    level_raw: str  # the submission's own wording, when it differs from the label
    measures: list[tuple[str, bool, str | None]]  # text, generic, defence-line label
    responsible: str
    state_label: str
    file: str
    file_name: str
    where: str


class _FindingRow(NamedTuple):
    level: str
    dept: str
    rule: str
    severity: str
    severity_label: str
    message: str
    file: str
    page: str  # see _num
    table: str
    row: str
    col: str


class _FindingGroup(NamedTuple):
    code: str
    name: str
    summary: str
    hint: str
    rows: Any  # the rows' HTML (Markup), see _finding_html


_LEVEL_KEY = {"high": "0", "medium": "1", "low": "2"}


def _num(v: int | None, base: int = 0) -> str:
    """A page, table, row or column as shown (tables, rows and columns count from 1), "" when unknown.
    Written out here because the template escapes text faster than it formats numbers."""
    return "" if v is None else str(v + base)


def _label(L: dict[str, str], key: str) -> str:
    return L.get(key, "")  # as the template's L[key]: a missing label shows as nothing


def _matrix(report: UnitReport, L: dict[str, str]) -> list[_MatrixRow]:
    rows = []
    for i, x in enumerate(report.risks, 1):
        lv, state = x.level, x.state
        rules = " ".join(x.rules)
        rows.append(_MatrixRow(
            str(i), lv or "", x.department, rules, state or "", state or "unset", x.department or "—", x.name,
            x.manifestation if x.manifestation and x.manifestation != x.name else "",
            _LEVEL_KEY.get(lv, "3"), lv or "none", _label(L, lv) if lv else L["unknown_level"],
            x.level_raw if x.level_raw and x.level_raw != L.get(lv) else "",
            [(m.text, m.generic, _label(L, m.defense_line) if m.defense_line else None) for m in x.measures],
            "、".join(x.responsible) if x.responsible else "—",
            _label(L, state) if state else L["unset_state"],
            x.file, x.file.rsplit("/", 1)[-1], where(x.loc, report.lang),
        ))
    return rows


def _finding_groups(report: UnitReport, L: dict[str, str], esc: Esc) -> list[_FindingGroup]:
    """The findings by rule, grouped as Jinja's ``groupby`` did: by the code regardless of case,
    each group under the code of its first finding."""
    def key(f: Any) -> Any:
        return f.rule.lower() if isinstance(f.rule, str) else f.rule

    groups = []
    for _, members in groupby(sorted(report.findings, key=key), key):
        rows = list(members)
        first = rows[0]
        info = report.rules.get(first.rule)
        summary = (info.summary if report.lang == "en" else info.summary_zh) if info else ""
        groups.append(_FindingGroup(first.rule, info.name if info else first.name, summary, first.hint, _finding_html([
            _FindingRow(x.level or "", x.department or "", x.rule, x.severity, _label(L, x.severity), x.message, x.file,
                        _num(x.page), _num(x.table, 1), _num(x.row, 1), _num(x.col, 1))
            for x in rows], esc)))
    return groups


# -- the long tables, written here rather than by template macros -----------------------------------------
# A macro pays a Jinja attribute lookup, an escape and a Markup object for each of the ~4,000 values of
# a unit's tables; here each distinct text is escaped once (departments, files and labels recur on many
# rows) by markupsafe, as autoescape would, and the rows are joined into one Markup. The bytes are those
# the macros wrote (tests/test_speed_reports.py renders both).

Esc = Callable[[Any], str]


def _escaper() -> Esc:
    """A function giving a value's text HTML-escaped (plain str) as autoescape would; each distinct
    text is escaped once, and text with none of ``&<>'"`` is its own escape."""
    cache: dict[str, str] = {}
    get = cache.get

    def esc(v: Any) -> str:
        if type(v) is not str:  # only str is cached: 1, 1.0 and True are equal keys but print differently
            return str(escape(v))
        out = get(v)
        if out is None:
            out = cache[v] = str(escape(v)) if "&" in v or "<" in v or ">" in v or "'" in v or '"' in v else v
        return out

    return esc


_LI_GENERIC = '<li class="generic">'
_DL = ' <span class="dl">[{}]</span>'  # a measure's defence line, already escaped


def _matrix_html(rows: list[_MatrixRow], none_label: Any, esc: Esc) -> Any:
    """The matrix rows as the template's ``matrix_rows`` macro wrote them."""
    none_cell = f'<span class="err">{esc(none_label)}</span>'
    out = []
    for x in rows:
        dept, rules = esc(x.dept), esc(x.rules)
        n = esc(x.n)
        man = f'<div class="small muted">{esc(x.manifestation)}</div>' if x.manifestation else ""
        raw = f' <span class="muted small">{esc(x.level_raw)}</span>' if x.level_raw else ""
        if x.measures:
            items = "".join(
                f'{_LI_GENERIC if generic else "<li>"}{esc(text)}'
                f'{"" if line is None else _DL.format(esc(line))}</li>'
                for text, generic, line in x.measures)
            ms = f'<ol class="ms">{items}</ol>'
        else:
            ms = none_cell
        where = f'<div class="muted">{esc(x.where)}</div>' if x.where else ""
        out.append(
            f'<tr data-row="risk" data-level="{esc(x.level)}" data-dept="{dept}" data-rules="{rules}" '
            f'data-state="{esc(x.state)}" class="s-{esc(x.row_state)}">\n'
            f'<td class="num" data-key="{n}">{n}</td>\n'
            f'<td class="dept">{esc(x.dept_cell)}</td>\n'
            f'<td class="risk-cell"><strong>{esc(x.name)}</strong>{man}</td>\n'
            f'<td class="lvl" data-key="{esc(x.level_key)}"><span class="lv lv-{esc(x.level_class)}">'
            f'{esc(x.level_label)}</span>{raw}</td>\n'
            f'<td class="ms-cell">{ms}</td>\n'
            f'<td class="resp">{esc(x.responsible)}</td>\n'
            f'<td class="state">{esc(x.state_label)}</td>\n'
            f'<td class="rules">{rules}</td>\n'
            f'<td class="small file" title="{esc(x.file)}">{esc(x.file_name)}{where}</td>\n'
            "</tr>\n")
    return Markup("".join(out))


def _finding_html(rows: list[_FindingRow], esc: Esc) -> Any:
    """The finding rows as the template's ``finding_rows`` macro wrote them."""
    return Markup("".join(
        f'<tr data-row="finding" data-level="{esc(x.level)}" data-dept="{esc(x.dept)}" data-rules="{esc(x.rule)}">\n'
        f'<td class="sev sev-{esc(x.severity)}">{esc(x.severity_label)}</td><td>{esc(x.message)}</td>'
        f'<td class="small file">{esc(x.file)}</td>\n'
        f'<td class="num">{esc(x.page)}</td><td class="num">{esc(x.table)}</td>\n'
        f'<td class="num">{esc(x.row)}</td><td class="num">{esc(x.col)}</td>\n'
        "</tr>\n" for x in rows))


def render_unit(report: UnitReport) -> str:
    """The HTML text of one unit's report."""
    lang = report.lang
    ctx = base_context(lang, report.tool_version)
    L = labels(lang)
    sev = {code: L.get(info.severity, info.severity) for code, info in report.rules.items()}
    for f in report.findings:  # the severity in force (a profile may change it) beats the default
        sev[f.rule] = L.get(f.severity, f.severity)
    esc = _escaper()
    ctx.update(
        r=report,
        f=report.figures,
        graph_uri=_uri_markup(report.graph_svg) if report.graph_svg else None,
        sev_of=lambda code: sev.get(code, ""),
        matrix=_matrix_html(_matrix(report, L), L.get("none", ""), esc),
        finding_groups=_finding_groups(report, L, esc),
    )
    return environment().get_template("report.html.j2").render(**ctx)
