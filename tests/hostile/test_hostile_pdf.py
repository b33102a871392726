"""Hostile PDFs: loops, locks, damage, page floods, ruling floods and stream bombs."""

from __future__ import annotations

import threading
from pathlib import Path

import generators as gen
import pytest

from pipeline.errors import InputError
from pipeline.guards.pdfguard import (
    PdfReferenceCycle,
    PdfStreamTooLarge,
    check_pdf,
    install_pdfminer_guards,
    ruling_stats,
    too_many_rules,
)
from pipeline.preflight import Limits

CHECK_CASES = [
    # id, builder, expected code (None: accepted) and words in the reason
    ("self-referencing", gen.self_referencing_pdf, "corrupt_pdf", ["loop", "2 → 3 → 2"]),
    ("encrypted", gen.encrypted_pdf, "encrypted", ["password-protected"]),
    ("no-pages", gen.no_pages_pdf, "no_pages", ["no pages"]),
    ("garbage", gen.garbage_pdf, "corrupt_pdf", ["damaged"]),
    ("5000-blank-pages", gen.blank_pages_pdf, "too_many_pages", ["5,000", "2,000", "--max-pages"]),
    ("simple", gen.simple_pdf, None, []),
    ("no-xref-table", gen.broken_xref_pdf, None, []),  # PDFium and pdfminer both rebuild it
]


@pytest.mark.parametrize("case,builder,code,words", CHECK_CASES, ids=[c[0] for c in CHECK_CASES])
def test_check_pdf(write, case: str, builder, code: str | None, words: list[str]) -> None:
    p = write(f"{case}.pdf", builder())
    if code is None:
        assert check_pdf(p).pages == 1
        return
    with pytest.raises(InputError) as ei:
        check_pdf(p)
    assert ei.value.code == code and f"{case}.pdf" in str(ei.value)
    for w in words:
        assert w in ei.value.reason


def test_page_budget_is_a_limit(write) -> None:
    p = write("pages.pdf", gen.pdf_pages([None] * 12))
    assert check_pdf(p, Limits(max_pages=12)).pages == 12
    with pytest.raises(InputError, match="12 pages"):
        check_pdf(p, Limits(max_pages=11))


def _within(seconds: float, fn):
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["v"] = fn()
        except BaseException as e:
            box["e"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds}s"
    return box


@pytest.mark.parametrize("builder", [gen.self_referencing_pdf, gen.self_referencing_length_pdf],
                         ids=["catalog-cycle", "length-cycle"])
def test_pdfminer_cannot_loop_once_guarded(write, builder) -> None:
    import pdfplumber

    install_pdfminer_guards()
    p = write("loop.pdf", builder())

    def read() -> list[str]:
        with pdfplumber.open(p) as pdf:
            return [pg.extract_text() for pg in pdf.pages]

    box = _within(5, read)
    err = box.get("e")
    assert err is not None, "a reference loop was read as if it were fine"
    inner = err.args[0] if err.args and isinstance(err.args[0], BaseException) else err
    assert isinstance(inner, PdfReferenceCycle) and "loop" in str(inner)


def test_stream_inflation_is_bounded(write) -> None:
    import pdfplumber

    p = write("flate.pdf", gen.flate_bomb_pdf(64))
    install_pdfminer_guards(Limits(max_stream_mb=16))
    try:
        with pdfplumber.open(p) as pdf:
            with pytest.raises(BaseException) as ei:
                pdf.pages[0].extract_text()
        chain = [ei.value, *(a for a in ei.value.args if isinstance(a, BaseException))]
        assert any(isinstance(e, PdfStreamTooLarge) for e in chain), ei.value
        assert "16 MB" in str(ei.value)
    finally:
        install_pdfminer_guards(Limits())


@pytest.mark.parametrize("good_checksum", [True, False], ids=["checksum-ok", "checksum-bad"])
def test_streams_within_limit_still_read(write, good_checksum: bool) -> None:
    """A bad checksum takes pdfminer's salvage path, quadratic when unguarded (hours for 4 MB)."""
    import pdfplumber

    install_pdfminer_guards()
    p = write("flate.pdf", gen.flate_bomb_pdf(4, good_checksum))

    def read() -> str:
        with pdfplumber.open(p) as pdf:
            return pdf.pages[0].extract_text() or ""

    box = _within(10, read)
    assert box.get("v") == "", box


