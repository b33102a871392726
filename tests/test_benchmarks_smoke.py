"""Smoke tests of the benchmark harness: the generator at its smallest and the pure functions.

No timing is asserted here: timings belong to ``python -m benchmarks.run``, not to the test suite.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import zipfile
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # benchmarks/ is not an installed package: import it from the checkout
    sys.path.insert(0, str(ROOT))

from benchmarks import floors, generate  # noqa: E402
from benchmarks import run as bench  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _w_texts(docx: Path) -> list[str]:
    """The w:t texts by a regular expression over the raw XML (independent of the floor's lxml walk)."""
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    return [unescape(t) for t in re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)]


@pytest.fixture(scope="module")
def one_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.write_docx(tmp_path_factory.mktemp("gen") / "one.docx", pages=1, seed=3)


def test_docx_is_a_word_package_with_merged_risk_table(one_page: Path) -> None:
    import docx
    from lxml import etree

    d = docx.Document(str(one_page))
    assert len(d.tables) == 1
    table = d.tables[0]
    header = [c.text for c in table.rows[1].cells]
    assert header == [h for h, _ in generate.COLUMNS]
    # the title row spans every column; 科室 and 责任领导 are vertically merged groups
    root = etree.fromstring(zipfile.ZipFile(one_page).read("word/document.xml"))
    spans = [int(e.get(f"{W}val")) for e in root.iter(f"{W}gridSpan")]
    assert spans == [len(generate.COLUMNS)]
    restarts = [e for e in root.iter(f"{W}vMerge") if e.get(f"{W}val") == "restart"]
    assert restarts, "no vertical merge in the risk table"


def test_stated_count_matches_the_table(one_page: Path) -> None:
    """The intro states 共查找风险点N个; the table below has exactly N data rows."""
    import docx

    d = docx.Document(str(one_page))
    intro = " ".join(p.text for p in d.paragraphs)
    m = re.search(r"共查找风险点(\d+)个", intro)
    assert m is not None
    data_rows = len(d.tables[0].rows) - 2  # title row and header row
    assert data_rows == int(m.group(1))


def test_docx_floor_sees_every_text_character(one_page: Path) -> None:
    assert floors.docx_floor(one_page) == sum(len(t) for t in _w_texts(one_page))


def test_docx_generation_is_deterministic(tmp_path: Path) -> None:
    a = generate.write_docx(tmp_path / "a.docx", 1, seed=7).read_bytes()
    b = generate.write_docx(tmp_path / "b.docx", 1, seed=7).read_bytes()
    c = generate.write_docx(tmp_path / "c.docx", 1, seed=8).read_bytes()
    assert a == b and a != c


