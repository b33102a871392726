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


def check_prolog(head: bytes, part: str, *, path: str | os.PathLike[str] = "", limit: int = _PROLOG_LIMIT,
                 complete: bool = False) -> None:
    """Walk the XML prolog in ``head`` (the start of a part) and refuse a DOCTYPE in it.

    ``complete`` says ``head`` is the whole part; otherwise a prolog that runs past ``limit``
    bytes without reaching the root element is refused too (comments cannot hide a DTD).
    """
    where = str(path) or part
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
    if any(m in data for m in _MARKERS):
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
