"""Profiles: which rules run, at what severity, with which thresholds and template settings.

A profile is a YAML file with ``kind: profile``. It extends another one (``extends: default``,
a path relative to the file, or ``none``); the built-in national default is
``lexicons/rules/default.yaml``. Keys:

``rules``          ``{LF109: off}`` or ``{LF107: {severity: info, levels: [low]}}``
``ignore``         ``[{rule: LF109, files: "**/附件*.docx"}]`` — suppressions by rule and file glob
``owner_by_level`` ``{high: [principal], …}`` — 分级负责 when the unit's plan states none
``template``       required plan ``sections``, risk-table ``columns`` and ``annexes`` (LF201–LF203)

A bad profile raises :class:`pipeline.errors.ConfigError` naming the file and line; it is never
turned into findings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, LexiconError

_log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning", "info", "off")
LEVELS = ("high", "medium", "low")
RANKS = ("principal", "in_charge", "section_head", "post_holder", "supervisor", "other")
COLUMN_LABELS = ("risk", "manifestation", "measure", "level", "responsible", "category", "power", "owner")
TOP_KEYS = ("kind", "name", "description", "extends", "rules", "ignore", "owner_by_level", "template")
TEMPLATE_KEYS = ("sections", "columns", "required_columns", "annexes", "plan_annexes")
DEFAULT_NAME = "default"


@dataclass(frozen=True)
class Suppression:
    rule: str  # an LF code or "*"
    files: str | None  # a glob over the document path; None = every file
    _rx: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, rule: str, path: str) -> bool:
        if self.rule not in ("*", rule):
            return False
        if self.files is None or self._rx is None:
            return True
        return self._rx.search(Path(path).as_posix()) is not None


@dataclass
class Profile:
    """A resolved profile: everything merged down from ``default``."""

    name: str
    rules: dict[str, dict[str, Any]]  # code -> {"severity": …, option: value}
    ignore: list[Suppression] = field(default_factory=list)
    owner_by_level: dict[str, list[str]] = field(default_factory=dict)
    template: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # the files it was merged from, base first

    def severity(self, code: str) -> str:
        return str(self.rules.get(code, {}).get("severity", "off"))

    def enabled(self, code: str) -> bool:
        return self.severity(code) != "off"

    def option(self, code: str, key: str, default: Any = None) -> Any:
        return self.rules.get(code, {}).get(key, default)

    def suppressed(self, code: str, path: str) -> bool:
        return any(s.matches(code, path) for s in self.ignore)

    @property
    def fingerprint(self) -> str:
        """A hash of the resolved settings (a cache key part: results depend on the profile)."""
        blob = json.dumps(
            {"rules": self.rules, "ignore": [(s.rule, s.files) for s in self.ignore],
             "owner_by_level": self.owner_by_level, "template": self.template},
            sort_keys=True, ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


# -- validation ---------------------------------------------------------------------------------

def _line(obj: Any, key: str | None = None) -> int | None:
    """The YAML line of ``obj`` (or of its ``key``) when it was read by the line-keeping loader."""
    lines = getattr(obj, "lines", None)
    if lines is None:
        return None
    if key is not None and key in lines:
        return int(lines[key])
    return getattr(obj, "line", None)


def _rule_options() -> dict[str, dict[str, Any]]:
    from pipeline.checks.engine import rules  # lazy: the engine imports the rule modules

    return {code: dict(rule.options) for code, rule in rules().items()}


def _type_ok(value: Any, default: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list):
        return isinstance(value, list)
    if default is None:
        return True
    return isinstance(value, type(default))


def validate_profile_data(data: dict[str, Any]) -> list[tuple[int | None, str]]:
    """Every problem in one profile file's data, as ``(line, message)`` (line None if unknown).

    Works on plain dicts and, with line numbers, on what the lexicon loader reads.

    >>> validate_profile_data({"kind": "profile", "rules": {"LF101": "loud"}})
    [(None, "rule LF101: invalid severity 'loud': must be one of ('error', 'warning', 'info', 'off')")]
    """
    errs: list[tuple[int | None, str]] = []
    if not isinstance(data, dict):
        return [(1, "a profile must be a mapping")]
    if data.get("kind") != "profile":
        errs.append((_line(data, "kind"), f"kind must be 'profile', not {data.get('kind')!r}"))
    for k in data:
        if k not in TOP_KEYS:
            errs.append((_line(data, str(k)), f"unknown key {k!r}: expected one of {TOP_KEYS}"))
    ext = data.get("extends")
    if ext is not None and not isinstance(ext, str):
        errs.append((_line(data, "extends"), "extends must be a profile name or a path"))

    options = _rule_options()
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        errs.append((_line(data, "rules"), "rules must map rule codes to a severity or settings"))
        rules = {}
    for code, conf in rules.items():
        ln = _line(rules, str(code))
        if code not in options:
            errs.append((ln, f"unknown rule {code!r}: known rules are {', '.join(sorted(options))}"))
            continue
        if isinstance(conf, str) or conf is False:
            conf = {"severity": "off" if conf is False else conf}
        if not isinstance(conf, dict):
            errs.append((ln, f"rule {code}: expected a severity or a mapping of settings"))
            continue
        for key, value in conf.items():
            kln = _line(conf, str(key)) or ln
            if key == "severity":
                if value not in SEVERITIES:
                    errs.append((kln, f"rule {code}: invalid severity {value!r}: must be one of {SEVERITIES}"))
            elif key not in options[code]:
                known = ", ".join(["severity", *options[code]])
                errs.append((kln, f"rule {code}: unknown setting {key!r} (known: {known})"))
            elif not _type_ok(value, options[code][key]):
                errs.append((kln, f"rule {code}: setting {key!r} must be like {options[code][key]!r}, not {value!r}"))
            elif key == "levels" and any(v not in LEVELS for v in value):
                errs.append((kln, f"rule {code}: levels must be among {LEVELS}, not {value!r}"))

    ignore = data.get("ignore") or []
    if not isinstance(ignore, list):
        errs.append((_line(data, "ignore"), "ignore must be a list of {rule, files}"))
        ignore = []
    for item in ignore:
        ln = _line(item) or _line(data, "ignore")
        if not isinstance(item, dict) or "rule" not in item:
            errs.append((ln, f"ignore entry {item!r}: needs `rule` (and optionally `files`)"))
            continue
        extra = set(item) - {"rule", "files"}
        if extra:
            errs.append((ln, f"ignore entry: unknown key(s) {sorted(extra)}"))
        rule_codes = item["rule"] if isinstance(item["rule"], list) else [item["rule"]]
        for rc in rule_codes:
            if rc != "*" and rc not in options:
                errs.append((_line(item, "rule") or ln, f"ignore entry: unknown rule {rc!r}"))
        if "files" in item and not isinstance(item["files"], str):
            errs.append((_line(item, "files") or ln, "ignore entry: files must be a glob string"))

    obl = data.get("owner_by_level")
    if obl is not None:
        if not isinstance(obl, dict):
            errs.append((_line(data, "owner_by_level"), "owner_by_level must map levels to lists of ranks"))
        else:
            for lv, ranks in obl.items():
                ln = _line(obl, str(lv))
                if lv not in LEVELS:
                    errs.append((ln, f"owner_by_level: invalid level {lv!r}: must be one of {LEVELS}"))
                if not isinstance(ranks, list) or not ranks or any(r not in RANKS for r in ranks):
                    errs.append((ln, f"owner_by_level[{lv}]: must be a non-empty list of ranks from {RANKS}"))

    errs.extend(_validate_template(data))
    return errs


def _validate_template(data: dict[str, Any]) -> list[tuple[int | None, str]]:
    errs: list[tuple[int | None, str]] = []
    tpl = data.get("template")
    if tpl is None:
        return errs
    if not isinstance(tpl, dict):
        return [(_line(data, "template"), "template must be a mapping")]
    for k in tpl:
        if k not in TEMPLATE_KEYS:
            errs.append((_line(tpl, str(k)), f"template: unknown key {k!r}: expected one of {TEMPLATE_KEYS}"))
    for sec in tpl.get("sections") or []:
        ln = _line(sec) or _line(tpl, "sections")
        if not isinstance(sec, dict) or not isinstance(sec.get("name"), str):
            errs.append((ln, f"template.sections: entry {sec!r} needs a `name` (and `synonyms`)"))
            continue
        syn = sec.get("synonyms", [])
        if not isinstance(syn, list) or any(not isinstance(s, str) or not s.strip() for s in syn):
            errs.append((_line(sec, "synonyms") or ln, f"template.sections[{sec['name']}]: synonyms must be a list of text"))
    cols = tpl.get("columns")
    if cols is not None:
        if not isinstance(cols, dict):
            errs.append((_line(tpl, "columns"), "template.columns must map column labels to header phrases"))
        else:
            for label, phrases in cols.items():
                ln = _line(cols, str(label))
                if label not in COLUMN_LABELS:
                    errs.append((ln, f"template.columns: unknown label {label!r}: must be one of {COLUMN_LABELS}"))
                if not isinstance(phrases, list) or any(not isinstance(p, str) or not p for p in phrases):
                    errs.append((ln, f"template.columns[{label}]: must be a list of header phrases"))
    req = tpl.get("required_columns")
    if req is not None and (not isinstance(req, list) or any(r not in COLUMN_LABELS for r in req)):
        errs.append((_line(tpl, "required_columns"), f"template.required_columns: must be a list among {COLUMN_LABELS}"))
    for ax in tpl.get("annexes") or []:
        ln = _line(ax) or _line(tpl, "annexes")
        if isinstance(ax, str):
            continue
        if not isinstance(ax, dict) or not isinstance(ax.get("title"), str):
            errs.append((ln, f"template.annexes: entry {ax!r} needs a `title`"))
    pa = tpl.get("plan_annexes")
    if pa is not None and not isinstance(pa, bool):
        errs.append((_line(tpl, "plan_annexes"), "template.plan_annexes must be true or false"))
    return errs


# -- loading and merging ------------------------------------------------------------------------

def _glob_to_regex(glob: str) -> re.Pattern[str]:
    """``**/附件*.docx`` → a regex over POSIX paths; a relative glob may match at any folder boundary."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(c))
        i += 1
    body = "".join(out)
    prefix = "^" if glob.startswith("/") else "(?:^|/)"
    return re.compile(prefix + body + "$")


