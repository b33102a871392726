"""The main job: check a batch of submissions and write everything a reviewer and CI need.

Flow (DESIGN.md §1, §6):

1. find the inputs (files and folders, recursive) and hash each file;
2. serve what the cache has (key: content sha256 + tool version + lexicon and profile fingerprints);
3. parse + segment + extract + link the rest in isolated worker processes (:mod:`pipeline.workers`)
   or on a Dask cluster (``scheduler``) — a document that fails, hangs or crashes is reported and
   the batch goes on (``fail_fast`` stops at the first one);
4. as soon as every file of a folder is read, one more task in the same pool groups the folder's
   units, runs the checks and renders the per-submission JSON and the per-unit reports (HTML,
   Markdown, Excel, CSV, graph SVG); this process only writes what comes back;
5. the batch summary (index.html, summary.xlsx, summary.json) — everything written atomically.

Why this shape: units never span folders (:mod:`pipeline.units`), so a folder can be checked the
moment its last file is back, in parallel with the parsing of the next folders. This process never
decodes a document: workers hand documents to each other through files (the cache entry, or a
spool file when the cache is off), and what it keeps per document is a few counts
(:class:`DocInfo`) — its memory stays flat over tens of thousands of files, and it is never the
bottleneck. Findings for the stdout formats are spooled to a temporary file as folders finish.

>>> from pipeline.batch import BatchOptions, run_batch
>>> result = run_batch(["samples/"], "lianfang-out", BatchOptions(jobs=2))   # doctest: +SKIP
>>> result.parsed, result.cache_hits                                          # doctest: +SKIP
(7, 0)
"""

from __future__ import annotations

import gc
import json
import logging
import os
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.cache import Cache, cache_key, default_cache_dir
from pipeline.errors import ConfigError
from pipeline.fsutil import RealPaths, atomic_write_bytes
from pipeline.model import Document, ErrorItem, Finding
from pipeline.preload import MODULES as _PRELOAD  # what the fork server imports before forking workers

_log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning", "info")
UNIT_FORMATS = ("html", "md", "xlsx", "csv", "svg")  # per-unit report files (csv: findings and risks)
FAIL_ON = ("error", "warning", "info", "never")

# with no document to parse and at most this many files, checks run here: starting workers costs more
_INLINE_MAX_FILES = 64
# A folder with at most this many files to read, of fast formats and this many bytes in all, is read
# and checked by one task: handing each document to the check task through a file (JSON out,
# validated back in) cost as much as reading it. Bigger folders keep one task per file, so that
# they spread over the workers and a slow file's time limit is its own.
_FUSE_MAX_FILES = 16
_FUSE_MAX_BYTES = 8 * 1024 * 1024
_FUSE_SUFFIXES = frozenset({".docx", ".xlsx", ".txt", ".md", ".csv"})

ProgressFn = Callable[[int, int, str, str, bool], None]  # done, total, path, status, cached
# phase ("read" documents, "report": folders checked and written, "summary"), done, total
PhaseFn = Callable[[str, int, int], None]


@dataclass
class BatchOptions:
    jobs: int = 0  # 0: every core
    timeout: float | None = 300.0
    max_memory_mb: int | None = 2048
    max_tasks_per_worker: int = 150  # tasks (files read, folders checked) before a worker is replaced
    cache_dir: str | Path | None = None  # default: <out>/.cache
    use_cache: bool = True
    fail_fast: bool = False
    profile: str | Path | None = None
    lang: str = "zh"
    scheduler: str | None = None  # tcp://host:port of a Dask scheduler
    connect_timeout: float = 20.0  # seconds to reach the scheduler
    write_reports: bool = True
    # which per-unit report files to write (UNIT_FORMATS); None: all of them
    unit_formats: frozenset[str] | None = None
    progress: ProgressFn | None = None
    phase: PhaseFn | None = None
    # pipeline.preflight.Limits for reading files (size, pages, archives …): applied to the walk here and
    # handed to every worker; None: the LIANFANG_* environment (docs/limits.md)
    limits: Any = None


@dataclass(slots=True)
class DocInfo:
    """What the batch keeps of a checked document: its status and counts, never its content."""

    status: str
    kind: str
    errors: list[ErrorItem]
    risks: int
    decidable: int
    covered: int
    checked: bool  # any risk has a coverage state
    high_gaps: int
    findings: dict[str, int]  # this file's findings by severity
    rules: dict[str, int]  # ... and by rule
    rendering_of: str | None = None  # display path of the rendering counted instead of this file
    # findings counted in headline figures (another rendering's own only); None: all of them
    head_sev: dict[str, int] | None = None
    head_rule: dict[str, int] | None = None

    @property
    def counted(self) -> bool:
        return self.rendering_of is None

    @property
    def head_findings(self) -> dict[str, int]:
        return self.findings if self.head_sev is None else self.head_sev

    @property
    def head_rules(self) -> dict[str, int]:
        return self.rules if self.head_rule is None else self.head_rule

    @classmethod
    def of(cls, doc: Document, twin: Document | None = None, show: Callable[[str], str] | None = None) -> DocInfo:
        from pipeline.report.view import GAP_STATES, own_findings

        risks = doc.risks
        head = None if twin is None else own_findings(doc, twin)
        return cls(
            status=doc.status, kind=doc.kind, errors=list(doc.errors), risks=len(risks),
            decidable=sum(1 for r in risks if r.state != "undecidable"),
            covered=sum(1 for r in risks if r.state == "covered"),
            checked=any(r.state for r in risks),
            high_gaps=sum(1 for r in risks if r.level == "high" and r.state in GAP_STATES),
            findings=dict(Counter(f.severity for f in doc.findings)),
            rules=dict(Counter(f.rule for f in doc.findings)),
            rendering_of=None if twin is None else (show or str)(twin.source.path),
            head_sev=None if head is None else dict(Counter(f.severity for f in head)),
            head_rule=None if head is None else dict(Counter(f.rule for f in head)),
        )


class DocOutcome:
    """One file of the batch. ``doc`` is the checked document (§4 contract, no blocks): held in
    memory for :func:`result_from_documents`, read back from the output folder on demand otherwise."""

    __slots__ = ("path", "rel", "json_rel", "cached", "seconds", "unit", "_info", "out", "_doc", "twin", "show",
                 "rows_at", "frag_at")

    def __init__(self, path: str, rel: str, json_rel: str, doc: Document | None = None, cached: bool = False,
                 seconds: float = 0.0, unit: str = "", info: DocInfo | None = None, out: Path | None = None) -> None:
        self.path = path  # as found (source.path)
        self.rel = rel  # what readers see: relative to the working folder or to the input root
        self.json_rel = json_rel  # the per-submission JSON, relative to <out>/submissions
        self._doc = doc
        self.cached = cached
        self.seconds = seconds
        self.unit = unit
        self._info = info
        self.out = out
        self.twin: Document | None = None  # in memory: the rendering counted instead of this one
        self.show: Callable[[str], str] | None = None
        self.rows_at: tuple[int, int] | None = None  # this file's finding rows in the batch's spool
        self.frag_at: tuple[int, int] | None = None  # ... and its summary.json findings

    @property
    def doc(self) -> Document:
        if self._doc is not None:
            return self._doc
        if self.out is not None:
            try:
                return Document.model_validate_json((self.out / "submissions" / self.json_rel).read_bytes())
            except (OSError, ValueError) as e:
                _log.warning("cannot read back %s: %s", self.json_rel, e)
        doc = failed_document(self.path, "not_written", f"{self.rel}: the result was not written")
        if self.info is not None:
            doc.status, doc.kind, doc.errors = self.info.status, self.info.kind, list(self.info.errors)  # type: ignore[assignment]
        return doc

    @property
    def info(self) -> DocInfo | None:
        """The counts; for a document held in memory, computed from it now (it may have changed)."""
        if self._doc is not None:
            return DocInfo.of(self._doc, self.twin, self.show)
        return self._info

    @info.setter
    def info(self, value: DocInfo | None) -> None:
        self._info = value

    @property
    def status(self) -> str:
        return self.info.status if self.info is not None else "failed"

    @property
    def errors(self) -> list[ErrorItem]:
        return self.info.errors if self.info is not None else []

    def __repr__(self) -> str:
        return f"DocOutcome({self.rel!r}, {self.status})"


