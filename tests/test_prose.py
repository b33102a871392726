"""Risks, measures and powers written as running text; plans' general method is not a risk."""

from __future__ import annotations

import pytest

from pipeline import extract, link
from pipeline.model import Block, Document, Loc, Source
from pipeline.normalise import normalise
from pipeline.stages import Context


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context()


def make_doc(*parts: tuple[str, str] | str, name: str = "p.docx") -> Document:
    """Blocks from ``"text"`` (paragraph) or ``("heading", "text")``; raw kept like the parsers do."""
    doc = Document(source=Source(path=name, sha256="1" * 64, format="docx"))
    for p in parts:
        kind, text = p if isinstance(p, tuple) else ("paragraph", p)
        n = normalise(text)
        i = len(doc.blocks)
        doc.blocks.append(Block(index=i, kind=kind, text=n, raw=text if text != n else None,  # type: ignore[arg-type]
                                level=1 if kind == "heading" else None, loc=Loc(block=i)))
    return doc


def run(doc: Document, ctx: Context) -> Document:
    return link.run(extract.run(doc, ctx), ctx)


def measures_of(doc: Document, risk) -> list[str]:  # type: ignore[no-untyped-def]
    by_id = {m.id: m for m in doc.measures}
    return [by_id[m].text for m in risk.measures]


def test_flow_chart_annotations(ctx: Context) -> None:
    """dev 10: chart titles and 风险/风险等级/措施 boxes run together in one paragraph."""
    doc = run(make_doc(
        "XX市水务局廉政风险防控流程图办公室部门固定资产管理廉政风险防控流程图"
        "风险:管理不善,导致国有资产流失风险等级:高措施:各科室严格执行新增、报废等程序管理批准后进行购置"
        "并登记固定资产账风险:超标或违规采购风险等级:一般措施:严格执行制度规定。"
        "办公室部门政府采购管理廉政风险防控流程图由科室填制政府采购申请表办理采购"
        "人事科人员调动廉政风险防控流程图个人写出申请调动报告"), ctx)
    assert [(r.name, r.level_raw, r.level, r.owner) for r in doc.risks] == [
        ("管理不善,导致国有资产流失", "高", "high", "办公室"),
        ("超标或违规采购", "一般", "medium", "办公室"),
    ]
    assert measures_of(doc, doc.risks[0]) == ["各科室严格执行新增、报废等程序管理"]
    assert measures_of(doc, doc.risks[1]) == ["严格执行制度规定。"]
    assert [(p.name, p.subject) for p in doc.powers] == [
        ("固定资产管理", "办公室"), ("政府采购管理", "办公室"), ("人员调动", "人事科")]
    assert doc.unit == "XX市水务局" and doc.kind == "mixed"


@pytest.mark.parametrize("width", [23, 37, 50])
def test_flow_chart_hard_wrapped(ctx: Context, width: int) -> None:
    """The same chart text broken into lines anywhere (a PDF or .txt without paragraph marks)."""
    text = ("XX市水务局廉政风险防控流程图办公室部门固定资产管理廉政风险防控流程图"
            "风险:管理不善,导致国有资产流失风险等级:高措施:各科室严格执行新增、报废等程序管理批准后进行购置"
            "并登记固定资产账风险:超标或违规采购风险等级:一般措施:严格执行制度规定。"
            "人事科人员调动廉政风险防控流程图个人写出申请调动报告")
    doc = run(make_doc(*[text[i:i + width] for i in range(0, len(text), width)]), ctx)
    assert [(r.name, r.level, r.owner) for r in doc.risks] == [
        ("管理不善,导致国有资产流失", "high", "办公室"), ("超标或违规采购", "medium", "办公室")]
    assert [measures_of(doc, r) for r in doc.risks] == [["各科室严格执行新增、报废等程序管理"], ["严格执行制度规定。"]]
    assert [p.name for p in doc.powers] == ["固定资产管理", "人员调动"]


def test_flow_chart_boxes(ctx: Context) -> None:
    """dev 11: risk boxes end in 风险等级, measure boxes in 责任人; they pair in order."""
    raw = ("行政职权廉政风险防控图 行政奖励类 职权名称:对在水利工作中做出突出贡献的单位进行奖励 制定方案 组织推荐 "
           "1.资格审查不严。 2.评审时向评委打招呼。 风险等级:中 因徇私舞弊,多拨、少拨奖金。 风险等级:低 "
           "防控措施 风险点 审核公示 风险点 防控措施 表彰、奖励 办结 1.健全评委库。 2.评委会委员实行随机抽取。 责任人: "
           "1.拨付资金数额由县财政局发文确认。 2.资金开户行提供汇款凭证。 责任人: 行政奖励类")
    doc = run(make_doc(raw, name="b.txt"), ctx)
    assert [(r.name, r.level) for r in doc.risks] == [
        ("1.资格审查不严。 2.评审时向评委打招呼。", "medium"), ("因徇私舞弊,多拨、少拨奖金。", "low")]
    assert measures_of(doc, doc.risks[0]) == ["健全评委库。", "评委会委员实行随机抽取。"]
    assert measures_of(doc, doc.risks[1]) == ["拨付资金数额由县财政局发文确认。", "资金开户行提供汇款凭证。"]
    assert [p.name for p in doc.powers] == ["对在水利工作中做出突出贡献的单位进行奖励"]
    assert all(r.responsible == [] for r in doc.risks)


