"""The main job: check a batch of submissions and write everything a reviewer and CI need.

Flow (DESIGN.md §1, §6):

1. find the inputs (files and folders, recursive) and hash each file;
2. serve what the cache has (key: content sha256 + tool version + lexicon and profile fingerprints);
3. parse + segment + extract + link the rest in isolated worker processes (:mod:`pipeline.workers`)
   or on a Dask cluster (``scheduler``) — a document that fails, hangs or crashes is reported and
   the batch goes on (``fail_fast`` stops at the first one);
4. in this process: group units, run the checks, and write the per-submission JSON, the per-unit
   reports (HTML, Markdown, Excel, CSV, graph SVG) and the batch summary — all atomically.

>>> from pipeline.batch import BatchOptions, run_batch
>>> result = run_batch(["samples/"], "lianfang-out", BatchOptions(jobs=2))   # doctest: +SKIP
>>> result.parsed, result.cache_hits                                          # doctest: +SKIP
(7, 0)
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.cache import Cache, cache_key, default_cache_dir
from pipeline.errors import ConfigError
from pipeline.fsutil import atomic_write_bytes
from pipeline.model import Document, Finding

_log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning", "info")
FAIL_ON = ("error", "warning", "info", "never")

# modules the fork server imports once so that each worker starts warm (missing ones are skipped)
_PRELOAD = ("pipeline.batch", "pipeline.api", "pipeline.parse.docx", "pipeline.parse.pdf", "pipeline.parse.xlsx",
            "pipeline.parse.text", "pipeline.segment", "pipeline.extract", "pipeline.link", "docx", "jieba")

ProgressFn = Callable[[int, int, str, str, bool], None]  # done, total, path, status, cached


@dataclass
class BatchOptions:
    jobs: int = 0  # 0: every core
    timeout: float | None = 300.0
    max_memory_mb: int | None = 2048
    max_tasks_per_worker: int = 100
    cache_dir: str | Path | None = None  # default: <out>/.cache
    use_cache: bool = True
    fail_fast: bool = False
    profile: str | Path | None = None
    lang: str = "zh"
    scheduler: str | None = None  # tcp://host:port of a Dask scheduler
    connect_timeout: float = 20.0  # seconds to reach the scheduler
    write_reports: bool = True
    progress: ProgressFn | None = None


@dataclass
class DocOutcome:
    path: str  # as found (source.path)
    rel: str  # what readers see: relative to the working folder or to the input root
    json_rel: str  # the per-submission JSON, relative to the output folder
    doc: Document
    cached: bool = False
    seconds: float = 0.0
    unit: str = ""


@dataclass
class UnitOutcome:
    key: str
    name: str
    slug: str
    docs: list[DocOutcome]
    report: Any = None  # pipeline.report.view.UnitReport
    files: dict[str, str] = field(default_factory=dict)  # format -> path relative to the output folder


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

    @property
    def failed(self) -> list[DocOutcome]:
        return [d for d in self.docs if d.doc.status == "failed"]

    def findings(self) -> list[tuple[DocOutcome, Finding]]:
        return [(d, f) for d in self.docs for f in d.doc.findings]

    def finding_rows(self) -> list[Any]:
        """Every finding as a report row (display paths, 1-based lines), sorted by file then place."""
        from pipeline.report.view import finding_row

        rows = []
        for d in self.docs:
            rindex = {r.id: r for r in d.doc.risks}
            for f in d.doc.findings:
                rows.append(finding_row(f, d.doc, self.display, self.lang, rindex))
        rows.sort(key=lambda r: (r.file, r.line, r.column, r.rule))
        return rows

    def display(self, path: str) -> str:
        for d in self.docs:
            if d.path == path:
                return d.rel
        return path

    def totals(self) -> dict[str, Any]:
        from pipeline.report.view import GAP_STATES

        risks = [r for d in self.docs for r in d.doc.risks]
        decidable = sum(1 for r in risks if r.state != "undecidable")
        covered = sum(1 for r in risks if r.state == "covered")
        checked = any(r.state for r in risks)
        by_rule: dict[str, int] = {}
        by_sev = dict.fromkeys(SEVERITIES, 0)
        for _, f in self.findings():
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
        return {
            "submissions": len(self.docs),
            "units": len(self.units),
            "failed": len(self.failed),
            "parsed": self.parsed,
            "cache_hits": self.cache_hits,
            "risks": len(risks),
            "decidable": decidable,
            "covered": covered,
            "covered_pct": round(100.0 * covered / decidable, 1) if decidable and checked else None,
            "high_gaps": sum(1 for r in risks if r.level == "high" and r.state in GAP_STATES),
            "by_rule": dict(sorted(by_rule.items())),
            "by_severity": by_sev,
        }

    def worst(self) -> str | None:
        """The most severe finding's severity, or None."""
        sev = {f.severity for _, f in self.findings()}
        return next((s for s in SEVERITIES if s in sev), None)

    def exit_code(self, fail_on: str = "error") -> int:
        """0 clean, 1 findings at or above ``fail_on``, 2 when ``--fail-fast`` stopped the run."""
        if self.aborted:
            return 2
        if fail_on == "never":
            return 0
        limit = SEVERITIES.index(fail_on)
        return 1 if any(SEVERITIES.index(f.severity) <= limit for _, f in self.findings()) else 0


