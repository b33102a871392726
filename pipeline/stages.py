"""The stages over one submission, in one explicit order, each declaring what it needs and adds.

A stage is a module with ``NAME``, ``REQUIRES``, ``ASSIGNS`` (attribute names on the
Document, or ``ctx.*`` for shared resources) and ``run(doc, ctx) -> Document``. Parsing creates
the document (``source``, ``blocks``); checks, the graph and reports run later over whole units.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pipeline.lexicon import Lexicons, load_lexicons
from pipeline.model import Document

_log = logging.getLogger(__name__)

# module names under pipeline/, in order
DEFAULT_STAGES: tuple[str, ...] = ("segment", "extract", "link")
PARSE_ASSIGNS = ("source", "blocks", "status", "errors")


@dataclass
class Context:
    """What stages share within one process: lexicons, the lazily built spaCy pipeline, options."""

    lexicons: Lexicons = field(default_factory=load_lexicons)
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # per-process resources (nlp, matchers)


class PipelineError(Exception):
    pass


def build_pipeline(names: tuple[str, ...] = DEFAULT_STAGES) -> list[ModuleType]:
    """Import the stages and check that each one's REQUIRES is assigned by parsing or an earlier stage."""
    mods = [importlib.import_module(f"pipeline.{n}") for n in names]
    have = set(PARSE_ASSIGNS)
    for m in mods:
        missing = [r for r in m.REQUIRES if r not in have]
        if missing:
            raise PipelineError(f"stage {m.NAME!r} requires {missing}, which no earlier stage assigns")
        have.update(m.ASSIGNS)
    return mods


def run_stages(doc: Document, ctx: Context, stages: list[ModuleType] | None = None) -> Document:
    """Run the stages over one parsed document; a stage that fails leaves the document partial."""
    if doc.status == "failed":
        return doc
    for m in stages if stages is not None else build_pipeline():
        try:
            out = m.run(doc, ctx)
        except Exception as e:  # one stage's bug must not lose the document
            _log.debug("stage %s failed on %s", m.NAME, doc.source.path, exc_info=True)
            doc.add_error(m.NAME, "stage_failed", f"{doc.source.path}: stage {m.NAME} failed ({type(e).__name__}: {e})")
            continue
        if not isinstance(out, Document):
            raise PipelineError(f"stage {m.NAME!r} returned {type(out).__name__}, not a Document")
        doc = out
        doc.stages.append(m.NAME)
    return doc
