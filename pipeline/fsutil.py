"""Safe file writing: atomic replace, so a killed run never leaves a half-written file."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

_SEQ = itertools.count()
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _open_temp(p: Path) -> tuple[int, Path]:
    """A new temporary file beside ``p``: named by process and sequence (O_EXCL never takes an
    existing file, e.g. one left by a killed run of the same pid), mode 0666 less the umask, as
    for any new file (the same as mkstemp's 0600 widened by chmod, in one system call)."""
    while True:
        tmp = p.with_name(f".{p.name[:40]}.{os.getpid()}.{next(_SEQ)}.tmp")
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
        except FileNotFoundError:  # the folder is new: made once, then the common case is one open()
            p.parent.mkdir(parents=True, exist_ok=True)
            return os.open(tmp, _FLAGS, 0o666), tmp


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    p = Path(path)
    fd, tmp = _open_temp(p)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def user_cache_dir(sub: str = "") -> Path | None:
    """``$XDG_CACHE_HOME/lianfang`` (else ``~/.cache/lianfang``), or its ``sub`` folder, created on
    demand; None when it cannot be made or written (a read-only home)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    d = Path(base) / "lianfang" / sub if sub else Path(base) / "lianfang"
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return d if os.access(d, os.W_OK) else None


class RealPaths:
    """``os.path.realpath`` that keeps each folder's answer: below a folder already resolved, a name
    that is not a symlink resolves to the folder's answer joined with the name, one ``lstat``
    instead of one per component (a walk of 10,000 files made ~110,000 otherwise). For one walk:
    a folder replaced by a symlink meanwhile is not seen."""

    def __init__(self) -> None:
        self._dirs: dict[str, str] = {}

    def __call__(self, path: str | os.PathLike[str]) -> str:
        p = os.fspath(path)
        head, tail = os.path.split(p)
        if not head or head == p or tail in ("", ".", "..") or os.path.islink(p):
            return os.path.realpath(p)
        real = self._dirs.get(head)
        if real is None:
            real = self._dirs[head] = self(head)
        return os.path.join(real, tail)