def _read_profile_file(path: Path) -> dict[str, Any]:
    from pipeline.lexicon import _read_yaml  # the loader that keeps line numbers

    if not path.is_file():
        raise ConfigError(f"{path}: profile not found")
    try:
        data = _read_yaml(path, str(path))
    except LexiconError as e:
        raise ConfigError(str(e)) from None
    problems = validate_profile_data(data)
    if problems:
        text = "; ".join(f"{path}:{ln}: {msg}" if ln else f"{path}: {msg}" for ln, msg in problems)
        raise ConfigError(text)
    return data


def _builtin_path(name: str) -> Path:
    from pipeline.lexicon import lexicon_dir

    return lexicon_dir() / "rules" / f"{name}.yaml"


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


def _norm_rules(rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for code, conf in rules.items():
        if isinstance(conf, str):
            out[code] = {"severity": conf}
        elif conf is False:
            out[code] = {"severity": "off"}
        else:
            out[code] = dict(conf)
    return out


def _chain(path: Path, seen: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """The profile at ``path`` and its ancestors, base first."""
    rp = path.resolve()
    if rp in seen:
        cycle = " → ".join(str(p) for p in [*seen, rp])
        raise ConfigError(f"{path}: profiles extend each other in a cycle ({cycle})")
    data = _plain(_read_profile_file(path))
    ext = data.get("extends")
    if ext is None and rp != _builtin_path(DEFAULT_NAME).resolve():
        ext = DEFAULT_NAME  # every profile builds on the national default unless it says `none`
    if ext in (None, "none"):
        return [(path, data)]
    if "/" in ext or ext.endswith((".yaml", ".yml")):
        parent = (path.parent / ext) if not Path(ext).is_absolute() else Path(ext)
    else:
        parent = _builtin_path(ext)
        if not parent.is_file():
            raise ConfigError(f"{path}: extends unknown built-in profile {ext!r}")
    return [*_chain(parent, [*seen, rp]), (path, data)]


def _resolve(chain: list[tuple[Path, dict[str, Any]]]) -> Profile:
    from pipeline.checks.engine import rules as catalogue

    rules: dict[str, dict[str, Any]] = {
        code: {"severity": r.severity, **r.options} for code, r in catalogue().items()
    }
    ignore: list[Suppression] = []
    owner_by_level: dict[str, list[str]] = {}
    template: dict[str, Any] = {}
    for _, data in chain:
        for code, conf in _norm_rules(data.get("rules") or {}).items():
            rules[code].update(conf)
        for item in data.get("ignore") or []:
            codes = item["rule"] if isinstance(item["rule"], list) else [item["rule"]]
            files = item.get("files")
            for code in codes:
                ignore.append(Suppression(code, files, _glob_to_regex(files) if files else None))
        owner_by_level.update(data.get("owner_by_level") or {})
        tpl = data.get("template") or {}
        for k, v in tpl.items():
            if k == "columns" and isinstance(template.get("columns"), dict):
                template["columns"] = {**template["columns"], **v}
            else:
                template[k] = v
    name = str(chain[-1][1].get("name") or chain[-1][0].stem)
    return Profile(name=name, rules=rules, ignore=ignore, owner_by_level=owner_by_level,
                   template=template, sources=[str(p) for p, _ in chain])


_CACHE: dict[tuple[str, float], Profile] = {}


def load_profile(path: str | Path | None = None, name: str | None = None) -> Profile:
    """The resolved profile at ``path``, or the built-in one called ``name`` (default: ``default``).

    Raises:
        ConfigError: the file is missing, not valid YAML, or has bad settings (file:line: reason).
    """
    p = Path(path) if path else _builtin_path(name or DEFAULT_NAME)
    if not path and not p.is_file():
        raise ConfigError(f"unknown built-in profile {name!r} (looked for {p})")
    try:
        key = (str(p.resolve()), p.stat().st_mtime)
    except OSError:
        raise ConfigError(f"{p}: profile not found") from None
    if key not in _CACHE:
        _CACHE[key] = _resolve(_chain(p, []))
    return _CACHE[key]


def profile_from_dict(data: dict[str, Any], where: str = "<profile>") -> Profile:
    """A profile from data already in memory (tests, an API caller); it extends ``default`` unless told.

    Raises:
        ConfigError: the data has bad settings (named with ``where``).
    """
    full = {"kind": "profile", **data}
    problems = validate_profile_data(full)
    if problems:
        raise ConfigError("; ".join(f"{where}: {msg}" for _, msg in problems))
    ext = full.get("extends", DEFAULT_NAME)
    chain: list[tuple[Path, dict[str, Any]]] = []
    if ext not in (None, "none"):
        base = Path(ext) if ("/" in ext or ext.endswith((".yaml", ".yml"))) else _builtin_path(ext)
        if not base.is_file():
            raise ConfigError(f"{where}: extends unknown profile {ext!r}")
        chain = _chain(base, [])
    return _resolve([*chain, (Path(where), _plain(full))])
