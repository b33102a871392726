"""A realistic benchmark corpus: 廉政风险防控 submissions of chosen sizes, generated on demand.

What it makes (under ``benchmarks/corpus/``, git-ignored):

- ``.docx`` of 1, 10, 100 and 300 pages: a 公文 plan part in portrait (title, 一、/（一）/1.
  headings, paragraphs, stated counts) followed by landscape risk tables (a header row that
  repeats, a title row spanning every column, 科室 and 责任领导 merged vertically over their rows,
  岗位 merged over its risk points, measures numbered inside the cell, the odd empty measure cell);
- PDFs of some of them, converted by LibreOffice (slow, so cached by the .docx's sha256);
- ``.xlsx`` risk tables with merged ranges and GB18030 ``.txt`` self-check reports;
- batches of N ten-page ``.docx`` for scaling and memory runs.

Speed: the package parts other than ``word/document.xml`` are built once (the template); a
document is one XML string written into a copy of them. A batch renders a handful of bodies and
varies the unit and document number by string replacement, so 2,000 files take seconds.

Caching: every item's file name carries a key hashed from the generator's own source and the
item's parameters, so an edit here regenerates and an unchanged generator reuses what is there.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import random
import shutil
import subprocess
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from benchmarks import CORPUS_DIR

_log = logging.getLogger(__name__)

# Layout constants, calibrated against LibreOffice's rendering (see README): a 10-page document
# converts to about 10 PDF pages.
ROWS_PER_PAGE = 6.3  # risk-table rows per landscape page (measures: 2–5 items of 20–50 字, 五号 single-spaced)
PROSE_CHARS_PER_PAGE = 490  # 公文 body text, 三号仿宋, 22 lines × 28 字 with headings
PROSE_SHARE = 0.2  # share of a multi-page document that is plan prose
TXT_CHARS_PER_PAGE = 600

# ----------------------------------------------------------------------------------------------
# vocabulary: written for this generator in the register of real submissions
# ----------------------------------------------------------------------------------------------

PLACES = ["青溪", "云岭", "临川", "南湖", "东阳", "白沙", "清河", "安平", "石门", "柳江", "桐庐", "金溪"]
UNIT_TYPES = [
    ("县财政局", "财"), ("市住房和城乡建设局", "建"), ("区市场监督管理局", "市监"), ("市水务局", "水"),
    ("县交通运输局", "交"), ("区人民法院", "法"), ("市自然资源和规划局", "资规"), ("街道办事处", "街"),
    ("市公共资源交易中心", "交易"), ("县卫生健康委员会", "卫健"), ("区应急管理局", "应急"), ("县教育局", "教"),
]

DEPARTMENTS = [
    "办公室", "财务科", "人事科", "法规科", "行政审批科", "执法大队", "工程建设管理科", "计划财务科",
    "规划科", "质量安全监督站", "招标采购办公室", "综合科", "信访科", "资产管理科", "项目管理科", "机关党委",
]
LEADERS = ["局长", "党组书记", "分管副局长", "纪检组长", "副主任", "总工程师", "分管领导", "主要领导"]
RESPONSIBLES = ["科室负责人", "科长", "经办人", "岗位责任人", "主任", "副科长", "大队长", "站长"]
CATEGORIES = ["思想道德风险", "岗位职责风险", "业务流程风险", "制度机制风险", "外部环境风险"]
LEVEL_SCHEMES = [("高", "中", "低"), ("一级", "二级", "三级"), ("A级", "B级", "C级"), ("Ⅰ级", "Ⅱ级", "Ⅲ级")]


@dataclass(frozen=True)
class RiskRecord:
    power: str  # 岗位（职权）
    name: str  # 风险点
    manifestations: tuple[str, ...]
    measures: tuple[str, ...]


RISKS: tuple[RiskRecord, ...] = (
    RiskRecord("行政许可审批", "审批不按程序办理", (
        "对不符合条件的申请予以受理或审批，降低审批标准。",
        "擅自增设审批条件或者故意拖延办理时限，借机索取好处。",
        "对申请材料审查不严，未按规定进行现场核查即出具意见。"), (
        "严格执行审批事项清单，公开办理条件、程序和时限", "实行受理、审查、决定相分离，重大事项集体研究",
        "建立审批台账，办理过程全程留痕、可追溯", "推行网上审批，减少自由裁量空间",
        "纪检部门定期抽查审批档案，发现问题及时纠正", "对超时限办理的事项进行通报并追究责任")),
    RiskRecord("行政处罚", "自由裁量权使用不当", (
        "对同类违法行为处罚畸轻畸重，随意减免罚款。",
        "以罚代管，应当移送司法机关的案件不移送。",
        "执法过程中接受当事人宴请或礼品，为其说情开脱。"), (
        "严格执行行政处罚裁量基准，细化裁量标准", "重大案件实行集体讨论和法制审核制度",
        "推行执法全过程记录，执法记录仪全程开启", "定期开展案卷评查，公开处罚结果接受监督",
        "建立执法人员廉洁承诺和回避制度")),
    RiskRecord("行政检查", "检查走过场或选择性执法", (
        "对检查中发现的问题不如实记录，隐瞒不报。",
        "事先向被检查单位通风报信，检查流于形式。",
        "利用检查之机吃拿卡要，给企业增加负担。"), (
        "推行“双随机、一公开”监管，随机抽取检查对象和人员", "检查结果按规定时限向社会公开",
        "实行检查人员轮岗交流，防止形成利益关系", "设立举报电话，畅通企业投诉渠道")),
    RiskRecord("专项资金拨付", "资金拨付审核把关不严", (
        "对项目资金申报材料审核不严，虚报冒领资金。",
        "不按预算和进度拨付资金，优亲厚友、先拨后审。",
        "截留、挪用专项资金或改变资金用途。"), (
        "严格执行资金拨付审批程序，实行分级审核", "资金拨付前进行公示，接受社会监督",
        "建立专项资金使用绩效评价制度", "审计部门开展专项审计，问题限期整改",
        "资金拨付实行国库集中支付，杜绝现金支付")),
    RiskRecord("政府采购", "采购需求设置倾向性条款", (
        "量身定制采购需求，以不合理条件排斥潜在供应商。",
        "化整为零规避公开招标，指定供应商或品牌。",
        "验收把关不严，以次充好、虚假验收。"), (
        "采购需求经论证后公开征求意见", "严格执行政府采购限额标准，禁止拆分项目",
        "评审专家从专家库随机抽取，实行回避制度", "验收由使用部门、财务和纪检人员共同参加",
        "采购文件及合同按规定公开")),
    RiskRecord("工程建设项目管理", "工程变更和签证管理不规范", (
        "随意变更设计，增加工程量，抬高工程造价。",
        "现场签证弄虚作假，与施工单位串通虚增费用。",
        "隐蔽工程验收不到位，降低质量标准。"), (
        "工程变更须经设计、监理、建设单位共同确认并报批", "重大变更提交集体研究，金额超限的组织专家论证",
        "实行工程造价跟踪审计", "隐蔽工程验收留存影像资料", "建立工程建设项目廉政责任书制度")),
    RiskRecord("工程招标投标", "招标过程中串标围标", (
        "设置不合理资格条件，搞“萝卜招标”“量体裁衣”。",
        "泄露标底或评标信息，干预评标结果。",
        "中标后违规转包、分包，监管缺位。"), (
        "招标文件合法性审查后发布", "全面推行电子化招投标，全程网上留痕",
        "加强对评标专家的管理，实行评价和退出机制", "对中标单位履约情况进行跟踪检查",
        "纪检组全程监督重大项目开标评标")),
    RiskRecord("干部选拔任用", "选人用人程序不规范", (
        "动议、民主推荐、考察等环节走过场，搞“带病提拔”。",
        "考察不全面，对反映问题核查不清即提交讨论。",
        "违规突击提拔、超职数配备干部。"), (
        "严格执行干部选拔任用工作条例，全程纪实", "干部任用实行党组集体讨论决定",
        "任前公示，认真受理群众反映", "实行干部选拔任用工作“一报告两评议”")),
    RiskRecord("财务报销", "报销审核不严", (
        "报销凭证不真实、不完整，虚开发票套取资金。",
        "超标准、超范围列支接待费、差旅费。",
        "审批人对本人经手事项自批自报。"), (
        "严格执行财务审批制度和公务支出标准", "实行经办人、证明人、审核人、审批人签字制度",
        "每季度公开公用经费支出情况", "加强财务人员业务培训和职业道德教育")),
    RiskRecord("公务接待", "违规公务接待", (
        "无公函接待，超标准安排用餐和住宿。",
        "借公务接待名义虚列开支，用公款宴请。",
        "接待清单与实际不符，陪餐人数超出规定。"), (
        "严格执行公务接待管理办法，实行接待审批单制度", "接待费用凭公函、接待清单和发票报销",
        "定期公示公务接待情况", "纪检人员不定期抽查接待记录")),
    RiskRecord("公务用车管理", "公车私用", (
        "公车私用、节假日未按规定封存。",
        "违规加油、虚报维修费用。",
        "未按派车单出车，行车记录不全。"), (
        "建立派车审批和登记制度", "车辆加油、维修实行定点管理和审批", "安装车辆定位系统，实时监控行驶轨迹",
        "节假日车辆统一封存", "每月公示车辆使用和费用情况")),
    RiskRecord("合同管理", "合同签订审查不严", (
        "未经合法性审查即签订合同，条款存在重大漏洞。",
        "化整为零签订合同规避审批。",
        "合同履行监管缺失，违约不追究。"), (
        "合同签订前由法律顾问进行合法性审查", "建立合同台账，实行分级审批",
        "重大合同集体研究决定", "定期检查合同履行情况，及时处理违约行为")),
    RiskRecord("国有资产处置", "资产处置不规范", (
        "未经评估或低价处置国有资产，造成国有资产流失。",
        "资产出租出借不履行审批手续，租金收入不入账。",
        "资产账实不符，清查盘点流于形式。"), (
        "资产处置一律评估并进入公共资源交易平台公开处置", "出租出借报主管部门和财政部门审批",
        "租金收入全额纳入预算管理", "每年开展资产清查，做到账账、账实相符")),
    RiskRecord("项目申报评审", "评审标准执行不严", (
        "评审过程中接受请托，对不符合条件的项目予以通过。",
        "评审专家选取不规范，利益相关人员参与评审。",
        "评审结果不公示或公示不充分。"), (
        "制定项目评审细则并向社会公开", "评审专家随机抽取并签订回避承诺",
        "评审结果公示不少于五个工作日", "对评审全过程录音录像")),
    RiskRecord("信访举报受理", "信访件处理不及时", (
        "对群众信访举报压案不查、推诿拖延。",
        "泄露举报人信息，导致举报人遭受打击报复。",
        "办理结果答复不及时、不规范。"), (
        "建立信访举报登记、交办、督办、反馈制度", "严格执行保密规定，举报材料专人管理",
        "对超期未办结事项进行督办通报", "定期分析信访形势，查找制度漏洞")),
    RiskRecord("人员招聘", "招聘过程暗箱操作", (
        "招聘条件因人设岗，为特定人员量身定制。",
        "面试考官未按规定回避，打人情分。",
        "考试成绩和拟聘人员不按规定公示。"), (
        "招聘方案报上级部门审批后公开发布", "面试考官现场随机抽取，实行回避制度",
        "考试全过程接受纪检监督", "招聘结果按规定公示，受理群众反映")),
    RiskRecord("评先评优", "评选标准执行不严", (
        "评先评优不按民主推荐程序，由个别领导说了算。",
        "评选结果不公示，暗箱操作。"), (
        "制定评先评优实施细则，明确条件和程序", "实行民主推荐、集体研究、公示相结合",
        "评选结果公示期间受理异议并及时核查")),
    RiskRecord("印章管理", "印章使用不规范", (
        "未经审批擅自使用公章或在空白文书上盖章。",
        "印章保管不善，存在被盗用冒用风险。"), (
        "建立用印审批登记制度", "印章专人专柜保管", "严禁在空白文书上加盖印章", "定期检查用印登记情况")),
    RiskRecord("党风廉政建设", "落实主体责任不到位", (
        "对党风廉政建设工作重业务轻监督，责任传导层层递减。",
        "对苗头性、倾向性问题发现不及时、处置不到位。"), (
        "签订党风廉政建设责任书，层层压实责任", "定期开展廉政谈话和警示教育",
        "每半年专题研究党风廉政建设工作", "将廉政风险防控纳入年度考核")),
    RiskRecord("“三重一大”决策", "重大事项未经集体决策", (
        "重大决策、重要干部任免、重大项目安排和大额资金使用未经集体研究。",
        "会前沟通不充分，会议记录不完整。",
        "个人或少数人决定重大事项。"), (
        "严格执行“三重一大”集体决策制度，明确决策事项范围和程序", "会议纪要和表决情况完整存档",
        "决策执行情况定期报告", "纪检组长列席重大事项决策会议")),
    RiskRecord("执法证件管理", "执法证件使用不规范", (
        "将执法证件转借他人使用，或无证执法。",
        "执法人员离岗后未及时收回证件。"), (
        "建立执法证件管理台账", "执法人员调离岗位及时注销证件", "定期开展执法资格清理")),
    RiskRecord("档案资料管理", "档案管理制度不落实", (
        "擅自查阅、复制、泄露档案资料。",
        "随意涂改、销毁档案，导致重要资料缺失。"), (
        "严格执行档案借阅登记审批制度", "涉密档案专柜存放、专人管理", "定期开展档案安全检查")),
)

GENERIC_MEASURES = ("加强廉洁教育，提高廉洁自律意识", "加强学习，提高思想认识", "加强监督检查")

PLAN_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("指导思想", (
        "以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，坚持全面从严治党，",
        "以权力运行监控为核心，以岗位风险防控为基础，以制度建设为保障，",
        "着力构建不敢腐、不能腐、不想腐的体制机制，推动廉政风险防控工作制度化、规范化。",
        "坚持围绕中心、服务大局，把廉政风险防控融入业务工作全过程，做到同部署、同落实、同检查、同考核。")),
    ("工作目标", (
        "通过排查岗位职责、业务流程、制度机制和外部环境等方面存在的廉政风险，",
        "全面梳理权力事项，做到权力清单化、风险明晰化、防控制度化，",
        "力争用一年左右时间，建立起覆盖全局各科室、各岗位的廉政风险防控体系。",
        "实现风险点排查全覆盖、防控措施全落实、责任主体全明确。")),
    ("主要任务", (
        "全面清理职权。各科室对照法律法规和“三定”方案，逐项梳理本科室行使的职权，编制职权目录，",
        "查找廉政风险点。采取个人找、群众帮、领导点、组织评、集体议相结合的方式，",
        "评定风险等级。按照风险发生的几率和危害程度，将风险点划分为高、中、低三个等级，",
        "制定防控措施。针对排查出的风险点，逐项制定前期预防、中期监控、后期处置的防控措施，",
        "落实防控责任。按照“谁主管、谁负责”的原则，主要领导负总责，分管领导对分管范围内的风险防控负直接领导责任。")),
    ("方法步骤", (
        "动员部署阶段，召开动员大会，成立领导小组，制定实施方案，",
        "排查评估阶段，各科室组织干部职工对照职责逐岗查找风险点，填写岗位廉政风险点自查表，",
        "制定措施阶段，针对排查出的风险点逐一制定防控措施，汇总形成廉政风险点及防控措施一览表，",
        "检查验收阶段，领导小组对各科室工作进行检查，对工作不到位的责令整改，",
        "总结提高阶段，全面总结工作经验，建立健全长效机制。")),
    ("工作要求", (
        "加强组织领导。各科室主要负责人为本科室廉政风险防控工作第一责任人，要亲自抓、负总责，",
        "注重工作实效。要坚持实事求是，防止走过场，确保风险点找得准、措施定得实，",
        "强化监督检查。纪检组要加强对廉政风险防控工作的监督检查，对敷衍塞责的严肃问责，",
        "建立长效机制。要把廉政风险防控与业务工作紧密结合，定期评估风险变化情况，动态调整防控措施。")),
)
SUBHEADINGS = ("统一思想认识", "突出工作重点", "完善制度建设", "强化责任落实", "加强宣传引导", "严格考核问责",
               "抓好整改落实", "健全长效机制")
CN_NUM = "一二三四五六七八九十"

# ----------------------------------------------------------------------------------------------
# the .docx template (every part but word/document.xml)
# ----------------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_FIXED_DATE = (2024, 3, 1, 9, 0, 0)  # fixed zip timestamps: identical inputs give identical bytes

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
</Types>"""