# -- work done in a worker process ----------------------------------------------------------------

_CTX: Any = None


def init_worker() -> None:
    """Load lexicons (and through them jieba/spaCy, lazily) once per worker process."""
    global _CTX
    from pipeline.stages import Context

    _CTX = Context()


def process_path(path: str) -> str:
    """Parse + per-submission stages for one file; the Document as JSON (what the cache stores)."""
    from pipeline.api import process_file

    if _CTX is None:
        init_worker()
    doc = process_file(path, _CTX)
    try:
        return doc.model_dump_json(exclude_none=True)
    except ValueError:  # pydantic refuses lone surrogates: a file name that is not UTF-8 (GBK from a share)
        return json.dumps(_json_safe(doc.model_dump(mode="json", exclude_none=True)), ensure_ascii=False)


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


def process_remote(path: str, data: bytes) -> str:
    """:func:`process_path` on a machine that may not see ``path``: work on a private copy of the
    bytes when the file is absent or differs, then put the original path back into the result."""
    import hashlib
    import tempfile

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


# -- the parent's side -------------------------------------------------------------------------------

def display_path(f: Path, roots: list[Path]) -> str:
    """Relative to the working folder when the file is below it (CI annotations need that), else to
    its input root, else the name."""
    from pipeline.api import output_name
    from pipeline.preflight import text_path

    try:
        return text_path(f.absolute().relative_to(Path.cwd()).as_posix())
    except ValueError:
        pass
    rel = output_name(f, roots).as_posix()
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
    from pipeline.ids import file_sha256
    from pipeline.preflight import text_path, walk_inputs

    opts = options or BatchOptions()
    if opts.lang not in ("zh", "en"):
        raise ConfigError(f"invalid --lang {opts.lang!r}: must be zh or en")
    t0 = time.monotonic()
    out = Path(out)
    roots = [Path(p) for p in paths]
    # the safe walk: no FIFOs opened, no symlinks followed out of a folder, no loops, never our own output
    found, refused = walk_inputs(roots, exclude=[out])
    files = found + [Path(e.path) for e in refused]
    if not files:
        raise ConfigError("no documents found in " + ", ".join(str(p) for p in paths)
                          + " (looked for .docx .doc .wps .pdf .xlsx .txt …)")
    profile = _load_profile(opts.profile)
    cache = Cache(Path(opts.cache_dir) if opts.cache_dir else default_cache_dir(out), enabled=opts.use_cache)
    lex_fp = _lexicon_fingerprint()
    prof_fp = getattr(profile, "fingerprint", "")

    total = len(files)
    outcomes: dict[int, DocOutcome] = {}
    keys: dict[int, str] = {}
    todo: list[int] = []
    aborted_reason: str | None = None
    json_rels = _json_names(files, roots)

    def finish(i: int, doc: Document, cached: bool, seconds: float) -> None:
        nonlocal aborted_reason
        f = files[i]
        outcomes[i] = DocOutcome(path=doc.source.path, rel=display_path(f, roots), json_rel=json_rels[i],
                                 doc=doc, cached=cached, seconds=seconds)
        if opts.progress:
            opts.progress(len(outcomes), total, doc.source.path, doc.status, cached)
        if opts.fail_fast and doc.status == "failed" and aborted_reason is None:
            first = doc.errors[0] if doc.errors else None
            aborted_reason = first.message if first else f"{doc.source.path}: could not be read"

    for k, err in enumerate(refused):  # refused by the walk: reported, never opened
        finish(len(found) + k, failed_document(err.path, err.code, str(err), "input"), False, 0.0)
    for i, f in enumerate(found):
        if aborted_reason:
            break
        try:
            sha = file_sha256(str(f))
        except OSError as e:
            finish(i, failed_document(f, "unreadable", f"{text_path(f)}: cannot read the file ({e.strerror or e})",
                                      "input"), False, 0)
            continue
        keys[i] = cache_key(sha, __version__, lex_fp, prof_fp)
        doc = cache.get(keys[i], text_path(f))
        if doc is not None:
            finish(i, doc, True, 0.0)
        else:
            todo.append(i)

    parsed = 0
    if todo and not aborted_reason:
        runner = _run_dask if opts.scheduler else _run_local
        for i, ok, value, code, message, seconds in runner([files[i] for i in todo], todo, opts):
            parsed += 1
            if ok:
                try:
                    doc = Document.model_validate_json(value)
                except Exception as e:  # a worker returned something we cannot read back: a bug, reported
                    doc = failed_document(files[i], "worker_error",
                                          f"{text_path(files[i])}: bad worker result ({type(e).__name__})")
                else:
                    cache.put(keys[i], doc, value)
            else:
                doc = failed_document(files[i], code or "crashed", message or f"{text_path(files[i])}: failed")
            finish(i, doc, False, seconds)
            if aborted_reason:
                break

    docs = [outcomes[i] for i in sorted(outcomes)]
    result = BatchResult(out=out, docs=docs, units=[], parsed=parsed, cache_hits=cache.hits,
                         aborted=aborted_reason is not None, abort_reason=aborted_reason, lang=opts.lang,
                         profile_name=getattr(profile, "name", "default"))
    if not result.aborted:
        _check(result, profile, opts.lang)
    _write_outputs(result, opts)
    result.elapsed = time.monotonic() - t0
    _log.info("batch: %d submissions, %d parsed, %d from cache, %.1f s", len(docs), parsed, cache.hits, result.elapsed)
    return result


