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
