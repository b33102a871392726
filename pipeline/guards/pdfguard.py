"""PDF checks and the guards around pdfminer (which pdfplumber runs on).

Measured hazards and what answers each:

- a few hundred bytes whose objects refer to each other (``2 0 obj 3 0 R endobj`` and back)
  make pdfminer's ``resolve1`` loop forever: :func:`install_pdfminer_guards` replaces
  ``PDFObjRef.resolve`` with a version that follows a chain of references to its end and
  raises :class:`PdfReferenceCycle` when the chain comes back on itself;
- a FlateDecode stream that inflates without bound: the same call bounds inflation of each
  stream to ``Limits.max_stream_mb`` and replaces pdfminer's byte-at-a-time (quadratic)
  salvage of streams with a bad checksum by a linear one (other filters, LZW included, are
  left to the worker's address-space limit, ``--max-memory``);
- encryption, zero pages, broken cross-references and oversized page counts:
  :func:`check_pdf` answers them up front, counting pages with pypdfium2 (C, bounded) and
  reading the trailer with pdfminer only after the guards are in place;
- a page ruled into thousands of tiny cells makes table finding run for minutes:
  :func:`too_many_rules` counts rulings from the page objects so the parser can skip
  table finding on that page and say so (error code ``table_finding_skipped``).
"""

from __future__ import annotations

import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pdfminer.pdftypes import PDFException

from pipeline.errors import InputError
from pipeline.preflight import Limits, current_limits, display_name

_log = logging.getLogger(__name__)

__all__ = ["PdfFacts", "PdfReferenceCycle", "PdfStreamTooLarge", "check_pdf", "install_pdfminer_guards",
           "too_many_rules", "ruling_stats", "TABLE_FINDING_SKIPPED"]

TABLE_FINDING_SKIPPED = "table_finding_skipped"
_MAX_CHAIN = 256  # references followed before a chain is declared runaway
_state: dict[str, Any] = {"installed": False, "max_stream": 256 * 1024 * 1024}


class PdfStreamTooLarge(MemoryError):
    """A PDF stream inflates past ``Limits.max_stream_mb`` (a MemoryError: the document is too large)."""


class PdfReferenceCycle(PDFException):
    """Indirect objects that refer to each other in a loop: the PDF is corrupt.

    A PDFException but not a PDFSyntaxError, which pdfminer's ``getobj`` swallows (it would
    quietly drop the object and the page would come back empty).
    """


# -- pdfminer guards ----------------------------------------------------------------------------

class _BoundedZlib:
    """Stands in for the ``zlib`` module inside pdfminer.pdftypes: same API, bounded output."""

    error = zlib.error
    MAX_WBITS = zlib.MAX_WBITS

    @staticmethod
    def decompress(data: bytes, wbits: int = zlib.MAX_WBITS, bufsize: int = zlib.DEF_BUF_SIZE) -> bytes:
        limit = _state["max_stream"]
        d = zlib.decompressobj(wbits)
        out = d.decompress(data, limit + 1)
        if len(out) > limit:
            raise PdfStreamTooLarge(f"a PDF stream inflates to more than {limit // 1048576} MB "
                                    "(--max-stream-mb); not read")
        if not d.eof:
            # truncated stream: zlib.decompress raises here and pdfminer then salvages what
            # inflates; keep that contract so its recovery path still runs
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out

    @staticmethod
    def decompressobj(*args: Any, **kw: Any) -> Any:
        return _BoundedDecompressor(zlib.decompressobj(*args, **kw))

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)


class _BoundedDecompressor:
    def __init__(self, d: Any) -> None:
        self._d = d
        self._total = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out = self._d.decompress(data, max_length) if max_length else self._d.decompress(data)
        self._total += len(out)
        if self._total > _state["max_stream"]:
            raise PdfStreamTooLarge(f"a PDF stream inflates to more than {_state['max_stream'] // 1048576} MB; not read")
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._d, name)