_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>
</Relationships>"""

_DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>
</Relationships>"""

_CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>廉政风险防控</dc:title><dc:creator>lianfang-bench</dc:creator>
<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T09:00:00Z</dcterms:created>
<dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-01T09:00:00Z</dcterms:modified>
</cp:coreProperties>"""

_APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application></Properties>"""

_SETTINGS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="{W_NS}"><w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"""


def _style(sid: str, name: str, *, kind: str = "paragraph", based: str | None = None, outline: int | None = None,
           font: str = "仿宋_GB2312", size: int = 32, bold: bool = False, center: bool = False,
           single: bool = False) -> str:
    ppr = ""
    if outline is not None or center or single:
        ppr = ("<w:pPr>" + ("<w:keepNext/>" if outline is not None else "")
               + ('<w:spacing w:line="240" w:lineRule="auto"/>' if single else "")
               + ('<w:jc w:val="center"/>' if center else "")
               + (f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else "") + "</w:pPr>")
    default = ' w:default="1"' if sid == "Normal" else ""
    return (f'<w:style w:type="{kind}"{default} w:styleId="{sid}"><w:name w:val="{name}"/>'
            + (f'<w:basedOn w:val="{based}"/>' if based else "") + '<w:qFormat/>' + ppr
            + f'<w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="{font}" w:hAnsi="Times New Roman"/>'
            + ("<w:b/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr></w:style>')


# a compact styles part like Word's own (tens of KB, not python-docx's 350 KB template)
_STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{W_NS}">'
           '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" '
           'w:hAnsi="Times New Roman"/><w:kern w:val="2"/><w:sz w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/>'
           '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="560" w:lineRule="exact"/></w:pPr>'
           '</w:pPrDefault></w:docDefaults>'
           + _style("Normal", "Normal")
           + _style("Title", "Title", based="Normal", font="方正小标宋简体", size=44, center=True)
           + _style("Heading1", "heading 1", based="Normal", outline=0, font="黑体")
           + _style("Heading2", "heading 2", based="Normal", outline=1, font="楷体_GB2312")
           + _style("Heading3", "heading 3", based="Normal", outline=2, bold=True)
           + _style("ListParagraph", "List Paragraph", based="Normal")
           + _style("TableText", "Table Text", based="Normal", font="宋体", size=21, single=True)
           + '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders>'
           + "".join(f'<w:{b} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for b in ("top", "left", "bottom", "right", "insideH", "insideV"))
           + "</w:tblBorders></w:tblPr></w:style></w:styles>")

# numId 1: decimal "%1." list used for the numbered tasks in the plan part (Word auto-numbering)
_NUMBERING = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:numbering xmlns:w="{W_NS}">'
              '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="hybridMultilevel"/>'
              '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
              '<w:lvlJc w:val="left"/><w:pPr><w:ind w:firstLine="640"/></w:pPr></w:lvl>'
              '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="（%2）"/>'
              '<w:lvlJc w:val="left"/></w:lvl></w:abstractNum>'
              '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>')

_TEMPLATE_PARTS: dict[str, str] = {
    "[Content_Types].xml": _CONTENT_TYPES,
    "_rels/.rels": _RELS,
    "docProps/core.xml": _CORE,
    "docProps/app.xml": _APP,
    "word/_rels/document.xml.rels": _DOC_RELS,
    "word/styles.xml": _STYLES,
    "word/numbering.xml": _NUMBERING,
    "word/settings.xml": _SETTINGS,
}

_DOC_OPEN = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>')
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_DOC_OPEN_WORD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:w14="{_W14}" xmlns:mc="{_MC}" '
                  'mc:Ignorable="w14"><w:body>')
_PORTRAIT = ('<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" '
             'w:left="1588" w:header="851" w:footer="992" w:gutter="0"/><w:docGrid w:type="lines" w:linePitch="579"/>')
_LANDSCAPE = ('<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/><w:pgMar w:top="1134" w:right="1134" '
              'w:bottom="1134" w:left="1134" w:header="567" w:footer="567" w:gutter="0"/>')

# risk-table columns: (header, width in twentieths of a point)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 560), ("科室", 1050), ("岗位（职权）", 1300), ("风险点", 1600), ("风险表现形式", 2700),
    ("风险类别", 1000), ("风险等级", 760), ("防控措施", 3800), ("责任人", 850), ("责任领导", 950),
)


# How much markup a document carries. "word": what Word and WPS write for a 公文 — every run
# with its own fonts and sizes (the formatting typed, not only the style's), runs cut where the
# script changes (digits and Latin take other fonts than 汉字), revision ids on paragraphs and
# rows, paragraph indents, spacing and alignment, row heights, cells' vertical alignment. "lean":
# what python-docx writes, styles only and one run per paragraph. Same text, same reading; "word"
# is ~2.5× the XML and ~2.7× the raw lxml walk, which matches the measure of a 10-page
# submission's walk (~7 ms on these machines, where the lean document's takes ~2.6 ms).
MARKUPS = ("word", "lean")
_markup: ContextVar[str] = ContextVar("markup", default="word")

_FONTS = {32: "仿宋_GB2312", 21: "宋体"}  # body text 三号仿宋; tables 五号宋体


def _rsid(*parts: object) -> str:
    """A revision id as Word writes them (8 hex digits), fixed by what it marks."""
    return f"{zlib.crc32(repr(parts).encode()) & 0x00FFFFFF:08X}"


def _rpr(size: int, *, bold: bool = False, east_asian: bool = True) -> str:
    font = _FONTS.get(size, "仿宋_GB2312")
    hint = ' w:hint="eastAsia"' if east_asian else ""
    return (f'<w:rPr><w:rFonts{hint} w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>'
            + ("<w:b/><w:bCs/>" if bold else "") + f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>')


def _script_runs(text: str) -> list[tuple[str, bool]]:
    """The text cut where it changes between ASCII and the rest, as Word cuts its runs."""
    out: list[tuple[str, bool]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or text[i].isascii() != text[start].isascii():
            out.append((text[start:i], not text[start].isascii()))
            start = i
    return out


def _run(text: str, *, bold: bool = False, size: int = 32) -> str:
    if _markup.get() == "lean":
        rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    return "".join(f'<w:r>{_rpr(size, bold=bold, east_asian=cjk)}'
                   f'<w:t xml:space="preserve">{escape(piece)}</w:t></w:r>'
                   for piece, cjk in _script_runs(text))


def _para(text: str = "", *, style: str | None = None, num: tuple[int, int] | None = None,
          bold: bool = False, sect: str | None = None, center: bool = False) -> str:
    word = _markup.get() == "word"
    table = style == "TableText"
    size = 21 if table else 32
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    if num:
        ppr += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    if not word:
        ppr += '<w:jc w:val="center"/>' if center else ""
    elif table:
        ppr += f'<w:spacing w:line="240" w:lineRule="auto"/><w:jc w:val="{"center" if len(text) <= 10 else "left"}"/>'
    else:  # the paragraph mark's own run properties too (Word leaves them out of most cells)
        ppr += ('<w:spacing w:line="560" w:lineRule="exact"/>'
                + ('<w:jc w:val="center"/>' if center else '<w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/>')
                + _rpr(size, bold=bold))
    if sect:
        ppr += f"<w:sectPr>{sect}</w:sectPr>"
    ppr = f"<w:pPr>{ppr}</w:pPr>" if ppr else ""
    if not word:
        return f"<w:p>{ppr}{_run(text, bold=bold) if text else ''}</w:p>"
    rsid = _rsid(text, style)
    return f'<w:p w:rsidR="{rsid}" w:rsidRDefault="{rsid}">{ppr}{_run(text, bold=bold, size=size) if text else ""}</w:p>'


def _cell(paras: Iterable[str] | str, width: int, *, vmerge: str | None = None, span: int = 1) -> str:
    """One w:tc; ``vmerge`` is "restart" (first row of a merge), "continue" or None."""
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        tcpr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        tcpr += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        tcpr += "<w:vMerge/>"
    word = _markup.get() == "word"
    if word:
        tcpr += '<w:vAlign w:val="center"/>'
    texts = [paras] if isinstance(paras, str) else list(paras)
    empty = _para(style="TableText") if word else "<w:p/>"
    body = "".join(_para(t, style="TableText") for t in texts) if texts else empty
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body}</w:tc>"


def _row(cells: str, *, header: bool = False) -> str:
    if _markup.get() == "lean":
        return "<w:tr>" + ("<w:trPr><w:tblHeader/></w:trPr>" if header else "") + cells + "</w:tr>"
    rsid = _rsid(cells[:64])
    return (f'<w:tr w:rsidR="{rsid}" w:rsidTr="{rsid}"><w:trPr><w:trHeight w:val="567" w:hRule="atLeast"/>'
            '<w:jc w:val="center"/>' + ("<w:tblHeader/>" if header else "") + "</w:trPr>" + cells + "</w:tr>")


# ----------------------------------------------------------------------------------------------
# content
# ----------------------------------------------------------------------------------------------

@dataclass
class Row:
    dept: str
    leader: str
    power: str
    name: str
    manifestation: list[str]
    category: str
    level: str
    measures: list[str]
    responsible: str


def unit_name(i: int) -> str:
    place = PLACES[i % len(PLACES)]
    unit = UNIT_TYPES[(i // len(PLACES)) % len(UNIT_TYPES)][0]
    return place + unit


def _numbered(items: list[str], style: int) -> list[str]:
    """Measures as typed in the cell: 1. / （1） / ① on separate paragraphs, or one run with 一是."""
    circled = "①②③④⑤⑥⑦⑧⑨⑩"
    if style == 0:
        return [f"{k}.{t}" for k, t in enumerate(items, 1)]
    if style == 1:
        return [f"（{k}）{t}；" for k, t in enumerate(items, 1)]
    if style == 2:
        return ["".join(f"{circled[k]}{t}；" for k, t in enumerate(items))]
    return ["；".join(f"{CN_NUM[k]}是{t}" for k, t in enumerate(items)) + "。"]


def make_rows(n: int, rng: random.Random, levels: tuple[str, str, str]) -> list[Row]:
    """Risk rows grouped by department (3–8 rows) and by post (1–3 rows), as they are merged."""
    rows: list[Row] = []
    depts = rng.sample(DEPARTMENTS, len(DEPARTMENTS))
    d = 0
    while len(rows) < n:
        dept = depts[d % len(depts)] + ("" if d < len(depts) else f"（{CN_NUM[(d // len(depts)) % 10]}）")
        leader = rng.choice(LEADERS)
        d += 1
        for _ in range(rng.randint(3, 8)):
            if len(rows) >= n:
                break
            rec = rng.choice(RISKS)
            for _ in range(rng.choice((1, 1, 2, 3))):
                if len(rows) >= n:
                    break
                k = rng.randint(1, min(3, len(rec.manifestations)))
                mans = rng.sample(rec.manifestations, k)
                manifestation = ([f"{len(rows) % 9 + 1}.{j} {t}" for j, t in enumerate(mans, 1)]
                                 if k > 1 and rng.random() < 0.3 else ["".join(mans)])
                gap = rng.random() < 0.11  # the odd risk point left without a measure
                ms = [] if gap else rng.sample(rec.measures, rng.randint(2, min(5, len(rec.measures))))
                if ms and rng.random() < 0.08:
                    ms = [rng.choice(GENERIC_MEASURES)]
                rows.append(Row(dept, leader, rec.power, rec.name, manifestation, rng.choice(CATEGORIES),
                                rng.choices(levels, weights=(2, 5, 4))[0], ms, rng.choice(RESPONSIBLES)))
    return rows


def _table_xml(rows: list[Row], title: str, numbering_style: int) -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for _, w in COLUMNS)
    total = sum(w for _, w in COLUMNS)
    out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{total}" w:type="dxa"/>'
           '<w:tblLayout w:type="fixed"/></w:tblPr>', f"<w:tblGrid>{grid}</w:tblGrid>",
           _row(_cell(title, total, span=len(COLUMNS)), header=True),
           _row("".join(_cell(h, w) for h, w in COLUMNS), header=True)]
    widths = [w for _, w in COLUMNS]
    for i, r in enumerate(rows):
        prev = rows[i - 1] if i else None
        same_dept = prev is not None and prev.dept == r.dept
        same_post = same_dept and prev is not None and prev.power == r.power
        cells = [
            _cell(str(i + 1), widths[0]),
            _cell([] if same_dept else r.dept, widths[1], vmerge="continue" if same_dept else "restart"),
            _cell([] if same_post else r.power, widths[2], vmerge="continue" if same_post else "restart"),
            _cell(r.name, widths[3]),
            _cell(r.manifestation, widths[4]),
            _cell(r.category, widths[5]),
            _cell(r.level, widths[6]),
            _cell(_numbered(r.measures, numbering_style) if r.measures else [], widths[7]),
            _cell(r.responsible, widths[8]),
            _cell([] if same_dept else r.leader, widths[9], vmerge="continue" if same_dept else "restart"),
        ]
        out.append(_row("".join(cells)))
    out.append("</w:tbl>")
    return "".join(out)


def _sentences(rng: random.Random, pool: tuple[str, ...], n_chars: int) -> str:
    out = ""
    while len(out) < n_chars:
        s = rng.choice(pool)
        out += s if s.endswith(("，", "。")) else s + "，"
    return out.rstrip("，。") + "。"


def _prose_blocks(rng: random.Random, n_chars: int, unit: str, counts: dict[str, int]) -> list[str]:
    """Plan prose: 一、 headings (Heading1), （一） subheadings, paragraphs, an auto-numbered list."""
    blocks: list[str] = []
    used = 0
    s = 0
    stated = (f"经各科室自查、群众评议和领导小组审核，{unit}共查找廉政风险点{counts['risks']}个，其中"
              f"高风险点{counts['high']}个、中风险点{counts['medium']}个、低风险点{counts['low']}个，"
              f"制定防控措施{counts['measures']}条，梳理职权事项{counts['powers']}项。")
    while used < n_chars:
        head, pool = PLAN_SECTIONS[s % len(PLAN_SECTIONS)]
        cycle = s // len(PLAN_SECTIONS)
        title = f"{CN_NUM[s % 10]}、{head}" if cycle == 0 else f"{CN_NUM[s % 10]}、{head}（续{cycle}）"
        blocks.append(_para(title, style="Heading1"))
        used += len(title)
        for k in range(rng.randint(1, 3)):
            if used >= n_chars:
                break
            if rng.random() < 0.6:
                sub = f"（{CN_NUM[k]}）{rng.choice(SUBHEADINGS)}"
                blocks.append(_para(sub, style="Heading2"))
                used += len(sub)
            text = _sentences(rng, pool, rng.randint(120, 260))
            if s == 1 and k == 0:
                text = stated + text
            blocks.append(_para(text))
            used += len(text)
            if head == "主要任务" and rng.random() < 0.5:
                for _ in range(rng.randint(2, 4)):
                    item = _sentences(rng, pool, rng.randint(40, 80))
                    blocks.append(_para(item, style="ListParagraph", num=(1, 0)))
                    used += len(item)
        s += 1
    return blocks


def _counts(rows: list[Row], levels: tuple[str, str, str]) -> dict[str, int]:
    return {
        "risks": len(rows), "high": sum(r.level == levels[0] for r in rows),
        "medium": sum(r.level == levels[1] for r in rows), "low": sum(r.level == levels[2] for r in rows),
        "measures": sum(len(r.measures) for r in rows), "powers": len({(r.dept, r.power) for r in rows}),
    }


def document_xml(pages: int, seed: int, unit: str | None = None, markup: str = "word") -> str:
    """The body of a submission of about ``pages`` pages (plan prose, then the risk tables), with
    the markup of ``markup`` (one of MARKUPS)."""
    if markup not in MARKUPS:
        raise ValueError(f"markup must be one of {MARKUPS}, not {markup!r}")
    token = _markup.set(markup)
    try:
        return _document_xml(pages, seed, unit, markup)
    finally:
        _markup.reset(token)


def _document_xml(pages: int, seed: int, unit: str | None, markup: str) -> str:
    rng = random.Random(f"docx:{pages}:{seed}")
    unit = unit or unit_name(seed)
    levels = LEVEL_SCHEMES[seed % len(LEVEL_SCHEMES)]
    numbering_style = rng.randrange(4)
    if pages <= 1:  # one landscape page: a short note above a small table
        prose_chars, n_rows = 0, 2
    else:
        prose_pages = max(1.0, pages * PROSE_SHARE)
        prose_chars = int(prose_pages * PROSE_CHARS_PER_PAGE)
        # the table starts on a fresh page, so the plan's last page is half empty
        n_rows = max(3, round((pages - prose_pages - 0.5) * ROWS_PER_PAGE))
    rows = make_rows(n_rows, rng, levels)
    counts = _counts(rows, levels)
    parts = [_DOC_OPEN if markup == "lean" else _DOC_OPEN_WORD, _para(f"{unit}廉政风险防控工作实施方案", style="Title"),
             _para(f"{unit}纪检组　{2024 - seed % 3}年{seed % 12 + 1}月", center=True)]
    if pages > 1:
        parts += _prose_blocks(rng, prose_chars, unit, counts)
    else:
        parts.append(_para(f"根据廉政风险防控工作安排，{unit}共查找风险点{counts['risks']}个，"
                           f"制定防控措施{counts['measures']}条，现将排查情况列表如下。"))
    if pages > 1:  # the plan is portrait; the tables that follow are landscape
        parts.append(_para("", sect=_PORTRAIT))
    per_table = 120  # long registers are split into annexes of this many rows
    for t, start in enumerate(range(0, len(rows), per_table)):
        chunk = rows[start:start + per_table]
        parts.append(_para(f"附件{t + 1}", style="Heading3"))
        title = f"{unit}廉政风险点及防控措施一览表" + (f"（{CN_NUM[t % 10]}）" if len(rows) > per_table else "")
        parts.append(_table_xml(chunk, title, numbering_style))
        parts.append(_para(f"填表说明：风险等级分为{'、'.join(levels)}三级，每个风险点须对应防控措施。"))
    parts.append(f"<w:sectPr>{_LANDSCAPE}</w:sectPr></w:body></w:document>")
    return "".join(parts)


def docx_bytes(body_xml: str, compresslevel: int = 6) -> bytes:
    """A .docx package: the template parts plus ``body_xml`` as word/document.xml."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        for name, text in [("[Content_Types].xml", _CONTENT_TYPES), *(
                (k, v) for k, v in _TEMPLATE_PARTS.items() if k != "[Content_Types].xml"),
                ("word/document.xml", body_xml)]:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"), compresslevel=compresslevel)
    return buf.getvalue()


