"""The CLI contract: exit codes, formats, and every command documented in the README."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r.exit_code, r.output


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    import click

    names = cli.list_commands(click.Context(cli))
    assert {"check", "extract", "parse", "eval", "graph", "lexicons", "schema"} <= set(names)
    for name in names:
        assert re.search(rf"`lianfang {name}\b", readme), f"`lianfang {name}` is not documented in README.md"


def test_parse_text_file_json(tmp_path: Path) -> None:
    f = tmp_path / "报告.txt"
    f.write_text("一、总体情况\n共查找风险点5个。\n", encoding="utf-8")
    code, out = run("parse", str(f))
    assert code == 0, out
    doc = json.loads(out)
    assert doc["source"]["format"] == "txt" and doc["status"] == "ok"


@pytest.mark.parametrize(("name", "content", "code_word"), [
    ("empty.docx", b"", "empty"),
    ("fake.docx", b"this is plain text, not a docx", "not_this_format"),
    ("fake.pdf", b"hello", "not_this_format"),
    ("x.exe", b"MZ\x90\x00", "unsupported_format"),
])
def test_parse_bad_input_exits_2_with_reason(tmp_path: Path, name: str, content: bytes, code_word: str) -> None:
    f = tmp_path / name
    f.write_bytes(content)
    code, out = run("parse", str(f))
    assert code == 2
    doc = json.loads(out)
    assert doc["status"] == "failed"
    assert doc["errors"][0]["code"] == code_word
    assert str(f) in doc["errors"][0]["message"]


def test_lexicons_validate_ok() -> None:
    code, _ = run("lexicons", "validate")
    assert code == 0


def test_lexicons_validate_bad_exits_2() -> None:
    code, out = run("lexicons", "validate", "--dir", str(ROOT / "tests/data/bad_lexicons/bad_regex"))
    assert code == 2 and "p.yaml:6" in out


def test_schema_command_prints_schema() -> None:
    code, out = run("schema")
    assert code == 0 and json.loads(out)["title"].startswith("lianfang Document")
