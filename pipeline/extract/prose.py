"""Risk points, measures and powers written as running text (plans, reports, flow charts, .txt).

Only what the text *labels* becomes a risk — "风险点描述：…", "风险：…风险等级：高措施：…",
flow-chart boxes that end in "风险等级：中" — because plans describe the method in general terms
("查找岗位职责风险") and those are not risk points: precision matters as much as recall.

The text is read as a stream of events in document order: labels with their values (lexicons/
prose/labels.yaml), chart titles (lexicons/prose/flow.yaml) and the free text between them.
Records are assembled from the stream:

- a risk label starts a record; level, measure and responsible labels fill the current one;
- a level label with no open record, or whose record already has a level, closes a *box*: the
  free text just before it is the risk (flow charts typed box by box: "…如实汇报。风险等级：中");
- free text that is a numbered list right before a responsible label is a measure box; measure
  boxes pair with box risks in order;
- a chart title ("办公室部门固定资产管理廉政风险防控流程图") names a power and its department,
  which owns the risks that follow.

Powers listed in a sentence about powers ("审判权和执行权位于前列") are read with the spaCy
Matcher over our jieba tokens (see :mod:`pipeline.segment`), loaded only for such sentences.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.enumerators import match_enumerator, may_match, required_sets, split_enumerated
from pipeline.extract.common import CJK, compact, key
from pipeline.ids import stable_id
from pipeline.model import Block, Document, Loc, Risk, Why

_log = logging.getLogger(__name__)

LABELS = "prose/labels.yaml"
FLOW = "prose/flow.yaml"
POWER_PATTERNS = "prose/power_lists.jsonl"
MAX_LEAD_LABEL = 16  # a paragraph-start label is short
MAX_NAME_VALUE = 40  # a power or person named in a label value
MAX_BOX = 400  # a flow-chart box is never longer than this
_SENT_END = re.compile(r"[。！？!?]")
_COLON = "[:：]"


@dataclass
class Event:
    pos: int  # offset in the block text
    kind: str  # label | free | chart
    label: str = ""
    value: str = ""
    span: tuple[int, int] = (0, 0)
    lead: bool = False  # a paragraph-start label (its value is the rest of the paragraph)
    dept: str | None = None


@dataclass
class Record:
    name: str
    strong: bool
    block: int
    span: tuple[int, int]
    owner: str | None = None
    power: str | None = None
    level_raw: str | None = None
    measures: list[tuple[str, int, tuple[int, int]]] = field(default_factory=list)  # (text, block, span)
    responsible: list[str] = field(default_factory=list)
    box: bool = False
    page: int | None = None


class ProseLexicon:
    """Compiled label, chart and level patterns (built once per process)."""

    def __init__(self, lex: Any, level_spellings: list[str]) -> None:
        terms = lex.terms(LABELS)
        self.lead_labels: list[tuple[str, str]] = sorted(
            ((compact(p), lab) for lab, ps in terms.items() for p in ps), key=lambda t: -len(t[0]))
        inline = sorted(((compact(p), lab) for lab, ps in terms.items() for p in ps if lab != "ignore"),
                        key=lambda t: -len(t[0]))
        self.inline_label = {p: lab for p, lab in inline}
        # inside running text a label may carry a number too: 风险点1： / 措施2：
        self.inline_rx = re.compile("(" + "|".join(re.escape(p) for p, _ in inline) + ")[0-9]{0,2}" + _COLON)
        self.lead_rx = re.compile(rf"^[\s]*([^:：，,。；;\n]{{1,{MAX_LEAD_LABEL}}}){_COLON}")
        flow = lex.terms(FLOW)
        self.chart_rx = re.compile("|".join(re.escape(p) for p in sorted(flow["chart_title"], key=len, reverse=True)))
        self.flow_break = re.compile("|".join(re.escape(p) for p in flow["flow_break"]))
        self.owner_heading = sorted(flow["owner_heading"], key=len, reverse=True)
        self.post_heading = tuple(flow["post_heading"])
        self.power_context = flow["power_context"]
        self.power_stop = set(flow["power_stop"])
        self.not_power = set(flow["not_power"])
        spell = sorted({compact(s) for s in level_spellings if compact(s)}, key=len, reverse=True)
        self.level_rx = re.compile("(" + "|".join(re.escape(s) for s in spell) + ")(?:风险|级)?")
        # characters without which a text holds no label or chart title (a colon, 图 …)
        self.inline_need = required_sets(self.inline_rx)
        self.chart_need = required_sets(self.chart_rx)

    def lead_label(self, text: str, *, exact: bool = False) -> tuple[str, int, int] | None:
        """``(label, label_start, value_start)`` for a label opening a paragraph (``exact``: the
        label text is a phrase itself, not merely ending with one)."""
        m = self.lead_rx.match(text)
        if not m:
            return None
        head = key(m.group(1))
        e = match_enumerator(head)
        if e is not None:
            head = head[e.end:]
        head = re.sub(r"[0-9一二三四五六七八九十]+$", "", head)  # 风险点1： / 风险点二：
        for phrase, lab in self.lead_labels:
            if head == phrase or (not exact and head.endswith(phrase)):
                return lab, m.start(1), m.end()
        return None


# -- events ---------------------------------------------------------------------------------

def _events(text: str, plex: ProseLexicon, owners: Any, *, lead_ok: bool = True) -> list[Event]:
    out: list[Event] = []
    lead = plex.lead_label(text) if lead_ok else None
    taken_until = 0
    if lead is not None:
        lab, _ls, vs = lead
        out.append(Event(pos=0, kind="label", label=lab, span=(vs, vs), lead=True))
        taken_until = vs
    for m in plex.inline_rx.finditer(text) if may_match(text, plex.inline_need) else ():
        if m.start() < taken_until:
            continue
        out.append(Event(pos=m.start(), kind="label", label=plex.inline_label[m.group(1)],
                         span=(m.end(), m.end())))
    prev_end = 0
    for m in plex.chart_rx.finditer(text) if may_match(text, plex.chart_need) else ():
        chunk = text[prev_end:m.start()]
        prev_end = m.end()
        ev = _chart_event(chunk, m.start(), plex, owners)
        if ev is not None:
            out.append(ev)
    out.sort(key=lambda e: e.pos)
    # each label's value runs to the next event
    for i, ev in enumerate(out):
        if ev.kind != "label":
            continue
        stop = out[i + 1].pos if i + 1 < len(out) else len(text)
        if out[i + 1:] and out[i + 1].kind == "chart":
            stop = out[i + 1].span[0]
        ev.span = (ev.span[0], max(ev.span[0], stop))
        ev.value = text[ev.span[0]:ev.span[1]]
    # free text: before the first event and between events (not covered by a lead value)
    free: list[Event] = []
    cursor = 0
    for ev in out:
        start = ev.pos if ev.kind == "label" else ev.span[0]
        if start > cursor and text[cursor:start].strip():
            free.append(Event(pos=cursor, kind="free", value=text[cursor:start], span=(cursor, start)))
        cursor = max(cursor, ev.span[1])
    if cursor < len(text) and text[cursor:].strip():
        free.append(Event(pos=cursor, kind="free", value=text[cursor:], span=(cursor, len(text))))
    return sorted(out + free, key=lambda e: (e.pos, e.kind != "free"))


def _chart_event(chunk: str, pos: int, plex: ProseLexicon, owners: Any) -> Event | None:
    """A chart title: the text before "…流程图" back to the previous sentence end names the power."""
    cut = max(chunk.rfind(c) for c in "。；;！？!?:：，,、“”\"《》")
    tail = compact(chunk[cut + 1:])
    if not tail:
        return None
    dept_rest = owners.department_prefix(tail[-(MAX_NAME_VALUE + 6):])
    if dept_rest is not None:
        dept, rest = dept_rest
        if 2 <= len(rest) <= MAX_NAME_VALUE - 20 and re.fullmatch(f"[{CJK}（）()]+", rest):
            return Event(pos=pos, kind="chart", value=rest, dept=dept, span=(pos - len(chunk) + cut + 1, pos))
    # without a department the title names the document (XX市水务局…流程图) or a type of
    # power (行政职权廉政风险防控图), not one power
    return None


# -- values ---------------------------------------------------------------------------------

def _cut_inline(value: str, plex: ProseLexicon) -> str:
    """An inline value in run-on text ends at its first sentence end or where a flow box starts;
    a numbered list is kept whole."""
    v = value.strip()
    if match_enumerator(v) is not None and len(split_enumerated(v)) > 1:
        return v
    stops = [len(v)]
    s = _SENT_END.search(v)
    if s:
        stops.append(s.end())
    b = plex.flow_break.search(v)
    if b and b.start() > 0:
        stops.append(b.start())
    return v[: min(stops)].strip()


def _drop_truncated_tail(value: str) -> str:
    """A paragraph cut off by the source ("…从业情况，防"): keep its complete sentences."""
    v = value.strip()
    if not v or _SENT_END.search(v[-1]):
        return v
    last = None
    for m in _SENT_END.finditer(v):
        last = m
    return v[: last.end()] if last else v


def _box_text(free: str) -> str:
    """The risk or measure text of a flow-chart box: from its numbered list if it has one."""
    v = free.strip()
    for m in re.finditer(r"(?<![\d.])1[.、．]", v):
        items = split_enumerated(v[m.start():])
        if len(items) > 1:
            return v[m.start():].strip()[:MAX_BOX]
    return v[-MAX_BOX:]


def _is_list(text: str) -> bool:
    v = text.strip()
    return bool(re.search(r"(?<![\d.])1[.、．]", v)) and len(split_enumerated(v[re.search(r"(?<![\d.])1[.、．]", v).start():])) > 1  # type: ignore[union-attr]


def _looks_like_people(value: str, owners: Any) -> bool:
    """A responsible value names roles, persons or units — not a list or a sentence."""
    v = value.strip()
    if not v or len(v) > 24 or match_enumerator(v) is not None or _SENT_END.search(v):
        return False
    parts = owners.split(v)
    return bool(parts) and all(
        owners.is_role(p) or owners.is_unit(p) or re.fullmatch(f"[{CJK}]{{2,3}}", p) for p in parts)


def _raw_name(block: Any, value: str) -> str:
    """A name-like label value up to the first space of the raw text (hard-wrapped .txt/.doc
    text separates boxes with spaces that normalisation removed)."""
    v = value.strip()
    raw = block.raw or ""
    if raw:
        probe = v[:6]
        i = compact(raw).find(compact(probe))
        if i >= 0:
            # walk the raw text to the same position, then to the next whitespace
            seen = 0
            for j, ch in enumerate(raw):
                if not ch.isspace():
                    if seen == i:
                        m = re.match(r"\S+", raw[j:])
                        if m:
                            from pipeline.normalise import normalise

                            return normalise(m.group(0))
                        break
                    seen += 1
    # no raw spacing to go by: stop at punctuation or where a numbered box starts
    s = re.split(r"[，,。；;\s]|(?<![\d.])\d{1,2}[.、．](?!\d)", v, maxsplit=1)[0]
    return s[:MAX_NAME_VALUE]


# -- the pass -------------------------------------------------------------------------------

def _owner_from_heading(text: str, plex: ProseLexicon, owners: Any) -> str | None:
    """"1.预算执行局排查风险点" → 预算执行局; "一、办公室主任岗位" → 办公室主任岗位."""
    t = compact(text)
    e = match_enumerator(t)
    if e is not None:
        t = t[e.end:]
    if any(t.endswith(p) for p in plex.post_heading) and 3 <= len(t) <= 20:
        return t
    for suffix in plex.owner_heading:
        if t.endswith(suffix) and len(t) > len(suffix):
            head = re.sub(r"(?:排查|查找|梳理)$", "", t[: -len(suffix)])
            if owners.is_unit(head):
                return head
    return None


def extract(doc: Document, ctx: Any, res: Any, builder: Any) -> None:
    """Add the risks, measures and powers written in the document's running text."""
    text_blocks = [b for b in doc.blocks if b.table is None and b.text and b.text.strip()]
    if not text_blocks:
        return
    plex: ProseLexicon = ctx.cache.get("prose.lexicon")
    if plex is None:
        spellings = [s for sc in res.levels.scales for step in sc.steps for s in step]
        plex = ctx.cache["prose.lexicon"] = ProseLexicon(res.lex, spellings)
    records = _records(doc, text_blocks, plex, res, builder)
    for rec in records:
        _add_record(doc, rec, builder)
    _power_lists(doc, text_blocks, plex, ctx, builder)


