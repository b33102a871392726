"""Plan frameworks: level scheme, owner per level, phases, annexes — from plan text and the seeds."""

from __future__ import annotations

import pytest

from pipeline import extract
from pipeline.model import Block, Document, Loc, Source
from pipeline.stages import Context
from tests.conftest import DEV_FILES


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context()


def plan_of(ctx: Context, *paragraphs: str, title: str = "XX局廉政风险防控工作实施方案"):  # type: ignore[no-untyped-def]
    blocks = [Block(index=0, kind="heading", level=1, text=title, loc=Loc(block=0))]
    for p in paragraphs:
        blocks.append(Block(index=len(blocks), kind="paragraph", text=p, loc=Loc(block=len(blocks))))
    doc = extract.run(Document(source=Source(path="plan.docx", sha256="3" * 64), blocks=blocks), ctx)
    assert doc.kind == "plan"
    return doc.plan


SCHEMES = [
    ("按照“高、中、低”三个等级评定廉政风险点。", [("high", "高"), ("medium", "中"), ("low", "低")]),
    ("风险等级的评定,确定为一、二、三级廉政风险。", [("high", "一级"), ("medium", "二级"), ("low", "三级")]),
    ("风险等级分为红、橙、黄、蓝四级。", [("high", "红"), ("medium", "橙"), ("medium", "黄"), ("low", "蓝")]),
    # dev 31: definitions only, with the 级 suffix
    ("对具有财务管理等权力的工作岗位,风险点列为高级;对具有一般性管理职能的工作岗位,风险点列为中级;"
     "对基本不掌握人、财、物管理权的工作岗位,风险点列为低级。",
     [("high", "高级"), ("medium", "中级"), ("low", "低级")]),
    # seed003: 由高到低划分为三级: …的为一级风险; …
    ("将廉政风险由高到低划分为三级:发生腐败可能性大,后果严重的为一级风险;发生腐败可能性较大,后果较严重的为二级风险;"
     "发生腐败可能性较低,后果较轻微的为三级风险。",
     [("high", "一级"), ("medium", "二级"), ("low", "三级")]),
]


@pytest.mark.parametrize("text,expected", SCHEMES)
def test_level_scheme(ctx: Context, text: str, expected: list[tuple[str, str]]) -> None:
    plan = plan_of(ctx, text)
    assert [(d.level, d.name) for d in plan.level_scheme] == expected


def test_level_criteria(ctx: Context) -> None:
    plan = plan_of(ctx, SCHEMES[4][0])
    assert [d.criteria for d in plan.level_scheme] == [
        "发生腐败可能性大,后果严重", "发生腐败可能性较大,后果较严重", "发生腐败可能性较低,后果较轻微"]


OWNERS = [
    # seed000
    ("按照“高、中、低”三个等级评定廉政风险点。对廉政风险实行分级管理、分级负责,高等级风险由单位主要领导管理和负责,"
     "上级党委和纪委予以监督;中等级风险由单位分管领导管理和负责;低等级风险由单位内设部门领导直接管理和负责。",
     {"high": ["principal"], "medium": ["in_charge"], "low": ["section_head"]}),
    # seed001: 一般 is the middle of 高/中/低
    ("按照“高、中、低”三个等级评定廉政风险点。高风险的防控主要领导亲自抓,分管领导具体落实;一般风险防控分管领导亲自抓,"
     "部门负责人具体落实;低风险的防控经办人和责任人具体落实。",
     {"high": ["principal", "in_charge"], "medium": ["in_charge", "section_head"], "low": ["post_holder"]}),
    # seed001 (second scheme): the role after 由 owns, the one managing directly comes second
    ("对廉政风险等级为“一级”的权力行使的监督,在分管领导直接管理的基础上,由单位主要领导负责;对廉政风险等级为“二级”的"
     "权力行使的监督,在部门领导直接管理的基础上,由单位分管领导负责。",
     {"high": ["principal", "in_charge"], "medium": ["in_charge", "section_head"]}),
    # seed002: two levels in one clause; monitoring is not owning
    ("属于高等级风险的,由主要领导负责,属于中等级风险的,根据工作分工,由分管领导负责。"
     "低等级风险由内设机构负责人负责管理,由监察室负责重点监控。",
     {"high": ["principal"], "medium": ["in_charge"], "low": ["section_head"]}),
]


@pytest.mark.parametrize("text,expected", OWNERS)
def test_owner_by_level(ctx: Context, text: str, expected: dict[str, list[str]]) -> None:
    plan = plan_of(ctx, text)
    assert plan.owner_by_level == expected
    assert set(plan.owner_by_level_raw) == set(expected)


