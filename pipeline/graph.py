"""The responsibility graph: unit → department → post → power → risk → measure, plus the people answering.

Build it from checked documents (:func:`pipeline.checks.run_checks` sets the risk states and
findings the graph shows), query it with small pure functions, export it as GraphML, GEXF,
node-link JSON, DOT or an SVG picture laid out here (no Graphviz needed).

Nodes have stable string IDs (``unit:…``, ``dept:…``, ``risk:R-…``) and a ``kind``; edges have a
``relation``: has_department, has_post, exercises, has_risk, mitigated_by, responsible_for,
supervises. Risks carry ``state`` and ``level``; every node that a finding concerns carries
``findings`` (rule codes) and ``finding_messages``. Units, departments, posts and powers carry
``status``: ``red`` when a high risk below them is uncovered or has no owner, ``yellow`` for any
other gap, ``green`` otherwise (``status_zh`` 红/黄/绿).

>>> G = build_graph(_demo_docs())
>>> sorted({d["kind"] for _, d in G.nodes(data=True)})
['department', 'measure', 'person', 'risk', 'unit']
>>> G.nodes["dept:folder:demo/财务科"]["status"]
'red'
"""

from __future__ import annotations

import json
import logging
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import accumulate, product
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from pipeline.model import Document, Finding, Loc, Measure, Risk

if TYPE_CHECKING:
    import networkx as nx

_log = logging.getLogger(__name__)

__all__ = [
    "build_graph", "uncovered_risks", "risks_of_owner", "departments_by_gaps",
    "to_graphml", "to_gexf", "to_json", "to_dot", "to_svg", "unit_svg", "write_graph", "FORMATS",
]

FORMATS = ("svg", "graphml", "gexf", "json", "dot")
NO_DEPT = "（未注明科室）"
_GAP_STATES = ("uncovered", "owner_missing", "generic_only", "undecidable", "unchecked")
_STATUS_ZH = {"red": "红", "yellow": "黄", "green": "绿"}


# -- building -------------------------------------------------------------------------------------

def _ranks_by_name(doc: Document) -> dict[str, str]:
    return {r.name: r.rank for r in doc.responsibles if r.rank}


def _person_ranks(doc: Document, risk: Risk, known: dict[str, str]) -> list[tuple[str, str | None]]:
    """Each person or role answering for the risk, with the rank the checks would give them."""
    from pipeline.checks.common import role_rank

    parallel = len(risk.responsible_ranks) == len(risk.responsible)
    out = []
    for i, raw in enumerate(risk.responsible):
        n = raw.strip()
        if not n:
            continue
        rank = role_rank(n) or known.get(n) or (risk.responsible_ranks[i] if parallel else None)
        out.append((n, rank))
    return out


def _dept_and_post(risk: Risk) -> tuple[str, str | None]:
    dept = (risk.department or "").strip()
    post = (risk.post or "").strip() or None
    owner = (risk.owner or "").strip()
    if not dept and owner and owner != post:
        dept = owner
    if post == dept:
        post = None
    return dept or NO_DEPT, post


def _attach(G: nx.DiGraph, node: str, findings: list[Finding]) -> None:
    _attach_plain(G.nodes[node], findings)


def _findings_by_ref(docs: list[Document]) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """The units' findings by the item they refer to, and (in order) those about a whole submission."""
    by_ref: dict[str, list[Finding]] = {}
    whole: list[Finding] = []
    for d in docs:
        for f in d.findings:
            if f.refs:
                for ref in f.refs:
                    by_ref.setdefault(ref, []).append(f)
            else:
                whole.append(f)
    return by_ref, whole


def build_graph(docs: Iterable[Document], by: str = "auto") -> nx.DiGraph:
    """The graph of a batch of checked documents, one unit subtree per unit (see :mod:`pipeline.units`).

    Renderings of one submission (``x.docx`` and ``x.pdf``) are drawn once.
    """
    import networkx as nx

    from pipeline.units import distinct_submissions, units

    G = nx.DiGraph(name="lianfang")
    for unit in units(list(docs), by):
        _add_unit(G, unit.key, unit.name, distinct_submissions(unit.docs))
    _roll_up(G)
    return G


def _add_unit(G: nx.DiGraph, key: str, name: str, docs: list[Document]) -> None:
    u = f"unit:{key}"
    G.add_node(u, kind="unit", name=name, label=name, unit=key,
               files=[d.source.path for d in docs])
    by_ref, whole = _findings_by_ref(docs)
    _attach(G, u, whole)  # findings about a whole submission sit on its unit
    power_names = {p.id: p.name for d in docs for p in d.powers}
    used_powers: set[str] = set()
    for d in docs:
        known = _ranks_by_name(d)
        measures = {m.id: m for m in d.measures}
        for r in d.risks:
            dept, post = _dept_and_post(r)
            dn = f"dept:{key}/{dept}"
            if dn not in G:
                G.add_node(dn, kind="department", name=dept, label=dept, unit=key)
                G.add_edge(u, dn, relation="has_department")
            parent = dn
            if post:
                pn = f"post:{key}/{dept}/{post}"
                if pn not in G:
                    G.add_node(pn, kind="post", name=post, label=post, unit=key)
                    G.add_edge(dn, pn, relation="has_post")
                parent = pn
            if r.power:
                pw = f"power:{r.power}"
                if pw not in G:
                    pname = power_names.get(r.power, r.power)
                    G.add_node(pw, kind="power", name=pname, label=pname, unit=key, ref=r.power)
                    _attach(G, pw, by_ref.get(r.power, []))
                if not G.has_edge(parent, pw) and not any(
                        G.edges[p, pw]["relation"] == "exercises" for p in G.predecessors(pw)):
                    G.add_edge(parent, pw, relation="exercises")
                used_powers.add(r.power)
                parent = pw
            rn = f"risk:{r.id}"
            G.add_node(rn, kind="risk", name=r.name, label=r.name, unit=key, ref=r.id,
                       manifestation=r.manifestation or "", level=r.level or "", level_raw=r.level_raw or "",
                       category=r.category or "", state=r.state or "unchecked", file=d.source.path,
                       loc=_loc_text(r.loc.model_dump(exclude_none=True)))
            _attach(G, rn, by_ref.get(r.id, []))
            G.add_edge(parent, rn, relation="has_risk")
            for mid in r.measures:
                m = measures.get(mid)
                if m is None or not m.text.strip():
                    continue
                mn = f"measure:{m.id}"
                G.add_node(mn, kind="measure", name=m.text, label=m.text, unit=key, ref=m.id,
                           defense_line=m.defense_line or "", generic=bool(m.generic))
                _attach(G, mn, by_ref.get(m.id, []))
                G.add_edge(rn, mn, relation="mitigated_by")
            for person, rank in _person_ranks(d, r, known):
                pn = f"person:{key}/{person}"
                if pn not in G:
                    G.add_node(pn, kind="person", name=person, label=person, unit=key, rank=rank or "")
                G.add_edge(pn, rn, relation="supervises" if rank == "supervisor" else "responsible_for")
    # listed powers no risk refers to: the LF106 gaps, hung under the unit
    for d in docs:
        if d.kind != "power_catalog":
            continue
        for p in d.powers:
            if p.id in used_powers:
                continue
            pw = f"power:{p.id}"
            G.add_node(pw, kind="power", name=p.name, label=p.name, unit=key, ref=p.id, file=d.source.path)
            _attach(G, pw, by_ref.get(p.id, []))
            G.add_edge(u, pw, relation="exercises")


