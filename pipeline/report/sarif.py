"""SARIF 2.1.0 for code-scanning dashboards (GitHub, Azure DevOps, VS Code's SARIF viewer).

Rule IDs are the stable LF codes; a result's region points at the table row (``startLine`` =
row + 1) or, failing that, the paragraph; page/table/row/col go into a logical location and the
result's properties; ``partialFingerprints`` hash rule + file + refs, so a finding keeps its
identity across runs even when rows move.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note", "off": "none"}
INFO_URI = "https://github.com/lianfang/lianfang"


def fingerprint(rule: str, path: str, refs: list[str], message: str) -> str:
    # refs identify the objects (stable IDs); without refs, the message stands in
    basis = "\x1f".join([rule, path, *sorted(refs)] if refs else [rule, path, message])
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def _rule(info: Any) -> dict[str, Any]:
    return {
        "id": info.code,
        "name": _pascal(info.name),
        "shortDescription": {"text": info.summary or info.name},
        "fullDescription": {"text": f"{info.summary} / {info.summary_zh}".strip(" /")},
        "help": {"text": info.help, "markdown": info.help.replace("\n", "  \n")},
        "helpUri": f"{INFO_URI}/blob/main/docs/rules.md#{info.code.lower()}",
        "defaultConfiguration": {"level": LEVELS.get(info.severity, "warning"),
                                 "enabled": info.severity != "off"},
        "properties": {"tags": ["lianfang", info.name]},
    }


def _pascal(name: str) -> str:
    # SARIF's rule "name" is meant to be an identifier-like string
    return "".join(p[:1].upper() + p[1:] for p in name.replace("_", "-").split("-") if p) or "Rule"


def _result(row: Any, rule_index: dict[str, int]) -> dict[str, Any]:
    uri = quote(row.file)
    region: dict[str, Any] = {"startLine": row.line}
    if row.col is not None:
        region["startColumn"] = row.column
    props = {k: v for k, v in (("page", row.page), ("table", row.table), ("row", row.row), ("col", row.col),
                               ("block", row.block)) if v is not None}
    logical = row.where("en")  # for people: 1-based like the reports; properties keep the 0-based contract
    res: dict[str, Any] = {
        "ruleId": row.rule,
        "level": LEVELS.get(row.severity, "warning"),
        "message": {"text": row.message or row.rule},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri}, "region": region},
            **({"logicalLocations": [{"name": logical, "kind": "element"}]} if logical else {}),
        }],
        "partialFingerprints": {"lianfangFinding/v1": fingerprint(row.rule, row.file, row.refs, row.message)},
        "properties": {**props, "refs": row.refs, **({"hint": row.hint} if row.hint else {})},
    }
    if row.rule in rule_index:
        res["ruleIndex"] = rule_index[row.rule]
    return res


def render(result: Any) -> str:
    """The SARIF log of a batch (one run)."""
    from pipeline import __version__
    from pipeline.report.view import rule_catalogue

    rules = result.rules or rule_catalogue()
    rows = result.finding_rows()
    known = dict(rules)
    rule_list = [_rule(info) for info in known.values()]
    for r in rows:  # a finding from a rule the catalogue does not know still gets a descriptor
        if r.rule not in known:
            known[r.rule] = None
            rule_list.append({"id": r.rule, "name": _pascal(r.name or r.rule), "shortDescription": {"text": r.name or r.rule}})
    rule_index = {d["id"]: i for i, d in enumerate(rule_list)}
    artifacts = sorted({r.file for r in rows} | {d.rel for d in result.docs})
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "lianfang", "version": __version__, "semanticVersion": __version__,
                                "informationUri": INFO_URI, "rules": rule_list}},
            "artifacts": [{"location": {"uri": quote(a)}} for a in artifacts],
            "results": [_result(r, rule_index) for r in rows],
            "invocations": [{"executionSuccessful": not result.aborted,
                             "toolExecutionNotifications": [
                                 {"level": "error", "message": {"text": d.errors[0].message}, "descriptor": {"id": "LF900"}}
                                 for d in result.failed if d.errors]}],
            "columnKind": "unicodeCodePoints",
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=1)
