"""Workers start warm: the fork server reads, checks and reports one small generated unit first."""

from __future__ import annotations

import gc
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import batch


@pytest.fixture
def warmed(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> object:
    """pipeline.warm run in this process (its own user cache), without freezing the test process's objects."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setattr(gc, "freeze", lambda: None)
    monkeypatch.setattr(batch, "_CTX", None)
    monkeypatch.setattr(batch, "_WARM_CTX", None)
    warm = importlib.reload(importlib.import_module("pipeline.warm"))
    return warm


def test_the_warm_up_unit_goes_through_extraction_and_checks(warmed: object, tmp_path: Path) -> None:
    path = warmed._write_unit(tmp_path)  # type: ignore[attr-defined]
    doc = batch._process(str(path))
    assert doc.status == "ok"
    assert [r.name for r in doc.risks] == ["公车私用", "招标过程中串标围标", "报销审核不严"]
    assert [r.level for r in doc.risks] == ["medium", "high", "low"]
    out = batch.folder_task({"docs": [batch.DocInput(0, "read", "", path.name, path.name + ".json", file=str(path))],
                             "lang": "zh", "profile": None, "check": True, "reports": True, "write_to": None})
    (unit,) = out["units"]
    assert set(unit["outputs"]) == {"html", "md", "xlsx", "csv", "risks_csv", "svg"}
    rules = json.loads("[" + out["docs"][0]["rows"].decode().strip().replace("\n", ",") + "]")
    assert any(r[0] == "LF101" for r in rules)  # 报销审核不严 has no measure


def test_workers_reuse_the_warm_context_only_for_the_same_lexicons(warmed: object, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    warm_ctx = batch._WARM_CTX
    assert warm_ctx is not None and batch._CTX is warm_ctx
    batch._CTX = None
    batch._init_context()
    assert batch._CTX is warm_ctx
    other = tmp_path / "lexicons"
    shutil.copytree(Path(warm_ctx.lexicons.root), other)
    monkeypatch.setenv("LIANFANG_LEXICONS", str(other))
    batch._init_context()
    assert batch._CTX is not warm_ctx and batch._CTX.lexicons.root == other


def test_a_failing_warm_up_leaves_workers_cold_not_broken(warmed: object, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(folder: Path) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(warmed, "_unit_file", boom)
    assert warmed.warm_up() is False  # type: ignore[attr-defined]


def test_the_warm_up_document_is_written_once_then_taken_from_the_user_cache(
        warmed: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for old in (Path(os.environ["XDG_CACHE_HOME"]) / "lianfang" / "warm-up").glob("*.docx"):
        old.unlink()  # written when the fixture imported pipeline.warm
    (tmp_path / "a").mkdir()
    kept = warmed._unit_file(tmp_path / "a")  # type: ignore[attr-defined]
    assert kept.parent == Path(os.environ["XDG_CACHE_HOME"]) / "lianfang" / "warm-up"
    assert kept.read_bytes() == (tmp_path / "a" / "warm-up.docx").read_bytes()
    calls: list[Path] = []
    monkeypatch.setattr(warmed, "_write_unit", lambda folder: calls.append(folder) or folder / "x.docx")
    assert warmed._unit_file(tmp_path / "b") == kept and not calls  # type: ignore[attr-defined]
    assert warmed.warm_up() is True and not calls  # type: ignore[attr-defined]


def test_without_a_cache_folder_the_warm_up_document_is_written_each_time(
        warmed: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "lianfang").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    (tmp_path / "t").mkdir()
    assert warmed._unit_file(tmp_path / "t") == tmp_path / "t" / "warm-up.docx"  # type: ignore[attr-defined]


_PROBE = """
import sys
from pipeline import batch
from pipeline.workers import Limits, Task, WorkerPool, prestart
from tests.test_warm import probe
if sys.argv[1:] == ["early"]:
    assert prestart(batch._PRELOAD)  # as `lianfang check` does before its own imports
pool = WorkerPool(probe, jobs=1, limits=Limits(timeout=120), initializer=batch.init_worker, initargs=(None,),
                  preload=batch._PRELOAD)
with pool:
    (r,) = list(pool.run([Task(0, (), "probe")]))
print(r.value if r.ok else r.message)
"""


def probe() -> str:
    from pipeline import batch as b

    return "warm" if b._CTX is not None and b._CTX is b._WARM_CTX else "cold"


@pytest.mark.parametrize("when", ["early", "with the pool"])
def test_a_pool_worker_starts_with_the_fork_servers_context(when: str) -> None:
    # a fresh interpreter: the fork server is one per process, and this one's may have started earlier
    root = Path(__file__).resolve().parent.parent
    got = subprocess.run([sys.executable, "-c", _PROBE, *when.split()[:1]], cwd=root, capture_output=True,
                         text=True, timeout=300)
    assert got.returncode == 0, got.stderr[-2000:]
    assert got.stdout.strip().splitlines()[-1] == "warm"


@pytest.mark.parametrize("scheduler,no_cache,cache_exists,expected", [
    (None, True, True, True),        # --no-cache: every file is read
    (None, False, False, True),      # first run: nothing cached yet
    (None, False, True, False),      # a re-run may be answered by the cache without any worker
    ("tcp://h:8786", True, False, False),  # Dask workers are elsewhere
])
def test_check_starts_the_fork_server_early_only_when_workers_will_read(
        tmp_path: Path, scheduler: str | None, no_cache: bool, cache_exists: bool, expected: bool) -> None:
    from pipeline.commands.check import _will_read

    if cache_exists:
        (tmp_path / "out" / ".cache").mkdir(parents=True)
    assert _will_read(scheduler, no_cache, None, str(tmp_path / "out")) is expected
    assert _will_read(scheduler, no_cache, str(tmp_path / "elsewhere"), str(tmp_path / "out")) is (
        expected if no_cache or scheduler else True)  # --cache-dir names another (absent) folder
