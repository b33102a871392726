"""The responsibility graph: structure, roll-up, queries, exports, the SVG picture and the command."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from test_checks import build_docs

from pipeline.checks import run_checks
from pipeline.graph import (
    build_graph,
    departments_by_gaps,
    risks_of_owner,
    to_dot,
    to_json,
    to_svg,
    uncovered_risks,
    write_graph,
)
from pipeline.model import Document

RELATIONS = {"has_department", "has_post", "exercises", "has_risk", "mitigated_by", "responsible_for", "supervises"}
KINDS = {"unit", "department", "post", "power", "risk", "measure", "person"}
SVG = "{http://www.w3.org/2000/svg}"


def _checked(case: dict[str, Any]) -> list[Document]:
    docs = build_docs(case)
    run_checks(docs)
    return docs


UNIT = {"docs": [
    {"path": "u/职权目录.xlsx", "kind": "power_catalog", "powers": [{"id": "P1", "name": "行政许可"},
                                                               {"id": "P2", "name": "行政处罚"}]},
    {"path": "u/自查表.docx", "responsibles": [{"name": "王五", "rank": "supervisor"}], "risks": [
        {"id": "R1", "name": "许可审查不严", "department": "审批科", "post": "审批岗", "power": "P1", "level": "high",
         "responsible": ["局长", "王五"], "ranks": ["principal", "supervisor"],
         "measures": [{"text": "两人审核", "line": "monitoring"}, {"text": "违规追责", "line": "disposal"}]},
        {"id": "R2", "name": "公车私用", "department": "办公室", "level": "low", "responsible": ["分管副局长"],
         "measures": ["实行派车单制度"]},
        {"id": "R3", "name": "违规报销", "department": "财务科", "level": "high", "responsible": ["局长"],
         "measures": []},
        {"id": "R4", "name": "办公用品领用", "department": "办公室", "level": "medium", "measures": ["登记"]},
    ]},
]}


@pytest.fixture(scope="module")
def G() -> nx.DiGraph:
    return build_graph(_checked(UNIT))


def test_every_node_has_a_kind_and_every_edge_a_relation(G: nx.DiGraph) -> None:
    assert {d["kind"] for _, d in G.nodes(data=True)} == KINDS
    assert {d["relation"] for *_, d in G.edges(data=True)} == RELATIONS
    for n, d in G.nodes(data=True):
        assert n.startswith(d["kind"] if d["kind"] != "department" else "dept")


def test_the_chain(G: nx.DiGraph) -> None:
    path = ["unit:folder:u", "dept:folder:u/审批科", "post:folder:u/审批科/审批岗", "power:P1", "risk:R1"]
    for a, b in zip(path, path[1:], strict=False):
        assert G.has_edge(a, b), (a, b)
    assert [G.edges[a, b]["relation"] for a, b in zip(path, path[1:], strict=False)] == \
        ["has_department", "has_post", "exercises", "has_risk"]
    assert sorted(G.successors("risk:R1")) == ["measure:R1-M1", "measure:R1-M2"]
    assert G.edges["person:folder:u/王五", "risk:R1"]["relation"] == "supervises"
    assert G.edges["person:folder:u/局长", "risk:R1"]["relation"] == "responsible_for"
    assert G.nodes["person:folder:u/局长"]["rank"] == "principal"


def test_ids_are_stable() -> None:
    a, b = build_graph(_checked(UNIT)), build_graph(_checked(UNIT))
    assert sorted(a.nodes) == sorted(b.nodes) and sorted(a.edges) == sorted(b.edges)


def test_gaps_carry_state_and_findings(G: nx.DiGraph) -> None:
    r3 = G.nodes["risk:R3"]
    assert r3["state"] == "uncovered" and "LF101" in r3["findings"]
    assert any("违规报销" in m for m in r3["finding_messages"])
    assert G.nodes["risk:R4"]["state"] == "covered"  # the department answers for it
    assert "findings" not in G.nodes["risk:R2"]
    p2 = G.nodes["power:P2"]  # listed, analysed by no risk
    assert "LF106" in p2["findings"] and G.has_edge("unit:folder:u", "power:P2")


@pytest.mark.parametrize("node,status", [
    ("dept:folder:u/财务科", "red"),       # a high risk without measures
    ("dept:folder:u/审批科", "green"),     # a high risk on two lines with a principal owner
    ("dept:folder:u/办公室", "green"),
    ("unit:folder:u", "red"),              # the worst below it
    ("power:P2", "yellow"),               # an LF106 gap
])
def test_roll_up(G: nx.DiGraph, node: str, status: str) -> None:
    assert G.nodes[node]["status"] == status
    assert G.nodes[node]["status_zh"] == {"red": "红", "yellow": "黄", "green": "绿"}[status]


@pytest.mark.parametrize("state,level,status", [
    ("uncovered", "high", "red"), ("owner_missing", "high", "red"), ("uncovered", "low", "yellow"),
    ("generic_only", "high", "yellow"), ("covered", "high", "green"),
])
def test_roll_up_table(state: str, level: str, status: str) -> None:
    risk: dict[str, Any] = {"id": "R1", "name": "风险", "department": "科", "level": level}
    if state != "owner_missing":
        risk["responsible"] = ["局长"]
        risk["ranks"] = ["principal"]
    risk["measures"] = [] if state == "uncovered" else [{"text": "加强教育", "generic": state == "generic_only",
                                                         "line": "prevention"}, {"text": "审核", "line": "monitoring"}]
    if state == "generic_only":
        risk["measures"] = [{"text": "加强教育", "generic": True}]
    if state == "owner_missing":
        risk["department"] = None
    G = build_graph(_checked({"docs": [{"path": "x/t.docx", "risks": [risk]}]}))
    assert G.nodes["risk:R1"]["state"] == state
    assert G.nodes["unit:folder:x"]["status"] == status


def test_queries(G: nx.DiGraph) -> None:
    assert uncovered_risks(G) == ["risk:R3"]
    assert uncovered_risks(G, unit="folder:u") == ["risk:R3"] == uncovered_risks(G, unit="u")
    assert uncovered_risks(G, unit="folder:elsewhere") == []
    assert sorted(risks_of_owner(G, "局长")) == ["risk:R1", "risk:R3"]
    assert sorted(risks_of_owner(G, "办公室")) == ["risk:R2", "risk:R4"]
    assert risks_of_owner(G, "无此人") == []
    ranked = departments_by_gaps(G)
    assert ranked[0] == ("dept:folder:u/财务科", 1)
    assert [k for _, k in ranked] == sorted((k for _, k in ranked), reverse=True)


def test_renderings_are_drawn_once() -> None:
    risk = {"id": "R1", "name": "公车私用", "department": "办公室", "measures": ["派车单"]}
    docs = _checked({"docs": [{"path": "u/表.docx", "risks": [risk]}, {"path": "u/表.pdf", "risks": [risk]}]})
    G = build_graph(docs)
    assert sum(1 for _, d in G.nodes(data=True) if d["kind"] == "risk") == 1


# -- exports ----------------------------------------------------------------------------------------

def test_graphml_and_gexf_round_trip(G: nx.DiGraph, tmp_path: Path) -> None:
    write_graph(G, "graphml", tmp_path / "g.graphml")
    H = nx.read_graphml(tmp_path / "g.graphml")
    assert set(H.nodes) == set(G.nodes) and H.number_of_edges() == G.number_of_edges()
    assert json.loads(H.nodes["risk:R3"]["findings"]) == G.nodes["risk:R3"]["findings"]  # lists serialised
    write_graph(G, "gexf", tmp_path / "g.gexf")
    X = nx.read_gexf(tmp_path / "g.gexf")
    assert X.number_of_nodes() == G.number_of_nodes()
    assert X.nodes["risk:R3"]["state"] == "uncovered"


def test_json_is_node_link(G: nx.DiGraph, tmp_path: Path) -> None:
    write_graph(G, "json", tmp_path / "g.json")
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert "edges" in data and "nodes" in data
    H = nx.node_link_graph(data, edges="edges")
    assert set(H.nodes) == set(G.nodes)
    assert to_json(G)["nodes"][0]["kind"] == "unit"


NASTY = '引号"与\\反斜杠\n换行 <script>alert(1)</script> & 符号'


def _nasty_graph() -> nx.DiGraph:
    return build_graph(_checked({"docs": [{"path": "n/表.docx", "risks": [
        {"id": "R1", "name": NASTY, "department": '科"室', "measures": []}]}]}))


def test_dot_is_quoted_and_escaped() -> None:
    dot = to_dot(_nasty_graph())
    assert dot.startswith("digraph lianfang {") and dot.rstrip().endswith("}")
    body = [ln for ln in dot.splitlines()[4:-1]]
    for ln in body:
        # every statement ends with ';' and no raw newline or unescaped quote breaks a string
        unescaped = ln.replace('\\\\', "").replace('\\"', "")
        assert unescaped.count('"') % 2 == 0, ln
        assert ln.endswith(";")
    assert '\\"' in dot and "\\n" in dot
    assert '"dept:folder:n/科\\"室"' in dot


def test_svg_is_well_formed_escaped_and_shows_gaps() -> None:
    svg = to_svg(_nasty_graph())
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert "Noto Sans CJK SC" in root.get("font-family", "") and "sans-serif" in root.get("font-family", "")
    assert root.find(f".//{SVG}script") is None  # the planted script is text, not an element
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any(NASTY.split("\n")[0] in t and "<script>" in t for t in titles)  # full text in the tooltip
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "无防控措施" in texts and "无防控措施（LF101）" in texts
    reds = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#d62728"]
    assert reds  # the uncovered risk is marked red (its stripe), and the legend shows red


def test_svg_scales_to_many_risks() -> None:
    n = 150
    risks = [{"id": f"R{i}", "name": f"风险点{i}" + "很长的名称" * 10, "department": f"科室{i % 6}",
              "level": "high", "responsible": ["局长"], "measures": [] if i % 7 == 0 else ["两人审核"]}
             for i in range(n)]
    svg = to_svg(build_graph(_checked({"docs": [{"path": "big/表.docx", "risks": risks}]})))
    root = ET.fromstring(svg.encode("utf-8"))
    height = float(root.get("height"))
    assert height >= n * 24  # one row per risk
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("风险点") and "很长" in t.text]
    assert len(labels) == n and all(len(t) < 40 for t in labels)  # truncated on the canvas …
    titles = [t.text for t in root.iter(f"{SVG}title") if t.text and t.text.startswith("风险点：")]
    assert len(titles) == n and all("很长的名称" * 10 in t for t in titles)  # … full in the tooltip
    assert texts_count(root, "✗ 无防控措施（LF101）") == len([i for i in range(n) if i % 7 == 0])


def texts_count(root: ET.Element, text: str) -> int:
    return sum(1 for t in root.iter(f"{SVG}text") if t.text == text)


def test_unknown_format_is_a_config_error(G: nx.DiGraph, tmp_path: Path) -> None:
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="graph format"):
        write_graph(G, "png", tmp_path / "g.png")


# -- the command --------------------------------------------------------------------------------------

def test_command_rejects_a_bad_profile(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: profile\nrules: {LF101: loud}\n", encoding="utf-8")
    doc = tmp_path / "x.txt"
    doc.write_text("风险点：公车私用\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["graph", str(doc), "--profile", str(bad), "--out", str(tmp_path / "g.svg")])
    assert res.exit_code == 2
    assert "loud" in res.output
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.corpus
@pytest.mark.parametrize("fmt", ["svg", "graphml"])
def test_command_on_the_composite(corpus_dir: Path, tmp_path: Path, fmt: str) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    src = corpus_dir / "dev" / "files" / "90_composite.docx"
    out = tmp_path / f"g.{fmt}"
    res = CliRunner().invoke(cli, ["graph", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    gold = json.loads((corpus_dir / "dev" / "gold" / "90_composite.docx.gold.json").read_text(encoding="utf-8"))
    gaps = sum(1 for r in gold["risks"] if r["measures"] == [])
    if fmt == "svg":
        root = ET.fromstring(out.read_bytes())
        assert texts_count(root, "✗ 无防控措施（LF101）") == gaps
    else:
        H = nx.read_graphml(out)
        assert sum(1 for _, d in H.nodes(data=True) if d.get("state") == "uncovered") == gaps


@pytest.mark.parametrize("module", ["pipeline.graph", "pipeline.units", "pipeline.checks.common",
                                    "pipeline.checks.consistency", "pipeline.checks.plan", "pipeline.checks.profile"])
def test_doctests(module: str) -> None:
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module))
    assert res.attempted > 0 and res.failed == 0
