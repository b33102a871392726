"""``--format json``: one object with the batch summary, the units and every finding."""

from __future__ import annotations

import json
from typing import Any

FORMAT_VERSION = "1"


def batch_object(result: Any) -> dict[str, Any]:
    from pipeline import __version__
    from pipeline.preflight import text_path

    return {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "lianfang", "version": __version__},
        "profile": result.profile_name,
        "aborted": result.aborted,
        "abort_reason": result.abort_reason,
        "summary": result.totals(),
        "units": [
            {"key": u.key, "name": u.name, "reports": dict(sorted(u.files.items())),
             "submissions": [d.rel for d in u.docs]}
            for u in result.units
        ],
        "submissions": [
            {"path": d.rel, "json": "submissions/" + text_path(d.json_rel), "unit": d.unit, "kind": d.doc.kind,
             "status": d.doc.status, "cached": d.cached, "risks": len(d.doc.risks),
             "errors": [e.model_dump(mode="json", exclude_none=True) for e in d.doc.errors]}
            for d in result.docs
        ],
        "findings": [
            {"rule": f.rule, "name": f.name, "severity": f.severity, "message": f.message,
             "message_en": f.message_en, "path": d.rel, "loc": f.loc.model_dump(mode="json", exclude_none=True),
             "refs": f.refs}
            for d, f in result.findings()
        ],
    }


def render_json(result: Any) -> str:
    return json.dumps(batch_object(result), ensure_ascii=False, indent=1)
