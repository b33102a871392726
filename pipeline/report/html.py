"""The reviewer's report of one unit as one self-contained HTML page.

Offline by construction: inline CSS, one small inline script admitted by a Content-Security-Policy
hash (no CDN, no fonts, no network: ``default-src 'none'``), the graph as a ``data:`` image.
Every text that comes from a submission — cell text, file names, unit names — goes through
Jinja2's autoescape; the only unescaped strings are our own CSS and script.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

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
    )
    return env


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


def render_unit(report: UnitReport) -> str:
    """The HTML text of one unit's report."""
    lang = report.lang
    ctx = base_context(lang, report.tool_version)
    sev = {code: labels(lang).get(info.severity, info.severity) for code, info in report.rules.items()}
    for f in report.findings:  # the severity in force (a profile may change it) beats the default
        sev[f.rule] = labels(lang).get(f.severity, f.severity)
    ctx.update(
        r=report,
        f=report.figures,
        graph_uri=svg_data_uri(report.graph_svg) if report.graph_svg else None,
        where=lambda loc: where(loc, lang),
        sev_of=lambda code: sev.get(code, ""),
    )
    return environment().get_template("report.html.j2").render(**ctx)
