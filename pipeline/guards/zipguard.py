"""ZIP checks for .docx/.xlsx, made from the central directory before anything inflates.

The central directory is read by hand rather than through :mod:`zipfile`, because zipfile
cuts names at NUL, builds an object per member before anyone can count them, and has no
notion of a compression ratio. What is checked: member count, declared sizes (per member and
in total), the ratio of declared to stored size, overlapping members (the "overlapping
files" bomb reuses one compressed stream for many members), compression methods, encryption
flags, member names, and the parts a .docx/.xlsx needs. zipfile later stops inflating at a
member's declared size (and fails its CRC check), so capping declared sizes caps memory.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from pipeline.errors import InputError
from pipeline.preflight import Limits, current_limits, display_name

_log = logging.getLogger(__name__)

__all__ = ["ZipEntry", "ZipFacts", "check_zip", "check_ooxml", "REQUIRED_PARTS"]

_EOCD = struct.Struct("<IHHHHIIH")  # end of central directory
_EOCD64_LOC = struct.Struct("<IIQI")
_EOCD64 = struct.Struct("<IQHHIIQQQQ")
_CDH = struct.Struct("<IHHHHHHIIIHHHHHII")  # central directory file header
_CHUNK = 1 << 20
_MAX_CD_BYTES = 16 * 1024 * 1024  # 2,000 members with long names fit many times over
_METHODS = {0: "stored", 8: "deflate"}
_METHOD_NAMES = {1: "shrink", 6: "implode", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstandard",
                 95: "xz", 98: "ppmd", 99: "AES encryption"}
_DRIVE = re.compile(r"^[A-Za-z]:")

REQUIRED_PARTS: dict[str, tuple[str, ...]] = {
    "docx": ("[Content_Types].xml", "word/document.xml"),
    "xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
}


@dataclass
class ZipEntry:
    name: str
    raw_name: bytes
    method: int
    flags: int
    csize: int
    usize: int
    offset: int


@dataclass
class ZipFacts:
    kind: str  # docx | xlsx | odt | zip
    entries: list[ZipEntry] = field(default_factory=list)
    total_usize: int = 0

    @property
    def names(self) -> set[str]:
        return {e.name for e in self.entries}


def _fail(name: str, code: str, reason: str) -> InputError:
    return InputError(name, code, f"{reason}")


def _read_at(f: BinaryIO, offset: int, n: int) -> bytes:
    f.seek(offset)
    return f.read(n)


def _end_record(f: BinaryIO, size: int) -> tuple[bytes, int, int]:
    """The end of the archive that may hold the end-of-central-directory record (the record
    and a comment of up to 64 KB), where the last record signature starts in it (-1: none),
    and how many bytes were asked for.

    Most archives have no comment: their last 22 bytes are the record, and when the signature
    starts those bytes and nowhere later, the search of the whole tail would find it there too.
    """
    if size >= _EOCD.size:
        last = _read_at(f, size - _EOCD.size, _EOCD.size)
        if len(last) == _EOCD.size and last.rfind(b"PK\x05\x06") == 0:
            return last, 0, _EOCD.size
    tail_len = min(size, _EOCD.size + 0xFFFF)
    tail = _read_at(f, size - tail_len, tail_len)
    return tail, tail.rfind(b"PK\x05\x06"), tail_len


def _read_directory(f: BinaryIO, size: int, limits: Limits, name: str) -> tuple[list[ZipEntry], int]:
    """Parse the central directory; returns the entries and where the directory starts."""
    tail, pos, tail_len = _end_record(f, size)
    if pos < 0 or pos + _EOCD.size > len(tail):
        raise _fail(name, "corrupt_zip", "the ZIP container is truncated or corrupt "
                    "(no end-of-central-directory record)")
    eocd_at = size - tail_len + pos
    _, disk, cd_disk, _, n_total, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, pos)
    z64_bytes = 0
    # a ZIP64 locator right before the end record means the ZIP64 record holds the real values
    loc_at = eocd_at - _EOCD64_LOC.size
    loc = _read_at(f, loc_at, _EOCD64_LOC.size) if loc_at >= 0 else b""
    if len(loc) == _EOCD64_LOC.size and loc[:4] == b"PK\x06\x07":
        z64_at = eocd_at - _EOCD64_LOC.size - _EOCD64.size
        rec = _read_at(f, z64_at, _EOCD64.size) if z64_at >= 0 else b""
        if len(rec) < _EOCD64.size or rec[:4] != b"PK\x06\x06":
            raise _fail(name, "corrupt_zip", "the ZIP64 end record is missing or corrupt")
        (_, _, _, _, disk, cd_disk, _, n_total, cd_size, cd_offset) = _EOCD64.unpack(rec)
        z64_bytes = _EOCD64.size + _EOCD64_LOC.size
    elif n_total == 0xFFFF and cd_size == 0xFFFFFFFF:
        raise _fail(name, "corrupt_zip", "the ZIP64 end record is missing")
    if disk or cd_disk:
        raise _fail(name, "corrupt_zip", "a multi-volume (split) ZIP archive is not supported")
    if n_total > limits.max_members:
        raise _fail(name, "zip_too_many_members", f"the archive has {n_total:,} members "
                    f"(limit {limits.max_members:,})")
    cd_start = eocd_at - z64_bytes - cd_size
    if cd_size > _MAX_CD_BYTES or cd_start < 0:
        raise _fail(name, "corrupt_zip", "the ZIP central directory is implausibly large or misplaced")
    # like zipfile, tolerate bytes prepended to the archive: offsets are then shifted
    shift = cd_start - cd_offset
    data = _read_at(f, cd_start, cd_size)
    entries: list[ZipEntry] = []
    i = 0
    for _ in range(n_total):
        if i + _CDH.size > len(data):
            raise _fail(name, "corrupt_zip", "the ZIP central directory is truncated")
        (sig, _, _, flags, method, _, _, _, csize, usize, n_len, x_len, c_len, _, _, _,
         offset) = _CDH.unpack_from(data, i)
        if sig != 0x02014B50:
            raise _fail(name, "corrupt_zip", "the ZIP central directory is corrupt (bad entry signature)")
        raw = data[i + _CDH.size: i + _CDH.size + n_len]
        extra = data[i + _CDH.size + n_len: i + _CDH.size + n_len + x_len]
        i += _CDH.size + n_len + x_len + c_len
        if usize == 0xFFFFFFFF or csize == 0xFFFFFFFF or offset == 0xFFFFFFFF:
            usize, csize, offset = _zip64_sizes(extra, usize, csize, offset)
        text = raw.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        entries.append(ZipEntry(text, raw, method, flags, csize, usize, offset + shift))
    return entries, cd_start


def _zip64_sizes(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """Real sizes from the ZIP64 extra field (only the fields whose 32-bit value is all ones)."""
    j = 0
    while j + 4 <= len(extra):
        tag, ln = struct.unpack_from("<HH", extra, j)
        body = extra[j + 4: j + 4 + ln]
        if tag == 1:
            k = 0
            vals = []
            while k + 8 <= len(body):
                vals.append(struct.unpack_from("<Q", body, k)[0])
                k += 8
            it = iter(vals)
            if usize == 0xFFFFFFFF:
                usize = next(it, usize)
            if csize == 0xFFFFFFFF:
                csize = next(it, csize)
            if offset == 0xFFFFFFFF:
                offset = next(it, offset)
            break
        j += 4 + ln
    return usize, csize, offset


def _check_name(e: ZipEntry, name: str) -> None:
    n = e.name
    if not n or b"\x00" in e.raw_name:
        raise _fail(name, "zip_bad_name", f"archive member {e.raw_name!r} has an empty name or a NUL byte")
    if "\\" in n:
        raise _fail(name, "zip_bad_name", f"archive member {_shown(n)!r} uses backslashes in its path")
    if n.startswith("/") or _DRIVE.match(n):
        raise _fail(name, "zip_bad_name", f"archive member {_shown(n)!r} has an absolute path")
    if ".." in n.split("/"):
        raise _fail(name, "zip_bad_name", f"archive member {_shown(n)!r} climbs out of the archive (..)")


def _shown(n: str) -> str:
    """A member name as messages show it (made only for a message: most names pass)."""
    return display_name(n.encode("utf-8", "surrogateescape"))


def _kind_of(names: set[str]) -> str:
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        return "odt"
    return "zip"


def check_zip(path: str | os.PathLike[str], limits: Limits | None = None, *,
              name: str | None = None) -> ZipFacts:
    """Structural checks on any ZIP file; returns what it holds (kind, entries, total size)."""
    limits = limits or current_limits()
    p = Path(path)
    name = name or display_name(p)
    try:
        with open(p, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            entries, cd_start = _read_directory(f, size, limits, name)
    except OSError as e:
        raise InputError(name, "unreadable", f"cannot read file ({e.strerror})") from None
    max_member = int(limits.max_member_mb * 1024 * 1024)
    max_total = int(limits.max_total_mb * 1024 * 1024)
    ratio_min = limits.ratio_min_kb * 1024
    seen: dict[str, str] = {}
    total = 0
    for e in entries:
        _check_name(e, name)
        key = e.name.lower()  # OOXML part names compare case-insensitively
        if key in seen:
            raise _fail(name, "zip_bad_name", f"archive member {e.name!r} appears twice")
        seen[key] = e.name
        if e.flags & 0x41 or e.method == 99:
            raise _fail(name, "encrypted", f"archive member {e.name!r} is encrypted (password-protected archive)")
        if e.method not in _METHODS:
            what = _METHOD_NAMES.get(e.method, f"method {e.method}")
            raise _fail(name, "zip_bad_method", f"archive member {e.name!r} is compressed with {what}; "
                        "only stored and deflate are allowed in Office files")
        if e.method == 0 and e.usize != e.csize:
            raise _fail(name, "corrupt_zip", f"archive member {e.name!r} is stored but its sizes disagree")
        if e.usize > max_member:
            raise _fail(name, "zip_bomb", f"archive member {e.name!r} would inflate to "
                        f"{e.usize / 1048576:,.0f} MB (limit {limits.max_member_mb:g} MB per member)")
        total += e.usize
        if total > max_total:
            raise _fail(name, "zip_bomb", f"the archive's members would inflate to more than "
                        f"{limits.max_total_mb:g} MB in total")
        if e.usize >= ratio_min and e.usize > limits.max_ratio * max(e.csize, 1):
            raise _fail(name, "zip_bomb", f"archive member {e.name!r} has a compression ratio of "
                        f"{e.usize / max(e.csize, 1):,.0f}:1 (limit {limits.max_ratio:g}:1)")
        if e.offset < 0 or e.offset + 30 > cd_start:
            raise _fail(name, "corrupt_zip", f"archive member {e.name!r} points outside the archive")
    # members must not share bytes: overlapping entries let one stream inflate many times
    spans = sorted((e.offset, e.offset + 30 + len(e.raw_name) + e.csize, e.name) for e in entries)
    for (_, a1, an), (b0, _, bn) in zip(spans, spans[1:], strict=False):
        if b0 < a1:
            raise _fail(name, "zip_bomb", f"archive members {an!r} and {bn!r} overlap")
    return ZipFacts(_kind_of(set(seen.values())), entries, total)


# Off only to check the small-member reader against zipfile's (tests).
_FAST_MEMBERS = True
_LOCAL = struct.Struct("<IHHHHHIIIHH")  # local file header
_LOCAL_SIG = 0x04034B50
_ZIP_MIN_READ = getattr(zipfile.ZipExtFile, "MIN_READ_SIZE", 4096)


def _small_member(z: zipfile.ZipFile, member: str, limit: int) -> bytes | None:
    """The whole content of a member declaring at most ``limit`` bytes, read from the archive's
    file at once, when ``z.open(member).read(limit + 1)`` is sure to give the same bytes
    without an error; None in every other case (the caller then asks zipfile).

    Opening a member through zipfile costs several times the inflating of a small part, and
    an Office package is mostly small parts. Sure means: zipfile's own checks of the local
    header pass (signature, name, flags), the stored or inflated data are the declared size
    and match the declared CRC. Anything else, errors included, is left to zipfile, so what
    zipfile refuses, and how it says so, stays as it was.
    """
    try:
        info = z.getinfo(member)
    except KeyError:
        return None
    size, method = info.file_size, info.compress_type
    # zipfile's first read takes this much stored data and inflates this much at most: a
    # member within it is read by one such step, which this one repeats
    step = max(limit + 1, _ZIP_MIN_READ)
    if size > limit or info.compress_size > step or method not in (0, 8) or info.flag_bits & 0x61:
        return None  # too big, or encrypted, patched or strongly encrypted
    fp = z.fp
    if fp is None:
        return None
    try:
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL.size)
        if len(header) != _LOCAL.size:
            return None
        fields = _LOCAL.unpack(header)
        if fields[0] != _LOCAL_SIG:
            return None
        raw = fp.read(fields[9])
        enc = "utf-8" if fields[2] & 0x800 else (getattr(z, "metadata_encoding", None) or "cp437")
        if raw.decode(enc) != info.orig_filename:
            return None
        if fields[10]:
            fp.seek(fields[10], 1)
        end = getattr(info, "_end_offset", None)  # zipfile's overlap check, where it has one
        if end is not None and fp.tell() + info.compress_size > end:
            return None
        comp = fp.read(info.compress_size)
        if len(comp) != info.compress_size:
            return None
        data = comp if method == 0 else zlib.decompressobj(-15).decompress(comp, step)[:size]
    except Exception:  # a damaged member: zipfile says how
        return None
    if len(data) != size or zlib.crc32(data) != info.CRC:
        return None
    return data


def check_ooxml(path: str | os.PathLike[str], kind: Literal["docx", "xlsx"] | None = None,
                limits: Limits | None = None, *, name: str | None = None,
                facts: ZipFacts | None = None, verify_data: bool = True,
                checked_by_reader: Collection[str] = ()) -> ZipFacts:
    """Everything :func:`check_zip` does, plus the required parts, the XML prologs and the data.

    Every ``.xml``/``.rels`` part's prolog (up to ``max_xml_prolog_kb``) is checked for
    DOCTYPE and ENTITY declarations before any XML parser runs. With ``verify_data`` every
    member is then inflated once in 1 MiB chunks (bounded memory; the declared total is
    already capped): zipfile's own ``read()`` inflates a member's whole stored stream in one
    call, so a member that declares 100 MB but holds gigabytes would otherwise reach memory.

    ``checked_by_reader`` names parts the caller's reader inflates within their declared size
    and searches whole for DOCTYPE/ENTITY itself (the .docx parser does so for
    ``word/document.xml``): their prologs are not inflated a second time here.
    """
    from pipeline.guards.xmlguard import check_prolog

    limits = limits or current_limits()
    p = Path(path)
    name = name or display_name(p)
    facts = facts or check_zip(p, limits, name=name)
    want = kind or facts.kind
    if want not in REQUIRED_PARTS:
        raise _fail(name, "not_office", "a ZIP archive that is neither .docx nor .xlsx "
                    "(no word/document.xml or xl/workbook.xml)")
    names = facts.names
    missing = [part for part in REQUIRED_PARTS[want] if part not in names]
    if missing:
        raise _fail(name, "not_office", f"not a valid .{want}: the archive lacks {', '.join(missing)}")
    budget = limits.max_xml_prolog_kb * 1024
    current = ""
    try:
        with zipfile.ZipFile(p) as z:
            for e in facts.entries:
                current = e.name
                is_xml = e.name.lower().endswith((".xml", ".rels", ".vml")) and e.name not in checked_by_reader
                if not (is_xml or verify_data):
                    continue
                whole = _small_member(z, e.name, budget) if _FAST_MEMBERS else None
                if whole is not None:  # read whole, within its size and with its CRC right
                    if is_xml:
                        check_prolog(whole, e.name, path=name, limit=budget, complete=True)
                    continue
                with z.open(e.name) as fh:
                    head = fh.read(budget + 1)
                    if is_xml:
                        check_prolog(head, e.name, path=name, limit=budget, complete=len(head) <= budget)
                    # Stream the rest in bounded chunks: zipfile stops at the declared size and
                    # checks the CRC, so a member whose deflate stream holds more than it
                    # declares is caught here, never inflated whole in one call.
                    while verify_data and fh.read(_CHUNK):
                        pass
    except InputError:
        raise
    except zipfile.BadZipFile as ex:
        raise _fail(name, "corrupt_zip", f"archive member {current!r} does not match its declared size "
                    f"or checksum ({ex})") from None
    except (EOFError, OSError, ValueError, RuntimeError) as ex:
        raise _fail(name, "corrupt_zip", f"the ZIP container is damaged ({type(ex).__name__}: {ex})") from None
    except Exception as ex:  # zlib.error and friends: a damaged deflate stream
        raise _fail(name, "corrupt_zip", f"archive member {current!r} cannot be inflated "
                    f"({type(ex).__name__}: {ex})") from None
    return facts
