"""`lianfang check` over a folder of hostile inputs: the batch finishes, reports each file by
name and reason, writes nothing outside its output folder, runs nothing from document text or
file names, and a run killed half-way leaves no half-written file and resumes."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import generators as gen
import pytest

ROOT = Path(__file__).resolve().parents[2]

FORMULA = "=cmd|' /C calc'!A0"
SECRET = "TOPSECRET-OUTSIDE-THE-INPUT-FOLDER"
RISK_ROWS = [
    ["序号", "风险点", "风险等级", "防控措施", "责任人"],
    ["1", FORMULA, "一级", "<script>window.__pwned=1</script>严格审批", "+SUM(1)"],
    ["2", "＝HYPERLINK(\"http://x.invalid\")", "二级", "@SUM(A1)", "\t-2+3"],
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# (relative name, bytes, expected status, expected first error code)
HOSTILE_FILES = [
    ("hostile/bomb.docx", lambda: gen.zip_bomb_docx(4), "failed", "zip_bomb"),
    ("hostile/laughs.docx", gen.billion_laughs_docx, "failed", "xml_doctype"),
    ("hostile/locked.docx", gen.encrypted_docx, "failed", "encrypted"),
    ("hostile/locked.pdf", gen.encrypted_pdf, "failed", "encrypted"),
    ("hostile/loop.pdf", gen.self_referencing_pdf, "failed", "corrupt_pdf"),
    ("hostile/length-loop.pdf", gen.self_referencing_length_pdf, "failed", "corrupt_pdf"),
    ("hostile/half.docx", lambda: gen.simple_docx([f"半截{i}" for i in range(300)])[:1500], "failed", "corrupt_zip"),
    ("hostile/empty.pdf", lambda: b"", "failed", "empty"),
]


def _tree(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` (outside ``skip``) with its size and mtime, without following links."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        if d == skip or skip in d.parents:
            dirnames[:] = []
            continue
        for n in filenames + dirnames:
            p = d / n
            if p == skip:
                continue
            st = os.lstat(p)
            out[os.fsencode(p).hex()] = (st.st_size, int(st.st_mtime))
    return out


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory: pytest.TempPathFactory, cli):
    base = tmp_path_factory.mktemp("batch")
    inp, out = base / "in", base / "out"
    (inp / "hostile").mkdir(parents=True)
    (inp / "a").mkdir()
    (inp / "b").mkdir()
    (inp / "names").mkdir()
    (base / "outside").mkdir()
    (base / "outside" / "secret.docx").write_bytes(gen.simple_docx([SECRET]))
    (inp / "risk.docx").write_bytes(gen.simple_docx(["某局廉政风险点台账", "<script>window.__pwned=2</script>"],
                                                    RISK_ROWS))
    (inp / "a" / "same.docx").write_bytes(gen.simple_docx(["甲科室"]))
    (inp / "b" / "same.docx").write_bytes(gen.simple_docx(["乙科室"]))
    for name in gen.HOSTILE_NAMES + [FORMULA.replace("/", "_") + ".docx"]:
        (inp / "names" / name).write_bytes(gen.simple_docx(["名字古怪"]))
    with open(os.path.join(os.fsencode(inp / "names"), gen.non_utf8_name()), "wb") as f:
        f.write(gen.simple_docx(["GBK 文件名"]))
    for rel, builder, _, _ in HOSTILE_FILES:
        (inp / rel).write_bytes(builder())
    os.mkfifo(inp / "hostile" / "pipe.docx")
    (inp / "leak.docx").symlink_to(base / "outside" / "secret.docx")
    (inp / "names" / "loop").symlink_to(inp)
    before = _tree(base, out)
    t0 = time.monotonic()
    try:
        proc = cli("check", "in", "--out", "out", "-q", "-j", "2", "--timeout", "60", "--max-memory", "1024",
                       "--format", "json", cwd=base, timeout=150)
    except subprocess.TimeoutExpired:
        pytest.fail("`lianfang check` did not finish within 150 s (a FIFO or a hostile file blocked it)")
    return {"base": base, "in": inp, "out": out, "proc": proc, "before": before,
            "seconds": time.monotonic() - t0}


def _load(out: Path, rel: str) -> dict:
    return json.loads((out / "submissions" / (rel + ".json")).read_bytes())


def test_batch_completes_without_crashing(hostile_batch) -> None:
    proc = hostile_batch["proc"]
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 1), err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    json.loads(proc.stdout)  # --format json is one JSON object


@pytest.mark.parametrize("rel,status,code", [(r, s, c) for r, _, s, c in HOSTILE_FILES],
                         ids=[r for r, *_ in HOSTILE_FILES])
def test_each_hostile_file_is_reported(hostile_batch, rel: str, status: str, code: str) -> None:
    doc = _load(hostile_batch["out"], rel)
    assert doc["status"] == status, doc["errors"]
    assert doc["errors"][0]["code"] == code, doc["errors"]
    assert Path(rel).name in doc["errors"][0]["message"]


def test_the_rest_of_the_batch_is_done(hostile_batch) -> None:
    out = hostile_batch["out"]
    risk = _load(out, "risk.docx")
    assert risk["status"] == "ok" and [r["name"] for r in risk["risks"]][:1] == [FORMULA]
    a, b = _load(out, "a/same.docx"), _load(out, "b/same.docx")
    assert a["source"]["sha256"] != b["source"]["sha256"]  # same names, two folders, two outputs
    for name in gen.HOSTILE_NAMES:
        assert _load(out, "names/" + name)["status"] == "ok", name


def test_every_output_is_complete_json(hostile_batch) -> None:
    subs = list((hostile_batch["out"] / "submissions").rglob("*.json"))
    assert len(subs) >= len(HOSTILE_FILES) + len(gen.HOSTILE_NAMES) + 3
    for p in subs:
        json.loads(p.read_bytes())


def test_non_utf8_name_is_reported_printably(hostile_batch) -> None:
    folder = os.fsencode(hostile_batch["out"] / "submissions" / "names")
    wanted = gen.non_utf8_name() + b".json"
    names = os.listdir(folder)
    match = [n for n in names if n == wanted] or [n for n in names if b"\\x" in n or b"%" in n]
    assert match, names
    doc = json.loads(open(os.path.join(folder, match[0]), "rb").read())
    assert doc["status"] == "ok"
    doc["source"]["path"].encode("utf-8")  # the JSON holds printable text, no lone surrogates


def test_special_files_and_escaping_links_are_refused(hostile_batch) -> None:
    out, base = hostile_batch["out"], hostile_batch["base"]
    fifo = out / "submissions" / "hostile" / "pipe.docx.json"
    if fifo.exists():
        doc = json.loads(fifo.read_bytes())
        assert doc["status"] == "failed" and doc["errors"][0]["code"] == "not_regular"
    leak = out / "submissions" / "leak.docx.json"
    if leak.exists():
        doc = json.loads(leak.read_bytes())
        assert doc["status"] == "failed" and doc["errors"][0]["code"] == "symlink_outside_root"
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".json", ".html", ".md", ".csv"):
            assert SECRET not in p.read_text("utf-8", "replace"), f"{p} publishes a file from outside the input"
    assert not (out / "submissions" / "names" / "loop").exists(), "walked into a directory symlink loop"
    assert base.exists()


def test_nothing_runs_and_nothing_is_written_outside_out(hostile_batch) -> None:
    base = hostile_batch["base"]
    assert not list(base.rglob("pwned")) and not (ROOT / "pwned").exists()
    after = _tree(base, hostile_batch["out"])
    assert after == hostile_batch["before"]


def test_html_is_escaped_with_a_csp(hostile_batch) -> None:
    pages = list(hostile_batch["out"].rglob("*.html"))
    assert pages
    for p in pages:
        html = p.read_text("utf-8")
        assert "Content-Security-Policy" in html and "default-src 'none'" in html, p
        assert "<script>window.__pwned" not in html and "<img src=x onerror" not in html, p
    unit = "".join(p.read_text("utf-8") for p in pages)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in unit


def test_csv_cells_are_neutralised(hostile_batch) -> None:
    files = list(hostile_batch["out"].rglob("*.csv"))
    assert files
    seen = []
    for p in files:
        for row in csv.reader(io.StringIO(p.read_text("utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), (p.name, cell)
                seen.append(cell)
    assert "'" + FORMULA in seen
    assert any(c.startswith("'＝HYPERLINK") for c in seen)


def test_xlsx_cells_are_text_not_formulas(hostile_batch) -> None:
    import openpyxl

    files = list(hostile_batch["out"].rglob("*.xlsx"))
    assert files
    found = False
    for p in files:
        wb = openpyxl.load_workbook(p)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (p.name, c.coordinate, c.value)
                    if isinstance(c.value, str):
                        assert not c.value.startswith(FORMULA_STARTS), (p.name, c.coordinate, c.value)
                        if c.value == "'" + FORMULA:
                            assert c.data_type == "s"
                            found = True
    assert found, "the formula cell did not reach the Excel report"


# -- killed half-way, then resumed ------------------------------------------------------------------------------

@pytest.mark.slow
def test_killed_run_leaves_no_torn_file_and_resumes(tmp_path: Path, cli) -> None:
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for i in range(200):
        rows = [["序号", "风险点", "风险等级", "防控措施"], [str(i), f"第{i}项审批把关不严", "一级", "集体研究"]]
        (inp / f"unit{i:03d}.docx").write_bytes(gen.simple_docx([f"第{i}单位风险点台账"], rows))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "check", "in", "--out", "out", "-q", "-j", "2"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / ".cache").rglob("*.z"))) >= 10:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, mid-way
    proc.wait(30)
    for p in out.rglob("*"):
        if p.is_file() and p.suffix == ".json":
            json.loads(p.read_bytes())  # complete, or not there at all
    done_before = len(list((out / ".cache").rglob("*.z")))
    assert 10 <= done_before < 200
    rerun = cli("check", "in", "--out", "out", "-q", "-j", "2", "--format", "json", cwd=tmp_path, timeout=300)
    assert rerun.returncode in (0, 1), rerun.stderr.decode("utf-8", "replace")[-2000:]
    subs = sorted((out / "submissions").glob("*.json"))
    assert len(subs) == 200
    for p in subs:
        assert json.loads(p.read_bytes())["status"] == "ok"
    summary = json.loads(rerun.stdout)["summary"]
    assert summary["submissions"] == 200
    assert summary["cache_hits"] >= done_before - 2, summary  # resumed, not started over
    assert summary["parsed"] + summary["cache_hits"] == 200
