"""The per-document cache: keys, what is (not) stored, damaged entries, moved files."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from pipeline.cache import Cache, cache_key, cacheable, default_cache_dir, rebase_json
from pipeline.model import Document, Risk, Source


def doc(path: str = "in/a.docx", *codes: str) -> Document:
    d = Document(source=Source(path=path, sha256="ab" * 32, format="docx"), risks=[Risk(id="R1", name="风险")])
    for c in codes:
        d.add_error("parse", c, f"{path}: problem {c}", fatal=True)
    return d


BASE = ("ab" * 32, "0.1.0", "lex1", "prof1")


@pytest.mark.parametrize("changed", [0, 1, 2, 3], ids=["content", "tool", "lexicons", "profile"])
def test_key_depends_on_every_part(changed: int) -> None:
    parts = list(BASE)
    parts[changed] += "x"
    assert cache_key(*parts) != cache_key(*BASE)
    assert cache_key(*BASE) == cache_key(*BASE)  # and on nothing else


def test_round_trip_and_counters(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    k = cache_key(*BASE)
    assert c.get(k, "in/a.docx") is None and c.misses == 1
    assert c.put(k, doc()) and c.stores == 1
    got = c.get(k, "in/a.docx")
    assert got == doc() and c.hits == 1
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("codes,stored", [
    ((), True),
    (("encrypted",), True),      # a fact about the file: the next run would fail the same way
    (("corrupt_zip",), True),
    (("timeout",), False),       # facts about this run or machine: try again next time
    (("memory",), False),
    (("crashed",), False),
    (("converter_missing",), False),
])
def test_what_is_cached(tmp_path: Path, codes: tuple[str, ...], stored: bool) -> None:
    d = doc("in/a.docx", *codes)
    assert cacheable(d) is stored
    assert Cache(tmp_path).put(cache_key(*BASE), d) is stored


def test_disabled_cache_neither_reads_nor_writes(tmp_path: Path) -> None:
    c = Cache(tmp_path, enabled=False)
    assert not c.put(cache_key(*BASE), doc())
    assert c.get(cache_key(*BASE), "in/a.docx") is None and not any(tmp_path.iterdir())


@pytest.mark.parametrize("damage", [b"", b"not zlib", zlib.compress(b"{\"schema_version\": 1")])
def test_damaged_entry_is_a_miss(tmp_path: Path, damage: bytes) -> None:
    c = Cache(tmp_path)
    k = cache_key(*BASE)
    c.put(k, doc())
    next(tmp_path.rglob("*.json.z")).write_bytes(damage)
    assert c.get(k, "in/a.docx") is None and c.misses == 1


def test_same_content_at_another_path(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    k = cache_key(*BASE)
    c.put(k, doc("in/旧\"名.docx", "encrypted"))
    got = c.get(k, "other/新名.docx")
    assert got.source.path == "other/新名.docx"
    assert got.errors[0].message == "other/新名.docx: problem encrypted"  # messages name the file read now


def test_rebase_json_escapes() -> None:
    assert rebase_json('{"p": "a\\\\b"}', "a\\b", "c") == '{"p": "c"}'
    assert rebase_json('{"p": "x"}', "", "y") == '{"p": "x"}'


def test_default_cache_dir(tmp_path: Path, monkeypatch) -> None:
    assert default_cache_dir(tmp_path / "out") == tmp_path / "out" / ".cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir(None) == tmp_path / "xdg" / "lianfang"


# -- the entry layout: a header the batch reads without decoding the document ----------------------------

def test_entry_header_is_read_without_the_body(tmp_path: Path) -> None:
    from pipeline.cache import read_meta

    c = Cache(tmp_path)
    k = cache_key(*BASE)
    d = doc("in/坏.docx", "encrypted")
    c.put(k, d)
    entry = c.entry_path(k)
    body_start = entry.read_bytes().index(b"\n", 5) + 1
    with open(entry, "r+b") as f:  # ruin the compressed document: the header must still be readable
        f.seek(body_start)
        f.write(b"\0" * 8)
    meta = read_meta(entry)
    assert meta == {"path": "in/坏.docx", "status": "failed", "error": "in/坏.docx: problem encrypted"}
    assert c.probe(k) == meta and c.hits == 1
    assert c.get(k, "in/坏.docx") is None  # … while the document itself is a miss


@pytest.mark.parametrize("data", [b"", b"LFC2\n", b"LFC2\n{not json}\n", b"LFC1\n{}\nxx", b"LFC2\n[1]\n" + zlib.compress(b"{}")])
def test_damaged_entries(data: bytes) -> None:
    from pipeline.cache import DamagedEntry, decode_entry

    with pytest.raises(DamagedEntry):
        decode_entry(data)


def test_load_entry_repoints_a_moved_file() -> None:
    from pipeline.cache import doc_meta, encode_entry, load_entry

    d = doc("old/a.docx", "encrypted")
    entry = encode_entry(d.model_dump_json().encode(), doc_meta(d))
    moved = load_entry(entry, "new/a.docx")
    assert moved.source.path == "new/a.docx" and moved.errors[0].message == "new/a.docx: problem encrypted"
    assert load_entry(entry) == d
