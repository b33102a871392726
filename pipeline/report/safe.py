"""Making untrusted document text safe for the places reports put it.

Submissions are written by others: a cell reading ``=HYPERLINK(…)`` or ``@SUM(…)`` must not
become a live formula when a reviewer opens our Excel or CSV file, and a unit called
``../../etc`` or ``CON`` must not choose where a report is written.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

# C0 controls (bar tab/newline), DEL, C1 controls, and the lone surrogates XML and xlsx reject
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NEEDS_STRIP = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")  # + CR
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# first characters NFKC maps to themselves or to other letters: ASCII letters and digits, CJK ideographs
_PLAIN_START = re.compile(r"[A-Za-z0-9\u4e00-\u9fff]")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)
_BAD_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def strip_control(text: str) -> str:
    """Remove control characters (keeps tab and newline; a lone CR becomes a newline)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula or DDE call.

    Checked on the raw value and again after NFKC + strip: a full-width ＝ or leading spaces
    do not make ``=cmd|…`` harmless in every spreadsheet program.
    """
    if text.startswith(_FORMULA_START):
        return True
    if _PLAIN_START.match(text):  # a letter, digit or ideograph first: NFKC keeps it, nothing to fold
        return False
    folded = unicodedata.normalize("NFKC", text).strip()
    return folded.startswith(_FORMULA_START[:4])


def neutralise(value: Any) -> Any:
    """A cell value safe for xlsx/csv: numbers and None pass; text loses control characters, and
    text a spreadsheet would evaluate gets a leading apostrophe (shown as text, never run)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if is_formula_like(text):  # judged before control characters go: a leading tab or CR counts
        return "'" + strip_control(text)
    # the usual cell: nothing to remove, already judged (printable text has no control character,
    # and isprintable() looks at it faster than the pattern does)
    if text.isprintable() or not _NEEDS_STRIP.search(text):
        return text
    text = strip_control(text)
    return "'" + text if is_formula_like(text) else text


def neutralise_row(values: list[Any]) -> list[Any]:
    return [neutralise(v) for v in values]


class NeutralText(dict[str, str]):
    """:func:`neutralise` for text, each distinct text judged once: ``table[text]``. A report
    repeats its file names, labels and codes on row after row."""

    def __missing__(self, text: str) -> str:
        out = self[text] = neutralise(text)
        return out


def safe_filename(name: str, *, max_bytes: int = 120, default: str = "unnamed") -> str:
    """A file name (no directories) made from untrusted text, stable for the same input.

    Path separators, characters Windows forbids and control characters become ``_``; leading
    dots and trailing dots/spaces go; reserved device names get a ``_`` suffix; names longer
    than ``max_bytes`` in UTF-8 are cut and given a short hash so that two long names that
    share a prefix still differ.
    """
    s = unicodedata.normalize("NFKC", name or "")
    s = _BAD_NAME_CHARS.sub("_", strip_control(s).replace("\n", " ").replace("\t", " "))
    s = re.sub(r"\s+", " ", s).strip().lstrip(".").rstrip(". ")
    if not s or set(s) <= {"_", " "}:
        s = default
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = s + "_"
    raw = s.encode("utf-8")
    if len(raw) > max_bytes:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cut = raw[: max_bytes - 9].decode("utf-8", "ignore").rstrip(". ")
        s = f"{cut}-{digest}"
    return s


class NameAllocator:
    """:func:`safe_filename` names handed out one at a time, each unused so far: ``-2``, ``-3`` … are
    added where two would collide (also case-insensitively: macOS and Windows file systems fold case)."""

    def __init__(self, **kw: Any) -> None:
        self._kw = kw
        self._seen: set[str] = set()

    def claim(self, name: str) -> str:
        base = safe_filename(name, **self._kw)
        cand, i = base, 2
        while cand.casefold() in self._seen:
            cand = f"{base}-{i}"
            i += 1
        self._seen.add(cand.casefold())
        return cand


def unique_names(names: list[str], **kw: Any) -> list[str]:
    """:func:`safe_filename` for each name, made unique in order (see :class:`NameAllocator`)."""
    alloc = NameAllocator(**kw)
    return [alloc.claim(n) for n in names]
