"""OLE2 compound files (legacy .doc/.xls/.wps, and password-protected .docx/.xlsx).

A password-protected .docx or .xlsx is not a ZIP at all: Office wraps the encrypted package
in an OLE2 file with ``EncryptionInfo`` and ``EncryptedPackage`` streams. A password-
protected .doc/.wps keeps its streams but sets ``fEncrypted`` in the Word file information
block. Both are found here from the directory, with every chain walk bounded, so that no
converter is ever started on them (LibreOffice may wait for a password that never comes).
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import InputError
from pipeline.preflight import Limits, current_limits, display_name

_log = logging.getLogger(__name__)

__all__ = ["OLE2_MAGIC", "OleFacts", "read_ole_directory", "check_ole2", "ole_is_encrypted_ooxml"]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENDOFCHAIN = 0xFFFFFFFE
_MAX_DIR_ENTRIES = 100_000


@dataclass
class OleFacts:
    streams: dict[str, tuple[int, int]]  # name → (start sector, size), root storage and below
    sector_size: int
    encrypted: bool = False
    reason: str = ""


class _Bad(Exception):
    pass


def _sector(f: BinaryIO, ssz: int, n: int) -> bytes:
    f.seek((n + 1) * ssz)
    data = f.read(ssz)
    if len(data) < ssz:
        raise _Bad(f"sector {n} lies past the end of the file")
    return data


def _read_fat(f: BinaryIO, header: bytes, ssz: int, n_sectors: int) -> list[int]:
    n_fat, = struct.unpack_from("<I", header, 0x2C)
    difat_start, n_difat = struct.unpack_from("<II", header, 0x44)
    listed = [s for s in struct.unpack_from("<109I", header, 0x4C) if s < 0xFFFFFFFA]
    fat_sectors = [s for s in listed if s < n_sectors]
    if len(fat_sectors) < min(len(listed), n_fat):
        raise _Bad("the allocation table lies past the end of the file (truncated?)")
    per = ssz // 4
    seen = set()
    s = difat_start
    while s < n_sectors and len(fat_sectors) < n_fat and n_difat:
        if s in seen:
            raise _Bad("the DIFAT chain loops")
        seen.add(s)
        vals = struct.unpack(f"<{per}I", _sector(f, ssz, s))
        fat_sectors += [v for v in vals[:-1] if v < n_sectors]
        s = vals[-1]
    fat: list[int] = []
    need = (n_sectors + per - 1) // per  # FAT sectors a file this size can use; ignore claims beyond
    for s in fat_sectors[:min(n_fat, need)]:
        fat += struct.unpack(f"<{per}I", _sector(f, ssz, s))
    return fat


def _chain(fat: list[int], start: int, limit: int) -> list[int]:
    out, seen = [], set()
    s = start
    while s != _ENDOFCHAIN and s < len(fat):
        if s in seen or len(out) >= limit:
            raise _Bad("a sector chain loops")
        seen.add(s)
        out.append(s)
        s = fat[s]
    return out


def read_ole_directory(f: BinaryIO, size: int) -> OleFacts:
    """Stream names (the directory entries of type stream) with their start sector and size."""
    header = f.read(512)
    if len(header) < 512 or not header.startswith(OLE2_MAGIC):
        raise _Bad("the OLE2 header is truncated")
    shift, = struct.unpack_from("<H", header, 0x1E)
    if shift not in (9, 12):
        raise _Bad(f"unknown sector size 2^{shift}")
    ssz = 1 << shift
    n_sectors = max(0, size // ssz - 1)
    dir_start, = struct.unpack_from("<I", header, 0x30)
    fat = _read_fat(f, header, ssz, n_sectors)
    streams: dict[str, tuple[int, int]] = {}
    per = ssz // 128
    dir_chain = _chain(fat, dir_start, _MAX_DIR_ENTRIES // per)
    if not dir_chain:
        raise _Bad("the directory is missing (truncated?)")
    for k, s in enumerate(dir_chain):
        data = _sector(f, ssz, s)
        for j in range(per):
            e = data[j * 128:(j + 1) * 128]
            name_len, typ = struct.unpack_from("<HB", e, 64)
            if typ != 2 or not 2 <= name_len <= 64:
                continue
            name = e[:name_len - 2].decode("utf-16-le", errors="replace")
            start, sz = struct.unpack_from("<II", e, 116)
            streams.setdefault(name, (start, sz))
        if k * per > _MAX_DIR_ENTRIES:
            break
    facts = OleFacts(streams, ssz)
    if "EncryptedPackage" in streams:
        facts.encrypted, facts.reason = True, "the Office file is password-protected (encrypted)"
    elif "WordDocument" in streams:
        start, sz = streams["WordDocument"]
        cutoff, = struct.unpack_from("<I", header, 0x38)
        if sz >= max(cutoff, 12) and start < n_sectors:
            fib = _sector(f, ssz, start)
            ident, = struct.unpack_from("<H", fib, 0)
            flags, = struct.unpack_from("<H", fib, 10)
            if ident == 0xA5EC and flags & 0x0100:  # fEncrypted in the FIB
                facts.encrypted, facts.reason = True, "the Word document is password-protected (encrypted)"
    return facts


def check_ole2(path: str | os.PathLike[str], limits: Limits | None = None, *, name: str | None = None) -> OleFacts:
    """Refuse encrypted and structurally broken compound files; return their streams otherwise."""
    limits = limits or current_limits()
    p = Path(path)
    name = name or display_name(p)
    try:
        with open(p, "rb") as f:
            facts = read_ole_directory(f, os.fstat(f.fileno()).st_size)
    except OSError as e:
        raise InputError(name, "unreadable", f"cannot read file ({e.strerror})") from None
    except (_Bad, struct.error) as e:
        raise InputError(name, "corrupt_ole", f"the OLE2 (legacy Office) container is damaged ({e})") from None
    if facts.encrypted:
        raise InputError(name, "encrypted", f"{facts.reason}")
    return facts


def ole_is_encrypted_ooxml(path: str | os.PathLike[str]) -> bool:
    """True for an OLE2 file holding an ``EncryptedPackage`` stream (a password-protected .docx/.xlsx)."""
    try:
        with open(path, "rb") as f:
            return "EncryptedPackage" in read_ole_directory(f, os.fstat(f.fileno()).st_size).streams
    except (OSError, _Bad, struct.error):
        return False