def write_docx(path: Path, pages: int, seed: int = 0, markup: str = "word") -> Path:
    _atomic_write(path, docx_bytes(document_xml(pages, seed, markup=markup)))
    return path


def write_xlsx(path: Path, pages: int, seed: int = 0) -> Path:
    """A risk register as a worksheet: title row merged across, 科室/责任领导 merged down their rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    rng = random.Random(f"xlsx:{pages}:{seed}")
    levels = LEVEL_SCHEMES[(seed + 1) % len(LEVEL_SCHEMES)]
    rows = make_rows(max(2, round(pages * ROWS_PER_PAGE)), rng, levels)
    wb = Workbook()
    ws = wb.active
    ws.title = "风险点台账"
    ws.append([f"{unit_name(seed + 3)}廉政风险点及防控措施登记表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.append([h for h, _ in COLUMNS])
    wrap = Alignment(wrap_text=True, vertical="center")
    first = 3
    for i, r in enumerate(rows):
        ws.append([i + 1, r.dept, r.power, r.name, "\n".join(r.manifestation), r.category, r.level,
                   "\n".join(_numbered(r.measures, 0)), r.responsible, r.leader])
        for c in ws[ws.max_row]:
            c.alignment = wrap
        last = i + 1 == len(rows) or rows[i + 1].dept != r.dept
        if last:
            end = ws.max_row
            if end > first:
                ws.merge_cells(start_row=first, start_column=2, end_row=end, end_column=2)
                ws.merge_cells(start_row=first, start_column=10, end_row=end, end_column=10)
            first = end + 1
    for col, (_, w) in zip("ABCDEFGHIJ", COLUMNS, strict=True):
        ws.column_dimensions[col].width = w / 100
    buf = io.BytesIO()
    wb.save(buf)
    _atomic_write(path, buf.getvalue())
    return path


def txt_text(pages: int, seed: int = 0) -> str:
    """A self-check report (自查报告) as plain text, one paragraph per line."""
    rng = random.Random(f"txt:{pages}:{seed}")
    unit = unit_name(seed + 5)
    levels = LEVEL_SCHEMES[seed % len(LEVEL_SCHEMES)]
    rows = make_rows(max(3, pages * 4), rng, levels)
    c = _counts(rows, levels)
    lines = [f"{unit}关于廉政风险防控工作开展情况的自查报告", "",
             f"按照上级纪委的统一部署，{unit}高度重视廉政风险防控工作，现将自查情况报告如下。",
             "一、基本情况",
             f"本次共梳理职权事项{c['powers']}项，查找廉政风险点{c['risks']}个，其中{levels[0]}风险点{c['high']}个、"
             f"{levels[1]}风险点{c['medium']}个、{levels[2]}风险点{c['low']}个，制定防控措施{c['measures']}条。"]
    target = pages * TXT_CHARS_PER_PAGE
    size = sum(map(len, lines))
    s, i = 1, 0
    while size < target:
        if i < len(rows) and rng.random() < 0.6:
            r = rows[i]
            i += 1
            line = (f"{i}. {r.dept}{r.power}岗位：风险点为“{r.name}”，主要表现为{''.join(r.manifestation)}"
                    f"风险等级{r.level}。" + (f"防控措施：{'；'.join(r.measures)}。" if r.measures else "尚未制定防控措施。"))
        else:
            head, pool = PLAN_SECTIONS[s % len(PLAN_SECTIONS)]
            line = f"{CN_NUM[s % 10]}、{head}" if rng.random() < 0.3 else _sentences(rng, pool, rng.randint(100, 220))
            s += 1
        lines.append(line)
        size += len(line)
    lines += ["", f"{unit}", f"{2024 - seed % 3}年{seed % 12 + 1}月{seed % 28 + 1}日"]
    return "\r\n".join(lines) + "\r\n"


def write_txt(path: Path, pages: int, seed: int = 0) -> Path:
    _atomic_write(path, txt_text(pages, seed).encode("gb18030"))
    return path


# ----------------------------------------------------------------------------------------------
# batches: render a few bodies, vary them by replacement
# ----------------------------------------------------------------------------------------------

_UNIT_TOKEN = "@@UNIT@@"
_BASES = 8  # distinct bodies a batch cycles through


def write_batch(folder: Path, n: int, pages: int = 10, seed: int = 0, per_unit: int = 2) -> list[Path]:
    """``n`` documents of ``pages`` pages, in one sub-folder per unit of ``per_unit`` documents.

    One folder per unit is how campaigns are collected; every document has its own bytes (its
    own document number), and the documents of one unit name the same unit.
    """
    folder.mkdir(parents=True, exist_ok=True)
    bases = [document_xml(pages, seed + b, unit=_UNIT_TOKEN) for b in range(_BASES)]
    kinds = ("廉政风险防控实施方案", "廉政风险点及防控措施一览表", "岗位廉政风险自查表")
    out = []
    for i in range(n):
        u = i // per_unit
        unit = unit_name(u) + ("" if u < len(PLACES) * len(UNIT_TYPES) else f"第{u // 144 + 1}分局")
        body = bases[i % _BASES].replace(_UNIT_TOKEN, escape(unit))
        body = body.replace("纪检组　", f"纪检组（编号{i:05d}）　", 1)
        p = folder / f"{u:04d}_{unit}" / f"{i:05d}_{kinds[i % per_unit % len(kinds)]}.docx"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(docx_bytes(body, compresslevel=1))
        out.append(p)
    return out


# ----------------------------------------------------------------------------------------------
# PDF conversion (LibreOffice), cached by content
# ----------------------------------------------------------------------------------------------

def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(sources: list[Path], cache_dir: Path, timeout: float = 900) -> dict[Path, Path]:
    """PDFs for ``sources`` (a map source → pdf), converting only what the cache does not hold.

    The cache is keyed by each .docx's sha256, so a regenerated but identical document reuses its
    PDF. One LibreOffice call converts all missing files, under a private profile directory so
    that it neither collides with another soffice nor touches the user's.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    result: dict[Path, Path] = {}
    missing: list[tuple[Path, Path]] = []
    for src in sources:
        key = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
        target = cache_dir / f"{key}.pdf"
        result[src] = target
        if not target.exists():
            missing.append((src, target))
    if not missing:
        return result
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: cannot make the benchmark PDFs")
    with tempfile.TemporaryDirectory(prefix="lianfang-bench-lo-") as tmp:
        work = Path(tmp)
        inputs = []
        for k, (src, target) in enumerate(missing):
            staged = work / f"in{k}_{target.stem}.docx"
            shutil.copyfile(src, staged)
            inputs.append(staged)
        cmd = [exe, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(work / "out"), *map(str, inputs)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              start_new_session=True)  # own group: a hung soffice can be killed alone
        _log.info("soffice converted %d file(s) in %.1f s", len(inputs), time.perf_counter() - t0)
        for staged, (src, target) in zip(inputs, missing, strict=True):
            made = work / "out" / (staged.stem + ".pdf")
            if not made.exists():
                raise RuntimeError(f"{src}: LibreOffice made no PDF ({proc.stderr.strip()[-300:]})")
            tmp_target = target.with_suffix(".pdf.tmp")
            shutil.copyfile(made, tmp_target)
            os.replace(tmp_target, target)
    return result


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


