"""Tables → risks, measures, powers: header variants, merged cells, continuations, forms.

Tables are built by hand in the shapes real submissions have; "^" marks a cell merged with the
one above (Word vMerge), "<" one merged with the cell on its left (gridSpan).
"""

from __future__ import annotations

import pytest

from pipeline import extract, link
from pipeline.extract import tables as tables_mod
from pipeline.extract.tables import HeaderIndex, detect_header
from pipeline.model import Block, Cell, Document, Loc, Source, Table
from pipeline.stages import Context


def make_table(rows: list[list[str]], index: int = 0) -> Table:
    cells: list[Cell] = []
    at: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v == "^":
                cell = at[(r - 1, c)]
                if cell.col == c:
                    cell.row_span = max(cell.row_span, r - cell.row + 1)
            elif v == "<":
                cell = at[(r, c - 1)]
                if cell.row == r:
                    cell.col_span = max(cell.col_span, c - cell.col + 1)
            else:
                cell = Cell(row=r, col=c, text=v, loc=Loc(table=index, row=r, col=c))
                cells.append(cell)
            at[(r, c)] = cell
    return Table(index=index, n_rows=len(rows), n_cols=max(len(r) for r in rows), cells=cells)


def make_doc(*parts: str | list[list[str]]) -> Document:
    doc = Document(source=Source(path="t.docx", sha256="0" * 64, format="docx"))
    n_tables = 0
    for p in parts:
        i = len(doc.blocks)
        if isinstance(p, str):
            doc.blocks.append(Block(index=i, kind="paragraph", text=p, loc=Loc(block=i)))
        else:
            t = make_table(p, index=n_tables)
            n_tables += 1
            doc.blocks.append(Block(index=i, kind="table", table=t, loc=Loc(block=i)))
    return doc


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context()


def run(doc: Document, ctx: Context) -> Document:
    return link.run(extract.run(doc, ctx), ctx)


def measures_of(doc: Document, risk) -> list[str]:  # type: ignore[no-untyped-def]
    by_id = {m.id: m for m in doc.measures}
    return [by_id[m].text for m in risk.measures]


# -- header variants ------------------------------------------------------------------------

HEADER_CASES = [
    ("序号", "seq"), ("编号", "seq"),
    ("单位", "unit"), ("科室", "unit"), ("部门", "unit"), ("单位（科室）", "unit"), ("单位/科室", "unit"),
    ("处室", "unit"),
    ("责任主体", "resp_unit"), ("责任科室", "resp_unit"), ("责任部门", "resp_unit"),
    ("岗位", "post"), ("岗位类别", "post"), ("岗位名称", "post"), ("岗位（职权）", "post"), ("岗 位\n类 别", "post"),
    ("职权名称", "power"), ("职权内容", "power"), ("事项名称", "power"), ("主项名称", "power"),
    ("项\n目\n名\n称", "power"), ("权力事项", "power"), ("权力名称", "power"), ("业务事项", "power"),
    ("工作职责", "power"), ("子项名称", "subpower"),
    ("权力类型", "power_type"), ("职权类别", "power_type"), ("类别", "power_type"),
    ("实施依据", "basis"), ("法律依据", "basis"), ("设定依据", "basis"), ("依据", "basis"),
    ("办理主体", "subject"), ("实施主体", "subject"), ("行使主体", "subject"),
    ("风险点", "risk"), ("风险名称", "risk"), ("风险点名称", "risk"), ("廉政风险点", "risk"),
    ("风险内容", "risk"), ("廉政风险主要内容及表现形式", "risk"), ("风险\n名称", "risk"),
    ("风险描述", "manifestation"), ("风险表现形式", "manifestation"), ("表现形式", "manifestation"),
    ("风险情况描述", "manifestation"), ("主要表现", "manifestation"), ("风险点描述", "manifestation"),
    ("风险类别", "category"), ("风险 类别", "category"), ("风险类型", "category"), ("风险种类", "category"),
    ("风险等级", "level"), ("风险\n等级", "level"), ("等级", "level"), ("风险级别", "level"),
    ("建议风险级别", "level"), ("风险级次", "level"), ("风险程度", "level"), ("预警级别", "level"),
    ("防控措施", "measure"), ("防范措施", "measure"), ("防控方法", "measure"), ("防控办法", "measure"),
    ("防控手段", "measure"), ("预防措施", "measure"), ("廉政风险防控措施", "measure"),
    ("责任人", "responsible"), ("责任领导", "responsible"), ("责任\n领导", "responsible"),
    ("主管领导", "responsible"), ("分管领导", "responsible"), ("部门负责人", "responsible"),
    ("部门\n负责人", "responsible"), ("监督责任人", "responsible"), ("防控责任人", "responsible"),
    ("直接责任人", "responsible"),
    ("备注", "remark"), ("监测指标", "remark"), ("监测\n指标", "remark"),
]