def _loc_text(loc: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in loc.items() if k != "file")


_RANK = {"green": 0, "yellow": 1, "red": 2}


def _roll_up(G: nx.DiGraph) -> None:
    """Worst state from the risks up: red (a high risk uncovered or unowned) > yellow (any gap) > green."""
    data = dict(G.nodes(data=True))
    succ = dict(G.adjacency())
    status: dict[str, str] = {}

    def worst(n: str) -> str:  # each node once, its children first; the tree is a few levels deep
        s = status.get(n)
        if s is not None:
            return s
        d = data[n]
        kind = d["kind"]
        s = "green"
        if kind == "risk":
            if d["state"] in ("uncovered", "owner_missing") and d["level"] == "high":
                s = "red"
            elif d["state"] != "covered" or _has_gap_findings(d):
                s = "yellow"
        elif kind == "measure":
            s = "yellow" if _has_gap_findings(d) else "green"
        else:
            if kind in ("power", "unit") and _has_gap_findings(d):
                s = "yellow"
            for c in succ[n]:
                if data[c]["kind"] == "person":
                    continue
                cs = worst(c)
                if _RANK[cs] > _RANK[s]:
                    s = cs
        status[n] = s
        if kind in ("unit", "department", "post", "power"):
            d["status"] = s
            d["status_zh"] = _STATUS_ZH[s]
        return s

    for n, d in data.items():
        if d["kind"] != "person":
            worst(n)


def _has_gap_findings(data: dict[str, Any]) -> bool:
    return bool(data.get("findings"))


# -- queries --------------------------------------------------------------------------------------

def uncovered_risks(G: nx.DiGraph, unit: str | None = None) -> list[str]:
    """Risk nodes without any countermeasure, optionally of one unit (its key or name).

    >>> G = build_graph(_demo_docs())
    >>> [G.nodes[n]["name"] for n in uncovered_risks(G)]
    ['违规报销']
    >>> uncovered_risks(G, unit="另一个单位")
    []
    """
    out = []
    for n, d in G.nodes(data=True):
        if d["kind"] != "risk" or d["state"] != "uncovered":
            continue
        if unit is not None and unit != d["unit"] and unit != G.nodes[f"unit:{d['unit']}"]["name"]:
            continue
        out.append(n)
    return out


def risks_of_owner(G: nx.DiGraph, name: str) -> list[str]:
    """Risk nodes a person, role, department or post called ``name`` answers for.

    >>> G = build_graph(_demo_docs())
    >>> [G.nodes[n]["name"] for n in risks_of_owner(G, "分管副局长")]
    ['公车私用']
    >>> sorted(G.nodes[n]["name"] for n in risks_of_owner(G, "财务科"))
    ['违规报销']
    """
    import networkx as nx

    out: list[str] = []
    for n, d in G.nodes(data=True):
        if d.get("name") != name:
            continue
        if d["kind"] == "person":
            out.extend(r for r in G.successors(n))
        elif d["kind"] in ("unit", "department", "post", "power"):
            out.extend(r for r in nx.descendants(G, n) if G.nodes[r]["kind"] == "risk")
    return list(dict.fromkeys(out))


def departments_by_gaps(G: nx.DiGraph) -> list[tuple[str, int]]:
    """Departments with the number of risks below them that are not covered, most gaps first.

    >>> G = build_graph(_demo_docs())
    >>> [(G.nodes[n]["name"], k) for n, k in departments_by_gaps(G)]
    [('财务科', 1), ('办公室', 0)]
    """
    import networkx as nx

    out = []
    for n, d in G.nodes(data=True):
        if d["kind"] != "department":
            continue
        gaps = sum(1 for r in nx.descendants(G, n)
                   if G.nodes[r]["kind"] == "risk" and G.nodes[r]["state"] != "covered")
        out.append((n, gaps))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out


# -- exports: GraphML, GEXF, JSON, DOT ----------------------------------------------------------

