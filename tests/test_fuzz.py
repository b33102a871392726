"""Fuzzing with hypothesis: mutated files never make ``parse_file`` raise or hang, and random
tables never make the extraction stages raise.

Small by default (CI); ``HYPOTHESIS_PROFILE=long`` runs many more examples locally. Every
example runs under an alarm: a parse that takes longer than ``_PER_EXAMPLE_S`` fails the
test as a hang instead of stalling the suite.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.model import Block, Cell, Document, Source, Table

_LONG = os.environ.get("HYPOTHESIS_PROFILE", "") in ("long", "fuzz", "nightly")
_EXAMPLES = 600 if _LONG else 20
_PER_EXAMPLE_S = 20

_spec = importlib.util.spec_from_file_location(
    "_lianfang_hostile_generators", Path(__file__).resolve().parent / "hostile" / "generators.py")
assert _spec and _spec.loader
gen = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = gen  # dataclasses look their module up while the file executes
_spec.loader.exec_module(gen)

SEEDS: dict[str, bytes] = {
    "docx": gen.simple_docx(["廉政风险防控实施方案", "一、工作目标"],
                            [["序号", "风险点", "风险等级", "防控措施", "责任人"],
                             ["1", "审批把关不严", "一级", "1.集体研究\n2.全程留痕", "局长"]]),
    "xlsx": gen.xlsx_with_cells([["序号", "风险点", "风险等级", "防控措施"], ["1", "违规采购", "二级", "公开招标"]]),
    "pdf": gen.simple_pdf(["Risk register", "1. approval without review", "Measures: collective decision"]),
    "txt": "\n".join(gen.RISK_LINES + ["共查找风险点3个，制定防控措施5条。"]).encode("gb18030"),
}


class _Hang(BaseException):
    """Not an Exception: parse_file must not be able to swallow it."""


def _alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Hang(f"no answer within {_PER_EXAMPLE_S}s")


@st.composite
def mutations(draw: st.DrawFn, seed: bytes) -> bytes:
    """The seed after a few flips, truncations, insertions, deletions or block copies."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "duplicate", "zero"]))
        n = len(data)
        if n == 0:
            break
        i = draw(st.integers(0, n - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[i:]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=32))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 64))]
        elif op == "duplicate":
            j = min(n, i + draw(st.integers(1, 256)))
            data[j:j] = data[i:j]
        else:
            j = min(n, i + draw(st.integers(1, 64)))
            data[i:j] = bytes(j - i)
    return bytes(data)


def _check_parse(path: Path) -> Document:
    from pipeline.parse import parse_file

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(_PER_EXAMPLE_S)
    try:
        doc = parse_file(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert isinstance(doc, Document)
    assert doc.status in ("ok", "partial", "failed")
    if doc.status != "ok":
        assert doc.errors, "a document that is not ok must say why"
    for e in doc.errors:
        assert e.code and e.message
    doc.model_dump_json()  # whatever came back can be written out
    return doc


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_seeds_parse(tmp_path: Path, fmt: str) -> None:
    doc = _check_parse(_write(tmp_path, fmt, SEEDS[fmt]))
    assert doc.status == "ok" and doc.blocks, doc.errors


def _write(tmp: Path, fmt: str, data: bytes) -> Path:
    p = tmp / f"fuzz.{fmt}"
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_mutated_files_never_raise(tmp_path_factory: pytest.TempPathFactory, fmt: str) -> None:
    tmp = tmp_path_factory.mktemp(f"fuzz-{fmt}")

    @settings(max_examples=_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutations(SEEDS[fmt]))
    def run(data: bytes) -> None:
        _check_parse(_write(tmp, fmt, data))

    run()


# -- tables into the extraction stages --------------------------------------------------------------

_CELL_TEXT = st.one_of(
    st.sampled_from(["风险点", "风险等级", "防控措施", "责任人", "岗位", "职权名称", "一级", "高", "Ⅱ级", "",
                     "1.集体研究\n2.全程留痕", "分管领导", "科室负责人", "=SUM(A1)", "（一）", "共查找风险点3个"]),
    st.text(max_size=12),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    """A random grid of strings with random (valid) merged cells."""
    n_rows, n_cols = draw(st.integers(1, 8)), draw(st.integers(1, 7))
    taken = [[False] * n_cols for _ in range(n_rows)]
    cells = []
    for r in range(n_rows):
        for c in range(n_cols):
            if taken[r][c]:
                continue
            cs = 1
            while c + cs < n_cols and not taken[r][c + cs] and draw(st.integers(0, 3)) == 0:
                cs += 1
            free_rows = 1  # keep spans rectangular and disjoint
            while r + free_rows < n_rows and not any(taken[r + free_rows][k] for k in range(c, c + cs)):
                free_rows += 1
            rs = draw(st.integers(1, free_rows)) if draw(st.booleans()) else 1
            for i in range(r, r + rs):
                for k in range(c, c + cs):
                    taken[i][k] = True
            cells.append(Cell(row=r, col=c, row_span=rs, col_span=cs, text=draw(_CELL_TEXT)))
    return Table(index=0, n_rows=n_rows, n_cols=n_cols, cells=cells)


@pytest.fixture(scope="module")
def ctx():
    from pipeline.stages import Context

    return Context()


@settings(max_examples=_EXAMPLES * 2, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(t=tables(), heading=st.sampled_from(["", "附件1 廉政风险点台账", "一、风险点"]))
def test_random_tables_never_break_the_stages(ctx, t: Table, heading: str) -> None:
    from pipeline.stages import build_pipeline

    blocks = [Block(index=0, kind="paragraph", text=heading)] if heading else []
    blocks.append(Block(index=len(blocks), kind="table", table=t))
    doc = Document(source=Source(path="fuzz.docx", format="docx"), blocks=blocks)
    for stage in build_pipeline():
        out = stage.run(doc, ctx)  # called directly: run_stages would hide an exception
        assert isinstance(out, Document), stage.NAME
        doc = out
    for r in doc.risks:
        assert all(m in {x.id for x in doc.measures} for m in r.measures)
    doc.model_dump_json()