def _json_names(files: list[Path], roots: list[Path]) -> list[str]:
    """Each submission's JSON path below ``<out>/submissions``, in input order; same-named files
    given one by one from different folders get ``-2``, ``-3`` … rather than overwrite each other."""
    from pipeline.api import output_name

    used: set[str] = set()
    out = []
    for f in files:
        name = output_name(f, roots).as_posix()
        if name in used:
            stem, n = name[: -len(".json")], 2
            while f"{stem}-{n}.json" in used:
                n += 1
            name = f"{stem}-{n}.json"
        used.add(name)
        out.append(name)
    return out


RunnerOut = tuple[int, bool, Any, str | None, str | None, float]


def _run_local(paths: list[Path], idx: list[int], opts: BatchOptions):  # type: ignore[no-untyped-def]
    from pipeline.workers import Limits, Task, WorkerPool

    limits = Limits(timeout=opts.timeout, memory_mb=opts.max_memory_mb, max_tasks=opts.max_tasks_per_worker)
    jobs = min(opts.jobs or os.cpu_count() or 1, len(paths))
    pool = WorkerPool(process_path, jobs=jobs, limits=limits, initializer=init_worker, preload=_PRELOAD)
    from pipeline.preflight import text_path

    gen = pool.run(Task(i, (str(p),), text_path(p)) for i, p in zip(idx, paths, strict=True))
    try:
        for r in gen:
            yield r.key, r.ok, r.value, r.code, r.message, r.seconds
    finally:
        gen.close()