def _scalar_copy(G: nx.DiGraph) -> nx.DiGraph:
    """A copy whose attributes are all scalars (lists as JSON text, None dropped), as XML writers need."""
    H = G.__class__()
    H.graph.update({k: v for k, v in G.graph.items() if isinstance(v, (str, int, float, bool))})

    def conv(data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in data.items():
            if v is None:
                continue
            if isinstance(v, (list, tuple, dict)):
                out[k] = json.dumps(v, ensure_ascii=False)
            elif isinstance(v, (str, int, float, bool)):
                out[k] = v
            else:
                out[k] = str(v)
        return out

    for n, d in G.nodes(data=True):
        H.add_node(n, **conv(d))
    for a, b, d in G.edges(data=True):
        H.add_edge(a, b, **conv(d))
    return H


def to_graphml(G: nx.DiGraph, path: str | Path) -> None:
    import networkx as nx

    nx.write_graphml(_scalar_copy(G), str(path), encoding="utf-8")


def to_gexf(G: nx.DiGraph, path: str | Path) -> None:
    import networkx as nx

    nx.write_gexf(_scalar_copy(G), str(path), encoding="utf-8")


def to_json(G: nx.DiGraph) -> dict[str, Any]:
    """Node-link JSON (``{"nodes": […], "edges": […]}``), lists kept as lists."""
    import networkx as nx

    return nx.node_link_data(G, edges="edges")


def _dot_str(s: object) -> str:
    text = str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{text}"'


_STATE_FILL = {"uncovered": "#f4b6b6", "owner_missing": "#fbd3a5", "generic_only": "#fbeea0",
               "covered": "#c8e6c0", "undecidable": "#d9d9d9", "unchecked": "#eeeeee"}
_STATUS_FILL = {"red": "#f4b6b6", "yellow": "#fbeea0", "green": "#c8e6c0"}


def to_dot(G: nx.DiGraph) -> str:
    """Graphviz DOT text (left to right; risks coloured by state, containers by status)."""
    lines = [
        "digraph lianfang {",
        '  graph [rankdir=LR, fontname="Noto Sans CJK SC", charset="UTF-8"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Noto Sans CJK SC"];',
        '  edge [color="#888888", fontsize=9];',
    ]
    for n, d in G.nodes(data=True):
        label = _truncate(str(d.get("label", n)), 24 * 12, 12)
        fill = _STATE_FILL.get(d.get("state", ""), _STATUS_FILL.get(d.get("status", ""), "#ffffff"))
        attrs = {"label": label, "fillcolor": fill, "tooltip": d.get("name", ""), "kind": d["kind"]}
        if d["kind"] == "person":
            attrs["shape"] = "ellipse"
        for k in ("state", "level", "status", "rank"):
            if d.get(k):
                attrs[k] = d[k]
        if d.get("findings"):
            attrs["findings"] = ",".join(d["findings"])
        body = ", ".join(f"{k}={_dot_str(v)}" for k, v in attrs.items())
        lines.append(f"  {_dot_str(n)} [{body}];")
    for a, b, d in G.edges(data=True):
        lines.append(f"  {_dot_str(a)} -> {_dot_str(b)} [relation={_dot_str(d['relation'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- SVG ------------------------------------------------------------------------------------------

FONT = "'Noto Sans CJK SC', 'Microsoft YaHei', 'SimSun', sans-serif"
_STATE_COLOUR = {"uncovered": "#d62728", "owner_missing": "#ff7f0e", "generic_only": "#e6b800",
                 "covered": "#2ca02c", "undecidable": "#8c8c8c", "unchecked": "#bbbbbb"}
_STATE_ZH = {"uncovered": "无防控措施", "owner_missing": "无责任人", "generic_only": "措施空泛",
             "covered": "已覆盖", "undecidable": "无法判断", "unchecked": "未检查"}
_STATUS_COLOUR = {"red": "#d62728", "yellow": "#e6b800", "green": "#2ca02c"}
_LEVEL_ZH = {"high": "高", "medium": "中", "low": "低"}
_LINE_ZH = (("prevention", "防"), ("monitoring", "控"), ("disposal", "处"))
_LINE_COLOUR = {"prevention": "#1f77b4", "monitoring": "#9467bd", "disposal": "#8c564b"}
_ROW = 24
_FS = 12
_COLS = {"unit": 150, "department": 130, "post": 150, "power": 170, "risk": 320, "measures": 360,
         "people": 170}
_HEADER = {"unit": "单位", "department": "科室/部门", "post": "岗位", "power": "职权", "risk": "风险点（等级）",
           "measures": "防控措施（防·控·处 三道防线）", "people": "责任人"}


def _text_width(s: str, size: float = _FS) -> float:
    return sum(size if ord(c) > 0x2E7F else size * 0.6 for c in s)


def _truncate(s: str, width: float, size: float = _FS) -> str:
    """``s`` on one line, cut with "…" to at most ``width`` (as :func:`_text_width` measures)."""
    s = " ".join(s.split())
    if len(s) * size <= width:  # fits even if every character is wide (float rounding is monotonic)
        return s
    narrow = size * 0.6
    room = int(width / narrow) + 2  # more characters than this cannot fit, however narrow
    total, ends = _widths(s[:room], size, narrow)
    if len(s) <= room and total <= width:  # the very sum _text_width makes
        return s
    return s[: max(bisect_right(ends, width) - 1, 0)] + "…"


_NARROW = re.compile("([\x00-\u2e7f]+)")  # runs of what _text_width counts as narrow, kept by split
_WIDTHS: dict[tuple[float, tuple[int, ...]], tuple[float, list[float]]] = {}


def _widths(s: str, size: float, narrow: float) -> tuple[float, list[float]]:
    """The sum of ``_text_width``'s widths of the characters of ``s``, and their running widths
    from that of "…" (narrow) on, as a loop adding one character at a time would make them (they
    only grow, so the characters that fit are found by bisection).

    Both depend only on which characters are narrow: labels are mostly wide (CJK) with the same
    few narrow runs ("3条：…"), so they are kept by that pattern, the lengths of the alternating
    wide and narrow runs."""
    runs = tuple(map(len, _NARROW.split(s)))
    k = (size, runs)
    got = _WIDTHS.get(k)
    if got is None:
        ws: list[float] = []
        for i, n in enumerate(runs):
            ws += [narrow if i % 2 else size] * n
        if len(_WIDTHS) > 4096:  # a bound for odd texts; the common patterns come back at once
            _WIDTHS.clear()
        got = _WIDTHS[k] = (sum(ws), list(accumulate(ws, initial=narrow)))
    return got


def _t(x: float, y: float, text: str, *, size: float = _FS, fill: str = "#222", weight: str = "normal",
       anchor: str = "start", style: str = "") -> str:
    return _text(f"{x:.1f}", f"{y:.1f}", text, size=size, fill=fill, weight=weight, anchor=anchor, style=style)


def _text(x: str, y: str, text: str, *, size: float = _FS, fill: str = "#222", weight: str = "normal",
          anchor: str = "start", style: str = "") -> str:
    """:func:`_t` with the coordinates already written out."""
    extra = f' font-style="{style}"' if style else ""
    return (f'<text x="{x}" y="{y}" font-size="{size}" fill="{fill}" font-weight="{weight}" '
            f'text-anchor="{anchor}"{extra}>{_esc(text)}</text>')


def _esc(text: str) -> str:
    """XML-escaped text; most labels have nothing to escape, which ``in`` finds quickest."""
    return escape(text) if "&" in text or "<" in text or ">" in text else text


def _tip(text: str) -> str:
    return f"<title>{_esc(text)}</title>"


class _Plain:
    """The graph as plain dicts, taken once: node → attributes, node → successors (in edge order).
    Drawing reads every node several times; networkx's views cost more than the drawing itself."""

    def __init__(self, G: nx.DiGraph) -> None:
        self.G = G
        self.data: dict[str, dict[str, Any]] = dict(G.nodes(data=True))
        self.succ: dict[str, dict[str, Any]] = dict(G.adjacency())
        self.names: dict[str, str] = {}  # file path → its last part

    def children(self, n: str) -> list[str]:
        data = self.data
        return [c for c in self.succ[n] if data[c]["kind"] not in ("person", "measure")]

    def file_name(self, path: str) -> str:
        name = self.names.get(path)
        if name is None:
            name = self.names[path] = Path(path).name
        return name

    def measures(self, risk: str) -> list[dict[str, Any]]:
        """The attributes of a risk's measures, in the order of its edges."""
        data = self.data
        return [m for m in (data[k] for k in self.succ[risk]) if m["kind"] == "measure"]

    def people(self, risk: str) -> list[tuple[str, str]]:
        """Who answers for a risk: (name, rank), in the order they were linked to it."""
        data = self.data
        return [(data[p]["name"], data[p].get("rank", "")) for p in self.G.predecessors(risk)
                if data[p]["kind"] == "person"]


class _Fallback(Exception):
    """The unit's graph is not a plain tree (a risk ID or a measure ID used twice): draw it from networkx."""


class _UnitPlain:
    """What :func:`to_svg` reads of :func:`build_graph`'s graph of one unit, taken straight from the
    documents: the same node IDs, attributes, child order and roll-up, without networkx (whose node
    and edge bookkeeping cost as much as the drawing). Only the nodes the picture shows are made."""

    def __init__(self, key: str, name: str, docs: list[Document]) -> None:
        self.data: dict[str, dict[str, Any]] = {}  # the containers and risks
        self.succ: dict[str, dict[str, None]] = {}  # containers → children
        self.names: dict[str, str] = {}
        self.ranks: dict[str, str] = {}  # person → the rank it was first seen with, as its node keeps
        self.who: dict[str, tuple[str, ...]] = {}  # risk → the people answering for it
        self.ms: dict[str, list[dict[str, Any]]] = {}  # risk → its measures' attributes
        u = f"unit:{key}"
        self.unit = u
        self._node(u, {"kind": "unit", "name": name})
        by_ref, whole = _findings_by_ref(docs)
        _attach_plain(self.data[u], whole)
        self._risks(u, docs, by_ref)
        self._roll_up(u)

    def _node(self, n: str, attrs: dict[str, Any], parent: str | None = None) -> None:
        self.data[n] = attrs
        self.succ[n] = {}
        if parent is not None:
            self.succ[parent][n] = None

    def _risks(self, u: str, docs: list[Document], by_ref: dict[str, list[Finding]]) -> None:
        data, succ, key = self.data, self.succ, u[5:]
        power_names = {p.id: p.name for d in docs for p in d.powers}
        exercised: set[str] = set()  # powers hung under a container (the first one naming them)
        measure_of: dict[str, Measure] = {}
        for d in docs:
            measures = self._measures(d, measure_of)
            people = _PeopleOf(d, self.ranks)
            path = d.source.path
            for r in d.risks:
                dept, post = _dept_and_post(r)
                parent = f"dept:{key}/{dept}"
                if parent not in data:
                    self._node(parent, {"kind": "department", "name": dept}, u)
                if post:
                    pn = f"post:{key}/{dept}/{post}"
                    if pn not in data:
                        self._node(pn, {"kind": "post", "name": post}, parent)
                    parent = pn
                if r.power:
                    pw = f"power:{r.power}"
                    if pw not in data:
                        self._node(pw, {"kind": "power", "name": power_names.get(r.power, r.power)})
                        _attach_plain(data[pw], by_ref.get(r.power, []))
                    if pw not in exercised:
                        exercised.add(pw)
                        succ[parent][pw] = None
                    parent = pw
                rn = f"risk:{r.id}"
                if rn in data:
                    raise _Fallback(rn)
                attrs = {"kind": "risk", "name": r.name, "manifestation": r.manifestation or "",
                         "level": r.level or "", "level_raw": r.level_raw or "",
                         "state": r.state or "unchecked", "file": path, "loc": _loc_of(r.loc)}
                found = by_ref.get(r.id)
                if found:
                    _attach_plain(attrs, found)
                data[rn] = attrs
                succ[parent][rn] = None
                # the measures' nodes in the order of their edges (a repeated one is one edge)
                self.ms[rn] = [m for m in map(measures.get, dict.fromkeys(r.measures)) if m is not None]
                self.who[rn] = people(r)
        used = {p[6:] for p in exercised}
        for d in docs:  # listed powers no risk refers to, hung under the unit, as build_graph does
            if d.kind != "power_catalog":
                continue
            for p in d.powers:
                if p.id in used:
                    continue
                pw = f"power:{p.id}"
                if pw not in data:
                    self._node(pw, {"kind": "power"}, u)
                data[pw]["name"] = p.name
                _attach_plain(data[pw], by_ref.get(p.id, []))

    def _measures(self, d: Document, measure_of: dict[str, Measure]) -> dict[str, dict[str, Any]]:
        """The document's drawable measures by ID, as the nodes :func:`build_graph` makes of them."""
        out: dict[str, dict[str, Any]] = {}
        for mid, m in {m.id: m for m in d.measures}.items():
            if not m.text.strip():
                continue
            if measure_of.setdefault(mid, m) is not m:  # one node, two measures: the last would win
                raise _Fallback(mid)
            out[mid] = {"kind": "measure", "name": m.text, "defense_line": m.defense_line or "",
                        "generic": bool(m.generic)}
        return out

    def _roll_up(self, n: str) -> str:
        """:func:`_roll_up` on the tree: the worst state below each container, children first."""
        d = self.data[n]
        kind = d["kind"]
        if kind == "risk":
            if d["state"] in ("uncovered", "owner_missing") and d["level"] == "high":
                return "red"
            return "yellow" if d["state"] != "covered" or d.get("findings") else "green"
        s = "yellow" if kind in ("power", "unit") and d.get("findings") else "green"
        for c in self.succ.get(n, ()):
            cs = self._roll_up(c)
            if _RANK[cs] > _RANK[s]:
                s = cs
        d["status"] = s
        d["status_zh"] = _STATUS_ZH[s]
        return s

    def children(self, n: str) -> list[str]:
        return list(self.succ.get(n, ()))

    def measures(self, risk: str) -> list[dict[str, Any]]:
        return self.ms[risk]

    file_name = _Plain.file_name

    def people(self, risk: str) -> list[tuple[str, str]]:
        ranks = self.ranks
        return [(p, ranks[p]) for p in self.who[risk]]


class _PeopleOf:
    """:func:`_person_ranks` of a document's risks, once per list of names: rows repeat the same few.
    Each person's rank is the one it is first seen with, as :func:`build_graph`'s node keeps it."""

    def __init__(self, d: Document, ranks: dict[str, str]) -> None:
        self.d, self.known, self.ranks = d, _ranks_by_name(d), ranks
        self.seen: dict[tuple[tuple[str, ...], tuple[str | None, ...]], tuple[str, ...]] = {}

    def __call__(self, r: Risk) -> tuple[str, ...]:
        k = (tuple(r.responsible), tuple(r.responsible_ranks))
        names = self.seen.get(k)
        if names is None:
            ranks = self.ranks
            found = _person_ranks(self.d, r, self.known)
            for person, rank in found:
                ranks.setdefault(person, rank or "")
            names = self.seen[k] = tuple(dict.fromkeys(p for p, _ in found))
        return names


_LOC_KEYS = tuple(k for k in Loc.model_fields if k != "file")
_LOC_VALUES = itemgetter(*_LOC_KEYS)


def _loc_of(loc: Loc) -> str:
    """``_loc_text(loc.model_dump(exclude_none=True))`` read off the fields (the dump returns them as
    they are, in field order)."""
    try:
        values = _LOC_VALUES(loc.__dict__)
    except KeyError:  # not every field set: let pydantic say what it holds
        return _loc_text(loc.model_dump(exclude_none=True))
    return ",".join([f"{k}={v}" for k, v in zip(_LOC_KEYS, values, strict=True) if v is not None])


def _attach_plain(data: dict[str, Any], findings: list[Finding]) -> None:
    """:func:`_attach` on a plain attribute dict."""
    if findings:
        data.setdefault("findings", []).extend([f.rule for f in findings])
        data.setdefault("finding_messages", []).extend([f.message for f in findings])


def unit_svg(docs: list[Document], name: str) -> str:
    """``to_svg(build_graph(docs), title=name)``, the same bytes, without building the networkx graph."""
    from pipeline.units import distinct_submissions, units

    found = units(list(docs))
    if len(found) == 1:
        try:
            return _draw(_UnitPlain(found[0].key, found[0].name, distinct_submissions(found[0].docs)), name)
        except _Fallback:
            pass
    return to_svg(build_graph(docs), title=name)


def _layout_rows(P: _Plain | _UnitPlain, unit: str) -> list[list[str]]:
    """One row per risk (or per risk-less power), each row the path of container nodes above it."""
    rows: list[list[str]] = []
    data = P.data

    def walk(n: str, path: list[str]) -> None:
        kids = P.children(n)
        here = [*path, n]
        if data[n]["kind"] == "risk" or not kids:
            rows.append(here)
            return
        # within a container: direct risks first, then deeper containers, in insertion order
        for c in sorted(kids, key=lambda c: data[c]["kind"] != "risk"):
            walk(c, here)

    walk(unit, [])
    return rows


def to_svg(G: nx.DiGraph, title: str | None = None) -> str:
    """A picture of the graph: one row per risk point, left to right unit → … → measures → people.

    Gaps are coloured (no measure red, no owner orange, boilerplate yellow, covered green); long
    labels are cut with the full text in a tooltip; every text is XML-escaped.
    """
    return _draw(_Plain(G), title)


def _draw(P: _Plain | _UnitPlain, title: str | None) -> str:
    """The picture of a graph taken as plain dicts (:class:`_Plain` or :class:`_UnitPlain`)."""
    data = P.data
    kinds = {d["kind"] for d in data.values()}
    cols = ["unit", "department"] + [k for k in ("post", "power") if k in kinds] + ["risk", "measures", "people"]
    xs: dict[str, float] = {}
    x = 16.0
    for c in cols:
        xs[c] = x
        x += _COLS[c] + 18
    width = x
    units = [n for n, d in data.items() if d["kind"] == "unit"]
    body: list[str] = []
    y = 0.0
    head_h = 118.0
    y = head_h
    for h in cols:
        body.append(_t(xs[h] + 4, y - 8, _HEADER[h], size=12, fill="#555", weight="bold"))
    body.append(f'<line x1="16" y1="{y - 2:.1f}" x2="{width - 16:.1f}" y2="{y - 2:.1f}" stroke="#999"/>')
    counts = {s: 0 for s in _STATE_COLOUR}
    high_red = 0
    X = _RiskCols(xs)
    # each column's x, where its boxes' names start and where its connectors leave, written once
    col_x = {c: f"{x:.1f}" for c, x in xs.items()}
    text_x = {c: f"{x + 10:.1f}" for c, x in xs.items()}
    end_x = {c: f"{x + _COLS[c]:.1f}" for c, x in xs.items()}
    for u in units:
        rows = _layout_rows(P, u)
        top = y + 6
        spans: dict[str, list[int]] = {}
        for i, path in enumerate(rows):
            for n in path:
                span = spans.get(n)
                if span is None:
                    spans[n] = [i, i]
                else:
                    span[1] = i
        row_y = [top + i * _ROW for i in range(len(rows))]
        # zebra stripes help follow a row across the page
        stripe_x, stripe_w = f'{xs["risk"] - 4:.1f}', f"{width - xs['risk'] - 12:.1f}"
        for i, ry in enumerate(row_y):
            if i % 2:
                body.append(f'<rect x="{stripe_x}" y="{ry:.1f}" width="{stripe_w}" height="{_ROW}" fill="#f6f6f6"/>')
        # each risk's rows and whether it is a gap, for the counts in the unit and department boxes;
        # in the order of their first rows, so the risks within a box's rows are found by bisection
        risk_spans = [(ra, rb, data[r]["state"] != "covered") for r, (ra, rb) in spans.items()
                      if data[r]["kind"] == "risk"]
        firsts = [ra for ra, _, _ in risk_spans]
        # container boxes, spanning their rows
        for n, (a, b) in spans.items():
            d = data[n]
            col = d["kind"]
            if col not in ("unit", "department", "post", "power"):
                continue
            bx, by_ = col_x[col], row_y[a] + 2
            by_s, bh = f"{by_:.1f}", f"{(b - a + 1) * _ROW - 4:.1f}"
            st = d.get("status", "green")
            colour = _STATUS_COLOUR.get(st, "#999")
            tip = f"{d['name']}（{_STATUS_ZH.get(st, '')}）"
            if d.get("finding_messages"):
                tip += "\n" + "\n".join(d["finding_messages"])
            tx = text_x[col]
            body.append(f"<g>{_tip(tip)}"
                        f'<rect x="{bx}" y="{by_s}" width="{_COLS[col]}" height="{bh}" rx="4" '
                        f'fill="#ffffff" stroke="{colour}" stroke-width="1.2"/>'
                        f'<rect x="{bx}" y="{by_s}" width="5" height="{bh}" fill="{colour}"/>')
            body.append(_text(tx, f"{by_ + 15:.1f}", _truncate(d["name"], _COLS[col] - 14),
                              weight="bold" if col == "unit" else "normal"))
            if col in ("unit", "department") and b - a >= 2:
                inside = [gap for _, rb, gap in risk_spans[bisect_left(firsts, a):bisect_right(firsts, b)]
                          if rb <= b]
                n_risks, gaps = len(inside), sum(inside)
                body.append(_text(tx, f"{by_ + 31:.1f}", f"状态：{_STATUS_ZH.get(st, '')}", size=11, fill=colour))
                body.append(_text(tx, f"{by_ + 46:.1f}", f"风险点{n_risks}个，缺口{gaps}个", size=11, fill="#555"))
            body.append("</g>")
            # connectors to children: a horizontal line at each child's middle row
            x1 = end_x[col]
            for c in P.children(n):
                span = spans.get(c)
                if span is None:
                    continue
                cy = f"{(row_y[span[0]] + row_y[span[1]]) / 2 + _ROW / 2:.1f}"
                body.append(f'<line x1="{x1}" y1="{cy}" x2="{col_x[data[c]["kind"]]}" y2="{cy}" '
                            f'stroke="#c0c0c0" stroke-width="0.8"/>')
        # one row per risk
        for i, path in enumerate(rows):
            leaf = path[-1]
            d = data[leaf]
            ry = row_y[i]
            if d["kind"] != "risk":
                if d["kind"] == "power":
                    body.append(_t(xs["risk"] + 6, ry + 16, "✗ 未查找风险点（LF106）", fill="#d62728", weight="bold"))
                elif d["kind"] == "unit":
                    n_find = len(d.get("findings", []))
                    body.append(_t(xs["risk"] + 6, ry + 16, f"（无风险点；{n_find} 条文件级问题，见悬停提示）",
                                   fill="#777"))
                continue
            body.append(_risk_row(P, leaf, d, X, ry))
            counts[d["state"]] = counts.get(d["state"], 0) + 1
            if d["state"] in ("uncovered", "owner_missing") and d["level"] == "high":
                high_red += 1
        y = top + len(rows) * _ROW + 18
        body.append(f'<line x1="16" y1="{y - 9:.1f}" x2="{width - 16:.1f}" y2="{y - 9:.1f}" stroke="#ddd"/>')
    height = y + 12
    total = sum(counts.values())
    head = _svg_head(title or _title(data, units), total, counts, high_red, width)
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}">',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        *head, *body, "</svg>",
    ]) + "\n"