@pytest.mark.parametrize("text,label", HEADER_CASES)
def test_header_cell_label(ctx: Context, text: str, label: str) -> None:
    hx = HeaderIndex(ctx.lexicons)
    hit = hx.label(text)
    assert hit is not None and hit[0] == label, (text, hit)


@pytest.mark.parametrize("text", ["1", "加强业务学习,规范业务操作。", "主管税务机关", "设立税务登记", ""])
def test_data_cells_are_not_headers(ctx: Context, text: str) -> None:
    assert HeaderIndex(ctx.lexicons).label(text) is None


def test_header_row_found_below_a_title_row(ctx: Context) -> None:
    t = make_table([
        ["XX局廉政风险点一览表", "<", "<", "<"],
        ["序号", "风险点", "风险等级", "防控措施"],
        ["1", "公车私用", "低", "加强管理"],
    ])
    cmap = detect_header(t, HeaderIndex(ctx.lexicons))
    assert cmap is not None and cmap.header_rows == (1,)
    assert cmap.labels == {0: "seq", 1: "risk", 2: "level", 3: "measure"}


def test_two_row_header_combines_group_and_sub_headers(ctx: Context) -> None:
    doc = make_doc([
        ["序号", "风险点", "风险等级", "防控措施", "<", "<"],
        ["^", "^", "^", "前期预防", "中期监控", "后期处置"],
        ["1", "违规审批", "高", "加强教育", "集体审批", "责任追究"],
    ])
    run(doc, ctx)
    (risk,) = doc.risks
    assert risk.name == "违规审批" and risk.level == "high"
    lines = {m.text: m.defense_line for m in doc.measures}
    assert lines == {"加强教育": "prevention", "集体审批": "monitoring", "责任追究": "disposal"}


def test_level_tick_columns(ctx: Context) -> None:
    doc = make_doc([
        ["序号", "风险点", "风险等级", "<", "<", "防控措施"],
        ["^", "^", "高", "中", "低", "^"],
        ["1", "违规审批", "√", "", "", "集体审批"],
        ["2", "资料审核", "", "", "√", "加强复核"],
    ])
    run(doc, ctx)
    assert [(r.name, r.level_raw, r.level) for r in doc.risks] == [
        ("违规审批", "高", "high"), ("资料审核", "低", "low")]


# -- logical rows ---------------------------------------------------------------------------

def test_vertical_merge_continues_one_risk(ctx: Context) -> None:
    """dev 06: 序号/风险点/等级/措施 merged over three rows whose 风险描述 differ → one risk."""
    doc = make_doc([
        ["序号", "职权名称", "风险类别", "风险点", "风险描述", "风险等级", "责任部门", "防控措施"],
        ["1", "设立税务登记", "岗位职责", "资料审核", "附报资料是否齐全", "低", "主管税务机关", "加强业务学习。"],
        ["2", "^", "业务流程", "违规办理", "1.未处理的。", "高", "主管税务机关", "强化管理和检查。"],
        ["^", "^", "^", "^", "2.违反法定权限的。", "^", "^", "^"],
        ["^", "^", "^", "^", "3.故意拖延查处的。", "^", "^", "^"],
    ])
    run(doc, ctx)
    assert [r.name for r in doc.risks] == ["资料审核", "违规办理"]
    second = doc.risks[1]
    assert second.manifestation == "1.未处理的。\n2.违反法定权限的。\n3.故意拖延查处的。"
    assert second.owner == "主管税务机关" and second.responsible == ["主管税务机关"]
    assert second.category == "business_process" and second.category_raw == "业务流程"
    assert measures_of(doc, second) == ["强化管理和检查。"]
    assert [p.name for p in doc.powers] == ["设立税务登记"]
    assert doc.risks[0].power == doc.risks[1].power == doc.powers[0].id


