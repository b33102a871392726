import json
from pathlib import Path

import jsonschema
import pytest

from pipeline.ids import stable_id
from pipeline.model import SCHEMA_VERSION, Cell, Document, Finding, Loc, Measure, Risk, Source, Table
from pipeline.schema import document_schema

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "schema" / "document.schema.json"


def _doc() -> Document:
    d = Document(source=Source(path="in/06.docx", sha256="ab", format="docx"))
    d.measures.append(Measure(id="M1", text="加强教育", loc=Loc(file="in/06.docx", table=0, row=2, col=7)))
    d.risks.append(Risk(id="R1", name="公车私用", level="low", level_raw="低", measures=["M1"],
                        loc=Loc(file="in/06.docx", table=0, row=2, col=3, span=(0, 4))))
    d.findings.append(Finding(rule="LF101", severity="error", message="无措施", refs=["R1"]))
    return d


def test_committed_schema_is_current() -> None:
    """Regenerate with `make schema` when the model changes (and bump SCHEMA_VERSION if the shape did)."""
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == json.loads(json.dumps(document_schema()))


def test_contract_validates_against_committed_schema() -> None:
    out = _doc().to_contract()
    jsonschema.validate(out, json.loads(COMMITTED.read_text(encoding="utf-8")))
    assert out["schema_version"] == SCHEMA_VERSION
    # loc carries only the keys that apply
    assert out["risks"][0]["loc"] == {"file": "in/06.docx", "table": 0, "row": 2, "col": 3, "span": [0, 4]}
    assert "blocks" not in out


def test_json_round_trip() -> None:
    d = _doc()
    again = Document.model_validate_json(d.model_dump_json())
    assert again == d


def test_stable_ids() -> None:
    assert stable_id("R", "sha", 0, 5) == stable_id("R", "sha", 0, 5)
    assert stable_id("R", "sha", 0, 5) != stable_id("R", "sha", 0, 6)
    assert stable_id("R", "x").startswith("R-")


# a 4×3 grid: col 0 merged over rows 1-3, row 0 col 1-2 merged
GRID = Table(index=0, n_rows=4, n_cols=3, cells=[
    Cell(row=0, col=0, text="科室"), Cell(row=0, col=1, col_span=2, text="风险"),
    Cell(row=1, col=0, row_span=3, text="办公室"), Cell(row=1, col=1, text="a"), Cell(row=1, col=2, text="b"),
    Cell(row=2, col=1, text="c"), Cell(row=2, col=2, text="d"),
    Cell(row=3, col=1, text="e"),
])


@pytest.mark.parametrize(("filled", "expected"), [
    (True, [["科室", "风险", "风险"], ["办公室", "a", "b"], ["办公室", "c", "d"], ["办公室", "e", ""]]),
    (False, [["科室", "风险", None], ["办公室", "a", "b"], [None, "c", "d"], [None, "e", None]]),
])
def test_grid_views(filled: bool, expected: list) -> None:
    assert GRID.grid(filled=filled) == expected


def test_origin_map_points_to_merged_origin() -> None:
    m = GRID.origin_map()
    assert m[3][0] is m[1][0] and m[1][0].text == "办公室"
    assert m[3][2] is None


def test_add_error_sets_status() -> None:
    d = Document(source=Source(path="x"))
    d.add_error("parse", "garbled_page", "x: page 2 garbled")
    assert d.status == "partial"
    d.add_error("parse", "encrypted", "x: encrypted", fatal=True)
    assert d.status == "failed"


@pytest.mark.parametrize("include_blocks", [False, True])
@pytest.mark.parametrize("indent", [None, 1])
def test_contract_bytes_are_the_contract_json_encoded(include_blocks: bool, indent: int | None) -> None:
    from pipeline.api import process_file

    sample = sorted((Path(__file__).resolve().parent.parent / "samples").rglob("*.docx"))[0]
    doc = process_file(sample)
    want = doc.contract_json(include_blocks=include_blocks, indent=indent).encode("utf-8")
    assert doc.contract_bytes(include_blocks=include_blocks, indent=indent) == want
    assert want.count(b'"blocks"') == (1 if include_blocks else 0)
