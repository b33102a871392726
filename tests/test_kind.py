"""Document kind from what was extracted, the title's cue and the body's cues; the unit a title names.

The kind of every dev corpus file is checked against its gold in test_corpus_extract.py.
"""

from __future__ import annotations

import pytest

from pipeline import extract
from pipeline.extract.kind import body_kind, title_kind
from pipeline.extract.owners import Owners
from pipeline.lexicon import load_lexicons
from pipeline.model import Block, Cell, Document, Loc, Source, Table
from pipeline.stages import Context

TITLES = [
    ("市园林局廉政风险防控工作实施方案", "plan"),
    ("沙坪坝街道2011年开展廉政风险防控管理工作方案", "plan"),
    ("廉政风险防控机制建设知识解读", "plan"),
    ("XX局2023年廉政风险防控工作自查报告", "self_check_report"),
    ("某区开展岗位廉政风险排查防范工作调研汇报", "self_check_report"),
    ("相山区人民政府职权目录", "power_catalog"),
    ("区发改委权力清单", "power_catalog"),
    ("廉政风险点及防控措施一览表(汇总)", "risk_table"),
    ("岗位廉政风险自查表", "risk_table"),
    ("市重点工程建设管理服务中心廉政风险点及防控措施", "risk_table"),
    ("XX市水务局廉政风险防控流程图", "flow_chart"),
    ("", None),
]


@pytest.mark.parametrize("title,kind", TITLES)
def test_title_kind(title: str, kind: str | None) -> None:
    assert title_kind(title, load_lexicons()) == kind


def test_body_kind_needs_a_clear_lean() -> None:
    lex = load_lexicons()
    assert body_kind("一、指导思想……二、工作目标……三、方法步骤……四、工作要求", lex) == "plan"
    assert body_kind("我们的做法是……取得了明显成效……截至目前共查找风险点56个", lex) == "self_check_report"
    assert body_kind("廉政风险", lex) is None


UNITS = [
    ("市重点工程建设管理服务中心廉政风险点及防控措施", "市重点工程建设管理服务中心"),
    ("葛洲坝第二工程有限公司廉政风险点及防控措施", "葛洲坝第二工程有限公司"),
    ("区委办廉政风险点及防控措施", "区委办"),
    ("相山区人民政府职权目录", "相山区人民政府"),
    ("沙坪坝街道2011年开展廉政风险防控管理工作方案", "沙坪坝街道"),
    ("/sundae_mengXX市水务局廉政风险防控流程图", "XX市水务局"),
    ("廉政风险点及防控措施一览表(汇总)", None),
    ("2024年度工作方案", None),
]


@pytest.mark.parametrize("title,unit", UNITS)
def test_unit_from_title(title: str, unit: str | None) -> None:
    assert Owners(load_lexicons()).unit_from_title(title) == unit


def _doc(*blocks: Block) -> Document:
    return Document(source=Source(path="k.docx", sha256="2" * 64), blocks=list(blocks))


def test_risk_table_wins_over_title() -> None:
    t = Table(index=0, n_rows=2, n_cols=2, cells=[
        Cell(row=0, col=0, text="风险点"), Cell(row=0, col=1, text="防控措施"),
        Cell(row=1, col=0, text="公车私用"), Cell(row=1, col=1, text="加强管理")])
    doc = extract.run(_doc(Block(index=0, kind="paragraph", text="廉政风险防控工作方案"),
                           Block(index=1, kind="table", table=t, loc=Loc(block=1))), Context())
    assert doc.kind == "risk_table"


def test_unknown_without_cues() -> None:
    doc = extract.run(_doc(Block(index=0, kind="paragraph", text="今天天气很好。")), Context())
    assert doc.kind == "unknown" and doc.risks == []