# ----------------------------------------------------------------------------------------------
# the corpus
# ----------------------------------------------------------------------------------------------

DOCX_PAGES = (1, 10, 100, 300)
PDF_PAGES_QUICK = (1, 10)
PDF_PAGES_FULL = (1, 10, 100)
XLSX_PAGES = (10, 100)
TXT_PAGES = (10, 100)
LEAN_PAGES = (10,)  # "lean" markup too, to show what the amount of markup does to the ratio


def generator_key(*params: object) -> str:
    """A content key: this file's source plus the item's parameters."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(json.dumps(params, ensure_ascii=False).encode())
    return h.hexdigest()[:10]


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _cached(root: Path, stem: str, ext: str, key: str) -> tuple[Path, bool]:
    """The path for an item and whether it already exists; stale versions of it are removed."""
    path = root / f"{stem}.{key}.{ext}"
    for old in root.glob(f"{stem}.*.{ext}"):
        if old != path and old.name.count(".") == 2:
            old.unlink(missing_ok=True)
    return path, path.exists()


def build_corpus(root: Path = CORPUS_DIR, *, docx_pages: Iterable[int] = DOCX_PAGES,
                 pdf_pages: Iterable[int] = PDF_PAGES_QUICK, xlsx_pages: Iterable[int] = XLSX_PAGES,
                 txt_pages: Iterable[int] = TXT_PAGES, batches: Iterable[int] = (200,),
                 lean_pages: Iterable[int] = LEAN_PAGES, seed: int = 0) -> dict[str, dict[str, object]]:
    """Generate (or reuse) every item; returns a manifest ``name → {path, format, pages, …}``."""
    root.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    t0 = time.perf_counter()
    docx_paths: dict[int, Path] = {}
    for p in sorted(set(docx_pages) | set(pdf_pages)):
        path, hit = _cached(root, f"docx-{p}p", "docx", generator_key("docx", p, seed))
        if not hit:
            write_docx(path, p, seed)
        docx_paths[p] = path
        if p in set(docx_pages):
            manifest[f"docx-{p}p"] = {"path": str(path), "format": "docx", "pages": p, "cached": hit,
                                      "markup": "word"}
    for p in sorted(set(lean_pages)):  # the same documents without Word's direct formatting
        path, hit = _cached(root, f"docx-{p}p-lean", "docx", generator_key("docx", p, seed, "lean"))
        if not hit:
            write_docx(path, p, seed, markup="lean")
        manifest[f"docx-{p}p-lean"] = {"path": str(path), "format": "docx", "pages": p, "cached": hit,
                                       "markup": "lean"}
    want_pdf = sorted(set(pdf_pages))
    if want_pdf:
        pdfs = convert_to_pdf([docx_paths[p] for p in want_pdf], root / "pdf-cache")
        for p in want_pdf:
            pdf = pdfs[docx_paths[p]]
            manifest[f"pdf-{p}p"] = {"path": str(pdf), "format": "pdf", "pages": pdf_pages_safe(pdf),
                                     "nominal_pages": p, "from": str(docx_paths[p])}
    for p in xlsx_pages:
        path, hit = _cached(root, f"xlsx-{p}p", "xlsx", generator_key("xlsx", p, seed))
        if not hit:
            write_xlsx(path, p, seed)
        manifest[f"xlsx-{p}p"] = {"path": str(path), "format": "xlsx", "pages": p, "cached": hit}
    for p in txt_pages:
        path, hit = _cached(root, f"txt-{p}p", "txt", generator_key("txt", p, seed))
        if not hit:
            write_txt(path, p, seed)
        manifest[f"txt-{p}p"] = {"path": str(path), "format": "txt", "pages": p, "cached": hit}
    for n in batches:
        key = generator_key("batch", n, seed)
        folder = root / f"batch-{n}.{key}"
        marker = folder / ".complete"
        # a marker is not enough: a folder half-deleted by an interrupted run keeps it
        hit = marker.exists() and sum(1 for _ in folder.rglob("*.docx")) == n
        if not hit:
            for old in root.glob(f"batch-{n}.*"):
                shutil.rmtree(old, ignore_errors=True)
            write_batch(folder, n, 10, seed)
            marker.write_text(key)
        manifest[f"batch-{n}"] = {"path": str(folder), "format": "docx", "pages": 10, "n": n, "cached": hit}
    _log.info("corpus ready in %.1f s under %s", time.perf_counter() - t0, root)
    return manifest


def pdf_pages_safe(path: Path) -> int | None:
    try:
        return pdf_pages(path)
    except Exception:  # pypdfium2 missing or the file unreadable: the page count is informative only
        _log.debug("cannot count pages of %s", path, exc_info=True)
        return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="no 100-page PDF and no 2,000-document batch")
    ap.add_argument("--out", type=Path, default=CORPUS_DIR, help="corpus folder (default: benchmarks/corpus)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    manifest = build_corpus(args.out, pdf_pages=PDF_PAGES_QUICK if args.quick else PDF_PAGES_FULL,
                            batches=(200,) if args.quick else (200, 2000), seed=args.seed)
    for name, item in manifest.items():
        _log.info("%-12s %s", name, item["path"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
