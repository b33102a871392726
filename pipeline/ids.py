"""Deterministic IDs: the same input gives the same IDs on every run and machine."""

from __future__ import annotations

import hashlib

_SEP = "\x1f"


def stable_id(prefix: str, *parts: object, length: int = 10) -> str:
    """``stable_id("R", sha, 0, 5, "风险点")`` -> ``R-3f2a…``: a hash of the parts."""
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode("utf-8"), digest_size=16)
    return f"{prefix}-{h.hexdigest()[:length]}"


class IdMaker:
    """``stable_id(prefix, *head, *rest)`` for many ``rest`` under one ``head`` (a document's sha256).

    blake2b is a stream, so hashing the head once and then, on a copy of that state, the rest
    gives the digest of the whole: an item's id costs its own few characters, not the 64 of
    the sha again (and the join and ``str`` of every part, which cost more than the hash).
    """

    __slots__ = ("_base", "_dash", "_length")

    def __init__(self, prefix: str, *head: object, length: int = 10) -> None:
        self._base = hashlib.blake2b(("".join(str(p) + _SEP for p in head)).encode("utf-8"), digest_size=16)
        self._dash = prefix + "-"
        self._length = length

    def __call__(self, *rest: object) -> str:
        """``stable_id(prefix, *head, *rest)``; ``rest`` must not be empty."""
        return self.joined(_SEP.join(str(p) for p in rest))

    def joined(self, rest: str) -> str:
        """The id of the parts ``rest`` already joined with ``\\x1f`` (``str`` of each part)."""
        h = self._base.copy()
        h.update(rest.encode("utf-8"))
        return self._dash + h.hexdigest()[: self._length]


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
