"""Find, load, validate and fingerprint ``lexicons/`` — all domain knowledge lives there as data.

Every YAML file names its ``kind`` (as vale's rules name what they extend); code offers a few
shapes and checks each file against its shape, reporting every bad entry as ``path:line: msg``:

``terms``     ``terms: {label: [phrase, …]}``            phrases grouped by label
``patterns``  ``patterns: [{name, regex, score?, label?}]`` named regexes (presidio style)
``mapping``   ``entries: {key: value | [values]}``        key → value tables (variants, styles)
``records``   ``records: [{…}, …]``                       free rows read by one module
``profile``   rule settings (``extends``, ``rules``)     validated by :mod:`pipeline.checks`

Plus two non-YAML kinds: ``*.dict.txt`` in jieba's user-dictionary format (``word [freq] [tag]``)
and ``*.jsonl`` spaCy patterns (``{"label": …, "pattern": …}`` per line).

The directory is, in order: ``$LIANFANG_LEXICONS``; ``pipeline/_lexicons`` (a wheel install);
``lexicons/`` beside the package (a source checkout or ``pip install -e``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import LexiconError

KINDS = ("terms", "patterns", "mapping", "records", "profile")


def lexicon_dir(override: str | Path | None = None) -> Path:
    """The lexicon directory in force (see the module docstring)."""
    if override:
        return Path(override)
    return _default_lexicon_dir(os.environ.get("LIANFANG_LEXICONS"))


@lru_cache(maxsize=8)
def _default_lexicon_dir(env: str | None) -> Path:
    # cached: normalise() asks for it on every call, and resolving touches the disk
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for cand in (here / "_lexicons", here.parent / "lexicons"):
        if cand.is_dir():
            return cand
    raise LexiconError(here / "_lexicons", None, "lexicon directory not found (set LIANFANG_LEXICONS)")


# libyaml's safe loader when PyYAML was built with it: ~8× faster to read the lexicons, which a
# fresh process (a CLI run, each worker) does before its first document
_SafeBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """A safe loader that remembers the line of every mapping key and sequence item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise LexiconError("", key_node.start_mark.line + 1, f"duplicate key {key!r}")
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[str(key)] = key_node.start_mark.line + 1
    mapping_with_lines = _Lined(mapping)
    mapping_with_lines.lines = lines
    mapping_with_lines.line = node.start_mark.line + 1
    return mapping_with_lines


class _Lined(dict):  # type: ignore[type-arg]
    lines: dict[str, int]
    line: int


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]


def _line(obj: Any, key: str | None = None) -> int | None:
    if isinstance(obj, _Lined):
        return obj.lines.get(key, obj.line) if key is not None else obj.line
    return None


