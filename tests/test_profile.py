"""Profiles: loading, extending, validation with file:line, suppressions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.checks import rules
from pipeline.checks.profile import (
    Profile,
    _glob_to_regex,
    load_profile,
    profile_from_dict,
    validate_profile_data,
)
from pipeline.errors import ConfigError


def test_default_profile_sets_every_rule() -> None:
    p = load_profile()
    assert isinstance(p, Profile) and p.name == "default"
    for code, rule in rules().items():
        assert p.severity(code) == rule.severity, code  # the YAML agrees with the catalogue
    assert p.owner_by_level == {"high": ["principal"], "medium": ["in_charge"], "low": ["section_head"]}
    assert p.template["required_columns"] == ["risk", "measure", "level", "responsible"]
    assert [s["name"] for s in p.template["sections"]] == ["指导思想", "工作目标", "主要任务", "方法步骤", "工作要求"]
    assert load_profile(name="default").fingerprint == p.fingerprint


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_chain_merges_base_first(tmp_path: Path) -> None:
    _write(tmp_path / "base.yaml", "kind: profile\nrules:\n  LF109: off\n  LF107: {levels: [low]}\n"
                                   "ignore:\n  - {rule: LF110, files: '**/old/*.docx'}\n")
    leaf = _write(tmp_path / "leaf.yaml", "kind: profile\nextends: base.yaml\nname: 省级模板\nrules:\n"
                                          "  LF107: info\nignore:\n  - {rule: LF103}\n"
                                          "template:\n  columns: {level: [危险程度]}\n")
    p = load_profile(leaf)
    assert p.name == "省级模板"
    assert [Path(s).name for s in p.sources] == ["default.yaml", "base.yaml", "leaf.yaml"]
    assert p.severity("LF109") == "off" and not p.enabled("LF109")
    assert p.severity("LF107") == "info" and p.option("LF107", "levels") == ["low"]  # settings kept
    assert p.severity("LF101") == "error"  # from default
    assert p.suppressed("LF110", "in/old/表.docx") and not p.suppressed("LF110", "in/new/表.docx")
    assert p.suppressed("LF103", "anything.pdf")
    # columns merge label by label: the default's other labels stay
    assert p.template["columns"]["level"] == ["危险程度"] and "风险点" in p.template["columns"]["risk"]
    assert p.fingerprint != load_profile().fingerprint


def test_extends_none_starts_from_the_catalogue(tmp_path: Path) -> None:
    p = load_profile(_write(tmp_path / "p.yaml", "kind: profile\nextends: none\nrules: {LF101: warning}\n"))
    assert p.severity("LF101") == "warning"
    assert p.severity("LF102") == rules()["LF102"].severity
    assert p.template == {} and p.owner_by_level == {}


def test_cycle_is_a_config_error(tmp_path: Path) -> None:
    _write(tmp_path / "a.yaml", "kind: profile\nextends: b.yaml\n")
    _write(tmp_path / "b.yaml", "kind: profile\nextends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_profile(tmp_path / "a.yaml")


def test_bad_value_names_file_and_line(tmp_path: Path) -> None:
    f = _write(tmp_path / "bad.yaml", "kind: profile\nrules:\n  LF101: error\n  LF109: loud\n")
    with pytest.raises(ConfigError) as e:
        load_profile(f)
    assert f"{f}:4:" in str(e.value) and "loud" in str(e.value)


@pytest.mark.parametrize("path,needle", [
    ("missing.yaml", "not found"),
    ("broken.yaml", "YAML error"),
])
def test_unreadable_profile(tmp_path: Path, path: str, needle: str) -> None:
    _write(tmp_path / "broken.yaml", "kind: profile\nrules: [unclosed\n")
    with pytest.raises(ConfigError, match=needle):
        load_profile(tmp_path / path)


def test_unknown_builtin() -> None:
    with pytest.raises(ConfigError, match="unknown built-in profile"):
        load_profile(name="nosuch")


@pytest.mark.parametrize("data,needle", [
    ({"kind": "rules"}, "kind must be 'profile'"),
    ({"kind": "profile", "rulez": {}}, "unknown key 'rulez'"),
    ({"kind": "profile", "rules": {"LF999": "off"}}, "unknown rule 'LF999'"),
    ({"kind": "profile", "rules": {"LF101": "loud"}}, "invalid severity 'loud'"),
    ({"kind": "profile", "rules": {"LF107": {"levelz": ["low"]}}}, "unknown setting 'levelz'"),
    ({"kind": "profile", "rules": {"LF107": {"levels": ["urgent"]}}}, "levels must be among"),
    ({"kind": "profile", "rules": {"LF106": {"similarity": "high"}}}, "setting 'similarity'"),
    ({"kind": "profile", "rules": {"LF101": 3}}, "expected a severity or a mapping"),
    ({"kind": "profile", "ignore": [{"files": "*.docx"}]}, "needs `rule`"),
    ({"kind": "profile", "ignore": [{"rule": "LF1"}]}, "unknown rule 'LF1'"),
    ({"kind": "profile", "ignore": [{"rule": "LF101", "files": 3}]}, "glob string"),
    ({"kind": "profile", "owner_by_level": {"high": ["boss"]}}, "owner_by_level[high]"),
    ({"kind": "profile", "owner_by_level": {"urgent": ["principal"]}}, "invalid level 'urgent'"),
    ({"kind": "profile", "template": {"sections": [{"synonyms": ["x"]}]}}, "needs a `name`"),
    ({"kind": "profile", "template": {"columns": {"colour": ["颜色"]}}}, "unknown label 'colour'"),
    ({"kind": "profile", "template": {"required_columns": ["risk", "colour"]}}, "required_columns"),
    ({"kind": "profile", "template": {"annexes": [{"name": "x"}]}}, "needs a `title`"),
    ({"kind": "profile", "template": {"plan_annexes": "yes"}}, "true or false"),
    ({"kind": "profile", "extends": 3}, "extends must be"),
])
def test_validation_messages(data: dict, needle: str) -> None:
    msgs = [m for _, m in validate_profile_data(data)]
    assert any(needle in m for m in msgs), msgs


def test_valid_data_has_no_problems() -> None:
    data = {"kind": "profile", "extends": "default", "rules": {"LF109": "off", "LF107": {"levels": ["low"]}},
            "ignore": [{"rule": ["LF101", "LF104"], "files": "**/附件*.docx"}, {"rule": "*"}],
            "owner_by_level": {"high": ["principal", "in_charge"]},
            "template": {"sections": [{"name": "指导思想", "synonyms": ["总体要求"]}], "annexes": ["自查报告"]}}
    assert validate_profile_data(data) == []


def test_profile_from_dict_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="<profile>: rule LF101"):
        profile_from_dict({"rules": {"LF101": "loud"}})


@pytest.mark.parametrize("glob,path,hit", [
    ("**/附件*.docx", "in/unit/附件1.docx", True),
    ("**/附件*.docx", "附件1.docx", True),
    ("**/附件*.docx", "in/unit/表附件1.docx", False),
    ("*.pdf", "a/b/c.pdf", True),  # a relative glob may match below any folder
    ("unit/*.pdf", "in/unit/c.pdf", True),
    ("unit/*.pdf", "in/unit/sub/c.pdf", False),
    ("/abs/*.pdf", "/abs/c.pdf", True),
    ("/abs/*.pdf", "/x/abs/c.pdf", False),
    ("in/**", "in/a/b/c.xlsx", True),
    ("表?.docx", "表1.docx", True),
])
def test_glob(glob: str, path: str, hit: bool) -> None:
    assert bool(_glob_to_regex(glob).search(path)) is hit


def test_lexicon_validation_reports_a_bad_profile(tmp_path: Path) -> None:
    from pipeline.lexicon import validate_dir

    root = tmp_path / "lexicons"
    (root / "rules").mkdir(parents=True)
    _write(root / "rules" / "strict.yaml", "kind: profile\nrules:\n  LF101: loud\n")
    errs = validate_dir(root)
    assert any("strict.yaml" in str(e) and "invalid severity 'loud'" in str(e) for e in errs), errs
