#!/usr/bin/env python3
"""Rebuild the bundled sample submissions under ``samples/``.

Two fictional units, one folder each (a folder is one unit's submission set):

- ``某县住房和城乡建设局/``: plan (.docx with real Word automatic numbering), risk table
  (.docx with vertical merges, the same table as .pdf and .xlsx), power catalog (.docx),
  self-check report (.docx) and a legacy .doc;
- ``某县财政局/``: a 风险点台账 (.xlsx, 一级/二级/三级 scheme, two-row header) and a GB18030 .txt report.

Every unit, person and number is invented. The risk table carries deliberate gaps for the checker;
samples/README.md lists them by rule.

Usage::

    python samples/make_samples.py              # rebuild in place (needs LibreOffice for .pdf/.doc)
    python samples/make_samples.py --out DIR    # build somewhere else
    python samples/make_samples.py --no-soffice # only the files python can write itself

Output is deterministic: fixed core-property dates, fixed zip timestamps, and the volatile
fields LibreOffice writes into the PDF (dates, document ID) pinned after conversion.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ZJ = "某县住房和城乡建设局"
CZ = "某县财政局"

# Every zip member gets this timestamp so rebuilding gives the same bytes.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
SOFFICE_TIMEOUT = 180

# Numbering ids above the ones python-docx's default template already uses (0-8 / 1-9).
ABS_GONGWEN, ABS_CIRCLE, ABS_DECIMAL = 20, 21, 22
NUM_GONGWEN, NUM_CIRCLE, NUM_GOALS, NUM_REQS = 20, 21, 22, 23

FANGSONG, HEITI, KAITI, SONGTI, XIAOBIAOSONG = "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体", "方正小标宋简体"


# --------------------------------------------------------------------------------------------
# Content. All of it is fictional; the wording follows the register of real submissions.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskRow:
    dept: str
    post: str
    name: str
    manifestation: str
    category: str
    level: str  # "" = not graded (deliberate gap)
    # "\n" separates paragraphs in the Word cell, "\v" is a line break inside one paragraph.
    measures: str
    responsible: str


# 责任领导 per 科室 (one vertically merged cell each). 城建科's last row is left out of the merge
# on purpose: that high risk is owned by its section head alone (LF105).
DEPT_LEADERS: dict[str, str] = {
    "办公室": "陈某某（局长）",
    "计划财务科": "陈某某（局长）",
    "建筑市场监管科": "陈某某（局长）\n王某某（副局长）",
    "城建科": "陈某某（局长）\n赵某某（副局长）",
    "行政审批科": "陈某某（局长）\n周某某（副局长）",
}
LEADERLESS_ROW = 21  # 序号 of the row whose 责任领导 cell is empty

RISKS: tuple[RiskRow, ...] = (
    # 办公室
    RiskRow("办公室", "办公室主任", "公务接待", "超标准、超范围安排接待，无公函接待，虚列接待费用",
            "岗位职责风险", "中",
            "1.严格执行公务接待管理办法，落实“一函一单一票”制度；\n"
            "2.接待费用实行事前报告、事后公示，每季度在局内公开一次。",
            "张某某（办公室主任）"),
    RiskRow("办公室", "后勤管理", "公务接待", "陪餐人数超标，借接待之机变相公款吃喝",
            "思想道德风险", "中", "严格控制陪餐人数，禁止在接待中安排高档菜肴和酒水。", "马某某"),
    RiskRow("办公室", "车辆管理", "公务用车管理", "公车私用，虚报车辆加油、维修费用",
            "岗位职责风险", "低",
            "①严格执行派车单制度，出车登记去向和里程；\v②车辆定点加油、定点维修，费用按月公示；"
            "\v③节假日期间公务用车统一封存。",
            "黄某某"),
    RiskRow("办公室", "人事管理", "干部选拔任用", "不按规定程序推荐、考察干部，任人唯亲，“带病提拔”",
            "制度机制风险", "高",
            "一是严格执行干部选拔任用工作条例，坚持民主推荐、组织考察、任前公示；"
            "二是实行选人用人全程纪实；三是主动接受派驻纪检监察组全程监督。",
            "吴某某（人事专干）"),
    RiskRow("办公室", "档案管理", "档案资料管理", "擅自提供、泄露或篡改档案资料",
            "岗位职责风险", "低", "严格执行档案查阅、借阅登记制度。", "办公室主任"),
    # 计划财务科
    RiskRow("计划财务科", "会计", "资金拨付", "违规拨付项目资金，截留、挪用专项资金",
            "业务流程风险", "高",
            "（1）严格执行资金拨付审核制度，大额资金支付须经局党组集体研究；\n"
            "（2）会计、出纳岗位分设，不得一人兼任；\n"
            "（3）每季度与项目单位核对资金拨付情况。",
            "郑某某（科长）"),
    RiskRow("计划财务科", "出纳", "现金及银行账户管理", "公款私存，私设“小金库”，坐收坐支",
            "制度机制风险", "高",
            "1.加强银行账户和库存现金日常管理，严禁坐收坐支2.落实不相容岗位分离和定期轮岗制度"
            "3.科长每月不定期盘点库存现金",
            "冯某某"),
    RiskRow("计划财务科", "科长", "预算编制与执行", "预算编制不科学，随意调整预算，超预算支出",
            "业务流程风险", "中",
            "1.预算编制经局务会研究后报县财政局；\v2.预算调整严格履行报批程序；\v3.每半年通报一次预算执行情况。",
            "郑某某（科长）"),
    RiskRow("计划财务科", "报账员", "费用报销", "虚开发票、重复报销，报销凭证审核不严",
            "业务流程风险", "中", "", "何某某"),
    RiskRow("计划财务科", "资产管理", "国有资产处置", "低价处置、违规出租出借国有资产",
            "制度机制风险", "中",
            "①资产处置按规定报批并委托评估；②出租出借事项集体研究并公开；③每年开展一次资产清查。",
            "罗某某"),
    # 建筑市场监管科
    RiskRow("建筑市场监管科", "招投标监管", "招标投标活动监督", "默许或协助围标串标，为投标人“量身定做”资格条件",
            "业务流程风险", "高",
            "一是招标文件备案实行双人审查；二是开标评标全程录音录像；三是对投诉举报限时核查并公开处理结果。",
            "高某某（科长）"),
    RiskRow("建筑市场监管科", "招投标监管", "评标专家抽取", "泄露评标专家名单，违规指定评标专家",
            "岗位职责风险", "高",
            "1.评标专家一律从省综合评标专家库随机抽取；\n2.专家名单在开标前严格保密，抽取过程全程留痕。",
            "林某某"),
    RiskRow("建筑市场监管科", "质量安全监督", "工程质量安全监督检查",
            "监督检查走过场，对发现的隐患不督促整改，接受施工单位宴请",
            "岗位职责风险", "高", "加强教育，提高认识。", "郭某某"),
    RiskRow("建筑市场监管科", "行政执法", "行政处罚自由裁量",
            "对未取得施工许可证擅自施工等违法行为处罚畸轻畸重，以罚代管",
            "业务流程风险", "高",
            "（1）严格执行行政处罚裁量基准；\n（2）重大处罚决定经集体讨论并进行法制审核；\n（3）处罚结果按规定公开。",
            "唐某某"),
    RiskRow("建筑市场监管科", "质量检测监管", "建筑材料检验监督", "对施工单位未按规定检验建筑材料的行为不予纠正",
            "岗位职责风险", "中", "1.建立检测报告抽查制度；\n2.对检查发现的问题实行科室集体研究。", "许某某"),
    RiskRow("建筑市场监管科", "信用管理", "企业信用评价", "随意加减企业信用分值，优亲厚友",
            "外部环境风险", "低", "信用评价结果经科室集体审核后公示。", "韩某某"),
    # 城建科
    RiskRow("城建科", "项目管理", "工程变更签证", "虚增工程量，违规办理变更签证",
            "业务流程风险", "高",
            "①工程变更实行建设、监理、施工三方会签；\n②重大变更报局党组集体研究；\n③变更资料及时归档备查。",
            "曹某某"),
    RiskRow("城建科", "项目管理", "市政工程项目招标",
            "将市政工程化整为零规避招标，大额工程款未经集体研究即拨付",
            "业务流程风险", "低",
            "1.严格执行招标投标法律法规，依法必须招标的项目一律公开招标；\n2.工程款支付实行联审。",
            "曹某某"),
    RiskRow("城建科", "竣工验收", "竣工验收备案", "对不符合条件的项目违规办理竣工验收备案",
            "岗位职责风险", "中", "1.备案材料实行初审、复核两级把关；\v2.备案结果在局门户网站公示。", "邓某某"),
    RiskRow("城建科", "质量管理", "建设单位请托", "建设单位、施工单位请托说情，输送利益",
            "外部环境风险", "中", "", "彭某某"),
    RiskRow("城建科", "征收管理", "城市基础设施配套费征收", "擅自减免、缓征配套费，收受好处",
            "岗位职责风险", "高",
            "1.配套费减免、缓征一律按规定报批；\n2.征收台账每月与财务核对。",
            "彭某某（科长）"),
    # 行政审批科
    RiskRow("行政审批科", "窗口受理", "施工许可证核发", "对不符合条件的申请违规核发施工许可证，吃拿卡要",
            "业务流程风险", "高",
            "1.实行一次性告知和限时办结制度；\n2.许可事项网上公开办理，全程留痕；\n3.科长对发证材料逐件复核。",
            "曾某某"),
    RiskRow("行政审批科", "窗口受理", "商品房预售许可", "降低预售条件，违规发放商品房预售许可证",
            "岗位职责风险", "高", "（1）现场核验工程形象进度；（2）预售资金监管协议未签订的不予许可。", "田某某"),
    RiskRow("行政审批科", "窗口受理", "首问负责", "推诿扯皮，故意刁难办事群众",
            "思想道德风险", "低", "推行首问负责制和服务评价制度。", "董某某"),
    RiskRow("行政审批科", "科长", "限时办结", "超时限办理，人为拖延",
            "制度机制风险", "", "1.设立办件时限预警；\v2.超时办件纳入绩效考核。", "科长"),
    RiskRow("行政审批科", "信息管理", "申请人信息保管", "泄露、倒卖申请人信息",
            "思想道德风险", "低", "①签订保密承诺书；②申请材料专人专柜保管。", "袁某某"),
)

# Header as printed on the form; two headers are broken the way real templates break them.
RISK_HEADER = ("序号", "科室", "岗位", "风险点", "风险表现形式", "风险\v类别", "风险 等级", "防控措施",
               "责任领导", "责任人")
RISK_WIDTHS_CM = (1.2, 1.8, 1.8, 2.6, 4.0, 1.6, 1.2, 7.3, 2.2, 2.0)
RISK_NOTE = ("填表说明：1.风险类别按思想道德、岗位职责、业务流程、制度机制、外部环境五类填写；"
             "2.风险等级按高、中、低三级填写；3.防控措施应与风险点一一对应，并明确责任领导和责任人。")


@dataclass(frozen=True)
class PowerRow:
    name: str
    content: str
    basis: str
    subject: str
    type: str


POWERS: tuple[PowerRow, ...] = (
    PowerRow("建筑工程施工许可证核发",
             "对本县行政区域内新建、改建、扩建且符合法定条件的房屋建筑和市政基础设施工程，核发建筑工程施工许可证。",
             "《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》第二条", "行政审批科", "行政许可"),
    PowerRow("商品房预售许可", "对符合预售条件的商品房项目核发商品房预售许可证明。",
             "《中华人民共和国城市房地产管理法》第四十五条；《城市商品房预售管理办法》第六条", "行政审批科", "行政许可"),
    PowerRow("城镇污水排入排水管网许可", "对向城镇排水设施排放污水的排水户核发污水排入排水管网许可证。",
             "《城镇排水与污水处理条例》第二十一条", "城建科", "行政许可"),
    PowerRow("对未取得施工许可证擅自施工的行政处罚",
             "对建设单位未取得施工许可证或者开工报告未经批准擅自施工的，责令改正；对不符合开工条件的，"
             "责令停止施工，可以处以罚款。",
             "《中华人民共和国建筑法》第六十四条", "建筑市场监管科", "行政处罚"),
    PowerRow("对施工单位未按规定检验建筑材料的行政处罚",
             "对施工单位未对建筑材料、建筑构配件、设备和商品混凝土进行检验，或者未对涉及结构安全的试块、"
             "试件以及有关材料取样检测的，责令改正，处以罚款。",
             "《建设工程质量管理条例》第六十五条", "建筑市场监管科", "行政处罚"),
    PowerRow("建设工程质量安全监督检查", "对本县行政区域内在建房屋建筑和市政基础设施工程的质量、安全生产情况实施监督检查。",
             "《建设工程质量管理条例》第四十三条；《建设工程安全生产管理条例》第四十条", "建筑市场监管科", "行政检查"),
    PowerRow("房屋建筑和市政基础设施工程招标投标活动监督",
             "对依法必须招标的房屋建筑和市政基础设施工程招标投标活动实施监督，受理投诉并依法处理。",
             "《中华人民共和国招标投标法》第七条；《中华人民共和国招标投标法实施条例》第四条", "建筑市场监管科",
             "其他行政权力"),
    PowerRow("房屋建筑和市政基础设施工程竣工验收备案", "对建设单位报送的工程竣工验收备案材料进行核对，符合要求的予以备案。",
             "《建设工程质量管理条例》第四十九条", "城建科", "其他行政权力"),
)
POWER_HEADER = ("序号", "职权名称", "职权内容", "实施依据", "办理主体", "权力类型")
POWER_WIDTHS_CM = (1.2, 4.5, 7.0, 7.5, 2.8, 2.7)


@dataclass(frozen=True)
class LedgerRow:
    dept: str
    post: str
    name: str
    manifestation: str
    level: str
    warning: str
    measures: str
    responsible: str


LEDGER: tuple[LedgerRow, ...] = (
    LedgerRow("预算股", "预算编制", "部门预算分配", "预算资金分配不公开、不透明，人情安排资金", "一级", "红",
              "1.预算分配方案经局党组集体研究；\n2.预算安排结果按规定公开。", "钱某某（局长）"),
    LedgerRow("预算股", "预算追加", "预算追加审核", "违规追加预算，为关系单位争取资金", "二级", "橙",
              "预算追加一律提交局务会集体审议。", "孔某某（分管副局长）"),
    LedgerRow("国库股", "资金支付", "国库集中支付审核", "对不符合规定的支付申请予以支付，收受预算单位好处", "一级", "红",
              "1.支付审核实行初审、复核两级审核；\n2.支付系统设置预警规则，异常支付自动拦截。", "钱某某（局长）"),
    LedgerRow("国库股", "账户管理", "财政专户资金存放", "违规选择存放银行，在资金存放中谋取私利", "一级", "红",
              "财政资金存放实行竞争性选择，结果集体研究决定并公开。", "钱某某（局长）"),
    LedgerRow("政府采购股", "采购监管", "政府采购方式变更审核", "违规批准变更采购方式，规避公开招标", "一级", "红",
              "采购方式变更经集体研究并在政府采购网公示。", "钱某某（局长）"),
    LedgerRow("政府采购股", "投诉处理", "政府采购投诉处理", "偏袒一方当事人，拖延处理投诉", "二级", "橙",
              "投诉处理实行集体研究和结果公开。", "孔某某（分管副局长）"),
    LedgerRow("综合股", "票据管理", "财政票据发放", "违规发放、核销财政票据", "三级", "黄",
              "票据领用、核销实行登记台账管理。", "严某某（股长）"),
    LedgerRow("综合股", "资产管理", "国有资产处置审核", "低价处置国有资产，造成国有资产流失", "二级", "橙",
              "资产处置一律委托评估并公开处置结果。", "孔某某（分管副局长）"),
    LedgerRow("综合股", "会计管理", "会计人员信息管理", "擅自修改会计人员信息", "三级", "黄",
              "信息变更实行双人复核。", "严某某（股长）"),
    LedgerRow("综合股", "信息公开", "预决算信息公开", "未按规定时限公开预决算信息", "三级", "黄",
              "建立信息公开时限提醒机制。", "严某某（股长）"),
)


# --------------------------------------------------------------------------------------------
# Word helpers (python-docx, with raw OOXML where it has no API)
# --------------------------------------------------------------------------------------------


@functools.cache
def _docx() -> dict[str, Any]:
    """Lazy imports: python-docx pieces used everywhere below."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Cm, Pt, RGBColor

    return {
        "docx": docx, "WD_ORIENT": WD_ORIENT, "VALIGN": WD_CELL_VERTICAL_ALIGNMENT,
        "ALIGN": WD_ALIGN_PARAGRAPH, "OxmlElement": OxmlElement, "parse_xml": parse_xml,
        "nsdecls": nsdecls, "qn": qn, "Cm": Cm, "Pt": Pt, "RGBColor": RGBColor,
    }


