"""The file-system gate: what the walk takes, what preflight refuses, and that nothing blocks."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import generators as gen
import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.preflight import Limits, check_fs, display_name, preflight, text_path, walk_inputs


def _codes(errors: list[InputError]) -> dict[str, str]:
    return {Path(e.path).name: e.code for e in errors}


def _bounded(fn, seconds: float = 5.0):
    """Run ``fn`` in a thread; fail (rather than hang the suite) if it does not return in time."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # re-raised in the test thread
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{fn} blocked for more than {seconds}s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


@pytest.fixture
def good(write):
    return lambda name, folder=None: write(name, gen.simple_docx(["廉政风险防控"]), folder)


# -- special files are refused without being opened --------------------------------------------------

def test_fifo_in_folder_is_refused_without_blocking(tmp_path: Path, good) -> None:
    good("a.docx")
    os.mkfifo(tmp_path / "pipe.docx")
    files, errors = _bounded(lambda: walk_inputs([tmp_path]))
    assert [f.name for f in files] == ["a.docx"]
    assert _codes(errors) == {"pipe.docx": "not_regular"}
    assert "named pipe" in errors[0].reason and "pipe.docx" in str(errors[0])


def test_fifo_named_directly_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "direct.pdf"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as ei:
        _bounded(lambda: preflight(fifo))
    assert ei.value.code == "not_regular" and "direct.pdf" in str(ei.value)


def test_socket_and_device_are_refused(tmp_path: Path) -> None:
    sock_path = tmp_path / "s.docx"
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(sock_path))
        with pytest.raises(InputError) as ei:
            check_fs(sock_path)
        assert ei.value.code == "not_regular" and "socket" in ei.value.reason
    finally:
        s.close()
    with pytest.raises(InputError) as ei:
        check_fs("/dev/null")
    assert ei.value.code == "not_regular" and "character device" in ei.value.reason


def test_directory_named_like_a_file(tmp_path: Path, good) -> None:
    (tmp_path / "folder.docx").mkdir()
    good("inside.docx", tmp_path / "folder.docx")
    with pytest.raises(InputError) as ei:
        preflight(tmp_path / "folder.docx")
    assert ei.value.code == "not_regular" and "directory" in ei.value.reason
    files, errors = walk_inputs([tmp_path])  # walked as the folder it is
    assert [f.name for f in files] == ["inside.docx"] and not errors


# -- symlinks ------------------------------------------------------------------------------------------

def test_symlink_to_file_outside_root_is_refused(tmp_path: Path, good) -> None:
    outside = good("secret.docx", tmp_path / "elsewhere")
    root = tmp_path / "in"
    good("a.docx", root)
    (root / "leak.docx").symlink_to(outside)
    files, errors = walk_inputs([root])
    assert [f.name for f in files] == ["a.docx"]
    assert _codes(errors) == {"leak.docx": "symlink_outside_root"}
    with pytest.raises(InputError) as ei:
        preflight(root / "leak.docx", root)
    assert ei.value.code == "symlink_outside_root"


def test_symlink_inside_root_is_followed_once(tmp_path: Path, good) -> None:
    good("a.docx", tmp_path / "sub")
    (tmp_path / "alias.docx").symlink_to(tmp_path / "sub" / "a.docx")
    files, errors = walk_inputs([tmp_path])
    assert len(files) == 1 and not errors  # the same file twice is read once
    assert preflight(tmp_path / "alias.docx", tmp_path) == "docx"


def test_directory_symlink_loop_terminates(tmp_path: Path, good) -> None:
    good("a.docx", tmp_path / "x" / "y")
    (tmp_path / "x" / "y" / "back").symlink_to(tmp_path / "x")
    (tmp_path / "x" / "self.docx").symlink_to(tmp_path / "x" / "self.docx")  # a link to itself
    files, errors = _bounded(lambda: walk_inputs([tmp_path]))
    assert [f.name for f in files] == ["a.docx"]
    assert sorted(_codes(errors).items()) == [("back", "symlink_loop"), ("self.docx", "symlink_loop")]


def test_directory_symlink_outside_root_is_not_entered(tmp_path: Path, good) -> None:
    good("secret.docx", tmp_path / "elsewhere")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "link").symlink_to(tmp_path / "elsewhere")
    files, errors = walk_inputs([tmp_path / "in"])
    assert files == [] and _codes(errors) == {"link": "symlink_outside_root"}


def test_excluded_output_folder_is_not_read(tmp_path: Path, good) -> None:
    good("a.docx")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "summary.xlsx").write_bytes(b"PK\x05\x06" + bytes(18))
    files, _ = walk_inputs([tmp_path], exclude=[tmp_path / "out"])
    assert [f.name for f in files] == ["a.docx"]


# -- sizes, temp and hidden files -------------------------------------------------------------------------

def test_size_cap_without_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.pdf"
    with open(big, "wb") as f:  # sparse: no disk space used
        f.truncate(201 * 1024 * 1024)
    with pytest.raises(InputError) as ei:
        preflight(big)
    assert ei.value.code == "too_large" and "200 MB" in ei.value.reason and "--max-file-mb" in ei.value.reason
    assert preflight(big, limits=Limits(max_file_mb=300)) in ("unknown", "pdf")  # zeros: no magic