def _title(data: dict[str, dict[str, Any]], units: list[str]) -> str:
    names = [data[u]["name"] for u in units]
    return "廉政风险防控责任图：" + ("、".join(names[:3]) + (f" 等{len(names)}个单位" if len(names) > 3 else ""))


def _svg_head(title: str, total: int, counts: dict[str, int], high_red: int, width: float) -> list[str]:
    out = [_t(16, 28, _truncate(title, width - 40, 18), size=18, weight="bold")]
    parts = [f"风险点 {total} 个"] + [f"{_STATE_ZH[s]} {counts.get(s, 0)}" for s in
                                   ("uncovered", "owner_missing", "generic_only", "undecidable", "covered")]
    summary = "；".join(parts) + (f"；其中高风险缺口 {high_red} 个" if high_red else "")
    out.append(_t(16, 50, summary, size=13, fill="#d62728" if counts.get("uncovered") else "#333"))
    # legend: risk states, then the roll-up colours of containers
    lx = 16.0
    for s in ("uncovered", "owner_missing", "generic_only", "undecidable", "covered"):
        out.append(f'<rect x="{lx:.1f}" y="62" width="14" height="14" rx="2" fill="{_STATE_COLOUR[s]}"/>')
        out.append(_t(lx + 19, 74, _STATE_ZH[s], size=12))
        lx += 30 + _text_width(_STATE_ZH[s]) + 12
    lx += 16
    out.append(_t(lx, 74, "科室/单位状态：", size=12, fill="#555"))
    lx += _text_width("科室/单位状态：") + 4
    for s, label in (("red", "红：高风险缺措施或缺责任人"), ("yellow", "黄：其他缺口"), ("green", "绿：无缺口")):
        out.append(f'<rect x="{lx:.1f}" y="62" width="5" height="14" fill="{_STATUS_COLOUR[s]}"/>')
        out.append(_t(lx + 9, 74, label, size=12))
        lx += 9 + _text_width(label) + 14
    lx += 12
    for line, _ch in _LINE_ZH:
        out.append(f'<rect x="{lx:.1f}" y="64" width="10" height="10" fill="{_LINE_COLOUR[line]}"/>')
        out.append(_t(lx + 13, 74, {"prevention": "前期预防", "monitoring": "中期监控", "disposal": "后期处置"}[line],
                      size=11, fill="#555"))
        lx += 13 + _text_width("前期预防", 11) + 10
    return out


