"""The per-document cache: a re-run over an unchanged folder parses nothing.

An entry is the full Document JSON (blocks included: template checks read them) after parse +
segment + extract + link. Its key hashes the file's content (sha256), the tool version, the
lexicon fingerprint and the profile fingerprint, so a change to any of them misses. Entries are
written atomically (a killed run leaves no half-written entry).

Entry layout (``CACHE_FORMAT`` 2): a magic line, one line of JSON with what the batch runner
needs to know without decoding the document (its path, read status and first error), then the
zlib-compressed Document JSON. The batch runner reads only that header; the worker that checks
the document's unit decompresses the rest. Failures that depend on the machine or on limits
(timeouts, crashes, a missing converter) are never stored: the next run tries again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.fsutil import atomic_write_bytes
from pipeline.model import Document

_log = logging.getLogger(__name__)

CACHE_FORMAT = "2"  # bump when the entry layout changes
MAGIC = b"LFC2\n"
_MAX_HEADER = 1 << 20  # a header line longer than this is damage, not a message
# error codes that say nothing about the file itself: retry instead of caching
TRANSIENT_CODES = frozenset({
    "timeout", "cpu_time", "memory", "crashed", "worker_error", "too_large",
    "converter_missing", "converter_failed", "converter_timeout", "stage_failed", "unreadable_io",
})


class DamagedEntry(ValueError):
    """A cache (or spool) entry that cannot be read back."""


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


# -- entries -----------------------------------------------------------------------------------------

def doc_meta(doc: Document) -> dict[str, Any]:
    """The header of a document's entry: enough for progress, ``--fail-fast`` and rebasing."""
    return {"path": doc.source.path, "status": doc.status,
            "error": doc.errors[0].message if doc.errors else None}


def encode_entry(doc_json: bytes, meta: dict[str, Any], level: int = 3) -> bytes:
    """An entry's bytes: magic, one header line, the compressed document JSON."""
    head = json.dumps(meta, ensure_ascii=True).encode("ascii")  # ASCII: never a raw newline inside
    return MAGIC + head + b"\n" + zlib.compress(doc_json, level)


def decode_entry(data: bytes) -> tuple[dict[str, Any], bytes]:
    """``(header, document JSON)`` of an entry; :class:`DamagedEntry` when it is not one."""
    if not data.startswith(MAGIC):
        raise DamagedEntry("not a lianfang cache entry")
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise DamagedEntry("no header line")
    try:
        meta = json.loads(data[len(MAGIC):end])
        body = zlib.decompress(data[end + 1:])
    except (ValueError, zlib.error) as e:
        raise DamagedEntry(f"{type(e).__name__}: {e}") from None
    if not isinstance(meta, dict):
        raise DamagedEntry("bad header")
    return meta, body


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """The header of the entry at ``path`` (only the first line is read); None if absent or damaged."""
    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                return None
            line = f.readline(_MAX_HEADER)
    except OSError:
        return None
    try:
        meta = json.loads(line)
    except ValueError:
        return None
    return meta if isinstance(meta, dict) and "status" in meta else None


def write_entry(path: str | Path, doc_json: bytes, meta: dict[str, Any], level: int = 3) -> bool:
    """Write an entry atomically; False (logged) when the disk refuses: a cache never fails a batch."""
    try:
        atomic_write_bytes(path, encode_entry(doc_json, meta, level))
    except OSError as e:
        _log.warning("could not write cache entry %s: %s", path, e)
        return False
    return True


def load_entry(data: bytes, path: str | None = None) -> Document:
    """The document in an entry, re-pointed at ``path`` when it was stored under another one."""
    meta, body = decode_entry(data)
    old = meta.get("path")
    if path is not None and isinstance(old, str) and old != path:
        return Document.model_validate_json(rebase_json(body.decode("utf-8"), old, path))
    return Document.model_validate_json(body)


@dataclass
class Cache:
    root: Path
    enabled: bool = True
    hits: int = 0
    misses: int = 0
    stores: int = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json.z"

    def entry_path(self, key: str) -> Path:
        """Where the entry for ``key`` lives (whether or not it exists)."""
        return self._path(key)

    def probe(self, key: str) -> dict[str, Any] | None:
        """The header of the entry for ``key`` without decoding the document; counts a hit or a miss."""
        if not self.enabled:
            return None
        meta = read_meta(self._path(key))
        if meta is None:
            self.misses += 1
            return None
        self.hits += 1
        return meta

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
            doc = load_entry(blob, path)
        except Exception as e:  # a damaged or outdated entry is a miss, never an error
            _log.warning("cache entry %s damaged (%s): ignored", p, type(e).__name__)
            self.misses += 1
            return None
        self.hits += 1
        return doc

    def put(self, key: str, doc: Document, text: str | bytes | None = None) -> bool:
        """Store ``doc`` (``text``: its JSON if already serialised); False when it must not be cached."""
        if not self.enabled or not cacheable(doc):
            return False
        data = text if text is not None else doc.model_dump_json(exclude_none=True)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if not write_entry(self._path(key), raw, doc_meta(doc)):
            return False
        self.stores += 1
        return True