_OPEN_END = re.compile(r"[。！？!?；;:：]$")


@dataclass
class Para:
    """A logical paragraph: one block, or hard-wrapped lines joined back (see below)."""

    index: int  # the first block's index (provenance points there)
    last: int
    kind: str
    text: str
    raw: str | None
    loc: Loc


def _logical_paragraphs(blocks: list[Block], plex: ProseLexicon) -> list[Para]:
    """Hard-wrapped lines (a flow chart's text box by box, a PDF without paragraph marks) joined
    back: a block that does not end a sentence runs on into the next, unless that one starts a
    numbered item, a label or a heading."""
    out: list[Para] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (prev is not None and prev.kind != "heading" and b.kind != "heading" and prev.last + 1 == b.index
                and not _OPEN_END.search(prev.text.strip()) and match_enumerator(b.text) is None
                and plex.lead_label(b.text, exact=True) is None):
            prev.text = prev.text.rstrip() + b.text.strip()
            prev.raw = (prev.raw or prev.text) + " " + (b.raw or b.text)
            prev.last = b.index
            continue
        out.append(Para(index=b.index, last=b.index, kind=b.kind, text=b.text, raw=b.raw, loc=b.loc))
    return out


def _records(doc: Document, text_blocks: list[Block], plex: ProseLexicon, res: Any, builder: Any) -> list[Record]:
    blocks = _logical_paragraphs(text_blocks, plex)
    records: list[Record] = []
    box_risks: list[Record] = []
    measure_boxes: list[tuple[str, int, tuple[int, int]]] = []
    cur: Record | None = None
    owner: str | None = None
    chart_power: str | None = None
    heading_label: str | None = None
    open_label: str | None = None
    section_lists: list[tuple[str, Any]] = []
    last_text_block = blocks[-1].index if blocks else -1
    for b in blocks:
        text = b.text
        if b.kind == "heading":
            cur = None
            open_label = None
            bare = compact(text)
            e = match_enumerator(bare)
            bare = bare[e.end:] if e else bare
            label = next((lab for phrase, lab in plex.lead_labels if bare == phrase), None)
            if label is None:
                # leaving the lists of a 风险点 / 防控措施 heading pair
                records.extend(_heading_lists(section_lists, owner, chart_power))
                section_lists = []
            heading_label = label
            o = _owner_from_heading(text, plex, res.owners)
            if o is not None:
                owner = o
            continue
        events = _events(text, plex, res.owners)
        if open_label and not any(ev.kind == "label" for ev in events):
            # "防控措施：" alone on its line, the items on the lines below
            events = [Event(pos=0, kind="label", label=open_label, value=text, span=(0, len(text)), lead=True)]
        else:
            open_label = None
        if heading_label and not any(ev.kind == "label" for ev in events):
            if match_enumerator(text) is not None or b.kind == "list_item":
                section_lists.append((heading_label, b))
            continue
        pending_free: Event | None = None
        for ev in events:
            if ev.kind == "free":
                pending_free = ev
                continue
            if ev.kind == "chart":
                chart_power = ev.value
                if ev.dept:
                    owner = ev.dept
                builder.power(ev.value, loc=b.loc.at(block=b.index, span=ev.span),
                              why=Why(source="lexicons/prose/flow.yaml#chart_title", detail=ev.value),
                              subject=ev.dept, owner=ev.dept)
                cur = None
                pending_free = None
                continue
            lab = ev.label
            if ev.lead:
                value = ev.value.strip()
                if b.index == last_text_block:
                    value = _drop_truncated_tail(value)
                spill = ""
                if not value and lab in ("measure", "risk", "risk_weak"):
                    open_label = lab
                    continue
            else:
                value = _cut_inline(ev.value, plex)
                spill = ev.value.strip()[len(value):]
            if lab in ("risk", "risk_weak"):
                if value:
                    cur = Record(name=value, strong=lab == "risk", block=b.index, span=ev.span, owner=owner,
                                 power=chart_power, page=b.loc.page)
                    records.append(cur)
            elif lab == "level":
                m = plex.level_rx.match(ev.value.strip())
                token = m.group(0) if m else None
                if cur is None or cur.level_raw is not None or cur.measures:
                    box = _box_text(pending_free.value) if pending_free is not None else ""
                    if box:
                        cur = Record(name=box, strong=True, block=b.index, span=pending_free.span,  # type: ignore[union-attr]
                                     owner=owner, power=chart_power, box=True, page=b.loc.page)
                        records.append(cur)
                        box_risks.append(cur)
                    else:
                        cur = None
                if cur is not None and token:
                    cur.level_raw = token
                spill = ev.value.strip()[len(token or ""):]
            elif lab == "measure":
                if cur is not None and value:
                    cur.measures.append((value, b.index, ev.span))
            elif lab == "responsible":
                name = value if _looks_like_people(value, res.owners) else ""
                if pending_free is not None and _is_list(pending_free.value) and (cur is None or cur.box or not cur.measures):
                    measure_boxes.append((_box_text(pending_free.value), b.index, pending_free.span))
                if name and cur is not None:
                    cur.responsible.extend(res.owners.split(name))
                if not name:
                    spill = ev.value
            elif lab == "owner":
                oname = _raw_name(b, ev.value)
                if oname and len(oname) <= 20:
                    owner = oname
                    cur = None
                    spill = ev.value.strip()[len(oname):]
            elif lab == "power":
                pname = _raw_name(b, ev.value)
                if 2 <= len(pname) <= MAX_NAME_VALUE:
                    chart_power = pname
                    builder.power(pname, loc=b.loc.at(block=b.index, span=ev.span),
                                  why=Why(source="lexicons/prose/labels.yaml#power", detail=pname), subject=owner)
                    spill = ev.value.strip()[len(pname):]
            pending_free = Event(pos=ev.span[1], kind="free", value=spill, span=ev.span) if spill.strip() else None
    records.extend(_heading_lists(section_lists, owner, chart_power))
    # measure boxes pair with box risks in order (11: the chart lists all risk boxes, then all
    # measure boxes); extra boxes go to the last box risk
    if measure_boxes and box_risks:
        for i, mb in enumerate(measure_boxes):
            target = box_risks[i] if len(measure_boxes) == len(box_risks) else box_risks[min(i, len(box_risks) - 1)]
            target.measures.append(mb)
    return [r for r in records if r.strong or r.level_raw or r.measures]


