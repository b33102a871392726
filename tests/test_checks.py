"""Rule tests driven by tests/cases/<RULE>.yml: each file holds `fail:` cases (the rule must fire,
exactly as listed in `expect`) and `pass:` cases (it must not), built from tiny document sketches.

Sketch keys (all optional): path, kind, unit, title, status, stated_counts, measure_col,
risks[{id, name, manifestation, owner, department, post, level, level_raw, power, responsible,
ranks, measures[str | {text, line, generic}], measures_unreadable, loc{page, table, row, col}}],
orphan_measures, powers[{id, name} | str], responsibles[{name, rank}], plan{level_scheme
[[level, name]], owner_by_level, phases[{name, start, end}], annexes[str | {title, block}]},
paragraphs[str | {heading: str}], tables[[[cell, …], …]], errors[{stage, code, message, loc}].
A case may set `profile` (settings over the default), `lang`, `states` ({risk id: state}).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.checks import check_documents, rules, run_checks
from pipeline.checks.profile import profile_from_dict
from pipeline.model import (
    Annex,
    Block,
    Cell,
    Document,
    ErrorItem,
    LevelDef,
    Loc,
    Measure,
    Phase,
    Plan,
    Power,
    Responsible,
    Risk,
    Source,
    Table,
)

CASES = Path(__file__).parent / "cases"
_RAW_LEVEL = {"high": "高", "medium": "中", "low": "低"}


# -- building documents from sketches ------------------------------------------------------------

def _measure(mid: str, spec: Any, risk: str | None, loc: Loc) -> Measure:
    if isinstance(spec, str):
        spec = {"text": spec}
    return Measure(id=spec.get("id", mid), text=spec.get("text", ""), defense_line=spec.get("line"),
                   generic=bool(spec.get("generic", False)), risk=risk, loc=loc)


def _s(v: Any) -> str | None:
    return None if v is None else str(v)  # YAML reads 2026-03-01 as a date


def build_doc(sk: dict[str, Any], i: int = 0) -> Document:
    path = sk.get("path", f"unit/doc{i}.docx")
    risks = sk.get("risks") or []
    doc = Document(source=Source(path=path, format=Path(path).suffix.lstrip(".")),
                   kind=sk.get("kind", "risk_table" if risks else "unknown"),
                   unit=sk.get("unit"), title=sk.get("title"), status=sk.get("status", "ok"),
                   stated_counts=sk.get("stated_counts") or {})
    blocks: list[Block] = []
    for p in sk.get("paragraphs") or []:
        if isinstance(p, dict):
            blocks.append(Block(index=len(blocks), kind="heading", level=1, text=p["heading"],
                                loc=Loc(block=len(blocks))))
        else:
            blocks.append(Block(index=len(blocks), kind="paragraph", text=p, loc=Loc(block=len(blocks))))
    for ti, rows in enumerate(sk.get("tables") or []):
        n_cols = max(len(r) for r in rows)
        cells = [Cell(row=r, col=c, text=str(v), loc=Loc(table=ti, row=r, col=c))
                 for r, row in enumerate(rows) for c, v in enumerate(row)]
        t = Table(index=ti, n_rows=len(rows), n_cols=n_cols, cells=cells, loc=Loc(table=ti))
        blocks.append(Block(index=len(blocks), kind="table", table=t, loc=Loc(block=len(blocks), table=ti)))
    doc.blocks = blocks
    mcol = sk.get("measure_col")
    for ri, r in enumerate(risks):
        rid = r["id"]
        loc = Loc(**r["loc"]) if "loc" in r else Loc(table=0, row=ri + 1, col=1)
        mloc = loc.at(col=mcol) if mcol is not None else loc
        ms = [_measure(f"{rid}-M{k + 1}", m, rid, mloc) for k, m in enumerate(r.get("measures") or [])]
        doc.measures.extend(ms)
        level = r.get("level")
        doc.risks.append(Risk(
            id=rid, name=r.get("name", rid), manifestation=r.get("manifestation"), owner=r.get("owner"),
            department=r.get("department"), post=r.get("post"), level=level,
            level_raw=r.get("level_raw", _RAW_LEVEL.get(level or "")), power=r.get("power"),
            measures=[m.id for m in ms], measures_unreadable=bool(r.get("measures_unreadable", False)),
            responsible=list(r.get("responsible") or []), responsible_ranks=list(r.get("ranks") or []),
            loc=loc,
        ))
    for k, m in enumerate(sk.get("orphan_measures") or []):
        doc.measures.append(_measure(f"X{k + 1}", m, None, Loc(table=0, row=90 + k, col=2)))
    for k, p in enumerate(sk.get("powers") or []):
        p = {"name": p} if isinstance(p, str) else p
        doc.powers.append(Power(id=p.get("id", f"P{k + 1}"), name=p["name"], loc=Loc(table=0, row=k + 1, col=1)))
    for r in sk.get("responsibles") or []:
        doc.responsibles.append(Responsible(id=f"H-{r['name']}", name=r["name"], rank=r.get("rank")))
    if "plan" in sk:
        pl = sk["plan"] or {}
        doc.plan = Plan(
            level_scheme=[LevelDef(level=lv, name=nm) for lv, nm in pl.get("level_scheme") or []],
            owner_by_level=pl.get("owner_by_level") or {},
            phases=[Phase(name=p["name"], start=_s(p.get("start")), end=_s(p.get("end")), loc=Loc(block=k))
                    for k, p in enumerate(pl.get("phases") or [])],
            annexes=[Annex(title=a) if isinstance(a, str) else Annex(title=a["title"], loc=Loc(block=a.get("block")))
                     for a in pl.get("annexes") or []],
        )
    for e in sk.get("errors") or []:
        doc.errors.append(ErrorItem(stage=e.get("stage", "parse"), code=e["code"], message=e["message"],
                                    loc=Loc(**e["loc"]) if "loc" in e else None))
    return doc


def build_docs(case: dict[str, Any]) -> list[Document]:
    return [build_doc(sk, i) for i, sk in enumerate(case.get("docs") or [])]


# -- collecting the cases -------------------------------------------------------------------------

def _load_cases() -> list[tuple[str, str, str, dict[str, Any]]]:
    out = []
    for f in sorted(CASES.glob("*.yml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        for kind in ("fail", "pass"):
            for case in data.get(kind) or []:
                out.append((data["rule"], kind, case["name"], case))
    return out


ALL_CASES = _load_cases()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rule_case" in metafunc.fixturenames:
        metafunc.parametrize("rule_case", ALL_CASES, ids=[f"{r}_{n}" for r, _, n, _ in ALL_CASES])


def _run(case: dict[str, Any]) -> list[Document]:
    docs = build_docs(case)
    profile = profile_from_dict(case["profile"]) if "profile" in case else None
    run_checks(docs, profile, case.get("lang", "zh"))
    return docs


def test_rule_case(rule_case: tuple[str, str, str, dict[str, Any]]) -> None:
    rule, kind, name, case = rule_case
    docs = _run(case)
    got = [(i, f) for i, d in enumerate(docs) for f in d.findings if f.rule == rule]
    if kind == "pass":
        assert got == [], [f.message for _, f in got]
    else:
        expect = case.get("expect") or [{}]
        assert len(got) == len(expect), [f.message for _, f in got]
        free = list(got)
        for e in expect:
            match = next((g for g in free if _matches(g, e)), None)
            assert match is not None, f"no finding like {e} among {[(i, f.refs, f.message) for i, f in free]}"
            free.remove(match)
    for d in docs:
        for r in d.risks:
            assert r.state is not None, f"risk {r.id} has no state"
    for rid, state in (case.get("states") or {}).items():
        risk = next(r for d in docs for r in d.risks if r.id == rid)
        assert risk.state == state, f"{rid}: {risk.state} != {state}"


def _matches(got: tuple[int, Any], e: dict[str, Any]) -> bool:
    i, f = got
    if "doc" in e and e["doc"] != i:
        return False
    if "refs" in e and set(f.refs) != set(e["refs"]):
        return False
    if "contains" in e and not all(str(c) in f.message for c in ([e["contains"]] if isinstance(e["contains"], str)
                                                            else e["contains"])):
        return False
    if "severity" in e and f.severity != e["severity"]:
        return False
    return True


# -- catalogue-level properties -------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(rules()))
def test_every_rule_has_failing_and_passing_cases(code: str) -> None:
    f = CASES / f"{code}.yml"
    assert f.is_file(), f"missing tests/cases/{code}.yml"
    data = yaml.safe_load(f.read_text(encoding="utf-8"))
    assert data["rule"] == code
    assert data.get("fail") and data.get("pass")


def test_case_names_unique() -> None:
    ids = [f"{r}_{n}" for r, _, n, _ in ALL_CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("code", sorted(rules()))
def test_rule_metadata_complete(code: str) -> None:
    r = rules()[code]
    assert r.name and r.name == r.name.lower() and " " not in r.name
    assert r.severity in ("error", "warning", "info")
    for text in (r.message, r.message_en, r.hint, r.hint_en, r.summary, r.summary_zh, r.fail_example,
                 r.pass_example):
        assert text.strip()


def _gap_table() -> list[Document]:
    return build_docs({"docs": [{"risks": [
        {"id": "R1", "name": "公车私用", "owner": "办公室", "level": "low", "measures": ["派车单制度"]},
        {"id": "R2", "name": "违规报销", "owner": "财务科", "level": "medium", "measures": []},
    ]}]})


def test_running_twice_gives_the_same_findings() -> None:
    docs = _gap_table()
    check_documents(docs)
    first = [f.model_dump() for f in docs[0].findings]
    check_documents(docs)
    assert [f.model_dump() for f in docs[0].findings] == first
    assert [f.rule for f in docs[0].findings].count("LF101") == 1


@pytest.mark.parametrize("lang,needle", [("zh", "没有防控措施"), ("en", "has no countermeasure")])
def test_message_language(lang: str, needle: str) -> None:
    docs = _gap_table()
    run_checks(docs, lang=lang)
    f = next(f for f in docs[0].findings if f.rule == "LF101")
    assert needle in f.message
    assert "has no countermeasure" in (f.message_en or "")
    assert f.loc.file == "unit/doc0.docx" and f.refs == ["R2"]


def test_finding_names_the_risk_and_its_cell() -> None:
    docs = build_docs({"docs": [{"measure_col": 7, "risks": [
        {"id": "R1", "name": "公车私用", "owner": "办公室", "measures": ["派车单制度"], "loc": {"table": 0, "row": 3, "col": 3}},
        {"id": "R2", "name": "违规报销", "owner": "财务科", "measures": [], "loc": {"table": 0, "row": 4, "col": 3}},
    ]}]})
    run_checks(docs)
    f = next(f for f in docs[0].findings if f.rule == "LF101")
    # the empty measure cell: the risk's row, the column the table's measures come from
    assert (f.loc.table, f.loc.row, f.loc.col) == (0, 4, 7)
    assert "违规报销" in f.message and "表1 第5行第8列" in f.message


@pytest.mark.parametrize("measures,unreadable,responsible,level,generic,state", [
    ([], True, [], "high", False, "undecidable"),
    ([], False, [], "high", False, "uncovered"),
    (["派车单制度"], False, [], "high", False, "owner_missing"),
    (["加强教育"], False, ["局长"], "high", True, "generic_only"),
    (["加强教育"], False, ["局长"], "low", True, "covered"),  # generic_only is for high risks only
    (["派车单制度"], False, ["局长"], "high", False, "covered"),
])
def test_state_precedence(measures: list[str], unreadable: bool, responsible: list[str], level: str,
                          generic: bool, state: str) -> None:
    docs = build_docs({"docs": [{"risks": [{
        "id": "R1", "name": "公车私用", "level": level, "responsible": responsible,
        "measures": [{"text": m, "generic": generic} for m in measures], "measures_unreadable": unreadable,
    }]}]})
    run_checks(docs)
    assert docs[0].risks[0].state == state


def test_suppression_by_file_glob() -> None:
    case = {"docs": [{"path": "u/附件1.docx", "risks": [{"id": "R1", "owner": "办公室", "measures": []}]},
                     {"path": "u/table.docx", "risks": [{"id": "R2", "owner": "办公室", "measures": []}]}]}
    docs = build_docs(case)
    run_checks(docs, profile_from_dict({"ignore": [{"rule": "LF101", "files": "**/附件*.docx"}]}))
    assert [f.rule for f in docs[0].findings if f.rule == "LF101"] == []
    assert [f.refs for f in docs[1].findings if f.rule == "LF101"] == [["R2"]]
    # the state is a fact about the risk, independent of what is reported
    assert docs[0].risks[0].state == "uncovered"


def test_severity_from_profile_and_off() -> None:
    docs = _gap_table()
    run_checks(docs, profile_from_dict({"rules": {"LF101": "info", "LF104": "off"}}))
    sev = {f.rule: f.severity for f in docs[0].findings}
    assert sev.get("LF101") == "info"
    assert "LF104" not in sev


# -- on the real dev corpus (skipped without it) ---------------------------------------------------

def _extract(corpus: Path, name: str) -> list[Document]:
    from pipeline.api import extract

    return extract([corpus / "dev" / "files" / name])  # extract groups units and runs the checks


def _gold(corpus: Path, name: str) -> dict[str, Any]:
    import json

    return json.loads((corpus / "dev" / "gold" / f"{name}.gold.json").read_text(encoding="utf-8"))


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["90_composite.docx"])  # the .pdf rendering: same figures, 8× slower
def test_corpus_every_empty_measure_cell_is_lf101(corpus_dir: Path, name: str) -> None:
    doc = _extract(corpus_dir, name)[0]
    gold = _gold(corpus_dir, name)
    if not doc.risks:
        pytest.skip(f"{name}: extraction found no risks yet")
    flagged = {ref for f in doc.findings if f.rule == "LF101" for ref in f.refs}
    uncovered = [r for r in doc.risks if r.state == "uncovered"]
    assert {r.id for r in uncovered} == flagged
    # as many gaps as the gold has empty measure cells, and each one is a gold gap by name
    gold_gaps = [g for g in gold["risks"] if g["measures"] == []]
    assert len(uncovered) == len(gold_gaps)
    gap_keys = {(g["name"], (g.get("manifestation") or "")[:10]) for g in gold_gaps}
    for r in uncovered:
        assert not r.measures
        assert any(r.name == n for n, _ in gap_keys), r.name
    # no risk with measures is reported
    assert all(r.measures for r in doc.risks if r.id not in flagged)


@pytest.mark.corpus
def test_corpus_seed004_fewer_measures_than_risks(corpus_dir: Path) -> None:
    doc = _extract(corpus_dir, "seed004.docx")[0]
    gold = _gold(corpus_dir, "seed004.docx")["stated_counts"]
    assert gold["measures"] < gold["risk_points"]  # the premise, from the document itself
    hits = [f for f in doc.findings if f.rule == "LF111"]
    assert len(hits) == 1
    assert str(gold["risk_points"]) in hits[0].message and str(gold["measures"]) in hits[0].message


def test_rules_doc_is_generated_from_the_metadata() -> None:
    from pipeline.checks.docs import rules_markdown

    doc = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
    text = doc.read_text(encoding="utf-8")
    assert text == rules_markdown(), "docs/rules.md is stale: python -m pipeline.checks.docs > docs/rules.md"
    for code, r in rules().items():
        assert f"### {code} {r.name}" in text  # every rule has its entry
