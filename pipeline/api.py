"""The library's entry points; the CLI is a thin layer over these.

>>> from pipeline import api
>>> doc = api.process_file("samples/risk_table.docx")      # doctest: +SKIP
>>> [r.name for r in doc.risks][:2]                        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pipeline.errors import InputError
from pipeline.fsutil import atomic_write_text
from pipeline.model import Document
from pipeline.parse import iter_inputs, new_document, parse_file
from pipeline.stages import Context, build_pipeline, run_stages

_log = logging.getLogger(__name__)

__all__ = [
    "parse_file",
    "process_file",
    "iter_documents",
    "extract",
    "output_name",
    "iter_inputs",
    "Context",
]


def process_file(path: str | Path, ctx: Context | None = None) -> Document:
    """Parse one file and run the per-submission stages (segment → extract → link)."""
    ctx = ctx or Context()
    doc = parse_file(path)
    doc.lexicon_fingerprint = ctx.lexicons.fingerprint
    stages = ctx.cache.get("__stages__")
    if stages is None:
        stages = ctx.cache["__stages__"] = build_pipeline()
    return run_stages(doc, ctx, stages)


def iter_documents(paths: Iterable[str | Path], ctx: Context | None = None) -> Iterator[Document]:
    ctx = ctx or Context()
    for p in iter_inputs(list(paths)):
        yield process_file(p, ctx)


def failed_document(err: InputError) -> Document:
    """The document that stands for an input that could not be read at all."""
    doc = new_document(err.path, Path(err.path).suffix.lower().lstrip("."), sha256="")
    doc.add_error("parse", err.code, str(err), fatal=True)
    return doc


def output_name(path: Path, roots: Iterable[Path], *, resolved: bool = False,
                realpath: Callable[[str], str] | None = None) -> Path:
    """Where a submission's JSON goes under the output folder: its path below the input root + .json.

    ``06_x.docx`` → ``06_x.docx.json``; files found in folders keep their sub-folders so that
    same-named files in different folders do not overwrite each other. ``resolved``: ``roots`` are
    :func:`folder_roots` already (a batch resolves them once, not once per file); ``realpath``: a
    :class:`pipeline.fsutil.RealPaths` shared by the files of one batch.
    """
    real = Path(realpath(str(path))) if realpath else path.resolve()
    for r in roots if resolved else folder_roots(roots):
        try:
            rel = real.relative_to(r)
            return rel.with_name(rel.name + ".json")
        except ValueError:  # not below this root, or the root itself (a symlink to it)
            continue
    return Path(path.name + ".json")


def folder_roots(roots: Iterable[Path]) -> list[Path]:
    """The roots that are folders, resolved (what :func:`output_name` places files below)."""
    return [r.resolve() for r in roots if r.is_dir()]


def extract(paths: Iterable[str | Path], out: str | Path | None = None, ctx: Context | None = None,
            *, check: bool = True, profile: str | None = None, lang: str = "zh") -> list[Document]:
    """Extract every input; with ``out``, write one contract JSON per submission there.

    With ``check`` (the default) the submissions are grouped into units and checked first, so each
    JSON carries its findings and every risk its coverage state.
    """
    from pipeline.preflight import walk_inputs

    roots = [Path(p) for p in paths]
    ctx = ctx or Context()
    files, refused = walk_inputs(roots, exclude=[out] if out is not None else ())
    docs = [process_file(f, ctx) for f in files]
    for err in refused:  # pipes, devices, symlinks out of the root: reported, never opened
        files.append(Path(err.path))
        docs.append(failed_document(err))
    if check:
        from pipeline.checks import check_documents

        check_documents(docs, profile, lang)
    if out is not None:
        dirs = folder_roots(roots)
        for f, doc in zip(files, docs, strict=True):
            target = Path(out) / output_name(f, dirs, resolved=True)
            atomic_write_text(target, doc.contract_json())
    return docs