def _heading_lists(items: list[tuple[str, Any]], owner: str | None, power: str | None) -> list[Record]:
    """Numbered lists under a "风险点" heading and a "防控措施" heading of the same section.

    Only a section with both makes records: equal counts pair in order, one risk takes all the
    measures; a lone list of either is description, not a risk register.
    """
    risks = [b for lab, b in items if lab in ("risk", "risk_weak")]
    measures = [b for lab, b in items if lab == "measure"]
    if not risks or not measures:
        return []
    out = [Record(name=_strip_enum(b.text), strong=True, block=b.index, span=(0, len(b.text)), owner=owner,
                  power=power, page=b.loc.page) for b in risks]
    for i, m in enumerate(measures):
        target = out[i] if len(out) == len(measures) else out[-1] if len(out) > 1 else out[0]
        target.measures.append((_strip_enum(m.text), m.index, (0, len(m.text))))
    return out


def _strip_enum(text: str) -> str:
    e = match_enumerator(text)
    return text[e.end:].strip() if e is not None else text.strip()


def _add_record(doc: Document, rec: Record, builder: Any) -> Risk:
    loc = Loc(file=doc.source.path, page=rec.page, block=rec.block, span=rec.span)
    power_id = None
    if rec.power:
        p = builder.powers_by_name.get(compact(rec.power))
        power_id = p.id if p is not None else None
    risk = Risk(
        id=stable_id("R", doc.source.sha256, "p", rec.block, rec.span[0]),
        owner=rec.owner,
        name=rec.name.strip(),
        level_raw=rec.level_raw,
        power=power_id,
        responsible=list(dict.fromkeys(rec.responsible)),
        loc=loc,
        why=Why(source="lexicons/prose/labels.yaml#risk", detail="flow-chart box" if rec.box else "labelled text"),
    )
    doc.risks.append(risk)
    for name in risk.responsible:
        builder.responsible(name, "text", loc)
    for i, (text, block, span) in enumerate(rec.measures):
        builder.measures(risk, text, Loc(file=doc.source.path, page=rec.page, block=block, span=span),
                         why_source="lexicons/prose/labels.yaml#measure", key_parts=("p", block, span[0], i))
    return risk


