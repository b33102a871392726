"""Deterministic IDs: the same input gives the same IDs on every run and machine."""

from __future__ import annotations

import hashlib


def stable_id(prefix: str, *parts: object, length: int = 10) -> str:
    """``stable_id("R", sha, 0, 5, "风险点")`` -> ``R-3f2a…``: a hash of the parts."""
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode("utf-8"), digest_size=16)
    return f"{prefix}-{h.hexdigest()[:length]}"


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
