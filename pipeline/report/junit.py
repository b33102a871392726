"""JUnit XML for CI test tabs: one testsuite per submission, one testcase per rule.

A rule's testcase fails when the submission has findings of that rule at or above ``fail_on``
(``<failure>``); an unreadable submission (LF900) is an ``<error>``; findings below the bar are
listed in ``<system-out>`` and pass.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from pipeline.report.safe import strip_control

SEVERITIES = ("error", "warning", "info")


def _at_or_above(sev: str, fail_on: str) -> bool:
    return fail_on != "never" and SEVERITIES.index(sev) <= SEVERITIES.index(fail_on)


def _x(text: str) -> str:
    return strip_control(text or "")  # XML 1.0 cannot carry control characters at all


def render(result: Any, fail_on: str = "error") -> str:
    from pipeline.report.view import rule_catalogue

    rules = result.rules or rule_catalogue()
    rows = result.finding_rows()
    by_file: dict[str, list[Any]] = {}
    for r in rows:
        by_file.setdefault(r.file, []).append(r)
    root = ET.Element("testsuites", name="lianfang")
    n_tests = n_fail = n_err = 0
    for d in result.docs:
        found = by_file.get(d.rel, [])
        codes = list(rules) + sorted({r.rule for r in found} - set(rules))
        suite = ET.SubElement(root, "testsuite", name=_x(d.rel))
        s_fail = s_err = 0
        for code in codes:
            info = rules.get(code)
            if info is not None and info.severity == "off" and not any(r.rule == code for r in found):
                continue
            case = ET.SubElement(suite, "testcase", classname=_x(d.rel), name=f"{code} {info.name if info else ''}".strip())
            mine = [r for r in found if r.rule == code]
            bad = [r for r in mine if _at_or_above(r.severity, fail_on)]
            text = "\n".join(f"{r.file}:{r.line}:{r.column}: {r.rule} {r.severity} {r.message}" for r in mine)
            if bad and code == "LF900":
                s_err += 1
                ET.SubElement(case, "error", message=_x(bad[0].message), type=code).text = _x(text)
            elif bad:
                s_fail += 1
                ET.SubElement(case, "failure", message=_x(f"{len(bad)} × {bad[0].message}"), type=code).text = _x(text)
            elif mine:
                ET.SubElement(case, "system-out").text = _x(text)
        tests = len(suite.findall("testcase"))
        suite.set("tests", str(tests))
        suite.set("failures", str(s_fail))
        suite.set("errors", str(s_err))
        suite.set("skipped", "0")
        n_tests, n_fail, n_err = n_tests + tests, n_fail + s_fail, n_err + s_err
    root.set("tests", str(n_tests))
    root.set("failures", str(n_fail))
    root.set("errors", str(n_err))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