# -- powers listed in a sentence -----------------------------------------------------------

_POWER_PREFILTER = re.compile(rf"[{CJK}]权(?:[、，,]|和|及|与|以及)[{CJK}]{{1,10}}?权")
_POWER_NEED = required_sets(_POWER_PREFILTER)


def _power_lists(doc: Document, blocks: list[Block], plex: ProseLexicon, ctx: Any, builder: Any) -> None:
    """Powers named as a list in a sentence about powers: "对司法权、行政审批权…等五种重点公共
    权力", "涉及廉政风险点的职权有23种，其中，审判权和执行权位于前列"."""
    for b in blocks:
        if not may_match(b.text, _POWER_NEED):
            continue  # no sentence of it can pass the prefilter below
        for sent_m in re.finditer(r"[^。！？!?\n]+", b.text):
            sent = sent_m.group(0)
            if not _POWER_PREFILTER.search(sent):
                continue
            if not any(c in sent for c in plex.power_context) or not _worth_tokenizing(sent, plex):
                continue
            from pipeline.segment import get_nlp  # loaded only for such sentences

            seg = get_nlp(ctx)
            sdoc = seg.nlp(sent)
            matcher = seg.matcher(POWER_PATTERNS, ctx.lexicons)
            spans = sorted((s, e) for _lab, s, e in matcher(sdoc))
            if not spans:
                continue
            # merge overlapping matches into coordinations, then cut them into items
            merged: list[list[int]] = []
            for s, e in spans:
                if merged and s < merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([s, e])
            for s, e in merged:
                # only the context mention must be outside the list itself (…职权有23种,其中,X和Y)
                items = _coordination_items([t.text for t in sdoc[s:e]], plex)
                # the first item may carry a verb or preposition on its left: 加强对司法权
                if any(n in plex.not_power or len(n) < 3 for n in items):
                    continue  # 决策权、执行权、监督权 / 人权、财权: principles and rights, not powers
                for name in items:
                    off = sent.find(name)
                    builder.power(name, loc=b.loc.at(block=b.index, span=(sent_m.start() + off, sent_m.start() + off + len(name))),
                                  why=Why(source="lexicons/prose/power_lists.jsonl#POWER_LIST", detail=sent[:60]))