def test_batch_varies_every_document(tmp_path: Path) -> None:
    files = generate.write_batch(tmp_path / "batch", 4, pages=1, per_unit=2)
    assert len(files) == 4
    assert len({hashlib.sha256(f.read_bytes()).hexdigest() for f in files}) == 4
    assert len({f.parent for f in files}) == 2  # one folder per unit
    for i, f in enumerate(files):
        text = "".join(_w_texts(f))
        assert "@@UNIT@@" not in text
        assert generate.unit_name(i // 2) in text and generate.unit_name(i // 2) in f.parent.name


def test_txt_is_gb18030_with_stated_counts(tmp_path: Path) -> None:
    p = generate.write_txt(tmp_path / "r.txt", pages=1)
    raw = p.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert re.search(r"查找廉政风险点\d+个", text)
    assert len(text) >= generate.TXT_CHARS_PER_PAGE


def test_xlsx_has_merged_department_column(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    p = generate.write_xlsx(tmp_path / "t.xlsx", pages=2)
    ws = load_workbook(p).active
    assert [c.value for c in ws[2]] == [h for h, _ in generate.COLUMNS]
    merged = [str(r) for r in ws.merged_cells.ranges]
    assert any(r.startswith("B") for r in merged), merged


def test_cached_item_replaces_stale_versions(tmp_path: Path) -> None:
    (tmp_path / "docx-1p.oldkey.docx").write_bytes(b"x")
    (tmp_path / "docx-10p.other.docx").write_bytes(b"y")  # another item: kept
    path, hit = generate._cached(tmp_path, "docx-1p", "docx", "newkey")
    assert (path.name, hit) == ("docx-1p.newkey.docx", False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docx-10p.other.docx"]


@pytest.mark.parametrize("before,after,share", [
    ([100, 0, 10, 500, 0, 0, 0, 20], [200, 0, 20, 600, 0, 0, 0, 120], 100 / 310),
    ([1, 0, 0, 1, 0, 0, 0, 0], [1, 0, 0, 1, 0, 0, 0, 0], None),  # no time passed
    (None, [1] * 8, None), ([1] * 4, [2] * 4, None),
])
def test_steal_share(before: list[int] | None, after: list[int] | None, share: float | None) -> None:
    assert bench.steal_share(before, after) == (pytest.approx(share) if share is not None else None)


def test_a_run_with_much_steal_is_noisy() -> None:
    r = {"machine": {"cores": 2, "loadavg_start": [0.5], "loadavg_end": [0.7], "steal": 0.4}}
    assert bench.noisy(r)
    r["machine"]["steal"] = 0.02
    assert not bench.noisy(r)


def test_a_batch_missing_documents_is_built_again(tmp_path: Path) -> None:
    def build() -> dict[str, object]:
        return generate.build_corpus(tmp_path, docx_pages=(), pdf_pages=(), xlsx_pages=(), txt_pages=(),
                                     batches=(4,))["batch-4"]

    first = build()
    folder = Path(str(first["path"]))
    assert first["cached"] is False and build()["cached"] is True
    next(folder.rglob("*.docx")).unlink()  # as an interrupted clean-up leaves it, marker and all
    again = build()
    assert again["cached"] is False and sum(1 for _ in folder.rglob("*.docx")) == 4


# -- the harness's pure functions -------------------------------------------------------------------

@pytest.mark.parametrize("pipeline_s,floor_s,expected", [
    (0.05, 0.01, 5.0), (1.0, 0.8, 1.25), (None, 0.01, None), (0.05, None, None), (0.05, 0.0, None),
])
def test_ratio(pipeline_s: float | None, floor_s: float | None, expected: float | None) -> None:
    got = bench.ratio(pipeline_s, floor_s)
    assert got == pytest.approx(expected) if expected is not None else got is None


T_RATIO = bench.Target("docx_ratio", "x", 5.0, "<=", "×")
T_SCALE = bench.Target("scaling_2_workers", "x", 1.8, ">=", "×")
T_FLAT = bench.Target("rss_flat", "x", True, "==", "")


@pytest.mark.parametrize("target,measured,passed,miss_fragment", [
    (T_RATIO, 4.0, True, None),
    (T_RATIO, 5.0, True, None),
    (T_RATIO, 10.0, False, "2.00× the limit"),
    (T_SCALE, 1.9, True, None),
    (T_SCALE, 0.9, False, "50% of the minimum"),
    (T_FLAT, True, True, None),
    (T_FLAT, False, False, "not flat"),
    (T_RATIO, None, None, "not available"),
])
def test_evaluate(target: bench.Target, measured: float | bool | None, passed: bool | None,
                  miss_fragment: str | None) -> None:
    v = bench.evaluate(target, measured)
    assert v["pass"] is passed
    if miss_fragment is None:
        assert v["miss_by"] is None
    else:
        assert miss_fragment in v["miss_by"]


@pytest.mark.parametrize("speedup,expected", [(2.0, 0.0), (1.0, 1.0), (1.6, 0.25), (0.5, 1.0), (None, None)])
def test_amdahl_serial_fraction(speedup: float | None, expected: float | None) -> None:
    got = bench.amdahl_serial_fraction(speedup)
    assert got == pytest.approx(expected) if expected is not None else got is None


def _samples(worker_mb: list[float], parent_mb: float = 100.0) -> list[bench.Sample]:
    """A fork server (depth 1, 20 MB) and one worker (depth 2) per sample; then the server alone."""
    live = [(i * 0.5, parent_mb + i, [(10, 1, 20.0), (100 + i // 3, 2, w)]) for i, w in enumerate(worker_mb)]
    n = len(worker_mb)
    return live + [(n * 0.5, parent_mb + n + 50, [(10, 1, 20.0)])]


@pytest.mark.parametrize("series,flat", [
    ([150, 160, 155, 170, 150, 165, 158, 162, 151, 160], True),  # recycled workers saw-tooth around a level
    ([150, 180, 210, 240, 270, 300, 330, 360, 390, 420], False),  # a leak
    ([150, 160, 170], None),  # too few samples to say
])
def test_summarise_rss(series: list[float], flat: bool | None) -> None:
    s = bench.summarise_rss(_samples(series), n_docs=1000)
    assert s["flat"] is flat
    assert s["worker_samples"] == len(series)  # the idle fork server at the end is no worker
    assert s["parent_max_mb"] == 100.0 + len(series) + 50
    if flat is not None:
        assert s["worker_max_mb"] == max(series)
        assert s["worker_first_mb"] <= s["worker_max_mb"]
        assert s["parent_growth_mb_per_1000_docs"] > 0


def test_worker_series_without_fork_server() -> None:
    """Workers started directly (spawn) are the depth-1 descendants."""
    samples: list[bench.Sample] = [(0.0, 50.0, [(1, 1, 80.0), (2, 1, 90.0)]), (0.5, 50.0, [])]
    assert bench.worker_series(samples) == [(0.0, 50.0, [80.0, 90.0])]


def test_stage_split_orders_and_shares() -> None:
    split = bench.stage_split({"parse": 0.2, "extract": 0.6, "write": 0.2, "checks": None})
    assert [s for s, _, _ in split] == ["extract", "parse", "write"]  # ties keep the stage order
    assert sum(sh for _, _, sh in split) == pytest.approx(1.0)


def _synthetic_results() -> dict:
    fmt = {"format": "docx", "pages": 10, "bytes": 20480, "repeats": 3, "status": "ok", "errors": [],
           "floor_s": 0.007, "pipeline_s": 0.070, "ratio": 10.0, "cpu_ratio": 9.0,
           "stages": {"parse": 0.02, "segment": 0.0, "extract": 0.04, "link": 0.0, "checks": 0.005, "write": 0.005},
           "docs_per_s": 14.3, "pages_per_s": 143.0, "text_mb_per_s": 0.2}
    return {"mode": "quick", "started": "2024-01-01T00:00:00", "duration_s": 12.0,
            "machine": {"cpu": "Test | CPU", "cores": 2, "loadavg_start": (0.1, 0, 0), "loadavg_end": (0.2, 0, 0),
                        "libraries": {"lxml": "5"}},
            "formats": {"docx-10p": fmt},
            "batch": {"available": True, "n": 200, "method": "m", "jobs1_s": 20.0, "jobs2_s": 12.5,
                      "runs": {"jobs1_s": [20.0], "jobs2_s": [12.5]}, "speedup": 1.6, "docs_per_s_1": 10.0,
                      "docs_per_s_2": 16.0, "serial_fraction": 0.25, "rss": {"available": False, "reason": "r"}},
            "help": {"available": True, "median_s": 0.1, "runs": [0.1], "command": "lianfang --help",
                     "top_imports": [("click", 0.03)]}}


def test_headline_and_markdown() -> None:
    r = _synthetic_results()
    bench.headline(r)
    assert r["docx_ratio"] == 10.0
    assert r["scaling_2_workers"] == 1.6
    assert r["docs_per_s"] == 16.0
    assert r["projection_10k_s"] == pytest.approx(10_000 / 16.0)
    verdicts = {t["key"]: t["pass"] for t in r["targets"]}
    assert verdicts["docx_ratio"] is False and verdicts["help_s"] is True and verdicts["pdf_ratio"] is None
    docx_t = next(t for t in r["targets"] if t["key"] == "docx_ratio")
    assert "extract 40 ms" in docx_t["dominant"]  # the largest stage is named
    md = bench.markdown_report(r)
    assert any(line.startswith("| .docx end to end") and "| MISS |" in line for line in md.splitlines())
    assert "Test \\| CPU" in md  # table cells are escaped
    assert md.count("\n| docx-10p ×3 |") == 1
    text = bench.console_report(r)
    assert "MISS" in text and "PASS" in text


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_descendants_and_rss_sampler() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; x = b'x' * (30 * 2**20); time.sleep(3)"])
    try:
        sampler = bench.RssSampler(os.getpid(), interval=0.2)
        sampler.start()
        import time

        time.sleep(1.0)
        samples = sampler.stop()
        assert (child.pid, 1) in bench.descendants(os.getpid())
        assert samples and max(mb for _, _, procs in samples for pid, _, mb in procs if pid == child.pid) >= 30
    finally:
        child.kill()
        child.wait()


def test_headline_prefers_the_measured_ten_thousand() -> None:
    r = _synthetic_results()
    r["tenk"] = {"available": True, "n": 10_000, "wall_s": 280.0, "docs_per_s": 10_000 / 280.0, "cpu_s": 540.0,
                 "parent_cpu_s": 40.0, "workers_cpu_s": 500.0, "cpu_ms_per_doc": 54.0, "json_written": 10_001}
    bench.headline(r)
    assert r["tenk_measured"] is True and r["projection_10k_s"] == 280.0
    t = next(t for t in r["targets"] if t["key"] == "projection_10k_s")
    assert t["pass"] is True and t["dominant"].startswith("measured")
    assert "280 s wall" in bench.markdown_report(r)
    # with the unit split taken before and after the run, the line reads the run's CPU between them
    split = {"available": True, "units": 20, "ms_per_unit": 107.0, "parts_ms": {"Excel": 27.0, "other": 80.0}}
    r["unit_split"], r["unit_split_after"] = split, {**split, "ms_per_unit": 141.0}
    bench.headline(r)
    t = next(t for t in r["targets"] if t["key"] == "projection_10k_s")
    assert "107 ms of CPU in one process" in t["dominant"]
    assert "took 141 ms each after the run, the run's workers 100 ms per unit" in t["dominant"]
    assert "- the same after the 10,000-document run: 141 ms = Excel 27.0" in bench.markdown_report(r)
    r["tenk"] = {"available": False, "reason": "skipped"}
    bench.headline(r)
    assert r["tenk_measured"] is False and r["projection_10k_s"] == pytest.approx(10_000 / 16.0)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_cpu_sampler_sees_a_busy_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                              "while time.process_time() - t < 0.8: pass\ntime.sleep(2)"])
    try:
        sampler = bench.CpuSampler(os.getpid(), interval=0.2)
        sampler.start()
        import time

        time.sleep(1.6)
        seen = sampler.stop()
        assert seen[child.pid] >= 0.5  # the child's own CPU, read from /proc while it lives
        assert bench.cpu_s(os.getpid()) is not None and bench.cpu_s(2**22 + 7) is None
    finally:
        child.kill()
        child.wait()


def test_warm_up_takes_the_smallest_item_of_each_format() -> None:
    manifest = {
        "docx-1p": {"format": "docx", "pages": 1}, "docx-10p": {"format": "docx", "pages": 10},
        "pdf-10p": {"format": "pdf", "pages": 11}, "pdf-1p": {"format": "pdf", "pages": 1},
        "txt-10p": {"format": "txt", "pages": 10},
    }
    wanted = {"docx-10p": 3, "docx-1p": 3, "pdf-10p": 2, "pdf-1p": 3, "txt-10p": 3, "xlsx-10p": 3}
    assert sorted(bench.warm_up_items(manifest, wanted)) == ["docx-1p", "pdf-1p", "txt-10p"]


@pytest.mark.parametrize("start,end,expected", [(0.5, 1.2, False), (4.7, 1.0, True), (0.3, 2.5, True)])
def test_noisy_run_is_flagged(start: float, end: float, expected: bool) -> None:
    r = _synthetic_results()
    r["machine"].update(loadavg_start=(start, 0, 0), loadavg_end=(end, 0, 0))
    bench.headline(r)
    assert bench.noisy(r) is expected
    assert ("Noisy run" in bench.markdown_report(r)) is expected


@pytest.mark.parametrize("pages", [1, 10])
def test_word_markup_reads_as_the_lean_document(tmp_path: Path, pages: int) -> None:
    """Word's direct formatting (per-run fonts, runs cut by script, revision ids, row and cell
    properties) triples the XML but not the content: both documents read to the same blocks,
    cells, risk points and measures."""
    from pipeline.api import process_file

    word = generate.write_docx(tmp_path / "word.docx", pages, seed=1)
    lean = generate.write_docx(tmp_path / "lean.docx", pages, seed=1, markup="lean")
    w_xml = zipfile.ZipFile(word).read("word/document.xml")
    l_xml = zipfile.ZipFile(lean).read("word/document.xml")
    assert len(w_xml) > 2 * len(l_xml)
    assert "".join(_w_texts(word)) == "".join(_w_texts(lean))
    assert len(_w_texts(word)) > len(_w_texts(lean))  # runs cut where digits meet 汉字

    def content(doc: object) -> object:
        return ([(b.kind, b.text, b.level) for b in doc.blocks],  # type: ignore[attr-defined]
                [[(c.row, c.col, c.row_span, c.col_span, c.text) for c in t.cells] for t in doc.tables()],  # type: ignore[attr-defined]
                [(r.name, r.level) for r in doc.risks],  # type: ignore[attr-defined]
                [m.text for m in doc.measures])  # type: ignore[attr-defined]

    w_doc, l_doc = process_file(word), process_file(lean)
    assert w_doc.risks and w_doc.measures
    assert content(w_doc) == content(l_doc)


def test_unknown_markup_is_refused() -> None:
    with pytest.raises(ValueError, match="markup"):
        generate.document_xml(1, 0, markup="fancy")


@pytest.mark.parametrize(("x", "text"), [(0.0345, "0.035×"), (2.94, "2.9×"), (12.9, "13×"), (42.7, "43×")])
def test_times(x: float, text: str) -> None:
    assert bench._times(x) == text


def test_unit_split_accounts_for_the_unit(tmp_path: Path) -> None:
    """The per-unit CPU split runs the batch's code in process and names its parts; the parts and
    "other" add up to the unit's CPU, and the batch's functions and the collector's settings (a
    worker's, while it runs) are put back afterwards."""
    import gc

    from pipeline import batch

    generate.write_batch(tmp_path / "b", 8, pages=1)
    before = (batch._process, batch._Run.runner, gc.get_threshold(), gc.get_freeze_count())
    got = bench.measure_unit_split(tmp_path / "b", units=2)
    assert (batch._process, batch._Run.runner, gc.get_threshold(), gc.get_freeze_count()) == before
    assert got["available"], got
    parts = got["parts_ms"]
    assert {"read (parse + extract)", "Excel", "checks", "HTML"} <= set(parts)
    assert all(v >= 0 for v in parts.values())
    assert sum(parts.values()) == pytest.approx(got["ms_per_unit"], rel=0.01)


def test_unit_split_needs_enough_units(tmp_path: Path) -> None:
    generate.write_batch(tmp_path / "b", 4, pages=1)
    got = bench.measure_unit_split(tmp_path / "b", units=20)
    assert not got["available"] and "fewer than" in got["reason"]


@pytest.mark.parametrize(("runs", "expected"), [
    ({"jobs1_s": [17.3, 16.5, 12.3], "jobs2_s": [9.7, 7.05, 7.2]}, 12.3 / 7.05),
    ({"jobs1_s": [10.0], "jobs2_s": [5.0]}, 2.0),
    ({"jobs1_s": [], "jobs2_s": [5.0]}, None),
    ({}, None),
])
def test_best_speedup(runs: dict[str, list[float]], expected: float | None) -> None:
    got = bench.best_speedup({"runs": runs})
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(("before", "after", "busy"), [
    # user nice system idle iowait irq softirq steal: idle, iowait and steal are not work
    ([100, 0, 10, 500, 5, 0, 0, 0], [300, 10, 40, 900, 9, 2, 3, 50], 245),
    ([0] * 8, [0] * 8, 0),
    (None, [1] * 8, None),
    ([1, 2, 3], [4, 5, 6], None),
])
def test_busy_seconds(before: list[int] | None, after: list[int] | None, busy: int | None) -> None:
    import os

    got = bench.busy_seconds(before, after)
    assert got == (pytest.approx(busy / os.sysconf("SC_CLK_TCK")) if busy is not None else None)


def test_host_speed_corrects_the_speed_up_by_the_cpu_the_same_work_took() -> None:
    # 2 workers: 12 s instead of 20 s, but the same work took 10 % more CPU with both cores busy
    got = bench.host_speed([20.0, 22.0, 21.0], [12.0, 12.5, 11.0], [20.0, 21.0, 22.0], [23.1, 22.0, 24.0])
    assert got["cpu_ratio"] == pytest.approx(23.1 / 21.0)
    assert got["speedup_host_corrected"] == pytest.approx(21.0 / 12.0 * 23.1 / 21.0)
    assert got["idle_share_2"] == pytest.approx(1 - 23.1 / 24.0)  # median of the three runs' idle shares
    assert bench.host_speed([20.0], [10.0], [], []) == {}


def test_markdown_and_explanation_carry_the_host_correction_and_the_fixed_cost() -> None:
    r = _synthetic_results()
    b = r["batch"]
    b["runs"].update(cpu1_s=[21.0], cpu2_s=[23.1], steal1=[0.0], steal2=[0.02])
    b.update(bench.host_speed([20.0], [12.5], [21.0], [23.1]))
    b["fixed"] = {"available": True, "unit": "0000_单位", "runs_s": [1.3, 1.2, 1.25], "fixed_s": 1.2,
                  "ceiling": 20.0 / (1.2 + 18.8 / 2)}
    bench.headline(r)
    md = bench.markdown_report(r)
    assert "corrected for that, the speed-up is 1.76×" in md
    assert "steal 2% at most" in md
    assert "takes 1.20 s (best of 1.30, 1.20, 1.25)" in md and "caps the speed-up on this batch at 1.89×" in md
    why = bench.explain("scaling_2_workers", r)
    assert "our code's own speed-up is 1.76×" in why and "+10%" in why and "1.89×" in why


def test_fixed_cost_is_unavailable_without_check(tmp_path: Path) -> None:
    assert bench.measure_fixed(tmp_path, False, 10.0)["available"] is False
    assert bench.measure_fixed(tmp_path, True, 10.0) == {"available": False, "reason": f"{tmp_path} has no unit folder"}


def test_lianfang_cmd_prefers_the_script_beside_the_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "lianfang"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(bench.sys, "executable", str(tmp_path / "python3"))
    assert bench.lianfang_cmd() == [str(script)]
    script.chmod(0o644)  # not executable: whatever PATH has, else the module
    assert bench.lianfang_cmd()[0] != str(script)


def test_precompile_leaves_bytecode_for_every_module_of_the_package() -> None:
    import importlib.util

    import pipeline

    got = bench.precompile()
    assert got["done"] is True
    root = Path(pipeline.__file__).resolve().parent
    for src in (root / "warm.py", root / "report" / "summary.py"):
        assert Path(importlib.util.cache_from_source(str(src))).is_file()