_LINE_NAME = {"防": "前期预防", "控": "中期监控", "处": "后期处置"}
# the tooltips of the three defence-line marks, with and without measures of that line
_LINE_TIP = {(line, on): _tip(("有" if on else "无") + _LINE_NAME[ch] + "措施") for line, ch in _LINE_ZH
             for on in (True, False)}


def _text_at(x: str, **style: Any) -> tuple[str, str]:
    """:func:`_text` at ``x`` cut around its y and its text: ``head + y + mid + _esc(text) + "</text>"``
    is ``_text(x, y, text, **style)``. Rows reuse them instead of formatting every attribute again."""
    head, mid = _text(x, "\0", "", **style).split("\0")
    return head, mid.removesuffix("</text>")


class _RiskCols:
    """Where a risk row draws, the x positions and fixed attributes written out once per picture:
    formatting them is most of the cost of a row."""

    def __init__(self, xs: dict[str, float]) -> None:
        x, mx, px = xs["risk"], xs["measures"], xs["people"]
        self.box = f"{x:.1f}"
        self.boxes: dict[str, tuple[str, str, str]] = {}  # state → the two rects of its box around y
        bx = f"{x + 10:.1f}"
        # the level badge, red or white, around its y; and its letter around the row's text y
        self.badge = {high: (f'<rect x="{bx}" y="',
                             f'" width="16" height="{_ROW - 10}" rx="2" fill="{"#d62728" if high else "#ffffff"}" '
                             'stroke="#666" stroke-width="0.6"/>') for high in (True, False)}
        self.badge_text = {high: _text_at(f"{x + 10 + 8:.1f}", size=11, anchor="middle",
                                          fill="#ffffff" if high else "#333") for high in (True, False)}
        # the name starts after the level badge when there is one, and has that much less room
        self.name_at = {False: (_text_at(f"{x + 10:.1f}"), _COLS["risk"] - ((x + 10) - x) - 6),
                        True: (_text_at(f"{x + 10 + 21:.1f}"), _COLS["risk"] - ((x + 10 + 21) - x) - 6)}
        # the three defence-line marks, lit or not, around their y: (line, lit) -> (before y, after y)
        self.marks = {(line, on): (f'<rect x="{mx + k * 12:.1f}" y="',
                                   f'" width="10" height="10" fill="{_LINE_COLOUR[line] if on else "#ffffff"}" '
                                   f'stroke="#aaa" stroke-width="0.6">{_LINE_TIP[line, on]}</rect>')
                      for k, (line, _ch) in enumerate(_LINE_ZH) for on in (True, False)}
        # all three marks around y, for each combination of lines present: (lit?, lit?, lit?) → parts
        self.marks_of = {lit: tuple(part for (line, _ch), on in zip(_LINE_ZH, lit, strict=True) for part in self.marks[line, on])
                         for lit in product((True, False), repeat=3)}
        note = f"{mx + 4:.1f}"
        self.undecidable = _text_at(note, fill="#8c8c8c")
        self.no_measure = _text_at(note, fill="#d62728", weight="bold")
        self.measures = {generic: _text_at(f"{mx + 40:.1f}", fill="#9a7d00" if generic else "#222",
                                           style="italic" if generic else "") for generic in (True, False)}
        people = f"{px + 4:.1f}"
        self.no_owner = _text_at(people, fill="#ff7f0e", weight="bold")
        self.people = _text_at(people)
        self.see_dept = _text_at(people, fill="#999", size=11)
        self.people_cells: dict[tuple[tuple[str, str], ...], tuple[str, str]] = {}

    def box_of(self, state: str) -> tuple[str, str, str]:
        """The risk's box and its coloured stripe: ``a + y + b + y + c``."""
        parts = self.boxes.get(state)
        if parts is None:
            colour = _STATE_COLOUR.get(state, "#bbb")
            parts = self.boxes[state] = (
                f'<rect x="{self.box}" y="',
                f'" width="{_COLS["risk"]}" height="{_ROW - 4}" rx="3" fill="{_STATE_FILL.get(state, "#eee")}" '
                f'stroke="{colour}" stroke-width="1"/><rect x="{self.box}" y="',
                f'" width="6" height="{_ROW - 4}" fill="{colour}"/>')
        return parts