_COORD = re.compile(rf"[{CJK}]{{1,12}}?权(?:(?:、|，|,|和|及|与|以及)[{CJK}]{{1,12}}?权)+")
_COORD_SEP = re.compile(r"、|，|,|以及|和|及|与")


def _worth_tokenizing(sent: str, plex: ProseLexicon) -> bool:
    """Rule out, without loading the tokenizer, lists that the token pass would reject anyway:
    one with a right or principle (决策权、执行权、监督权) or a one-character item (人权、财权)."""
    for m in _COORD.finditer(sent):
        items = [x for x in _COORD_SEP.split(m.group(0)) if x]
        if any(any(x.endswith(n) for n in plex.not_power) for x in items):
            continue
        if any(len(x) < 3 for x in items[1:]):
            continue
        return True
    return False


def _coordination_items(tokens: list[str], plex: ProseLexicon) -> list[str]:
    seps = {"、", "和", "及", "与", "以及", ",", "，"}
    items: list[str] = []
    cur: list[str] = []
    for t in tokens:
        if t in seps:
            if cur:
                items.append(cur)  # type: ignore[arg-type]
            cur = []
        else:
            cur.append(t)
    if cur:
        items.append(cur)  # type: ignore[arg-type]
    out = []
    for toks in items:
        toks = list(toks)  # type: ignore[call-overload]
        while toks and toks[0] in plex.power_stop:
            toks = toks[1:]
        # an item is the tokens up to its 权-word, at most three tokens long
        name = "".join(toks[-3:])
        if name.endswith("权"):
            out.append(name)
    return out