@dataclass
class UnitOutcome:
    key: str
    name: str
    slug: str
    docs: list[DocOutcome]
    report: Any = None  # pipeline.report.view.UnitReport (result_from_documents only)
    files: dict[str, str] = field(default_factory=dict)  # format -> path relative to the output folder
    figures: dict[str, Any] = field(default_factory=dict)  # the unit report's headline figures


class _Spool:
    """Append-only temporary file of byte segments (finding rows, summary.json fragments)."""

    def __init__(self, where: Path | None = None) -> None:
        # beside the outputs rather than in /tmp (often memory-backed); nameless, so a killed run leaves nothing
        if where is not None:
            where.mkdir(parents=True, exist_ok=True)
        self._f = tempfile.TemporaryFile(prefix=".lianfang-spool-", dir=where)
        self._end = 0

    def add(self, data: bytes) -> tuple[int, int] | None:
        if not data:
            return None
        at = self._end
        os.pwrite(self._f.fileno(), data, at)
        self._end += len(data)
        return at, len(data)

    def read(self, at: tuple[int, int] | None) -> bytes:
        if at is None:
            return b""
        return os.pread(self._f.fileno(), at[1], at[0])

    def close(self) -> None:
        self._f.close()


@dataclass
class BatchResult:
    out: Path
    docs: list[DocOutcome]
    units: list[UnitOutcome]
    parsed: int = 0
    cache_hits: int = 0
    aborted: bool = False  # --fail-fast stopped the run
    abort_reason: str | None = None
    elapsed: float = 0.0
    lang: str = "zh"
    profile_name: str = "default"
    rules: dict[str, Any] = field(default_factory=dict)
    spool: _Spool | None = None
    _displays: dict[str, str] | None = field(default=None, repr=False)

    @property
    def failed(self) -> list[DocOutcome]:
        return [d for d in self.docs if d.status == "failed"]

    def findings(self) -> list[tuple[DocOutcome, Finding]]:
        """Every finding with its file (reads the per-submission JSON back: for tests and small batches)."""
        return [(d, f) for d in self.docs for f in d.doc.findings]

    def doc_finding_rows(self, d: DocOutcome) -> list[Any]:
        """One file's findings as report rows (from the spool, or computed from the document)."""
        from pipeline.report.view import FindingRow, finding_row

        if self.spool is not None and d._doc is None:
            blob = self.spool.read(d.rows_at)
            return [FindingRow(*json.loads(line)) for line in blob.splitlines() if line]
        doc = d.doc
        rindex = {r.id: r for r in doc.risks}
        return [finding_row(f, doc, self.display, self.lang, rindex) for f in doc.findings]

    def finding_count(self) -> int:
        return sum(sum(d.info.findings.values()) for d in self.docs if d.info is not None)

    def finding_rows(self, limit: int | None = None) -> list[Any]:
        """Every finding as a report row (display paths, 1-based lines), sorted by file then place;
        with ``limit``, only the first ``limit`` (read file by file: a huge batch is not loaded)."""
        key = _row_key
        if limit is None:
            rows = [r for d in self.docs for r in self.doc_finding_rows(d)]
            rows.sort(key=key)
            return rows
        out: list[Any] = []
        last: str | None = None
        for d in sorted(self.docs, key=lambda d: d.rel):
            if len(out) >= limit and d.rel != last:
                break  # rows sort by file first: later files cannot come earlier
            if d.info is not None and not sum(d.info.findings.values()):
                continue
            out.extend(self.doc_finding_rows(d))
            last = d.rel
        out.sort(key=key)
        return out[:limit]

    def display(self, path: str) -> str:
        if self._displays is None:
            self._displays = {d.path: d.rel for d in self.docs}
        return self._displays.get(path, path)

    def totals(self) -> dict[str, Any]:
        counted = [d.info for d in self.docs if d.info is not None and d.info.counted]
        decidable = sum(i.decidable for i in counted)
        covered = sum(i.covered for i in counted)
        checked = any(i.checked for i in counted)
        by_rule: Counter[str] = Counter()
        by_sev: Counter[str] = Counter()
        for d in self.docs:
            if d.info is not None:
                by_rule.update(d.info.head_rules)
                by_sev.update(d.info.head_findings)
        return {
            "submissions": len(counted),  # distinct: renderings of one submission count once
            "files": len(self.docs),
            "units": len(self.units),
            "failed": len(self.failed),
            "parsed": self.parsed,
            "cache_hits": self.cache_hits,
            "risks": sum(i.risks for i in counted),
            "decidable": decidable,
            "covered": covered,
            "covered_pct": round(100.0 * covered / decidable, 1) if decidable and checked else None,
            "high_gaps": sum(i.high_gaps for i in counted),
            "by_rule": dict(sorted(by_rule.items())),
            "by_severity": {s: by_sev.get(s, 0) for s in SEVERITIES},
        }

    def worst(self) -> str | None:
        """The most severe finding's severity (in any file), or None."""
        sev = {s for d in self.docs if d.info is not None for s, n in d.info.findings.items() if n}
        return next((s for s in SEVERITIES if s in sev), None)

    def exit_code(self, fail_on: str = "error") -> int:
        """0 clean, 1 findings at or above ``fail_on``, 2 when ``--fail-fast`` stopped the run."""
        if self.aborted:
            return 2
        if fail_on == "never":
            return 0
        worst = self.worst()
        return 1 if worst is not None and SEVERITIES.index(worst) <= SEVERITIES.index(fail_on) else 0


def _row_key(r: Any) -> tuple[str, int, int, str]:
    return r.file, r.line, r.column, r.rule


# -- work done in a worker process ----------------------------------------------------------------

_CTX: Any = None
_PROFILES: dict[str | None, Any] = {}


# documents make many short-lived objects and few cycles: workers collect the young generation less
# often (the default, every 700 allocations, cost ~7% of a worker's time)
WORKER_GC_THRESHOLD = (20_000, 20, 20)


def init_worker(env: dict[str, str] | None = None) -> None:
    """Take the batch's limits (``LIANFANG_*``: a fork server started earlier may hold older ones) and
    load lexicons (and through them jieba/spaCy, lazily) once per worker process."""
    global _IN_WORKER
    if env:
        os.environ.update(env)
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    _IN_WORKER = True
    _init_context()


def _init_context() -> None:
    """The worker's context: the fork server's warmed one when it read the same lexicons."""
    global _CTX
    from pipeline.lexicon import lexicon_dir
    from pipeline.stages import Context

    warm = _WARM_CTX
    _CTX = warm if warm is not None and warm.lexicons.root == lexicon_dir() else Context()


_WARM_CTX: Any = None  # built in the fork server by pipeline.warm, inherited by every worker


