"""Reports: what reviewers read (HTML, Markdown, Excel, CSV per unit; the batch summary) and what CI
reads (SARIF, JUnit, GitHub annotations, JSON, text). All are views of :mod:`pipeline.report.view`.

Formats for ``lianfang check --format``: see :data:`STDOUT_FORMATS` and :func:`render_stdout`.
"""

from __future__ import annotations

from typing import Any

STDOUT_FORMATS = ("text", "json", "sarif", "junit", "github")


def render_stdout(result: Any, fmt: str, *, fail_on: str = "error") -> str:
    """The batch in one of :data:`STDOUT_FORMATS`."""
    if fmt == "text":
        from pipeline.report import text

        return text.render(result)
    if fmt == "json":
        from pipeline.report.jsonout import render_json

        return render_json(result) + "\n"
    if fmt == "sarif":
        from pipeline.report import sarif

        return sarif.render(result) + "\n"
    if fmt == "junit":
        from pipeline.report import junit

        return junit.render(result, fail_on=fail_on)
    if fmt == "github":
        from pipeline.report import github

        github.append_job_summary(result)
        return github.render(result)
    raise ValueError(f"unknown format {fmt!r}: expected one of {STDOUT_FORMATS}")