def _run_dask(paths: list[Path], idx: list[int], opts: BatchOptions):  # type: ignore[no-untyped-def]
    """The same per-document work on a Dask cluster. The file bytes travel with the task, so the
    workers need not share our file system. Memory/CPU isolation there is the cluster's (the nanny's
    memory limit restarts a worker that overruns: that task is reported ``crashed``); the wall-clock
    limit is enforced here, counted from when a task enters the running window (one task per thread)."""
    from pipeline.preflight import text_path

    try:
        from distributed import Client
    except ImportError as e:
        raise ConfigError("--scheduler needs Dask distributed: pip install 'lianfang[distributed]'") from e
    try:
        client = Client(opts.scheduler, timeout=opts.connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ConfigError(f"cannot reach the Dask scheduler at {opts.scheduler}: {e}") from e
    try:
        window = max(1, sum(client.nthreads().values()))
        pending = list(zip(idx, paths, strict=True))
        running: dict[Any, tuple[int, Path, float]] = {}

        def top_up() -> None:
            while pending and len(running) < window:
                i, p = pending.pop(0)
                fut = client.submit(process_remote, str(p), p.read_bytes(), pure=False)
                running[fut] = (i, p, time.monotonic())

        top_up()
        while running:
            # poll: futures know when they are done; 20 ms is nothing next to a document's parse
            done = [f for f in running if f.done()]
            if not done:
                time.sleep(0.02)
            now = time.monotonic()
            for fut in done:
                i, p, t = running.pop(fut)
                try:
                    value = fut.result()
                except Exception as e:  # KilledWorker and friends: the task took its worker down
                    yield i, False, None, "crashed", f"{text_path(p)}: the cluster worker failed ({type(e).__name__}: {e})", now - t
                else:
                    yield i, True, value, None, None, now - t
            if opts.timeout:
                for fut, (i, p, t) in list(running.items()):
                    if now - t >= opts.timeout:
                        del running[fut]
                        fut.cancel()
                        yield i, False, None, "timeout", f"{text_path(p)}: exceeded the time limit of {opts.timeout:g} s", now - t
            top_up()
    finally:
        client.close()


# -- checks and outputs --------------------------------------------------------------------------------

def _check(result: BatchResult, profile: Any, lang: str, run: bool = True) -> None:
    """Group the submissions into units, then run every rule (findings and risk states in place)."""
    from pipeline.checks import run_checks
    from pipeline.report.safe import unique_names
    from pipeline.units import units as make_units

    docs = [d.doc for d in result.docs]
    groups = make_units(docs)
    if run:
        run_checks(docs, profile, lang, units=[(u.key, u.name, u.docs) for u in groups])
    by_id = {id(d.doc): d for d in result.docs}
    slugs = unique_names([u.name for u in groups])
    for u, slug in zip(groups, slugs, strict=True):
        members = [by_id[id(d)] for d in u.docs if id(d) in by_id]
        for m in members:
            m.unit = _json_safe(u.key)
        # a folder name that is not UTF-8 must not reach HTML or JSON as lone surrogates
        result.units.append(UnitOutcome(key=_json_safe(u.key), name=_json_safe(u.name), slug=slug, docs=members))


def result_from_documents(docs: list[Document], out: str | Path, *, lang: str = "zh", profile: Any = None,
                          check: bool = True, write: bool = True) -> BatchResult:
    """A batch result (and, with ``write``, its output folder) for documents already processed —
    e.g. by :func:`pipeline.api.extract`. ``check=False`` keeps the findings the documents carry."""
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
    _check(result, profile, lang, run=check)
    if write:
        _write_outputs(result, BatchOptions(lang=lang))
    else:
        from pipeline.report.view import build_unit_report, rule_catalogue

        result.rules = rule_catalogue()
        for u in result.units:
            u.report = build_unit_report(u.key, u.name, [d.doc for d in u.docs], slug=u.slug, lang=lang,
                                         display=result.display, rules=result.rules)
    return result


def _graph_svg(docs: list[Document], name: str) -> str | None:
    """The unit's responsibility graph as SVG; a drawing problem never fails the batch."""
    from pipeline.graph import build_graph, to_svg

    try:
        return to_svg(build_graph(docs), title=name)
    except Exception as e:  # the report is still worth having without its picture
        _log.warning("could not draw the graph of %s: %s: %s", name, type(e).__name__, e)
        _log.debug("graph failure", exc_info=True)
        return None


def _write_outputs(result: BatchResult, opts: BatchOptions) -> None:
    out = result.out
    for d in result.docs:
        # the §4 contract (Document.to_contract), serialised by pydantic-core: same JSON, many times faster
        _write(out / "submissions" / d.json_rel,
               d.doc.model_dump_json(exclude_none=True, exclude={"blocks", "sections"}, indent=1).encode("utf-8"))
    if result.aborted or not opts.write_reports:
        return
    from pipeline.report import csv as rcsv
    from pipeline.report import html, markdown, summary, xlsx
    from pipeline.report.view import build_unit_report, rule_catalogue

    rules = rule_catalogue()
    result.rules = rules
    meta = {d.path: {"cached": d.cached, "seconds": d.seconds} for d in result.docs}
    for u in result.units:
        docs = [d.doc for d in u.docs]
        svg = _graph_svg(docs, u.name)
        u.report = build_unit_report(u.key, u.name, docs, slug=u.slug, lang=opts.lang, display=result.display,
                                     graph_svg=svg, meta=meta, rules=rules)
        base = f"units/{u.slug}"
        outputs: dict[str, tuple[str, bytes]] = {
            "html": (f"{base}.html", html.render_unit(u.report).encode("utf-8")),
            "md": (f"{base}.md", markdown.render_unit(u.report).encode("utf-8")),
            "xlsx": (f"{base}.xlsx", xlsx.render_unit(u.report)),
            "csv": (f"{base}.findings.csv", rcsv.render_findings(u.report)),
            "risks_csv": (f"{base}.risks.csv", rcsv.render_risks(u.report)),
        }
        if svg:
            outputs["svg"] = (f"{base}.svg", svg.encode("utf-8"))
        for fmt, (rel, data) in outputs.items():
            _write(out / rel, data)
            u.files[fmt] = rel
    from pipeline.report.jsonout import render_json

    _write(out / "index.html", summary.render_index(result).encode("utf-8"))
    _write(out / "summary.xlsx", summary.render_xlsx(result))
    _write(out / "summary.json", render_json(result).encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    """Atomic write, skipped when the file already holds exactly these bytes (a re-run of an unchanged
    batch then touches nothing; renames are the slow part on some file systems)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write_bytes(path, data)
