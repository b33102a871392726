"""LF900: what we could not read, kept apart from what the document gets wrong.

A document that failed, or a page or table that could not be read, is reported here; the risks
it touches get the ``undecidable`` state and no content finding (LF101 …) at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from pipeline.checks.engine import Hit, Rule, UnitView
from pipeline.model import Document, ErrorItem, Loc

_log = logging.getLogger(__name__)

# stages after which a failure leaves the risks' measures unknown
_CONTENT_STAGES = ("extract", "link")


def _touches(err: ErrorItem, doc: Document) -> set[str]:
    loc = err.loc
    if loc is not None and loc.table is not None:
        return {r.id for r in doc.risks if r.loc.table == loc.table}
    if loc is not None and loc.page is not None:
        return {r.id for r in doc.risks if r.loc.page == loc.page}
    if err.stage in _CONTENT_STAGES:
        return {r.id for r in doc.risks}
    return set()


def undecidable_risks(doc: Document) -> set[str]:
    """Ids of the risks whose measures we cannot judge: unreadable cell, table, page or stage."""
    out = {r.id for r in doc.risks if r.measures_unreadable}
    if doc.status == "failed":
        return out | {r.id for r in doc.risks}
    for e in doc.errors:
        out |= _touches(e, doc)
    return out


def check_lf900(unit: UnitView, opts: dict[str, Any]) -> Iterable[Hit]:
    ignore = set(opts.get("ignore_codes", []))
    for doc in unit.docs:
        seen: set[tuple[str, str]] = set()
        for e in doc.errors:
            if e.code in ignore:
                continue
            k = (e.code, e.message)
            if k in seen:
                continue
            seen.add(k)
            n = len(_touches(e, doc)) if doc.status != "failed" else 0
            extra = (f"（涉及{n}个风险点，其覆盖情况无法判断）", f" ({n} risk points cannot be judged)") if n else ("", "")
            yield Hit(doc, e.loc or Loc(), [], {
                "reason": e.message, "code": e.code, "extra": extra,
                "what": ("文件无法读取", "the file could not be read") if doc.status == "failed"
                else ("部分内容无法读取", "part of the file could not be read"),
            })
        if doc.status == "failed" and not doc.errors:
            yield Hit(doc, Loc(), [], {"reason": doc.source.path, "code": "failed", "extra": ("", ""),
                                               "what": ("文件无法读取", "the file could not be read")})


RULES = [
    Rule(
        code="LF900", name="unreadable", severity="error",
        message="{what}（{where}）：{reason}{extra}",
        message_en="{what} ({where}): {reason}{extra}",
        hint="提交可读取的版本（未加密、未损坏的 .docx/.pdf/.xlsx，扫描件请附文字版）后重新检查。",
        hint_en="Submit a readable version (not encrypted or damaged; for scans, add a text version) "
                "and check again.",
        summary="The document, a page or a table could not be read (kept apart from content findings).",
        summary_zh="文件、某页或某个表格无法读取（与内容问题分开报告）。",
        fail_example="加密的 .docx；损坏的 PDF 页；乱码页",
        pass_example="可正常打开和读取的 .docx / .pdf / .xlsx",
        check=check_lf900, family="readability",
        options={"ignore_codes": []},
    ),
]
