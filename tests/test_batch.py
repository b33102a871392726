"""``lianfang check``: the batch runner and the command — outputs, cache, failures, exit codes.

Submissions are generated here: one small risk table made with python-docx, then varied by
rewriting its text in the zip (fast enough for hundreds of files). Each table has four risk points;
the second has no measure, so every generated submission must get exactly one LF101 and one
``uncovered`` risk — expectations that follow from how the documents are built.
"""

from __future__ import annotations

import io
import json
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import batch
from pipeline.batch import BatchOptions, run_batch
from pipeline.commands.check import check

HEADER = ["序号", "岗位", "风险点", "风险等级", "防控措施", "责任人"]
# level → the owner rank 分级负责 expects (so the only content gap is the missing measure)
ROWS = [
    ("财务科", "资金拨付审核不严@N@", "高", "1.实行双人审核制度；2.每月对账并公示；3.发现问题及时追责问责。", "主要领导"),
    ("财务科", "违规发放津补贴@N@", "中", "", "分管领导"),
    ("办公室", "公务接待超标准@N@", "低", "1.严格执行接待标准；2.接待清单按月公示。", "科室负责人"),
    ("办公室", "公车私用@N@", "中", "1.车辆统一调度登记；2.定期检查行车记录。", "分管领导"),
]