def init_context_for_fork() -> None:
    """Build the context in the fork server (see :mod:`pipeline.warm`), for the workers to share."""
    global _CTX, _WARM_CTX
    from pipeline.stages import Context

    _CTX = _WARM_CTX = Context()


def _process(path: str) -> Document:
    from pipeline.api import process_file

    if _CTX is None:
        _init_context()
    return process_file(path, _CTX)


def _doc_json(doc: Document) -> bytes:
    """The full document (blocks included) as JSON bytes."""
    try:
        return doc.contract_bytes(include_blocks=True, indent=None)
    except ValueError:  # pydantic refuses lone surrogates: a file name that is not UTF-8 (GBK from a share)
        return json.dumps(_json_safe(doc.model_dump(mode="json", exclude_none=True)), ensure_ascii=False).encode("utf-8")


def process_path(path: str) -> str:
    """Parse + per-submission stages for one file; the Document as JSON (what the cache stores)."""
    return _doc_json(_process(path)).decode("utf-8")


def _json_safe(obj: Any) -> Any:
    """Every string made encodable: undecodable bytes kept as ``\\xNN`` text (as preflight.text_path does)."""
    if isinstance(obj, str):
        try:
            obj.encode("utf-8")
            return obj
        except UnicodeEncodeError:
            return obj.encode("utf-8", "surrogateescape" if _escaped_bytes_only(obj) else "backslashreplace") \
                .decode("utf-8", "backslashreplace")
    if isinstance(obj, dict):
        return {_json_safe(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_json_safe(v) for v in obj]
    return obj


def _escaped_bytes_only(s: str) -> bool:
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in s)


def _parse_result(doc: Document) -> tuple[bytes, dict[str, Any], bool]:
    """A parsed document as (JSON, entry header, cacheable)."""
    from pipeline.cache import cacheable

    meta = {"path": _json_safe(doc.source.path), "status": doc.status,
            "error": _json_safe(doc.errors[0].message) if doc.errors else None}
    return _doc_json(doc), meta, cacheable(doc)


def parse_task(path: str, cache_entry: str | None, spool_entry: str) -> tuple[str, Any, dict[str, Any], bool]:
    """Worker task: read one file and leave the document where its folder's check task will find it —
    in the cache (when it is a fact about the file) or in the run's spool. Returns ``(kind, where,
    header, stored in cache)``; kind ``bytes`` carries the entry itself when the disk refused both."""
    from pipeline.cache import encode_entry, write_entry

    data, meta, ok_to_cache = _parse_result(_process(path))
    if cache_entry and ok_to_cache and write_entry(cache_entry, data, meta, 3):
        return "file", cache_entry, meta, True
    if write_entry(spool_entry, data, meta, 1):  # level 1: read back once, minutes later
        return "file", spool_entry, meta, False
    return "bytes", encode_entry(data, meta, 1), meta, False


def process_remote(path: str, data: bytes) -> str:
    """:func:`process_path` on a machine that may not see ``path``: work on a private copy of the
    bytes when the file is absent or differs, then put the original path back into the result."""
    import hashlib

    from pipeline.cache import rebase_json

    p = Path(path)
    try:
        same = p.is_file() and p.stat().st_size == len(data) and \
            hashlib.sha256(p.read_bytes()).digest() == hashlib.sha256(data).digest()
    except OSError:
        same = False
    if same:
        return process_path(path)
    with tempfile.TemporaryDirectory(prefix="lianfang-") as tmp:
        copy = Path(tmp) / p.name
        copy.write_bytes(data)
        return rebase_json(process_path(str(copy)), str(copy), path)


def remote_parse_task(path: str, data: bytes) -> tuple[bytes, dict[str, Any], bool]:
    """:func:`process_remote` as (JSON, entry header, cacheable): the caller stores the entry."""
    from pipeline.cache import TRANSIENT_CODES

    text = process_remote(path, data)
    head = json.loads(text)
    errors = head.get("errors") or []
    meta = {"path": head["source"]["path"], "status": head.get("status", "ok"),
            "error": errors[0]["message"] if errors else None}
    return text.encode("utf-8"), meta, not any(e.get("code") in TRANSIENT_CODES for e in errors)


def _profile(path: str | None) -> Any:
    if path not in _PROFILES:
        _PROFILES[path] = _load_profile(path)
    return _PROFILES[path]


@dataclass(frozen=True)
class DocInput:
    """Where a folder task finds one document, and what the batch knows of it."""

    i: int
    kind: str  # "file": an entry on disk | "bytes": the entry itself | "read": the file, read by the folder task
    data: str | bytes  # kind "read": where to store the cache entry ("" for none)
    rel: str
    json_rel: str
    expected_path: str | None = None  # re-point a cached document at the file as found now
    file: str | None = None  # the file itself: parsed again if the entry turns out damaged
    cached: bool = False
    seconds: float = 0.0


def _read_input(item: DocInput) -> tuple[Document, dict[str, Any]]:
    """A file read by its folder's task (kind ``read``): the document, in memory, and what a parse
    task would have reported of it (header, stored in the cache, seconds)."""
    from pipeline.cache import cacheable, write_entry

    t = time.monotonic()
    doc = _process(str(item.file))
    meta = {"path": _json_safe(doc.source.path), "status": doc.status,
            "error": _json_safe(doc.errors[0].message) if doc.errors else None}
    stored = False
    safe = meta["path"] == doc.source.path
    if (item.data and cacheable(doc)) or not safe:
        data = _doc_json(doc)
        if item.data and cacheable(doc):
            stored = write_entry(str(item.data), data, meta, 3)
        if not safe:  # a file name that is not UTF-8: the round trip makes every string writable
            doc = Document.model_validate_json(data)
    return doc, {**meta, "stored": stored, "seconds": time.monotonic() - t}


def _load_input(item: DocInput) -> tuple[Document, bool]:
    """The document of one input, and whether it had to be parsed again (a damaged entry)."""
    from pipeline.cache import load_entry

    try:
        data = Path(item.data).read_bytes() if item.kind == "file" else item.data
        return load_entry(data, item.expected_path), False  # type: ignore[arg-type]
    except Exception as e:  # damaged entry: a miss, never an error
        if not item.file:
            raise
        _log.warning("cache entry for %s unreadable (%s): parsed again", item.rel, type(e).__name__)
    doc = _process(item.file)
    data = _doc_json(doc)  # the same round trip as a fresh result, so outputs do not depend on the path taken
    return Document.model_validate_json(data), True


