"""The HTML report in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

Checks what only a browser can: the page renders, our inline script runs under the CSP while
planted ones (in the document text and in a file name) do not and show as text, the level filter
hides rows, and the graph picture is visible. Skipped when Chromium or Playwright is missing.
Set ``LIANFANG_SCREENSHOT=path.png`` to keep the screenshot (docs/screenshot-report.png is made so).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.model import Document, Finding, Loc, Measure, Risk, Source
from pipeline.report import html
from pipeline.report.view import build_unit_report

CHROMIUM = os.environ.get("LIANFANG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PLANT = "<script>window.__pwned=1;document.title='pwned'</script>"
IMG_PLANT = "<img src=x onerror=\"window.__pwned=2\">"

pytestmark = pytest.mark.browser


def _docs() -> list[Document]:
    """A unit's risk table: 2 high, 2 medium, 1 low risk points; one high and one medium lack measures."""
    path = f"某县示范局/{PLANT}风险点自查表.docx"
    d = Document(source=Source(path=path, format="docx"), kind="risk_table", unit="某县示范局", tool_version="0.1.0")
    measures = {
        "M1": ("严格执行“三重一大”集体决策制度，会议纪要存档备查", "prevention"),
        "M2": ("大额资金支付实行分管领导、主要领导双签", "monitoring"),
        "M3": ("项目招标全过程在公共资源交易平台进行", "prevention"),
        "M4": ("加强廉政教育，提高思想认识", "prevention"),
        "M5": ("公务用车统一调度并登记出车记录", "monitoring"),
    }
    d.measures = [Measure(id=k, text=t, defense_line=dl, generic=(k == "M4")) for k, (t, dl) in measures.items()]
    rows = [
        ("R1", "办公室", "重大事项决策不民主", "high", ["M1", "M2"], ["局长"], "covered"),
        ("R2", "财务股", f"资金拨付审核不严{PLANT}", "high", [], ["分管副局长"], "uncovered"),
        ("R3", "建管股", "招标文件量身定制", "medium", ["M3"], ["股长"], "covered"),
        ("R4", "人事股", "干部选拔任用把关不严", "medium", ["M4"], [], "owner_missing"),
        ("R5", "办公室", "公车私用", "low", ["M5"], ["股长"], "covered"),
    ]
    d.risks = [Risk(id=i, department=dept, name=name, level=lv, level_raw={"high": "一级", "medium": "二级", "low": "三级"}[lv],
                    measures=ms, responsible=resp, state=st, loc=Loc(table=0, row=n + 1, col=2))
               for n, (i, dept, name, lv, ms, resp, st) in enumerate(rows)]
    d.findings = [
        Finding(rule="LF101", name="risk-without-measure", severity="error", refs=["R2"],
                message=f"风险点“资金拨付审核不严{PLANT}”（表1 第3行）没有防控措施", loc=Loc(file=path, table=0, row=2, col=4)),
        Finding(rule="LF104", name="risk-without-owner", severity="error", refs=["R4"],
                message="风险点“干部选拔任用把关不严”（表1 第5行）没有责任人", loc=Loc(file=path, table=0, row=4, col=5)),
        Finding(rule="LF109", name="single-defense-line", severity="info", refs=["R1"],
                message="高风险点“重大事项决策不民主”的措施只在两道防线", loc=Loc(file=path, table=0, row=1, col=4)),
    ]
    return [d]


def _svg(docs: list[Document]) -> str:
    from pipeline.graph import build_graph, to_svg

    return to_svg(build_graph(docs), title="某县示范局")


@pytest.fixture(scope="module")
def page_url(tmp_path_factory) -> str:
    docs = _docs()
    report = build_unit_report("folder:某县示范局", f"某县示范局{IMG_PLANT}", docs, slug="demo", graph_svg=_svg(docs))
    target = tmp_path_factory.mktemp("report") / "demo.html"
    target.write_text(html.render_unit(report), encoding="utf-8")
    return target.as_uri()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, page_url):
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, java_script_enabled=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(page_url)
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def visible(page, selector: str) -> int:
    return page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent !== null).length")


def test_renders_and_planted_scripts_stay_text(page) -> None:
    assert page.title().startswith("廉政风险防控审查报告")
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.documentElement.classList.contains('js')")  # our script ran under the CSP
    body = page.inner_text("body")
    assert PLANT in body  # shown as text, in the risk name, the message and the file name
    assert IMG_PLANT in page.inner_text("#unit-name")
    assert page.eval_on_selector_all("script", "els => els.length") == 1
    assert not [e for e in page.errors if "Content Security Policy" in e and "inline script" in e]  # type: ignore[attr-defined]


def test_level_filter_hides_rows(page) -> None:
    assert visible(page, "tr[data-row='risk']") == 5
    before_findings = visible(page, "tr[data-row='finding']")
    page.select_option("#filter-level", "high")
    assert visible(page, "tr[data-row='risk']") == 2
    assert page.inner_text("[data-count='risk']") == "2 / 5"
    # findings follow the level of the risk they concern: LF101 (R2) and LF109 (R1) are high, LF104 (R4) is not
    assert before_findings == 3 and visible(page, "tr[data-row='finding']") == 2
    assert not page.is_visible("section[data-group='LF104']")
    page.select_option("#filter-level", "")
    page.select_option("#filter-rule", "LF101")
    assert visible(page, "tr[data-row='risk']") == 1
    page.select_option("#filter-rule", "")
    page.select_option("#filter-dept", "办公室")
    assert visible(page, "tr[data-row='risk']") == 2


def test_sorting_by_level(page) -> None:
    page.click("#matrix-table thead th:nth-child(4)")
    levels = page.eval_on_selector_all("#matrix-table tbody tr", "rs => rs.map(r => r.dataset.level)")
    assert levels == ["high", "high", "medium", "medium", "low"]
    page.click("#matrix-table thead th:nth-child(4)")
    levels = page.eval_on_selector_all("#matrix-table tbody tr", "rs => rs.map(r => r.dataset.level)")
    assert levels[0] == "low"


def test_graph_picture_is_visible(page, tmp_path) -> None:
    img = page.locator("#graph-img")
    img.scroll_into_view_if_needed()
    assert page.evaluate("document.getElementById('graph-img').complete")
    assert page.evaluate("document.getElementById('graph-img').naturalWidth") > 100
    box = img.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50
    page.evaluate("window.scrollTo(0, 0)")
    shot = Path(os.environ.get("LIANFANG_SCREENSHOT") or tmp_path / "report.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_without_javascript_everything_is_shown(browser, page_url) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(page_url)
    assert visible(pg, "tr[data-row='risk']") == 5
    assert not pg.is_visible(".filters")  # controls that cannot work are not offered
    assert pg.is_visible(".nojs")
    context.close()
