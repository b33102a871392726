"""Shared fixtures. Tests that read ../shared/corpus are marked ``corpus`` and skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CORPUS = (ROOT.parent / "shared" / "corpus").resolve()
DEV_FILES = CORPUS / "dev" / "files"
DEV_GOLD = CORPUS / "dev" / "gold"
SCORE_PY = (ROOT.parent / "shared" / "tools" / "score.py").resolve()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir() or not any(SAMPLES.iterdir()):
        pytest.skip("samples/ not generated (run python samples/make_samples.py)")
    return SAMPLES


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not DEV_FILES.is_dir():
        pytest.skip(f"../shared/corpus not present at {CORPUS}: corpus tests skipped")
    return CORPUS


def dev_files(pattern: str = "*") -> list[Path]:
    """Dev corpus files for parametrize (empty when the corpus is absent; tests then skip)."""
    return sorted(DEV_FILES.glob(pattern)) if DEV_FILES.is_dir() else []