def test_repeated_values_in_separate_cells_are_separate_risks(ctx: Context) -> None:
    """dev 90: the same risk name in two unmerged rows is two risks."""
    doc = make_doc([
        ["序号", "科室", "风险点", "风险等级", "防控措施", "责任领导"],
        ["1", "审批科", "资料审核", "低", "", "副主任"],
        ["2", "^", "资料审核", "低", "加强业务学习。", "^"],
    ])
    run(doc, ctx)
    assert [r.name for r in doc.risks] == ["资料审核", "资料审核"]
    first, second = doc.risks
    assert first.measures == [] and len(second.measures) == 1  # the empty cell is a real gap
    assert first.owner == second.owner == "审批科"
    assert first.responsible == second.responsible == ["副主任"]
    assert first.responsible_ranks == ["in_charge"]


def test_description_only_row_uses_description_as_name(ctx: Context) -> None:
    doc = make_doc([
        ["序号", "风险点", "风险描述", "防控措施"],
        ["1", "", "未按规定公开招标", "严格招标程序"],
    ])
    run(doc, ctx)
    (risk,) = doc.risks
    assert risk.name == "未按规定公开招标" and risk.manifestation is None


def test_table_without_manifestation_column_names_risk_from_description(ctx: Context) -> None:
    doc = make_doc([["序号", "岗位", "风险描述", "防控措施"], ["1", "会计", "虚报冒领", "1.双人复核2.定期对账"]])
    run(doc, ctx)
    (risk,) = doc.risks
    assert risk.name == "虚报冒领" and risk.owner == "会计"
    assert measures_of(doc, risk) == ["双人复核", "定期对账"]


def test_group_row_names_the_department(ctx: Context) -> None:
    doc = make_doc([
        ["序号", "风险点", "风险等级", "防控措施"],
        ["一、办公室", "<", "<", "<"],
        ["1", "公车私用", "低", "加强管理"],
        ["二", "财务科", "<", "<"],
        ["2", "虚报冒领", "高", "双人复核"],
    ])
    run(doc, ctx)
    assert [(r.name, r.owner) for r in doc.risks] == [("公车私用", "办公室"), ("虚报冒领", "财务科")]


def test_heading_before_table_names_the_owner(ctx: Context) -> None:
    doc = make_doc("一、财务科", [["序号", "风险点", "防控措施"], ["1", "虚报冒领", "双人复核"]])
    run(doc, ctx)
    assert doc.risks[0].owner == "财务科"


def test_title_unit_is_owner_without_owner_column(ctx: Context) -> None:
    """dev 08: no unit column, the title names the company."""
    doc = make_doc("葛洲坝第二工程有限公司廉政风险点及防控措施",
                   [["序号", "风险类别", "风险点", "防控措施", "建议风险级别"],
                    ["1", "三重一大决策", "重大事项决策", "严格执行民主集中制。", "一级风险"]])
    run(doc, ctx)
    (risk,) = doc.risks
    assert risk.owner == "葛洲坝第二工程有限公司" and doc.unit == "葛洲坝第二工程有限公司"
    assert risk.level == "high" and risk.level_raw == "一级风险"
    assert risk.category is None and risk.category_raw == "三重一大决策"
    assert doc.kind == "risk_table"


def test_continuation_table_without_header_reuses_mapping(ctx: Context) -> None:
    doc = make_doc(
        [["序号", "风险点", "风险等级", "防控措施"], ["1", "公车私用", "低", "1.加强管理"]],
        [["", "", "", "2.定期公示"], ["2", "虚报冒领", "高", "双人复核"]],
    )
    run(doc, ctx)
    assert [r.name for r in doc.risks] == ["公车私用", "虚报冒领"]
    assert measures_of(doc, doc.risks[0]) == ["加强管理", "定期公示"]


def test_repeated_header_row_is_skipped(ctx: Context) -> None:
    doc = make_doc([
        ["序号", "风险点", "防控措施"], ["1", "公车私用", "加强管理"],
        ["序号", "风险点", "防控措施"], ["2", "虚报冒领", "双人复核"],
    ])
    run(doc, ctx)
    assert [r.name for r in doc.risks] == ["公车私用", "虚报冒领"]


