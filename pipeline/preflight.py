"""Checks a file must pass before any parser touches it, and a safe walk over input folders.

Submissions arrive from hundreds of units and are opened unattended, so nothing here trusts
the file system or the file: it looks with ``lstat`` before it opens (opening a FIFO blocks
forever), never follows a symlink out of the folder it was given, never walks a directory
loop, caps the size, and sniffs the format from the bytes. ZIP-based Office files get the
archive and XML checks of :mod:`pipeline.guards` before anything inflates; OLE2 files are
checked for the encryption Word and Excel use. PDFs get their checks inside the worker
(:func:`pipeline.guards.pdfguard.check_pdf`), because those need a PDF library.

Every refusal is an :class:`~pipeline.errors.InputError` with a stable ``code`` (see
``docs/limits.md``) and a message that names the file in a printable form.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from pipeline.errors import ConfigError, InputError

_log = logging.getLogger(__name__)

__all__ = ["Limits", "preflight", "walk_inputs", "check_fs", "display_name", "text_path", "current_limits"]

_MB = 1024 * 1024
_ENV_PREFIX = "LIANFANG_"


@dataclass(frozen=True)
class Limits:
    """Resource limits for reading one document (docs/limits.md lists flags and env names)."""

    max_file_mb: float = 200.0  # any input file
    max_members: int = 2000  # ZIP members in a .docx/.xlsx
    max_member_mb: float = 100.0  # declared uncompressed size of one member
    max_total_mb: float = 300.0  # declared uncompressed size of all members
    max_ratio: float = 200.0  # uncompressed : compressed, per member ...
    ratio_min_kb: int = 4096  # ... for members at least this big once inflated
    max_xml_prolog_kb: int = 64  # bytes before an XML part's root element
    max_pages: int = 2000  # PDF pages
    max_page_edges: int = 5000  # ruling edges on a PDF page before table finding is skipped
    max_page_cells: int = 5000  # grid cells those edges could form before it is skipped
    max_stream_mb: float = 256.0  # one decompressed PDF stream
    timeout_s: float = 300.0  # wall clock per document (enforced by pipeline.workers)
    max_memory_mb: int = 2048  # address space per worker (enforced by pipeline.workers)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * _MB)

    def to_env(self) -> dict[str, str]:
        """The limits as environment variables, so spawned workers read the same values."""
        return {_ENV_PREFIX + k.upper(): str(v) for k, v in asdict(self).items()}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Limits:
        """Defaults, then ``LIANFANG_MAX_PAGES=…`` style variables, then keyword overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(_ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            cast = int if f.type in ("int", int) else float
            try:
                values[f.name] = cast(raw)
            except ValueError:
                raise ConfigError(f"{_ENV_PREFIX}{f.name.upper()}={raw!r}: expected a number") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        lim = cls(**values)  # type: ignore[arg-type]
        lim.validate()
        return lim

    def with_(self, **kw: object) -> Limits:
        return replace(self, **kw)  # type: ignore[arg-type]

    def validate(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, (int, float)) or v <= 0:
                raise ConfigError(f"limit {f.name} must be a positive number, not {v!r}")


def current_limits() -> Limits:
    """The limits in force in this process (defaults overridden by ``LIANFANG_*`` variables)."""
    return Limits.from_env()


# -- names ------------------------------------------------------------------------------------

# what display_name escapes: C0/C1 controls, DEL, line/paragraph separators, bidi embeddings and isolates
_UNSAFE_NAME_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")


def display_name(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A printable, JSON-safe form of a path: control characters and undecodable bytes escaped.

    File names are bytes on Linux and may be GBK from a Windows share, or hold newlines and
    terminal escapes; messages, JSON and HTML must never carry them raw.
    """
    raw = os.fsencode(path)
    text = raw.decode("utf-8", errors="backslashreplace")
    if not _UNSAFE_NAME_CHARS.search(text):  # the usual name: nothing to escape, no loop over it
        return text
    out = []
    for ch in text:
        cp = ord(ch)
        if cp < 0x20 or cp == 0x7F or 0x80 <= cp < 0xA0 or 0x2028 <= cp <= 0x2029 or 0x202A <= cp <= 0x202E \
                or 0x2066 <= cp <= 0x2069:
            out.append(ch.encode("unicode_escape").decode("ascii") if cp < 0x100 else f"\\u{cp:04x}")
        else:
            out.append(ch)
    return "".join(out)


def text_path(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as text that encodes to UTF-8: bytes that are not UTF-8 become ``\\xNN``.

    ``os.fsdecode`` keeps such bytes as lone surrogates, which JSON writers, pydantic and
    HTML templates refuse with a UnicodeEncodeError, so a single GBK-named file from a
    Windows share would take down the outputs of a whole batch. Use this for every path
    written into JSON, reports or messages; keep the original ``Path`` to open the file.
    """
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def is_skipped_name(name: str) -> bool:
    """Hidden files, Office lock files (~$x.docx), editor temp files and a folder's own README
    are not submissions."""
    return (name.startswith((".", "~$", "~WRL")) or name.endswith(("~", ".tmp", ".swp"))
            or name.lower().startswith("readme."))


# -- file-system checks -----------------------------------------------------------------------

_KIND = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind_of(mode: int) -> str | None:
    for test, what in _KIND:
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def _under(target: Path, root: Path) -> bool:
    try:
        target.relative_to(root)
        return True
    except ValueError:
        return False


def check_fs(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None,
             limits: Limits | None = None) -> os.stat_result:
    """File-system policy without opening the file: returns the ``stat`` of what will be read.

    ``root`` is the input folder the file was found in; a symlink must resolve inside it. A
    path named directly (``root=None``) may be a symlink the user chose, but must still end
    at a regular file.
    """
    limits = limits or current_limits()
    p = Path(path)

    def refused(code: str, reason: str) -> InputError:  # the name is formatted only on refusal
        return InputError(display_name(p), code, reason)

    try:
        st = os.lstat(p)
    except FileNotFoundError:
        raise refused("not_found", "file not found") from None
    except OSError as e:
        raise refused("unreadable", f"cannot stat file ({e.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            target = p.resolve(strict=True)
        except (RuntimeError, OSError) as e:  # 3.11 raises RuntimeError on a loop, 3.13 OSError
            if isinstance(e, FileNotFoundError):
                raise refused("not_found", "symlink points to a missing file") from None
            raise refused("symlink_loop", "symlink loop") from None
        if root is not None and not _under(target, Path(root).resolve()):
            raise refused("symlink_outside_root",
                          f"symlink points outside the input folder ({display_name(target)}); not followed")
        st = os.stat(target)
    what = _kind_of(st.st_mode)
    if what is not None:
        raise refused("not_regular", f"{what}, not a regular file; not opened")
    if p.name.startswith("~$"):
        raise refused("lock_file", "an Office lock file (~$…), not a document")
    if st.st_size == 0:
        raise refused("empty", "the file is empty (0 bytes)")
    if st.st_size > limits.max_file_bytes:
        raise refused("too_large", f"{st.st_size / _MB:.1f} MB is over the "
                      f"{limits.max_file_mb:g} MB limit (--max-file-mb)")
    return st


def _read_head(path: Path, st: os.stat_result, name: str, n: int = 4096) -> bytes:
    """Open without blocking and without following a swapped-in link, and check it is the same file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise InputError(name, "unreadable", f"cannot open file ({e.strerror})") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise InputError(name, "changed", "the file changed while it was being checked")
        return os.read(fd, n)
    finally:
        os.close(fd)


def preflight(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None,
              limits: Limits | None = None) -> str:
    """Refuse what must never reach a parser; return the format sniffed from the bytes.

    Formats: ``docx``, ``xlsx``, ``pdf``, ``ole2`` (legacy .doc/.xls/.wps), ``odt``, ``rtf``,
    ``zip`` (another ZIP) or ``unknown`` (text, or a file whose header is not recognised; the
    caller decides by extension). Raises :class:`InputError` otherwise.
    """
    from pipeline.guards import oleguard, zipguard
    from pipeline.parse import sniff

    limits = limits or current_limits()
    p = Path(path)
    name = display_name(p)
    st = check_fs(p, root, limits)
    head = _read_head(p, st, name)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        facts = zipguard.check_zip(p, limits, name=name)
        if facts.kind == "docx":
            # the .docx parser reads every part it uses within the part's declared size (a
            # deflate stream holding more fails its CRC there) and searches word/document.xml
            # whole for DTDs: inflating the members here too only doubled the cost of reading
            zipguard.check_ooxml(p, "docx", limits, name=name, facts=facts, verify_data=False,
                                 checked_by_reader=("word/document.xml",))
        elif facts.kind == "xlsx":  # openpyxl reads members whole: verify them first
            zipguard.check_ooxml(p, facts.kind, limits, name=name, facts=facts)
        return facts.kind
    if head.startswith(oleguard.OLE2_MAGIC):
        oleguard.check_ole2(p, limits, name=name)
        return "ole2"
    try:
        return sniff(p, head)
    except OSError as e:
        raise InputError(name, "unreadable", f"cannot read file ({e.strerror})") from None


# -- the walk ---------------------------------------------------------------------------------

def walk_inputs(paths: Iterable[str | os.PathLike[str]], limits: Limits | None = None, *,
                exclude: Iterable[str | os.PathLike[str]] = (),
                suffixes: Iterable[str] | None = None) -> tuple[list[Path], list[InputError]]:
    """Files to read and the inputs refused, in a stable order (a safe ``iter_inputs``).

    Paths named directly are kept whatever their suffix (the parser then says if it is
    unsupported); in folders, only supported suffixes are taken, hidden and temp files are
    skipped, symlinks are followed only while they stay inside the folder, and a directory is
    entered once (tracked by device and inode), so a symlink loop cannot recurse. ``exclude``
    names folders never to enter, such as the output folder when it lies inside the input.
    """
    from pipeline.parse import SUPPORTED_SUFFIXES

    limits = limits or current_limits()
    wanted = frozenset(s.lower() for s in (suffixes or SUPPORTED_SUFFIXES))
    excluded = set()
    for e in exclude:
        try:
            excluded.add(Path(e).resolve())
        except OSError:
            continue
    files: list[Path] = []
    errors: list[InputError] = []
    seen_files: set[tuple[int, int]] = set()

    def take(f: Path, root: Path | None) -> None:
        try:
            st = check_fs(f, root, limits)
        except InputError as err:
            errors.append(err)
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_files:  # the same file twice (a link next to its target)
            _log.debug("skipping %s: already listed", display_name(f))
            return
        seen_files.add(key)
        files.append(f)

    for raw in paths:
        p = Path(raw)
        try:
            st = os.stat(p)
            is_dir = stat.S_ISDIR(st.st_mode)
        except OSError:
            is_dir = False
        if not is_dir:
            take(p, None)
            continue
        _walk_dir(p, p.resolve(), limits, wanted, excluded, take, errors)
    return files, errors


def _walk_dir(top: Path, root: Path, limits: Limits, wanted: frozenset[str], excluded: set[Path],
              take, errors: list[InputError]) -> None:
    """Depth-first over ``top`` in name order, without recursion (deep trees cannot overflow)."""
    from pipeline.fsutil import RealPaths

    real = RealPaths()  # each folder resolved once, not once per folder below it
    visited: set[tuple[int, int]] = set()
    st = os.stat(top)
    visited.add((st.st_dev, st.st_ino))
    stack: list[tuple[Path, tuple[tuple[int, int], ...]]] = [(top, ((st.st_dev, st.st_ino),))]
    while stack:
        d, ancestors = stack.pop()
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: os.fsencode(e.name))
        except OSError as e:
            name = display_name(d)
            errors.append(InputError(name, "unreadable", f"cannot list folder ({e.strerror})"))
            continue
        subdirs: list[tuple[Path, tuple[tuple[int, int], ...]]] = []
        for e in entries:
            if is_skipped_name(e.name):
                continue
            full = Path(e.path)
            try:
                is_link = e.is_symlink()
                is_dir = e.is_dir(follow_symlinks=True)
            except OSError:
                is_link, is_dir = False, False
            if is_dir:
                try:
                    target = Path(real(full))  # a missing target or a loop fails the stat
                    tst = os.stat(target)
                except (OSError, RuntimeError):
                    name = display_name(full)
                    errors.append(InputError(name, "symlink_loop", "symlink loop; not followed"))
                    continue
                if target in excluded:
                    continue
                if is_link and not _under(target, root):
                    name = display_name(full)
                    errors.append(InputError(name, "symlink_outside_root",
                                             "folder symlink points outside the input folder; not followed"))
                    continue
                key = (tst.st_dev, tst.st_ino)
                if key in ancestors:
                    name = display_name(full)
                    errors.append(InputError(name, "symlink_loop",
                                             "folder symlink loops back to a parent folder; not followed"))
                    continue
                if key in visited:
                    continue  # reached again through another link: already walked
                visited.add(key)
                subdirs.append((full, (*ancestors, key)))
                continue
            if Path(e.name).suffix.lower() not in wanted:
                continue
            take(full, root)
        stack.extend(reversed(subdirs))