def _risk_row(P: _Plain | _UnitPlain, n: str, d: dict[str, Any], X: _RiskCols, ry: float) -> str:
    """One risk's row: its box (name, level, tooltip), its measures and the people answering for it."""
    state, level, name = d["state"], d["level"], d["name"]
    lvl = _LEVEL_ZH.get(level, "")
    man = d.get("manifestation")
    tip = (f"风险点：{name}\n表现形式：{man}\n" if man else f"风险点：{name}\n") + (
        f"等级：{d.get('level_raw') or lvl or '未定级'}　状态：{_STATE_ZH.get(state, state)}\n"
        f"位置：{P.file_name(d.get('file', ''))} {d.get('loc', '')}")
    msgs = d.get("finding_messages")
    if msgs:
        tip += "\n" + "\n".join(msgs)
    y2, yt = f"{ry + 2:.1f}", f"{ry + 16.5:.1f}"
    a, b, c = X.box_of(state)
    out = f"<g><title>{_esc(tip)}</title>{a}{y2}{b}{y2}{c}"
    if lvl:
        high = level == "high"
        before, after = X.badge[high]
        head, mid = X.badge_text[high]
        out += f"{before}{ry + 5:.1f}{after}{head}{yt}{mid}{lvl}</text>"
    (head, mid), room = X.name_at[bool(lvl)]
    out += f"{head}{yt}{mid}{_esc(_truncate(name, room))}</text></g>"
    return out + _measures_cell(P, n, state, X, ry, yt) + _people_cell(P, n, state, X, yt)