def _salvage(data: bytes) -> bytes:
    """pdfminer's ``decompress_corrupted`` without its quadratic cost, and bounded.

    pdfminer salvages a FlateDecode stream with a bad checksum by feeding it one byte at a
    time and concatenating the output, which for a stream of a few MB takes hours. This feeds
    64 KiB at a time and drops to single bytes only inside the chunk that fails, keeping the
    original contract: an error before the last three bytes is re-raised.
    """
    limit = _state["max_stream"]
    d = zlib.decompressobj()
    parts: list[bytes] = []
    total = 0
    step = 1 << 16
    for i in range(0, len(data), step):
        chunk = data[i:i + step]
        saved = d.copy()
        try:
            outs = [d.decompress(chunk)]
        except zlib.error:
            d, outs = saved, []
            for j in range(len(chunk)):
                try:
                    outs.append(d.decompress(chunk[j:j + 1]))
                except zlib.error:
                    if i + j < len(data) - 3:
                        raise
                    _log.warning("Data-loss while decompressing corrupted data")
                    return b"".join(parts + outs)
        for out in outs:
            total += len(out)
            parts.append(out)
        if total > limit:
            raise PdfStreamTooLarge(f"a PDF stream inflates to more than {limit // 1048576} MB "
                                    "(--max-stream-mb); not read")
        if d.eof:
            break
    return b"".join(parts)


def _guarded_resolve(self: Any, default: object = None) -> Any:
    """``PDFObjRef.resolve`` that follows reference chains to their end, refusing loops."""
    from pdfminer.pdftypes import PDFObjectNotFound, PDFObjRef

    seen: list[int] = []
    ref = self
    while True:
        if ref.objid in seen or len(seen) >= _MAX_CHAIN:
            chain = " → ".join(str(i) for i in [*seen, ref.objid])
            raise PdfReferenceCycle(f"PDF objects refer to each other in a loop ({chain})")
        seen.append(ref.objid)
        try:
            obj = ref.doc.getobj(ref.objid)
        except PDFObjectNotFound:
            return default
        if not isinstance(obj, PDFObjRef):
            return obj
        ref = obj


def install_pdfminer_guards(limits: Limits | None = None) -> None:
    """Make pdfminer cycle-safe and stream-bounded in this process (idempotent, cheap).

    pdfminer offers no hooks, so this replaces ``PDFObjRef.resolve`` and the ``zlib`` name
    that ``pdfminer.pdftypes`` decompresses with. Call it before ``pdfplumber.open``;
    :func:`check_pdf` calls it too.
    """
    limits = limits or current_limits()
    _state["max_stream"] = int(limits.max_stream_mb * 1024 * 1024)
    if _state["installed"]:
        return
    from pdfminer import pdftypes

    _state["originals"] = (pdftypes.PDFObjRef.resolve, pdftypes.zlib, pdftypes.decompress_corrupted)
    pdftypes.PDFObjRef.resolve = _guarded_resolve  # type: ignore[method-assign]
    pdftypes.zlib = _BoundedZlib()  # type: ignore[attr-defined]
    pdftypes.decompress_corrupted = _salvage  # type: ignore[attr-defined]
    _state["installed"] = True


def uninstall_pdfminer_guards() -> None:
    """Put pdfminer back as it was (for tests that must see the library unguarded)."""
    if not _state["installed"]:
        return
    from pdfminer import pdftypes

    resolve, zlib_mod, salvage = _state.pop("originals")
    pdftypes.PDFObjRef.resolve = resolve  # type: ignore[method-assign]
    pdftypes.zlib = zlib_mod  # type: ignore[attr-defined]
    pdftypes.decompress_corrupted = salvage  # type: ignore[attr-defined]
    _state["installed"] = False


# -- whole-document checks -------------------------------------------------------------------

@dataclass
class PdfFacts:
    pages: int
    encrypted: bool = False  # encrypted but readable with the empty user password
    counted_by: str = "pdfium"


