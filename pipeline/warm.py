"""Warm-up of the worker pool's fork server, run when the fork server imports this module.

Every worker is forked from the fork server. Before its first document a cold worker reads the
YAML lexicons, builds the extraction tables and regexes, compiles the report templates and
imports networkx: about half a second of CPU, paid again by every worker that replaces a retired
one (thousands of documents retire dozens). Done once here, on a small generated unit, it is
inherited by every fork instead.

Only ``pipeline.batch`` imports this module by name (the last of its fork-server preloads). A
warm-up that fails leaves the workers cold, never broken: they then warm up on their own.
"""

from __future__ import annotations

import gc
import logging
import tempfile
from pathlib import Path

_log = logging.getLogger(__name__)

# a plan sentence with stated counts, and a risk table with merged department cells, a level
# scheme, numbered measures and an owner column: the paths most documents take
_PLAN = ("本单位廉政风险防控工作实施方案。共查找风险点3个，制定防控措施4条。",
         "风险等级分为高、中、低三级，高风险由主要领导负责，中风险由分管领导负责。")
_HEAD = ("序号", "部门", "风险点", "风险表现", "风险等级", "防控措施", "责任人")
_ROWS = (("1", "办公室", "公车私用", "未经审批使用公车", "中", "1.严格审批；2.定期检查", "分管领导"),
         ("2", "办公室", "招标过程中串标围标", "评标不公正", "高", "1.集体决策", "主要领导"),
         ("3", "财务科", "报销审核不严", "虚报冒领", "低", "", "科室负责人"))


def _write_unit(folder: Path) -> Path:
    """The warm-up document, written with python-docx (already imported by the fork server)."""
    import docx

    d = docx.Document()
    d.add_heading("廉政风险防控工作实施方案", level=1)
    for text in _PLAN:
        d.add_paragraph(text)
    table = d.add_table(rows=1 + len(_ROWS), cols=len(_HEAD))
    for c, text in enumerate(_HEAD):
        table.cell(0, c).text = text
    for r, row in enumerate(_ROWS, 1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(1, 1).merge(table.cell(2, 1)).text = "办公室"  # a vertical merge, as real tables have
    path = folder / "warm-up.docx"
    d.save(str(path))
    return path


def _unit_file(tmp: Path) -> Path:
    """The warm-up document, kept in the user cache under a name made from its content: python-docx
    (~0.1 s to import and write it) is then needed once per machine, not by every fork server. Written
    to ``tmp`` when there is no cache folder."""
    import hashlib

    from pipeline.fsutil import atomic_write_bytes, user_cache_dir

    key = hashlib.sha256(repr((_PLAN, _HEAD, _ROWS)).encode("utf-8")).hexdigest()[:16]
    folder = user_cache_dir("warm-up")
    if folder is None:
        return _write_unit(tmp)
    kept = folder / f"warm-up-{key}.docx"
    if kept.is_file():
        return kept
    made = _write_unit(tmp)
    try:
        atomic_write_bytes(kept, made.read_bytes())
    except OSError:
        return made
    return kept


def warm_up() -> bool:
    """Read, check and report the generated unit in this process, as a worker would; then freeze
    what stays so that the collector of a forked worker never walks it. True when it ran."""
    from pipeline import batch

    try:
        with tempfile.TemporaryDirectory(prefix="lianfang-warm-") as tmp:
            path = _unit_file(Path(tmp))
            batch.init_context_for_fork()
            spec = {"docs": [batch.DocInput(0, "read", "", path.name, path.name + ".json", file=str(path))],
                    "lang": "zh", "profile": None, "check": True, "reports": True, "write_to": None}
            batch.folder_task(spec)
    except Exception:  # a cold worker is slower, not wrong
        _log.debug("warm-up failed; workers start cold", exc_info=True)
        return False
    gc.collect()
    gc.freeze()
    return True


warm_up()