def _measures_cell(P: _Plain | _UnitPlain, n: str, state: str, X: _RiskCols, ry: float, yt: str) -> str:
    ms = P.measures(n)
    if not ms:
        if state == "undecidable":
            head, mid = X.undecidable
            return f"{head}{yt}{mid}？措施无法读取（LF900）</text>"
        head, mid = X.no_measure
        return f"<g><title>没有防控措施（LF101）</title>{head}{yt}{mid}✗ 无防控措施（LF101）</text></g>"
    lines = {m.get("defense_line") for m in ms}
    y7 = f"{ry + 7:.1f}"
    # the marks keyed as _LINE_ZH lists the lines
    a, b, c, d, e, f = X.marks_of["prevention" in lines, "monitoring" in lines, "disposal" in lines]
    out = f"{a}{y7}{b}{c}{y7}{d}{e}{y7}{f}"
    texts = [m["name"] for m in ms]
    generic = state == "generic_only" or all([m.get("generic") for m in ms])
    label = f"{len(ms)}条：" + "；".join([" ".join(t.split()) for t in texts])
    full = "\n".join([f"{k}. {t}" for k, t in enumerate(texts, 1)])
    head, mid = X.measures[generic]
    return (f"{out}<g><title>{_esc(full)}</title>{head}{yt}{mid}"
            f"{_esc(_truncate(label, _COLS['measures'] - 44))}</text></g>")


