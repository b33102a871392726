"""CI outputs: JUnit XML, GitHub annotations + job summary, text, JSON, and the exit-code contract."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from test_sarif import sample_docs

from pipeline.batch import result_from_documents
from pipeline.model import Finding, Loc
from pipeline.report import github, junit, render_stdout, text


@pytest.fixture()
def result():
    return result_from_documents(sample_docs(), "unused-out", check=False, write=False)


# -- JUnit ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fail_on,failures,errors", [
    ("error", 1, 1),     # LF101 fails; LF900 is an error; LF103 (warning) and LF109 (info) pass
    ("warning", 2, 1),   # + LF103
    ("info", 3, 1),      # + LF109
    ("never", 0, 0),
])
def test_junit_structure(result, fail_on: str, failures: int, errors: int) -> None:
    root = ET.fromstring(junit.render(result, fail_on=fail_on).encode("utf-8"))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["甲单位/风险 表,1.docx", "甲单位/报告.pdf"]
    assert int(root.get("failures")) == failures and int(root.get("errors")) == errors
    a = suites[0]
    names = [c.get("name").split()[0] for c in a.findall("testcase")]
    assert "LF101" in names and "LF112" in names  # one testcase per rule, passing ones included
    assert int(a.get("tests")) == len(names)
    lf101 = next(c for c in a.findall("testcase") if c.get("name").startswith("LF101"))
    if fail_on != "never":
        fail = lf101.find("failure")
        assert fail is not None and "审批不公" in fail.get("message") and "甲单位/风险 表,1.docx:5:3: LF101" in fail.text
    b_err = suites[1].find("testcase/error")
    assert (b_err is not None) == (fail_on != "never")


def test_junit_strips_control_characters() -> None:
    docs = sample_docs()
    docs[0].findings[0].message = "坏\x00字符\x1b"
    r = result_from_documents(docs, "o", check=False, write=False)
    ET.fromstring(junit.render(r).encode())  # would raise on an invalid XML character


# -- GitHub --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,data,prop", [
    ("100%", "100%25", "100%25"),
    ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
    ("x,y:z", "x,y:z", "x%2Cy%3Az"),
    ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
])
def test_github_escaping(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_github_annotations(result) -> None:
    out = github.render(result).splitlines()
    lf101 = next(ln for ln in out if "title=LF101" in ln)
    assert lf101.startswith("::error file=甲单位/风险 表%2C1.docx,line=5,col=3,title=LF101 risk-without-measure::")
    lf103 = next(ln for ln in out if "title=LF103" in ln)
    assert lf103.startswith("::warning ") and lf103.endswith("::未定级%0A第二行 100%25")
    assert next(ln for ln in out if "title=LF109" in ln).startswith("::notice ")
    assert len(out) == 4


def test_github_cap(result) -> None:
    doc = result.docs[0].doc
    doc.findings = [Finding(rule="LF110", name="duplicate-risk", severity="info", message=f"重复{i}",
                            loc=Loc(file=doc.source.path, row=i), refs=[f"R{i}"]) for i in range(7)]
    out = github.render(result, cap=3).splitlines()
    assert sum(ln.startswith("::notice file=") for ln in out) == 3
    assert out[-1].startswith("::notice title=lianfang::") and "4 info more" in out[-1]


def test_github_job_summary(result, tmp_path, monkeypatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    render_stdout(result, "github")
    text_ = summary.read_text(encoding="utf-8")
    assert text_.startswith("earlier step\n## lianfang check")  # appended, not replaced
    assert "**2** submissions" in text_ and "**1** submissions could not be read" in text_
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert github.append_job_summary(result) is None


# -- text and JSON -------------------------------------------------------------------------------------

def test_text_summary_then_lines(result) -> None:
    out = text.render(result).splitlines()
    assert out[0].startswith("审查完成: 2 份材料, 1 个单位")
    assert any("按规则统计的问题" in ln and "LF101" in ln for ln in out[:6])
    lines = [ln for ln in out if ln.startswith("甲单位/")]
    assert "甲单位/风险 表,1.docx:5:3: LF101 error 风险点“审批不公”无防控措施（表1 第5行）" in lines
    assert "甲单位/风险 表,1.docx:8:1: LF103 warning 未定级 第二行 100%" in lines  # one line per finding
    assert len(lines) == 4


def test_text_cap_and_english(result) -> None:
    result.lang = "en"
    out = text.render(result, cap=2).splitlines()
    assert out[0].startswith("Check finished: 2 submissions, 1 units")
    assert out[-1] == "2 more findings not listed (see the reports)"


def test_json_object(result) -> None:
    obj = json.loads(render_stdout(result, "json"))
    assert obj["summary"]["submissions"] == 2 and obj["summary"]["failed"] == 1
    assert obj["summary"]["by_severity"] == {"error": 2, "warning": 1, "info": 1}
    assert {f["rule"] for f in obj["findings"]} == {"LF101", "LF103", "LF109", "LF900"}
    lf101 = next(f for f in obj["findings"] if f["rule"] == "LF101")
    assert lf101["loc"] == {"file": "甲单位/风险 表,1.docx", "page": 2, "table": 0, "row": 4, "col": 2}
    assert [s["status"] for s in obj["submissions"]] == ["ok", "failed"]


def test_json_streamed_equals_the_object(result) -> None:
    # the findings are written piece by piece (one file at a time): the text is still the one object
    from pipeline.report.jsonout import batch_object

    text_out = render_stdout(result, "json")
    assert json.loads(text_out) == json.loads(json.dumps(batch_object(result)))
    assert text_out.count("\n  {\"rule\": ") == len(batch_object(result)["findings"])  # one finding a line


def test_batch_text_reads_only_what_it_prints(tmp_path, monkeypatch) -> None:
    # a real batch keeps findings in a spool; the text format reads the first files' rows only
    from test_batch import make_submission

    from pipeline.batch import BatchOptions, BatchResult, run_batch

    for n in range(6):
        make_submission(tmp_path / "in" / f"单位{n}" / "表.docx", f"单位{n}", n)
    res = run_batch([tmp_path / "in"], tmp_path / "o", BatchOptions(jobs=2, timeout=120))
    read = []
    real = BatchResult.doc_finding_rows

    def spy(self, d):
        read.append(d.rel)
        return real(self, d)

    monkeypatch.setattr(BatchResult, "doc_finding_rows", spy)
    per_file = res.docs[0].info.findings
    cap = sum(per_file.values())  # exactly the first file's findings
    out = text.render(res, cap=cap).splitlines()
    assert read == [min(d.rel for d in res.docs)]
    assert out[-1].startswith("其余 ") and str(res.finding_count() - cap) in out[-1]
    rows = [ln for ln in out if ".docx:" in ln]
    assert len(rows) == cap and all(ln.startswith(read[0] + ":") for ln in rows)
    assert rows == [f"{r.file}:{r.line}:{r.column}: {r.rule} {r.severity} {' '.join(r.message.split())}"
                    for r in res.finding_rows()[:cap]]


# -- exit codes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("severities,fail_on,code", [
    ([], "error", 0),
    (["warning"], "error", 0),
    (["warning"], "warning", 1),
    (["info"], "warning", 0),
    (["info"], "info", 1),
    (["error", "info"], "never", 0),
    (["error"], "error", 1),
])
def test_exit_code(result, severities: list[str], fail_on: str, code: int) -> None:
    for d in result.docs:
        d.doc.findings = []
    result.docs[0].doc.findings = [Finding(rule="LF101", severity=s, message="m") for s in severities]
    assert result.exit_code(fail_on) == code
    result.aborted = True  # --fail-fast stopped the run: always 2
    assert result.exit_code(fail_on) == 2


_LINE_CASES = [
    ["LF101", "风险点“公车私用”没有防控措施", "error", 3, None, 1.5, True, ["r1", "r2"]],
    {"rule": "LF1", "loc": {"file": "单位/表.docx", "page": 2, "span": (0, 4)}, "refs": [], "none": None},
    "a \"quoted\"\n\t\u0001 line </script>",
    [float("nan"), float("inf"), -0.0, 10**20],
    {},
]


@pytest.mark.parametrize("value", _LINE_CASES)
@pytest.mark.parametrize("accelerated", [True, False])
def test_line_encoder_writes_what_json_dumps_writes(value: object, accelerated: bool,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from json import encoder

    from pipeline.report.jsonout import line_encoder

    if not accelerated:
        monkeypatch.setattr(encoder, "c_make_encoder", None)
    enc = line_encoder()
    assert enc(value) == json.dumps(value, ensure_ascii=False)
    assert enc(value) == enc(value)  # nothing kept from one call to the next


def test_line_encoder_refuses_what_json_refuses() -> None:
    from pipeline.report.jsonout import line_encoder

    with pytest.raises(TypeError, match="not JSON serializable"):
        line_encoder()([object()])
