"""XML defences: no DTDs, no entities, no network, no huge trees.

Office parts never need a DOCTYPE, so any part that declares one (billion laughs, external
entities pointing at local files or URLs) is refused outright rather than parsed carefully.
A DOCTYPE may only stand in the prolog, before the root element, so reading the prolog is
enough to be sure; :func:`reject_doctype` also searches whole parts when a parser already
holds the bytes. :func:`safe_xml_parser` is the lxml parser every part should go through.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from pipeline.errors import InputError

_log = logging.getLogger(__name__)

__all__ = ["safe_xml_parser", "reject_doctype", "check_prolog", "openpyxl_is_defused"]

_PROLOG_LIMIT = 64 * 1024
_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_MARKERS_16 = tuple(m.decode("ascii").encode(enc) for m in _MARKERS for enc in ("utf-16-le", "utf-16-be"))


def safe_xml_parser(**kw: Any):
    """An lxml parser that resolves no entities, loads no DTD, touches no network, refuses huge trees."""
    from lxml import etree

    opts: dict[str, Any] = dict(resolve_entities=False, no_network=True, huge_tree=False,
                                load_dtd=False, dtd_validation=False)
    opts.update(kw)
    for k in ("resolve_entities", "no_network", "huge_tree", "load_dtd"):
        if opts[k] != {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}[k]:
            raise ValueError(f"safe_xml_parser: {k} cannot be overridden")
    return etree.XMLParser(**opts)


def _decode_head(head: bytes) -> str:
    """The prolog as text, whatever of UTF-8/UTF-16/UTF-32 the part is written in."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) or head.startswith((b"<\x00\x00\x00",
                                                                                       b"\x00\x00\x00<")):
        enc = "utf-32-le" if head[:1] in (b"\xff", b"<") else "utf-32-be"
        return head.decode(enc, errors="ignore").lstrip("\ufeff")
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return head.decode("utf-16-le", errors="ignore").lstrip("\ufeff")
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return head.decode("utf-16-be", errors="ignore").lstrip("\ufeff")
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff")


def _refuse(path: str, part: str, what: str) -> InputError:
    return InputError(path, "xml_doctype", f"part {part} {what}; refused "
                      "(DTDs and entities are never needed in Office files and enable "
                      "billion-laughs and external-entity attacks)")


# A prolog is almost always short: it is first walked in the text of this many bytes, and the
# whole head is decoded only when that walk cannot decide (a multiple of 4, for UTF-32).
_QUICK_BYTES = 4096
# the last characters of a truncated decoding may differ from the whole one's: not looked at
_QUICK_MARGIN = 5


def _quick_prolog(text: str) -> str | None:
    """The walk of :func:`check_prolog` over ``text``, the decoded start of a head: "root" when
    it reaches the root element, "doctype" or "markup" when it finds a declaration, None when
    it cannot tell without looking at the last ``_QUICK_MARGIN`` characters or beyond."""
    n = len(text) - _QUICK_MARGIN
    i = 0
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return None
        if text.startswith("<?", i):
            j = text.find("?>", i + 2, n)
            if j < 0:
                return None
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4, n)
            if j < 0:
                return None
            i = j + 3
        elif text.startswith("<!", i):
            if i + 9 > n:  # "<!DOCTYPE" must be seen whole before it is told from other markup
                return None
            return "doctype" if text[i:i + 9].upper() == "<!DOCTYPE" else "markup"
        else:
            return "root"


def check_prolog(head: bytes, part: str, *, path: str | os.PathLike[str] = "", limit: int = _PROLOG_LIMIT,
                 complete: bool = False) -> None:
    """Walk the XML prolog in ``head`` (the start of a part) and refuse a DOCTYPE in it.

    ``complete`` says ``head`` is the whole part; otherwise a prolog that runs past ``limit``
    bytes without reaching the root element is refused too (comments cannot hide a DTD).
    """
    where = str(path) or part
    if len(head) > _QUICK_BYTES and limit + 16 > _QUICK_BYTES:
        # The same walk over the first few KB: a decision taken there, away from the end of
        # that text, is the one the whole head gives (a truncated decoding is a prefix of the
        # whole one but for its last characters), and decoding 64 KB costs more than the rest.
        found = _quick_prolog(_decode_head(head[:_QUICK_BYTES]))
        if found == "root":
            return
        if found == "doctype":
            raise _refuse(where, part, "declares a DOCTYPE")
        if found == "markup":
            raise _refuse(where, part, "has a markup declaration before its root element")
    text = _decode_head(head[:limit + 16])
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text.startswith("<?", i):
            j = text.find("?>", i + 2)
            if j < 0:
                break
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                break
            i = j + 3
        elif text.startswith("<!", i):
            if text[i:i + 9].upper() == "<!DOCTYPE":
                raise _refuse(where, part, "declares a DOCTYPE")
            raise _refuse(where, part, "has a markup declaration before its root element")
        else:
            return  # the root element (or text, which the XML parser will reject)
    if "<!ENTITY" in text or "<!DOCTYPE" in text.upper():
        raise _refuse(where, part, "declares a DOCTYPE")
    if not complete and len(head) > limit:
        raise _refuse(where, part, f"has a prolog longer than {limit // 1024} KB before its root element")


def reject_doctype(data: bytes, part: str, path: str | os.PathLike[str] = "") -> None:
    """Refuse a whole part that holds ``<!DOCTYPE`` or ``<!ENTITY`` anywhere (code ``xml_doctype``).

    In well-formed XML, ``<`` in text is escaped, so these bytes can only be markup; the
    search is a fast substring scan even on large parts.
    """
    check_prolog(data, part, path=path, complete=True)
    where = str(path) or part
    # both markers hold "!", which most parts lack: one memchr-fast search then settles it
    if b"!" in data and any(m in data for m in _MARKERS):
        raise _refuse(where, part, "holds a DOCTYPE or ENTITY declaration")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<") and any(m in data for m in _MARKERS_16):
        raise _refuse(where, part, "holds a DOCTYPE or ENTITY declaration")


def openpyxl_is_defused() -> bool:
    """True when openpyxl parses through defusedxml (it does whenever defusedxml is importable)."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        return False
    return bool(getattr(openpyxl, "DEFUSEDXML", False))
