"""``lianfang check PATH…`` — the main job, a thin layer over :func:`pipeline.batch.run_batch`.

Exit codes: 0 clean; 1 findings at or above ``--fail-on``; 2 usage, input or configuration error,
or ``--fail-fast`` stopped at an unreadable document. Only click is imported at start-up.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

FORMATS = ("text", "json", "sarif", "junit", "github")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _will_read(scheduler: str | None, no_cache: bool, cache_dir: str | None, out: str) -> bool:
    """Whether this run will most likely read documents in local workers, so that their fork server
    is worth starting early: not on a Dask cluster, and not when a cache is there to answer (a
    re-run of checked files may need no worker at all)."""
    if scheduler:
        return False
    return no_cache or not (Path(cache_dir) if cache_dir else Path(out) / ".cache").exists()


def _progress(quiet: bool) -> tuple[Any, Any, Any]:
    """A rich progress display on stderr — documents read, then folders checked and written — or
    nothing when stderr is not a terminal. Returns (display, document callback, phase callback)."""
    if quiet or not sys.stderr.isatty():
        return None, None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("[bold]{task.description}[/]"), BarColumn(bar_width=24), MofNCompleteColumn(),
                   TextColumn("{task.fields[note]}"), TimeRemainingColumn(),
                   TextColumn("[dim]{task.fields[current]}", markup=True),
                   console=Console(stderr=True), transient=True)
    state: dict[str, Any] = {"read": None, "report": None, "failed": 0, "cached": 0}

    def tasks() -> None:
        # in this order whichever callback comes first: documents are read, then folders checked
        if state["read"] is None:
            state["read"] = bar.add_task("reading", total=None, note="", current="")
            state["report"] = bar.add_task("checking & writing reports", total=None, note="folders", current="")

    def update(done: int, total: int, path: str, status: str, cached: bool) -> None:
        from rich.markup import escape

        tasks()
        state["failed"] += status == "failed"
        state["cached"] += cached
        bar.update(state["read"], completed=done, total=total,
                   note=f"{state['failed']} failed · {state['cached']} cached", current=escape(Path(path).name[:28]))

    def phase(name: str, done: int, total: int) -> None:
        # folders are checked and their reports written while later folders are still being read
        tasks()
        if name == "report":
            bar.update(state["report"], completed=done, total=total)
        elif name == "summary":
            bar.update(state["report"], description="writing the summary" if done < total else "done",
                       note="index.html · summary.xlsx · summary.json")

    return bar, update, phase


_UNIT_FORMATS = ("html", "md", "xlsx", "csv", "svg")  # pipeline.batch.UNIT_FORMATS, without importing it


def _unit_formats(value: str) -> frozenset[str] | None:
    """``--unit-reports``: None for all, else the formats named (a usage error names the unknown ones)."""
    names = {v.strip().lower() for v in value.split(",") if v.strip()}
    if names == {"all"}:
        return None
    if names == {"none"}:
        return frozenset()
    unknown = sorted(names - set(_UNIT_FORMATS))
    if unknown or not names:
        raise click.BadParameter(f"{', '.join(unknown) or '(empty)'}: expected all, none, or a comma list of "
                                 + ",".join(_UNIT_FORMATS))
    return frozenset(names)


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out", type=click.Path(file_okay=False), default="lianfang-out", show_default=True,
              help="Output folder: per-submission JSON, per-unit reports, index.html, summary.xlsx.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="What to print on stdout.")
@click.option("--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Write the --format output to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error",
              show_default=True, help="Exit 1 when a finding is at least this severe.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of messages and reports.")
@click.option("--profile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Profile YAML (rules, severities, template requirements); extends the built-in default.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes (0: every core).")
@click.option("--timeout", type=click.FloatRange(min=1), default=None,
              help="Wall-clock seconds allowed per document (also its CPU-time limit)  "
                   "[default: 300, or $LIANFANG_TIMEOUT_S].")
@click.option("--max-memory", type=click.IntRange(min=256), default=None,
              help="Address-space limit per worker, in MB  [default: 2048, or $LIANFANG_MAX_MEMORY_MB].")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Refuse files larger than this, in MB  [default: 200, or $LIANFANG_MAX_FILE_MB].")
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Refuse PDFs with more pages  [default: 2000, or $LIANFANG_MAX_PAGES].")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Cache folder (default: <out>/.cache).")
@click.option("--no-cache", is_flag=True, help="Parse everything again; neither read nor write the cache.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first unreadable document (exit 2).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run the per-document work on this Dask scheduler (pip install 'lianfang[distributed]').")
@click.option("--unit-reports", "unit_reports", default="all", show_default=True, metavar="LIST",
              callback=lambda ctx, param, value: _unit_formats(value),
              help="Per-unit report files to write: all, none, or a comma list of html,md,xlsx,csv,svg.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def check(paths: tuple[str, ...], out: str, fmt: str, output: str | None, fail_on: str, lang: str,
          profile: str | None, jobs: int, timeout: float | None, max_memory: int | None, max_file_mb: float | None,
          max_pages: int | None, cache_dir: str | None, no_cache: bool, fail_fast: bool, scheduler: str | None,
          unit_reports: frozenset[str] | None, quiet: bool) -> None:
    """Check submissions in PATHS (files and folders, recursive) and write the reviewer reports.

    \b
    lianfang check submissions/                       # reports in ./lianfang-out, summary on stdout
    lianfang check submissions/ --format sarif --output lianfang.sarif
    lianfang check a.docx b.pdf --fail-on warning --lang en
    """
    from pipeline.errors import LianfangError
    from pipeline.preflight import Limits

    try:
        limits = Limits.from_env(max_file_mb=max_file_mb, max_pages=max_pages, timeout_s=timeout,
                                 max_memory_mb=max_memory)
    except LianfangError as e:  # a bad LIANFANG_* variable
        click.echo(f"lianfang: error: {e}", err=True)
        sys.exit(EXIT_ERROR)
    # before any worker (or the fork server they come from) starts: every process reads these
    os.environ.update(limits.to_env())
    if _will_read(scheduler, no_cache, cache_dir, out):
        from pipeline.preload import MODULES
        from pipeline.workers import prestart

        prestart(MODULES)  # its ~1 s of imports and warm-up overlap ours and the walk of the inputs
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.report import render_stdout

    bar, update, phase = _progress(quiet)
    opts = BatchOptions(jobs=jobs, timeout=limits.timeout_s, max_memory_mb=limits.max_memory_mb, cache_dir=cache_dir,
                        use_cache=not no_cache, fail_fast=fail_fast, profile=profile, lang=lang,
                        scheduler=scheduler, progress=update, phase=phase, limits=limits, unit_formats=unit_reports)
    try:
        if bar is not None:
            with bar:
                result = run_batch(list(paths), out, opts)
        else:
            result = run_batch(list(paths), out, opts)
    except LianfangError as e:  # configuration and input problems: never findings, always exit 2
        click.echo(f"lianfang: error: {e}", err=True)
        sys.exit(EXIT_ERROR)
    text = render_stdout(result, fmt, fail_on=fail_on)
    if output:
        from pipeline.fsutil import atomic_write_text

        atomic_write_text(output, text)
    else:
        click.echo(text, nl=False)
    if result.aborted:
        click.echo(f"lianfang: stopped at the first unreadable document (--fail-fast): {result.abort_reason}", err=True)
    sys.exit(result.exit_code(fail_on))