def _people_cell(P: _Plain | _UnitPlain, n: str, state: str, X: _RiskCols, yt: str) -> str:
    if state == "owner_missing":
        head, mid = X.no_owner
        return f"{head}{yt}{mid}✗ 无责任人（LF104）</text>"
    people = tuple(P.people(n))
    cell = X.people_cells.get(people)
    if cell is None:  # the same few people answer for many rows: their cell is written once
        cell = X.people_cells[people] = _people_text(people, X)
    return f"{cell[0]}{yt}{cell[1]}"


def _people_text(people: tuple[tuple[str, str], ...], X: _RiskCols) -> tuple[str, str]:
    """The people cell of a row around its text y."""
    if not people:
        head, mid = X.see_dept
        return head, f"{mid}（见科室/岗位）</text>"
    label = "、".join(p for p, _ in people)
    tip = "\n".join(f"{p}（{r or '职级未知'}）" for p, r in people)
    head, mid = X.people
    return f"<g><title>{_esc(tip)}</title>{head}", f"{mid}{_esc(_truncate(label, _COLS['people'] - 8))}</text></g>"


def write_graph(G: nx.DiGraph, fmt: str, path: str | Path) -> None:
    """Write ``G`` as ``fmt`` (one of :data:`FORMATS`) to ``path`` atomically."""
    from pipeline.errors import ConfigError, invalid_value
    from pipeline.fsutil import atomic_write_bytes, atomic_write_text

    if fmt not in FORMATS:
        raise ConfigError(invalid_value("graph format", fmt, FORMATS))
    if fmt == "svg":
        atomic_write_text(path, to_svg(G))
    elif fmt == "dot":
        atomic_write_text(path, to_dot(G))
    elif fmt == "json":
        atomic_write_text(path, json.dumps(to_json(G), ensure_ascii=False, indent=1))
    else:
        import io

        import networkx as nx

        buf = io.BytesIO()
        H = _scalar_copy(G)
        if fmt == "graphml":
            nx.write_graphml(H, buf, encoding="utf-8")
        else:
            nx.write_gexf(H, buf, encoding="utf-8")
        atomic_write_bytes(path, buf.getvalue())


# -- a tiny example for the doctests --------------------------------------------------------------

def _demo_docs() -> list[Document]:
    from pipeline.checks import run_checks
    from pipeline.model import Loc, Measure, Source

    d = Document(source=Source(path="demo/自查表.docx"), kind="risk_table")
    d.measures = [Measure(id="M1", text="实行派车单制度", risk="R1", defense_line="prevention")]
    d.risks = [
        Risk(id="R1", name="公车私用", department="办公室", level="low", level_raw="低", measures=["M1"],
             responsible=["分管副局长"], loc=Loc(table=0, row=1, col=1)),
        Risk(id="R2", name="违规报销", department="财务科", level="high", level_raw="高",
             responsible=["局长"], loc=Loc(table=0, row=2, col=1)),
    ]
    run_checks([d])
    return [d]