@pytest.mark.parametrize("name,skipped", [
    ("~$风险台账.docx", True), (".hidden.docx", True), ("~WRL0001.tmp", True), ("draft.docx~", True),
    ("风险台账.docx", False), ("a~b.docx", False),
])
def test_hidden_and_temp_files_are_skipped(tmp_path: Path, write, name: str, skipped: bool) -> None:
    write(name, gen.simple_docx(["x"]))
    files, errors = walk_inputs([tmp_path])
    assert (files == []) is skipped and not errors


def test_lock_file_named_directly(write) -> None:
    p = write("~$台账.docx", b"\x05user" + bytes(157))
    with pytest.raises(InputError) as ei:
        preflight(p)
    assert ei.value.code == "lock_file"


def test_empty_and_missing(tmp_path: Path, write) -> None:
    p = write("blank.docx", b"")
    for path, code in ((p, "empty"), (tmp_path / "gone.docx", "not_found")):
        with pytest.raises(InputError) as ei:
            preflight(path)
        assert ei.value.code == code and Path(path).name in str(ei.value)


# -- names ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", gen.HOSTILE_NAMES)
def test_hostile_names_are_walked_and_never_run(tmp_path: Path, write, name: str) -> None:
    p = write(name, gen.simple_docx(["x"]), tmp_path / "in")
    files, errors = walk_inputs([tmp_path / "in"])
    assert files == [p] and not errors
    assert preflight(p, tmp_path / "in") == "docx"
    shown = display_name(p)
    assert "\n" not in shown and "\r" not in shown
    assert not any(tmp_path.rglob("pwned")) and not Path("pwned").exists()


def test_non_utf8_name(tmp_path: Path) -> None:
    raw = gen.non_utf8_name()
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, raw), "wb") as f:
        f.write(gen.simple_docx(["x"]))
    files, errors = walk_inputs([tmp_path])
    assert len(files) == 1 and not errors
    shown = display_name(files[0])
    shown.encode("utf-8")  # printable and encodable: undecodable bytes became \xNN escapes
    assert "\\x" in shown and shown.endswith(".docx")
    assert preflight(files[0], tmp_path) == "docx"


def test_text_path_keeps_newlines_but_not_surrogates() -> None:
    raw = b"/in/" + gen.non_utf8_name()
    # 风险台账 in GBK; its bytes CC A8 happen to be valid UTF-8 (U+0328) and stay as text
    assert text_path(raw) == "/in/\\xb7\\xe7\\xcf\\xd5\u0328\\xd5\\xcb.docx"
    assert text_path(os.fsdecode(raw)) == text_path(raw)  # surrogate-escaped str: same text
    assert text_path("a\nb/风险.docx") == "a\nb/风险.docx"


@pytest.mark.parametrize("raw,shown", [
    ("a\nb.docx", "a\\nb.docx"), ("tab\there.pdf", "tab\\there.pdf"), ("esc\x1b[31m.txt", "esc\\x1b[31m.txt"),
    ("风险台账.docx", "风险台账.docx"), ("rtl\u202egpj.docx", "rtl\\u202egpj.docx"),
])
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


# -- formats from the bytes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,builder,fmt", [
    ("really_pdf.docx", gen.simple_pdf, "pdf"),
    ("really_docx.pdf", lambda: gen.simple_docx(["x"]), "docx"),
    ("really_doc.docx", gen.fake_legacy_doc, "ole2"),
    ("table.xlsx", gen.xlsx_with_doctype, None),  # refused: see test_hostile_archives
    ("notes.txt", gen.gb18030_text, "unknown"),
])
def test_format_is_sniffed_from_bytes(write, name: str, builder, fmt: str | None) -> None:
    p = write(name, builder())
    if fmt is None:
        with pytest.raises(InputError):
            preflight(p)
    else:
        assert preflight(p) == fmt


@pytest.mark.parametrize("builder,code", [
    (gen.encrypted_docx, "encrypted"),
    (gen.encrypted_doc, "encrypted"),
    (lambda: gen.simple_docx(["半截"] * 50)[:700], "corrupt_zip"),
    (lambda: gen.build_ole2({"WordDocument": bytes(600)})[:700], "corrupt_ole"),
])
def test_broken_or_locked_containers(write, builder, code: str) -> None:
    p = write("x.docx", builder())
    with pytest.raises(InputError) as ei:
        preflight(p)
    assert ei.value.code == code and "x.docx" in str(ei.value)


# -- the Limits object -----------------------------------------------------------------------------------------

def test_limits_from_env_and_overrides() -> None:
    lim = Limits.from_env({"LIANFANG_MAX_PAGES": "10", "LIANFANG_MAX_FILE_MB": "1.5"}, timeout_s=9)
    assert (lim.max_pages, lim.max_file_mb, lim.timeout_s, lim.max_members) == (10, 1.5, 9, 2000)
    assert Limits.from_env(lim.to_env()) == lim
    with pytest.raises(ConfigError, match="LIANFANG_MAX_PAGES"):
        Limits.from_env({"LIANFANG_MAX_PAGES": "many"})
    with pytest.raises(ConfigError, match="max_pages"):
        Limits.from_env({}, max_pages=0)


def test_preflight_is_fast_on_the_corpus(corpus_dir: Path) -> None:
    files = sorted((corpus_dir / "dev" / "files").iterdir())
    t0 = time.monotonic()
    kinds = {f.suffix: preflight(f, corpus_dir) for f in files}
    assert time.monotonic() - t0 < 2.0
    assert kinds[".docx"] == "docx" and kinds[".pdf"] == "pdf" and kinds[".xlsx"] == "xlsx"