def _pdfium_pages(p: Path) -> tuple[int | None, str]:
    """Page count from PDFium, or ``(None, reason)`` when it cannot load the file."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - pdfplumber depends on it
        return None, "pypdfium2 is not installed"
    try:
        doc = pdfium.PdfDocument(str(p))
    except Exception as e:  # PdfiumError; its error code can be stale, so keep only the text
        return None, str(e)
    try:
        return len(doc), ""
    finally:
        doc.close()


def check_pdf(path: str | os.PathLike[str], limits: Limits | None = None, *, name: str | None = None) -> PdfFacts:
    """Refuse PDFs that cannot or must not be read; return the page count otherwise.

    Codes: ``encrypted`` (a password is needed), ``corrupt_pdf`` (no usable cross-reference
    table or catalog, reference loops; the message carries pdfminer's reason), ``no_pages``,
    ``too_many_pages`` (over ``Limits.max_pages``, flag ``--max-pages``).
    """
    limits = limits or current_limits()
    install_pdfminer_guards(limits)
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFObjRef, resolve1

    p = Path(path)
    name = name or display_name(p)
    n_pdfium, why = _pdfium_pages(p)
    encrypted = False
    try:
        with open(p, "rb") as fh:
            doc = PDFDocument(PDFParser(fh))
            encrypted = doc.encryption is not None
            n_miner: int | None = None
            if n_pdfium is None:
                # PDFium gave up: count with pdfminer (now cycle-safe), bounded by the budget
                pages_ref = doc.catalog.get("Pages")
                if isinstance(pages_ref, PDFObjRef):
                    resolve1(pages_ref)  # a cycle raises here, before any walk
                n_miner = 0
                for _ in PDFPage.create_pages(doc):
                    n_miner += 1
                    if n_miner > limits.max_pages:
                        break
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise InputError(name, "encrypted", f"the PDF is password-protected ({type(e).__name__})") from None
    except (PDFException, ValueError, KeyError, TypeError, AttributeError, RecursionError, EOFError) as e:
        reason = str(e) or type(e).__name__
        raise InputError(name, "corrupt_pdf", f"the PDF is damaged and cannot be read ({reason})") from None
    except OSError as e:
        raise InputError(name, "unreadable", f"cannot read file ({e.strerror})") from None
    except Exception as e:  # psparser and friends raise a zoo of types on garbage
        if isinstance(e, MemoryError):
            raise
        raise InputError(name, "corrupt_pdf", f"the PDF is damaged and cannot be read "
                         f"({type(e).__name__}: {e})") from None
    if n_pdfium is None and not n_miner:
        # neither library finds a page: say whether the file is page-less or unreadable
        if doc_catalog_has_pages(p):
            raise InputError(name, "corrupt_pdf", f"the PDF is damaged and has no readable pages ({why})")
        raise InputError(name, "no_pages", "the PDF has no pages")
    n = n_pdfium if n_pdfium is not None else n_miner or 0
    if n == 0:
        raise InputError(name, "no_pages", "the PDF has no pages")
    if n > limits.max_pages:
        more = "more than " if n_pdfium is None else ""
        raise InputError(name, "too_many_pages", f"the PDF has {more}{n:,} pages "
                         f"(limit {limits.max_pages:,}, --max-pages)")
    return PdfFacts(n, encrypted, "pdfium" if n_pdfium is not None else "pdfminer")


def doc_catalog_has_pages(path: Path) -> bool:
    """Whether the page tree claims pages (``/Count`` above 0): then finding none means damage."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        with open(path, "rb") as fh:
            pages = resolve1(PDFDocument(PDFParser(fh)).catalog.get("Pages"))
            return isinstance(pages, dict) and int(resolve1(pages.get("Count", 0)) or 0) > 0
    except Exception:  # anything unreadable: the caller already knows the file is damaged
        return True


# -- per page -------------------------------------------------------------------------------------

def ruling_stats(page: Any, snap: float = 3.0) -> tuple[int, int]:
    """``(edges, grid cells)`` from a pdfplumber page's lines, rects and curves.

    Edges count every stroke a table finder would consider; grid cells multiply the number of
    distinct horizontal by distinct vertical positions (snapped like pdfplumber's default
    tolerance), which is what table finding's running time grows with: a 200×200 grid is
    only 402 lines but 40,000 cells.
    """
    objs = page.objects
    xs: set[int] = set()
    ys: set[int] = set()
    edges = 0
    for ln in objs.get("line", ()):
        edges += 1
        x0, x1, t, b = ln["x0"], ln["x1"], ln["top"], ln["bottom"]
        if abs(b - t) <= 1:
            ys.add(round(t / snap))
        elif abs(x1 - x0) <= 1:
            xs.add(round(x0 / snap))
    for r in objs.get("rect", ()):
        edges += 4
        xs.add(round(r["x0"] / snap))
        xs.add(round(r["x1"] / snap))
        ys.add(round(r["top"] / snap))
        ys.add(round(r["bottom"] / snap))
    for c in objs.get("curve", ()):
        pts = c.get("pts") or ()
        edges += max(len(pts) - 1, 1)
    cells = max(len(xs) - 1, 0) * max(len(ys) - 1, 0)
    return edges, cells


def too_many_rules(page: Any, limit: int = 5000, max_cells: int | None = None) -> bool:
    """True when table finding on ``page`` could run for minutes: skip it and report
    ``table_finding_skipped``. ``limit`` caps edges, ``max_cells`` the grid (default: ``limit``)."""
    edges, cells = ruling_stats(page)
    return edges > limit or cells > (limit if max_cells is None else max_cells)
