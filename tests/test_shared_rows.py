"""The batch makes each finding's report row once: for its summary spool and for the unit report."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import batch
from pipeline.checks import run_checks
from pipeline.report.view import build_unit_report, renderings
from pipeline.units import units as make_units

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_report_from_shared_rows_equals_the_one_made_alone(lang: str) -> None:
    files = sorted(p for p in SAMPLES.rglob("*") if p.suffix in {".docx", ".xlsx", ".txt", ".pdf"})
    docs = [batch._process(str(f)) for f in files]
    groups = make_units(docs)
    run_checks(docs, batch._profile(None), lang, units=[(u.key, u.name, u.docs) for u in groups])
    twins = renderings(docs)

    def show(p: str) -> str:
        return Path(p).name

    made: dict[int, object] = {}
    for d in docs:
        batch._rows_blob(d, show, lang, made)
    assert len(made) == sum(len(d.findings) for d in docs) > 0
    for u in groups:
        alone = build_unit_report(u.key, u.name, u.docs, lang=lang, display=show, twins=twins)
        shared = build_unit_report(u.key, u.name, u.docs, lang=lang, display=show, twins=twins,
                                   made=made)  # type: ignore[arg-type]
        assert shared == alone
        assert all(any(r is m for m in made.values()) for r in shared.findings)  # made once, not twice
