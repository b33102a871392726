"""The one document model that flows through every stage (DESIGN.md §3, §4).

Parsers create a :class:`Document`; stages add to it and never return anything else.
`schema_version` changes whenever the JSON shape changes; `schema/document.schema.json`
is generated from these models (``lianfang schema``) and checked by a test.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from itertools import repeat
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1"

Status = Literal["ok", "partial", "failed"]
Kind = Literal["plan", "risk_table", "power_catalog", "self_check_report", "mixed", "unknown"]
Level = Literal["high", "medium", "low"]
Category = Literal["ideology_ethics", "post_duty", "business_process", "institution", "external"]
DefenseLine = Literal["prevention", "monitoring", "disposal"]
Rank = Literal["principal", "in_charge", "section_head", "post_holder", "supervisor", "other"]
Severity = Literal["error", "warning", "info"]
CoverageState = Literal["covered", "uncovered", "generic_only", "owner_missing", "undecidable"]


_new_object = object.__new__


def _slot_setter(name: str) -> Any:
    """The setter of one of BaseModel's instance slots; the descriptor's own ``__set__`` skips
    the attribute lookup ``object.__setattr__`` makes on every call."""
    descr = BaseModel.__dict__.get(name)
    if descr is not None and hasattr(descr, "__set__"):
        return descr.__set__
    return lambda obj, value: object.__setattr__(obj, name, value)  # another pydantic layout


_set_dict = _slot_setter("__dict__")
_set_fields_set = _slot_setter("__pydantic_fields_set__")
_set_extra = _slot_setter("__pydantic_extra__")
_set_private = _slot_setter("__pydantic_private__")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    @classmethod
    def from_fields(cls, values: dict[str, Any], fields_set: set[str] | None = None) -> Any:
        """An instance whose ``__dict__`` is ``values``: EVERY field, already of its declared
        type and already as its validator leaves it (the caller's promise; nothing is checked).

        The cheapest way to make thousands of cells and locations per document (about half
        the cost of validating the same values; ``model_construct`` costs more than both).
        ``fields_set`` is what validation would record as set (default: every key). For the
        models of this module, none of which has private attributes or allows extra fields.
        """
        obj = _new_object(cls)
        _set_dict(obj, values)
        _set_fields_set(obj, set(values) if fields_set is None else fields_set)
        _set_extra(obj, None)
        _set_private(obj, None)
        return obj

    @classmethod
    def from_fields_many(cls, values: list[dict[str, Any]], fields_set: AbstractSet[str]) -> list[Any]:
        """``[cls.from_fields(v, set(fields_set)) for v in values]``: the same instances, each
        with its own copy of ``fields_set``, made by C-level ``map`` calls rather than a
        Python call per instance (a table's cells and their locations come by the hundred).
        """
        n = len(values)
        objs = list(map(_new_object, repeat(cls, n)))
        # each setter returns None, so any() runs it over every instance
        any(map(_set_dict, objs, values))
        any(map(_set_fields_set, objs, map(set, repeat(fields_set, n))))
        any(map(_set_extra, objs, repeat(None, n)))
        any(map(_set_private, objs, repeat(None, n)))
        return objs

    def copy_with(self, changes: dict[str, Any]) -> Any:
        """``model_copy(update=changes)`` (shallow, unvalidated, the same fields set) at a
        fraction of its cost: extraction copies a location for every item it makes."""
        d = self.__dict__.copy()
        d.update(changes)
        obj = _new_object(type(self))
        _set_dict(obj, d)
        _set_fields_set(obj, self.__pydantic_fields_set__ | changes.keys())
        _set_extra(obj, None)
        private = self.__pydantic_private__
        _set_private(obj, None if private is None else dict(private))
        return obj


def _utf8_safe(v: object) -> object:
    """File names that are not valid UTF-8 arrive as lone surrogates (os.fsdecode); JSON and
    HTML writers refuse those, so one GBK-named file would sink a batch's outputs. Escape them."""
    if isinstance(v, str) and not v.isascii():
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            try:
                return v.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:
                return v.encode("utf-8", "backslashreplace").decode("utf-8")
    return v


class Loc(_Model):
    """Where something is: only the keys that apply are set (and serialised)."""

    file: str | None = None
    page: int | None = None
    block: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    span: tuple[int, int] | None = None

    _file_utf8 = field_validator("file")(classmethod(lambda cls, v: _utf8_safe(v)))

    def at(self, **kw: Any) -> Loc:
        """A copy with some keys replaced: ``cell.loc.at(span=(0, 4))``."""
        return self.copy_with(kw)


class Why(_Model):
    """Why an item was extracted: the lexicon entry or pattern that decided, for explanations."""

    source: str  # e.g. "lexicons/tables/headers.yaml#risk" or "pattern:stated_count"
    detail: str | None = None
    score: float | None = None


class ErrorItem(_Model):
    stage: str  # parse | normalise | segment | extract | link | check | preflight | ...
    code: str  # stable, machine-readable: "encrypted", "not_a_zip", "garbled_page", "LF900" ...
    message: str  # names the file and the reason
    loc: Loc | None = None

    _message_utf8 = field_validator("message")(classmethod(lambda cls, v: _utf8_safe(v)))


class Source(_Model):
    path: str
    sha256: str = ""
    format: str = ""  # docx | pdf | xlsx | txt | md | doc | wps | rtf | odt
    size: int = 0
    pages: int | None = None
    encoding: str | None = None  # text files: the detected encoding
    converted_from: str | None = None  # legacy formats: the format converted via LibreOffice

    _path_utf8 = field_validator("path")(classmethod(lambda cls, v: _utf8_safe(v)))


class Cell(_Model):
    """One cell of the resolved grid. Only origin cells are stored; spans say what they cover."""

    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    text: str = ""
    raw: str | None = None  # text before normalisation, when it differs
    tables: list[Table] = Field(default_factory=list)  # nested tables
    loc: Loc = Field(default_factory=Loc)


class Table(_Model):
    index: int  # table number within the document (0-based, document order, nested included)
    n_rows: int
    n_cols: int
    cells: list[Cell] = Field(default_factory=list)
    pages: list[int] = Field(default_factory=list)  # PDF: pages the (stitched) table runs over
    title: str | None = None  # xlsx: sheet name; docx/pdf: a caption paragraph, when seen
    nested_in: int | None = None
    loc: Loc = Field(default_factory=Loc)

    def grid(self, filled: bool = True) -> list[list[str | None]]:
        """The table as rows of strings.

        ``filled=True`` copies a merged value into every cell it spans (what readers of a
        vertically merged 科室/责任领导 column mean); ``filled=False`` is the origin-only view,
        where covered cells are ``None``.
        """
        n_rows, n_cols = self.n_rows, self.n_cols
        out: list[list[str | None]] = [[None] * n_cols for _ in range(n_rows)]
        for c in self.cells:
            r0, k0, rs, cs = c.row, c.col, c.row_span, c.col_span
            if rs == 1 and cs == 1 or not filled:
                # the origin alone: most cells span nothing, and the origin-only view wants no more
                if r0 < n_rows and k0 < n_cols and rs > 0 and cs > 0:
                    out[r0][k0] = c.text
                continue
            text = c.text
            for r in range(r0, min(r0 + rs, n_rows)):
                row = out[r]
                for k in range(k0, min(k0 + cs, n_cols)):
                    row[k] = text
        if filled:
            return [[v if v is not None else "" for v in row] for row in out]
        return out

    def origin_map(self) -> list[list[Cell | None]]:
        """For every grid position, the origin cell that covers it (None for holes)."""
        n_rows, n_cols = self.n_rows, self.n_cols
        out: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
        for c in self.cells:
            r0, k0 = c.row, c.col
            if c.row_span == 1 and c.col_span == 1:
                if r0 < n_rows and k0 < n_cols:
                    out[r0][k0] = c
                continue
            for r in range(r0, min(r0 + c.row_span, n_rows)):
                row = out[r]
                for k in range(k0, min(k0 + c.col_span, n_cols)):
                    row[k] = c
        return out


BlockKind = Literal["heading", "paragraph", "list_item", "table"]
HeadingSignal = Literal["outline", "style", "enumerator", "numbering", "layout"]


class Block(_Model):
    index: int
    kind: BlockKind
    text: str = ""  # normalised; for a list item or heading, the auto-number is included
    raw: str | None = None  # text before normalisation, when it differs
    level: int | None = None  # heading level 1..9
    enumerator: str | None = None  # "一、" "（一）" "1." "①": typed or rebuilt from numbering.xml
    signal: HeadingSignal | None = None  # what decided that this is a heading
    style: str | None = None
    table: Table | None = None
    loc: Loc = Field(default_factory=Loc)


class Section(_Model):
    id: str
    title: str
    level: int
    enumerator: str | None = None
    block: int  # index of the heading block
    end: int  # index one past the last block of the section
    parent: str | None = None


class Power(_Model):
    id: str
    name: str
    content: str | None = None
    basis: str | None = None
    subject: str | None = None
    type: str | None = None
    owner: str | None = None
    loc: Loc = Field(default_factory=Loc)
    why: Why | None = None


class Responsible(_Model):
    """A person or role who answers for risks, with the rank the lexicon gives the role."""

    id: str
    name: str
    rank: Rank | None = None
    role: str | None = None  # the column or cue it came from: 责任领导 / 部门负责人 / 责任人
    loc: Loc = Field(default_factory=Loc)


class Measure(_Model):
    id: str
    text: str
    defense_line: DefenseLine | None = None
    responsible: list[str] = Field(default_factory=list)
    risk: str | None = None
    generic: bool = False  # boilerplate only (加强教育/提高认识): set by extraction from the lexicon
    loc: Loc = Field(default_factory=Loc)
    why: Why | None = None


class Risk(_Model):
    id: str
    owner: str | None = None  # unit / department / post as written
    department: str | None = None
    post: str | None = None
    name: str
    manifestation: str | None = None
    category: Category | None = None
    category_raw: str | None = None
    level: Level | None = None
    level_raw: str | None = None
    power: str | None = None  # Power id
    measures: list[str] = Field(default_factory=list)  # Measure ids
    measures_unreadable: bool = False  # the measure cell could not be read (→ undecidable)
    responsible: list[str] = Field(default_factory=list)  # names/roles as written
    responsible_ranks: list[Rank] = Field(default_factory=list)
    state: CoverageState | None = None
    loc: Loc = Field(default_factory=Loc)
    why: Why | None = None


class LevelDef(_Model):
    level: Level
    name: str  # as the plan writes it: 高 / 一级 / 红色
    criteria: str | None = None


class Phase(_Model):
    name: str
    start: str | None = None  # ISO date (yyyy-mm or yyyy-mm-dd) as far as stated
    end: str | None = None
    text: str = ""
    loc: Loc = Field(default_factory=Loc)


class Annex(_Model):
    number: int | None = None
    title: str
    loc: Loc = Field(default_factory=Loc)


class Plan(_Model):
    """The rules an implementation plan sets for its own unit."""

    level_scheme: list[LevelDef] = Field(default_factory=list)
    owner_by_level: dict[Level, list[Rank]] = Field(default_factory=dict)
    owner_by_level_raw: dict[Level, str] = Field(default_factory=dict)
    phases: list[Phase] = Field(default_factory=list)
    annexes: list[Annex] = Field(default_factory=list)
    loc: Loc = Field(default_factory=Loc)


class Finding(_Model):
    rule: str  # LF101 …
    name: str = ""  # risk-without-measure …
    severity: Severity
    message: str  # in the run's language (zh by default)
    message_en: str | None = None
    hint: str | None = None
    loc: Loc = Field(default_factory=Loc)
    refs: list[str] = Field(default_factory=list)


class Document(_Model):
    schema_version: str = SCHEMA_VERSION
    tool_version: str = ""
    lexicon_fingerprint: str = ""
    source: Source
    status: Status = "ok"
    errors: list[ErrorItem] = Field(default_factory=list)
    kind: Kind = "unknown"
    unit: str | None = None
    title: str | None = None
    date: str | None = None
    blocks: list[Block] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    powers: list[Power] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    measures: list[Measure] = Field(default_factory=list)
    responsibles: list[Responsible] = Field(default_factory=list)
    stated_counts: dict[str, int] = Field(default_factory=dict)
    plan: Plan | None = None
    findings: list[Finding] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)  # stages that have run, in order

    # -- helpers used by every stage -------------------------------------------------------
    def add_error(self, stage: str, code: str, message: str, *, fatal: bool = False,
                  loc: Loc | None = None) -> None:
        """Record a problem; ``fatal`` marks the document failed, otherwise partial."""
        self.errors.append(ErrorItem(stage=stage, code=code, message=message, loc=loc))
        if fatal:
            self.status = "failed"
        elif self.status == "ok":
            self.status = "partial"

    def tables(self) -> list[Table]:
        """All tables in document order, nested ones after their parent."""
        # a stack, not a recursive closure: that would be a function/closure cycle holding ``out``,
        # so every table and cell would wait for the garbage collector instead of being freed
        out: list[Table] = []
        todo = [b.table for b in reversed(self.blocks) if b.table is not None]
        while todo:
            t = todo.pop()
            out.append(t)
            nested = [n for c in t.cells if c.tables for n in c.tables]  # few cells hold a table
            if nested:
                todo.extend(reversed(nested))
        return out

    def text(self) -> str:
        """Plain text of the body in reading order (tables row by row, tab-separated)."""
        parts: list[str] = []
        for b in self.blocks:
            if b.table is not None:
                for row in b.table.grid(filled=False):
                    parts.append("\t".join(v or "" for v in row))
            else:
                parts.append(b.text)
        return "\n".join(parts)

    def to_contract(self, *, include_blocks: bool = False) -> dict[str, Any]:
        """The output contract of DESIGN.md §4 (blocks only on request: they are large)."""
        exclude = None if include_blocks else {"blocks", "sections"}
        return self.model_dump(mode="json", exclude_none=True, exclude=exclude)

    def contract_json(self, *, include_blocks: bool = False, indent: int | None = 1) -> str:
        """:meth:`to_contract` as JSON text, through pydantic's fast serialiser."""
        return self.contract_bytes(include_blocks=include_blocks, indent=indent).decode("utf-8")

    def contract_bytes(self, *, include_blocks: bool = False, indent: int | None = 1) -> bytes:
        """:meth:`to_contract` as the UTF-8 JSON the serialiser makes: what a writer needs, without
        ``model_dump_json``'s decoding to text and the writer's encoding back (~0.7 ms of ~2.5 ms)."""
        exclude = None if include_blocks else {"blocks", "sections"}
        return self.__pydantic_serializer__.to_json(self, exclude_none=True, exclude=exclude, indent=indent)


Cell.model_rebuild()
Table.model_rebuild()
