"""One parser module per input format, each ``parse(path) -> Document``.

The format is sniffed from the bytes, not trusted from the extension: a ``.docx`` that is
really a legacy ``.doc`` is read as one, with a note that it was mislabelled.
:func:`parse_file` never raises: a file that cannot be read becomes a ``failed`` document
whose error names the file and the reason, so one file never takes a batch down.
"""

from __future__ import annotations

import importlib
import logging
import os
import stat
import zipfile
from pathlib import Path

from pipeline import __version__
from pipeline.errors import InputError, UnsupportedFormat
from pipeline.ids import file_sha256
from pipeline.model import Document, Source

_log = logging.getLogger(__name__)

# format → module under pipeline.parse (data, like docling's FormatToExtensions)
PARSERS: dict[str, str] = {
    "docx": "docx",
    "pdf": "pdf",
    "xlsx": "xlsx",
    "txt": "text",
    "md": "text",
    "csv": "text",
    "doc": "legacy",
    "wps": "legacy",
    "rtf": "legacy",
    "odt": "legacy",
    "et": "legacy",
    "xls": "legacy",
}

SUPPORTED_SUFFIXES = frozenset(f".{k}" for k in PARSERS)

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(path: Path, head: bytes | None = None) -> str:
    """The format the bytes say, or ``"unknown"``. ``ole2`` covers .doc/.wps/.xls and encrypted OOXML."""
    if head is None:
        with open(path, "rb") as f:
            head = f.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(_OLE2):
        return "ole2"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip_broken"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names and "mimetype" in names:
            return "odt"
        return "zip"
    # PDF headers may be preceded by junk within the first KiB
    if b"%PDF-" in (head if len(head) > 8 else _read_head(path, 1024)):
        return "pdf"
    return "unknown"


def _read_head(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def new_document(path: str | Path, fmt: str, *, sha256: str | None = None) -> Document:
    """A blank document for ``path`` with its source facts filled in."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        size = 0
    return Document(
        tool_version=__version__,
        source=Source(path=str(p), sha256=sha256 if sha256 is not None else _safe_sha(p), format=fmt, size=size),
    )


def _safe_sha(p: Path) -> str:
    # only regular files: opening a FIFO blocks forever, a device never ends
    try:
        if not stat.S_ISREG(os.stat(p).st_mode):
            return ""
        return file_sha256(str(p))
    except OSError:
        return ""


def resolve_format(path: Path, root: Path | None = None) -> tuple[str, str | None]:
    """``(format to parse as, note or None)``; raises InputError when the file cannot be one of ours.

    :func:`pipeline.preflight.preflight` refuses what must never reach a parser (pipes, devices,
    symlinks out of ``root``, oversized files, ZIP bombs, DOCTYPE parts, encrypted Office files)
    and sniffs the format from the bytes.
    """
    from pipeline.preflight import preflight

    ext = path.suffix.lower().lstrip(".")
    magic = preflight(path, root)
    note = None
    if magic == "ole2":
        fmt = ext if ext in ("doc", "wps", "xls", "et") else "doc"
        if ext not in ("doc", "wps", "xls", "et"):
            note = f"named .{ext} but the content is a legacy OLE2 Office file: read as .{fmt}"
        return fmt, note
    if magic in ("pdf", "docx", "xlsx", "odt", "rtf"):
        if ext != magic and not (magic == "docx" and ext in ("docm", "dotx", "wps")):
            note = f"named .{ext or '(none)'} but the content is {magic.upper()}: read as .{magic}"
        return magic, note
    if magic == "zip":
        raise InputError(path, "not_office", "a ZIP archive that is neither .docx nor .xlsx (no word/document.xml or xl/workbook.xml)")
    # no magic: text, or a binary format whose header is broken
    if ext in ("docx", "xlsx", "pdf", "doc", "wps", "odt", "xls", "et"):
        raise InputError(path, "not_this_format", f"named .{ext} but the content is not a {ext.upper()} file (header not recognised)")
    if ext in ("txt", "md", "csv", ""):
        return ext or "txt", None
    raise UnsupportedFormat(path, f"unsupported file type .{ext}: expected one of {', '.join(sorted(PARSERS))}")


def parse(path: str | Path) -> Document:
    """Parse one file into a Document; raises :class:`InputError` if it cannot be read at all."""
    p = Path(path)
    fmt, note = resolve_format(p)
    module = importlib.import_module(f"pipeline.parse.{PARSERS[fmt]}")
    doc: Document = module.parse(p) if PARSERS[fmt] != "legacy" else module.parse(p, fmt=fmt)
    if note:
        doc.add_error("parse", "mislabelled", f"{p}: {note}")
    return doc


def parse_file(path: str | Path) -> Document:
    """Like :func:`parse`, but never raises: failures become a ``failed`` document."""
    p = Path(path)
    try:
        return parse(p)
    except InputError as e:
        doc = new_document(p, p.suffix.lower().lstrip("."))
        doc.add_error("parse", e.code, str(e), fatal=True)
        return doc
    except MemoryError:
        doc = new_document(p, p.suffix.lower().lstrip("."))
        doc.add_error("parse", "too_large", f"{p}: ran out of memory while reading", fatal=True)
        return doc
    except Exception as e:  # a parser bug or a malformed file we did not foresee
        _log.debug("parse failed for %s", p, exc_info=True)
        doc = new_document(p, p.suffix.lower().lstrip("."))
        doc.add_error("parse", "unreadable", f"{p}: could not be read ({type(e).__name__}: {e})", fatal=True)
        return doc


def iter_inputs(paths: list[str | Path]) -> list[Path]:
    """Files named, and supported files found recursively in folders named, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    # Office lock files, hidden files, and a folder's own README are not submissions
                    if name.startswith((".", "~$")) or name.lower().startswith("readme."):
                        continue
                    f = Path(root) / name
                    if f.suffix.lower() in SUPPORTED_SUFFIXES:
                        out.append(f)
        else:
            out.append(p)
    return out
