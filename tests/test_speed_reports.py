"""The unit report's fast paths write what the plain versions wrote.

The HTML page's long tables (coverage matrix, findings) used to be Jinja macros; html.py now writes
them with each distinct text escaped once. Here the macros, exactly as the template had them, render
the same rows with Jinja's autoescape, and the two must agree byte for byte.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from pipeline.model import Document, Finding, Loc, Measure, Risk, Source
from pipeline.report import html
from pipeline.report.view import build_unit_report

# the template's macros before they moved to html.py (the reference: autoescape does every value)
_MACROS = """\
{% macro matrix_rows(rows) %}
{% for x in rows %}
<tr data-row="risk" data-level="{{ x.level }}" data-dept="{{ x.dept }}" data-rules="{{ x.rules }}" \
data-state="{{ x.state }}" class="s-{{ x.row_state }}">
<td class="num" data-key="{{ x.n }}">{{ x.n }}</td>
<td class="dept">{{ x.dept_cell }}</td>
<td class="risk-cell"><strong>{{ x.name }}</strong>{% if x.manifestation %}<div class="small muted">\
{{ x.manifestation }}</div>{% endif %}</td>
<td class="lvl" data-key="{{ x.level_key }}"><span class="lv lv-{{ x.level_class }}">{{ x.level_label }}</span>\
{% if x.level_raw %} <span class="muted small">{{ x.level_raw }}</span>{% endif %}</td>
<td class="ms-cell">{% if x.measures %}<ol class="ms">{% for text, generic, line in x.measures %}\
<li{% if generic %} class="generic"{% endif %}>{{ text }}{% if line is not none %} <span class="dl">\
[{{ line }}]</span>{% endif %}</li>{% endfor %}</ol>{% else %}<span class="err">{{ L.none }}</span>{% endif %}</td>
<td class="resp">{{ x.responsible }}</td>
<td class="state">{{ x.state_label }}</td>
<td class="rules">{{ x.rules }}</td>
<td class="small file" title="{{ x.file }}">{{ x.file_name }}{% if x.where %}<div class="muted">{{ x.where }}\
</div>{% endif %}</td>
</tr>
{% endfor %}
{% endmacro %}
{% macro finding_rows(rows) %}
{% for x in rows %}
<tr data-row="finding" data-level="{{ x.level }}" data-dept="{{ x.dept }}" data-rules="{{ x.rule }}">
<td class="sev sev-{{ x.severity }}">{{ x.severity_label }}</td><td>{{ x.message }}</td>\
<td class="small file">{{ x.file }}</td>
<td class="num">{{ x.page }}</td><td class="num">{{ x.table }}</td>
<td class="num">{{ x.row }}</td><td class="num">{{ x.col }}</td>
</tr>
{% endfor %}
{% endmacro %}
"""


@cache
def _template(call: str) -> Any:
    env = html.environment()  # the report's own settings: autoescape, trim_blocks, lstrip_blocks
    return env.from_string(_MACROS + "{{ " + call + " }}")


def _reference(call: str, **ctx: Any) -> str:
    return _template(call).render(**ctx)


# text that HTML must escape, braces (for str.format), quotes, CJK, blanks
_TEXT = st.text(st.sampled_from(list("&<>'\"{}[]# a1\n风险点科室—")), max_size=12)
_OPT = st.one_of(st.none(), _TEXT)


@st.composite
def _matrix_rows(draw: Any) -> list[html._MatrixRow]:
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        measures = draw(st.lists(st.tuples(_TEXT, st.one_of(st.booleans(), st.none()), _OPT), max_size=3))
        rows.append(html._MatrixRow(*(draw(_TEXT) for _ in range(13)), measures, *(draw(_TEXT) for _ in range(5))))
    return rows


@st.composite
def _finding_rows(draw: Any) -> list[html._FindingRow]:
    return [html._FindingRow(*(draw(_TEXT) for _ in range(11))) for _ in range(draw(st.integers(0, 4)))]


@settings(max_examples=300, deadline=None)
@given(_matrix_rows(), _OPT)
def test_matrix_rows_as_the_macro_wrote_them(rows: list[html._MatrixRow], none: str | None) -> None:
    L = {} if none is None else {"none": none}  # a missing label shows as nothing
    got = html._matrix_html(rows, L.get("none", ""), html._escaper())
    assert str(got) == _reference("matrix_rows(rows)", rows=rows, L=L)


@settings(max_examples=300, deadline=None)
@given(_finding_rows())
def test_finding_rows_as_the_macro_wrote_them(rows: list[html._FindingRow]) -> None:
    assert str(html._finding_html(rows, html._escaper())) == _reference("finding_rows(rows)", rows=rows)


@pytest.mark.parametrize("value", ["", "plain 风险", "<b>&amp;'\"", "a&b", "'", '"', 1, 1.0, True, False, None, 0,
                                   escape("<i>"), Loc(page=1)])
def test_escaper_is_markupsafe_escape(value: Any) -> None:
    esc = html._escaper()
    # asked twice (the second answer from the cache), and after equal values of other types
    for v in (value, 1, True, 1.0, value):
        assert esc(v) == str(escape(v)) and type(esc(v)) is str


@settings(max_examples=300, deadline=None)
@given(st.lists(_OPT, max_size=8))
def test_escaper_on_texts(values: list[str | None]) -> None:
    esc = html._escaper()
    assert [esc(v) for v in values + values] == [str(escape(v)) for v in values + values]


def _hostile_docs() -> list[Document]:
    path = "单位/<b>表&'\".docx"
    d = Document(source=Source(path=path), kind="risk_table")
    d.measures = [Measure(id="M1", text="<script>alert(1)</script>", defense_line="prevention", generic=True)]
    d.risks = [Risk(id="R1", name="审批<img src=x>", department="财务&科\"", level="high", level_raw="'一级'",
                    manifestation="<tr>内嵌</tr>", measures=["M1"], responsible=["张<某>"], state="covered",
                    loc=Loc(table=0, row=1)),
               Risk(id="R2", name="报销", state="uncovered", loc=Loc(page=2))]
    d.findings = [Finding(rule="LF101", name="risk-without-measure", severity="error", message="<b>无措施</b>&",
                          hint="补'充", loc=Loc(file=path, table=0, row=2), refs=["R2"])]
    return [d]


def test_hostile_text_reads_back_as_text() -> None:
    r = build_unit_report("k", "单位<x>", _hostile_docs())
    page = html.render_unit(r)
    for raw in ("<script>alert", "<img src=x>", "<tr>内嵌", "<b>无措施", "<某>"):
        assert raw not in page
    tree = lxml.html.fromstring(page)
    risk = [[td.text_content() for td in tr.xpath("td")] for tr in tree.xpath("//tr[@data-row='risk']")]
    assert risk[0][1] == "财务&科\"" and risk[0][2] == "审批<img src=x><tr>内嵌</tr>"
    assert risk[0][4].startswith("<script>alert(1)</script>") and risk[0][5] == "张<某>"
    assert tree.xpath("//tr[@data-row='risk']")[0].get("data-dept") == "财务&科\""
    finding = [td.text_content() for td in tree.xpath("//tr[@data-row='finding']")[0].xpath("td")]
    assert finding[1] == "<b>无措施</b>&" and finding[2] == "单位/<b>表&'\".docx"
