"""Text parser: encoding detection, one paragraph per line, enumerator and Markdown headings, tables."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.parse import parse_file
from pipeline.parse import text as textmod


def _root_conftest():  # noqa: ANN202
    """tests/conftest.py by path: a plain ``import conftest`` can pick up tests/hostile/conftest.py."""
    import importlib.util
    import sys

    name = "lianfang_tests_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("conftest.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


dev_files = _root_conftest().dev_files


SAMPLE = "一、指导思想\n以习近平新时代中国特色社会主义思想为指导。\n（一）加强组织领导\nHello 世界 2024\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("gb18030"), "gb18030"),
        (SAMPLE.encode("gbk"), "gb18030"),  # GBK is a subset
        (codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (SAMPLE.encode("utf-16-le"), "utf-16-le"),  # no BOM: NULs of the ASCII on odd bytes
        (SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + SAMPLE.encode("utf-32-le"), "utf-32-le"),
        (SAMPLE.encode("utf-32-be"), "utf-32-be"),
        ("𠀀 GB18030 四字节字符\n".encode("gb18030"), "gb18030"),
    ],
)
def test_decode(data: bytes, encoding: str) -> None:
    text, enc, problems = textmod.decode(data)
    assert enc == encoding
    assert problems == []
    assert text.replace("\ufeff", "") in (SAMPLE, "𠀀 GB18030 四字节字符\n")


def test_mixed_encoding_lines() -> None:
    data = "第一行是UTF-8\n".encode() + "第二行是GBK编码\n".encode("gbk") + "第三行又是UTF-8\n".encode()
    text, enc, problems = textmod.decode(data, "m.txt")
    assert text == "第一行是UTF-8\n第二行是GBK编码\n第三行又是UTF-8\n"
    assert enc == "utf-8+gb18030"
    assert [c for c, _ in problems] == ["mixed_encoding"]
    assert "m.txt" in problems[0][1]


def test_a_few_undecodable_bytes_are_replaced_and_reported() -> None:
    good = "".join(f"第{i}行正常的中文内容。\n" for i in range(1, 9)).encode("gb18030")
    data = good + b"\xff\xfe\x80 broken\n"
    text, enc, problems = textmod.decode(data, "b.txt")
    assert enc == "gb18030"
    assert text.startswith("第1行正常的中文内容。\n") and "\ufffd" in text.splitlines()[8]
    assert problems == [("undecodable_bytes", "b.txt: undecodable bytes replaced on line(s) 9")]


def test_binary_noise_is_unknown_encoding(tmp_path: Path) -> None:
    import random

    rnd = random.Random(7)
    noise = bytes(rnd.choice([0x80, 0x81, 0xFF, 0xFE, 0x90, 0xC0, 0xA0, 0x85]) for _ in range(4000))
    with pytest.raises(InputError) as ei:
        textmod.decode(noise, "n.txt")
    assert ei.value.code == "unknown_encoding"
    p = tmp_path / "noise.txt"
    p.write_bytes(noise)
    doc = parse_file(p)
    assert doc.status == "failed" and doc.errors[0].code == "unknown_encoding"
    assert str(p) in doc.errors[0].message


@pytest.mark.corpus
@pytest.mark.parametrize("path", dev_files("*.txt"), ids=lambda p: p.stem)
def test_dev_txt_files_are_gb18030_one_paragraph_per_line(corpus_dir: Path, path: Path) -> None:
    doc = parse_file(path)
    assert doc.status == "ok"
    assert doc.source.encoding == "gb18030" and doc.source.format == "txt"
    lines = [ln.strip() for ln in path.read_bytes().decode("gb18030").splitlines() if ln.strip()]
    assert len(doc.blocks) == len(lines)
    assert all(b.loc.block == i for i, b in enumerate(doc.blocks))
    # each block is its line, normalised
    from pipeline.normalise import normalise

    assert [b.text for b in doc.blocks] == [normalise(ln) for ln in lines]


@pytest.mark.corpus
def test_dev_txt_headings(corpus_dir: Path) -> None:
    doc = parse_file(next(p for p in dev_files("*.txt") if p.name.startswith("35_")))
    heads = [(b.text, b.level, b.signal) for b in doc.blocks if b.kind == "heading"]
    assert ("二、主要内容", 1, "enumerator") in heads
    assert ("三、方法步骤", 1, "enumerator") in heads
    assert any(t.startswith("(一)制定实施方案") and lvl == 2 for t, lvl, _ in heads)
    # a long numbered sentence is not a heading
    assert all(len(t) <= 45 for t, _, _ in heads)


@pytest.mark.parametrize(
    "line, kind, level",
    [
        ("一、指导思想", "heading", 1),
        ("（二）工作目标", "heading", 2),
        ("1.成立组织机构", "heading", 3),
        ("1、成立组织机构。成立局廉政风险防控工作领导小组，由局长任组长。", "list_item", None),
        ("一是加强领导。", "list_item", None),
        ("为深入推进惩治和预防腐败体系建设，制定本方案。", "paragraph", None),
        ("2016年工作总结", "paragraph", None),
    ],
)
def test_line_kinds(tmp_path: Path, line: str, kind: str, level: int | None) -> None:
    p = tmp_path / "a.txt"
    p.write_text(line + "\n", encoding="utf-8")
    (b,) = parse_file(p).blocks
    assert (b.kind, b.level) == (kind, level)
    if kind == "heading":
        assert b.signal == "enumerator" and b.enumerator and line.startswith(b.enumerator)


def test_markdown_headings_and_pipe_table(tmp_path: Path) -> None:
    p = tmp_path / "plan.md"
    p.write_text(
        "# 某局廉政风险防控实施方案\n\n## 一、指导思想\n\n正文一段。\n\n"
        "| 风险点 | 等级 | 防控措施 |\n|---|---|---|\n| 公车私用 | 低 | 加强管理 |\n| 违规审批 | 高 | 集体决策 |\n\n"
        "```\n# 不是标题\n```\n",
        encoding="utf-8",
    )
    doc = parse_file(p)
    assert doc.source.format == "md"
    kinds = [(b.kind, b.level, b.signal, b.text) for b in doc.blocks if b.kind != "table"]
    assert kinds[:3] == [
        ("heading", 1, "style", "某局廉政风险防控实施方案"),
        ("heading", 2, "style", "一、指导思想"),
        ("paragraph", None, None, "正文一段。"),
    ]
    assert ("paragraph", None, None, "# 不是标题") in kinds
    (t,) = doc.tables()
    assert t.grid() == [["风险点", "等级", "防控措施"], ["公车私用", "低", "加强管理"], ["违规审批", "高", "集体决策"]]
    assert doc.title == "某局廉政风险防控实施方案"


def test_tab_separated_run_becomes_a_table(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("风险点一览\n序号\t风险点\t等级\n1\t公车私用\t低\n2\t违规审批\t高\n说明：以上为初步排查结果。\n"
                 "单独一行\t只有一行不算表\n", encoding="gb18030")
    doc = parse_file(p)
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "paragraph", "paragraph"]
    t = doc.blocks[1].table
    assert t is not None and (t.n_rows, t.n_cols) == (3, 3)
    assert t.grid()[2] == ["2", "违规审批", "高"]
    assert t.cells[4].loc.table == 0 and (t.cells[4].loc.row, t.cells[4].loc.col) == (1, 1)


def test_csv(tmp_path: Path) -> None:
    p = tmp_path / "risks.csv"
    p.write_bytes("序号,风险点,等级\n1,公车私用,低\n2,\"违规审批,超范围\",高\n".encode("gb18030"))
    doc = parse_file(p)
    assert doc.source.encoding == "gb18030" and doc.source.format == "csv"
    (t,) = doc.tables()
    assert t.grid() == [["序号", "风险点", "等级"], ["1", "公车私用", "低"], ["2", "违规审批,超范围", "高"]]


def test_blank_file_has_an_error(tmp_path: Path) -> None:
    p = tmp_path / "blank.txt"
    p.write_text("\n  \n\n", encoding="utf-8")
    doc = parse_file(p)
    assert doc.blocks == [] and [e.code for e in doc.errors] == ["no_text"]
