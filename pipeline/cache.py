"""The per-document cache: a re-run over an unchanged folder parses nothing.

An entry is the full Document JSON (blocks included: template checks read them) after parse +
segment + extract + link. Its key hashes the file's content (sha256), the tool version, the
lexicon fingerprint and the profile fingerprint, so a change to any of them misses. Entries are
written atomically (a killed run leaves no half-written entry) and zlib-compressed.
Failures that depend on the machine or on limits (timeouts, crashes, a missing converter) are
never stored: the next run tries again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.fsutil import atomic_write_bytes
from pipeline.model import Document

_log = logging.getLogger(__name__)

CACHE_FORMAT = "1"  # bump when the entry layout changes
# error codes that say nothing about the file itself: retry instead of caching
TRANSIENT_CODES = frozenset({
    "timeout", "cpu_time", "memory", "crashed", "worker_error", "too_large",
    "converter_missing", "converter_failed", "converter_timeout", "stage_failed", "unreadable_io",
})


def default_cache_dir(out: str | Path | None) -> Path:
    """``<out>/.cache``; without an output folder, ``$XDG_CACHE_HOME/lianfang`` (or ~/.cache/lianfang)."""
    if out is not None:
        return Path(out) / ".cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lianfang"


def cache_key(sha256: str, tool_version: str, lexicon_fp: str, profile_fp: str = "") -> str:
    h = hashlib.sha256("\x1f".join((CACHE_FORMAT, sha256, tool_version, lexicon_fp, profile_fp)).encode())
    return h.hexdigest()


def cacheable(doc: Document) -> bool:
    """Whether a document's outcome is a fact about the file (worth keeping) rather than about this run."""
    return not any(e.code in TRANSIENT_CODES for e in doc.errors)


def rebase_json(text: str, old: str, new: str) -> str:
    """Replace one path by another everywhere in a document's JSON (source.path, messages naming the file).

    The same content may sit at another path (a copy, a moved folder): the cache is keyed by content.
    """
    if old == new or not old:
        return text
    enc_old, enc_new = json.dumps(old, ensure_ascii=False)[1:-1], json.dumps(new, ensure_ascii=False)[1:-1]
    return text.replace(enc_old, enc_new)


@dataclass
class Cache:
    root: Path
    enabled: bool = True
    hits: int = 0
    misses: int = 0
    stores: int = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json.z"

    def get(self, key: str, path: str) -> Document | None:
        """The cached document for ``key``, re-pointed at ``path``; None on a miss or a damaged entry."""
        if not self.enabled:
            return None
        p = self._path(key)
        try:
            blob = p.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as e:
            _log.warning("cache entry %s unreadable (%s): ignored", p, e)
            self.misses += 1
            return None
        try:
            text = zlib.decompress(blob).decode("utf-8")
            doc = Document.model_validate_json(text)
            if doc.source.path != path:
                doc = Document.model_validate_json(rebase_json(text, doc.source.path, path))
        except Exception as e:  # a damaged or outdated entry is a miss, never an error
            _log.warning("cache entry %s damaged (%s): ignored", p, type(e).__name__)
            self.misses += 1
            return None
        self.hits += 1
        return doc

    def put(self, key: str, doc: Document, text: str | None = None) -> bool:
        """Store ``doc`` (``text``: its JSON if already serialised); False when it must not be cached."""
        if not self.enabled or not cacheable(doc):
            return False
        data = text if text is not None else doc.model_dump_json(exclude_none=True)
        try:
            atomic_write_bytes(self._path(key), zlib.compress(data.encode("utf-8"), 3))
        except OSError as e:  # a full disk must not fail the batch
            _log.warning("could not write cache entry for %s: %s", doc.source.path, e)
            return False
        self.stores += 1
        return True
