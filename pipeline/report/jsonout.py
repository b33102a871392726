"""``--format json`` (and ``summary.json``): one object with the batch summary, the units and every finding.

The findings are written piece by piece — each file's part is made once, by the task that checked
it (:func:`findings_fragment`), and copied from the batch's spool — so a batch of any size is
written without holding its findings in memory. The object is indented (``indent=1``) except the
findings, one a line.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from pipeline.model import Finding

FORMAT_VERSION = "1"
_INDENT = "  "  # findings sit two levels deep: {"findings": [ {…} ]}


def _not_serialisable(o: Any) -> Any:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def line_encoder() -> Callable[[Any], str]:
    """``json.dumps(o, ensure_ascii=False)`` for many small objects: the C encoder json itself uses,
    made once instead of once per call (a finding or a row a call, hundreds per document: the
    setup was half the cost). Without the C accelerator, ``JSONEncoder.encode``."""
    from json import encoder as _enc

    make = getattr(_enc, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(ensure_ascii=False).encode
    # markers None: no cycle check (rows and findings are trees); the rest as JSONEncoder's defaults
    c = make(None, _not_serialisable, _enc.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda o: "".join(c(o, 0))


def finding_object(f: Finding, path: str) -> dict[str, Any]:
    return {"rule": f.rule, "name": f.name, "severity": f.severity, "message": f.message,
            "message_en": f.message_en, "path": path, "loc": f.loc.model_dump(mode="json", exclude_none=True),
            "refs": f.refs}


def findings_fragment(findings: Iterable[Finding], path: str) -> str:
    """One file's findings as they appear inside the ``findings`` array, one finding a line (no
    surrounding comma). One line each keeps a batch of thousands of files readable, and lets
    the C encoder write it."""
    enc = shared_line_encoder()
    return ",\n".join(_INDENT + enc(finding_object(f, path)) for f in findings)


@functools.cache
def shared_line_encoder() -> Callable[[Any], str]:
    """This process's :func:`line_encoder` (it holds no state between calls)."""
    return line_encoder()


def batch_object(result: Any, *, findings: bool = True) -> dict[str, Any]:
    from pipeline import __version__
    from pipeline.preflight import text_path

    obj = {
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
            {"path": d.rel, "json": "submissions/" + text_path(d.json_rel), "unit": d.unit,
             "kind": d.info.kind if d.info else "unknown", "status": d.status, "cached": d.cached,
             "risks": d.info.risks if d.info else 0,
             **({"rendering_of": d.info.rendering_of} if d.info and d.info.rendering_of else {}),
             "errors": [e.model_dump(mode="json", exclude_none=True) for e in d.errors]}
            for d in result.docs
        ],
        "findings": [],
    }
    if findings:
        obj["findings"] = [finding_object(f, d.rel) for d, f in result.findings()]
    return obj


def _fragments(result: Any) -> Iterable[bytes]:
    spool = getattr(result, "spool", None)
    for d in result.docs:
        if spool is not None and d._doc is None:
            data = spool.read(d.frag_at)  # UTF-8 as the task made it: copied, never decoded
        else:
            data = findings_fragment(d.doc.findings, d.rel).encode("utf-8")
        if data:
            yield data


def write_json(result: Any, fp: BinaryIO) -> None:
    """The batch object, UTF-8, written to the binary stream ``fp`` one file's findings at a time
    (10,000 ten-page files hold ~600 MB of findings: bytes from the spool go out as they are)."""
    head = json.dumps(batch_object(result, findings=False), ensure_ascii=False, indent=1)
    tail = '"findings": []\n}'
    assert head.endswith(tail)  # "findings" is the last key: its empty list is replaced below
    fp.write(head[: -len(tail)].encode("utf-8"))
    first = True
    for frag in _fragments(result):
        fp.write(b'"findings": [\n' if first else b",\n")
        fp.write(frag)
        first = False
    fp.write((tail if first else "\n ]\n}").encode("utf-8"))


def render_json(result: Any) -> str:
    buf = io.BytesIO()
    write_json(result, buf)
    return buf.getvalue().decode("utf-8")