def test_flattened_table_forward_fills_grouping_columns(ctx: Context) -> None:
    """A source with no merge information: an empty 科室/责任领导 repeats the value above."""
    doc = make_doc([
        ["序号", "科室", "风险点", "防控措施", "责任领导"],
        ["1", "办公室", "公车私用", "加强管理", "李彬"],
        ["2", "", "工程设计", "会审", ""],
    ])
    run(doc, ctx)
    assert [(r.owner, r.responsible) for r in doc.risks] == [("办公室", ["李彬"]), ("办公室", ["李彬"])]


@pytest.mark.parametrize("cell,expected", [
    ("徐千", ["徐千"]), ("徐千、李彬", ["徐千", "李彬"]), ("徐千 李彬", ["徐千", "李彬"]),
    ("科室\n负责人", ["科室负责人"]), ("分管领导/主要领导", ["分管领导", "主要领导"]),
    ("分管领导 主要领导", ["分管领导", "主要领导"]), ("", []),
])
def test_responsible_split(ctx: Context, cell: str, expected: list[str]) -> None:
    from pipeline.extract.owners import Owners

    assert Owners(ctx.lexicons).split(cell) == expected


def test_two_responsible_columns_with_ranks_from_headers(ctx: Context) -> None:
    """dev 01: 部门负责人 徐千 and 责任领导 李彬, names ranked by their column."""
    doc = make_doc([
        ["序号", "单位/科室", "风险\n类别", "风险点", "风险等级", "防控措施", "部门\n负责人", "责任\n领导"],
        ["1", "市重点工程建设管理服务中心", "岗位职责风险", "公车管理", "低", "1.加强教育提醒; 2.制定制度;", "徐千", "李彬"],
    ])
    run(doc, ctx)
    (risk,) = doc.risks
    assert risk.responsible == ["徐千", "李彬"]
    assert risk.responsible_ranks == ["section_head", "in_charge"]
    assert risk.category == "post_duty"
    assert measures_of(doc, risk) == ["加强教育提醒", "制定制度"]


# -- power catalogs and forms ---------------------------------------------------------------

def test_power_catalog(ctx: Context) -> None:
    """dev 16: 事项名称 is the name, 子项名称 (empty here) the content, 权力类型 the type."""
    doc = make_doc("区发展和改革委员会职权目录", [
        ["序号", "权力类型", "事项名称", "子项名称", "备注"],
        ["1", "行政许可", "固定资产投资项目核准", "", ""],
        ["2", "行政处罚", "对违反企业投资项目备案管理规定行为的处罚", "", ""],
    ])
    run(doc, ctx)
    assert [(p.name, p.type) for p in doc.powers] == [
        ("固定资产投资项目核准", "行政许可"), ("对违反企业投资项目备案管理规定行为的处罚", "行政处罚")]
    assert doc.risks == [] and doc.kind == "power_catalog"


def test_key_value_form(ctx: Context) -> None:
    doc = make_doc([
        ["岗位名称", "出纳"],
        ["风险点", "挪用公款"],
        ["风险等级", "高"],
        ["防控措施", "1.日清月结2.定期盘点"],
    ])
    run(doc, ctx)
    (risk,) = doc.risks
    assert (risk.name, risk.level, risk.owner) == ("挪用公款", "high", "出纳")
    assert measures_of(doc, risk) == ["日清月结", "定期盘点"]


def test_placeholder_measure_is_no_measure(ctx: Context) -> None:
    doc = make_doc([["序号", "风险点", "防控措施"], ["1", "公车私用", "无"], ["2", "虚报冒领", "—"]])
    run(doc, ctx)
    assert [r.measures for r in doc.risks] == [[], []]


def test_ids_are_deterministic(ctx: Context) -> None:
    rows = [["序号", "风险点", "防控措施"], ["1", "公车私用", "1.加强管理2.公示"]]
    a, b = run(make_doc(rows), ctx), run(make_doc(rows), ctx)
    assert [r.id for r in a.risks] == [r.id for r in b.risks]
    assert [m.id for m in a.measures] == [m.id for m in b.measures]
    assert all(m.risk == a.risks[0].id for m in a.measures)


