"""Legacy and other office formats (.doc .wps .rtf .odt .xls .et) through LibreOffice.

Each file is converted with ``soffice --headless --convert-to docx|xlsx`` into a private
temporary folder, with its own LibreOffice profile (``-env:UserInstallation``) so that parallel
conversions never share, and lock, one profile. The converted file is read by the .docx or
.xlsx parser and the document then describes the ORIGINAL file: path, format, size and hash are
the original's, and ``Source.converted_from`` says a conversion happened.

Also here: :func:`ole_is_encrypted_ooxml`, which tells a password-protected .docx/.xlsx (an OLE2
compound file holding an ``EncryptedPackage`` stream) from a mislabelled legacy .doc.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import ConverterMissing, InputError
from pipeline.model import Document, Loc, Table

_log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
_TARGET = {"doc": "docx", "wps": "docx", "rtf": "docx", "odt": "docx", "xls": "xlsx", "et": "xlsx"}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_OLE_SCAN_LIMIT = 8 << 20  # the directory of a small encrypted package sits well inside this


def converter() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def ole_is_encrypted_ooxml(path: Path | str) -> bool:
    """True when ``path`` is an OLE2 compound file that holds an ``EncryptedPackage`` stream.

    That is how Office stores a password-protected .docx/.xlsx. The directory entries are
    UTF-16LE names; a bounded byte search for the name is enough (a .doc body that happens to
    contain the UTF-16 word "EncryptedPackage" would be a curiosity, and is then reported as
    encrypted rather than silently misread).
    """
    try:
        with open(path, "rb") as f:
            if f.read(8) != _OLE2_MAGIC:
                return False
            f.seek(0)
            data = f.read(_OLE_SCAN_LIMIT)
    except OSError:
        return False
    return _ENCRYPTED_PACKAGE in data


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