def _read_yaml(path: Path, rel: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise LexiconError(rel, None, f"not UTF-8 ({e.reason} at byte {e.start})") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except LexiconError as e:
        raise LexiconError(rel, e.line, e.message) from None
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise LexiconError(rel, line, f"YAML error: {e.problem}") from None


def _plain(obj: Any) -> Any:
    """Strip the line bookkeeping: plain dicts and lists for the rest of the code."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _check_yaml(rel: str, data: Any) -> list[LexiconError]:
    errs: list[LexiconError] = []

    def err(line: int | None, msg: str) -> None:
        errs.append(LexiconError(rel, line, msg))

    if not isinstance(data, dict):
        return [LexiconError(rel, 1, "top level must be a mapping with a `kind`")]
    kind = data.get("kind")
    if kind not in KINDS:
        return [LexiconError(rel, _line(data, "kind") or 1, f"invalid kind {kind!r}: must be one of {KINDS}")]
    if kind == "terms":
        terms = data.get("terms")
        if not isinstance(terms, dict) or not terms:
            err(_line(data, "terms"), "`terms` must map labels to lists of phrases")
            return errs
        for label, phrases in terms.items():
            if not isinstance(phrases, list) or not phrases:
                err(_line(terms, label), f"label {label!r}: must be a non-empty list of phrases")
                continue
            seen: set[str] = set()
            for p in phrases:
                if not isinstance(p, str) or not p.strip():
                    err(_line(terms, label), f"label {label!r}: empty or non-text phrase {p!r}")
                elif p in seen:
                    err(_line(terms, label), f"label {label!r}: duplicate phrase {p!r}")
                seen.add(p) if isinstance(p, str) else None
    elif kind == "patterns":
        pats = data.get("patterns")
        if not isinstance(pats, list) or not pats:
            err(_line(data, "patterns"), "`patterns` must be a non-empty list")
            return errs
        names: set[str] = set()
        for p in pats:
            ln = _line(p)
            if not isinstance(p, dict) or "name" not in p or "regex" not in p:
                err(ln or _line(data, "patterns"), "each pattern needs `name` and `regex`")
                continue
            if p["name"] in names:
                err(ln, f"duplicate pattern name {p['name']!r}")
            names.add(p["name"])
            try:
                re.compile(str(p["regex"]))
            except re.error as e:
                err(_line(p, "regex"), f"pattern {p['name']!r}: bad regex: {e}")
            score = p.get("score", 1.0)
            if not isinstance(score, (int, float)) or not 0 <= score <= 1:
                err(_line(p, "score"), f"pattern {p['name']!r}: score must be a number in [0, 1]")
    elif kind == "mapping":
        ent = data.get("entries")
        if not isinstance(ent, dict) or not ent:
            err(_line(data, "entries"), "`entries` must be a non-empty mapping")
            return errs
        for k, v in ent.items():
            ok = isinstance(v, (str, int, float, bool)) or (
                isinstance(v, list) and all(isinstance(x, (str, int, float)) for x in v)
            )
            if not ok:
                err(_line(ent, str(k)), f"entry {k!r}: value must be text, a number or a list of them")
    elif kind == "records":
        rec = data.get("records")
        if not isinstance(rec, list):
            err(_line(data, "records"), "`records` must be a list")
        else:
            for r in rec:
                if not isinstance(r, dict):
                    err(_line(data, "records"), f"record {r!r} is not a mapping")
    return errs


_DICT_LINE = re.compile(r"^(\S+)(?: (\d+))?(?: ([a-zA-Z]+))?$")


def _check_dict_txt(rel: str, path: Path) -> list[LexiconError]:
    errs: list[LexiconError] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        return [LexiconError(rel, None, f"not UTF-8 ({e.reason})")]
    for i, line in enumerate(lines, 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not _DICT_LINE.match(s):
            errs.append(LexiconError(rel, i, f"invalid dictionary entry {s!r}: expected `word [freq] [tag]`"))
    return errs


def _check_jsonl(rel: str, path: Path) -> list[LexiconError]:
    errs: list[LexiconError] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        return [LexiconError(rel, None, f"not UTF-8 ({e.reason})")]
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            errs.append(LexiconError(rel, i, f"invalid JSON: {e.msg}"))
            continue
        if not isinstance(obj, dict) or "label" not in obj or "pattern" not in obj:
            errs.append(LexiconError(rel, i, "each line needs `label` and `pattern`"))
    return errs


def validate_dir(root: str | Path | None = None) -> list[LexiconError]:
    """Every problem in the lexicon directory, each with its file and line."""
    base = lexicon_dir(root)
    errs: list[LexiconError] = []
    for path in sorted(base.rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(base.parent) if base.name == "lexicons" else path.relative_to(base))
        if path.suffix in (".yaml", ".yml"):
            try:
                data = _read_yaml(path, rel)
            except LexiconError as e:
                errs.append(e)
                continue
            errs.extend(_check_yaml(rel, data))
            if isinstance(data, dict) and data.get("kind") == "profile":
                from pipeline.checks.profile import validate_profile_data  # lazy: avoids a cycle

                errs.extend(LexiconError(rel, ln, msg) for ln, msg in validate_profile_data(data))
        elif path.name.endswith(".dict.txt"):
            errs.extend(_check_dict_txt(rel, path))
        elif path.suffix == ".jsonl":
            errs.extend(_check_jsonl(rel, path))
    return errs


def fingerprint(root: str | Path | None = None) -> str:
    """A hash of every file in the lexicon directory: results name the lexicons that made them."""
    base = lexicon_dir(root)
    h = hashlib.sha256()
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(base)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Lexicons:
    """The loaded lexicon directory. ``data(rel)`` gives one YAML file as plain dicts and lists."""

    root: Path
    _cache: dict[str, Any] = field(default_factory=dict)

    def data(self, rel: str) -> Any:
        if rel not in self._cache:
            path = self.root / rel
            if not path.is_file():
                raise LexiconError(rel, None, "lexicon file not found")
            raw = _read_yaml(path, rel)
            problems = _check_yaml(rel, raw)
            if problems:
                raise problems[0]
            self._cache[rel] = _plain(raw)
        return self._cache[rel]

    def path(self, rel: str) -> Path:
        return self.root / rel

    def terms(self, rel: str) -> dict[str, list[str]]:
        return self.data(rel)["terms"]

    def entries(self, rel: str) -> dict[str, Any]:
        return self.data(rel)["entries"]

    def patterns(self, rel: str) -> list[dict[str, Any]]:
        return self.data(rel)["patterns"]

    def records(self, rel: str) -> list[dict[str, Any]]:
        return self.data(rel)["records"]

    @property
    def variants(self) -> dict[str, str]:
        return self.entries("normalise/variants.yaml")

    @property
    def fingerprint(self) -> str:
        if "__fp__" not in self._cache:
            self._cache["__fp__"] = fingerprint(self.root)
        return self._cache["__fp__"]


@lru_cache(maxsize=8)
def _load(root: str) -> Lexicons:
    return Lexicons(Path(root))


def load_lexicons(root: str | Path | None = None) -> Lexicons:
    """The lexicons of ``root`` (default: :func:`lexicon_dir`), loaded once per process."""
    return _load(str(lexicon_dir(root)))