def _set_fonts(rpr: Any, east_asia: str, latin: str = "Times New Roman") -> None:
    """Name the East Asian font explicitly; drop theme links that would override it."""
    d = _docx()
    qn = d["qn"]
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _new_document(*, landscape: bool, body_font: str, body_size: float, margins_cm: Sequence[float]) -> Any:
    d = _docx()
    doc = d["docx"].Document()
    # The default template ships an English thumbnail; a Chinese submission would not have it.
    for rid, rel in list(doc.part.package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            doc.part.package.rels.pop(rid)
    sec = doc.sections[0]
    cm = d["Cm"]
    if landscape:
        sec.orientation = d["WD_ORIENT"].LANDSCAPE
        sec.page_width, sec.page_height = cm(29.7), cm(21.0)
    else:
        sec.page_width, sec.page_height = cm(21.0), cm(29.7)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = (cm(x) for x in margins_cm)

    normal = doc.styles["Normal"]
    normal.font.size = d["Pt"](body_size)
    _set_fonts(normal.element.get_or_add_rPr(), body_font)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = d["Pt"](0)
    # 公文 headings: 黑体 for level 1, 楷体 for level 2, black, not bold, body size.
    for name, font in (("Heading 1", HEITI), ("Heading 2", KAITI)):
        st = doc.styles[name]
        st.font.size = d["Pt"](body_size)
        st.font.bold = False
        st.font.color.rgb = d["RGBColor"](0, 0, 0)
        _set_fonts(st.element.get_or_add_rPr(), font)
        st.paragraph_format.space_before = st.paragraph_format.space_after = d["Pt"](0)
    return doc


def _add_text(paragraph: Any, text: str, *, font: str | None = None, size: float | None = None,
              bold: bool | None = None) -> None:
    """Append ``text`` to a paragraph; ``\\v`` becomes a line break (w:br) inside the paragraph."""
    d = _docx()
    for i, piece in enumerate(text.split("\v")):
        run = paragraph.add_run()
        if i:
            run.add_break()
        if piece:
            run.add_text(piece)  # not run.text=, which would wipe the break just added
        if size is not None:
            run.font.size = d["Pt"](size)
        if bold is not None:
            run.font.bold = bold
        if font is not None:
            _set_fonts(run._r.get_or_add_rPr(), font)


def _para(doc: Any, text: str = "", *, style: str | None = None, align: str | None = None,
          indent: bool = True, num: tuple[int, int] | None = None, outline: int | None = None,
          font: str | None = None, size: float | None = None, bold: bool | None = None,
          left_chars: float = 0) -> Any:
    """One 公文 paragraph: first-line indent of two characters unless centred/right-aligned."""
    d = _docx()
    p = doc.add_paragraph(style=style)
    if align:
        p.alignment = getattr(d["ALIGN"], align)
    elif indent:
        p.paragraph_format.first_line_indent = d["Pt"](2 * (size or 16))
    if left_chars:
        p.paragraph_format.left_indent = d["Pt"](left_chars * (size or 16))
    if num is not None:
        _set_num(p, *num)
    if outline is not None:
        _set_outline(p, outline)
    if text:
        _add_text(p, text, font=font, size=size, bold=bold)
    return p


def _set_num(paragraph: Any, num_id: int, ilvl: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id


def _set_outline(paragraph: Any, level: int) -> None:
    d = _docx()
    el = d["OxmlElement"]("w:outlineLvl")
    el.set(d["qn"]("w:val"), str(level))
    paragraph._p.get_or_add_pPr().insert_element_before(
        el, "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _lvl(ilvl: int, fmt: str, text: str, *, first_line: int = 640) -> str:
    # suff=nothing: 公文 puts the text right after "一、", with no tab.
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:suff w:val="nothing"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="0" w:firstLine="{first_line}"/></w:pPr></w:lvl>')


def _install_numbering(doc: Any) -> None:
    """Add the plan's list definitions to numbering.xml.

    - ABS_GONGWEN: 一、 / （一） / 1. / （1） (chineseCounting twice, then decimal);
    - ABS_CIRCLE: ① (decimalEnclosedCircle);
    - ABS_DECIMAL: a plain 1. list used by two w:num. In Word two nums over one abstractNum share
      their counter, so the second one restarts only because of its lvlOverride/startOverride.
    """
    d = _docx()
    ns = d["nsdecls"]("w")
    parse = d["parse_xml"]
    abstracts = (
        f'<w:abstractNum {ns} w:abstractNumId="{ABS_GONGWEN}"><w:nsid w:val="4C460001"/>'
        f'<w:multiLevelType w:val="multilevel"/><w:tmpl w:val="4C46A001"/>'
        + _lvl(0, "chineseCounting", "%1、") + _lvl(1, "chineseCounting", "（%2）")
        + _lvl(2, "decimal", "%3.") + _lvl(3, "decimal", "（%4）") + "</w:abstractNum>",
        f'<w:abstractNum {ns} w:abstractNumId="{ABS_CIRCLE}"><w:nsid w:val="4C460002"/>'
        f'<w:multiLevelType w:val="singleLevel"/><w:tmpl w:val="4C46A002"/>'
        + _lvl(0, "decimalEnclosedCircle", "%1") + "</w:abstractNum>",
        f'<w:abstractNum {ns} w:abstractNumId="{ABS_DECIMAL}"><w:nsid w:val="4C460003"/>'
        f'<w:multiLevelType w:val="singleLevel"/><w:tmpl w:val="4C46A003"/>'
        + _lvl(0, "decimal", "%1.") + "</w:abstractNum>",
    )
    nums = (
        f'<w:num {ns} w:numId="{NUM_GONGWEN}"><w:abstractNumId w:val="{ABS_GONGWEN}"/></w:num>',
        f'<w:num {ns} w:numId="{NUM_CIRCLE}"><w:abstractNumId w:val="{ABS_CIRCLE}"/></w:num>',
        f'<w:num {ns} w:numId="{NUM_GOALS}"><w:abstractNumId w:val="{ABS_DECIMAL}"/></w:num>',
        f'<w:num {ns} w:numId="{NUM_REQS}"><w:abstractNumId w:val="{ABS_DECIMAL}"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>',
    )
    numbering = doc.part.numbering_part.element
    qn = d["qn"]
    first_num = numbering.find(qn("w:num"))
    for xml in abstracts:  # schema order: every abstractNum before the first num
        first_num.addprevious(parse(xml))
    last_num = numbering.findall(qn("w:num"))[-1]
    for xml in reversed(nums):
        last_num.addnext(parse(xml))


def _fill_cell(cell: Any, text: str, *, size: float, bold: bool = False, center: bool = False) -> None:
    """Cell text: ``\\n`` starts a new paragraph, ``\\v`` is a line break."""
    d = _docx()
    cell.vertical_alignment = d["VALIGN"].CENTER
    first = True
    for line in text.split("\n"):
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        if center:
            p.alignment = d["ALIGN"].CENTER
        if line:
            _add_text(p, line, size=size, bold=bold)


def _vmerge(cell: Any, restart: bool) -> None:
    # Word writes a bare <w:vMerge/> for continuation cells; restart carries the value.
    vm = cell._tc.get_or_add_tcPr().get_or_add_vMerge()
    if restart:
        vm.set(_docx()["qn"]("w:val"), "restart")


def _grid_table(doc: Any, n_rows: int, widths_cm: Sequence[float]) -> Any:
    d = _docx()
    table = doc.add_table(rows=n_rows, cols=len(widths_cm))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    for i, w in enumerate(widths_cm):
        table.columns[i].width = d["Cm"](w)
        for cell in table.columns[i].cells:
            cell.width = d["Cm"](w)
    return table


def _repeat_header(row: Any) -> None:
    d = _docx()
    row._tr.get_or_add_trPr().append(d["OxmlElement"]("w:tblHeader"))


def _span_row(row: Any, width_cm: float) -> Any:
    """Turn a row into one cell spanning the whole grid (w:gridSpan)."""
    d = _docx()
    tcs = row._tr.tc_lst
    for tc in tcs[1:]:
        row._tr.remove(tc)
    tc_pr = tcs[0].get_or_add_tcPr()
    tc_pr.grid_span = len(tcs)
    tcs[0].width = d["Cm"](width_cm)
    return row.cells[0]


def _page_footer(doc: Any) -> None:
    """第 N 页 共 M 页 with PAGE / NUMPAGES fields, as printed forms have."""
    d = _docx()
    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = d["ALIGN"].CENTER
    ns = d["nsdecls"]("w")

    def field(instr: str) -> Any:
        return d["parse_xml"](f'<w:fldSimple {ns} w:instr=" {instr} "><w:r><w:t>1</w:t></w:r></w:fldSimple>')

    p.add_run("第 ")
    p._p.append(field("PAGE"))
    p.add_run(" 页 共 ")  # add_run appends after the field just inserted
    p._p.append(field("NUMPAGES"))
    p.add_run(" 页")


def _core(doc: Any, created: dt.datetime, modified: dt.datetime, revision: int = 3) -> None:
    cp = doc.core_properties
    cp.author = "Administrator"
    cp.last_modified_by = "Administrator"
    cp.created = created
    cp.modified = modified
    cp.revision = revision
    cp.title = cp.subject = cp.keywords = cp.comments = cp.category = ""


# --------------------------------------------------------------------------------------------
# Deterministic writing
# --------------------------------------------------------------------------------------------


def _pin_zip(src: Path, dst: Path, *, modified: dt.datetime | None = None) -> None:
    """Copy a zip with fixed member timestamps (and, for openpyxl, a fixed dcterms:modified)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".part")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if modified is not None and info.filename == "docProps/core.xml":
                stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)
    os.replace(tmp, dst)


def _save_docx(doc: Any, dst: Path, work: Path) -> Path:
    raw = work / ("raw-" + dst.name)
    doc.save(str(raw))
    _pin_zip(raw, dst)
    _log.info("wrote %s (%d bytes)", dst, dst.stat().st_size)
    return dst


def _save_xlsx(wb: Any, dst: Path, work: Path, modified: dt.datetime) -> Path:
    raw = work / ("raw-" + dst.name)
    wb.save(str(raw))
    _pin_zip(raw, dst, modified=modified)
    _log.info("wrote %s (%d bytes)", dst, dst.stat().st_size)
    return dst


def _pin_pdf(data: bytes, stamp: str) -> bytes:
    """Pin LibreOffice's volatile PDF fields to same-length constants, so xref offsets stay valid.

    ``stamp`` is 14 digits (YYYYMMDDhhmmss) for /CreationDate and /ModDate; the trailer /ID and
    /DocChecksum become a hash of the file with those fields blanked.
    """
    data = re.sub(rb"(/(?:CreationDate|ModDate)\s*\(D:)\d{14}", lambda m: m.group(1) + stamp.encode(), data)
    id_re = re.compile(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)")
    sum_re = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")

    def blank(m: re.Match[bytes]) -> bytes:
        return b"".join(b"0" * len(g) if k % 2 else g for k, g in enumerate(m.groups()))

    digest = hashlib.sha256(sum_re.sub(lambda m: m.group(1), id_re.sub(blank, data))).hexdigest().upper()
    data = id_re.sub(lambda m: m.group(1) + digest[: len(m.group(2))].encode() + m.group(3)
                     + digest[: len(m.group(4))].encode() + m.group(5), data)
    return sum_re.sub(lambda m: m.group(1) + digest[-len(m.group(2)):].encode(), data)


# --------------------------------------------------------------------------------------------
# 某县住房和城乡建设局
# --------------------------------------------------------------------------------------------


def build_plan(dst: Path, work: Path) -> Path:
    """01_实施方案.docx: 公文 structure with real automatic numbering, plus hand-typed enumerators."""
    doc = _new_document(landscape=False, body_font=FANGSONG, body_size=16, margins_cm=(3.7, 3.5, 2.8, 2.6))
    _install_numbering(doc)
    g, sec, item = (NUM_GONGWEN, 0), (NUM_GONGWEN, 1), (NUM_GONGWEN, 2)

    _para(doc, f"{ZJ}\v廉政风险防控工作实施方案", align="CENTER", font=XIAOBIAOSONG, size=22)
    _para(doc)
    _para(doc, "为深入推进党风廉政建设和反腐败工作，加强对权力运行的制约和监督，从源头上预防腐败问题发生，"
               "根据县纪委监委关于全面推进廉政风险防控工作的部署要求，结合我局工作实际，制定本实施方案。")

    _para(doc, "指导思想", style="Heading 1", num=g)
    _para(doc, "以习近平新时代中国特色社会主义思想为指导，坚持“标本兼治、综合治理、惩防并举、注重预防”的方针，"
               "紧扣住房城乡建设领域权力集中、资金密集、资源富集的特点，以规范权力运行为主线，以岗位廉政风险"
               "防控为基础，以制度建设为保障，以监督检查为手段，着力构建覆盖全局各科室、各岗位的廉政风险防控"
               "体系，为全县城乡建设事业健康发展提供坚强保障。")

    _para(doc, "工作目标", style="Heading 1", num=g)
    _para(doc, "通过开展廉政风险防控工作，力争用一年左右时间实现以下目标：")
    for text in ("职权事项全面厘清。编制部门权力清单，做到职权法定、边界清晰、主体明确。",
                 "风险点位精准查找。各科室、各岗位廉政风险点查找到位，风险等级评定科学合理。",
                 "防控措施一一对应。每个风险点都有针对性防控措施和明确的责任人。",
                 "长效机制基本形成。初步建立以岗位为点、以程序为线、以制度为面的廉政风险防控长效机制。"):
        _para(doc, text, num=(NUM_GOALS, 0))

    _para(doc, "主要任务", style="Heading 1", num=g)
    _para(doc, "全面清理职权，编制权力清单。", style="Heading 2", num=sec)
    _para(doc, "各科室按照“职权法定、权责一致”的原则，对照“三定”方案和法律法规，对本科室行使的各项职权进行全面梳理。")
    _para(doc, "清理范围。包括行政许可、行政处罚、行政检查以及其他行政权力，同时梳理人事、财务、物资采购等内部管理事项。",
          num=item)
    _para(doc, "编制清单。逐项列明职权名称、职权内容、实施依据、办理主体和权力类型，经局党组审定后形成《部门权力清单》。",
          num=item)
    _para(doc, "深入查找风险，科学评定等级。", num=sec, outline=1, font=KAITI)
    _para(doc, "围绕权力运行的重点领域和关键环节，采取个人自查、群众评议、科室互查、领导点评、组织审定相结合的方法，"
               "从思想道德、岗位职责、业务流程、制度机制、外部环境五个方面查找廉政风险点，逐项填写《岗位廉政风险点自查表》。")
    _para(doc, "风险等级分为高、中、低三级，评定标准如下：")
    for text in ("高等级风险：涉及“三重一大”事项、大额资金使用、工程建设项目招标投标、行政许可和行政处罚等关键环节，"
                 "一旦发生可能导致严重违纪违法问题的风险。",
                 "中等级风险：自由裁量空间较大，发生后可能造成较大损失或者不良影响的风险。",
                 "低等级风险：发生概率较小，发生后影响程度较轻、一般只造成轻微后果的风险。"):
        _para(doc, text, num=(NUM_CIRCLE, 0))
    _para(doc, "制定防控措施，落实分级负责。", style="Heading 2", num=sec)
    _para(doc, "对廉政风险实行分级管理、分级负责：高等级风险由单位主要领导负责防控，中等级风险由分管领导负责，"
               "低等级风险由科室负责人负责。各科室要针对每个风险点，从前期预防、中期监控、后期处置三个环节制定防控措施，"
               "确保每个风险点都有措施、有责任人、有监督。")
    _para(doc, "健全制度机制，强化监督检查。", num=sec, outline=1, font=KAITI)
    for text in ("完善内控制度。围绕资金管理、工程建设、行政审批等重点领域，修订完善内部管理制度，堵塞制度漏洞。",
                 "推进权力公开。除涉及国家秘密、商业秘密和个人隐私的以外，职权事项、办理流程和办理结果一律在局门户网站公开。",
                 "强化日常监督。局纪检组每季度对各科室风险防控情况开展一次监督检查，发现问题及时督促整改。"):
        _para(doc, text, num=item)

    _para(doc, "方法步骤", style="Heading 1", num=g)
    _para(doc, "廉政风险防控工作分五个阶段进行：")
    _para(doc, "动员部署阶段（2026年3月1日—3月15日）。", num=sec)
    # Hand-typed enumerators (no w:numPr), as drafters often mix them with automatic lists.
    _para(doc, "1.成立工作机构。成立局廉政风险防控工作领导小组，局长任组长，分管纪检工作的副局长任副组长，"
               "各科室负责人为成员，领导小组办公室设在局办公室。")
    _para(doc, "2.召开动员会议。召开全局干部职工动员大会，印发实施方案，明确工作任务和时间要求。")
    _para(doc, "查找风险阶段（3月16日—4月15日）。各科室组织干部职工对照职责查找廉政风险点，评定风险等级，"
               "于4月15日前将《岗位廉政风险点自查表》和《部门权力清单》报领导小组办公室。", num=sec)
    _para(doc, "制定措施阶段（4月16日—5月10日）。各科室针对查找出的风险点逐项制定防控措施，"
               "领导小组办公室汇总审核后报局党组审定。", num=sec)
    _para(doc, "组织实施阶段（5月11日—10月31日）。各科室按照审定的防控措施抓好落实，领导小组办公室定期督查，"
               "对措施落实不到位的及时提醒纠正。", num=sec)
    _para(doc, "总结考评阶段。各科室对廉政风险防控工作进行全面总结，形成《廉政风险防控工作自查报告》；"
               "局领导小组对各科室工作进行考评，考评结果纳入年度目标考核。", num=sec)

    _para(doc, "工作要求", style="Heading 1", num=g)
    for text in ("加强组织领导。各科室主要负责人是本科室廉政风险防控工作的第一责任人，要亲自部署、亲自过问，确保工作落到实处。",
                 "严格督查问责。对工作敷衍应付、风险点查找不全、措施落实不力的科室予以通报批评；造成严重后果的，"
                 "依规依纪追究相关人员责任。",
                 "注重成果运用。将廉政风险防控工作与业务工作同部署、同检查、同考核，及时总结推广好的经验做法。"):
        _para(doc, text, num=(NUM_REQS, 0))

    _para(doc)
    _para(doc, "附件：1.《岗位廉政风险点自查表》")
    _para(doc, "2.《部门权力清单》", left_chars=3)
    _para(doc, "3.《廉政风险防控工作自查报告》", left_chars=3)
    _para(doc)
    _para(doc, ZJ, align="RIGHT")
    _para(doc, "2026年2月26日", align="RIGHT")
    _core(doc, dt.datetime(2026, 2, 24, 9, 12), dt.datetime(2026, 2, 26, 16, 40))
    return _save_docx(doc, dst, work)


def _dept_runs(rows: Sequence[Any]) -> list[tuple[str, int, int]]:
    """(dept, first index, last index) for consecutive rows of one department."""
    runs: list[tuple[str, int, int]] = []
    for i, row in enumerate(rows):
        if runs and runs[-1][0] == row.dept:
            runs[-1] = (row.dept, runs[-1][1], i)
        else:
            runs.append((row.dept, i, i))
    return runs


def build_risk_table(dst: Path, work: Path) -> Path:
    """02_岗位廉政风险点自查表.docx: landscape form, merged 科室/责任领导, repeated header row."""
    doc = _new_document(landscape=True, body_font=FANGSONG, body_size=12, margins_cm=(2.0, 2.0, 2.0, 2.0))
    _page_footer(doc)
    _para(doc, f"{ZJ}岗位廉政风险点自查表", align="CENTER", font=XIAOBIAOSONG, size=20)
    _para(doc, f"填报单位（盖章）：{ZJ}　　　　　　　　　　　　　　　　　　填报日期：2026年4月10日", indent=False, size=12)

    table = _grid_table(doc, len(RISKS) + 2, RISK_WIDTHS_CM)
    header = table.rows[0]
    _repeat_header(header)
    for cell, text in zip(header.cells, RISK_HEADER, strict=True):
        _fill_cell(cell, text, size=10.5, bold=True, center=True)

    cols = {name: i for i, name in enumerate(("no", "dept", "post", "name", "manif", "cat", "level", "measures",
                                             "leader", "resp"))}
    for i, risk in enumerate(RISKS, start=1):
        cells = table.rows[i].cells
        _fill_cell(cells[cols["no"]], str(i), size=9, center=True)
        _fill_cell(cells[cols["post"]], risk.post, size=9, center=True)
        _fill_cell(cells[cols["name"]], risk.name, size=9)
        _fill_cell(cells[cols["manif"]], risk.manifestation, size=9)
        _fill_cell(cells[cols["cat"]], risk.category, size=9, center=True)
        _fill_cell(cells[cols["level"]], risk.level, size=9, center=True)
        _fill_cell(cells[cols["measures"]], risk.measures, size=9)
        _fill_cell(cells[cols["resp"]], risk.responsible, size=9, center=True)

    for dept, first, last in _dept_runs(RISKS):
        lead_last = last
        if first < LEADERLESS_ROW - 1 <= last:
            lead_last = LEADERLESS_ROW - 2  # the leaderless row stays out of the leader merge
            _fill_cell(table.rows[LEADERLESS_ROW].cells[cols["leader"]], "", size=9)
        for col, text, end in ((cols["dept"], dept, last), (cols["leader"], DEPT_LEADERS[dept], lead_last)):
            for r in range(first, end + 1):
                cell = table.rows[r + 1].cells[col]
                _vmerge(cell, restart=r == first)
                _fill_cell(cell, text if r == first else "", size=9, center=True)

    note = _span_row(table.rows[len(RISKS) + 1], sum(RISK_WIDTHS_CM))
    _fill_cell(note, RISK_NOTE, size=9)
    _core(doc, dt.datetime(2026, 3, 18, 10, 5), dt.datetime(2026, 4, 10, 17, 22), revision=7)
    return _save_docx(doc, dst, work)


def build_risk_xlsx(dst: Path, work: Path) -> Path:
    """02_岗位廉政风险点自查表.xlsx: the same form in Excel, merged 科室/责任领导 ranges."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "自查表"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    n_cols = len(RISK_HEADER)
    last_col = get_column_letter(n_cols)

    ws["A1"] = f"{ZJ}岗位廉政风险点自查表"
    ws["A1"].font = Font(name=SONGTI, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 30
    for c, text in enumerate(RISK_HEADER, start=1):
        cell = ws.cell(row=2, column=c, value=text.replace("\v", "\n"))
        cell.font = Font(name=SONGTI, size=10.5, bold=True)
        cell.alignment, cell.border = center, border

    first_row = 3
    for i, risk in enumerate(RISKS):
        r = first_row + i
        leader = "" if i + 1 == LEADERLESS_ROW else DEPT_LEADERS[risk.dept]
        values = (i + 1, risk.dept, risk.post, risk.name, risk.manifestation, risk.category, risk.level or None,
                  risk.measures.replace("\v", "\n") or None, leader or None, risk.responsible)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.font = Font(name=SONGTI, size=9)
            cell.alignment = wrap if c in (4, 5, 8) else center
            cell.border = border
    for _dept, first, last in _dept_runs(RISKS):
        ws.merge_cells(f"B{first_row + first}:B{first_row + last}")
        lead_last = LEADERLESS_ROW - 2 if first < LEADERLESS_ROW - 1 <= last else last
        ws.merge_cells(f"I{first_row + first}:I{first_row + lead_last}")  # merging drops the copies below
    note_row = first_row + len(RISKS)
    ws.cell(row=note_row, column=1, value=RISK_NOTE).alignment = wrap
    ws.merge_cells(f"A{note_row}:{last_col}{note_row}")
    ws.row_dimensions[note_row].height = 30

    for c, w in enumerate(RISK_WIDTHS_CM, start=1):
        ws.column_dimensions[get_column_letter(c)].width = round(w * 4.2, 1)
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    _xlsx_props(wb, dt.datetime(2026, 3, 18, 10, 5))
    return _save_xlsx(wb, dst, work, dt.datetime(2026, 4, 10, 17, 30))


def _xlsx_props(wb: Any, created: dt.datetime) -> None:
    wb.properties.creator = "Administrator"
    wb.properties.lastModifiedBy = "Administrator"
    wb.properties.created = created


def build_power_catalog(dst: Path, work: Path) -> Path:
    """03_部门权力清单.docx: 职权目录 with legal bases; 排水 permits have no risk in 02 (LF106)."""
    doc = _new_document(landscape=True, body_font=FANGSONG, body_size=12, margins_cm=(2.0, 2.0, 2.0, 2.0))
    _para(doc, f"{ZJ}部门权力清单", align="CENTER", font=XIAOBIAOSONG, size=20)
    _para(doc, "（职权目录）", align="CENTER", font=KAITI, size=14)
    table = _grid_table(doc, len(POWERS) + 1, POWER_WIDTHS_CM)
    _repeat_header(table.rows[0])
    for cell, text in zip(table.rows[0].cells, POWER_HEADER, strict=True):
        _fill_cell(cell, text, size=10.5, bold=True, center=True)
    for i, power in enumerate(POWERS, start=1):
        cells = table.rows[i].cells
        for j, text in enumerate((str(i), power.name, power.content, power.basis, power.subject, power.type)):
            _fill_cell(cells[j], text, size=9, center=j in (0, 4, 5))
    _core(doc, dt.datetime(2026, 3, 20, 8, 50), dt.datetime(2026, 4, 8, 11, 15), revision=4)
    return _save_docx(doc, dst, work)


def build_report(dst: Path, work: Path) -> Path:
    """04_廉政风险防控工作自查报告.docx: stated counts that disagree with the tables (LF111)."""
    doc = _new_document(landscape=False, body_font=FANGSONG, body_size=16, margins_cm=(3.7, 3.5, 2.8, 2.6))
    _para(doc, f"{ZJ}\v廉政风险防控工作自查报告", align="CENTER", font=XIAOBIAOSONG, size=22)
    _para(doc)
    _para(doc, "县纪委监委：", indent=False)
    _para(doc, f"按照县纪委监委关于开展廉政风险防控工作的统一部署，我局认真对照《{ZJ}廉政风险防控工作实施方案》，"
               "扎实开展职权清理、风险查找、措施制定和组织实施等各项工作。现将自查情况报告如下：")
    _para(doc, "一、基本情况", style="Heading 1")
    # Stated counts: 8 powers agrees with 03; 27 risk points disagrees with 02 (26 rows, 29 with the
    # three in 05) and 24 measures are fewer than the risk points.
    _para(doc, "今年以来，我局把廉政风险防控作为党风廉政建设的一项基础性工作来抓，共梳理职权8项，排查重点岗位22个，"
               "查找风险点27个，制定防控措施24条。其中，高等级风险点9个、中等级风险点11个、低等级风险点7个，"
               "按照高、中、低三级实行分级管理、分级负责。")
    _para(doc, "二、主要做法", style="Heading 1")
    _para(doc, "（一）加强组织领导，压实工作责任。", style="Heading 2")
    _para(doc, "成立以局长为组长的工作领导小组，召开专题会议3次，研究解决工作推进中的具体问题，形成主要领导负总责、"
               "分管领导具体抓、科室负责人抓落实的工作格局。")
    _para(doc, "（二）突出重点环节，精准查找风险。", style="Heading 2")
    _para(doc, "围绕工程招标投标、资金拨付、行政许可、行政处罚等关键环节，从思想道德、岗位职责、业务流程、制度机制、"
               "外部环境“五类风险”入手，采取“自己找、群众帮、领导点、组织审”的方式查找风险点，做到岗位全覆盖。")
    _para(doc, "（三）构建“三道防线”，健全防控机制。", style="Heading 2")
    _para(doc, "按照前期预防、中期监控、后期处置“三道防线”的要求制定防控措施，形成“一书二图五表”的工作成果，"
               "即一份廉政承诺书，权力运行内部、外部两张流程图，以及职权目录表、风险点自查表、防控措施表、"
               "责任分解表和考核评价表。")
    _para(doc, "（四）推进权力公开，自觉接受监督。", style="Heading 2")
    _para(doc, "在局门户网站公开部门权力清单和办事流程，设立意见箱和举报电话，主动接受群众和服务对象监督。")
    _para(doc, "三、存在的问题", style="Heading 1")
    _para(doc, "一是个别科室对风险点查找不够深入，存在避重就轻现象；二是部分防控措施针对性不强，"
               "停留在“加强教育、提高认识”层面；三是对防控措施落实情况的日常监督还需进一步加强。")
    _para(doc, "四、下一步工作打算", style="Heading 1")
    _para(doc, "下一步，我局将针对自查中发现的问题逐项制定整改措施，于2026年12月底前整改到位；同时健全风险动态调整机制，"
               "每年对风险点和防控措施进行一次全面评估更新，推动廉政风险防控工作常态化、制度化。")
    _para(doc)
    _para(doc, ZJ, align="RIGHT")
    _para(doc, "2026年11月16日", align="RIGHT")
    _core(doc, dt.datetime(2026, 11, 10, 15, 0), dt.datetime(2026, 11, 16, 9, 30))
    return _save_docx(doc, dst, work)


POSTS_DOC: tuple[tuple[str, str, str, str], ...] = (
    ("办公室主任岗位",
     "协助局领导处理机关日常事务，负责文秘、会务、公务接待、车辆管理、档案管理和干部人事等工作。",
     "公务接待超标准、超范围，以接待名义变相公款吃喝。",
     "1.严格执行公务接待管理规定和接待标准，无公函不接待；2.接待费用凭公函、接待清单和发票报销，每季度公示一次。"),
    ("计划财务科会计岗位",
     "负责局机关会计核算、预算编制、资金拨付和财务报表编制等工作。",
     "违规拨付项目资金，截留、挪用专项资金。",
     "\n1.资金拨付严格履行审核程序，大额资金支付须经局党组集体研究；\n2.会计、出纳岗位分设，相互制约；"
     "\n3.每季度与项目单位对账一次。"),
    ("行政审批科窗口受理岗位",
     "负责建筑工程施工许可、商品房预售许可等事项的受理、初审和证照发放工作。",
     "对申请材料把关不严，违规受理不符合条件的申请，或者故意刁难、吃拿卡要。",
     "1.严格执行一次性告知、限时办结制度；2.受理、审核、发证环节全程网上留痕；3.公开监督电话，接受办事群众评价。"),
)


def build_posts_docx(dst: Path, work: Path) -> Path:
    """Source of 05_岗位职责说明.doc: posts, duties, risk points and measures in prose."""
    doc = _new_document(landscape=False, body_font=FANGSONG, body_size=16, margins_cm=(3.7, 3.5, 2.8, 2.6))
    _para(doc, f"{ZJ}\v重点岗位职责及廉政风险说明", align="CENTER", font=XIAOBIAOSONG, size=22)
    _para(doc)
    _para(doc, "为进一步明确岗位职责，增强干部职工廉政风险意识，现将我局部分重点岗位的职责、廉政风险点及防控措施说明如下。")
    numerals = "一二三四五"
    for k, (post, duty, risk, measures) in enumerate(POSTS_DOC):
        _para(doc, f"{numerals[k]}、{post}", font=HEITI)
        _para(doc, f"岗位职责：{duty}")
        _para(doc, f"风险点：{risk}")
        # One post lists its measures on lines of their own under a bare "防控措施：".
        first, *rest = measures.split("\n")
        _para(doc, f"防控措施：{first}")
        for line in rest:
            _para(doc, line)
    _para(doc)
    _para(doc, ZJ, align="RIGHT")
    _para(doc, "2026年3月28日", align="RIGHT")
    _core(doc, dt.datetime(2026, 3, 25, 14, 0), dt.datetime(2026, 3, 28, 10, 10), revision=2)
    return _save_docx(doc, dst, work)


# --------------------------------------------------------------------------------------------
# 某县财政局
# --------------------------------------------------------------------------------------------


def build_ledger_xlsx(dst: Path, work: Path) -> Path:
    """风险点台账.xlsx: 一级/二级/三级 + 红/橙/黄, header on two rows under a merged 风险情况."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "风险点台账"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    wrap = Alignment(wrap_text=True, vertical="center")

    ws["A1"] = f"{CZ}廉政风险点台账"
    ws["A1"].font = Font(name=SONGTI, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells("A1:I1")
    ws["A2"] = f"填报单位：{CZ}　　　　　　　　填报时间：2026年4月12日"
    ws.merge_cells("A2:I2")
    # Two-row header: single headers span rows 3-4, 风险情况 spans D3:E3 over 风险点 / 表现形式.
    top = {"A": "序号", "B": "股室", "C": "岗位", "D": "风险情况", "F": "风险等级", "G": "预警等级",
           "H": "防控措施", "I": "责任人"}
    for col, text in top.items():
        ws[f"{col}3"] = text
    ws["D4"], ws["E4"] = "风险点", "表现形式"
    for col in "ABCFGHI":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("D3:E3")
    for row in ws["A3:I4"]:
        for cell in row:
            cell.font = Font(name=SONGTI, size=10.5, bold=True)
            cell.alignment, cell.border = center, border

    first_row = 5
    for i, item in enumerate(LEDGER):
        values = (i + 1, item.dept, item.post, item.name, item.manifestation, item.level, item.warning,
                  item.measures, item.responsible)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=first_row + i, column=c, value=value)
            cell.font = Font(name=SONGTI, size=10)
            cell.alignment = wrap if c in (4, 5, 8) else center
            cell.border = border
    for _dept, first, last in _dept_runs(LEDGER):
        if last > first:
            ws.merge_cells(f"B{first_row + first}:B{first_row + last}")

    for col, width in zip("ABCDEFGHI", (6, 12, 12, 20, 30, 10, 10, 40, 18), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A5"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    _xlsx_props(wb, dt.datetime(2026, 4, 2, 9, 0))
    return _save_xlsx(wb, dst, work, dt.datetime(2026, 4, 12, 16, 45))


FINANCE_REPORT = f"""{CZ}廉政风险防控工作自查报告

县纪委监委：
　　根据县纪委监委统一部署，我局扎实开展廉政风险防控工作，现将自查情况报告如下。
　　一、工作开展情况
　　我局围绕预算编制、国库支付、政府采购、资产管理等重点领域，组织各股室逐岗位查找廉政风险，共查找风险点10个、制定防控措施12条，其中一级风险点4个、二级风险点3个、三级风险点3个。对一级风险点实行红色预警管理，由局主要领导负责防控；二级风险点实行橙色预警，由分管领导负责；三级风险点实行黄色预警，由股室负责人负责。
　　二、存在的不足
　　一是部分股室风险查找深度不够，对新业务、新岗位的风险研判不足；二是防控措施的动态更新还不够及时。
　　三、下一步打算
　　我局将每半年对风险点台账进行一次更新，对一级风险点开展专项检查，确保各项防控措施落到实处。

　　　　　　　　　　　　　　　　　　　　{CZ}
　　　　　　　　　　　　　　　　　　　　2026年4月20日
"""


def build_finance_txt(dst: Path) -> Path:
    """自查报告.txt: GB18030 with CRLF line ends, as saved by Windows Notepad."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(FINANCE_REPORT.replace("\n", "\r\n").encode("gb18030"))
    _log.info("wrote %s (%d bytes)", dst, dst.stat().st_size)
    return dst


# --------------------------------------------------------------------------------------------
# LibreOffice
# --------------------------------------------------------------------------------------------


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _soffice_convert(exe: str, profile: Path, src: Path, target: str, outdir: Path) -> Path:
    """Convert one file with a private profile; a hung LibreOffice is killed after the timeout."""
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
           "--convert-to", target, "--outdir", str(outdir), str(src)]
    _log.debug("running %s", cmd)
    proc = subprocess.run(cmd, capture_output=True, timeout=SOFFICE_TIMEOUT, check=False)
    out = outdir / f"{src.stem}.{target.split(':')[0]}"
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"soffice could not convert {src.name} to {target}: "
                           f"{proc.stderr.decode(errors='replace').strip() or proc.returncode}")
    return out


def build_soffice_files(exe: str, risk_docx: Path, pdf_dst: Path, doc_dst: Path, work: Path) -> None:
    profile = work / "lo-profile"
    conv = work / "converted"
    conv.mkdir(exist_ok=True)
    pdf = _soffice_convert(exe, profile, risk_docx, "pdf", conv)
    pdf_dst.write_bytes(_pin_pdf(pdf.read_bytes(), "20260410172200"))
    _log.info("wrote %s (%d bytes)", pdf_dst, pdf_dst.stat().st_size)

    posts = work / f"{doc_dst.stem}.docx"
    build_posts_docx(posts, work)
    doc = _soffice_convert(exe, profile, posts, 'doc:MS Word 97', conv)
    shutil.copyfile(doc, doc_dst)
    _log.info("wrote %s (%d bytes)", doc_dst, doc_dst.stat().st_size)


# --------------------------------------------------------------------------------------------


def build_all(out: Path, *, use_soffice: bool = True) -> list[Path]:
    """Write every sample under ``out``; returns the paths written (sorted)."""
    zj, cz = out / ZJ, out / CZ
    zj.mkdir(parents=True, exist_ok=True)
    cz.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="lf-samples-") as tmp:
        work = Path(tmp)
        written.append(build_plan(zj / "01_实施方案.docx", work))
        risk_docx = build_risk_table(zj / "02_岗位廉政风险点自查表.docx", work)
        written.append(risk_docx)
        written.append(build_risk_xlsx(zj / "02_岗位廉政风险点自查表.xlsx", work))
        written.append(build_power_catalog(zj / "03_部门权力清单.docx", work))
        written.append(build_report(zj / "04_廉政风险防控工作自查报告.docx", work))
        written.append(build_ledger_xlsx(cz / "风险点台账.xlsx", work))
        written.append(build_finance_txt(cz / "自查报告.txt"))
        exe = find_soffice() if use_soffice else None
        if use_soffice and exe is None:
            _log.warning("LibreOffice (soffice) not found: the .pdf and .doc samples were left as they are")
        if exe is not None:
            pdf_dst, doc_dst = zj / "02_岗位廉政风险点自查表.pdf", zj / "05_岗位职责说明.doc"
            build_soffice_files(exe, risk_docx, pdf_dst, doc_dst, work)
            written += [pdf_dst, doc_dst]
    return sorted(written)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: samples/)")
    parser.add_argument("--no-soffice", action="store_true", help="skip the LibreOffice-made .pdf and .doc")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    try:
        paths = build_all(args.out, use_soffice=not args.no_soffice)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        _log.error("%s", exc)
        return 2
    total = sum(p.stat().st_size for p in paths)
    _log.info("%d files, %d bytes in total", len(paths), total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
