from pathlib import Path

import pytest

from pipeline.lexicon import fingerprint, load_lexicons, validate_dir

BAD = Path(__file__).parent / "data" / "bad_lexicons"


def test_bundled_lexicons_are_valid() -> None:
    assert [str(e) for e in validate_dir()] == []


@pytest.mark.parametrize(
    ("folder", "where", "words"),
    [
        ("bad_regex", "p.yaml:6", "bad regex"),
        ("bad_kind", "k.yaml:1", "invalid kind 'wordlist'"),
        ("dup_term", "t.yaml:3", "duplicate phrase '风险点'"),
        ("bad_dict", "d.dict.txt:2", "invalid dictionary entry"),
        ("bad_yaml", "m.yaml:4", "duplicate key 'a'"),
    ],
)
def test_bad_lexicons_name_file_and_line(folder: str, where: str, words: str) -> None:
    errs = [str(e) for e in validate_dir(BAD / folder)]
    assert len(errs) == 1, errs
    assert where in errs[0] and words in errs[0]


def test_fingerprint_is_stable_and_content_based(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: mapping\nentries:\n  x: y\n", encoding="utf-8")
    fp1 = fingerprint(tmp_path)
    assert fp1 == fingerprint(tmp_path)
    (tmp_path / "a.yaml").write_text("kind: mapping\nentries:\n  x: z\n", encoding="utf-8")
    assert fingerprint(tmp_path) != fp1


def test_variants_loaded() -> None:
    assert load_lexicons().variants["臵"] == "置"
