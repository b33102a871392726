"""Legacy and other office formats (.doc .wps .rtf .odt .xls .et) through LibreOffice.

Each file is converted with ``soffice --headless --convert-to docx|xlsx`` into a private
temporary folder, with its own LibreOffice profile (``-env:UserInstallation``) so that parallel
conversions never share, and lock, one profile. The converted file is read by the .docx or
.xlsx parser and the document then describes the ORIGINAL file: path, format, size and hash are
the original's, and ``Source.converted_from`` says a conversion happened.

Before any conversion, OLE2 inputs go through :func:`pipeline.guards.oleguard.check_ole2`
(damaged containers, password-protected Word files) and :func:`ole_legacy_encrypted` (which
also knows Excel's FILEPASS record), so LibreOffice is never started on a locked file. Also
here: :func:`ole_is_encrypted_ooxml`, which tells a password-protected .docx/.xlsx (an OLE2
compound file holding an ``EncryptedPackage`` stream) from a mislabelled legacy .doc.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import ConverterMissing, InputError
from pipeline.model import Document, Loc, Table

_log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
_TARGET = {"doc": "docx", "wps": "docx", "rtf": "docx", "odt": "docx", "xls": "xlsx", "et": "xlsx"}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def converter() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def ole_is_encrypted_ooxml(path: Path | str) -> bool:
    """True when ``path`` is an OLE2 compound file that holds an ``EncryptedPackage`` stream.

    That is how Office stores a password-protected .docx/.xlsx. The directory is read by
    :mod:`pipeline.guards.oleguard` (bounded chain walks); a file it cannot read is not one.
    """
    from pipeline.guards.oleguard import ole_is_encrypted_ooxml as from_directory

    return from_directory(path)


class _Cfb:
    """Just enough of the compound-file format to read the first bytes of a named stream."""

    _END_OF_CHAIN = 0xFFFFFFFE
    _MAX_SECTORS = 1 << 20  # bounds every chain walk on a damaged or hostile file

    def __init__(self, f: BinaryIO):
        self.f = f
        head = f.read(512)
        if len(head) < 512 or head[:8] != _OLE2_MAGIC:
            raise ValueError("not an OLE2 compound file")
        shift = struct.unpack_from("<H", head, 30)[0]
        if shift not in (9, 12):
            raise ValueError(f"bad sector shift {shift}")
        self.size = 1 << shift
        self.mini_cutoff = struct.unpack_from("<I", head, 56)[0]
        n_fat, self.dir_start = struct.unpack_from("<II", head, 44)
        difat_start, n_difat = struct.unpack_from("<II", head, 68)
        fat_sectors = [v for v in struct.unpack_from("<109I", head, 76) if v < 0xFFFFFFFA]
        sec, seen = difat_start, 0
        while sec < 0xFFFFFFFA and seen < n_difat and len(fat_sectors) < n_fat:
            vals = struct.unpack(f"<{self.size // 4}I", self._sector(sec))
            fat_sectors += [v for v in vals[:-1] if v < 0xFFFFFFFA]
            sec, seen = vals[-1], seen + 1
        self.fat: list[int] = []
        for fs in fat_sectors[:n_fat]:
            self.fat += struct.unpack(f"<{self.size // 4}I", self._sector(fs))

    def _sector(self, n: int) -> bytes:
        self.f.seek((n + 1) * self.size)
        data = self.f.read(self.size)
        if len(data) < self.size:
            raise ValueError(f"sector {n} is beyond the end of the file")
        return data

    def _chain(self, start: int) -> Iterator[int]:
        n, steps = start, 0
        while n < len(self.fat) and steps < self._MAX_SECTORS:
            yield n
            n, steps = self.fat[n], steps + 1

    def entries(self) -> Iterator[tuple[str, int, int, int]]:
        """``(name, type, start sector, size)`` of each directory entry."""
        for sec in self._chain(self.dir_start):
            block = self._sector(sec)
            for off in range(0, self.size, 128):
                raw = block[off:off + 128]
                n_len = struct.unpack_from("<H", raw, 64)[0]
                name = raw[:max(0, min(n_len, 64) - 2)].decode("utf-16-le", errors="replace")
                kind = raw[66]
                start, size = struct.unpack_from("<IQ", raw, 116)
                if kind:
                    yield name, kind, start, size

    def head(self, name: str, n: int) -> bytes | None:
        """The first ``n`` bytes (at most one sector's worth) of stream ``name``, or None."""
        root_start = None
        for ename, kind, start, size in self.entries():
            if kind == 5:
                root_start = start
            if kind == 2 and ename == name:
                if size >= self.mini_cutoff:
                    return self._sector(start)[:min(n, size)]
                if root_start is None:
                    return None
                # a small stream lives in the mini stream: 64-byte sectors inside the root's chain
                offset = start * 64
                chain = list(self._chain(root_start))
                idx, within = divmod(offset, self.size)
                if idx >= len(chain):
                    return None
                return self._sector(chain[idx])[within:within + min(n, size, 64)]
        return None


def ole_legacy_encrypted(path: Path | str) -> bool:
    """True for a password-protected Word 97–2003 (.doc/.wps) or Excel 97–2003 (.xls/.et) file.

    Word sets ``fEncrypted`` in the FIB at the start of the WordDocument stream; Excel puts a
    FILEPASS record (0x002F) right after the BOF record of the Workbook stream. Anything that
    cannot be read this way is left to LibreOffice to judge.
    """
    try:
        with open(path, "rb") as f:
            cfb = _Cfb(f)
            fib = cfb.head("WordDocument", 12)
            if fib is not None and len(fib) >= 12 and fib[:2] == b"\xec\xa5":
                return bool(struct.unpack_from("<H", fib, 10)[0] & 0x0100)
            book = cfb.head("Workbook", 64) or cfb.head("Book", 64)
            if book is not None and len(book) >= 8:
                bof_len = struct.unpack_from("<H", book, 2)[0]
                nxt = 4 + bof_len
                return len(book) >= nxt + 2 and struct.unpack_from("<H", book, nxt)[0] == 0x002F
    except (OSError, ValueError, struct.error, IndexError):
        _log.debug("%s: not a readable compound file", path, exc_info=True)
    return False


def _reason(output: str) -> str | None:
    """The line of LibreOffice's output that says what went wrong, if it printed one."""
    for line in reversed(output.splitlines()):
        s = line.strip()
        if s and ("Error" in s or "error" in s or "failed" in s.lower() or "password" in s.lower()):
            return s[:300]
    return None


def convert(path: Path, fmt: str, outdir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert ``path`` (of format ``fmt``) with LibreOffice into ``outdir``; return the new file."""
    exe = converter()
    if exe is None:
        raise ConverterMissing(path, fmt)
    target = _TARGET.get(fmt, "docx")
    work = Path(tempfile.mkdtemp(prefix="lo-", dir=outdir))
    # a plain copy name: LibreOffice chokes on some names (leading '-', odd characters), and the
    # extension tells it which import filter to try first
    src = work / f"input.{fmt}"
    shutil.copyfile(path, src)
    profile = work / "profile"
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible", "--nologo",
           "--norestore", "--nolockcheck", "--nodefault", "--convert-to", target, "--outdir", str(work), str(src)]
    env = dict(os.environ, HOME=str(work))  # keep LibreOffice's stray files out of the user's home
    _log.debug("converting %s: %s", path, " ".join(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise InputError(path, "convert_timeout",
                         f"LibreOffice did not finish converting the .{fmt} file within {timeout:g} s") from None
    converted = work / f"input.{target}"
    if proc.returncode != 0 or not converted.is_file() or converted.stat().st_size == 0:
        text = out.decode("utf-8", errors="replace") if out else ""
        reason = _reason(text)
        detail = f": {reason}" if reason else " (is it password-protected or damaged?)"
        if target == "xlsx" and reason and "could not be loaded" in reason:
            detail += ("; reading spreadsheets needs LibreOffice Calc (Debian/Ubuntu: "
                       "`apt-get install libreoffice-calc-nogui`)")
        raise InputError(path, "convert_failed",
                         f"LibreOffice could not convert the .{fmt} file (exit code {proc.returncode}){detail}")
    return converted


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop LibreOffice and the helper processes it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        _log.warning("LibreOffice process %d did not exit after SIGKILL", proc.pid)


def _relocate(doc: Document, old: str, new: str) -> None:
    """Point every location and message at the original file instead of the converted copy."""
    def fix(loc: Loc | None) -> None:
        if loc is not None and loc.file == old:
            loc.file = new

    def table(t: Table) -> None:
        fix(t.loc)
        for c in t.cells:
            fix(c.loc)
            for n in c.tables:
                table(n)

    for b in doc.blocks:
        fix(b.loc)
        if b.table is not None:
            table(b.table)
    for e in doc.errors:
        fix(e.loc)
        e.message = e.message.replace(old, new)


def parse(path: Path | str, fmt: str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> Document:
    """Convert a legacy file with LibreOffice and parse the result as the original file.

    Raises ConverterMissing when LibreOffice is not installed, InputError ``convert_timeout`` /
    ``convert_failed`` when the conversion does not produce a file.
    """
    from pipeline.ids import file_sha256

    path = Path(path)
    fmt = (fmt or path.suffix.lower().lstrip(".") or "doc").lower()
    if fmt in ("doc", "wps", "xls", "et"):
        from pipeline.guards.oleguard import check_ole2

        # damaged containers and password-protected Word files never reach LibreOffice, which
        # could wait for a password that never comes; Excel's FILEPASS is checked here
        check_ole2(path, name=str(path))
        if ole_legacy_encrypted(path):
            raise InputError(path, "encrypted", f"the .{fmt} file is password-protected (encrypted)")
    if converter() is None:
        raise ConverterMissing(path, fmt)
    with tempfile.TemporaryDirectory(prefix="lianfang-") as tmp:
        converted = convert(path, fmt, Path(tmp), timeout=timeout)
        if converted.suffix == ".xlsx":
            from pipeline.parse import xlsx as reader
        else:
            from pipeline.parse import docx as reader  # type: ignore[no-redef]
        doc = reader.parse(converted)
        _relocate(doc, str(converted), str(path))
    src = doc.source
    src.path = str(path)
    src.format = fmt
    src.converted_from = fmt
    try:
        src.size = path.stat().st_size
        src.sha256 = file_sha256(str(path))
    except OSError:
        _log.debug("cannot stat %s after conversion", path, exc_info=True)
    return doc