def folder_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Worker task: one folder's documents → units, checks, per-submission JSON, unit reports.

    ``spec``: ``docs`` (:class:`DocInput` list in input order), ``profile`` (path or None), ``lang``,
    ``check``, ``reports``, ``write_to`` (the output folder, to write the per-submission JSON here;
    None returns it), ``stage_as`` (with ``write_to``: a name below it under which to write the unit
    report files, for the caller to move into place; None returns their bytes). Returns ``docs`` (per
    input: source path, :class:`DocInfo`, contract JSON or None, finding rows, summary.json fragment,
    re-parsed?) and ``units`` (key, name, members, figures, outputs as {format: (suffix, bytes or
    the staged file's path relative to ``write_to``)})."""
    from pipeline.report.view import renderings
    from pipeline.units import units as make_units

    items: list[DocInput] = spec["docs"]
    lang = spec.get("lang", "zh")
    loaded: list[tuple[Document, bool]] = []
    read: dict[int, dict[str, Any]] = {}
    for k, it in enumerate(items):
        if it.kind == "read":
            doc, read[k] = _read_input(it)
            loaded.append((doc, False))
            items[k] = DocInput(it.i, it.kind, it.data, it.rel, it.json_rel, it.expected_path, it.file, it.cached,
                                read[k]["seconds"])
        else:
            loaded.append(_load_input(it))
    docs = [d for d, _ in loaded]
    groups = make_units(docs)
    if spec.get("check", True):
        from pipeline.checks import run_checks

        run_checks(docs, _profile(spec.get("profile")), lang, units=[(u.key, u.name, u.docs) for u in groups])
    shown = {d.source.path: it.rel for d, it in zip(docs, items, strict=True)}

    def show(p: str) -> str:
        return shown.get(p, p)

    twins = renderings(docs)
    made: dict[int, Any] = {}  # finding rows by id of their finding: the spool's and the unit report's
    write_to = spec.get("write_to")
    out_docs = []
    for (d, again), it in zip(loaded, items, strict=True):
        contract: bytes | None = d.contract_bytes()
        if write_to:
            _write(Path(write_to) / "submissions" / it.json_rel, contract)  # type: ignore[arg-type]
            contract = None
        out_docs.append({"i": it.i, "path": d.source.path, "info": DocInfo.of(d, twins.get(id(d)), show),
                         "json": contract, "rows": _rows_blob(d, show, lang, made), "frag": _frag_blob(d, it.rel),
                         "reparsed": again, "read": read.get(len(out_docs))})
    index = {id(d): it.i for d, it in zip(docs, items, strict=True)}
    meta = {d.source.path: {"cached": it.cached, "seconds": it.seconds} for d, it in zip(docs, items, strict=True)}
    out_units = []
    stage_as = spec.get("stage_as") if write_to else None
    for j, u in enumerate(groups):
        figures, outputs = _unit_outputs(u.key, u.name, u.docs, lang=lang, show=show, meta=meta, twins=twins, made=made,
                                         render=spec.get("reports", True), formats=spec.get("formats"))
        if stage_as:
            # written here rather than sent back: ~1 MB a unit through the pipe cost both processes
            # more CPU than the write itself
            outputs = {fmt: (suffix, _stage(Path(write_to), f"{stage_as}-{j}{suffix}", data))  # type: ignore[arg-type]
                       for fmt, (suffix, data) in outputs.items()}
        out_units.append({"key": _json_safe(u.key), "name": _json_safe(u.name),
                          "members": [index[id(d)] for d in u.docs], "figures": figures, "outputs": outputs})
    return {"docs": out_docs, "units": out_units}


_STAGED = "units/.staged-"  # unit report files written by a worker, before the parent names them


def _stage(out: Path, rel: str, data: bytes) -> str:
    """Write a unit file under its staging name. Not atomically: only the move into place, once the
    task has returned, makes it visible, and what a failed task left is removed at the end."""
    path = out / rel
    try:
        f = open(path, "wb")
    except FileNotFoundError:  # the first unit of the run: units/ is made once
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(path, "wb")
    with f:
        f.write(data)
    return rel


def _place(staged: Path, path: Path) -> None:
    """Move a unit file a worker wrote into its place; a file that already holds the same bytes is
    left alone (see :func:`_write`)."""
    import filecmp

    try:
        if path.stat().st_size == staged.stat().st_size and filecmp.cmp(staged, path, shallow=False):
            staged.unlink()
            return
    except OSError:
        pass
    os.replace(staged, path)


def _rows_blob(doc: Document, show: Callable[[str], str], lang: str, made: dict[int, Any] | None = None) -> bytes:
    """A document's findings as report rows, one JSON array per line (the spool's format); each row
    is also kept in ``made`` (by id of its finding) for the unit report, which shows the same rows."""
    if not doc.findings:
        return b""
    from dataclasses import fields

    from pipeline.report.view import FindingRow, finding_row

    names = [f.name for f in fields(FindingRow)]  # FindingRow(*values) reads them back
    rindex = {r.id: r for r in doc.risks}
    from pipeline.report.jsonout import shared_line_encoder

    enc = shared_line_encoder()
    lines = []
    for f in doc.findings:
        row = finding_row(f, doc, show, lang, rindex)
        if made is not None:
            made[id(f)] = row
        lines.append(enc([getattr(row, n) for n in names]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _frag_blob(doc: Document, rel: str) -> bytes:
    from pipeline.report.jsonout import findings_fragment

    return findings_fragment(doc.findings, rel).encode("utf-8")


_RULES: dict[str, Any] | None = None


def _rules() -> dict[str, Any]:
    global _RULES
    if _RULES is None:
        from pipeline.report.view import rule_catalogue

        _RULES = rule_catalogue()
    return _RULES


def _unit_outputs(key: str, name: str, docs: list[Document], *, lang: str, show: Callable[[str], str],
                  meta: dict[str, dict[str, Any]] | None, twins: dict[int, Document | None] | None,
                  render: bool = True, formats: Collection[str] | None = None, made: dict[int, Any] | None = None,
                  ) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """A unit's headline figures and, with ``render``, its report files as {format: (suffix, bytes)}
    (``formats``: which of UNIT_FORMATS; None: all)."""
    from pipeline.report.view import build_unit_report

    picture = render and (formats is None or "html" in formats or "svg" in formats)
    svg = _graph_svg(docs, name) if picture else None
    report = build_unit_report(key, name, docs, lang=lang, display=show, graph_svg=svg, meta=meta,
                               rules=_rules(), twins=twins, made=made)
    if not render:
        return report.figures, {}
    return report.figures, _render(report, formats)


_WARM = False
_IN_WORKER = False  # set in pool workers only: the collector settings below are never a caller's


def work(kind: str, *args: Any) -> Any:
    """The one function the worker pool runs: ``parse`` a file, or check and report a ``folder``."""
    global _WARM
    if kind == "parse":
        out = parse_task(*args)
    elif kind == "folder":
        out = folder_task(*args)
    else:
        raise ValueError(f"unknown task kind {kind!r}")
    if _IN_WORKER and not _WARM:
        # After the first task the worker holds what stays (lexicons, jieba's dictionary, spaCy, the
        # templates): out of the collector's sight, it is no longer traversed at every full collection.
        gc.freeze()
        _WARM = True
    return out


# -- the parent's side -------------------------------------------------------------------------------

def display_path(f: Path, roots: list[Path], *, resolved: bool = False, cwd: Path | None = None,
                 realpath: Callable[[str], str] | None = None) -> str:
    """Relative to the working folder when the file is below it (CI annotations need that), else to
    its input root, else the name. ``resolved``: ``roots`` are ``api.folder_roots`` already;
    ``realpath``: see :func:`pipeline.api.output_name`."""
    from pipeline.api import output_name
    from pipeline.preflight import text_path

    try:
        return text_path(f.absolute().relative_to(cwd or Path.cwd()).as_posix())
    except ValueError:
        pass
    rel = output_name(f, roots, resolved=resolved, realpath=realpath).as_posix()
    return text_path(rel[: -len(".json")])


def failed_document(path: Path | str, code: str, message: str, stage: str = "worker", sha256: str = "") -> Document:
    """A ``failed`` document for a file we could not (or must not) read. Never opens the file: it may
    be a FIFO or a device that would block."""
    from pipeline.model import Source
    from pipeline.preflight import text_path

    name = text_path(path)
    doc = Document(tool_version=__version__,
                   source=Source(path=name, sha256=sha256, format=Path(name).suffix.lower().lstrip(".")))
    doc.add_error(stage, code, message, fatal=True)
    return doc


def _load_profile(path: str | Path | None) -> Any:
    from pipeline.checks.profile import load_profile

    return load_profile(path)


def _lexicon_fingerprint() -> str:
    from pipeline.lexicon import fingerprint

    return fingerprint()


def run_batch(paths: list[str | Path], out: str | Path, options: BatchOptions | None = None) -> BatchResult:
    """Check every submission under ``paths``; write the outputs under ``out``. See the module docstring.

    Raises :class:`pipeline.errors.ConfigError` for a bad profile or when no input is found —
    configuration problems are never reported as findings.
    """
    from pipeline.preflight import walk_inputs

    opts = options or BatchOptions()
    if opts.lang not in ("zh", "en"):
        raise ConfigError(f"invalid --lang {opts.lang!r}: must be zh or en")
    t0 = time.monotonic()
    out = Path(out)
    roots = [Path(p) for p in paths]
    # the safe walk: no FIFOs opened, no symlinks followed out of a folder, no loops, never our own output
    found, refused = walk_inputs(roots, opts.limits, exclude=[out])
    files = found + [Path(e.path) for e in refused]
    if not files:
        raise ConfigError("no documents found in " + ", ".join(str(p) for p in paths)
                          + " (looked for .docx .doc .wps .pdf .xlsx .txt …)")
    profile = _load_profile(opts.profile)  # here, so that a bad profile is a ConfigError before any work
    cache = Cache(Path(opts.cache_dir) if opts.cache_dir else default_cache_dir(out), enabled=opts.use_cache)
    with tempfile.TemporaryDirectory(prefix="lianfang-run-") as spool_dir:
        run = _Run(files, len(found), refused, roots, out, opts, profile, cache, Path(spool_dir))
        result = run.execute()
    result.elapsed = time.monotonic() - t0
    _log.info("batch: %d submissions, %d parsed, %d from cache, %.1f s", len(result.docs), result.parsed,
              result.cache_hits, result.elapsed)
    return result


def _json_names(files: list[Path], roots: list[Path], realpath: Callable[[str], str] | None = None) -> list[str]:
    """Each submission's JSON path below ``<out>/submissions``, in input order; same-named files
    given one by one from different folders get ``-2``, ``-3`` … rather than overwrite each other."""
    from pipeline.api import folder_roots, output_name

    used: set[str] = set()
    out = []
    dirs = folder_roots(roots)
    for f in files:
        name = output_name(f, dirs, resolved=True, realpath=realpath).as_posix()
        if name in used:
            stem, n = name[: -len(".json")], 2
            while f"{stem}-{n}.json" in used:
                n += 1
            name = f"{stem}-{n}.json"
        used.add(name)
        out.append(name)
    return out


def _doc_task_args(path: Path, cache_entry: Path | None, spool_entry: Path) -> tuple[Any, ...]:
    """The task that parses one file (one place, so that tests can forbid parsing)."""
    return ("parse", str(path), str(cache_entry) if cache_entry else None, str(spool_entry))


def _read_item(i: int, path: Path, cache_entry: Path | None, rel: str, json_rel: str) -> DocInput:
    """A file its folder's task reads itself (one place, so that tests can forbid parsing)."""
    return DocInput(i, "read", str(cache_entry) if cache_entry else "", rel, json_rel, file=str(path))


@dataclass
class _Folder:
    index: int
    members: list[int]  # file indices, input order
    waiting: int = 0  # files not back yet
    inputs: dict[int, DocInput] = field(default_factory=dict)
    done: bool = False
    units: list[UnitOutcome] = field(default_factory=list)


class _Run:
    """The state of one :func:`run_batch`: folders, outcomes, the task queue, the outputs."""

    def __init__(self, files: list[Path], n_found: int, refused: list[Any], roots: list[Path], out: Path,
                 opts: BatchOptions, profile: Any, cache: Cache, spool_dir: Path) -> None:
        from pipeline.api import folder_roots
        from pipeline.report.safe import NameAllocator

        self.files, self.n_found, self.refused, self.roots = files, n_found, refused, roots
        self.out, self.opts, self.profile, self.cache, self.spool_dir = out, opts, profile, cache, spool_dir
        self.total = len(files)
        real = RealPaths()  # each folder resolved once for every file below it
        self.json_rels = _json_names(files, roots, real)
        dirs, cwd = folder_roots(roots), Path.cwd()
        self.rels = [display_path(f, dirs, resolved=True, cwd=cwd, realpath=real) for f in files]
        self.outcomes: dict[int, DocOutcome] = {}
        self.parsed = 0
        self.stores = 0
        self.abort: str | None = None
        self.names = NameAllocator()
        self.spool = _Spool(out)
        # folders in the order their first file appears: the order units are listed and named in
        by_dir: dict[Path, _Folder] = {}
        self.folder_of: list[_Folder] = []
        for i, f in enumerate(files):
            fo = by_dir.get(f.parent)
            if fo is None:
                fo = by_dir[f.parent] = _Folder(len(by_dir), [])
            fo.members.append(i)
            fo.waiting += 1
            self.folder_of.append(fo)
        self.folders = list(by_dir.values())
        self.folders_done = 0
        self.queue: deque[Any] = deque()

    # -- documents ---------------------------------------------------------------------------------
    def doc_back(self, i: int, item: DocInput, status: str, error: str | None) -> None:
        """A file is read (or refused): record it, tell the progress bar, queue its folder when complete."""
        self.record(i, item, status, error)
        fo = self.folder_of[i]
        fo.inputs[i] = item
        fo.waiting -= 1
        if fo.waiting == 0 and not self.abort:
            self.queue.appendleft(self.folder_task(fo))  # ahead of parsing: frees its inputs soonest

    def record(self, i: int, item: DocInput, status: str, error: str | None) -> None:
        """A file's outcome, and the progress bar told."""
        from pipeline.preflight import text_path

        self.outcomes[i] = DocOutcome(path=text_path(self.files[i]), rel=self.rels[i], json_rel=self.json_rels[i],
                                      cached=item.cached, seconds=item.seconds, out=self.out)
        if self.opts.progress:
            self.opts.progress(len(self.outcomes), self.total, text_path(self.files[i]), status, item.cached)
        if self.opts.fail_fast and status == "failed" and self.abort is None:
            self.abort = error or f"{text_path(self.files[i])}: could not be read"

    def failed_input(self, i: int, doc: Document, seconds: float = 0.0) -> None:
        from pipeline.cache import encode_entry

        data, meta, _ = _parse_result(doc)
        item = DocInput(i, "bytes", encode_entry(data, meta, 1), self.rels[i], self.json_rels[i], seconds=seconds)
        self.doc_back(i, item, doc.status, meta["error"])

    def folder_task(self, fo: _Folder) -> Any:
        from pipeline.workers import Task

        spec = {"docs": [fo.inputs[i] for i in fo.members if i in fo.inputs], "lang": self.opts.lang,
                "profile": str(self.opts.profile) if self.opts.profile else None, "check": True,
                "reports": self.opts.write_reports, "write_to": None if self.opts.scheduler else str(self.out),
                "stage_as": None if self.opts.scheduler else f"{_STAGED}{os.getpid()}-{fo.index}",
                "formats": sorted(self.opts.unit_formats) if self.opts.unit_formats is not None else None}
        return Task(("folder", fo.index), ("folder", spec), f"{self.folder_label(fo)}/ (check and reports)")

    def folder_label(self, fo: _Folder) -> str:
        first = self.rels[fo.members[0]]
        return first.rsplit("/", 1)[0] if "/" in first else "."

    # -- the run -------------------------------------------------------------------------------------
    def execute(self) -> BatchResult:
        from pipeline.ids import file_sha256
        from pipeline.preflight import text_path

        cache = self.cache
        lex_fp = _lexicon_fingerprint()
        prof_fp = getattr(self.profile, "fingerprint", "")
        for k, err in enumerate(self.refused):  # refused by the walk: reported, never opened
            self.failed_input(self.n_found + k, failed_document(err.path, err.code, str(err), "input"))
        todo: list[tuple[int, Path | None]] = []
        for i in range(self.n_found):
            if self.abort:
                break
            f = self.files[i]
            if not cache.enabled:
                # the content hash only keys the cache: without one the worker reads the file, and
                # reports it unreadable if it is (~0.2 ms a file of serial time before any worker starts)
                todo.append((i, None))
                continue
            try:
                sha = file_sha256(str(f))
            except OSError as e:
                self.failed_input(i, failed_document(
                    f, "unreadable", f"{text_path(f)}: cannot read the file ({e.strerror or e})", "input"))
                continue
            key = cache_key(sha, __version__, lex_fp, prof_fp)
            meta = cache.probe(key)
            if meta is not None:
                where = text_path(f)
                error = meta.get("error")
                old = meta.get("path")
                if isinstance(error, str) and isinstance(old, str) and old != where:
                    error = error.replace(old, where)
                item = DocInput(i, "file", str(cache.entry_path(key)), self.rels[i], self.json_rels[i],
                                expected_path=where, file=str(f), cached=True)
                self.doc_back(i, item, str(meta.get("status", "ok")), error)
            else:
                todo.append((i, cache.entry_path(key) if cache.enabled else None))
        # parse in folder order, so that folders complete one after another and leave memory
        todo.sort(key=lambda t: (self.folder_of[t[0]].index, t[0]))
        fused = self.fusable(todo)
        for i, entry in todo:
            if self.abort:
                break
            fo = self.folder_of[i]
            if fo.index in fused:  # read by the folder's own task, queued with its last file
                fo.inputs[i] = _read_item(i, self.files[i], entry, self.rels[i], self.json_rels[i])
                fo.waiting -= 1
                if fo.waiting == 0:
                    self.queue.append(self.folder_task(fo))
                continue
            self.queue.append(self.parse_task(i, entry))
        if not self.abort:
            self.phase("report", 0)
            runner = self.runner(bool(todo))
            if todo and self.opts.write_reports and not isinstance(runner, _InlineRunner):
                # this process waits for the workers to start anyway: get the summary ready meanwhile
                _prepare_summary()
            try:
                for key, ok, value, code, message, seconds in runner.results():
                    self.task_back(key, ok, value, code, message, seconds)
                    if self.abort:
                        break
            finally:
                runner.close()
        return self.finish()

    def parse_task(self, i: int, entry: Path | None) -> Any:
        from pipeline.preflight import text_path
        from pipeline.workers import Task

        return Task(("doc", i), _doc_task_args(self.files[i], entry, self.spool_dir / f"{i}.json.z"),
                    text_path(self.files[i]))

    def fusable(self, todo: list[tuple[int, Path | None]]) -> set[int]:
        """Folders whose files to read go with their check task (see ``_FUSE_MAX_FILES``): none on a
        Dask cluster, whose workers do not see our files."""
        if self.opts.scheduler:
            return set()
        count: Counter[int] = Counter()
        size: Counter[int] = Counter()
        slow: set[int] = set()
        for i, _ in todo:
            f, k = self.files[i], self.folder_of[i].index
            count[k] += 1
            try:
                size[k] += f.stat().st_size
            except OSError:
                slow.add(k)  # reported by its own task
            if f.suffix.lower() not in _FUSE_SUFFIXES:
                slow.add(k)
        return {k for k, n in count.items()
                if n <= _FUSE_MAX_FILES and size[k] <= _FUSE_MAX_BYTES and k not in slow}

    def runner(self, parsing: bool) -> Any:
        if self.opts.scheduler:
            return _DaskRunner(self.queue, self.opts)
        if not parsing and self.total <= _INLINE_MAX_FILES:
            return _InlineRunner(self.queue)
        jobs = min(self.opts.jobs or os.cpu_count() or 1, max(1, len(self.queue)))
        return _LocalRunner(self.queue, self.opts, jobs)

    def task_back(self, key: tuple[str, int], ok: bool, value: Any, code: str | None, message: str | None,
                  seconds: float) -> None:
        from pipeline.preflight import text_path

        kind, n = key
        if kind == "doc":
            self.parsed += 1
            f = self.files[n]
            if not ok:
                self.failed_input(n, failed_document(f, code or "crashed", message or f"{text_path(f)}: failed"),
                                  seconds)
                return
            where_kind, where, meta, stored = value
            self.stores += stored
            # two files of one content share a cache entry, and the other may have written it last:
            # the entry is re-pointed at this file when its header names another
            item = DocInput(n, where_kind, where, self.rels[n], self.json_rels[n], expected_path=meta.get("path"),
                            file=str(f), seconds=seconds)
            self.doc_back(n, item, str(meta.get("status", "ok")), meta.get("error"))
            return
        fo = self.folders[n]
        reads = [i for i, it in fo.inputs.items() if it.kind == "read"]
        if not ok and reads:
            # a file it read may be what failed: read each in a task of its own, then check the folder
            _log.info("reading and checking %s/ in one task failed (%s): one task per file instead",
                      self.folder_label(fo), code)
            for i in reads:
                entry = fo.inputs.pop(i).data
                fo.waiting += 1
                self.queue.appendleft(self.parse_task(i, Path(str(entry)) if entry else None))
            return
        if not ok:
            _log.warning("checking %s/ in a worker failed (%s: %s): checking it here instead",
                         self.folder_label(fo), code, message)
            value = self.folder_here(fo)
        for rec in value["docs"]:
            r = rec.get("read")
            if r is not None:  # read by this task: counted now, as a parse task's result would be
                self.parsed += 1
                self.stores += bool(r["stored"])
                it = fo.inputs[rec["i"]]
                self.record(rec["i"], DocInput(it.i, it.kind, it.data, it.rel, it.json_rel, r.get("path"),
                                               it.file, False, r["seconds"]), str(r["status"]), r.get("error"))
        self.finalise(fo, value)

    def folder_here(self, fo: _Folder, check: bool = True) -> dict[str, Any]:
        """A folder task run in this process: the fallback when its worker died or overran."""
        spec = self.folder_task(fo).args[1]
        spec["check"] = check
        spec["reports"] = spec["reports"] and check
        try:
            return folder_task(spec)
        except Exception:
            if not check:
                raise
            _log.exception("checking %s/ failed: writing its documents unchecked", self.folder_label(fo))
            return self.folder_here(fo, check=False)

    def finalise(self, fo: _Folder, res: dict[str, Any]) -> None:
        """Write what a folder task returned, keep its counts, spool its findings."""
        for rec in res["docs"]:
            o = self.outcomes[rec["i"]]
            o.path, o.info = rec["path"], rec["info"]
            if rec["json"] is not None:
                _write(self.out / "submissions" / o.json_rel, rec["json"])
            o.rows_at, o.frag_at = self.spool.add(rec["rows"]), self.spool.add(rec["frag"])
            if rec["reparsed"] and o.cached:  # a damaged cache entry: it was parsed after all
                o.cached = False
                self.cache.hits -= 1
                self.cache.misses += 1
                self.parsed += 1
        for u in res["units"]:
            members = [self.outcomes[i] for i in u["members"]]
            for m in members:
                m.unit = u["key"]
            uo = UnitOutcome(key=u["key"], name=u["name"], slug=self.names.claim(u["name"]), docs=members,
                             figures=u["figures"])
            for fmt, (suffix, data) in u["outputs"].items():
                rel = f"units/{uo.slug}{suffix}"
                if isinstance(data, str):  # written by the worker under a staging name
                    _place(self.out / data, self.out / rel)
                else:
                    _write(self.out / rel, data)
                uo.files[fmt] = rel
            fo.units.append(uo)
        for item in fo.inputs.values():  # spool entries are read once; cache entries stay
            if item.kind == "file" and Path(str(item.data)).parent == self.spool_dir:
                try:
                    os.unlink(item.data)
                except OSError:
                    pass
        fo.inputs.clear()
        fo.done = True
        self.folders_done += 1
        self.phase("report", self.folders_done)

    def phase(self, name: str, done: int) -> None:
        if self.opts.phase:
            self.opts.phase(name, done, len(self.folders) if name == "report" else 1)

    def finish(self) -> BatchResult:
        if self.abort:
            # what was read is still written: folders already checked as they were, the rest unchecked;
            # no summary and no units listed for a partial batch
            for fo in self.folders:
                for i in [i for i, it in fo.inputs.items() if it.kind == "read"]:
                    del fo.inputs[i]  # never read: files are only ever read in a worker
                if not fo.done and fo.inputs:
                    self.finalise(fo, self.folder_here(fo, check=False))
        units = [u for fo in self.folders for u in fo.units]
        # staged by a task whose result was not used (a worker that died or overran, an abort)
        for left in (self.out / "units").glob(f"*{Path(_STAGED).name}{os.getpid()}-*"):
            try:
                left.unlink()
            except OSError:
                pass
        _settle_names(self.out, units)
        docs = [self.outcomes[i] for i in sorted(self.outcomes)]
        result = BatchResult(out=self.out, docs=docs, units=units if not self.abort else [], parsed=self.parsed,
                             cache_hits=self.cache.hits, aborted=self.abort is not None, abort_reason=self.abort,
                             lang=self.opts.lang, profile_name=getattr(self.profile, "name", "default"),
                             spool=self.spool)
        result.rules = _rules()
        self.cache.stores += self.stores
        if not result.aborted and self.opts.write_reports:
            self.phase("summary", 0)
            _write_summaries(result)
            self.phase("summary", 1)
        return result


def _settle_names(out: Path, units: list[UnitOutcome]) -> None:
    """Give each unit's reports the name they would get in input order (names are claimed as folders
    finish, which varies from run to run; only units whose names collide can be affected)."""
    from pipeline.report.safe import unique_names

    wanted = unique_names([u.name for u in units])
    moves = [(u, w) for u, w in zip(units, wanted, strict=True) if u.slug != w]
    if not moves:
        return
    staged = []
    for k, (u, w) in enumerate(moves):  # first out of the way, then into place: names may swap
        tmp = {}
        for fmt, rel in u.files.items():
            suffix = rel[len(f"units/{u.slug}"):]
            t = f"units/.renaming-{os.getpid()}-{k}{suffix}"
            os.replace(out / rel, out / t)
            tmp[fmt] = (t, suffix)
        staged.append((u, w, tmp))
    for u, w, tmp in staged:
        u.slug = w
        for fmt, (t, suffix) in tmp.items():
            rel = f"units/{w}{suffix}"
            os.replace(out / t, out / rel)
            u.files[fmt] = rel


# -- runners: where tasks run ------------------------------------------------------------------------------

RunnerOut = tuple[Any, bool, Any, str | None, str | None, float]


class _LocalRunner:
    """The isolated worker pool (:mod:`pipeline.workers`), fed from the run's live queue."""

    def __init__(self, queue: deque[Any], opts: BatchOptions, jobs: int) -> None:
        from pipeline.workers import Limits, WorkerPool

        self.queue = queue
        limits = Limits(timeout=opts.timeout, memory_mb=opts.max_memory_mb, max_tasks=opts.max_tasks_per_worker)
        env = opts.limits.to_env() if opts.limits is not None else None
        self.pool = WorkerPool(work, jobs=jobs, limits=limits, initializer=init_worker, initargs=(env,),
                               preload=_PRELOAD)
        self._gen: Any = None

    def results(self) -> Iterator[RunnerOut]:
        self._gen = self.pool.run(self.queue)  # a deque: tasks queued while we read results run too
        for r in self._gen:
            yield r.key, r.ok, r.value, r.code, r.message, r.seconds

    def close(self) -> None:
        if self._gen is not None:
            self._gen.close()
        self.pool.close()


class _InlineRunner:
    """Tasks run here, one after another: for small fully cached batches, where starting workers
    would cost more than the checks."""

    def __init__(self, queue: deque[Any]) -> None:
        self.queue = queue

    def results(self) -> Iterator[RunnerOut]:
        while self.queue:
            task = self.queue.popleft()
            key, args, label = task.key, task.args, task.label
            t = time.monotonic()
            try:
                value = work(*args)
            except Exception as e:  # reported like a worker's failure; the folder is then checked unchecked
                _log.debug("inline task %s failed", label, exc_info=True)
                yield key, False, None, "worker_error", f"{label}: {type(e).__name__}: {e}", time.monotonic() - t
            else:
                yield key, True, value, None, None, time.monotonic() - t

    def close(self) -> None:
        pass


class _DaskRunner:
    """The same tasks on a Dask cluster. File bytes travel with a parse task, so the workers need not
    share our file system; a folder task gets its documents' entries as bytes and returns the
    per-submission JSON for us to write. Memory/CPU isolation there is the cluster's (the nanny's
    memory limit restarts a worker that overruns: that task is reported ``crashed``); the wall-clock
    limit is enforced here, counted from when a task enters the running window (one task per thread)."""

    def __init__(self, queue: deque[Any], opts: BatchOptions) -> None:
        try:
            from distributed import Client
        except ImportError as e:
            raise ConfigError("--scheduler needs Dask distributed: pip install 'lianfang[distributed]'") from e
        try:
            self.client = Client(opts.scheduler, timeout=opts.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"cannot reach the Dask scheduler at {opts.scheduler}: {e}") from e
        self.queue, self.opts = queue, opts

    def _submit(self, args: tuple[Any, ...]) -> Any:
        if args[0] == "parse":
            p = Path(args[1])
            return self.client.submit(remote_parse_task, str(p), p.read_bytes(), pure=False)
        spec = dict(args[1])
        spec["docs"] = [it if it.kind == "bytes" else
                        DocInput(it.i, "bytes", Path(it.data).read_bytes(), it.rel, it.json_rel, it.expected_path,
                                 None, it.cached, it.seconds)
                        for it in spec["docs"]]
        return self.client.submit(folder_task, spec, pure=False)

    def results(self) -> Iterator[RunnerOut]:
        window = max(1, sum(self.client.nthreads().values()))
        running: dict[Any, tuple[Any, tuple[Any, ...], str, float]] = {}
        timeout = self.opts.timeout
        while self.queue or running:
            while self.queue and len(running) < window:
                task = self.queue.popleft()
                running[self._submit(task.args)] = (task.key, task.args, task.label, time.monotonic())
            # poll: futures know when they are done; 20 ms is nothing next to a document's parse
            done = [f for f in running if f.done()]
            if not done:
                time.sleep(0.02)
            now = time.monotonic()
            for fut in done:
                key, args, label, t = running.pop(fut)
                try:
                    value = fut.result()
                except Exception as e:  # KilledWorker and friends: the task took its worker down
                    yield key, False, None, "crashed", f"{label}: the cluster worker failed ({type(e).__name__}: {e})", now - t
                    continue
                if args[0] == "parse":
                    value = self._store(key[1], args, value)
                yield key, True, value, None, None, now - t
            if timeout:
                for fut, (key, _, label, t) in list(running.items()):
                    if now - t >= timeout:
                        del running[fut]
                        fut.cancel()
                        yield key, False, None, "timeout", f"{label}: exceeded the time limit of {timeout:g} s", now - t

    @staticmethod
    def _store(i: int, args: tuple[Any, ...], value: tuple[bytes, dict[str, Any], bool]) -> tuple[str, Any, Any, bool]:
        """Keep a remote result as a parse task keeps a local one: in the cache or in the spool."""
        from pipeline.cache import encode_entry, write_entry

        data, meta, ok_to_cache = value
        _, _, cache_entry, spool_entry = args
        if cache_entry and ok_to_cache and write_entry(cache_entry, data, meta, 3):
            return "file", cache_entry, meta, True
        if write_entry(spool_entry, data, meta, 1):
            return "file", spool_entry, meta, False
        return "bytes", encode_entry(data, meta, 1), meta, False

    def close(self) -> None:
        self.client.close()


# -- outputs ---------------------------------------------------------------------------------------------------

def _graph_svg(docs: list[Document], name: str) -> str | None:
    """The unit's responsibility graph as SVG; a drawing problem never fails the batch."""
    from pipeline.graph import unit_svg

    try:
        return unit_svg(docs, name)  # the picture's data straight from the documents (no networkx graph)
    except Exception as e:  # the report is still worth having without its picture
        _log.warning("could not draw the graph of %s: %s: %s", name, type(e).__name__, e)
        _log.debug("graph failure", exc_info=True)
        return None


def _prepare_summary() -> None:
    try:
        from pipeline.report import summary

        summary.prepare()
    except Exception:  # a head start only: the summary itself reports what is wrong
        _log.debug("preparing the summary failed", exc_info=True)


def _write_summaries(result: BatchResult) -> None:
    """index.html, summary.xlsx and summary.json of a batch."""
    from pipeline.report import summary
    from pipeline.report.jsonout import write_json

    out = result.out
    _write(out / "index.html", summary.render_index(result).encode("utf-8"))
    _write(out / "summary.xlsx", summary.render_xlsx(result))
    _write_streamed(out / "summary.json", lambda f: write_json(result, f))


def _write_streamed(path: Path, fill: Callable[[Any], None]) -> None:
    """Write a file through ``fill(binary stream)`` atomically, without holding it in memory; an
    unchanged file is left alone (see :func:`_write`)."""
    import filecmp

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            fill(f)
        if path.is_file() and filecmp.cmp(tmp, path, shallow=False):
            os.unlink(tmp)
            return
        um = os.umask(0)
        os.umask(um)
        os.chmod(tmp, 0o666 & ~um)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _check(result: BatchResult, profile: Any, lang: str, run: bool = True) -> list[Any]:
    """Group in-memory submissions into units and run every rule (findings and risk states in place)."""
    from pipeline.checks import run_checks
    from pipeline.report.safe import unique_names
    from pipeline.units import units as make_units

    docs = [d._doc for d in result.docs]
    groups = make_units(docs)  # type: ignore[arg-type]
    if run:
        run_checks(docs, profile, lang, units=[(u.key, u.name, u.docs) for u in groups])  # type: ignore[arg-type]
    by_id = {id(d._doc): d for d in result.docs}
    slugs = unique_names([u.name for u in groups])
    for u, slug in zip(groups, slugs, strict=True):
        members = [by_id[id(d)] for d in u.docs if id(d) in by_id]
        for m in members:
            m.unit = _json_safe(u.key)
        # a folder name that is not UTF-8 must not reach HTML or JSON as lone surrogates
        result.units.append(UnitOutcome(key=_json_safe(u.key), name=_json_safe(u.name), slug=slug, docs=members))
    return groups


def result_from_documents(docs: list[Document], out: str | Path, *, lang: str = "zh", profile: Any = None,
                          check: bool = True, write: bool = True) -> BatchResult:
    """A batch result (and, with ``write``, its output folder) for documents already processed —
    e.g. by :func:`pipeline.api.extract`. ``check=False`` keeps the findings the documents carry."""
    from pipeline.report.view import build_unit_report, renderings

    result = BatchResult(out=Path(out), docs=[], units=[], lang=lang)
    for d in docs:
        p = Path(d.source.path)
        # never let a path climb out of the output folder
        parts = [x for x in p.parts if x not in ("..", ".", p.anchor)] if not p.is_absolute() else [p.name]
        result.docs.append(DocOutcome(path=d.source.path, rel=p.as_posix(),
                                      json_rel="/".join(parts or ["document"]) + ".json", doc=d))
    if check and profile is None:
        profile = _load_profile(None)
    result.profile_name = getattr(profile, "name", "default")
    groups = _check(result, profile, lang, run=check)
    twins = renderings(docs)
    for o in result.docs:
        o.twin, o.show = twins.get(id(o._doc)), result.display
    result.rules = _rules()
    for u, g in zip(result.units, groups, strict=True):
        if write:
            svg = _graph_svg(g.docs, u.name)
            u.report = build_unit_report(u.key, u.name, g.docs, slug=u.slug, lang=lang, display=result.display,
                                         graph_svg=svg, rules=result.rules, twins=twins)
            for fmt, (suffix, data) in _render(u.report).items():
                rel = f"units/{u.slug}{suffix}"
                _write(result.out / rel, data)
                u.files[fmt] = rel
        else:
            u.report = build_unit_report(u.key, u.name, g.docs, slug=u.slug, lang=lang, display=result.display,
                                         rules=result.rules, twins=twins)
        u.figures = u.report.figures
    if write:
        for o in result.docs:
            _write(result.out / "submissions" / o.json_rel,
                   o.doc.contract_bytes())
        _write_summaries(result)
    return result


def _render(report: Any, formats: Collection[str] | None = None) -> dict[str, tuple[str, bytes]]:
    """A unit's report files, {format: (suffix, bytes)}, for ``formats`` of UNIT_FORMATS (None: all)."""
    from pipeline.report import csv as rcsv
    from pipeline.report import html, markdown, xlsx

    want = set(UNIT_FORMATS if formats is None else formats)
    outputs: dict[str, tuple[str, bytes]] = {}
    if "html" in want:
        outputs["html"] = (".html", html.render_unit(report).encode("utf-8"))
    if "md" in want:
        outputs["md"] = (".md", markdown.render_unit(report).encode("utf-8"))
    if want & {"xlsx", "csv"}:
        from pipeline.report.safe import NeutralText

        frows, rrows = xlsx.finding_rows(report), xlsx.risk_rows(report)
        neutral = NeutralText()  # the workbook and the CSV files hold the same texts: each judged once
        if "xlsx" in want:
            outputs["xlsx"] = (".xlsx", xlsx.render_unit(report, findings=frows, risks=rrows, neutral=neutral))
        if "csv" in want:
            outputs["csv"] = (".findings.csv", rcsv.render_findings(report, frows, neutral))
            outputs["risks_csv"] = (".risks.csv", rcsv.render_risks(report, rrows, neutral))
    if report.graph_svg and "svg" in want:
        outputs["svg"] = (".svg", report.graph_svg.encode("utf-8"))
    return outputs


def _write(path: Path, data: bytes) -> None:
    """Atomic write, skipped when the file already holds exactly these bytes (a re-run of an unchanged
    batch then touches nothing; renames are the slow part on some file systems)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write_bytes(path, data)
