"""Fixtures for the hostile suite: files built at test time, and parsing under hard limits.

``parse_isolated`` forks a child (the parent has already imported the parsers, so a fork
costs milliseconds, not a second of imports), caps the child's address space and CPU time,
runs :func:`pipeline.parse.parse_file` and sends back a summary. A case that hangs or
balloons therefore fails its test with a clear message instead of taking the suite down.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(HERE) not in sys.path:  # for ``import generators``; appended so it shadows nothing
    sys.path.append(str(HERE))


@dataclass
class Outcome:
    """What parsing one file came to, seen from outside the process that did it."""

    status: str  # ok | partial | failed | timeout | killed
    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    grew_mb: float = 0.0  # resident memory the child added while parsing
    pages: int | None = None
    blocks: int = 0
    tables: list[list[list[str]]] = field(default_factory=list)  # filled grids
    text: str = ""

    def describe(self) -> str:
        return (f"status={self.status} codes={self.codes} {self.seconds:.1f}s +{self.grew_mb:.0f}MB "
                f"messages={[m[:160] for m in self.messages]}")


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(conn: Any, path: str, mem_mb: int, cpu_s: int, env: dict[str, str]) -> None:
    os.environ.update(env)
    # the cap is on what the child may ADD to the address space it inherited from pytest
    cap = _vm_bytes() + mem_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    from pipeline.parse import parse_file

    # the parent may have patched pdfminer in earlier tests: the child must show what the
    # product does on its own, so start from the library as shipped
    guard = sys.modules.get("pipeline.guards.pdfguard")
    if guard is not None:
        guard.uninstall_pdfminer_guards()
    start_rss = _rss_mb()
    t0 = time.monotonic()
    doc = parse_file(path)
    seconds = time.monotonic() - t0
    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - start_rss
    out = {
        "status": doc.status, "codes": [e.code for e in doc.errors], "messages": [e.message for e in doc.errors],
        "seconds": seconds, "grew_mb": max(grew, 0.0), "pages": doc.source.pages, "blocks": len(doc.blocks),
        "tables": [t.grid(filled=True) for t in doc.tables()][:3], "text": doc.text()[:20000],
    }
    conn.send(json.dumps(out, ensure_ascii=False))
    conn.close()


def parse_in_child(path: str | Path, *, timeout: float = 30, mem_mb: int = 1024,
                   env: dict[str, str] | None = None) -> Outcome:
    """Parse ``path`` in a forked child under ``mem_mb`` extra address space and ``timeout`` seconds."""
    from pipeline.parse import parse_file  # noqa: F401 - import once here, so children fork warm

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, str(path), mem_mb, int(timeout) + 1, env or {}), daemon=True)
    t0 = time.monotonic()
    proc.start()
    send.close()
    data = None
    if recv.poll(timeout):
        try:
            data = recv.recv()
        except EOFError:
            data = None
    proc.join(1)
    if proc.is_alive():
        # the answer came: a child still freeing a 50,000-row document on a busy machine has done its job
        proc.kill()
        proc.join()
        if data is None:
            return Outcome("timeout", seconds=time.monotonic() - t0)
    if data is None:
        sig = -proc.exitcode if proc.exitcode and proc.exitcode < 0 else None
        what = signal.Signals(sig).name if sig else f"exit {proc.exitcode}"
        return Outcome("killed", messages=[what], seconds=time.monotonic() - t0)
    return Outcome(**json.loads(data))


@pytest.fixture(scope="session")
def parse_isolated():
    return parse_in_child


@pytest.fixture
def write(tmp_path: Path):
    """``write("name.docx", data)`` → the path of a new file under a fresh folder."""

    def _write(name: str | bytes, data: bytes, folder: Path | None = None) -> Path:
        d = folder or tmp_path
        d.mkdir(parents=True, exist_ok=True)
        target = os.path.join(os.fsencode(d), os.fsencode(name))
        with open(target, "wb") as f:
            f.write(data)
        return Path(os.fsdecode(target))

    return _write


def run_cli(*args: str, cwd: Path, timeout: float = 240, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m pipeline.cli ARGS`` as a user would run it (never through a shell).

    It runs in its own session: on a timeout the whole group (the run and its workers) is
    killed, so a hung batch cannot leave processes behind.
    """
    full_env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                **(env or {})}
    cmd = [sys.executable, "-m", "pipeline.cli", *args]
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def check_cli_available() -> bool:
    try:
        import pipeline.commands.check  # noqa: F401
        from pipeline.cli import cli
    except ImportError:
        return False
    return "check" in cli.list_commands(None)  # type: ignore[arg-type]  # commands load lazily


@pytest.fixture(scope="session")
def cli():
    """``cli("check", …, cwd=…)`` runs the real command; skips while ``check`` is not registered."""
    if not check_cli_available():
        pytest.skip("`lianfang check` is not registered yet")
    return run_cli
