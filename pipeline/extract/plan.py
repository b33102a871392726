"""The framework an implementation plan sets for its unit: level scheme, who owns which level,
phases with their dates, annexes (forms the unit must submit).

- level scheme: a declaration ("按照“高、中、低”三个等级评定", "确定为一、二、三级") or level
  definitions ("…的为一级风险", "一级风险评定标准：…", "风险点列为高级"), each with its criteria;
- owner by level: clauses that give a level an owner ("高等级风险由单位主要领导管理和负责",
  "一般风险防控分管领导亲自抓，部门负责人具体落实") → ranks from lexicons/ranks.yaml, the roles
  named after 由 first; the clause is kept as ``owner_by_level_raw``;
- phases: "（一）动员部署阶段（2012年6月中旬至月底）", "第一阶段：…（2023年2月20日至2月28日）",
  a heading ending in a dated bracket "（二）排查风险（2012年10月）";
- annexes: "附件1《…》", "附件：…", "填写《部门权力清单》（见附件2）".
Cue words are data in ``lexicons/plan.yaml``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pipeline.enumerators import chinese_to_int, match_enumerator, split_enumerated
from pipeline.extract.common import Scanner, compact
from pipeline.extract.levels import Scheme, find_scheme, interpret_levels, parse_scheme
from pipeline.memo import Memo
from pipeline.model import Annex, Document, LevelDef, Loc, Phase, Plan, Rank

_log = logging.getLogger(__name__)

LEXICON = "plan.yaml"
_CLAUSE = re.compile(r"[^；;。\n]+")
_SUB = re.compile(r"[^，,；;。]+")
_YEAR = re.compile(r"((?:19|20)\d\d)年")
_DATE = re.compile(r"(?:(?P<y>(?:19|20)\d\d)年)?(?P<m>\d{1,2})(?:月|(?=\s*[-—~至到]\s*\d{1,2}月))"
                   r"(?:(?P<d>\d{1,2})日|(?P<part>上旬|中旬|下旬|底|初|末))?")
_ANNEX_REF = re.compile(r"《(?P<t>[^》]{2,40})》[^《》。]{0,12}?[（(]见附件\s*(?P<n>\d+)[)）]")
_ANNEX_BARE = re.compile(r"[（(]见附件\s*(?P<n>\d+)[)）]")


def extract_plan(doc: Document, res: Any) -> Plan | None:
    """The plan framework of a document, or None when it states none of it."""
    blocks = [b for b in doc.blocks if b.table is None and b.text and b.text.strip()]
    if not blocks:
        return None
    lex = res.lex.terms(LEXICON)
    plan = Plan()
    mentions = _level_mentions(blocks, res, lex)
    scheme, scheme_loc, defs = _level_scheme(blocks, res, lex, mentions)
    if scheme is not None:
        plan.level_scheme = defs
        plan.loc = scheme_loc
    _owner_by_level(blocks, res, lex, plan, scheme, mentions)
    plan.phases = _phases(blocks, doc, lex)
    plan.annexes = _annexes(blocks)
    if not (plan.level_scheme or plan.owner_by_level or plan.phases or plan.annexes):
        return None
    return plan


# -- levels ---------------------------------------------------------------------------------

def _level_rx(res: Any, lex: dict[str, Any]) -> Scanner:
    rx = res.memo.get("plan.level_rx")
    if rx is None:  # once per process; scanned over every clause of the document, twice
        rx = res.memo["plan.level_rx"] = Scanner(_build_level_rx(res, lex))
    return rx


def _build_level_rx(res: Any, lex: dict[str, Any]) -> re.Pattern[str]:
    spellings = sorted({compact(s) for sc in res.levels.scales for step in sc.steps for s in step
                        if compact(s)}, key=len, reverse=True)
    alt = "|".join(re.escape(s) for s in spellings)
    # 中等级风险 is 中 + 等级, never 中等 + 级
    nouns = "|".join("(?<!等)级" if n == "级" else re.escape(n) for n in lex["level_noun"])
    # “一级” / 高等级风险 / 一级风险 / 高风险点 / 列为高级
    return re.compile(rf"(?:[“\"](?P<q>{alt})[”\"]|(?P<w>{alt})(?:等级|等)?(?:{nouns}))")


def _level_name(m: re.Match[str], text: str) -> str:
    """The level as written: 高级 keeps its 级 (dev 31); 一级 is whole already."""
    name = m.group("q") or m.group("w")
    end = m.end("q") if m.group("q") else m.end("w")
    if not name.endswith("级") and text[end:end + 1] == "级":
        name += "级"
    return name


def _clean_criteria(text: str, define: str) -> str:
    """The condition of a level definition: no enumerator, no lead-in before a colon, no 为/的."""
    t = re.split(r"[:：]", text)[-1]
    e = match_enumerator(t)
    if e is not None:
        t = t[e.end:]
    t = re.sub(rf"(?:的)?(?:{define})$", "", t.strip())
    t = re.sub(r"^(?:对|将)", "", t)
    t = re.sub(r"[，,]?(?:廉政)?(?:风险点|风险)$", "", t)
    return t.strip("，,:： ")


_Mentions = list[tuple[Any, list[tuple[str, list[re.Match[str]]]]]]


def _level_mentions(blocks: list[Any], res: Any, lex: dict[str, Any]) -> _Mentions:
    """Per block, its clauses that mention a level, each with the mentions: both the scheme and
    the owners by level read them, and most clauses mention none."""
    rx = _level_rx(res, lex)
    # a paragraph's mentions, once per distinct text of the process (read only): paragraphs
    # recur from document to document of a batch
    memo = res.memo.get("plan.mentions") or res.memo.setdefault("plan.mentions", Memo())
    out: _Mentions = []
    for b in blocks:
        text = b.text
        clauses = memo.get(text)
        if clauses is None:
            if len(memo) >= MENTIONS_MEMO_MAX:
                memo.clear()
            clauses = memo[text] = _clause_mentions(text, rx)
        out.append((b, clauses))
    return out


MENTIONS_MEMO_MAX = 1 << 13  # paragraphs whose level mentions are kept, per process


def _clause_mentions(text: str, rx: Scanner) -> list[tuple[str, list[re.Match[str]]]]:
    """The clauses of ``text`` that mention a level, each with its mentions."""
    clauses = []
    for cm in _CLAUSE.finditer(text):
        clause = cm.group(0)
        hits = list(rx.finditer(clause))
        if hits:
            clauses.append((clause, hits))
    return clauses


def _level_scheme(blocks: list[Any], res: Any, lex: dict[str, Any],
                  mentions: _Mentions | None = None) -> tuple[Scheme | None, Loc, list[LevelDef]]:
    declared: tuple[Scheme, Any] | None = None
    for b in blocks:
        hit = find_scheme(b.text, res.levels)
        if hit is not None:
            declared = (hit[0], b)
            break
    define = "|".join(re.escape(v) for v in lex["define_verb"])
    found: dict[str, tuple[str, Any]] = {}
    for b, clauses in mentions if mentions is not None else _level_mentions(blocks, res, lex):
        for clause, hits in clauses:
            for m in hits:
                name = _level_name(m, clause)
                before, after = clause[: m.start()], clause[m.end():]
                criteria = None
                if re.search(rf"(?:{define})$", before):
                    # "风险等级为“一级”的…" states a level, it does not define one
                    criteria = None if re.search(rf"(?:等级|级别|定级)(?:{define})$", before) else before
                elif re.match(r"^(?:评定标准|标准|是指|为|是)[:：]?", after) and not re.match(r"^为(?:主|重点)", after):
                    criteria = re.sub(r"^(?:评定标准|标准|是指|为|是)[:：]?", "", after)
                criteria = _clean_criteria(criteria, define) if criteria else None
                if criteria and name not in found and len(compact(criteria)) >= 4:
                    found[name] = (criteria, b)
    if declared is None and len(found) < 2:
        return None, Loc(), []
    if declared is not None:
        scheme, b0 = declared
        names = scheme.names
    else:
        names = list(found)
        parsed = parse_scheme(names, res.levels)
        if parsed is None:
            return None, Loc(), []
        scheme = parsed
        b0 = next(iter(found.values()))[1]
    mapping = interpret_levels(names, scheme, levels=res.levels)
    canon = {res.levels.token(k): v for k, v in found.items()}
    defs = []
    for n in names:
        lvl = mapping.get(n)
        if lvl is None:
            continue
        crit = found.get(n, canon.get(res.levels.token(n), (None, None)))[0]
        defs.append(LevelDef(level=lvl, name=n, criteria=crit))
    return scheme, b0.loc.at(block=b0.index), defs


def _owner_by_level(blocks: list[Any], res: Any, lex: dict[str, Any], plan: Plan, scheme: Scheme | None,
                    mentions: _Mentions | None = None) -> None:
    duty = tuple(lex["duty_verb"])
    oversight = tuple(lex["oversight"])
    ranks = res.owners.ranks
    for _b, clauses in mentions if mentions is not None else _level_mentions(blocks, res, lex):
        for clause, hits in clauses:
            for k, m in enumerate(hits):
                # each level mention owns the text up to the next one ("属于高等级风险的，由主要领导
                # 负责，属于中等级风险的，…由分管领导负责")
                stop = hits[k + 1].start() if k + 1 < len(hits) else len(clause)
                name = _level_name(m, clause)
                level = interpret_levels([name], scheme, levels=res.levels).get(name)
                if level is None or level in plan.owner_by_level:
                    continue
                first: list[Rank] = []
                rest: list[Rank] = []
                for sm in _SUB.finditer(clause[m.end():stop]):
                    sub = sm.group(0)
                    if not any(v in sub for v in duty) or any(o in sub for o in oversight):
                        continue
                    roles = _roles_in(sub, ranks)
                    (first if "由" in sub else rest).extend(roles)
                ordered = list(dict.fromkeys(first + rest))
                if ordered:
                    plan.owner_by_level[level] = ordered
                    plan.owner_by_level_raw[level] = clause[m.start():stop].strip("，,；; ")


def _roles_in(text: str, ranks: Any) -> list[Rank]:
    """Ranks of the role phrases in ``text``, in order (the longest phrase wins at a position)."""
    return [label for label, _phrase in ranks.find_all(text)]  # type: ignore[misc]


# -- phases ---------------------------------------------------------------------------------

def _phases(blocks: list[Any], doc: Document, lex: dict[str, Any]) -> list[Phase]:
    year = None
    for src in [doc.title or ""] + [b.text for b in blocks[:15]]:
        y = _YEAR.search(src)
        if y:
            year = int(y.group(1))
            break
    nouns = "|".join(re.escape(n) for n in lex["phase_noun"])
    head = re.compile(rf"^(?:第[一二三四五六七八九十]+(?:{nouns})[:：]?)?(?P<name>[^，,。；;:：(（]{{1,24}}?(?:{nouns})?)"
                      r"\s*[(（](?P<dates>[^)）]{2,40})[)）]")
    bare = "|".join(re.escape(n) for n in lex["undated_phase_noun"])
    undated = re.compile(rf"^(?:第[一二三四五六七八九十]+(?:{nouns})[:：]?)?(?P<name>[^，,。；;:：(（]{{2,20}}?(?:{bare}))(?:[。.:：]|$)")
    phases: list[Phase] = []
    for i, b in enumerate(blocks):
        text = b.text.strip()
        e = match_enumerator(text)
        body = text[e.end:] if e else text
        m = head.match(body)
        if not m or not _DATE.search(m.group("dates")):
            # a phase the plan names without dates ("（五）总结考评阶段。…"): no deadline to check
            u = undated.match(body)
            if u and (b.kind == "heading" or e is not None) and not any(p.name == u.group("name") for p in phases):
                phases.append(Phase(name=u.group("name"), text=body[u.end():].strip(), loc=b.loc.at(block=b.index)))
            continue
        if not re.search(nouns, body[: m.end()]) and not (b.kind == "heading" or e is not None):
            continue
        name = m.group("name").strip()
        start, end = _date_range(m.group("dates"), year)
        if start and start[:4].isdigit():
            year = int(start[:4])
        rest = body[m.end():].lstrip("。.:：")
        if not rest and i + 1 < len(blocks) and blocks[i + 1].kind != "heading":
            rest = blocks[i + 1].text
        if any(p.name == name and p.start == start and p.end == end for p in phases):
            continue  # the same plan printed twice in one file
        phases.append(Phase(name=name, start=start, end=end, text=rest.strip(), loc=b.loc.at(block=b.index)))
    return phases


def _date_range(text: str, year: int | None) -> tuple[str | None, str | None]:
    """"2012年6月下旬-11月" → ("2012-06", "2012-11"); "2月-3月" with year 2011 → ("2011-02", "2011-03")."""
    dates = list(_DATE.finditer(text))
    if not dates:
        return None, None
    out: list[str] = []
    y = year
    last_m = None
    for d in dates:
        if d.group("y"):
            y = int(d.group("y"))
        mth = int(d.group("m"))
        if not 1 <= mth <= 12:
            continue
        if last_m is not None and mth < last_m and not d.group("y") and y is not None:
            y += 1  # 11月-2月 runs into the next year
        last_m = mth
        s = f"{mth:02d}" if y is None else f"{y}-{mth:02d}"
        if d.group("d"):
            s += f"-{int(d.group('d')):02d}"
        out.append(s)
    if not out:
        return None, None
    if len(out) == 1:
        if re.search(r"前|以前", text):
            return None, out[0]
        return out[0], out[0][:7] if re.search(r"至月底|到月底", text) else out[0]
    return out[0], out[-1]


# -- annexes --------------------------------------------------------------------------------

_ANNEX_ITEM = re.compile(r"^\s*(?P<n>\d{1,2})\s*[.、．]\s*(?P<t>《[^》]{2,40}》|[^，,。；;]{2,40}?)[。.；;]?\s*$")


def _annex_title(text: str) -> str:
    return text.strip().strip("《》“”。.；; ")


def _annexes(blocks: list[Any]) -> list[Annex]:
    """Annexes a plan lists ("附件：1.《…》 2.《…》", one per line or run together) and the
    forms it refers to ("填写《部门权力清单》（见附件2）")."""
    out: dict[int | str, Annex] = {}

    def add(n: int | None, title: str, b: Any, span: tuple[int, int], *, named: bool = True) -> None:
        k: int | str = n if n is not None else title
        annex = Annex(number=n, title=title, loc=b.loc.at(block=b.index, span=span))
        if k in out and named and out[k].title.startswith("附件"):
            out[k] = annex  # a named annex beats a bare "(见附件N)"
        else:
            out.setdefault(k, annex)

    in_list = False
    for b in blocks:
        text = b.text.strip()
        for m in _ANNEX_REF.finditer(text):
            add(int(m.group("n")), m.group("t"), b, m.span())
        for m in _ANNEX_BARE.finditer(text):
            add(int(m.group("n")), f"附件{m.group('n')}", b, m.span(), named=False)
        head = re.match(r"^附\s*件\s*(?P<n>\d+|[一二三四五六七八九十]+)?\s*[:：]?\s*", text)
        if head is not None:
            in_list = True
            raw_n = head.group("n")
            n0 = int(raw_n) if raw_n and raw_n.isdigit() else (chinese_to_int(raw_n) if raw_n else None)
            rest = text[head.end():]
            items = split_enumerated(rest) if rest else []
            for enum, item, start in items:
                title = _annex_title(item)
                if len(title) >= 2:
                    n = enum.value if enum is not None else n0
                    add(n, title, b, (head.end() + start, head.end() + start + len(item)))
            continue
        m = _ANNEX_ITEM.match(text) if in_list else None
        if m is not None:
            add(int(m.group("n")), _annex_title(m.group("t")), b, m.span())
        else:
            in_list = False
    return sorted(out.values(), key=lambda a: (a.number is None, a.number or 0, a.title))