def test_labelled_paragraphs(ctx: Context) -> None:
    """dev 23: 风险点描述 / 风险防范制度建设 (not measures) / 工作措施 (一是…) / 其他加强措施."""
    doc = run(make_doc(
        ("heading", "二、防范廉政风险内控建设工作内容"),
        ("heading", "1.预算执行局排查风险点"),
        "风险点描述:部分单位未按规定实施竞争性存放。",
        "风险防范制度建设:认真落实已有管理办法和制度,包括《暂行办法》。",
        "风险防范工作措施:一是建立联合监督机制。明确工作责任;二是修订完善管理办法;三是加强业务指导。",
        "落实省厅要求的其他加强措施:严格落实相关人员职务回避制度。特别关注干部职工配偶从业情况,防",
    ), ctx)
    (risk,) = doc.risks
    assert risk.name == "部分单位未按规定实施竞争性存放。" and risk.owner == "预算执行局"
    assert measures_of(doc, risk) == ["建立联合监督机制。明确工作责任", "修订完善管理办法", "加强业务指导。",
                                      "严格落实相关人员职务回避制度。"]


def test_lists_under_risk_and_measure_headings(ctx: Context) -> None:
    doc = run(make_doc(
        ("heading", "(一)风险点"), "1.公车私用", "2.虚报冒领",
        ("heading", "(二)防控措施"), "1.实行派车登记", "2.双人复核",
    ), ctx)
    assert [(r.name, measures_of(doc, r)) for r in doc.risks] == [
        ("公车私用", ["实行派车登记"]), ("虚报冒领", ["双人复核"])]


PLAN_PROSE = [
    "全面查找岗位职责、业务流程、制度机制等方面可能存在的廉政风险。",
    "围绕查找的廉政风险点和确定的风险等级,有针对性地制定防控措施,有效化解廉政风险。",
    "(一)思想道德风险:主要查找理想信念、宗旨意识等方面存在的问题。",
    "廉政风险点是指权力运行流程中可能产生廉政风险的具体环节或岗位。",
    "要重点突出对高等级风险的防控。",
]


@pytest.mark.parametrize("text", PLAN_PROSE)
def test_plan_method_is_not_a_risk(ctx: Context, text: str) -> None:
    doc = run(make_doc(("heading", "三、工作内容"), text), ctx)
    assert doc.risks == [] and doc.measures == []


def test_heading_list_alone_is_not_a_register(ctx: Context) -> None:
    doc = run(make_doc(("heading", "(一)风险点"), "1.思想道德风险", "2.岗位职责风险"), ctx)
    assert doc.risks == []


@pytest.mark.parametrize("text,powers", [
    ("加强对司法权、行政审批权、行政执法权、干部管理权和资金财务管理权等五种重点公共权力的规范制约。",
     ["司法权", "行政审批权", "行政执法权", "干部管理权", "资金财务管理权"]),
    ("共查找出涉及廉政风险点的职权有23种,其中,审判权和执行权位于前列。进一步防止领导权滥用。",
     ["审判权", "执行权"]),
    ("推进决策权、执行权、监督权适度分解,增强对权力配置的科学性。", []),
    ("探索完善分权、示权、控权的有效办法来规范权力行使。", []),
    ("针对具有干部人事权、财物管理权的人员,着重查找岗位风险。", []),  # no talk of powers as such
])
def test_powers_listed_in_a_sentence(ctx: Context, text: str, powers: list[str]) -> None:
    doc = run(make_doc(text), ctx)
    assert [p.name for p in doc.powers] == powers


def test_numbered_labels_and_owner_label(ctx: Context) -> None:
    doc = run(make_doc(
        "岗位名称:出纳",
        "风险点1:挪用公款。防控措施:1.日清月结2.定期盘点",
        "风险点2:收受回扣。风险等级:高",
    ), ctx)
    assert [(r.name, r.owner, r.level) for r in doc.risks] == [("挪用公款。", "出纳", None), ("收受回扣。", "出纳", "high")]
    assert measures_of(doc, doc.risks[0]) == ["日清月结", "定期盘点"]
    assert doc.risks[1].measures == []


def test_post_sections_and_a_label_alone_on_its_line(ctx: Context) -> None:
    """A post-by-post statement: the heading names the post; "防控措施：" alone, items below."""
    doc = run(make_doc(
        ("heading", "二、计划财务科会计岗位"),
        "岗位职责:负责局机关会计核算、预算编制和资金拨付等工作。",
        "风险点:违规拨付项目资金,截留、挪用专项资金。",
        "防控措施:",
        "1.资金拨付严格履行审核程序;",
        "2.会计、出纳岗位分设,相互制约;",
        ("heading", "三、行政审批科窗口受理岗位"),
        "风险点:违规受理不符合条件的申请。",
        "防控措施:1.严格执行一次性告知制度;2.全程网上留痕。",
    ), ctx)
    assert [(r.owner, r.name, measures_of(doc, r)) for r in doc.risks] == [
        ("计划财务科会计岗位", "违规拨付项目资金,截留、挪用专项资金。",
         ["资金拨付严格履行审核程序", "会计、出纳岗位分设,相互制约"]),
        ("行政审批科窗口受理岗位", "违规受理不符合条件的申请。", ["严格执行一次性告知制度", "全程网上留痕。"]),
    ]
    assert doc.kind == "mixed"