# -- rulings ------------------------------------------------------------------------------------------

RULING_CASES = [
    ("legit-30x6-table", gen.ruled_table_pdf, False),
    ("200x200-grid-lines", gen.grid_page_pdf, True),
    ("60x60-rect-cells", lambda: gen.pdf_pages([gen.tiny_cells_stream(60, 4.0)], media=(300, 300)), True),
]


@pytest.mark.parametrize("case,builder,flooded", RULING_CASES, ids=[c[0] for c in RULING_CASES])
def test_too_many_rules(write, case: str, builder, flooded: bool) -> None:
    import pdfplumber

    p = write(f"{case}.pdf", builder())
    with pdfplumber.open(p) as pdf:
        page = pdf.pages[0]
        assert too_many_rules(page) is flooded, ruling_stats(page)
        if not flooded:
            assert len(page.find_tables()) == 1  # the legitimate table is still found


@pytest.mark.parametrize("path", gen.dev_files("*.pdf"), ids=lambda p: p.name)
def test_real_pdfs_are_not_flooded(path: Path) -> None:
    import pdfplumber

    assert check_pdf(path).pages >= 1
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[:6]:
            assert not too_many_rules(page), (page.page_number, ruling_stats(page))
            page.close()


# -- through the parser, under hard limits -----------------------------------------------------------------

PARSE_CASES = [
    # name, builder, env, accepted first codes (None: must read with this text), time bound
    ("loop.pdf", gen.self_referencing_pdf, {}, ["corrupt_pdf"], 10),
    ("length-loop.pdf", gen.self_referencing_length_pdf, {}, ["corrupt_pdf"], 10),
    ("kids-loop.pdf", gen.page_tree_cycle_pdf, {}, ["corrupt_pdf", "no_pages"], 10),
    ("locked.pdf", gen.encrypted_pdf, {}, ["encrypted"], 10),
    ("empty-tree.pdf", gen.no_pages_pdf, {}, ["no_pages"], 10),
    ("noise.pdf", gen.garbage_pdf, {}, ["corrupt_pdf"], 10),
    ("offsets.pdf", gen.wrong_offsets_pdf, {}, ["corrupt_pdf", "no_pages"], 10),
    ("pages.pdf", gen.blank_pages_pdf, {}, ["too_many_pages"], 10),
    ("flate.pdf", lambda: gen.flate_bomb_pdf(64), {"LIANFANG_MAX_STREAM_MB": "16"},
     ["too_large", "page_unreadable"], 10),
    ("no-xref.pdf", gen.broken_xref_pdf, {}, None, 10),
]


@pytest.mark.parametrize("name,builder,env,codes,bound", PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_file_on_hostile_pdfs(write, parse_isolated, name: str, builder, env: dict[str, str],
                                    codes: list[str] | None, bound: float) -> None:
    p = write(name, builder())
    out = parse_isolated(p, timeout=bound * 2, mem_mb=700, env=env)
    assert out.seconds < bound, out.describe()
    if codes is None:
        assert out.status in ("ok", "partial") and "broken cross references" in out.text, out.describe()
        return
    assert out.status == "failed", out.describe()
    assert out.codes[0] in codes and name in out.messages[0], out.describe()
    if "flate" in name:
        assert "16 MB" in out.messages[0], out.describe()


def test_ruled_flood_skips_table_finding(write, parse_isolated) -> None:
    p = write("grid.pdf", gen.grid_page_pdf(200))
    out = parse_isolated(p, timeout=30, mem_mb=700)
    assert out.seconds < 10, out.describe()  # pdfplumber's table finder alone takes ~80 s here
    assert out.status == "partial" and "table_finding_skipped" in out.codes, out.describe()
    assert "ruled page" in out.text
    msg = out.messages[out.codes.index("table_finding_skipped")]
    assert "grid.pdf" in msg and "page 1" in msg


@pytest.mark.slow
def test_five_thousand_blank_pages_finish(write, parse_isolated) -> None:
    p = write("blank.pdf", gen.blank_pages_pdf(5000))
    out = parse_isolated(p, timeout=120, mem_mb=1500, env={"LIANFANG_MAX_PAGES": "6000"})
    assert out.seconds < 60, out.describe()
    assert out.status == "failed" and out.pages == 5000, out.describe()
    assert out.codes[-1] in ("no_text", "no_text_layer") and "blank.pdf" in out.messages[-1]