PHASES = [
    ("(一)动员部署阶段(2012年6月中旬至月底)", ("动员部署阶段", "2012-06", "2012-06")),
    ("(二)组织实施阶段(2012年6月下旬-11月)。综合运用各种手段,查找廉政风险点。", ("组织实施阶段", "2012-06", "2012-11")),
    ("第一阶段:统一思想认识(2023年2月20日至2月28日)", ("统一思想认识", "2023-02-20", "2023-02-28")),
    ("(一)动员部署(2012年8-9月)", ("动员部署", "2012-08", "2012-09")),
]


@pytest.mark.parametrize("text,expected", PHASES)
def test_phases(ctx: Context, text: str, expected: tuple[str, str, str]) -> None:
    (phase,) = plan_of(ctx, text).phases
    assert (phase.name, phase.start, phase.end) == expected


def test_phase_year_from_title(ctx: Context) -> None:
    plan = plan_of(ctx, "(一)制定实施方案和动员部署阶段(2月-3月)", title="沙坪坝街道2011年开展廉政风险防控管理工作方案")
    assert [(p.start, p.end) for p in plan.phases] == [("2011-02", "2011-03")]


def test_annexes(ctx: Context) -> None:
    plan = plan_of(ctx, "认真填写《部门权力清单》(见附件2),经主管领导审定后报送。",
                   "填写《个人岗位风险点自查表》(见附件3)。", "附件1:廉政风险防控工作领导小组名单")
    assert [(a.number, a.title) for a in plan.annexes] == [
        (1, "廉政风险防控工作领导小组名单"), (2, "部门权力清单"), (3, "个人岗位风险点自查表")]


def test_annex_list_over_several_lines(ctx: Context) -> None:
    plan = plan_of(ctx, "附件:1.《岗位廉政风险点自查表》", "2.《部门权力清单》", "3.《廉政风险防控工作自查报告》",
                   "某县住房和城乡建设局")
    assert [(a.number, a.title) for a in plan.annexes] == [
        (1, "岗位廉政风险点自查表"), (2, "部门权力清单"), (3, "廉政风险防控工作自查报告")]


def test_phase_without_dates_is_kept_without_deadline(ctx: Context) -> None:
    plan = plan_of(ctx, "（四）组织实施阶段（5月11日—10月31日）。各科室抓好落实。",
                   "（五）总结考评阶段。各科室对廉政风险防控工作进行全面总结。", "四、方法步骤",
                   title="某局2026年廉政风险防控工作实施方案")
    assert [(p.name, p.start, p.end) for p in plan.phases] == [
        ("组织实施阶段", "2026-05-11", "2026-10-31"), ("总结考评阶段", None, None)]


def test_no_plan_without_framework(ctx: Context) -> None:
    plan = plan_of(ctx, "为进一步加强党风廉政建设,结合我局实际,特制定本方案。")
    assert plan is None


# every seed plan states a level scheme; those that say who owns each level must yield it
SEEDS = [
    ("seed000.docx", ["高", "中", "低"], {"high": ["principal"], "medium": ["in_charge"], "low": ["section_head"]}),
    ("seed001.docx", ["高", "中", "低"], {"high": ["principal", "in_charge"], "medium": ["in_charge", "section_head"],
                                          "low": ["post_holder"]}),
    ("seed002.docx", ["高", "中", "低"], {"high": ["principal"], "medium": ["in_charge"], "low": ["section_head"]}),
    ("seed003.docx", ["一级", "二级", "三级"], {}),
    ("31_qzbm-zhiquan-qingli-zhidu-dengji.txt", ["高级", "中级", "低级"], {}),
]


@pytest.mark.corpus
@pytest.mark.parametrize("name,scheme,owners", SEEDS, ids=[s[0] for s in SEEDS])
def test_seed_plans(corpus_dir, name: str, scheme: list[str], owners: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    from pipeline.api import process_file

    doc = process_file(DEV_FILES / name)
    assert doc.kind == "plan" and doc.plan is not None
    assert [d.name for d in doc.plan.level_scheme] == scheme
    assert [d.level for d in doc.plan.level_scheme] == ["high", "medium", "low"]
    assert doc.plan.owner_by_level == owners


@pytest.mark.corpus
@pytest.mark.parametrize("name,n_phases", [("seed000.docx", 3), ("seed001.docx", 4), ("seed003.docx", 4),
                                           ("35_xiexiebang-shapingba-jiedao-fangan.txt", 1)])
def test_seed_phases(corpus_dir, name: str, n_phases: int) -> None:  # type: ignore[no-untyped-def]
    from pipeline.api import process_file

    plan = process_file(DEV_FILES / name).plan
    assert plan is not None and len(plan.phases) == n_phases
    assert all(p.start and p.end and p.start[:7] <= p.end[:7] for p in plan.phases)