def test_provenance(ctx: Context) -> None:
    doc = run(make_doc("标题", [["序号", "风险点", "防控措施"], ["1", "公车私用", "加强管理"]]), ctx)
    risk = doc.risks[0]
    assert (risk.loc.table, risk.loc.row, risk.loc.col) == (0, 1, 1)
    assert risk.why is not None and "headers.yaml#risk" in risk.why.source
    assert doc.measures[0].loc.col == 2


def test_logical_rows_api(ctx: Context) -> None:
    t = make_table([["序号", "风险点", "风险描述"], ["1", "违规办理", "1.未处理的。"], ["^", "^", "2.拖延查处的。"],
                    ["^", "^", "3.未按规定对变更事项进行税款"], ["^", "^", "清算的。"]])
    hx = HeaderIndex(ctx.lexicons)
    rows = tables_mod.read_rows(t, detect_header(t, hx), hx)  # type: ignore[arg-type]
    # items stay apart; a sentence broken over two rows is joined again
    assert [(r.name, r.rows, r.manifestation) for r in rows] == [
        ("违规办理", [1, 2, 3, 4], ["1.未处理的。", "2.拖延查处的。", "3.未按规定对变更事项进行税款清算的。"])]


def test_header_broken_over_two_rows(ctx: Context) -> None:
    """A PDF header "建议风险/级别" on two physical rows, no merge information."""
    doc = make_doc([
        ["序号", "风险点", "防控措施", "建议风险"],
        ["", "", "", "级别"],
        ["1", "重大事项决策", "集体决策", "一级风险"],
    ])
    run(doc, ctx)
    (risk,) = doc.risks
    assert (risk.name, risk.level_raw, risk.level) == ("重大事项决策", "一级风险", "high")


def test_category_group_rows_and_footer(ctx: Context) -> None:
    doc = make_doc("财务科廉政风险点一览表", [
        ["序号", "风险点", "风险等级", "防控措施"],
        ["一、思想道德风险", "<", "<", "<"],
        ["1", "理想信念动摇", "★", "加强学习"],
        ["二、岗位职责风险", "<", "<", "<"],
        ["2", "虚报冒领", "★★★", "双人复核"],
        ["", "填表人:张三", "", ""],
    ])
    run(doc, ctx)
    assert [(r.name, r.owner, r.category, r.level) for r in doc.risks] == [
        ("理想信念动摇", "财务科", "ideology_ethics", "low"), ("虚报冒领", "财务科", "post_duty", "high")]


def test_measure_cell_broken_mid_sentence_is_one_measure(ctx: Context) -> None:
    doc = make_doc([
        ["序号", "风险点", "防控措施"],
        ["1", "公车私用", "1.加强过程管理,每月汇总核对相关信息并公"],
        ["", "", "示,接受各界监督。"],
        ["", "", "2.制定车辆管理制度"],
    ])
    run(doc, ctx)
    assert measures_of(doc, doc.risks[0]) == ["加强过程管理,每月汇总核对相关信息并公示,接受各界监督。", "制定车辆管理制度"]


def test_table_repeated_after_page_break_continues(ctx: Context) -> None:
    """A PDF table broken by a page: the header is printed again, the merged 科室/责任领导 cells
    print empty on the new page, and the first row finishes the last risk's description."""
    doc = make_doc(
        [["序号", "科室", "风险点", "风险表现形式", "防控措施", "责任领导"],
         ["1", "建设科", "质量监督", "发现隐患不督促整改,接受", "加强检查。", "王某(副局长)"]],
        "第1页共2页",
        [["序号", "科室", "风险点", "风险表现形式", "防控措施", "责任领导"],
         ["", "", "", "施工单位宴请", "", ""],
         ["2", "^", "信用评价", "随意加减分值", "双人复核。", "^"]],
    )
    run(doc, ctx)
    assert [(r.name, r.owner, r.manifestation, r.responsible) for r in doc.risks] == [
        ("质量监督", "建设科", "发现隐患不督促整改,接受施工单位宴请", ["王某(副局长)"]),
        ("信用评价", "建设科", "随意加减分值", ["王某(副局长)"]),
    ]
    assert doc.risks[0].responsible_ranks == ["in_charge"]
