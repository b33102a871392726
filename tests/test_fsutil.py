"""Atomic writes: whole file or none, shared mode, no stray temporary files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import fsutil


def test_writes_whole_file_into_a_new_folder_with_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        fsutil.atomic_write_bytes(tmp_path / "a" / "b" / "报告.html", b"x" * 200_000)
    finally:
        os.umask(old)
    target = tmp_path / "a" / "b" / "报告.html"
    assert target.read_bytes() == b"x" * 200_000
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["报告.html"]


def test_replaces_and_skips_a_leftover_temporary_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.json"
    fsutil.atomic_write_text(target, "old")
    nxt = next(fsutil._SEQ) + 1
    stale = tmp_path / f".r.json.{os.getpid()}.{nxt}.tmp"  # as a killed run of this pid could leave
    stale.write_text("stale")
    fsutil.atomic_write_text(target, "新")
    assert target.read_text(encoding="utf-8") == "新" and stale.read_text() == "stale"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([stale.name, "r.json"])


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.json"
    fsutil.atomic_write_text(target, "old")

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "write", full)
    with pytest.raises(OSError):
        fsutil.atomic_write_bytes(target, b"new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_user_cache_dir_follows_xdg_and_makes_the_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fsutil.user_cache_dir() == tmp_path / "lianfang"
    assert fsutil.user_cache_dir("templates") == tmp_path / "lianfang" / "templates"
    assert (tmp_path / "lianfang" / "templates").is_dir()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only folders")
def test_user_cache_dir_is_none_where_it_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    monkeypatch.setenv("XDG_CACHE_HOME", str(ro))
    try:
        assert fsutil.user_cache_dir("templates") is None
    finally:
        ro.chmod(0o700)


def test_user_cache_dir_is_none_when_a_file_is_in_the_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lianfang").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fsutil.user_cache_dir("templates") is None


def test_real_paths_agree_with_realpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.docx").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a")  # a folder symlink on the way
    (tmp_path / "a" / "b" / "g.docx").symlink_to(tmp_path / "a" / "b" / "f.docx")  # a file symlink
    (tmp_path / "a" / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a" / "loop")
    monkeypatch.chdir(tmp_path)
    real = fsutil.RealPaths()
    paths = [tmp_path / "a" / "b" / "f.docx", tmp_path / "link" / "b" / "f.docx", tmp_path / "a" / "b" / "g.docx",
             tmp_path / "a" / "b" / ".." / "b" / "f.docx", tmp_path / "link" / ".." / "a", tmp_path / "a" / "dangling",
             tmp_path / "a" / "loop", Path("link/b/f.docx"), Path("a"), Path("."), Path("/")]
    for _ in range(2):  # the second time from what it kept
        for p in paths:
            assert real(p) == os.path.realpath(p), p