@lru_cache(maxsize=4)
def template(rows: tuple = tuple(ROWS)) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("@UNIT@廉政风险点排查及防控措施一览表")
    t = d.add_table(rows=1, cols=len(HEADER))
    for c, h in zip(t.rows[0].cells, HEADER, strict=True):
        c.text = h
    for i, (post, risk, level, measures, owner) in enumerate(rows, 1):
        cells = t.add_row().cells
        for c, v in zip(cells, (str(i), post, risk, level, measures, owner), strict=True):
            c.text = v
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_submission(path: Path, unit: str, n: int, rows: tuple = tuple(ROWS)) -> Path:
    """A copy of the template with this unit's name and number written into its text."""
    src = zipfile.ZipFile(io.BytesIO(template(rows)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.decode("utf-8").replace("@UNIT@", unit).replace("@N@", f"（{n}）").encode("utf-8")
            z.writestr(item, data)
    return path


def corrupt_docx(path: Path) -> Path:
    path.write_bytes(template()[:700])  # a truncated ZIP
    return path


def encrypted_docx(path: Path) -> Path:
    from hostile.generators import encrypted_docx as make

    path.write_bytes(make())
    return path


def opts(**kw) -> BatchOptions:
    kw.setdefault("jobs", 2)
    kw.setdefault("timeout", 120)
    return BatchOptions(**kw)


def _forbid_parsing(monkeypatch) -> None:
    def boom(*a, **k):
        raise AssertionError("a document was parsed although the cache had it")

    monkeypatch.setattr(batch, "_doc_task_args", boom)  # every parse task is made here
    monkeypatch.setattr(batch, "_read_item", boom)  # and every file a folder's task reads itself


# -- the bar: 500 submissions, one corrupt and one encrypted, then a cached re-run ----------------

@pytest.mark.slow
def test_500_submissions_then_cache(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "in"
    for n in range(500):
        unit = f"单位{n // 10:02d}"
        make_submission(src / unit / f"自查表{n % 10}.docx", unit, n)
    bad_zip = corrupt_docx(src / "单位00" / "损坏.docx")
    locked = encrypted_docx(src / "单位01" / "加密.docx")
    out = tmp_path / "out"

    first = run_batch([src], out, opts())
    assert len(first.docs) == 502 and first.parsed == 502 and first.cache_hits == 0
    failed = {Path(d.path).name: d.doc for d in first.failed}
    assert set(failed) == {"损坏.docx", "加密.docx"}
    assert failed["损坏.docx"].errors[0].code == "corrupt_zip" and str(bad_zip) in failed["损坏.docx"].errors[0].message
    assert failed["加密.docx"].errors[0].code == "encrypted" and str(locked) in failed["加密.docx"].errors[0].message
    for doc in failed.values():
        assert [f.rule for f in doc.findings] == ["LF900"]
    ok = [d for d in first.docs if d.doc.status != "failed"]
    assert all(len(d.doc.risks) == 4 for d in ok)
    for d in ok:  # exactly the risk built without a measure is uncovered and gets LF101
        states = [r.state for r in d.doc.risks]
        assert states[1] == "uncovered" and states.count("uncovered") == 1, (d.path, states)
        assert [f.refs for f in d.doc.findings if f.rule == "LF101"] == [[d.doc.risks[1].id]]
    assert len(first.units) == 50
    assert (out / "index.html").is_file() and (out / "summary.xlsx").is_file()
    assert len(list((out / "submissions").rglob("*.json"))) == 502
    assert len(list((out / "units").glob("*.html"))) == 50
    assert not list(out.rglob("*.tmp"))  # atomic writes leave nothing half-done

    _forbid_parsing(monkeypatch)
    second = run_batch([src], out, opts())
    assert second.parsed == 0 and second.cache_hits == 502
    assert [(d.path, d.doc.status, [f.rule for f in d.doc.findings]) for d in second.docs] == \
           [(d.path, d.doc.status, [f.rule for f in d.doc.findings]) for d in first.docs]


# -- smaller, faster cases ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("subs")
    for n in range(4):
        unit = f"单位{n // 2}"
        make_submission(root / unit / f"表{n}.docx", unit, n)
    return root


def test_outputs_and_contract(small_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen = []
    res = run_batch([small_tree], out, opts(progress=lambda *a: seen.append(a)))
    assert [s[0] for s in seen] == [1, 2, 3, 4] and all(s[1] == 4 for s in seen)
    j = json.loads((out / "submissions" / "单位0" / "表0.docx.json").read_text(encoding="utf-8"))
    assert j["schema_version"] == "1" and j["status"] == "ok" and "blocks" not in j
    assert [r["state"] for r in j["risks"]] == ["covered", "uncovered", "covered", "covered"]
    assert any(f["rule"] == "LF101" and f["refs"] == [j["risks"][1]["id"]] for f in j["findings"])
    for u in res.units:
        for fmt in ("html", "md", "xlsx", "csv", "risks_csv"):
            assert (out / u.files[fmt]).is_file(), (u.name, fmt)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="units/%E5%8D%95%E4%BD%8D0.html"' in index  # relative and URL-escaped
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["summary"]["risks"] == 16 and summary["summary"]["covered_pct"] == 75.0
    # the file copies the spooled findings as bytes; the same object made afresh from the documents
    from pipeline.report.jsonout import batch_object

    assert summary["findings"] == batch_object(res)["findings"] and summary["findings"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in (out / "summary.json").read_text(encoding="utf-8"))  # not escaped


def test_second_run_parses_nothing_and_copies_are_rebased(small_tree: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    run_batch([small_tree], out, opts())
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "同一份.docx").write_bytes((small_tree / "单位0" / "表0.docx").read_bytes())
    _forbid_parsing(monkeypatch)
    again = run_batch([small_tree, copy], out, opts())
    assert again.parsed == 0 and again.cache_hits == 5
    moved = next(d for d in again.docs if d.path.endswith("同一份.docx"))
    assert moved.doc.source.path == str(copy / "同一份.docx")  # the cached document follows the file


def test_no_cache_parses_again(small_tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch([small_tree], out, opts())
    res = run_batch([small_tree], out, opts(use_cache=False))
    assert res.parsed == 4 and res.cache_hits == 0


def test_cache_dir_and_changed_file(small_tree: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    make_submission(tree / "a.docx", "甲", 1)
    make_submission(tree / "b.docx", "甲", 2)
    cache = tmp_path / "cache"
    run_batch([tree], tmp_path / "o", opts(cache_dir=cache))
    assert list(cache.rglob("*.json.z"))
    make_submission(tree / "b.docx", "甲", 3)  # changed content: only this one is parsed again
    res = run_batch([tree], tmp_path / "o", opts(cache_dir=cache))
    assert res.parsed == 1 and res.cache_hits == 1


def test_fail_fast_stops_at_first_unreadable(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    tree.mkdir()
    corrupt_docx(tree / "0坏.docx")
    for n in range(3):
        make_submission(tree / f"{n + 1}好.docx", "乙", n)
    res = run_batch([tree], tmp_path / "o", opts(jobs=1, fail_fast=True))
    assert res.aborted and "0坏.docx" in res.abort_reason and res.exit_code("never") == 2
    assert not (tmp_path / "o" / "index.html").exists()  # no reports from a partial batch


# -- the command ---------------------------------------------------------------------------------------

CLEAN = (("财务科", "资金拨付审核不严@N@", "高", "1.实行双人审核制度；2.每月对账并公示；3.发现问题及时追责问责。", "主要领导"),)


def run_cli(*args: str) -> object:
    return CliRunner().invoke(check, [*args, "--jobs", "1", "-q"], catch_exceptions=False)


@pytest.mark.parametrize("case,extra,code", [
    ("gap", [], 1),  # LF101 is an error
    ("gap", ["--fail-on", "never"], 0),
    ("clean", [], 0),
    ("clean", ["--fail-on", "info"], None),  # info findings may exist: 1 exactly when they do
])
def test_cli_exit_codes(tmp_path: Path, case: str, extra: list[str], code: int | None) -> None:
    f = make_submission(tmp_path / "in" / "a.docx", "丙", 1, tuple(ROWS) if case == "gap" else CLEAN)
    r = run_cli(str(f), "--out", str(tmp_path / "o"), "--format", "json", *extra)
    obj = json.loads(r.output)
    if code is None:
        code = 1 if obj["summary"]["by_severity"]["info"] + obj["summary"]["by_severity"]["warning"] else 0
    assert r.exit_code == code, r.output
    if case == "clean":
        assert obj["summary"]["by_severity"]["error"] == 0, obj["findings"]


def test_cli_usage_and_config_errors_exit_2(tmp_path: Path) -> None:
    f = make_submission(tmp_path / "a.docx", "丁", 1)
    assert run_cli(str(tmp_path / "missing.docx")).exit_code == 2  # click: path does not exist
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: profile\nrules:\n  LF101: {severity: fatal}\n", encoding="utf-8")
    r = run_cli(str(f), "--out", str(tmp_path / "o"), "--profile", str(bad))
    assert r.exit_code == 2 and "bad.yaml" in r.output  # a config error, never findings
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli(str(empty), "--out", str(tmp_path / "o"))
    assert r.exit_code == 2 and "no documents found" in r.output


def test_cli_fail_fast_exit_2(tmp_path: Path) -> None:
    corrupt_docx(tmp_path / "坏.docx")
    r = run_cli(str(tmp_path / "坏.docx"), "--out", str(tmp_path / "o"), "--fail-fast")
    assert r.exit_code == 2 and "坏.docx" in r.output
    r = run_cli(str(tmp_path / "坏.docx"), "--out", str(tmp_path / "o2"))  # without: an LF900 finding
    assert r.exit_code == 1 and "LF900" in r.output


@pytest.mark.parametrize("fmt,probe", [
    ("text", lambda s: "LF101" in s and "index.html" in s),
    ("json", lambda s: json.loads(s)["summary"]["submissions"] == 1),
    ("sarif", lambda s: json.loads(s)["version"] == "2.1.0"),
    ("junit", lambda s: s.startswith("<?xml") and "<testsuite " in s),
    ("github", lambda s: s.startswith("::error file=") and "title=LF101" in s),
])
def test_cli_formats_to_file(tmp_path: Path, fmt: str, probe) -> None:
    f = make_submission(tmp_path / "a.docx", "戊", 1)
    target = tmp_path / f"result.{fmt}"
    r = run_cli(str(f), "--out", str(tmp_path / "o"), "--format", fmt, "--output", str(target), "--lang", "en")
    assert r.exit_code == 1 and r.output == ""
    assert probe(target.read_text(encoding="utf-8"))


def test_same_names_from_different_folders_do_not_overwrite(tmp_path: Path) -> None:
    a = make_submission(tmp_path / "甲" / "自查表.docx", "甲", 1)
    b = make_submission(tmp_path / "乙" / "自查表.docx", "乙", 2)
    res = run_batch([a, b], tmp_path / "o", opts())
    assert [d.json_rel for d in res.docs] == ["自查表.docx.json", "自查表.docx-2.json"]
    units = {json.loads((tmp_path / "o" / "submissions" / d.json_rel).read_text(encoding="utf-8"))["source"]["path"]
             for d in res.docs}
    assert units == {str(a), str(b)}


def test_fifo_symlink_and_undecodable_name(tmp_path: Path) -> None:
    import os

    tree = tmp_path / "in"
    make_submission(tree / "好.docx", "己", 1)
    os.mkfifo(tree / "管道.docx")  # opening it would block forever
    outside = make_submission(tmp_path / "外部.docx", "庚", 2)
    (tree / "链接.docx").symlink_to(outside)
    gbk = os.path.join(os.fsencode(tree), "风险表".encode("gbk") + b".docx")
    with open(gbk, "wb") as f:
        f.write((tree / "好.docx").read_bytes())
    res = run_batch([tree], tmp_path / "o", opts())
    by_name = {Path(d.path).name: d.doc for d in res.docs}
    assert by_name["管道.docx"].errors[0].code == "not_regular"
    assert by_name["链接.docx"].errors[0].code == "symlink_outside_root"
    undecodable = next(d for n, d in by_name.items() if "\\x" in n)
    assert undecodable.status == "ok" and len(undecodable.risks) == 4
    assert "\\xb7\\xe7" in undecodable.source.path  # GBK bytes shown, not lost or crashing the JSON
    index = (tmp_path / "o" / "index.html").read_text(encoding="utf-8")
    assert "管道.docx" in index  # the refused file is listed in the overview with its reason


# -- renderings of one submission, counted once (samples/某县住房和城乡建设局) ---------------------------------

def _make_samples():
    import importlib.util
    import sys

    from conftest import SAMPLES

    if "make_samples" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules["make_samples"] = mod  # its dataclasses look their module up
        spec.loader.exec_module(mod)
    return sys.modules["make_samples"]


def test_renderings_count_once_in_unit_and_batch(samples_dir: Path, tmp_path: Path) -> None:
    ms = _make_samples()
    folder = samples_dir / ms.ZJ
    files = sorted(p.name for p in folder.iterdir())
    table = "02_岗位廉政风险点自查表"
    renders = [f for f in files if f.startswith(table)]
    assert len(renders) == 3  # .docx, .pdf, .xlsx of one table
    res = run_batch([folder], tmp_path / "o", opts())
    assert len(res.units) == 1
    f = res.units[0].figures
    # the table's rows (RISKS) once, plus the posts described in prose in 05_岗位职责说明.doc (POSTS_DOC)
    expected = len(ms.RISKS) + len(ms.POSTS_DOC)
    assert (f["files"], f["submissions"]) == (len(files), len(files) - 2)
    assert f["risks"] == expected
    t = res.totals()
    assert (t["files"], t["submissions"], t["risks"]) == (len(files), len(files) - 2, expected)
    by_name = {Path(d.path).name: d for d in res.docs}
    # each rendering is still read and listed in full, and says which file is counted
    for name in renders:
        assert by_name[name].info.risks == len(ms.RISKS), name
    assert [by_name[n].info.rendering_of for n in renders] == [None, by_name[f"{table}.docx"].rel,
                                                              by_name[f"{table}.docx"].rel]
    # findings: each gap of the table once in the headline, though every file's JSON keeps its own
    assert sum(t["by_severity"].values()) < sum(sum(d.info.findings.values()) for d in res.docs)
    docx_lf101 = by_name[f"{table}.docx"].info.rules.get("LF101", 0)
    assert docx_lf101 and t["by_rule"]["LF101"] == docx_lf101
    html_page = (tmp_path / "o" / res.units[0].files["html"]).read_text(encoding="utf-8")
    assert html_page.count('data-row="risk"') == expected
    assert f"{len(files)} 个文件" in html_page


# -- limits from the command line reach the workers -----------------------------------------------------------

@pytest.mark.parametrize("args,env,code", [
    (["--max-pages", "1"], {}, "too_many_pages"),  # pages are counted in the worker, by PDFium
    ([], {"LIANFANG_MAX_PAGES": "1"}, "too_many_pages"),
    (["--max-file-mb", "0.001"], {}, "too_large"),
])
def test_limit_flags_reach_the_workers(samples_dir: Path, tmp_path: Path, monkeypatch, args, env, code) -> None:
    from pipeline.preflight import Limits

    for k in Limits().to_env():  # the command sets these for its workers; put them back afterwards
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    pdf = tmp_path / "in" / "表.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes((samples_dir / _make_samples().ZJ / "02_岗位廉政风险点自查表.pdf").read_bytes())  # 2 pages
    r = run_cli(str(pdf.parent), "--out", str(tmp_path / "o"), "--format", "json", "--no-cache", *args)
    sub = json.loads(r.output)["submissions"][0]
    assert sub["status"] == "failed" and sub["errors"][0]["code"] == code, sub
    assert "表.pdf" in sub["errors"][0]["message"]
    ok = run_cli(str(pdf.parent), "--out", str(tmp_path / "o2"), "--format", "json", "--no-cache", "--max-pages", "5",
                 "--max-file-mb", "5")
    assert json.loads(ok.output)["submissions"][0]["status"] != "failed"


# -- the parent stays lean: no document decoded here, progress in two phases ------------------------------------

def test_parent_decodes_no_document_and_reports_phases(small_tree: Path, tmp_path: Path, monkeypatch) -> None:
    from pipeline.model import Document

    decoded = []
    real = Document.model_validate_json.__func__

    def counting(cls, *a, **k):
        decoded.append(cls.__name__)
        return real(cls, *a, **k)

    monkeypatch.setattr(Document, "model_validate_json", classmethod(counting))
    phases, docs = [], []
    res = run_batch([small_tree], tmp_path / "o", opts(use_cache=False, progress=lambda *a: docs.append(a),
                                                        phase=lambda *a: phases.append(a)))
    assert decoded == []  # parsing, checks and reports all ran in the workers
    assert [d[0] for d in docs] == [1, 2, 3, 4]
    n = len(res.units)  # one folder per unit here
    assert phases[0] == ("report", 0, n) and phases[-2:] == [("summary", 0, 1), ("summary", 1, 1)]
    assert [p for p in phases if p[0] == "report"][-1] == ("report", n, n)
    assert all(d._doc is None for d in res.docs)  # nothing held; d.doc reads the written JSON back
    assert res.docs[0].doc.risks[1].state == "uncovered"


def test_same_unit_names_in_two_folders_get_names_in_input_order(tmp_path: Path) -> None:
    # the second folder finishes first (one file against eight): it must still not take the plain name
    for n in range(8):
        make_submission(tmp_path / "in" / "a" / "甲局" / f"表{n}.docx", "甲局", n)
    make_submission(tmp_path / "in" / "b" / "甲局" / "表.docx", "甲局", 99)
    res = run_batch([tmp_path / "in"], tmp_path / "o", opts())
    assert [(u.key.split("/")[-2], u.slug) for u in res.units] == [("a", res.units[0].slug), ("b", res.units[1].slug)]
    first, second = res.units
    assert second.slug == first.slug + "-2"
    for u in res.units:
        page = (tmp_path / "o" / u.files["html"]).read_text(encoding="utf-8")
        assert page.count('data-row="risk"') == 4 * len(u.docs)
        assert all(d.rel in page for d in u.docs)


def test_settle_names_swaps_files(tmp_path: Path) -> None:
    from pipeline.batch import UnitOutcome, _settle_names

    (tmp_path / "units").mkdir()
    units = []
    for key, slug in (("A", "x-2"), ("B", "x")):  # claimed in completion order: B before A
        files = {}
        for suffix in (".html", ".md"):
            (tmp_path / "units" / f"{slug}{suffix}").write_text(key, encoding="utf-8")
            files[suffix] = f"units/{slug}{suffix}"
        units.append(UnitOutcome(key=key, name="x", slug=slug, docs=[], files=files))
    _settle_names(tmp_path, units)
    assert [u.slug for u in units] == ["x", "x-2"]
    for u in units:
        for rel in u.files.values():
            assert (tmp_path / rel).read_text(encoding="utf-8") == u.key
    assert sorted(p.name for p in (tmp_path / "units").iterdir()) == ["x-2.html", "x-2.md", "x.html", "x.md"]


# -- small folders are read and checked in one task; a failure there falls back to one task per file ------------


def test_unit_files_written_by_workers_are_moved_into_place(small_tree: Path, tmp_path: Path) -> None:
    import os

    out = tmp_path / "out"
    (out / "units").mkdir(parents=True)
    stray = out / "units" / f".staged-{os.getpid()}-99-0.html"  # staged by a task of this run whose result went unused
    other = out / "units" / ".staged-1-0-0.html"  # another run's: not ours to remove
    for p in (stray, other):
        p.write_text("x", encoding="utf-8")
    res = run_batch([small_tree], out, opts())
    assert not stray.exists() and other.exists()
    assert [p.name for p in (out / "units").iterdir() if "staged" in p.name] == [other.name]
    files = {rel for u in res.units for rel in u.files.values()}
    assert len(files) == 2 * 6 and all((out / rel).stat().st_size > 0 for rel in files)
    # the same results again: a file whose bytes come out the same is left as it was, not replaced
    # by an equal copy (a workbook records the second it was written, so it may differ)
    before = {rel: ((out / rel).stat().st_ino, (out / rel).read_bytes()) for rel in files}
    run_batch([small_tree], out, opts(use_cache=False))
    same = [rel for rel in files if (out / rel).read_bytes() == before[rel][1]]
    assert len(same) >= 2 * 5  # all but the workbooks at least
    assert all((out / rel).stat().st_ino == before[rel][0] for rel in same)


def test_folder_task_stages_unit_files_only_when_asked(small_tree: Path, tmp_path: Path) -> None:
    docs = sorted((small_tree / "单位0").glob("*.docx"))
    items = [batch.DocInput(k, "read", "", f"单位0/{p.name}", f"单位0/{p.name}.json", file=str(p))
             for k, p in enumerate(docs)]
    spec = {"docs": items, "lang": "zh", "profile": None, "check": True, "reports": True,
            "write_to": str(tmp_path), "stage_as": "units/.staged-7-3"}
    (unit,) = batch.folder_task(dict(spec, docs=list(items)))["units"]
    assert {fmt: rel for fmt, (_, rel) in unit["outputs"].items()}["html"] == "units/.staged-7-3-0.html"
    assert all((tmp_path / rel).is_file() for _, rel in unit["outputs"].values())
    (unit,) = batch.folder_task(dict(spec, docs=list(items), stage_as=None))["units"]
    assert all(isinstance(data, bytes) for _, data in unit["outputs"].values())

def _inline(monkeypatch) -> None:
    """Run every task in this process, so that a monkeypatched reader is the one used."""
    monkeypatch.setattr(batch._Run, "runner", lambda self, parsing: batch._InlineRunner(self.queue))


def test_small_folder_read_by_its_check_task(small_tree: Path, tmp_path: Path, monkeypatch) -> None:
    _inline(monkeypatch)
    tasks: list[str] = []
    real = batch.work

    def counting(kind: str, *args):
        tasks.append(kind)
        return real(kind, *args)

    monkeypatch.setattr(batch, "work", counting)
    res = run_batch([small_tree], tmp_path / "o", opts())
    assert tasks == ["folder", "folder"]  # two folders of two files: no parse task at all
    assert res.parsed == 4 and res.cache_hits == 0
    assert [d.doc.risks[1].state for d in res.docs] == ["uncovered"] * 4
    again = run_batch([small_tree], tmp_path / "o", opts())  # the entries the folder tasks stored serve
    assert again.parsed == 0 and again.cache_hits == 4



@pytest.mark.parametrize("use_cache,hashed", [(True, 4), (False, 0)])
def test_the_parent_hashes_files_only_to_key_the_cache(small_tree: Path, tmp_path: Path, monkeypatch,
                                                        use_cache: bool, hashed: int) -> None:
    import pipeline.ids

    seen: list[str] = []
    real = pipeline.ids.file_sha256
    monkeypatch.setattr(pipeline.ids, "file_sha256", lambda p: (seen.append(p), real(p))[1])
    res = run_batch([small_tree], tmp_path / "o", opts(use_cache=use_cache))  # workers are other processes
    assert len(seen) == hashed
    assert [d.status for d in res.docs] == ["ok"] * 4 and len(res.units) == 2

def test_failed_combined_task_falls_back_to_one_task_per_file(small_tree: Path, tmp_path: Path, monkeypatch) -> None:
    _inline(monkeypatch)
    real = batch._process
    bad = sorted(small_tree.rglob("*.docx"))[1]

    def process(path: str):
        if Path(path) == bad:
            raise RuntimeError("this file takes its reader down")
        return real(path)

    monkeypatch.setattr(batch, "_process", process)
    tasks: list[str] = []
    real_work = batch.work
    monkeypatch.setattr(batch, "work", lambda kind, *a: (tasks.append(kind), real_work(kind, *a))[1])
    res = run_batch([small_tree], tmp_path / "o", opts(use_cache=False))
    # the first folder's combined task failed: its two files were read one task each, then it was checked
    assert tasks == ["folder", "parse", "parse", "folder", "folder"]
    by_name = {Path(d.path).name: d for d in res.docs}
    assert by_name[bad.name].doc.status == "failed"
    assert by_name[bad.name].doc.errors[0].code == "worker_error"
    assert "takes its reader down" in by_name[bad.name].doc.errors[0].message
    others = [d for n, d in by_name.items() if n != bad.name]
    assert len(others) == 3 and all(d.doc.risks[1].state == "uncovered" for d in others)
    assert len(res.units) == 2 and res.parsed == 4


# -- --unit-reports: which per-unit files are written ------------------------------------------------------

@pytest.mark.parametrize("value,suffixes", [
    ("all", {".html", ".md", ".xlsx", ".findings.csv", ".risks.csv", ".svg"}),
    ("html,csv", {".html", ".findings.csv", ".risks.csv"}),
    ("XLSX", {".xlsx"}),
    ("none", set()),
])
def test_unit_reports_option(small_tree: Path, tmp_path: Path, value: str, suffixes: set[str]) -> None:
    out = tmp_path / "o"
    r = run_cli(str(small_tree), "--out", str(out), "--format", "json", "--unit-reports", value)
    assert r.exit_code in (0, 1), r.output
    written = {p.name.split(".", 1)[1] for p in (out / "units").glob("*")} if (out / "units").is_dir() else set()
    assert {"." + s for s in written} == suffixes
    assert (out / "index.html").is_file() and (out / "summary.xlsx").is_file()  # the batch summary always
    units = json.loads((out / "summary.json").read_text(encoding="utf-8"))["units"]
    assert all(set(u["reports"]) <= {"html", "md", "xlsx", "csv", "risks_csv", "svg"} for u in units)
    assert len(list((out / "submissions").rglob("*.json"))) == 4


@pytest.mark.parametrize("value", ["pdf", "html,docx", ","])
def test_unit_reports_unknown_format_is_a_usage_error(small_tree: Path, tmp_path: Path, value: str) -> None:
    r = CliRunner().invoke(check, [str(small_tree), "--out", str(tmp_path / "o"), "--unit-reports", value, "-q"])
    assert r.exit_code == 2 and "--unit-reports" in r.output
    assert not (tmp_path / "o").exists()


def test_unit_formats_agree() -> None:
    from pipeline.commands import check as cmd

    assert cmd._UNIT_FORMATS == batch.UNIT_FORMATS
